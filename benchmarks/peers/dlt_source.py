"""dlt peers: what a user would build instead of this project, loading the same sweeps into duckdb.

Three modes, each `python -m benchmarks.peers.dlt_source MODE WORK.json OUT_DIR`:
- `defaults`: a declarative REST API source (`rest_api_source`), dlt's defaults (INSERT VALUES files);
- `parquet`: the same source with `loader_file_format="parquet"`, the tuning dlt's docs suggest;
- `arrow`: a resource that yields one Arrow table per page (dlt's Arrow path, written as parquet).
Amounts go through requests' JSON floats in all three: dlt does not keep them exact, ours must.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import dlt
import duckdb
import orjson
import pyarrow as pa
from dlt.common.configuration import configspec
from dlt.common.typing import TSecretStrValue
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import AuthConfigBase
from dlt.sources.helpers.rest_client.paginators import OffsetPaginator
from dlt.sources.rest_api import rest_api_source
from requests import PreparedRequest

from benchmarks.api import FEE_PAGE, FEE_RECORDS, Credentials, signed_headers
from benchmarks.harness import emit
from benchmarks.sqlfile import sql
from partner_center.signing import canonical_query

TABLE = "fee_records"
_INTS = ("charging_mode", "bill_detail_type", "order_type", "period_type", "usage_measure_id",
         "free_resource_measure_id", "ri_usage_measure_id")
_FLOATS = ("period_num", "usage_amount", "free_resource_usage", "ri_usage", "official_amount",
           "official_discount_amount", "payment_amount", "cash_amount", "credit_amount", "coupon_amount",
           "flexipurchase_coupon_amount", "stored_value_card_amount", "debt_amount", "writeoff_amount")
_STRINGS = ("id", "bill_cycle", "customer_id", "association_type", "partner_id", "account_manager_id",
            "enterprise_project_id", "service_type_code", "service_type_name", "resource_type_code",
            "resource_type_name", "region_code", "region_name", "resource_id", "resource_name",
            "resource_tag", "product_id", "product_name", "product_spec_desc", "sub_service_type_code",
            "sub_service_type_name",
            "sub_resource_type_code", "sub_resource_type_name", "sub_resource_id", "sub_resource_name",
            "trade_id", "payment_type", "trade_time", "consume_time", "usage_type", "currency")
PAGE_SCHEMA = pa.schema([(n, pa.string()) for n in _STRINGS] + [(n, pa.int64()) for n in _INTS]
                        + [(n, pa.float64()) for n in _FLOATS])
"""A fixed page schema, as a dlt user must write one: per-page inference fails on all-null columns."""


@configspec
class SdkHmacAuth(AuthConfigBase):
    """SDK-HMAC-SHA256 as a requests auth hook: the one piece of custom code a dlt user must write."""

    ak: TSecretStrValue = None  # type: ignore[assignment]  # dlt configspec: required, None until resolved
    sk: TSecretStrValue = None  # type: ignore[assignment]  # dlt configspec: required, None until resolved
    domain_id: str = None  # type: ignore[assignment]  # dlt configspec: required, None until resolved

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        parts = urlsplit(request.url or "")
        query = canonical_query(parse_qsl(parts.query, keep_blank_values=True))
        request.url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        assert isinstance(body, bytes), "a streamed request body cannot be signed"
        creds = Credentials(f"{parts.scheme}://{parts.netloc}", self.ak, self.sk, self.domain_id)
        request.headers.update(signed_headers(creds, request.method or "GET", request.url, body))
        return request


def _auth(creds: Credentials) -> SdkHmacAuth:
    return SdkHmacAuth(ak=creds.ak, sk=creds.sk, domain_id=creds.domain_id)


def _paginator() -> OffsetPaginator:
    return OffsetPaginator(limit=FEE_PAGE, total_path="total_count")


def rest_source(creds: Credentials, sweeps: list[dict[str, Any]]) -> Any:
    """The declarative source: a parent resource of sweeps and a child that resolves its parameters."""
    @dlt.resource(name="sweeps", selected=False)
    def parent() -> Iterator[list[dict[str, Any]]]:
        yield sweeps

    params = {key: f"{{resources.sweeps.{key}}}" for key in sweeps[0]}
    return rest_api_source({
        "client": {"base_url": creds.endpoint, "auth": _auth(creds), "paginator": _paginator()},
        "resources": [
            parent(),
            {
                "name": TABLE,
                "write_disposition": "append",
                "endpoint": {"path": FEE_RECORDS, "params": {**params, "limit": FEE_PAGE},
                             "data_selector": "fee_records"},
            },
        ],
    })


def arrow_resource(creds: Credentials, sweeps: list[dict[str, Any]]) -> Any:
    """dlt's Arrow path: pages fetched with dlt's RESTClient and yielded as Arrow tables."""
    client = RESTClient(base_url=creds.endpoint, auth=_auth(creds), paginator=_paginator())

    @dlt.resource(name=TABLE, write_disposition="append")
    def fee_records() -> Iterator[pa.Table]:
        for params in sweeps:
            for page in client.paginate(FEE_RECORDS, params={**params, "limit": FEE_PAGE},
                                        data_selector="fee_records"):
                yield pa.Table.from_pylist(list(page), schema=PAGE_SCHEMA)

    return fee_records


def main(mode: str, work_file: str, out_dir: str) -> None:
    """Run one dlt pipeline into a fresh duckdb file; count the rows it holds afterwards (not timed)."""
    sweeps = orjson.loads(Path(work_file).read_bytes())["sweeps"]
    creds = Credentials.from_env()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / f"dlt_{mode}.duckdb"
    pipeline = dlt.pipeline(pipeline_name=f"bench_{mode}", pipelines_dir=str(out / "pipelines"),
                            destination=dlt.destinations.duckdb(str(db_path)), dataset_name="bench")
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "arrow":
        pipeline.run(arrow_resource(creds, sweeps))
    elif mode == "parquet":
        pipeline.run(rest_source(creds, sweeps), loader_file_format="parquet")
    elif mode == "defaults":
        pipeline.run(rest_source(creds, sweeps))
    else:
        raise SystemExit(f"unknown mode {mode!r}: defaults, parquet or arrow")
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    with duckdb.connect(str(db_path), read_only=True) as con:
        row = con.sql(sql("select_dlt_counts")).fetchall()[0]
    emit({"records": row[0], "distinct_ids": row[1], "seconds": seconds, "cpu_s": cpu_s})


if __name__ == "__main__":
    main(*sys.argv[1:4])
