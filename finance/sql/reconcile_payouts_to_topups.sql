-- R11 completed payout applications <-> rebate top-ups (owner: reconciliation).
-- Grain ($match = 'application'): one row per completed application (status = $paid_status), reported in the
-- month of its top-up (else of its application), plus one per rebate top-up no completed application explains,
-- in the month of its trade_date. $match = 'period': the applications' rows summed per incentive period.
-- Matching: a top-up (trade_detail_type = $rebate_type) whose trade_id is one of the incentive bill ids the
-- application names belongs to it; the rest pair one to one by equal amount (to the cent), in order, when the
-- top-up is dated from the application day to $window_days after.
-- Params: $month, $rebate_type, $window_days, $paid_status, $match.
WITH apps AS (
    SELECT
        application_no, incentive_period, applied_amount AS amount,
        string_split(replace(coalesce(incentive_bill_ids, ''), ' ', ''), ',') AS bill_ids,
        coalesce(
            try_cast(substr(applied_at, 1, 10) AS DATE),
            CAST(strptime(incentive_period || '-01', '%Y-%m-%d') AS DATE)
        ) AS applied_on
    FROM billing.incentive_payout_applications
    WHERE status = $paid_status
),
topups AS (
    SELECT
        account_change_id, coalesce(trade_id, account_change_id) AS topup_key, trade_id, trade_date,
        abs(change_amount) AS amount
    FROM billing.account_transactions
    WHERE trade_detail_type = $rebate_type
),
by_id AS (
    SELECT a.application_no, t.account_change_id, t.trade_date, t.amount
    FROM apps AS a
    JOIN topups AS t ON list_contains(a.bill_ids, t.trade_id)
),
open_apps AS (
    SELECT a.*, row_number() OVER (PARTITION BY round(a.amount, 2) ORDER BY a.applied_on, a.application_no) AS k
    FROM apps AS a
    WHERE a.application_no NOT IN (SELECT application_no FROM by_id)
),
free_topups AS (
    SELECT t.*, row_number() OVER (PARTITION BY round(t.amount, 2) ORDER BY t.trade_date, t.account_change_id) AS k
    FROM topups AS t
    WHERE t.account_change_id NOT IN (SELECT account_change_id FROM by_id)
),
by_amount AS (
    SELECT o.application_no, f.account_change_id, f.trade_date, f.amount
    FROM open_apps AS o
    JOIN free_topups AS f
        ON round(f.amount, 2) = round(o.amount, 2)
        AND f.k = o.k
        AND f.trade_date >= o.applied_on
        AND f.trade_date <= o.applied_on + to_days(CAST($window_days AS INTEGER))
),
pairs AS (
    SELECT *, 'trade_id' AS how FROM by_id
    UNION ALL
    SELECT *, 'amount and date window' AS how FROM by_amount
),
per_app AS (
    SELECT
        a.application_no, a.incentive_period, a.amount AS left_amount, sum(p.amount) AS right_amount,
        count(p.account_change_id) AS n, min(p.how) AS how,
        strftime(coalesce(min(p.trade_date), a.applied_on), '%Y-%m') AS month
    FROM apps AS a
    LEFT JOIN pairs AS p ON p.application_no = a.application_no
    GROUP BY a.application_no, a.incentive_period, a.amount, a.applied_on
),
rows AS (
    SELECT
        json_object('application_no', application_no) AS keys, left_amount, right_amount,
        CASE WHEN n = 0 THEN 'completed application without a rebate top-up'
             ELSE format('{} top-up(s) matched by {}', n, how) END AS detail
    FROM per_app
    WHERE $match = 'application' AND month = $month
    UNION ALL
    SELECT
        json_object('incentive_period', incentive_period) AS keys, sum(left_amount), sum(right_amount),
        format('{} completed application(s), {} top-up(s)', count(*), sum(n)) AS detail
    FROM per_app
    WHERE $match = 'period' AND month = $month
    GROUP BY incentive_period
    UNION ALL
    SELECT
        json_object('topup', f.topup_key) AS keys, CAST(NULL AS DECIMAL(38, 10)), f.amount,
        format('rebate top-up {} on {} matches no completed payout application', f.account_change_id, f.trade_date)
    FROM topups AS f
    WHERE strftime(f.trade_date, '%Y-%m') = $month
        AND f.account_change_id NOT IN (SELECT account_change_id FROM pairs)
)
SELECT 'payout_vs_topup' AS kind, keys, left_amount, right_amount, detail FROM rows
ORDER BY keys
