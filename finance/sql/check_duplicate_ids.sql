-- R5 completeness: duplicate ids (owner: reconciliation).
-- Grain: one row per (dataset, record_key) quarantined as a duplicate in a partition of the month.
-- Left: how many copies were quarantined; right: 0, the number expected.
-- Params: $month.
SELECT
    'duplicate_id' AS kind,
    json_object('dataset', dataset, 'record_key', record_key) AS keys,
    CAST(count(*) AS DECIMAL(38, 10)) AS left_amount,
    CAST(0 AS DECIMAL(38, 10)) AS right_amount,
    format('{} duplicate copies quarantined in {}', count(*), string_agg(DISTINCT partition_key, ', ')) AS detail
FROM audit.quarantine
WHERE starts_with(partition_key, $month)
    AND lower(CAST(reasons AS VARCHAR)) LIKE '%duplicate%'
GROUP BY dataset, record_key
ORDER BY keys
