"""Detect JSON numbers a double cannot carry exactly, so readers can take an exact slow path.

A JSON number read through a double and printed back with the shortest repr is exact when it has at
most 15 significant digits (and an exponent within +-290, which money never comes near): every such
decimal round-trips through IEEE-754 binary64. Longer numbers (99999999.99999999,
123456789012.123456789) would be rounded. The scan works on bytes: a number is always preceded by `:`,
`[` or `,`, so none is missed; text inside strings can only cause a harmless false positive (the page
is then parsed exactly). Pure (no I/O), so it lives with the contracts: the warehouse parser uses it.
"""

from __future__ import annotations

import re

MAX_EXACT_DIGITS = 15
_CANDIDATE = re.compile(rb"[:\[,]\s*(-?[0-9.]{16,}(?:[eE][+-]?[0-9]+)?)")
# Prefilter: number characters become "0", value starts become ":", whitespace goes; a number with 16+
# significant digits then shows as ":" + 16 zeros. Costs ~1 ms per MB, so the regex runs only on hits.
_TABLE = bytes(48 if c in b"0123456789.-" else 58 if c in b":[," else 32 for c in range(256))
_NEEDLE = b":" + b"0" * (MAX_EXACT_DIGITS + 1)


def significant_digits(number: str) -> int:
    """Digits of a JSON number's mantissa without leading and trailing zeros ("0.00100" -> 1)."""
    mantissa = re.split("[eE]", number.lstrip("-"), maxsplit=1)[0]
    return len(mantissa.replace(".", "").strip("0"))


def inexact_numbers(page: bytes) -> list[str]:
    """The numbers in `page` that a double would not carry exactly (may include look-alikes in strings)."""
    if page.translate(_TABLE, b" \t\r\n").find(_NEEDLE) < 0:
        return []
    found = (m.decode() for m in _CANDIDATE.findall(page))
    return [number for number in found if significant_digits(number) > MAX_EXACT_DIGITS]


def find_inexact_numbers(page: bytes) -> bool:
    """True when some number in `page` has more than 15 significant digits (so a double would round it)."""
    return bool(inexact_numbers(page))
