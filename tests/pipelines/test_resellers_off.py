"""`PBW_RESELLERS=off` after a run that swept the resellers: every fetch step says so in its loads, so the
commit refuses to replace partitions holding resellers' rows instead of deleting them without a word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dagster import build_op_context

from pipelines.resellers import fetch_resellers
from pipelines.resources import PartnerCenterResource, PipelineSettings, WarehouseResource
from warehouse.connection import reader
from warehouse.loaders.resellers import ResellerBatches, commit_reseller_batches
from warehouse.replace import ResellerRowsError

COUNT = "SELECT count(*) FROM billing.reseller_balances WHERE indirect_partner_id IS NOT NULL"


def _fetch(sandbox: Any, warehouse: WarehouseResource) -> ResellerBatches:
    with build_op_context() as context:
        fetched = fetch_resellers(
            context, partner_center=PartnerCenterResource(endpoint=sandbox.url), warehouse=warehouse,
            settings=PipelineSettings(today="2026-11-10"),
        )
    assert isinstance(fetched.batch, ResellerBatches)
    return fetched.batch


def test_the_resellers_step_without_resellers_refuses_to_delete_their_rows(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = WarehouseResource(path=str(tmp_path / "w.duckdb"))
    with warehouse.writer() as con:
        commit_reseller_batches(con, _fetch(sandbox, warehouse))
    with reader(warehouse.file) as con:
        before = con.execute(COUNT).fetchall()[0][0]
    assert before > 0
    monkeypatch.setenv("PBW_RESELLERS", "off")
    pull = _fetch(sandbox, warehouse)
    assert [b.context.holders for b in pull.batches] == [False] * len(pull.batches)
    with pytest.raises(ResellerRowsError, match="PBW_RESELLERS=off"), warehouse.writer() as con:
        commit_reseller_batches(con, pull)
    with reader(warehouse.file) as con:
        assert con.execute(COUNT).fetchall()[0][0] == before
