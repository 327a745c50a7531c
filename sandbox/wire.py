"""The wire format: JSON with exact Decimals, and fee records as pre-serialized byte pieces."""

from __future__ import annotations

from decimal import Decimal

import orjson

from sandbox.model import ZERO, FeeRecord


def _decimal_fragment(value: object) -> orjson.Fragment:
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f").encode())
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps(payload: object) -> bytes:
    """JSON with Decimals written as plain JSON numbers, exactly (never through float)."""
    return orjson.dumps(payload, default=_decimal_fragment)


def number(value: Decimal) -> str:
    """A Decimal as `dumps` writes it; str() is three times faster and equal unless it uses an exponent."""
    if value is ZERO:
        return "0"
    text = str(value)
    return text if "E" not in text else format(value, "f")


def json_pieces(records: list[FeeRecord]) -> list[bytes]:
    """[head, tail, b",", head, tail, ...]: joined, any slice of whole records is their JSON list body."""
    pieces: list[bytes] = []
    for rec in records:
        pieces += (rec.head, rec.tail, b",")
    return pieces
