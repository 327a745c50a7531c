-- Loaded datasets (owner: warehouse). Columns follow ARCHITECTURE.md "Table columns"; money is DECIMAL(38,10),
-- *_utc are naive UTC timestamps, bill_date/trade_date are Beijing (UTC+8) dates, cycles are 'YYYY-MM'.
-- Every row carries the partner account it was pulled with and the load that wrote it.

-- grain: id · partition: bill_date
CREATE TABLE IF NOT EXISTS billing.consumption_records (
    id VARCHAR NOT NULL,
    bill_date DATE NOT NULL,
    bill_cycle VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    association_type VARCHAR,
    partner_id VARCHAR,
    account_manager_id VARCHAR,
    enterprise_project_id VARCHAR,
    service_type_code VARCHAR,
    service_type_name VARCHAR,
    resource_type_code VARCHAR,
    resource_type_name VARCHAR,
    region_code VARCHAR,
    region_name VARCHAR,
    resource_id VARCHAR,
    resource_name VARCHAR,
    resource_tag VARCHAR,
    product_id VARCHAR,
    product_name VARCHAR,
    product_spec_desc VARCHAR,
    sub_service_type_code VARCHAR,
    sub_service_type_name VARCHAR,
    sub_resource_type_code VARCHAR,
    sub_resource_type_name VARCHAR,
    sub_resource_id VARCHAR,
    sub_resource_name VARCHAR,
    charging_mode INTEGER,
    bill_detail_type INTEGER,
    order_type INTEGER,
    trade_id VARCHAR,
    payment_type VARCHAR,
    period_type INTEGER,
    period_num DECIMAL(38, 10),
    trade_time_utc TIMESTAMP,
    consume_time_utc TIMESTAMP,
    usage_type VARCHAR,
    usage_amount DECIMAL(38, 10),
    usage_measure_id INTEGER,
    free_resource_usage DECIMAL(38, 10),
    free_resource_measure_id INTEGER,
    ri_usage DECIMAL(38, 10),
    ri_usage_measure_id INTEGER,
    official_amount DECIMAL(38, 10),
    official_discount_amount DECIMAL(38, 10),
    payment_amount DECIMAL(38, 10),
    cash_amount DECIMAL(38, 10),
    credit_amount DECIMAL(38, 10),
    coupon_amount DECIMAL(38, 10),
    flexipurchase_coupon_amount DECIMAL(38, 10),
    stored_value_card_amount DECIMAL(38, 10),
    debt_amount DECIMAL(38, 10),
    writeoff_amount DECIMAL(38, 10),
    currency VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: cycle, customer_id, cloud_service_type, resource_type_code, charge_mode, bill_type · partition: cycle
-- (current version only; superseded versions move to billing.monthly_bills_history)
CREATE TABLE IF NOT EXISTS billing.monthly_bills (
    cycle VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    cloud_service_type VARCHAR,
    cloud_service_type_name VARCHAR,
    resource_type_code VARCHAR,
    resource_type_name VARCHAR,
    bill_type SMALLINT NOT NULL,
    charge_mode SMALLINT NOT NULL,
    amount DECIMAL(38, 10) NOT NULL,
    debt_amount DECIMAL(38, 10),
    adjustment_amount DECIMAL(38, 10),
    discount_amount DECIMAL(38, 10),
    measure_id INTEGER,
    currency VARCHAR,
    version INTEGER NOT NULL,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

CREATE TABLE IF NOT EXISTS billing.monthly_bills_history AS
    SELECT * FROM billing.monthly_bills WITH NO DATA;

-- grain: the monthly_bills keys + balance_type · partition: cycle
CREATE TABLE IF NOT EXISTS billing.monthly_bill_account_details (
    cycle VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    cloud_service_type VARCHAR,
    resource_type_code VARCHAR,
    charge_mode SMALLINT NOT NULL,
    bill_type SMALLINT NOT NULL,
    balance_type VARCHAR,
    amount DECIMAL(38, 10),
    version INTEGER NOT NULL,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

CREATE TABLE IF NOT EXISTS billing.monthly_bill_account_details_history AS
    SELECT * FROM billing.monthly_bill_account_details WITH NO DATA;

-- grain: partner_domain_id, cycle, version (every distinct pulled content of a cycle)
CREATE TABLE IF NOT EXISTS billing.monthly_bill_versions (
    cycle VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    content_hash VARCHAR NOT NULL,
    pulled_at_utc TIMESTAMP NOT NULL,
    rows BIGINT NOT NULL,
    amount_total DECIMAL(38, 10) NOT NULL,
    is_final BOOLEAN NOT NULL,
    is_restatement BOOLEAN NOT NULL,
    load_id VARCHAR NOT NULL,
    partner_domain_id VARCHAR NOT NULL
);

-- grain: account_change_id · partition: trade_date (UTC+8)
CREATE TABLE IF NOT EXISTS billing.account_transactions (
    account_change_id VARCHAR NOT NULL,
    balance_type VARCHAR NOT NULL,
    trade_id VARCHAR,
    trade_time_utc TIMESTAMP NOT NULL,
    trade_date DATE NOT NULL,
    change_amount DECIMAL(38, 10) NOT NULL,
    balance_after_change DECIMAL(38, 10),
    change_type VARCHAR,
    trade_detail_type VARCHAR,
    customer_id VARCHAR,
    account_name VARCHAR,
    currency VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: incentive_data_id · partition: incentive_period (YYYY-MM)
CREATE TABLE IF NOT EXISTS billing.incentive_records (
    incentive_bill_id VARCHAR,
    incentive_data_id VARCHAR NOT NULL,
    year INTEGER,
    incentive_period VARCHAR NOT NULL,
    plan_name VARCHAR,
    order_id VARCHAR,
    customer_name VARCHAR,
    customer_account VARCHAR,
    account_manager VARCHAR,
    product_type VARCHAR,
    association_type VARCHAR,
    charging_mode VARCHAR,
    base_amount DECIMAL(38, 10),
    rate DECIMAL(38, 10),
    incentive_amount DECIMAL(38, 10),
    status VARCHAR,
    status_raw VARCHAR,
    reseller_name VARCHAR,
    source_file VARCHAR,
    file_sha256 VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: customer_id (current state)
CREATE TABLE IF NOT EXISTS billing.customers (
    customer_id VARCHAR NOT NULL,
    account_name VARCHAR,
    customer VARCHAR,
    associated_on_utc TIMESTAMP,
    association_type VARCHAR,
    label VARCHAR,
    telephone VARCHAR,
    email VARCHAR,
    country_code VARCHAR,
    verified_status INTEGER,
    customer_type INTEGER,
    is_frozen INTEGER,
    account_managers JSON,
    xaccount_id VARCHAR,
    xaccount_type VARCHAR,
    customer_level VARCHAR,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: customer_id, valid_from_utc (type-2 history; valid_to_utc NULL = still current)
CREATE TABLE IF NOT EXISTS billing.customers_history (
    customer_id VARCHAR NOT NULL,
    account_name VARCHAR,
    customer VARCHAR,
    associated_on_utc TIMESTAMP,
    association_type VARCHAR,
    label VARCHAR,
    telephone VARCHAR,
    email VARCHAR,
    country_code VARCHAR,
    verified_status INTEGER,
    customer_type INTEGER,
    is_frozen INTEGER,
    account_managers JSON,
    xaccount_id VARCHAR,
    xaccount_type VARCHAR,
    customer_level VARCHAR,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON,
    content_hash VARCHAR NOT NULL,
    valid_from_utc TIMESTAMP NOT NULL,
    valid_to_utc TIMESTAMP
);
