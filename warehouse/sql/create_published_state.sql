-- The published catalog's own record: its generation, the exact files of every view, the loads it covers.
CREATE SCHEMA IF NOT EXISTS published;
CREATE TABLE published.generation (generation INTEGER, published_at_utc TIMESTAMP, warehouse VARCHAR);
CREATE TABLE published.files (table_name VARCHAR, partition_path VARCHAR, file VARCHAR);
CREATE TABLE published.tables (table_name VARCHAR, columns VARCHAR, fingerprint VARCHAR);
CREATE TABLE published.loads (load_id VARCHAR);
COMMENT ON TABLE published.generation IS 'Which generation of the published view this catalog is (one row)';
COMMENT ON TABLE published.files IS 'Every Parquet file behind each view, by hive partition path';
COMMENT ON TABLE published.tables IS 'Columns of each published table as published, for change detection';
COMMENT ON TABLE published.loads IS 'Loads (audit.load_log) whose rows this generation contains';
