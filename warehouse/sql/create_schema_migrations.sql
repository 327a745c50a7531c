-- Bootstrap of the migration ledger: which versioned migration files were applied, when, with what content.
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,
    applied_at_utc TIMESTAMP NOT NULL
);
