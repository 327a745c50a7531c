"""Measurement units (bases/measurements): the ids fee records use for usage and money (measure_type 1 =
currency). The catalog's usage units (4 hour, 10 GB) must be here, or a loader could not name them."""

from __future__ import annotations

# (measure_id, Chinese name, English name, abbreviation, measure_type)
UNITS: tuple[tuple[int, str, str, str, int], ...] = (
    (1, "元", "Yuan", "CNY", 1),
    (2, "角", "Jiao", "Jiao", 1),
    (3, "分", "Fen", "Fen", 1),
    (4, "小时", "Hour", "h", 2),
    (5, "天", "Day", "d", 2),
    (6, "分钟", "Minute", "min", 2),
    (7, "秒", "Second", "s", 2),
    (10, "GB", "GB", "GB", 7),
    (11, "MB", "MB", "MB", 7),
    (12, "个", "Unit", "pcs", 12),
    (19, "月", "Month", "mo", 10),
    (20, "年", "Year", "yr", 10),
)


def measure_units(language: str) -> list[dict[str, object]]:
    """The units as the API answers them; `X-Language: en_US` gives English names."""
    english = language.lower().startswith("en")
    return [
        {
            "measure_id": mid,
            "measure_name": en if english else zh,
            "abbreviation": abbr,
            "measure_type": mtype,
        }
        for mid, zh, en, abbr, mtype in UNITS
    ]
