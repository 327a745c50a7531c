"""Reconciliation R1-R5 of one billing month into marts.reconciliation_findings.

Each rule is one SQL model in sql/marts/ returning (kind, keys, left_amount, right_amount, detail); this
module binds the settings, classifies every row against the tolerance and records the run with its settings,
so a report can say which inferred rules ran and how.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse.sqlfiles import sql
from warehouse.toml_config import ConfigError, TomlDocument, decimal_value, reject_unknown, table

RULES: tuple[str, ...] = ("R1", "R2", "R3", "R4", "R5")
STATUSES: tuple[str, ...] = ("matched", "within_tolerance", "mismatched", "missing_left", "missing_right")
OK_STATUSES: frozenset[str] = frozenset({"matched", "within_tolerance"})
DEFAULT_PRODUCT = "*"  # the plan-wide rate in plan_rates[plan]
BASE_COLUMNS: frozenset[str] = frozenset({"payment_amount", "official_amount", "cash_amount"})

# Rule -> SQL models it runs, in order. R5 compares counts, which have no tolerance.
_RULE_MODELS: dict[str, tuple[str, ...]] = {
    "R1": ("reconcile_detail_to_bill",),
    "R2": ("reconcile_bill_to_transactions",),
    "R3": ("reconcile_incentives_to_consumption",),
    "R4": ("reconcile_incentives_to_payments",),
    "R5": ("check_sweep_counts", "check_duplicate_ids", "check_consumption_customers"),
}

FindingKey = tuple[str, frozenset[tuple[str, str]]]


def _sql(name: str) -> str:
    return sql(f"marts/{name}")


@dataclass(frozen=True)
class ReconciliationSettings:
    """Every inferred (S) choice of the rules, so a partner can adapt them to what real data shows."""

    tolerance: Decimal = Decimal("0.01")
    rules: tuple[str, ...] = RULES
    association_type: str = "2"
    bill_types: tuple[int, ...] = (0, 1, 2)
    r2_balance_types: tuple[str, ...] = ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT")
    r2_trade_detail_types: tuple[str, ...] = (
        "SOURCE_OPERAIION_DEDEUCT",
        "SOURCE_OPERAIION_USAGE",
        "SOURCE_OPERAIION_REFUND",
        "SOURCE_OPERAIION_BILLREFUND",
    )
    r3_base_column: str = "payment_amount"
    r3_no_rebate_policies: tuple[int, ...] = (2, 13)
    r3_excluded_bill_detail_types: tuple[int, ...] = (9, 16)
    r4_rebate_trade_detail_type: str = "SOURCE_OPERAIION_RECHARGE_REBATE"
    r4_window_days: int = 120
    r4_paid_status: str = "paid"
    plan_rates: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    product_policies: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [r for r in self.rules if r not in RULES]
        if unknown:
            raise ConfigError(f"unknown reconciliation rules {unknown}; known: {', '.join(RULES)}")
        if self.tolerance < 0:
            raise ConfigError(f"tolerance must not be negative, got {self.tolerance}")
        if self.r3_base_column not in BASE_COLUMNS:
            raise ConfigError(
                f"r3_base_column must be one of {sorted(BASE_COLUMNS)}, got {self.r3_base_column!r}"
            )

    def as_json(self) -> dict[str, Any]:
        """The settings as recorded with the findings (decimals as text, exact)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, Mapping):
                value = json.loads(json.dumps(value, sort_keys=True, default=str))
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_files(
        cls, settings_path: Path | None = None, plans_path: Path | None = None, **overrides: Any
    ) -> ReconciliationSettings:
        """Settings from an optional reconciliation TOML and an optional incentive-plans TOML."""
        values: dict[str, Any] = {}
        if settings_path is not None:
            values.update(_read_settings(TomlDocument(settings_path)))
        if plans_path is not None:
            values.update(read_incentive_plans(plans_path))
        values.update(overrides)
        return cls(**values)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ReconciliationSettings:
        """Settings from `PBW_RECONCILIATION_SETTINGS` (default config/reconciliation.toml, if present) and
        `PBW_INCENTIVE_PLANS` (default config/incentive_plans.toml, else the shipped example)."""
        env = os.environ if environ is None else environ
        settings = Path(env.get("PBW_RECONCILIATION_SETTINGS", "config/reconciliation.toml"))
        plans = Path(env.get("PBW_INCENTIVE_PLANS", "config/incentive_plans.toml"))
        if "PBW_INCENTIVE_PLANS" not in env and not plans.exists():
            plans = Path("config/incentive_plans.example.toml")
        explicit = "PBW_RECONCILIATION_SETTINGS" in env
        return cls.from_files(
            settings if explicit or settings.exists() else None,
            plans if "PBW_INCENTIVE_PLANS" in env or plans.exists() else None,
        )


