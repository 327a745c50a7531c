"""Every dataset's fetch step stages (parse, validate, Parquet) and hands a picklable batch over; the load
step only commits it (consumption is covered by the pipeline runs; here a dataset that once parsed in its
load step)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import polars as pl
from dagster import build_op_context

from pipelines.customers import fetch_customers
from pipelines.fetching import Fetched, commit_fetched
from pipelines.resources import PartnerCenterResource, PipelineSettings, WarehouseResource
from warehouse.connection import reader
from warehouse.loaders.customers import CustomersBatch, commit_customers


def _drop_pages(fetched: Fetched[Any]) -> None:
    """Delete the raw API pages: a load step that still parsed would fail without them."""
    pages = list(fetched.spool_dir.rglob("*.json"))
    assert pages
    for page in pages:
        page.unlink()


def test_customers_are_staged_in_the_fetch_step_and_the_load_step_only_commits(
    sandbox: Any, tmp_path: Path
) -> None:
    warehouse = WarehouseResource(path=str(tmp_path / "w.duckdb"))
    with build_op_context() as context:
        fetched = fetch_customers(
            context, partner_center=PartnerCenterResource(endpoint=sandbox.url), warehouse=warehouse,
            settings=PipelineSettings(today="2026-11-10"),
        )
    batch = fetched.batch
    assert isinstance(batch, CustomersBatch)
    assert not warehouse.file.exists()  # staging opened no writer
    assert batch.rows.path is not None
    assert pl.read_parquet(batch.rows.files).height == batch.rows.rows  # the staged parts hold every row
    assert batch.rows.rows + len(batch.quarantine) == batch.rows_in == fetched.stats.rows_fetched > 0
    # the distributor's own list and each of its three resellers' lists
    assert [(e.dataset, e.endpoint_label) for e in batch.evidence] == [("customers", "sub_customers")] * 4
    handed = pickle.loads(pickle.dumps(fetched))
    _drop_pages(handed)
    report = commit_fetched(handed, warehouse, commit_customers)
    assert report.rows_loaded == batch.rows.rows
    assert not handed.spool_dir.exists()
    with reader(warehouse.file) as con:
        assert con.execute("SELECT count(*) FROM billing.customers").fetchall() == [(batch.rows.rows,)]

