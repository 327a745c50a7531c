-- R1 detail <-> bill (owner: reconciliation).
-- Grain: one row per (cycle, holder, customer_id, charging_mode) of the month's resale customers; the holder
-- is the reseller whose view the rows came from (indirect_partner_id, NULL = the distributor's own), so a
-- customer that changed hands mid-month is compared once per holder over its days with each.
-- Keys carry `indirect_partner_id` only for a reseller's customers.
-- Left: sum of consumption payment_amount over every bill detail type (refunds are negative).
-- Right: sum of the current monthly-sum amount over the configured bill types (default 0, 1, 2).
-- RI fees (charging_mode 10) count under the monthly-sum charge mode $ri_charge_mode (inferred, default 1).
-- Params: $month, $association_type, $bill_types, $ri_charge_mode.
WITH detail AS (
    SELECT
        indirect_partner_id,
        customer_id,
        CASE WHEN charging_mode = 10 THEN CAST($ri_charge_mode AS INTEGER) ELSE charging_mode END AS charging_mode,
        sum(payment_amount) AS amount,
        count(*) AS n
    FROM billing.consumption_records
    WHERE bill_cycle = $month AND association_type = $association_type
    GROUP BY ALL
),
bill AS (
    SELECT indirect_partner_id, customer_id, CAST(charge_mode AS INTEGER) AS charging_mode, sum(amount) AS amount,
        count(*) AS n
    FROM billing.monthly_bills
    WHERE cycle = $month AND list_contains($bill_types, CAST(bill_type AS INTEGER))
    GROUP BY indirect_partner_id, customer_id, charge_mode
),
joined AS (
    SELECT
        coalesce(d.indirect_partner_id, b.indirect_partner_id) AS holder,
        coalesce(d.customer_id, b.customer_id) AS customer_id,
        coalesce(d.charging_mode, b.charging_mode) AS charging_mode,
        d.amount AS left_amount,
        b.amount AS right_amount,
        coalesce(d.n, 0) AS detail_rows,
        coalesce(b.n, 0) AS bill_rows
    FROM detail AS d
    FULL OUTER JOIN bill AS b
        ON b.customer_id = d.customer_id AND b.charging_mode = d.charging_mode
        AND b.indirect_partner_id IS NOT DISTINCT FROM d.indirect_partner_id
)
SELECT
    'detail_vs_bill' AS kind,
    CASE WHEN holder IS NULL
        THEN json_object('cycle', $month, 'customer_id', customer_id, 'charging_mode', charging_mode)
        ELSE json_object('cycle', $month, 'customer_id', customer_id, 'charging_mode', charging_mode,
                         'indirect_partner_id', holder)
    END AS keys,
    left_amount,
    right_amount,
    format('{} fee records vs {} monthly-sum rows', detail_rows, bill_rows) AS detail
FROM joined
ORDER BY keys
