"""The contracts every layer agrees on: what a column is called, its type, and which rows are valid.

- `columns`: `Column` / `DatasetSpec` (wire name -> column name -> DuckDB/polars type, partition, key).
- one module per dataset (`consumption_records`, `monthly_bills`, `account_transactions`, `customers`,
  `incentive_records`): its spec and its pandera (polars) model.
- `validation`: hard rules (H, a bad row is quarantined) and inferred rules (S, configurable), `split_valid`.
- `codes`: code tables (charging modes, bill types, trade types, incentive statuses in Chinese and English).
- `json_numbers`: finds JSON numbers a float would round (money arrives as JSON numbers).

Pure: no I/O, no DuckDB, no Dagster; imports nothing of ours.
"""
