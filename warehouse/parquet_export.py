"""Hive-partitioned Parquet of one warehouse table, for Spark, Trino or Athena (`pbw export parquet`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse.sqlfiles import sql

if TYPE_CHECKING:
    import pyarrow as pa

PARTITION_COLUMNS: dict[str, str] = {
    "billing.consumption_records": "bill_date",
    "billing.monthly_bills": "cycle",
    "billing.monthly_bills_history": "cycle",
    "billing.monthly_bill_account_details": "cycle",
    "billing.monthly_bill_account_details_history": "cycle",
    "billing.monthly_bill_versions": "cycle",
    "billing.account_transactions": "trade_date",
    "billing.incentive_records": "incentive_period",
}


def export_parquet(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> int:
    """Write `table` as Parquet under `target`, hive-partitioned by its partition column; returns the rows.

    Streams Arrow record batches, so memory stays bounded. Existing files of the written partitions are
    replaced (`delete_matching`), other partitions are left alone. pyarrow loads here, not with the module:
    the daily run never needs it.
    """
    import pyarrow.dataset as ds
    schema, _, name = table.partition(".")
    found = con.execute(sql("select_table_columns"), {"schema": schema, "table": name}).fetchall()
    if not found:
        raise ValueError(f"no table {table!r} in the warehouse")
    ident = f'"{schema}"."{name}"'
    partition = PARTITION_COLUMNS.get(table)
    batches = con.sql(sql("select_all_rows").format(table=ident)).to_arrow_reader()
    rows = 0

    def counted() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        for batch in batches:
            rows += batch.num_rows
            yield batch

    ds.write_dataset(
        counted(),
        target,
        schema=batches.schema,
        format="parquet",
        partitioning=[partition] if partition else None,
        partitioning_flavor="hive" if partition else None,
        existing_data_behavior="delete_matching",
        basename_template="part-{i}.parquet",
    )
    return rows
