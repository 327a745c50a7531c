-- R8 coupon deductions <-> coupons issued to customers (owner: reconciliation, every-yuan).
-- Only the distributor's own fee records (indirect_partner_id NULL): money_lists_job sweeps the partner's
-- own coupons and orders, not each reseller's.
-- Grain: one row per (cycle, order_id): the order a coupon paid (a coupon names its order; a fee record's
-- trade_id is its order for new/renewal/change/unsubscribe orders).
-- Left: sum of fee-record coupon_amount of the month per trade_id.
-- Right: sum of the used amounts (face_value - balance) of the coupons of the configured types last used in the
-- month (Beijing time), per order_id; the detail names the coupons.
-- Params: $month, $coupon_types.
WITH deducted AS (
    SELECT trade_id AS order_id, sum(coupon_amount) AS amount, count(*) AS n
    FROM billing.consumption_records
    WHERE bill_cycle = $month AND coupon_amount <> 0
        AND indirect_partner_id IS NULL  -- the lists are the distributor's own view (not swept per reseller)
    GROUP BY trade_id
),
used AS (
    SELECT
        order_id,
        sum(face_value - balance) AS amount,
        string_agg(coupon_id, ', ' ORDER BY coupon_id) AS coupons
    FROM billing.partner_coupons
    WHERE face_value <> balance
        AND list_contains($coupon_types, coupon_type)
        AND strftime(last_used_time_utc + INTERVAL 8 HOUR, '%Y-%m') = $month
    GROUP BY order_id
)
SELECT
    'coupon_vs_deductions' AS kind,
    json_object('cycle', $month, 'order_id', coalesce(d.order_id, u.order_id)) AS keys,
    d.amount AS left_amount,
    u.amount AS right_amount,
    format('{} fee records vs coupon(s) {}', coalesce(d.n, 0), coalesce(u.coupons, 'none')) AS detail
FROM deducted AS d
FULL OUTER JOIN used AS u ON u.order_id = d.order_id
ORDER BY keys
