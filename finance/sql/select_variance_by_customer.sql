-- R1 variance per customer for the report (owner: reporting). Grain: customer_id. Params: $run_id.
SELECT
    f.keys ->> 'customer_id' AS customer_id,
    max(coalesce(c.customer, c.account_name)) AS customer_name,
    sum(f.left_amount) AS detail_amount,
    sum(f.right_amount) AS bill_amount,
    sum(f.difference) AS difference
FROM marts.reconciliation_findings AS f
LEFT JOIN billing.customers AS c ON c.customer_id = f.keys ->> 'customer_id'
WHERE f.run_id = $run_id AND f.rule = 'R1'
GROUP BY f.keys ->> 'customer_id'
ORDER BY abs(sum(f.difference)) DESC, customer_id
