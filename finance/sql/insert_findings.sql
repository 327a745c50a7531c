-- Findings of one rule (owner: reconciliation): classifies the rows of a rule model held in the view
-- rule_rows (kind, keys, left_amount, right_amount, detail) into marts.reconciliation_findings.
-- Grain: one row per compared key. A missing side counts as 0 for the difference; a difference within
-- $tolerance is never "missing".
-- Params: $run_id, $month, $rule, $tolerance.
INSERT INTO marts.reconciliation_findings
SELECT
    $run_id,
    $month,
    $rule,
    kind,
    CAST(keys AS JSON),
    left_amount,
    right_amount,
    coalesce(left_amount, 0) - coalesce(right_amount, 0) AS difference,
    CASE
        WHEN coalesce(left_amount, 0) = coalesce(right_amount, 0) THEN 'matched'
        WHEN abs(coalesce(left_amount, 0) - coalesce(right_amount, 0)) <= CAST($tolerance AS DECIMAL(38, 10))
            THEN 'within_tolerance'
        WHEN left_amount IS NULL THEN 'missing_left'
        WHEN right_amount IS NULL THEN 'missing_right'
        ELSE 'mismatched'
    END AS status,
    detail
FROM rule_rows
