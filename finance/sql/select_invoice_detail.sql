-- The fee records behind a customer's invoice (owner: invoicing): the detail attachment. Grain: record id.
-- Names beside ids so the customer can match its resources; usage with its unit (billing.measure_units).
-- bill_date is a Beijing date.
-- Params: $month, $customer_id, $association_type.
SELECT
    r.id AS record_id,
    r.bill_date,
    r.service_type_code,
    r.service_type_name,
    r.region_code,
    r.region_name,
    r.resource_type_code,
    r.resource_type_name,
    r.resource_id,
    r.resource_name,
    r.product_spec_desc,
    r.charging_mode,
    r.usage_amount AS usage_quantity,
    CASE WHEN coalesce(r.usage_measure_id, 0) <> 0
        THEN coalesce(u.abbreviation, u.measure_name, CAST(r.usage_measure_id AS VARCHAR)) END AS usage_unit,
    r.official_amount AS list_amount,
    r.official_discount_amount AS discount_amount,
    coalesce(r.coupon_amount, 0) + coalesce(r.flexipurchase_coupon_amount, 0)
    + coalesce(r.stored_value_card_amount, 0) AS coupon_amount,
    r.cash_amount,
    r.credit_amount,
    r.payment_amount,
    coalesce(r.payment_amount, 0) - (coalesce(r.coupon_amount, 0) + coalesce(r.flexipurchase_coupon_amount, 0)
    + coalesce(r.stored_value_card_amount, 0)) AS net_amount
FROM billing.consumption_records AS r
LEFT JOIN billing.measure_units AS u
    ON u.measure_id = r.usage_measure_id AND u.partner_domain_id = r.partner_domain_id
WHERE r.bill_cycle = $month
    AND r.customer_id = $customer_id
    AND r.association_type = $association_type
    AND r.indirect_partner_id IS NULL
ORDER BY r.bill_date, r.service_type_code, r.resource_id, r.id
