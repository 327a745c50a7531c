-- R5_QUOTA coupon quotas issued <-> their issue/reclaim records (owner: reconciliation; rule S, inferred).
-- Grain: one row per (indirect_partner_id, quota_id) of the quotas issued to resellers (current state, so
-- the month does not narrow it).
-- Left: the quota's value, less that value when its status says reclaimed ($reclaimed_status, default 6).
-- Right: Σ amount of its records with result $ok_result: issues ($issue_operation) minus reclaims
-- ($reclaim_operation).
-- Params: $reclaimed_status, $issue_operation, $reclaim_operation, $ok_result.
WITH issued AS (
    SELECT
        indirect_partner_id,
        quota_id,
        quota_value - CASE WHEN quota_status = $reclaimed_status THEN quota_value ELSE 0 END AS amount,
        quota_status
    FROM billing.issued_coupon_quotas
),
logged AS (
    SELECT
        indirect_partner_id,
        quota_id,
        sum(CASE WHEN operation_type = $issue_operation THEN amount ELSE -amount END) AS amount,
        count(*) AS n
    FROM billing.coupon_quota_records
    WHERE coalesce(result, $ok_result) = $ok_result
        AND operation_type IN ($issue_operation, $reclaim_operation)
    GROUP BY indirect_partner_id, quota_id
)
SELECT
    'quota_vs_records' AS kind,
    json_object(
        'indirect_partner_id', coalesce(i.indirect_partner_id, l.indirect_partner_id),
        'quota_id', coalesce(i.quota_id, l.quota_id)
    ) AS keys,
    i.amount AS left_amount,
    l.amount AS right_amount,
    format('quota status {} vs {} issue/reclaim records', coalesce(CAST(i.quota_status AS VARCHAR), 'none'),
           coalesce(l.n, 0)) AS detail
FROM issued AS i
FULL OUTER JOIN logged AS l ON l.quota_id = i.quota_id
ORDER BY keys
