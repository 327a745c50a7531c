-- One reconciliation run's settings (owner: reporting). Grain: run_id. Params: $run_id.
SELECT run_id, month, CAST(settings AS VARCHAR) AS settings, CAST(rules AS VARCHAR) AS rules, started_at_utc,
    finished_at_utc
FROM marts.reconciliation_runs
WHERE run_id = $run_id
