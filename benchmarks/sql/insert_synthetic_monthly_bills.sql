-- B4: the monthly-sum rows the API would return for the synthetic month (resale customers only), so R1 holds.
INSERT INTO billing.monthly_bills BY NAME
SELECT
    bill_cycle AS cycle,
    customer_id,
    service_type_code AS cloud_service_type,
    resource_type_code,
    CAST(CASE WHEN bill_detail_type = 4 THEN 1 ELSE 0 END AS SMALLINT) AS bill_type,
    CAST(charging_mode AS SMALLINT) AS charge_mode,
    sum(payment_amount) AS amount,
    1 AS measure_id,
    'CNY' AS currency,
    1 AS version,
    $domain_id AS partner_domain_id,
    $load_id AS load_id
FROM billing.consumption_records
WHERE bill_cycle = $cycle AND association_type = '2'
GROUP BY ALL
