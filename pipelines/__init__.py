"""The top floor: Dagster wiring and the `pbw` command line (see pipelines/README.md for the asset graph).

- `definitions` composes; one module per dataset asset (`customers`, `consumption_records`,
  `account_transactions`, `monthly_bills`, `incentive_records`), `consumption_resweeps` (fee records of
  customers whose closed bill changed) and `monthly_close` (reconciliation, invoices); `fetching` (sweeps ->
  staged batches, the commit step), `progress`, `partitions`, `jobs`, `schedules`, `sensors`, `checks`,
  `resources`, `money` (money as metadata), `instance` (the Dagster instance of `pbw`), `inbox` and
  `inbox_runs` (console files and their outcomes), `close_events` (the month close from the CLI in Dagster).
- The CLI: `cli` composes `commands` (`run`, `backfill`, `load inbox`), `runs_commands` (`runs`),
  `sql_commands` (`sql`, `export`), `reporting_commands` (`reconcile`, `invoice`), and the sandbox's and the
  client's own; `failures` (one line per failed step), `run_recovery` (runs whose process died), `demo`.
"""
