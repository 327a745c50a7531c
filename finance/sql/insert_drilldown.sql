-- R2 drill-down rows (owner: reconciliation): the by-day rows of drill_down_bill_to_transactions.sql held in
-- the view drill_rows, stored for the run. Grain: (run_id, balance_type, day).
-- Params: $run_id, $month.
INSERT INTO marts.reconciliation_drilldown
SELECT $run_id, $month, 'R2', CAST(keys AS JSON), day, left_amount, right_amount, difference
FROM drill_rows
