"""A small synthetic warehouse month that obeys R1-R5 exactly, and known ways to break each rule.

Shared by the reconciliation, invoice and report tests. Amounts are random cents from a seeded generator, so
every expected value is computed from the rows here, never copied from an output.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse.migrate import apply_migrations

MONTH = "2026-03"
NEXT_MONTH_DAY = dt.date(2026, 4, 12)
MONEY = pl.Decimal(38, 10)
CENT = Decimal("0.01")

PLAN_RATES = {
    "Growth": {"*": Decimal("0.05")},
    "Core": {"*": Decimal("0.03"), "hws.service.type.obs": Decimal("0.04")},
}
PRODUCT_POLICIES = {"hws.service.type.ebs": 2, "hws.service.type.ec2": 1}


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A writable warehouse file migrated by the warehouse's own migrations (tables and marts)."""
    con = duckdb.connect(str(path))
    apply_migrations(con)
    return con


_LOAD_DEFAULTS: dict[str, Any] = {"partner_domain_id": "dom", "load_id": "L1"}
_DEFAULTS: dict[str, dict[str, Any]] = {"audit.quarantine": {"quarantined_at_utc": dt.datetime(2026, 4, 6)}}


@dataclass
class World:
    """Rows per table, as dicts with contract column names."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        self.tables[table].append(row)
        return row

    def load(self, con: duckdb.DuckDBPyConnection) -> None:
        """Insert every table through Arrow (by column name; missing columns stay NULL)."""
        for table, rows in self.tables.items():
            if not rows:
                continue
            defaults = _DEFAULTS.get(table, _LOAD_DEFAULTS if table.startswith("billing.") else {})
            frame = pl.DataFrame([defaults | row for row in rows], infer_schema_length=None)
            frame = frame.with_columns(
                pl.col(c).cast(MONEY) for c, t in frame.schema.items() if isinstance(t, pl.Decimal)
            )
            con.register("world_rows", frame.to_arrow())
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM world_rows")
            con.unregister("world_rows")


def cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) * CENT


def build_world(seed: int = 7) -> World:
    """One consistent month: two resale and one referral customer; incentives paid by id and by amount."""
    rng = random.Random(seed)
    w = World()
    customers = [
        ("C1", "acme-cloud", "Acme Cloud Ltd", "2"),
        ("C2", "beta-ai", '=HYPERLINK("http://x")', "2"),
        ("C3", "gamma-net", "Gamma Net", "1"),
    ]
    for cid, account, name, assoc in customers:
        w.add(
            "billing.customers",
            customer_id=cid,
            account_name=account,
            customer=name,
            association_type=assoc,
            partner_domain_id="dom",
        )
        w.add("audit.consumption_customers", bill_cycle=MONTH, customer_id=cid, load_id="L1")
    services = [
        ("hws.service.type.ec2", "Elastic Cloud Server"),
        ("hws.service.type.ebs", "Elastic Volume Service"),
        ("hws.service.type.obs", "Object Storage Service"),
    ]
    n = 0
    for cid, _, _, assoc in customers:
        count = 0
        for day in range(1, 32, 3):
            bill_date = dt.date(2026, 3, day)
            for code, sname in services:
                mode = 3 if code != "hws.service.type.obs" else 1
                detail_type = 5 if mode == 3 else 1
                official = cents(rng, 1000, 90000)
                discount = (official * Decimal("0.1")).quantize(CENT)
                payment = official - discount
                if day == 16 and code == "hws.service.type.ec2":
                    detail_type, official, discount = 4, -official, -discount
                    payment = official - discount
                coupon = (payment * Decimal("0.2")).quantize(CENT) if day % 2 else Decimal(0)
                credit = (payment * Decimal("0.3")).quantize(CENT) if cid == "C2" else Decimal(0)
                cash = payment - coupon - credit
                n += 1
                count += 1
                trade_time = dt.datetime(2026, 3, day, 2, 0) + dt.timedelta(minutes=n)
                w.add(
                    "billing.consumption_records",
                    id=f"R{n:05d}",
                    bill_date=bill_date,
                    bill_cycle=MONTH,
                    customer_id=cid,
                    association_type=assoc,
                    service_type_code=code,
                    service_type_name=sname,
                    resource_type_code="hws.resource.type.vm",
                    resource_type_name="VM",
                    region_code="cn-north-4",
                    resource_id=f"res-{cid}-{code[-3:]}",
                    charging_mode=mode,
                    bill_detail_type=detail_type,
                    trade_id=f"T{n}",
                    trade_time_utc=trade_time,
                    consume_time_utc=trade_time,
                    official_amount=official,
                    official_discount_amount=discount,
                    payment_amount=payment,
                    cash_amount=cash,
                    credit_amount=credit,
                    coupon_amount=coupon,
                    flexipurchase_coupon_amount=Decimal(0),
                    stored_value_card_amount=Decimal(0),
                    debt_amount=Decimal(0),
                    writeoff_amount=Decimal(0),
                    currency="CNY",
                    partner_domain_id="dom",
                    load_id="L1",
                )
        w.add(
            "audit.api_sweeps",
            load_id="L1",
            dataset="consumption_records",
            endpoint="/v2/bills/subcustomer-bills/res-fee-records",
            params=f'{{"bill_cycle": "{MONTH}", "customer_id": "{cid}"}}',
            api_count=count,
            fetched=count,
            duplicates=0,
            calls=1,
            started_at_utc=dt.datetime(2026, 4, 6),
        )
    _derive_bills_and_transactions(w)
    _add_incentives(w)
    return w


def _derive_bills_and_transactions(w: World) -> None:
    """Monthly-sum rows and partner transactions that agree with the fee records (rules R1 and R2)."""
    bills: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    details: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    paid: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for r in w.tables["billing.consumption_records"]:
        if r["association_type"] != "2":
            continue
        bill_type = 1 if r["payment_amount"] < 0 else 0
        key = (r["customer_id"], r["service_type_code"], r["charging_mode"], bill_type)
        bills[key] += r["payment_amount"]
        for balance, column in (
            ("BALANCE_TYPE_DEBIT", "cash_amount"),
            ("BALANCE_TYPE_CREDIT", "credit_amount"),
        ):
            details[(*key, balance)] += r[column]
            detail_type = (
                "SOURCE_OPERAIION_REFUND"
                if bill_type == 1
                else ("SOURCE_OPERAIION_USAGE" if r["charging_mode"] == 3 else "SOURCE_OPERAIION_DEDEUCT")
            )
            if r[column]:
                paid[(r["bill_date"], balance, detail_type)] += r[column]
        details[(*key, "BALANCE_TYPE_COUPON")] += r["coupon_amount"]
    for (cid, code, mode, bill_type), amount in sorted(bills.items()):
        w.add(
            "billing.monthly_bills",
            cycle=MONTH,
            customer_id=cid,
            cloud_service_type=code,
            resource_type_code="hws.resource.type.vm",
            bill_type=bill_type,
            charge_mode=mode,
            amount=amount,
            measure_id=1,
            currency="CNY",
            version=1,
        )
    for (cid, code, mode, bill_type, balance), amount in sorted(details.items()):
        w.add(
            "billing.monthly_bill_account_details",
            cycle=MONTH,
            customer_id=cid,
            cloud_service_type=code,
            resource_type_code="hws.resource.type.vm",
            charge_mode=mode,
            bill_type=bill_type,
            balance_type=balance,
            amount=amount,
            version=1,
        )
    for i, ((day, balance, detail_type), amount) in enumerate(sorted(paid.items())):
        add_transaction(w, f"AC{i:05d}", balance, day, amount, detail_type)


def add_transaction(
    w: World,
    change_id: str,
    balance: str,
    day: dt.date,
    amount: Decimal,
    detail_type: str,
    trade_id: str | None = None,
) -> None:
    """One account change; refunds and rebates are income (type 1), the rest expenses (type 2)."""
    income = amount < 0 or detail_type in {"SOURCE_OPERAIION_REFUND", "SOURCE_OPERAIION_RECHARGE_REBATE"}
    w.add(
        "billing.account_transactions",
        account_change_id=change_id,
        balance_type=balance,
        trade_id=trade_id,
        trade_time_utc=dt.datetime.combine(day, dt.time(3, 0)),
        trade_date=day,
        change_amount=abs(amount),
        change_type="1" if income else "2",
        trade_detail_type=detail_type,
        currency="CNY",
    )


def _consumption_of(w: World, customer_id: str, code: str) -> Decimal:
    return sum(
        (
            r["payment_amount"]
            for r in w.tables["billing.consumption_records"]
            if r["customer_id"] == customer_id and r["service_type_code"] == code
        ),
        Decimal(0),
    )


def _add_incentives(w: World) -> None:
    """IB1 paid and topped up with its id; IB2 no-rebate product, pending; IB3 paid, top-up without id."""
    specs = [
        ("IB1", "D1", "acme-cloud", "C1", "hws.service.type.ec2", "Growth", "paid", "已完成"),
        ("IB2", "D2", "beta-ai", "C2", "hws.service.type.ebs", "Growth", "pending", "待申付"),
        ("IB3", "D3", "beta-ai", "C2", "hws.service.type.ec2", "Core", "paid", "已完成"),
        ("IB3", "D4", "beta-ai", "C2", "hws.service.type.obs", "Core", "paid", "已完成"),
    ]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for bill, data_id, account, cid, code, plan, status, raw in specs:
        base = _consumption_of(w, cid, code)
        rates = PLAN_RATES[plan]
        rate = Decimal(0) if PRODUCT_POLICIES.get(code) in {2, 13} else rates.get(code, rates["*"])
        amount = (base * rate).quantize(CENT)
        totals[bill] += amount if status == "paid" else Decimal(0)
        w.add(
            "billing.incentive_records",
            incentive_bill_id=bill,
            incentive_data_id=data_id,
            year=2026,
            incentive_period=MONTH,
            plan_name=plan,
            customer_account=account,
            product_type=code,
            base_amount=base,
            rate=rate,
            incentive_amount=amount,
            status=status,
            status_raw=raw,
        )
    add_transaction(
        w,
        "RB1",
        "BALANCE_TYPE_DEBIT",
        NEXT_MONTH_DAY,
        totals["IB1"],
        "SOURCE_OPERAIION_RECHARGE_REBATE",
        "IB1",
    )
    add_transaction(
        w,
        "RB3",
        "BALANCE_TYPE_DEBIT",
        NEXT_MONTH_DAY,
        totals["IB3"],
        "SOURCE_OPERAIION_RECHARGE_REBATE",
        "PAYOUT-77",
    )


Expected = set[tuple[str, frozenset[tuple[str, str]]]]


def _key(rule: str, **keys: Any) -> tuple[str, frozenset[tuple[str, str]]]:
    return rule, frozenset((k, str(v)) for k, v in keys.items())


def break_every_rule(w: World) -> Expected:
    """One known break per rule (R5: one per check); returns the findings a correct reconciliation reports."""
    records = w.tables["billing.consumption_records"]
    dropped = next(
        r for r in records if r["customer_id"] == "C1" and r["service_type_code"] == "hws.service.type.obs"
    )
    records.remove(dropped)
    add_transaction(
        w, "ACX", "BALANCE_TYPE_CREDIT", dt.date(2026, 3, 20), Decimal("12.34"), "SOURCE_OPERAIION_USAGE"
    )
    ib2 = next(r for r in w.tables["billing.incentive_records"] if r["incentive_data_id"] == "D2")
    ib2["incentive_amount"] = Decimal("3.00")
    w.tables["billing.account_transactions"] = [
        t for t in w.tables["billing.account_transactions"] if t["account_change_id"] != "RB3"
    ]
    sweep = next(s for s in w.tables["audit.api_sweeps"] if '"C2"' in s["params"])
    sweep["fetched"] -= 1
    w.add(
        "audit.quarantine",
        load_id="L1",
        dataset="consumption_records",
        partition_key="2026-03-07",
        record_key="R00007",
        reasons='["duplicate id"]',
        raw_record="{}",
    )
    w.add("audit.consumption_customers", bill_cycle=MONTH, customer_id="C9", load_id="L1")
    return {
        _key("R1", cycle=MONTH, customer_id="C1", charging_mode=1),
        _key("R2", cycle=MONTH, balance_type="BALANCE_TYPE_CREDIT"),
        _key("R3", incentive_data_id="D2"),
        _key("R4", incentive_bill_id="IB3"),
        _key("R5", dataset="consumption_records", record_key="C2"),
        _key("R5", dataset="consumption_records", record_key="R00007"),
        _key("R5", dataset="consumption_records", record_key="C9"),
    }
