-- R2 by-day drill-down rows of a run that differ (owner: reporting). Grain: (balance_type, day). Params: $run_id.
SELECT keys ->> 'balance_type' AS balance_type, day, left_amount, right_amount, difference
FROM marts.reconciliation_drilldown
WHERE run_id = $run_id AND difference <> 0
ORDER BY balance_type, day
