-- Month over month per customer and service (owner: reporting): payable amounts of $month beside $previous,
-- and whether the service grew, shrank, started or stopped. Grain: (customer_id, service_type_code).
-- Params: $month, $previous (both 'YYYY-MM' billing cycles, Beijing).
WITH by_month AS (
    SELECT
        bill_cycle,
        customer_id,
        service_type_code,
        max(service_type_name) AS service_type_name,
        sum(payment_amount) AS amount
    FROM billing.consumption_records
    WHERE bill_cycle IN ($month, $previous)
    GROUP BY bill_cycle, customer_id, service_type_code
),
cur AS (SELECT * FROM by_month WHERE bill_cycle = $month),
prev AS (SELECT * FROM by_month WHERE bill_cycle = $previous)
SELECT
    coalesce(c.customer_id, p.customer_id) AS customer_id,
    coalesce(c.service_type_code, p.service_type_code) AS service_type_code,
    coalesce(c.service_type_name, p.service_type_name) AS service_type_name,
    p.amount AS previous_amount,
    c.amount AS amount,
    coalesce(c.amount, 0) - coalesce(p.amount, 0) AS change,
    CASE
        WHEN p.amount IS NULL THEN 'started'
        WHEN c.amount IS NULL THEN 'stopped'
        WHEN c.amount > p.amount THEN 'grew'
        WHEN c.amount < p.amount THEN 'shrank'
        ELSE 'unchanged'
    END AS trend
FROM cur AS c
FULL OUTER JOIN prev AS p ON c.customer_id = p.customer_id AND c.service_type_code = p.service_type_code
ORDER BY customer_id, abs(change) DESC, service_type_code
