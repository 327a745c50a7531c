"""No amount may lose a digit: detection of numbers a double cannot carry, and the exact path into DuckDB."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import orjson
import pytest

from partner_center.money import find_inexact_numbers, inexact_numbers, significant_digits

ISSUE_VALUES = ["0.1", "0.07", "0.00000001", "1e-8", "12345678.12345678", "99999999.99999999",
                "123456789012.123456789"]


def _digits(text: str) -> int:
    """Significant digits computed independently, through Decimal."""
    return len(Decimal(text).normalize().as_tuple().digits)


@pytest.mark.parametrize("text", ISSUE_VALUES)
def test_issue_values_over_15_digits_are_flagged_and_the_rest_survive_a_double(text: str) -> None:
    page = b'{"total_count":1,"fee_records":[{"id":"a","payment_amount":' + text.encode() + b"}]}"
    assert find_inexact_numbers(page) == (_digits(text) > 15)
    if not find_inexact_numbers(page):
        assert Decimal(repr(float(text))) == Decimal(text)


def test_random_numbers_up_to_15_digits_survive_a_double_and_longer_ones_are_flagged() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        digits = rng.randint(1, 22)
        mantissa = str(rng.randrange(10 ** (digits - 1), 10**digits))
        point = rng.randint(0, digits)
        text = (mantissa[:point] or "0") + ("." + mantissa[point:] if point < digits else "")
        if rng.random() < 0.3:
            text = "-" + text
        page = b'{"a":[' + text.encode() + b"]}"
        assert significant_digits(text) == _digits(text)
        assert find_inexact_numbers(page) == (_digits(text) > 15), text
        if _digits(text) <= 15:
            assert Decimal(repr(float(text))) == Decimal(text), text


def test_numbers_inside_strings_and_long_ids_are_not_flagged() -> None:
    page = orjson.dumps({"total_count": 2, "fee_records": [
        {"id": "12345678901234567890", "resource_name": "x 99999999.99999999", "payment_amount": 0.07},
        {"id": "f2beae8d8da74df3994434754367118a", "payment_amount": 1.5},
    ]})
    assert not find_inexact_numbers(page)
    pretty = json.dumps({"a": {"b": [1, 2]}, "amount": 0}, indent=2).replace("0", "99999999.99999999")
    assert inexact_numbers(pretty.encode()) == ["99999999.99999999"]
