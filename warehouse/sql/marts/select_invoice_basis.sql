-- Invoice basis (owner: invoicing). Grain: one row per (customer_id, service_type_code) of the month's resale
-- consumption, with exact (unrounded) sums; invoicing rounds per line in Python.
-- Params: $month, $association_type, $customer_id (NULL = every customer).
SELECT
    r.customer_id,
    max(coalesce(c.customer, c.account_name)) AS customer_name,
    r.service_type_code,
    max(r.service_type_name) AS service_type_name,
    sum(coalesce(r.official_amount, 0)) AS list_amount,
    sum(coalesce(r.official_discount_amount, 0)) AS discount_amount,
    sum(
        coalesce(r.coupon_amount, 0) + coalesce(r.flexipurchase_coupon_amount, 0)
        + coalesce(r.stored_value_card_amount, 0)
    ) AS coupon_amount,
    sum(coalesce(r.payment_amount, 0)) AS payment_amount
FROM billing.consumption_records AS r
LEFT JOIN billing.customers AS c ON c.customer_id = r.customer_id
WHERE r.bill_cycle = $month
    AND r.association_type = $association_type
    AND (CAST($customer_id AS VARCHAR) IS NULL OR r.customer_id = CAST($customer_id AS VARCHAR))
GROUP BY r.customer_id, r.service_type_code
ORDER BY r.customer_id, r.service_type_code
