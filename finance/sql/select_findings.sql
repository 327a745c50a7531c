-- Findings of one run (owner: reconciliation). Grain: one row per compared key. Params: $run_id.
SELECT run_id, month, rule, kind, CAST(keys AS VARCHAR) AS keys, left_amount, right_amount, difference, status, detail
FROM marts.reconciliation_findings
WHERE run_id = $run_id
ORDER BY rule, kind, keys
