-- A reseller's statement, coupon quotas (owner: statements). Grain: one row per quota issued to the reseller
-- (current state) with its issue/reclaim records of the month. Params: $month, $reseller.
WITH moves AS (
    SELECT quota_id,
        sum(amount) FILTER (WHERE operation_type = '10') AS issued,
        sum(amount) FILTER (WHERE operation_type = '11') AS reclaimed
    FROM billing.coupon_quota_records
    WHERE indirect_partner_id = $reseller AND strftime(operation_date, '%Y-%m') = $month
        AND coalesce(result, '0') = '0'
    GROUP BY quota_id
)
SELECT q.quota_id, q.quota_type, q.quota_status, q.quota_value, q.balance,
    coalesce(m.issued, 0) AS issued_in_month, coalesce(m.reclaimed, 0) AS reclaimed_in_month,
    q.expire_time_utc
FROM billing.issued_coupon_quotas AS q
LEFT JOIN moves AS m ON m.quota_id = q.quota_id
WHERE q.indirect_partner_id = $reseller
ORDER BY q.quota_id
