-- R1 detail <-> bill (owner: reconciliation).
-- Grain: one row per (cycle, customer_id, charging_mode) of the month's resale customers.
-- Left: sum of consumption payment_amount over every bill detail type (refunds are negative).
-- Right: sum of the current monthly-sum amount over the configured bill types (default 0, 1, 2).
-- RI fees (charging_mode 10) count under the monthly-sum charge mode $ri_charge_mode (inferred, default 1).
-- Params: $month, $association_type, $bill_types, $ri_charge_mode.
WITH detail AS (
    SELECT
        customer_id,
        CASE WHEN charging_mode = 10 THEN CAST($ri_charge_mode AS INTEGER) ELSE charging_mode END AS charging_mode,
        sum(payment_amount) AS amount,
        count(*) AS n
    FROM billing.consumption_records
    WHERE bill_cycle = $month AND association_type = $association_type
    GROUP BY ALL
),
bill AS (
    SELECT customer_id, CAST(charge_mode AS INTEGER) AS charging_mode, sum(amount) AS amount, count(*) AS n
    FROM billing.monthly_bills
    WHERE cycle = $month AND list_contains($bill_types, CAST(bill_type AS INTEGER))
    GROUP BY customer_id, charge_mode
)
SELECT
    'detail_vs_bill' AS kind,
    json_object(
        'cycle', $month,
        'customer_id', coalesce(d.customer_id, b.customer_id),
        'charging_mode', coalesce(d.charging_mode, b.charging_mode)
    ) AS keys,
    d.amount AS left_amount,
    b.amount AS right_amount,
    format('{} fee records vs {} monthly-sum rows', coalesce(d.n, 0), coalesce(b.n, 0)) AS detail
FROM detail AS d
FULL OUTER JOIN bill AS b ON b.customer_id = d.customer_id AND b.charging_mode = d.charging_mode
ORDER BY keys
