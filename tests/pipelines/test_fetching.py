"""The fetch step keeps record ids only where the pipeline reads them (lookups), not for data sweeps, and
streams finished sweeps' pages to the load while later sweeps download."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from partner_center.errors import InvalidParameterError
from pipelines.fetching import sweep, sweep_streaming
from pipelines.resources import PartnerCenterResource


def test_data_sweeps_drop_ids_and_lookups_keep_them(sandbox: Any, tmp_path: Path) -> None:
    resource = PartnerCenterResource(endpoint=sandbox.url)
    cycle = (sandbox.app.world.today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")  # a full month
    (who,) = sweep(resource, [("consume_sub_customers", {"bill_cycle": cycle})], tmp_path, keep_ids=True)
    pages = [orjson.loads(p.read_bytes()) for p in who.page_files]
    answered = [c["customer_id"] for page in pages for c in page["sub_customers"]]
    assert who.ids == answered
    assert len(answered) == who.api_count > 0
    request = ("res_fee_records", {"bill_cycle": cycle, "customer_id": answered[0]})
    (fees,) = sweep(resource, [request], tmp_path)
    records = [r for p in fees.page_files for r in orjson.loads(p.read_bytes())["fee_records"]]
    assert fees.ids is None
    assert fees.fetched == fees.api_count == len(records) > 0


def _month(sandbox: Any) -> str:
    return (sandbox.app.world.today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def _fee_requests(sandbox: Any, tmp_path: Path, n: int) -> list[tuple[str, dict[str, object]]]:
    cycle = _month(sandbox)
    lookup = ("consume_sub_customers", {"bill_cycle": cycle})
    (who,) = sweep(PartnerCenterResource(endpoint=sandbox.url), [lookup], tmp_path / "who", keep_ids=True)
    assert who.ids is not None
    assert len(who.ids) >= n
    return [("res_fee_records", {"bill_cycle": cycle, "customer_id": c}) for c in who.ids[:n]]


def test_streamed_sweep_hands_over_pages_while_later_sweeps_download(sandbox: Any, tmp_path: Path) -> None:
    requests = _fee_requests(sandbox, tmp_path, 8)
    paced = PartnerCenterResource(endpoint=sandbox.url, rate_limit=4, concurrency=1)  # ~2 s for 8+ calls
    seen: list[tuple[float, Path]] = []

    def consume(pages: Iterator[Path]) -> int:
        records = 0
        for path in pages:
            seen.append((time.time(), path))
            records += len(orjson.loads(path.read_bytes())["fee_records"])
        return records

    sweeps, records = sweep_streaming(paced, requests, tmp_path / "spool", consume)
    in_order_done = sorted(sweeps, key=lambda s: s.finished_at_utc)
    assert [p for _, p in seen] == [p for s in in_order_done for p in s.page_files]
    assert records == sum(s.api_count for s in sweeps) == sum(s.fetched for s in sweeps) > 0
    assert all(s.ids is None for s in sweeps)
    last_done = max(s.finished_at_utc for s in sweeps).timestamp()
    assert seen[0][0] < last_done - 0.5  # the first pages were read while the sweep still ran


def test_a_failed_sweep_discards_what_was_staged_and_raises_its_error(sandbox: Any, tmp_path: Path) -> None:
    requests = [*_fee_requests(sandbox, tmp_path, 2), ("res_fee_records", {"bill_cycle": "2026-13",
                                                                            "customer_id": "x"})]
    discarded: list[int] = []

    def consume(pages: Iterator[Path]) -> int:
        return sum(1 for _ in pages)

    with pytest.raises(InvalidParameterError, match=r"CBC\.0100"):
        sweep_streaming(PartnerCenterResource(endpoint=sandbox.url), requests, tmp_path / "spool", consume,
                        discard=discarded.append)
    assert len(discarded) == 1


def test_a_failed_load_stops_the_sweep_and_raises_its_own_error(sandbox: Any, tmp_path: Path) -> None:
    requests = _fee_requests(sandbox, tmp_path, 6)
    paced = PartnerCenterResource(endpoint=sandbox.url, rate_limit=2, concurrency=1)  # all six: >= 2.5 s

    def consume(pages: Iterator[Path]) -> int:
        next(pages)
        raise ValueError("contract broken in page 1")

    started = time.monotonic()
    with pytest.raises(ValueError, match="contract broken in page 1"):
        sweep_streaming(paced, requests, tmp_path / "spool", consume)
    assert time.monotonic() - started < 1.8  # abandoned when the next sweep finished (~1 s)
