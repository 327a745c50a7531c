-- R5 completeness: sweep counts (owner: reconciliation).
-- Grain: one row per API sweep of the month (the latest sweep per dataset, endpoint and params).
-- Left: the API's total_count/count; right: rows fetched. record_key names what the sweep covered
-- (customer, balance type or charge mode, else the endpoint).
-- Params: $month.
WITH sweeps AS (
    SELECT
        *,
        coalesce(
            params ->> 'bill_cycle',
            params ->> 'cycle',
            substr(params ->> 'bill_date_begin', 1, 7),
            substr(params ->> 'trade_time_begin', 1, 7)
        ) AS sweep_month,
        row_number() OVER (
            PARTITION BY dataset, endpoint, CAST(params AS VARCHAR) ORDER BY started_at_utc DESC, load_id DESC
        ) AS latest
    FROM audit.api_sweeps
)
SELECT
    'sweep_count' AS kind,
    json_object(
        'dataset', dataset,
        'record_key', coalesce(
            params ->> 'customer_id', params ->> 'balance_type', params ->> 'charge_mode', endpoint
        )
    ) AS keys,
    CAST(api_count AS DECIMAL(38, 10)) AS left_amount,
    CAST(fetched AS DECIMAL(38, 10)) AS right_amount,
    format('{} {} (load {}): API count {} vs fetched {}', endpoint, CAST(params AS VARCHAR), load_id, api_count, fetched)
        AS detail
FROM sweeps
WHERE latest = 1 AND sweep_month = $month
ORDER BY keys
