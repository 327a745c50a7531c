-- B5: one day's fee records with their amounts scaled, as a new load of that day would bring them.
SELECT * REPLACE (CAST(payment_amount * CAST($factor AS INTEGER) AS DECIMAL(38, 10)) AS payment_amount)
FROM billing.consumption_records
WHERE bill_date = CAST($day AS DATE);
