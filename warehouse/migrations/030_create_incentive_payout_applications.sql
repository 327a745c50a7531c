-- Payout applications (激励申付 > 申请记录) from the console exports (issue 16).
-- grain: application_no · partition: incentive_period (YYYY-MM)
CREATE TABLE IF NOT EXISTS billing.incentive_payout_applications (
    application_no VARCHAR NOT NULL,
    incentive_period VARCHAR NOT NULL,
    applied_amount DECIMAL(38, 10),
    status VARCHAR,
    status_raw VARCHAR,
    applied_at VARCHAR,
    incentive_bill_ids VARCHAR,
    source_file VARCHAR,
    file_sha256 VARCHAR,
    partner_domain_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    extra JSON
);

COMMENT ON TABLE billing.incentive_payout_applications IS 'Incentive payout applications (激励申付 > 申请记录) from the console exports, per incentive period (YYYY-MM); status paid (已完成) = paid by a rebate top-up';
