-- R2 bill <-> transactions (owner: reconciliation).
-- Grain: one row per (cycle, holder, balance_type): the distributor's own account (indirect_partner_id
-- NULL) and each reseller's account (its customers' bills vs its own account changes). Keys carry
-- `indirect_partner_id` only for a reseller.
-- Left: sum of monthly-sum account_details amount for the balance type (configured bill types).
-- Right: what the account paid in the cycle: expenses minus refunds among the configured
-- trade_detail_types, by trade_date (Beijing). Expenses (change_type '2') count positive, income negative,
-- whatever sign the wire used.
-- Params: $month, $bill_types, $balance_types, $trade_detail_types.
WITH bill AS (
    SELECT indirect_partner_id, balance_type, sum(amount) AS amount, count(*) AS n
    FROM billing.monthly_bill_account_details
    WHERE cycle = $month
        AND list_contains($bill_types, CAST(bill_type AS INTEGER))
        AND list_contains($balance_types, balance_type)
    GROUP BY indirect_partner_id, balance_type
),
paid AS (
    SELECT
        indirect_partner_id,
        balance_type,
        sum(CASE WHEN change_type = '2' THEN abs(change_amount) ELSE -abs(change_amount) END) AS amount,
        count(*) AS n
    FROM billing.account_transactions
    WHERE strftime(trade_date, '%Y-%m') = $month
        AND list_contains($trade_detail_types, trade_detail_type)
        AND list_contains($balance_types, balance_type)
    GROUP BY indirect_partner_id, balance_type
),
joined AS (
    SELECT
        coalesce(b.indirect_partner_id, p.indirect_partner_id) AS holder,
        coalesce(b.balance_type, p.balance_type) AS balance_type,
        b.amount AS left_amount,
        p.amount AS right_amount,
        coalesce(b.n, 0) AS bill_rows,
        coalesce(p.n, 0) AS paid_rows
    FROM bill AS b
    FULL OUTER JOIN paid AS p
        ON p.balance_type = b.balance_type AND p.indirect_partner_id IS NOT DISTINCT FROM b.indirect_partner_id
)
SELECT
    'bill_vs_transactions' AS kind,
    CASE WHEN holder IS NULL
        THEN json_object('cycle', $month, 'balance_type', balance_type)
        ELSE json_object('cycle', $month, 'balance_type', balance_type, 'indirect_partner_id', holder)
    END AS keys,
    left_amount,
    right_amount,
    format('{} account-detail rows vs {} transactions', bill_rows, paid_rows) AS detail
FROM joined
ORDER BY keys
