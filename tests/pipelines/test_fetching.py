"""The fetch step keeps record ids only where the pipeline reads them (lookups), not for data sweeps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

from pipelines.fetching import sweep
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
