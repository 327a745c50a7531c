-- B4 synthetic month: $rows fee records of cycle $cycle spread over $days Beijing days from $month_start.
-- Values come from hash(i), so the same parameters give the same rows; amounts are exact 4-dp decimals.
-- 70% on-demand usage (mode 3, type 5), the rest yearly/monthly (mode 1, type 1) with 1 in 53 unsubscribed
-- (type 4, negative).
INSERT INTO billing.consumption_records BY NAME
WITH g AS (
    SELECT
        i,
        CAST(hash(i) % $customers AS BIGINT) AS c,
        CAST(i % $days AS INTEGER) AS d,
        hash(i, 17) AS h2,
        CAST(hash(i, 29) % 10000000 AS DECIMAL(18, 0)) * CAST(0.0001 AS DECIMAL(5, 4)) AS base,
        CAST(hash(i, 31) % 86400 AS INTEGER) AS second_of_day
    FROM range($rows) AS t(i)
),
shaped AS (
    SELECT
        *,
        CASE WHEN h2 % 10 < 7 THEN 3 ELSE 1 END AS mode,
        CASE WHEN h2 % 10 < 7 THEN 5 WHEN h2 % 53 = 0 THEN 4 ELSE 1 END AS detail_type,
        CAST(h2 % 8 AS INTEGER) AS svc
    FROM g
)
SELECT
    printf('fee-%012d', i) AS id,
    CAST($month_start AS DATE) + d AS bill_date,
    $cycle AS bill_cycle,
    printf('cust-%06d', c) AS customer_id,
    CASE WHEN c % 10 = 0 THEN '1' ELSE '2' END AS association_type,
    ['hws.service.type.ec2', 'hws.service.type.ebs', 'hws.service.type.obs', 'hws.service.type.rds',
     'hws.service.type.elb', 'hws.service.type.vpc', 'hws.service.type.dcs', 'hws.service.type.cce'][svc + 1]
        AS service_type_code,
    ['ECS', 'EVS', 'OBS', 'RDS', 'ELB', 'VPC', 'DCS', 'CCE'][svc + 1] AS service_type_name,
    printf('hws.resource.type.%d', svc) AS resource_type_code,
    'cn-north-4' AS region_code,
    printf('res-%d-%d', c, svc) AS resource_id,
    mode AS charging_mode,
    detail_type AS bill_detail_type,
    printf('trade-%d', i) AS trade_id,
    CAST(CAST($month_start AS DATE) + d AS TIMESTAMP) + to_seconds(second_of_day) - INTERVAL 8 HOUR
        AS trade_time_utc,
    CAST(CAST($month_start AS DATE) + d AS TIMESTAMP) + to_seconds(second_of_day) - INTERVAL 8 HOUR
        AS consume_time_utc,
    base * CAST(1.25 AS DECIMAL(3, 2)) * CASE WHEN detail_type = 4 THEN -1 ELSE 1 END AS official_amount,
    base * CAST(0.25 AS DECIMAL(3, 2)) * CASE WHEN detail_type = 4 THEN -1 ELSE 1 END AS official_discount_amount,
    base * CASE WHEN detail_type = 4 THEN -1 ELSE 1 END AS payment_amount,
    base * CASE WHEN detail_type = 4 THEN -1 ELSE 1 END AS cash_amount,
    0 AS credit_amount,
    0 AS coupon_amount,
    0 AS flexipurchase_coupon_amount,
    0 AS stored_value_card_amount,
    0 AS debt_amount,
    0 AS writeoff_amount,
    'CNY' AS currency,
    $domain_id AS partner_domain_id,
    $load_id AS load_id
FROM shaped
