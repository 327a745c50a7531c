"""warehouse layer of the Partner Billing Warehouse: DuckDB and SQL, usable without Dagster, no API.

- `connection`: writers that wait for the lock, read-only readers, `transaction()`, `registered()`.
- `migrate`, `migrations/`, `sql/`, `sqlfiles`: versioned DDL and the `.sql` statements by name.
- `parse`: API page files -> typed frames (exact decimals); `console_files`: console export files -> the same.
- `contract`: the typed fetch -> load hand-off (`LoadContext`, `SweepEvidence`, `StagedBatch`, `LoadReport`).
- `staging`: streaming validation into Parquet (quarantine, key ledger); `replace`: the atomic commit + audit.
- `loaders/`: one module per dataset, each `stage_*` (no lock) + `commit_*` (one transaction) + `load_*`.
- `query`, `parquet_export`: read-only SQL and hive-partitioned Parquet (the `pbw sql` / `export` logic).
The month close (reconciliation, invoices, documents, reports) reads these tables from `finance/`.
"""
