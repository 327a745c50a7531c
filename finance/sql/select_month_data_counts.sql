-- Rows of month M in each fact table the reconciliation compares (owner: reporting). Grain: dataset.
-- All zero = the month has no data: a report of it must say so, never "all matched". Params: $month.
SELECT 'consumption_records' AS dataset, count(*) AS rows
FROM billing.consumption_records WHERE bill_cycle = $month
UNION ALL
SELECT 'monthly_bills', count(*) FROM billing.monthly_bills WHERE cycle = $month
UNION ALL
SELECT 'account_transactions', count(*) FROM billing.account_transactions
WHERE strftime(trade_date, '%Y-%m') = $month
UNION ALL
SELECT 'incentive_records', count(*) FROM billing.incentive_records WHERE incentive_period = $month
