-- R10 RI / savings-plan fees <-> their orders (owner: reconciliation, every-yuan).
-- Only the distributor's own fee records (indirect_partner_id NULL): money_lists_job sweeps the partner's
-- own coupons and orders, not each reseller's.
-- Grain: one row per (cycle, order_id) of a reserved-instance or savings-plan order with fees in the month.
-- Left: sum of payment_amount of the month's fee records of the configured charging modes and order bill
-- detail types (their trade_id is the order), per order.
-- Right: the order's amount_after_discount (negative for an order whose fees are refunds); missing when the
-- order list lacks it.
-- Params: $month, $charging_modes, $order_bill_detail_types.
WITH fees AS (
    SELECT trade_id AS order_id, sum(payment_amount) AS amount, count(*) AS n
    FROM billing.consumption_records
    WHERE bill_cycle = $month
        AND indirect_partner_id IS NULL  -- the lists are the distributor's own view (not swept per reseller)
        AND list_contains($charging_modes, charging_mode)
        AND list_contains($order_bill_detail_types, bill_detail_type)
    GROUP BY trade_id
)
SELECT
    'reserved_fees_vs_orders' AS kind,
    json_object('cycle', $month, 'order_id', f.order_id) AS keys,
    f.amount AS left_amount,
    CASE WHEN f.amount < 0 THEN -o.amount_after_discount ELSE o.amount_after_discount END AS right_amount,
    format('{} fee records vs order type {}', f.n, coalesce(CAST(o.order_type AS VARCHAR), 'none')) AS detail
FROM fees AS f
LEFT JOIN billing.customer_orders AS o ON o.order_id = f.order_id
ORDER BY keys
