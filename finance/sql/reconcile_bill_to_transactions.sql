-- R2 bill <-> transactions (owner: reconciliation).
-- Grain: one row per (cycle, balance_type).
-- Left: sum of monthly-sum account_details amount for the balance type (configured bill types).
-- Right: what the partner account paid in the cycle: expenses minus refunds among the configured
-- trade_detail_types, by trade_date (Beijing). Expenses (change_type '2') count positive, income negative,
-- whatever sign the wire used.
-- Params: $month, $bill_types, $balance_types, $trade_detail_types.
WITH bill AS (
    SELECT balance_type, sum(amount) AS amount, count(*) AS n
    FROM billing.monthly_bill_account_details
    WHERE cycle = $month
        AND list_contains($bill_types, CAST(bill_type AS INTEGER))
        AND list_contains($balance_types, balance_type)
    GROUP BY balance_type
),
paid AS (
    SELECT
        balance_type,
        sum(CASE WHEN change_type = '2' THEN abs(change_amount) ELSE -abs(change_amount) END) AS amount,
        count(*) AS n
    FROM billing.account_transactions
    WHERE strftime(trade_date, '%Y-%m') = $month
        AND list_contains($trade_detail_types, trade_detail_type)
        AND list_contains($balance_types, balance_type)
    GROUP BY balance_type
)
SELECT
    'bill_vs_transactions' AS kind,
    json_object('cycle', $month, 'balance_type', coalesce(b.balance_type, p.balance_type)) AS keys,
    b.amount AS left_amount,
    p.amount AS right_amount,
    format('{} account-detail rows vs {} transactions', coalesce(b.n, 0), coalesce(p.n, 0)) AS detail
FROM bill AS b
FULL OUTER JOIN paid AS p ON p.balance_type = b.balance_type
ORDER BY keys
