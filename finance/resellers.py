"""A distributor's resellers at month end: one summary line each, and what a reseller's statement shows.

Everything is read from the warehouse per reseller (`indirect_partner_id`): a reseller's view of the fee
records covers only the days a customer was its customer, so the statement of a customer that changed hands
mid-month shows only the reseller's share, and no record is on two statements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import polars as pl

from warehouse.sqlfiles import sql

FUND_TYPES: tuple[str, ...] = (
    "SOURCE_OPERATION_BEADJUST",
    "SOURCE_OPERATION_BERETRIEVE",
    "SOURCE_OPERATION_BEUNBIND",
    "SOURCE_OPERATION_RECHARGE",
)
"""Account changes that move funds between the distributor and a reseller (statement, funds section)."""


@dataclass(frozen=True)
class ResellerLine:
    """One reseller in the month's summary: customers and consumption, and its reconciliation findings."""

    indirect_partner_id: str
    name: str
    account_name: str
    customers: int
    records: int
    amount: Decimal
    compared: int
    unexplained: int

    def text(self) -> str:
        """The line `pbw reconcile` prints."""
        verdict = "all matched" if not self.unexplained else f"{self.unexplained} unexplained finding(s)"
        return (
            f"reseller {self.account_name} {self.name} ({self.indirect_partner_id}): "
            f"{self.customers} customers, {self.records} fee records, {self.amount:,.2f} CNY; "
            f"{self.compared} compared, {verdict}"
        )


@dataclass(frozen=True)
class ResellerStatement:
    """What a reseller's monthly statement shows (frames with exact decimals)."""

    month: str
    indirect_partner_id: str
    name: str
    account_name: str
    consumption: pl.DataFrame
    quotas: pl.DataFrame
    funds: pl.DataFrame
    balances: pl.DataFrame
    incentives: pl.DataFrame

    @property
    def consumption_total(self) -> Decimal:
        """Σ payment_amount of the reseller's customers in the month, exact."""
        values = self.consumption["payment_amount"].to_list() if self.consumption.height else []
        return sum((Decimal(v) for v in values if v is not None), Decimal(0))


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, object]) -> pl.DataFrame:
    return con.sql(sql(name, package="finance"), params=dict(params)).pl()


def reseller_lines(con: duckdb.DuckDBPyConnection, month: str, run_id: str) -> list[ResellerLine]:
    """Every reseller with its month and the findings of run `run_id` whose keys name it."""
    rows = con.execute(sql("select_reseller_summary", package="finance"), {"month": month, "run_id": run_id})
    return [ResellerLine(*row) for row in rows.fetchall()]


def read_statement(con: duckdb.DuckDBPyConnection, month: str, reseller: str) -> ResellerStatement:
    """The statement of one reseller for `month` (YYYY-MM, Beijing)."""
    found = con.execute(sql("select_reseller", package="finance"), {"reseller": reseller}).fetchall()
    if not found:
        raise LookupError(f"reseller {reseller} is not in billing.indirect_partners; load it first (pbw run)")
    name, account = found[0]
    both = {"month": month, "reseller": reseller}
    return ResellerStatement(
        month=month,
        indirect_partner_id=reseller,
        name=str(name or ""),
        account_name=str(account or ""),
        consumption=_frame(con, "select_reseller_consumption", both),
        quotas=_frame(con, "select_reseller_quotas", both),
        funds=_frame(con, "select_reseller_funds", {**both, "types": list(FUND_TYPES)}),
        balances=_frame(con, "select_reseller_balances", {"reseller": reseller}),
        incentives=_frame(con, "select_reseller_incentives", both),
    )


def reseller_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every reseller of the warehouse, by account name."""
    return [str(r[0]) for r in con.execute(sql("select_resellers", package="finance")).fetchall()]
