-- Distributors and their resellers (issue 14; owner: warehouse). Every dataset the API serves per reseller
-- (`indirect_partner_id`) says whose customer a row is: NULL for the distributor's own, else the reseller.
-- Added columns come after the load columns (ALTER TABLE appends); the specs mark them `appended`.

ALTER TABLE billing.consumption_records ADD COLUMN IF NOT EXISTS indirect_partner_id VARCHAR;
ALTER TABLE billing.account_transactions ADD COLUMN IF NOT EXISTS indirect_partner_id VARCHAR;
ALTER TABLE billing.monthly_bills ADD COLUMN IF NOT EXISTS indirect_partner_id VARCHAR;
ALTER TABLE billing.monthly_bills_history ADD COLUMN IF NOT EXISTS indirect_partner_id VARCHAR;
ALTER TABLE billing.monthly_bill_account_details ADD COLUMN IF NOT EXISTS indirect_partner_id VARCHAR;
ALTER TABLE billing.monthly_bill_account_details_history ADD COLUMN IF NOT EXISTS indirect_partner_id VARCHAR;

-- grain: indirect_partner_id (current state; indirect-partners/query, API reference §1.5)
CREATE TABLE IF NOT EXISTS billing.indirect_partners (
    indirect_partner_id VARCHAR NOT NULL,
    name VARCHAR,
    account_name VARCHAR,
    mobile_phone VARCHAR,
    email VARCHAR,
    associated_on_utc TIMESTAMP,
    account_manager_id VARCHAR,
    account_manager_name VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: indirect_partner_id, valid_from_utc (type-2 history; valid_to_utc NULL = still current)
CREATE TABLE IF NOT EXISTS billing.indirect_partners_history AS
SELECT *, CAST(NULL AS VARCHAR) AS content_hash, CAST(NULL AS TIMESTAMP) AS valid_from_utc,
       CAST(NULL AS TIMESTAMP) AS valid_to_utc
FROM billing.indirect_partners WHERE false;

-- grain: snapshot_date, indirect_partner_id, account_id (partner-accounts/balances, §1.9)
CREATE TABLE IF NOT EXISTS billing.reseller_balances (
    snapshot_date DATE NOT NULL,
    account_id VARCHAR NOT NULL,
    account_type INTEGER,
    amount DECIMAL(38, 10),
    currency VARCHAR,
    designated_amount DECIMAL(38, 10),
    credit_amount DECIMAL(38, 10),
    measure_id INTEGER,
    memo VARCHAR,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: snapshot_date, indirect_partner_id, customer_id (customer-accounts/balances/batch-query, §1.9)
CREATE TABLE IF NOT EXISTS billing.customer_balances (
    snapshot_date DATE NOT NULL,
    customer_id VARCHAR NOT NULL,
    amount DECIMAL(38, 10),
    debt_amount DECIMAL(38, 10),
    currency VARCHAR,
    measure_id INTEGER,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: quota_id (current state of the quotas issued to resellers; issued-coupon-quotas, §1.8)
CREATE TABLE IF NOT EXISTS billing.issued_coupon_quotas (
    quota_id VARCHAR NOT NULL,
    quota_type INTEGER,
    quota_status INTEGER,
    quota_value DECIMAL(38, 10),
    balance DECIMAL(38, 10),
    measure_id INTEGER,
    currency VARCHAR,
    create_time_utc TIMESTAMP,
    last_update_time_utc TIMESTAMP,
    effective_time_utc TIMESTAMP,
    expire_time_utc TIMESTAMP,
    limit_infos JSON,
    indirect_partner_id VARCHAR,
    indirect_partner_account_name VARCHAR,
    indirect_partner_name VARCHAR,
    parent_quota_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: id (issue / reclaim log of quotas; coupon-quotas/records, §1.8)
CREATE TABLE IF NOT EXISTS billing.coupon_quota_records (
    id VARCHAR NOT NULL,
    operator VARCHAR,
    operation_type VARCHAR,
    quota_id VARCHAR,
    parent_quota_id VARCHAR,
    amount DECIMAL(38, 10),
    operation_time_utc TIMESTAMP,
    operation_date DATE,
    result VARCHAR,
    indirect_partner_id VARCHAR,
    indirect_partner_account_name VARCHAR,
    indirect_partner_name VARCHAR,
    remark VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- grain: indirect_partner_id, trans_id, customer_id, operation_type, operation_time_utc, amount
-- (allocation / reclaim log of funds; adjust-records, §1.3)
CREATE TABLE IF NOT EXISTS billing.adjust_records (
    trans_id VARCHAR,
    customer_id VARCHAR,
    customer_name VARCHAR,
    operation_type VARCHAR,
    amount DECIMAL(38, 10) NOT NULL,
    currency VARCHAR,
    apply_scene VARCHAR,
    operation_time_utc TIMESTAMP NOT NULL,
    operation_date DATE,
    measure_id INTEGER,
    memo VARCHAR,
    indirect_partner_id VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

-- Who served a customer on a day: the holder whose view returned the customer's fee records that day
-- (a reseller's view covers only its association days), else the holder of the customer list history.
CREATE OR REPLACE VIEW billing.customer_holder_days AS
SELECT DISTINCT partner_domain_id, customer_id, bill_date, indirect_partner_id
FROM billing.consumption_records;

COMMENT ON TABLE billing.indirect_partners IS 'The distributor''s resellers (indirect-partners/query), current state';
COMMENT ON TABLE billing.indirect_partners_history IS 'Type-2 history of billing.indirect_partners (valid_from_utc .. valid_to_utc)';
COMMENT ON TABLE billing.reseller_balances IS 'Account balances of the distributor (indirect_partner_id NULL) and of each reseller, per Beijing snapshot_date';
COMMENT ON TABLE billing.customer_balances IS 'Resale customers'' balances and debts per holder, per Beijing snapshot_date';
COMMENT ON TABLE billing.issued_coupon_quotas IS 'Coupon quotas issued to resellers, current state (status 6 = reclaimed)';
COMMENT ON TABLE billing.coupon_quota_records IS 'Issue (10) and reclaim (11) records of coupon quotas issued to resellers';
COMMENT ON TABLE billing.adjust_records IS 'Fund allocations (BEADJUST) and reclaims (BERETRIEVE, BEUNBIND) per holder';
COMMENT ON VIEW billing.customer_holder_days IS 'Who served a customer on a Beijing day (indirect_partner_id NULL = the distributor), from the fee records';
