"""The month close: tables in the warehouse -> findings, invoices and the files people read.

- `reconciliation/`: `settings` (the TOML/env choices of R1-R5), `engine` (`reconcile_month`, rules to
  findings).
- `invoicing/`: `planning` (pure: basis + documents so far -> a plan), `store` (DuckDB reads, the plan's
  writes).
- `documents` (invoice HTML, PDF, XLSX, CSV), `reports` (the reconciliation report), `safe_cells` (cells of
  outgoing files), `price_book` and `toml_config` (the partner's config files), `sql/` and `templates/`.

Imports `warehouse` (connection, sqlfiles) and `schemas`, never `pipelines`. The marts DDL stays in
`warehouse/migrations/`: the warehouse owns the tables, finance owns the models that fill and read them.
"""
