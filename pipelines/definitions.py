"""The code location: composes assets, checks, jobs, schedules, sensors and resources (no logic)."""

from __future__ import annotations

from dagster import Definitions

from pipelines.account_transactions import account_transactions
from pipelines.checks import dataset_checks, freshness_checks
from pipelines.consumption_records import consumption_records
from pipelines.consumption_resweeps import consumption_resweeps
from pipelines.customers import customers
from pipelines.incentive_records import incentive_records
from pipelines.jobs import (
    bills_job,
    daily_job,
    freshness_job,
    incentives_job,
    money_lists_job,
    monthly_close_job,
)
from pipelines.money_lists import MONEY_LIST_ASSETS
from pipelines.monthly_bills import monthly_bills
from pipelines.monthly_close import invoices, invoices_issued, reconciliation, reconciliation_explained
from pipelines.resellers import resellers
from pipelines.resources import resources_from_env
from pipelines.schedules import deployment_schedules
from pipelines.sensors import incentive_inbox_sensor, run_failure_alert

defs = Definitions(
    assets=[customers, resellers, consumption_records, monthly_bills, consumption_resweeps,
            account_transactions, incentive_records, reconciliation, invoices, *MONEY_LIST_ASSETS],
    asset_checks=[*dataset_checks, *freshness_checks, reconciliation_explained, invoices_issued],
    jobs=[daily_job, bills_job, monthly_close_job, incentives_job, freshness_job, money_lists_job],
    schedules=deployment_schedules(),
    sensors=[incentive_inbox_sensor, run_failure_alert],
    resources=resources_from_env(),
)
