"""Amounts in Dagster metadata: what a person reads and the exact value, never a bare `75430.3015739200`."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from dagster import MetadataValue

CENT = Decimal("0.01")


def money_metadata(name: str, value: Decimal) -> dict[str, MetadataValue]:
    """`name`: `75,430.30` (two decimals, half up) and `name_exact`: `75430.3015739200`, both text."""
    return {
        name: MetadataValue.text(f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"),
        f"{name}_exact": MetadataValue.text(f"{value:f}"),
    }
