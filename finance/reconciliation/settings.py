"""The reconciliation's settings: every inferred (S) choice of R1-R10 (R5_QUOTA, R6_FUNDS, R7_BALANCE for
resellers), from TOML files and the environment.

Finance staff tune the rules to what real data shows by editing two TOML files; a wrong value must fail with
the file, key and line, never reconcile with a silently wrong rule. The engine only reads these settings.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from finance.toml_config import ConfigError, TomlDocument, decimal_value, reject_unknown, table

RULES: tuple[str, ...] = (
    "R1", "R2", "R3", "R4", "R5", "R5_QUOTA", "R6_FUNDS", "R7_BALANCE", "R8", "R9", "R10", "R11"
)
PAID_FROM: tuple[str, ...] = ("records", "applications", "either")
R11_MATCH: tuple[str, ...] = ("application", "period")
DEFAULT_PRODUCT = "*"  # the plan-wide rate in plan_rates[plan]
BASE_COLUMNS: frozenset[str] = frozenset({"payment_amount", "official_amount", "cash_amount"})


@dataclass(frozen=True)
class ReconciliationSettings:
    """Every inferred (S) choice of the rules, so a partner can adapt them to what real data shows."""

    tolerance: Decimal = Decimal("0.01")
    rules: tuple[str, ...] = RULES
    association_type: str = "2"
    bill_types: tuple[int, ...] = (0, 1, 2)
    # (?) the monthly-sum documents charge modes 1, 3, 11 only: RI fees (charging_mode 10) are taken to be
    # summed under yearly/monthly (1); set 10 if a real bill shows them apart.
    r1_ri_charge_mode: int = 1
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
    # where R4 learns a bill is paid: the incentive details' status ("records"), the completed payout
    # applications naming the bill ("applications", needs the 申请记录 export) or either of them
    r4_paid_from: str = "records"
    # R11: completed payout applications (status r11_paid_status) = rebate top-ups, matched per application
    # (by the bill ids it names, else amount within r11_window_days) or summed per incentive period
    r11_match: str = "application"
    r11_window_days: int = 60
    r11_paid_status: str = "paid"
    # R8: fee-record coupon_amount is paid by vouchers (代金券, coupon_type 1); cash coupons (4) pay
    # flexipurchase_coupon_amount.
    r8_coupon_types: tuple[int, ...] = (1,)
    r9_refund_bill_detail_types: tuple[int, ...] = (4, 20, 24)
    r10_charging_modes: tuple[int, ...] = (10, 11)
    # bill detail types whose trade_id is an order id (API reference §1.1)
    r10_order_bill_detail_types: tuple[int, ...] = (1, 2, 3, 4, 8, 103)
    # resellers (issue 14), all inferred: R5_QUOTA issued quotas vs their issue/reclaim log
    r5q_reclaimed_status: int = 6
    r5q_issue_operation: str = "10"
    r5q_reclaim_operation: str = "11"
    r5q_ok_result: str = "0"
    # R6_FUNDS: what the distributor booked to a reseller vs what the reseller's account received
    r6_balance_type: str = "BALANCE_TYPE_DEBIT"
    r6_distributor_plus: tuple[str, ...] = ("SOURCE_OPERATION_BEADJUST",)
    r6_distributor_minus: tuple[str, ...] = ("SOURCE_OPERATION_BERETRIEVE",)
    r6_reseller_plus: tuple[str, ...] = ("SOURCE_OPERATION_RECHARGE",)
    r6_reseller_minus: tuple[str, ...] = ("SOURCE_OPERATION_BERETRIEVE",)
    # R7_BALANCE: which balance account type (partner-accounts/balances) holds each balance type
    r7_balance_types: tuple[str, ...] = ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT")
    r7_account_types: tuple[int, ...] = (1, 2)
    plan_rates: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    product_policies: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [r for r in self.rules if r not in RULES]
        if unknown:
            raise ConfigError(f"unknown reconciliation rules {unknown}; known: {', '.join(RULES)}")
        if self.tolerance < 0:
            raise ConfigError(f"tolerance must not be negative, got {self.tolerance}")
        if len(self.r7_balance_types) != len(self.r7_account_types):
            raise ConfigError("r7_balance_types and r7_account_types must pair up (same length)")
        if self.r4_paid_from not in PAID_FROM:
            raise ConfigError(f"r4_paid_from must be one of {list(PAID_FROM)}, got {self.r4_paid_from!r}")
        if self.r11_match not in R11_MATCH:
            raise ConfigError(f"r11_match must be one of {list(R11_MATCH)}, got {self.r11_match!r}")
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
        elif key in {"r4_window_days", "r1_ri_charge_mode", "r5q_reclaimed_status", "r11_window_days"}:
            if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
                raise doc.error(path, f"must be a whole number of days >= 0, got {raw!r}")
            values[key] = raw
        elif key in {
            "bill_types",
            "r3_no_rebate_policies",
            "r3_excluded_bill_detail_types",
            "r7_account_types",
            "r8_coupon_types",
            "r9_refund_bill_detail_types",
            "r10_charging_modes",
            "r10_order_bill_detail_types",
        }:
            if not isinstance(raw, list) or not all(type(v) is int for v in raw):
                raise doc.error(path, f"must be a list of integers, got {raw!r}")
            values[key] = tuple(raw)
        elif key in {"rules", "r2_balance_types", "r2_trade_detail_types", "r6_distributor_plus",
                     "r6_distributor_minus", "r6_reseller_plus", "r6_reseller_minus", "r7_balance_types"}:
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
