-- The newest reconciliation run of a month (owner: reconciliation). Grain: at most one run. Params: $month.
SELECT run_id
FROM marts.reconciliation_runs
WHERE month = $month
ORDER BY finished_at_utc DESC, started_at_utc DESC
LIMIT 1
