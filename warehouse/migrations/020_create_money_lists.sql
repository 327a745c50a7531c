-- Lists that explain where money came from, each pulled whole (owner: every-yuan): coupons issued to
-- customers and their records, customer orders (discounts in amount_info), refund orders, measurement units.

-- grain: coupon_id (the whole list of the partner account, replaced on each load)
CREATE TABLE IF NOT EXISTS billing.partner_coupons (
    coupon_id VARCHAR NOT NULL,
    status INTEGER,
    customer_id VARCHAR NOT NULL,
    coupon_type INTEGER,
    measure_id INTEGER,
    face_value DECIMAL(38, 10) NOT NULL,
    balance DECIMAL(38, 10) NOT NULL,
    effective_time_utc TIMESTAMP,
    expire_time_utc TIMESTAMP,
    order_id VARCHAR,
    promotion_plan_id VARCHAR,
    promotion_plan_name VARCHAR,
    promotion_plan_desc VARCHAR,
    media_type INTEGER,
    fetch_method INTEGER,
    use_limits JSON,
    active_time_utc TIMESTAMP,
    last_used_time_utc TIMESTAMP,
    promotion_id VARCHAR,
    create_time_utc TIMESTAMP,
    lock_order_id VARCHAR,
    is_frozen VARCHAR,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: id (the whole list of the partner account, replaced on each load)
CREATE TABLE IF NOT EXISTS billing.partner_coupon_records (
    id VARCHAR NOT NULL,
    operation_type VARCHAR,
    quota_id VARCHAR,
    quota_type INTEGER,
    coupon_id VARCHAR NOT NULL,
    customer_id VARCHAR,
    operation_amount DECIMAL(38, 10),
    operation_time_utc TIMESTAMP,
    result VARCHAR,
    remark VARCHAR,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: order_id (the whole list of the partner account, replaced on each load)
CREATE TABLE IF NOT EXISTS billing.customer_orders (
    order_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    service_type_code VARCHAR,
    service_type_name VARCHAR,
    source_type INTEGER,
    status INTEGER,
    order_type INTEGER,
    amount_after_discount DECIMAL(38, 10),
    official_amount DECIMAL(38, 10),
    measure_id INTEGER,
    create_time_utc TIMESTAMP,
    payment_time_utc TIMESTAMP,
    currency VARCHAR,
    contract_id VARCHAR,
    amount_info JSON,
    enterprise_projects JSON,
    sub_order_infos JSON,
    agent_pay_info JSON,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: id (the whole list of the partner account, replaced on each load)
CREATE TABLE IF NOT EXISTS billing.refund_orders (
    id VARCHAR NOT NULL,
    order_id VARCHAR NOT NULL,
    amount DECIMAL(38, 10) NOT NULL,
    measure_id VARCHAR,
    customer_id VARCHAR,
    resource_type_code VARCHAR,
    service_type_code VARCHAR,
    resource_type_name VARCHAR,
    service_type_name VARCHAR,
    region_code VARCHAR,
    base_order_id VARCHAR,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: measure_id (the whole list of the partner account, replaced on each load)
CREATE TABLE IF NOT EXISTS billing.measure_units (
    measure_id INTEGER NOT NULL,
    measure_name VARCHAR,
    abbreviation VARCHAR,
    measure_type INTEGER,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: order_id, discount_type (one row per discount of an order; 700 commercial, 607 partner, ...)
CREATE OR REPLACE VIEW billing.customer_order_discounts AS
SELECT
    o.order_id,
    o.customer_id,
    o.order_type,
    CAST(d.discount ->> 'discount_type' AS VARCHAR) AS discount_type,
    CAST(json_extract_string(d.discount, '$.discount_amount') AS DECIMAL(38, 10)) AS discount_amount,
    o.partner_domain_id
FROM billing.customer_orders AS o,
    unnest(CAST(json_extract(o.amount_info, '$.discounts') AS JSON[])) AS d(discount);

COMMENT ON TABLE billing.partner_coupons IS 'Coupons the partner issued to its customers (partner-coupons); used = face_value - balance';
COMMENT ON TABLE billing.partner_coupon_records IS 'Issue and reclaim records of the coupons issued to customers (partner-coupons/records)';
COMMENT ON TABLE billing.customer_orders IS 'Customer orders (customer-orders): amounts exact from the JSON text, discounts in amount_info';
COMMENT ON TABLE billing.refund_orders IS 'What each refund order (unsubscribe, downgrade, to on-demand) paid back per resource (refund-orders)';
COMMENT ON TABLE billing.measure_units IS 'Measurement units (bases/measurements): usage and money unit ids with names';
COMMENT ON VIEW billing.customer_order_discounts IS 'One row per discount of a customer order (discount_type 700, 607, ...)';
