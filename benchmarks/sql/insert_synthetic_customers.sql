-- B4 synthetic world: $customers customers; every tenth is a referral customer (no monthly bill).
INSERT INTO billing.customers BY NAME
SELECT
    printf('cust-%06d', c) AS customer_id,
    printf('acct-%06d', c) AS account_name,
    printf('Customer %d', c) AS customer,
    CASE WHEN c % 10 = 0 THEN '1' ELSE '2' END AS association_type,
    $domain_id AS partner_domain_id,
    $load_id AS load_id
FROM range($customers) AS t(c)
