-- R2 drill-down by day (owner: reconciliation).
-- Grain: one row per (balance_type, day) of the cycle for the given balance types.
-- Monthly-sum has no days, so the left side is the resale consumption the balance type funds per bill_date
-- (DEBIT = cash_amount, CREDIT = credit_amount); the right side is the R2 transactions per trade_date.
-- The distributor's own account only (indirect_partner_id NULL): a reseller's R2 finding is not drilled.
-- Params: $month, $balance_types, $trade_detail_types, $association_type.
WITH used AS (
    SELECT bill_date AS day, 'BALANCE_TYPE_DEBIT' AS balance_type, sum(cash_amount) AS amount
    FROM billing.consumption_records
    WHERE bill_cycle = $month AND association_type = $association_type AND indirect_partner_id IS NULL
    GROUP BY bill_date
    UNION ALL
    SELECT bill_date AS day, 'BALANCE_TYPE_CREDIT' AS balance_type, sum(credit_amount) AS amount
    FROM billing.consumption_records
    WHERE bill_cycle = $month AND association_type = $association_type AND indirect_partner_id IS NULL
    GROUP BY bill_date
),
paid AS (
    SELECT
        trade_date AS day,
        balance_type,
        sum(CASE WHEN change_type = '2' THEN abs(change_amount) ELSE -abs(change_amount) END) AS amount
    FROM billing.account_transactions
    WHERE strftime(trade_date, '%Y-%m') = $month AND list_contains($trade_detail_types, trade_detail_type)
        AND indirect_partner_id IS NULL
    GROUP BY trade_date, balance_type
)
SELECT
    json_object('cycle', $month, 'balance_type', coalesce(u.balance_type, p.balance_type)) AS keys,
    coalesce(u.day, p.day) AS day,
    u.amount AS left_amount,
    p.amount AS right_amount,
    coalesce(u.amount, 0) - coalesce(p.amount, 0) AS difference
FROM used AS u
FULL OUTER JOIN paid AS p ON p.day = u.day AND p.balance_type = u.balance_type
WHERE list_contains($balance_types, coalesce(u.balance_type, p.balance_type))
ORDER BY keys, day
