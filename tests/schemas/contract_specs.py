"""Every dataset contract the schema tests walk, listed once so a new contract reaches all of them."""

from __future__ import annotations

from schemas import (
    account_transactions,
    consumption_records,
    customers,
    incentive_payouts,
    incentive_records,
    money_lists,
    monthly_bills,
    resellers,
)
from schemas.columns import DatasetSpec

SPECS: list[DatasetSpec] = [
    consumption_records.SPEC,
    monthly_bills.SPEC,
    monthly_bills.DETAILS_SPEC,
    account_transactions.SPEC,
    incentive_records.SPEC,
    incentive_payouts.SPEC,
    customers.SPEC,
    *money_lists.SPECS,
    *resellers.SPECS,
]
