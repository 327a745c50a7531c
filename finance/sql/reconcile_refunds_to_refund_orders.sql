-- R9 refund records <-> refund orders (owner: reconciliation, every-yuan).
-- Only the distributor's own fee records (indirect_partner_id NULL): money_lists_job sweeps the partner's
-- own coupons and orders, not each reseller's.
-- Grain: one row per (cycle, order_id) of a refund order (unsubscribe, downgrade, to on-demand).
-- Left: minus the sum of payment_amount of the month's fee records of the configured refund bill detail
-- types, per trade_id (the refund order).
-- Right: the sum of the refund order's refund infos, for refund orders paid in the month (Beijing time).
-- Params: $month, $refund_types.
WITH refunded AS (
    SELECT trade_id AS order_id, -sum(payment_amount) AS amount, count(*) AS n
    FROM billing.consumption_records
    WHERE bill_cycle = $month AND list_contains($refund_types, bill_detail_type)
        AND indirect_partner_id IS NULL  -- the lists are the distributor's own view (not swept per reseller)
    GROUP BY trade_id
),
answered AS (
    SELECT r.order_id, sum(r.amount) AS amount, count(*) AS n
    FROM billing.refund_orders AS r
    INNER JOIN billing.customer_orders AS o
        ON o.order_id = r.order_id AND o.partner_domain_id = r.partner_domain_id
    WHERE strftime(o.payment_time_utc + INTERVAL 8 HOUR, '%Y-%m') = $month
    GROUP BY r.order_id
)
SELECT
    'refund_records_vs_refund_orders' AS kind,
    json_object('cycle', $month, 'order_id', coalesce(f.order_id, a.order_id)) AS keys,
    f.amount AS left_amount,
    a.amount AS right_amount,
    format('{} refund records vs {} refund infos', coalesce(f.n, 0), coalesce(a.n, 0)) AS detail
FROM refunded AS f
FULL OUTER JOIN answered AS a ON a.order_id = f.order_id
ORDER BY keys
