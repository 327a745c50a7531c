-- B4: R5's evidence for the synthetic month: one complete res-fee-records sweep per customer.
INSERT INTO audit.api_sweeps BY NAME
SELECT
    $load_id AS load_id,
    'consumption_records' AS dataset,
    '/v2/bills/subcustomer-bills/res-fee-records' AS endpoint,
    json_object('bill_cycle', bill_cycle, 'customer_id', customer_id) AS params,
    count(*) AS api_count,
    count(*) AS fetched,
    0 AS duplicates,
    CAST(ceil(count(*) / 1000) AS BIGINT) AS calls,
    0 AS throttled,
    0 AS resweeps,
    $domain_id AS partner_domain_id
FROM billing.consumption_records
WHERE bill_cycle = $cycle
GROUP BY bill_cycle, customer_id
