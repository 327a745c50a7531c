-- R4 incentives <-> payments (owner: reconciliation).
-- Grain: one row per incentive bill (incentive_bill_id) paid in the period, plus one per rebate top-up that
-- no paid bill explains (keyed by the top-up's trade_id) dated in the month or carrying the id of a bill of
-- the period.
-- Matching: a top-up (trade_detail_type = $rebate_type) carrying a bill's id as trade_id belongs to that bill;
-- the remaining paid bills and top-ups pair one to one by equal amount (to the cent), in order, when the
-- top-up's trade_date lies between the first day of the bill's period and $window_days after its end.
-- Paid: $paid_from = 'records' (the details' status is $paid_status), 'applications' (a payout application
-- with status $application_status names the bill) or 'either'.
-- Params: $month, $rebate_type, $window_days, $paid_status, $paid_from, $application_status.
WITH applied AS (
    SELECT DISTINCT unnest(string_split(replace(coalesce(incentive_bill_ids, ''), ' ', ''), ',')) AS bill_id
    FROM billing.incentive_payout_applications
    WHERE status = $application_status
),
record_bills AS (
    SELECT
        incentive_bill_id,
        min(incentive_period) AS period,
        sum(incentive_amount) AS amount,
        sum(incentive_amount) FILTER (WHERE status = $paid_status) AS record_paid_amount,
        coalesce(bool_or(status = $paid_status), false) AS record_paid,
        incentive_bill_id IN (SELECT bill_id FROM applied) AS applied_paid
    FROM billing.incentive_records
    GROUP BY incentive_bill_id
),
bills AS (
    SELECT
        incentive_bill_id,
        period,
        CASE
            WHEN $paid_from = 'records' THEN record_paid_amount
            WHEN $paid_from = 'applications' THEN CASE WHEN applied_paid THEN amount END
            ELSE CASE WHEN applied_paid THEN amount ELSE record_paid_amount END
        END AS paid_amount,
        CASE
            WHEN $paid_from = 'records' THEN record_paid
            WHEN $paid_from = 'applications' THEN applied_paid
            ELSE record_paid OR applied_paid
        END AS is_paid
    FROM record_bills
),
topups AS (
    SELECT
        account_change_id, coalesce(trade_id, account_change_id) AS topup_key, trade_id, trade_date,
        trade_time_utc, abs(change_amount) AS amount
    FROM billing.account_transactions
    WHERE trade_detail_type = $rebate_type
),
by_id AS (
    SELECT t.*, b.incentive_bill_id
    FROM topups AS t
    JOIN bills AS b ON b.incentive_bill_id = t.trade_id
),
open_bills AS (
    SELECT
        b.*,
        row_number() OVER (PARTITION BY round(b.paid_amount, 2) ORDER BY b.period, b.incentive_bill_id) AS k
    FROM bills AS b
    WHERE b.is_paid AND b.incentive_bill_id NOT IN (SELECT incentive_bill_id FROM by_id)
),
free_topups AS (
    SELECT
        t.*,
        row_number() OVER (PARTITION BY round(t.amount, 2) ORDER BY t.trade_time_utc, t.account_change_id) AS k
    FROM topups AS t
    WHERE t.account_change_id NOT IN (SELECT account_change_id FROM by_id)
),
by_amount AS (
    SELECT f.*, o.incentive_bill_id
    FROM open_bills AS o
    JOIN free_topups AS f
        ON round(f.amount, 2) = round(o.paid_amount, 2)
        AND f.k = o.k
        AND f.trade_date >= CAST(strptime(o.period || '-01', '%Y-%m-%d') AS DATE)
        AND f.trade_date < CAST(strptime(o.period || '-01', '%Y-%m-%d') AS DATE)
            + INTERVAL 1 MONTH + to_days(CAST($window_days AS INTEGER))
),
matched AS (
    SELECT incentive_bill_id, sum(amount) AS amount, count(*) AS n, 'trade_id' AS how
    FROM by_id GROUP BY incentive_bill_id
    UNION ALL
    SELECT incentive_bill_id, sum(amount) AS amount, count(*) AS n, 'amount and date window' AS how
    FROM by_amount GROUP BY incentive_bill_id
)
SELECT
    'incentive_payment' AS kind,
    json_object('incentive_bill_id', b.incentive_bill_id) AS keys,
    b.paid_amount AS left_amount,
    m.amount AS right_amount,
    CASE
        WHEN NOT b.is_paid THEN format('bill not paid, yet {} top-up(s) carry its id', m.n)
        WHEN m.n IS NULL THEN 'paid bill without a rebate top-up'
        ELSE format('{} top-up(s) matched by {}', m.n, m.how)
    END AS detail
FROM bills AS b
LEFT JOIN matched AS m ON m.incentive_bill_id = b.incentive_bill_id
WHERE b.period = $month AND (b.is_paid OR m.n IS NOT NULL)
UNION ALL
SELECT
    'incentive_payment' AS kind,
    json_object('incentive_bill_id', f.topup_key) AS keys,
    CAST(NULL AS DECIMAL(38, 10)) AS left_amount,
    f.amount AS right_amount,
    format('rebate top-up {} on {} matches no paid incentive bill', f.account_change_id, f.trade_date) AS detail
FROM free_topups AS f
WHERE strftime(f.trade_date, '%Y-%m') = $month
    AND f.account_change_id NOT IN (SELECT account_change_id FROM by_amount)
ORDER BY keys
