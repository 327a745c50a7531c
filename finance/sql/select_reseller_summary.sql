-- Per reseller of the month (owner: reconciliation): its customers and consumption, and the findings of a
-- reconciliation run whose keys name it. Grain: one row per reseller in billing.indirect_partners.
-- Params: $month, $run_id.
WITH consumption AS (
    SELECT indirect_partner_id, count(DISTINCT customer_id) AS customers, count(*) AS records,
        sum(payment_amount) AS amount
    FROM billing.consumption_records
    WHERE bill_cycle = $month AND indirect_partner_id IS NOT NULL
    GROUP BY indirect_partner_id
),
found AS (
    SELECT keys ->> 'indirect_partner_id' AS indirect_partner_id, count(*) AS compared,
        count(*) FILTER (WHERE status NOT IN ('matched', 'within_tolerance')) AS unexplained
    FROM marts.reconciliation_findings
    WHERE run_id = $run_id AND keys ->> 'indirect_partner_id' IS NOT NULL
    GROUP BY 1
)
SELECT
    p.indirect_partner_id,
    p.name,
    p.account_name,
    coalesce(c.customers, 0) AS customers,
    coalesce(c.records, 0) AS records,
    coalesce(c.amount, CAST(0 AS DECIMAL(38, 10))) AS amount,
    coalesce(f.compared, 0) AS compared,
    coalesce(f.unexplained, 0) AS unexplained
FROM billing.indirect_partners AS p
LEFT JOIN consumption AS c ON c.indirect_partner_id = p.indirect_partner_id
LEFT JOIN found AS f ON f.indirect_partner_id = p.indirect_partner_id
ORDER BY p.account_name, p.indirect_partner_id
