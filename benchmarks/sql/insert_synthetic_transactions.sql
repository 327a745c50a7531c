-- B4: one partner-account deduction (or refund) per resale customer, day and charging mode, so R2 holds.
INSERT INTO billing.account_transactions BY NAME
WITH daily AS (
    SELECT
        bill_date,
        customer_id,
        charging_mode,
        bill_detail_type = 4 AS is_refund,
        sum(payment_amount) AS amount
    FROM billing.consumption_records
    WHERE bill_cycle = $cycle AND association_type = '2'
    GROUP BY ALL
)
SELECT
    printf('acc-%s-%s-%d-%d', strftime(bill_date, '%Y%m%d'), customer_id, charging_mode, CAST(is_refund AS INTEGER))
        AS account_change_id,
    'BALANCE_TYPE_DEBIT' AS balance_type,
    printf('trade-%s-%s', strftime(bill_date, '%Y%m%d'), customer_id) AS trade_id,
    CAST(bill_date AS TIMESTAMP) + INTERVAL 4 HOUR AS trade_time_utc,
    bill_date AS trade_date,
    abs(amount) AS change_amount,
    CASE WHEN is_refund THEN '1' ELSE '2' END AS change_type,
    CASE
        WHEN is_refund THEN 'SOURCE_OPERAIION_REFUND'
        WHEN charging_mode = 3 THEN 'SOURCE_OPERAIION_USAGE'
        ELSE 'SOURCE_OPERAIION_DEDEUCT'
    END AS trade_detail_type,
    'CNY' AS currency,
    $domain_id AS partner_domain_id,
    $load_id AS load_id
FROM daily
