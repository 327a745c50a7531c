"""Page files shaped like the Partner Center API sends them, for the warehouse tests.

Amounts are written into the JSON text verbatim (`Raw`), so a test controls every digit the parser sees.
Records carry every field of the contract, valid unless a test changes them; expected values are computed
from these records, never copied from an output.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from schemas import account_transactions, consumption_records


@dataclass(frozen=True)
class Raw:
    """A JSON number written exactly as given (e.g. Raw('123456789012.123456789'))."""

    text: str


def dumps(value: Any, compact: bool = True) -> str:
    """JSON text with Raw numbers and Decimals written verbatim."""
    marks: dict[str, str] = {}

    def encode(obj: Any) -> Any:
        if isinstance(obj, Raw | Decimal):
            key = f"@@RAW{len(marks)}@@"
            marks[key] = obj.text if isinstance(obj, Raw) else str(obj)
            return key
        if isinstance(obj, dict):
            return {k: encode(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [encode(v) for v in obj]
        return obj

    text = json.dumps(encode(value), separators=(",", ":") if compact else (", ", ": "), ensure_ascii=False)
    return re.sub(r'"(@@RAW\d+@@)"', lambda m: marks[m.group(1)], text)


def fee_record(i: int, day: date, amount: Decimal | Raw | None = None, **changes: Any) -> dict[str, Any]:
    """A valid fee record of `day` (trade time 02:00 UTC = 10:00 Beijing) with consistent amounts."""
    pay = amount if amount is not None else Decimal(random.Random(i).randint(0, 10**6)) / 100
    record: dict[str, Any] = {name: None for name in consumption_records.SPEC.wire_names}
    record.update(
        id=f"fee-{i:08d}",
        bill_cycle=day.strftime("%Y-%m"),
        customer_id=f"cust-{i % 7}",
        association_type="2",
        partner_id="partner-1",
        service_type_code="hws.service.type.ec2",
        resource_type_code="hws.resource.type.vm",
        region_code="cn-north-4",
        resource_id=f"res-{i % 13}",
        charging_mode=3,
        bill_detail_type=5,
        trade_id=f"trade-{i}",
        trade_time=f"{day.isoformat()}T02:00:00Z",
        consume_time=f"{day.isoformat()}T01:00:00Z",
        usage_amount=Raw("3600"),
        usage_measure_id=10,
        official_amount=pay,
        official_discount_amount=Raw("0"),
        payment_amount=pay,
        cash_amount=pay,
        credit_amount=Raw("0"),
        coupon_amount=Raw("0"),
        flexipurchase_coupon_amount=Raw("0"),
        stored_value_card_amount=Raw("0"),
        debt_amount=Raw("0"),
        writeoff_amount=Raw("0"),
    )
    record.update(changes)
    return record


def write_page(
    path: Path,
    records: list[dict[str, Any]],
    total: int | None = None,
    currency: str = "CNY",
    records_field: str = "fee_records",
    count_field: str = "total_count",
) -> Path:
    """One page file exactly as the API would send it."""
    path.write_text(
        dumps(
            {
                count_field: len(records) if total is None else total,
                "currency": currency,
                records_field: records,
            }
        )
    )
    return path


def fee_pages(
    directory: Path, days: list[date], per_day: int, page_size: int = 1000, seed: int = 1, start: int = 0
) -> list[Path]:
    """Valid fee pages for `days` (`per_day` records each), `page_size` records per page."""
    rng = random.Random(seed)
    records = [
        fee_record(start + n * per_day + k, day, Decimal(rng.randint(0, 10**9)) / 10**4)
        for n, day in enumerate(days)
        for k in range(per_day)
    ]
    directory.mkdir(parents=True, exist_ok=True)
    return [
        write_page(directory / f"page-{seed}-{i:05d}.json", records[i : i + page_size], total=len(records))
        for i in range(0, len(records), page_size)
    ]


def days(first: date, n: int) -> list[date]:
    """n consecutive days from `first`."""
    return [first + timedelta(days=i) for i in range(n)]


def transaction_record(i: int, when: datetime, amount: str, **changes: Any) -> dict[str, Any]:
    """A valid account change (amounts as strings, as the API sends them)."""
    record: dict[str, Any] = {name: None for name in account_transactions.SPEC.wire_names}
    record.update(
        account_change_id=f"acc-{i:06d}",
        trade_id=f"t-{i}",
        trade_time=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        change_amount=amount,
        balance_after_change="1000.00",
        type="2",
        trade_detail_type="SOURCE_OPERAIION_USAGE",
    )
    record.update(changes)
    return record


def bill_sum(
    customer: str,
    service: str,
    bill_type: str,
    amount: str,
    details: list[tuple[str, str]],
    charge_mode: str = "3",
) -> dict[str, Any]:
    """One monthly-sum row with its account details."""
    return {
        "customer_id": customer,
        "cloud_service_type": service,
        "cloud_service_type_name": service.split(".")[-1],
        "resource_type_code": "hws.resource.type.vm",
        "resource_type_name": "VM",
        "bill_type": bill_type,
        "charge_mode": charge_mode,
        "amount": Raw(amount),
        "debt_amount": Raw("0"),
        "adjustment_amount": Raw("0"),
        "discount_amount": Raw("0"),
        "measure_id": 1,
        "account_details": [
            {"balance_type": b, "amount": Raw(a), "bill_type": bill_type} for b, a in details
        ],
    }
