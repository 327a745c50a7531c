-- Daily consumption of a month for the report (owner: reporting). Grain: bill_date (Beijing).
-- Params: $month.
SELECT
    bill_date AS day,
    sum(payment_amount) FILTER (WHERE association_type = '2') AS resale_amount,
    sum(payment_amount) FILTER (WHERE association_type IS DISTINCT FROM '2') AS referral_amount,
    count(*) AS records
FROM billing.consumption_records
WHERE bill_cycle = $month
GROUP BY bill_date
ORDER BY bill_date
