-- Reconciliation results (owner: reconciliation). One row per compared key per rule per run;
-- the run table records which rules ran with which settings, so a report can say so.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS marts.reconciliation_runs (
    run_id VARCHAR PRIMARY KEY,
    month VARCHAR NOT NULL,
    settings JSON NOT NULL,
    rules JSON NOT NULL,
    started_at_utc TIMESTAMP NOT NULL,
    finished_at_utc TIMESTAMP
);

CREATE TABLE IF NOT EXISTS marts.reconciliation_findings (
    run_id VARCHAR NOT NULL,
    month VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    keys JSON NOT NULL,
    left_amount DECIMAL(38, 10),
    right_amount DECIMAL(38, 10),
    difference DECIMAL(38, 10),
    status VARCHAR NOT NULL,
    detail VARCHAR
);

CREATE TABLE IF NOT EXISTS marts.reconciliation_drilldown (
    run_id VARCHAR NOT NULL,
    month VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    keys JSON NOT NULL,
    day DATE NOT NULL,
    left_amount DECIMAL(38, 10),
    right_amount DECIMAL(38, 10),
    difference DECIMAL(38, 10)
);