def _read_settings(doc: TomlDocument) -> dict[str, Any]:
    data = table(doc, ("reconciliation",), doc.data.get("reconciliation", {}))
    names = {f.name for f in dataclasses.fields(ReconciliationSettings)} - {"plan_rates", "product_policies"}
    reject_unknown(doc, ("reconciliation",), data, names)
    values: dict[str, Any] = {}
    for key, raw in data.items():
        path = ("reconciliation", key)
        if key == "tolerance":
            values[key] = decimal_value(doc, path, raw)
        elif key in {"r4_window_days"}:
            if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
                raise doc.error(path, f"must be a whole number of days >= 0, got {raw!r}")
            values[key] = raw
        elif key in {"bill_types", "r3_no_rebate_policies", "r3_excluded_bill_detail_types"}:
            if not isinstance(raw, list) or not all(type(v) is int for v in raw):
                raise doc.error(path, f"must be a list of integers, got {raw!r}")
            values[key] = tuple(raw)
        elif key in {"rules", "r2_balance_types", "r2_trade_detail_types"}:
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise doc.error(path, f"must be a list of strings, got {raw!r}")
            values[key] = tuple(raw)
        elif not isinstance(raw, str):
            raise doc.error(path, f"must be a string, got {raw!r}")
        else:
            values[key] = raw
    return values


def read_incentive_plans(path: Path) -> dict[str, Any]:
    """Plan rates and product incentive policies from the partner's incentive-plans TOML.

    A plan has a default `rate` and/or per-product rates under `[plans."name".products]`; `[products]` maps a
    service_type_code to its incentive_policy.
    """
    doc = TomlDocument(path)
    reject_unknown(doc, (), doc.data, {"plans", "products"})
    rates: dict[str, dict[str, Decimal]] = {}
    for name, plan in table(doc, ("plans",), doc.data.get("plans", {})).items():
        plan_table = table(doc, ("plans", name), plan)
        reject_unknown(doc, ("plans", name), plan_table, {"rate", "products", "description"})
        entries: list[tuple[tuple[str, ...], str, object]] = []
        if "rate" in plan_table:
            entries.append((("plans", name, "rate"), DEFAULT_PRODUCT, plan_table["rate"]))
        for code, raw in table(doc, ("plans", name, "products"), plan_table.get("products", {})).items():
            entries.append((("plans", name, "products", code), code, raw))
        if not entries:
            raise doc.error(("plans", name, ""), "needs a 'rate' or a 'products' table of rates")
        rates[name] = {}
        for key_path, product, raw in entries:
            rate = decimal_value(doc, key_path, raw)
            if not Decimal(0) <= rate <= Decimal(1):
                raise doc.error(key_path, f"a rate is a fraction between 0 and 1, got {rate}")
            rates[name][product] = rate
    policies: dict[str, int] = {}
    for code, policy in table(doc, ("products",), doc.data.get("products", {})).items():
        if type(policy) is not int or policy not in {0, 1, 2, 13}:
            raise doc.error(("products", code), f"incentive_policy must be 0, 1, 2 or 13, got {policy!r}")
        policies[code] = policy
    return {"plan_rates": rates, "product_policies": policies}


@dataclass(frozen=True)
class ReconciliationResult:
    """What one run found; `findings` has the columns of marts.reconciliation_findings (keys as text)."""

    run_id: str
    month: str
    settings: ReconciliationSettings
    findings: pl.DataFrame

    @property
    def status_counts(self) -> dict[str, int]:
        """Rows per status, every status present."""
        counts = dict.fromkeys(STATUSES, 0)
        for status, n in self.findings.group_by("status").len().iter_rows():
            counts[status] = n
        return counts

    @property
    def unexplained(self) -> pl.DataFrame:
        """Findings outside the tolerance: what an asset check fails on."""
        return self.findings.filter(~pl.col("status").is_in(list(OK_STATUSES)))


