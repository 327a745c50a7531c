-- R5 completeness: customers with consumption (owner: reconciliation).
-- Grain: one row per customer the API listed as having consumption in the cycle.
-- Left: 1 (listed); right: 1 when the warehouse holds fee records of that customer in the cycle, else missing.
-- Params: $month.
WITH listed AS (
    SELECT DISTINCT customer_id FROM audit.consumption_customers WHERE bill_cycle = $month
),
held AS (
    SELECT customer_id, count(*) AS n
    FROM billing.consumption_records
    WHERE bill_cycle = $month
    GROUP BY customer_id
)
SELECT
    'customer_without_records' AS kind,
    json_object('dataset', 'consumption_records', 'record_key', l.customer_id) AS keys,
    CAST(1 AS DECIMAL(38, 10)) AS left_amount,
    CASE WHEN h.n IS NOT NULL THEN CAST(1 AS DECIMAL(38, 10)) END AS right_amount,
    format('{} fee records held', coalesce(h.n, 0)) AS detail
FROM listed AS l
LEFT JOIN held AS h ON h.customer_id = l.customer_id
ORDER BY keys
