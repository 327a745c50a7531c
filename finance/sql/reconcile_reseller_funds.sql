-- R6_FUNDS funds allocated to a reseller <-> its recharges (owner: reconciliation; rule S, inferred).
-- Grain: one row per (cycle, indirect_partner_id) of the resellers in billing.indirect_partners.
-- Left: the distributor's own account changes ($balance_type) naming the reseller as customer_id:
-- allocations ($distributor_plus) minus reclaims ($distributor_minus), by Beijing trade_date in the month.
-- Right: the reseller's account changes: recharges ($reseller_plus) minus reclaims ($reseller_minus).
-- Amounts are taken unsigned (§3 S9: the sign of change_amount is not documented).
-- Params: $month, $balance_type, $distributor_plus, $distributor_minus, $reseller_plus, $reseller_minus.
WITH resellers AS (
    SELECT DISTINCT indirect_partner_id FROM billing.indirect_partners
),
given AS (
    SELECT
        t.customer_id AS holder,
        sum(CASE WHEN list_contains($distributor_plus, t.trade_detail_type) THEN abs(t.change_amount)
                 ELSE -abs(t.change_amount) END) AS amount,
        count(*) AS n
    FROM billing.account_transactions AS t
    JOIN resellers AS r ON r.indirect_partner_id = t.customer_id
    WHERE t.indirect_partner_id IS NULL
        AND t.balance_type = $balance_type
        AND strftime(t.trade_date, '%Y-%m') = $month
        AND list_contains(list_concat($distributor_plus, $distributor_minus), t.trade_detail_type)
    GROUP BY t.customer_id
),
got AS (
    SELECT
        t.indirect_partner_id AS holder,
        sum(CASE WHEN list_contains($reseller_plus, t.trade_detail_type) THEN abs(t.change_amount)
                 ELSE -abs(t.change_amount) END) AS amount,
        count(*) AS n
    FROM billing.account_transactions AS t
    JOIN resellers AS r ON r.indirect_partner_id = t.indirect_partner_id
    WHERE t.balance_type = $balance_type
        AND strftime(t.trade_date, '%Y-%m') = $month
        AND list_contains(list_concat($reseller_plus, $reseller_minus), t.trade_detail_type)
    GROUP BY t.indirect_partner_id
)
SELECT
    'allocation_vs_recharge' AS kind,
    json_object('cycle', $month, 'indirect_partner_id', coalesce(g.holder, r.holder)) AS keys,
    g.amount AS left_amount,
    r.amount AS right_amount,
    format('{} distributor changes vs {} reseller changes', coalesce(g.n, 0), coalesce(r.n, 0)) AS detail
FROM given AS g
FULL OUTER JOIN got AS r ON r.holder = g.holder
ORDER BY keys
