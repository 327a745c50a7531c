-- A reseller's statement, consumption (owner: statements). Grain: one row per (customer_id, service) of the
-- fee records served in the reseller's view of the month (only the customer's days with the reseller).
-- Params: $month, $reseller.
SELECT
    r.customer_id,
    any_value(c.customer) AS customer_name,
    r.service_type_code,
    any_value(r.service_type_name) AS service_type_name,
    count(*) AS records,
    sum(r.official_amount) AS official_amount,
    sum(r.official_discount_amount) AS discount_amount,
    sum(r.coupon_amount + r.flexipurchase_coupon_amount + r.stored_value_card_amount) AS coupon_amount,
    sum(r.payment_amount) AS payment_amount
FROM billing.consumption_records AS r
LEFT JOIN billing.customers AS c ON c.customer_id = r.customer_id AND c.partner_domain_id = r.partner_domain_id
WHERE r.bill_cycle = $month AND r.indirect_partner_id = $reseller
GROUP BY r.customer_id, r.service_type_code
ORDER BY r.customer_id, r.service_type_code
