-- Evidence of every load (owner: warehouse): what was asked, what came, where each record ended.

-- grain: load_id (one row per partition-set load)
CREATE TABLE IF NOT EXISTS audit.load_log (
    load_id VARCHAR NOT NULL,
    run_id VARCHAR,
    dataset VARCHAR NOT NULL,
    partitions VARCHAR[] NOT NULL,
    rows_in BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    amount_totals JSON,
    api_calls BIGINT,
    throttled BIGINT,
    started_at_utc TIMESTAMP NOT NULL,
    finished_at_utc TIMESTAMP NOT NULL,
    partner_domain_id VARCHAR NOT NULL
);

-- grain: one rejected record of one load
CREATE TABLE IF NOT EXISTS audit.quarantine (
    load_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    partition_key VARCHAR,
    record_key VARCHAR,
    reasons JSON NOT NULL,
    raw_record JSON,
    quarantined_at_utc TIMESTAMP NOT NULL,
    partner_domain_id VARCHAR
);

-- grain: dataset, field (first time an unknown wire field or export header was seen)
CREATE TABLE IF NOT EXISTS audit.schema_drift (
    dataset VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    first_seen_utc TIMESTAMP NOT NULL,
    sample VARCHAR,
    load_id VARCHAR NOT NULL
);

-- grain: one API sweep (endpoint + params) of one load: evidence for completeness (R5)
CREATE TABLE IF NOT EXISTS audit.api_sweeps (
    load_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    endpoint VARCHAR NOT NULL,
    params JSON,
    api_count BIGINT,
    fetched BIGINT,
    duplicates BIGINT,
    calls BIGINT,
    throttled BIGINT,
    resweeps BIGINT,
    started_at_utc TIMESTAMP,
    finished_at_utc TIMESTAMP,
    partner_domain_id VARCHAR
);

-- grain: bill_cycle, customer_id (the consume-sub-customers answer of the latest load of that cycle)
CREATE TABLE IF NOT EXISTS audit.consumption_customers (
    bill_cycle VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    partner_domain_id VARCHAR
);
