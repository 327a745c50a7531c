-- grain: one re-sweep request per (partner, cycle, customer, bill version) · written by the monthly bills
-- commit when a new version of an ended cycle changed a customer's bills (a restatement, or a late change
-- before the bill was final); done_load_id is set by the consumption re-sweep that replaced the customer's
-- fee records of that cycle, in the same transaction.
CREATE TABLE IF NOT EXISTS audit.resweep_requests (
    cycle VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    bill_version INTEGER NOT NULL,
    reason VARCHAR NOT NULL,
    requested_at_utc TIMESTAMP NOT NULL,
    request_load_id VARCHAR NOT NULL,
    done_load_id VARCHAR,
    done_at_utc TIMESTAMP,
    partner_domain_id VARCHAR NOT NULL
);
COMMENT ON TABLE audit.resweep_requests IS 'Fee-record re-sweeps asked for by a changed bill of an ended month (one row per cycle, customer, bill version); closed by consumption_resweeps';
