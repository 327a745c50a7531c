"""Scenario names and the manifest entries they publish (the ground truth of reconciliation tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

RECONCILIATION = "reconciliation"
RESTATEMENT = "restatement"
RESELLERS = "resellers"  # the reconciliation breaks inside resellers: sandbox/reseller_scenarios.py
KNOWN = (RECONCILIATION, RESTATEMENT, RESELLERS)


def parse_scenarios(spec: str | None) -> frozenset[str]:
    """`reconciliation,restatement` -> the set of names; an unknown name is an error, not a silent no-op."""
    names = frozenset(part.strip() for part in (spec or "").split(",") if part.strip())
    unknown = sorted(names - set(KNOWN))
    if unknown:
        raise ValueError(f"unknown scenario {', '.join(unknown)} (known: {', '.join(KNOWN)})")
    return names


@dataclass(frozen=True, slots=True)
class Finding:
    """One injected discrepancy as the warehouse should report it (left = detail side, right = bill side)."""

    rule: str
    kind: str
    keys: dict[str, str]
    left: Decimal
    right: Decimal
    description: str

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "keys": self.keys,
            "left": format(self.left, "f"),
            "right": format(self.right, "f"),
            "description": self.description,
        }


@dataclass(slots=True)
class ScenarioPicks:
    """The records and keys a scenario touches, chosen deterministically when the world is built."""

    month: str
    bill_delta_customer: str = ""
    bill_delta_mode: int = 3
    bill_delta_service: str = ""
    bill_delta_resource_type: str = ""
    bill_delta: Decimal = Decimal("88.80")
    hidden_record_id: str = ""
    duplicate_record_id: str = ""
    orphan_expense: Decimal = Decimal("123.45")
    wrong_rate_customer: str = ""
    wrong_rate_service: str = ""
    wrong_rate: Decimal = Decimal("0.12")
    unpaid_bill_month: str = ""
    findings: list[Finding] = field(default_factory=list)