def _params(settings: ReconciliationSettings, month: str, model: str) -> dict[str, Any]:
    common: dict[str, Any] = {"month": month}
    by_model: dict[str, dict[str, Any]] = {
        "reconcile_detail_to_bill": {
            "association_type": settings.association_type,
            "bill_types": list(settings.bill_types),
        },
        "reconcile_bill_to_transactions": {
            "bill_types": list(settings.bill_types),
            "balance_types": list(settings.r2_balance_types),
            "trade_detail_types": list(settings.r2_trade_detail_types),
        },
        "drill_down_bill_to_transactions": {
            "balance_types": list(settings.r2_balance_types),
            "trade_detail_types": list(settings.r2_trade_detail_types),
            "association_type": settings.association_type,
        },
        "reconcile_incentives_to_consumption": {
            "base_column": settings.r3_base_column,
            "plan_names": [plan for plan, rates in settings.plan_rates.items() for _ in rates],
            "plan_products": [product for rates in settings.plan_rates.values() for product in rates],
            "plan_rates": [str(rate) for rates in settings.plan_rates.values() for rate in rates.values()],
            "default_product": DEFAULT_PRODUCT,
            "policy_products": list(settings.product_policies),
            "policy_codes": list(settings.product_policies.values()),
            "no_rebate_policies": list(settings.r3_no_rebate_policies),
            "excluded_bill_detail_types": list(settings.r3_excluded_bill_detail_types),
        },
        "reconcile_incentives_to_payments": {
            "rebate_type": settings.r4_rebate_trade_detail_type,
            "window_days": settings.r4_window_days,
            "paid_status": settings.r4_paid_status,
        },
    }
    return common | by_model.get(model, {})


def reconcile_month(
    con: duckdb.DuckDBPyConnection,
    month: str,
    settings: ReconciliationSettings | None = None,
    run_id: str | None = None,
) -> ReconciliationResult:
    """Run the configured rules for `month` (YYYY-MM) in one transaction and return the findings.

    Without `settings`, they come from the environment (see ReconciliationSettings.from_environment).

    Earlier runs stay in the marts (the run_id tells them apart); reports read the latest run of a month.
    """
    dt.date.fromisoformat(f"{month}-01")
    settings = settings or ReconciliationSettings.from_environment()
    run_id = run_id or f"recon-{month}-{uuid.uuid4().hex[:12]}"
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        for rule in settings.rules:
            tolerance = Decimal(0) if rule == "R5" else settings.tolerance
            for model in _RULE_MODELS[rule]:
                rows = con.sql(_sql(model), params=_params(settings, month, model)).to_arrow_table()
                con.register("rule_rows", rows)
                con.execute(
                    _sql("insert_findings"),
                    {"run_id": run_id, "month": month, "rule": rule, "tolerance": str(tolerance)},
                )
                con.unregister("rule_rows")
            if rule == "R2":
                params = _params(settings, month, "drill_down_bill_to_transactions")
                drill = con.sql(_sql("drill_down_bill_to_transactions"), params=params).to_arrow_table()
                con.register("drill_rows", drill)
                con.execute(_sql("insert_drilldown"), {"run_id": run_id, "month": month})
                con.unregister("drill_rows")
        con.execute(
            _sql("insert_reconciliation_run"),
            {
                "run_id": run_id,
                "month": month,
                "settings": json.dumps(settings.as_json()),
                "rules": json.dumps(list(settings.rules)),
                "started_at_utc": started,
                "finished_at_utc": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            },
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return ReconciliationResult(run_id, month, settings, load_findings(con, run_id))


def load_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """The findings of one run as polars (keys as JSON text)."""
    return con.sql(_sql("select_findings"), params={"run_id": run_id}).pl()


def latest_run_id(con: duckdb.DuckDBPyConnection, month: str) -> str | None:
    """The newest reconciliation run of a month, if any."""
    rows = con.execute(_sql("select_latest_run"), {"month": month}).fetchall()
    return str(rows[0][0]) if rows else None


def _normal_keys(keys: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset((str(k), str(v)) for k, v in keys.items())


def finding_keys(findings: pl.DataFrame) -> set[FindingKey]:
    """Non-matched findings as {(rule, keys)}: values as text, so 3 and "3" compare equal."""
    return {
        (rule, _normal_keys(json.loads(keys)))
        for rule, keys in findings.filter(~pl.col("status").is_in(list(OK_STATUSES)))
        .select("rule", "keys")
        .iter_rows()
    }


def manifest_keys(manifest: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> set[FindingKey]:
    """The sandbox manifest ({"findings": [{"rule", "keys", ...}]}) in the form of finding_keys.

    R5 findings compare on (dataset, record_key): a manifest entry that names the record `id` and adds
    context keys (cycle, customer_id) is reduced to those two.
    """
    entries = manifest["findings"] if isinstance(manifest, Mapping) else manifest
    out: set[FindingKey] = set()
    for entry in entries:
        keys = dict(entry["keys"])
        if entry["rule"] == "R5" and "record_key" not in keys and "id" in keys:
            keys = {"dataset": keys.get("dataset"), "record_key": keys["id"]}
        out.add((str(entry["rule"]), _normal_keys(keys)))
    return out


def precision_recall(found: set[FindingKey], expected: set[FindingKey]) -> tuple[float, float]:
    """Precision and recall of found findings against the expected ones (1.0 when both are empty)."""
    hits = len(found & expected)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(expected) if expected else 1.0
    return precision, recall
