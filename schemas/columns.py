"""The column-spec type: how a wire field or export header becomes a typed warehouse column.

One spec per dataset drives the parser (which wire names to read, how to cast them), the pandera model
(dtypes, nullability) and the DDL documentation, so the three cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Dtype = Literal["VARCHAR", "INTEGER", "SMALLINT", "BIGINT", "DECIMAL", "DATE", "TIMESTAMP", "JSON", "BOOLEAN"]
Source = Literal["record", "page", "request", "derived", "load"]

MONEY = pl.Decimal(38, 10)
POLARS_DTYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "JSON": pl.String(),
    "INTEGER": pl.Int32(),
    "SMALLINT": pl.Int16(),
    "BIGINT": pl.Int64(),
    "DECIMAL": MONEY,
    "DATE": pl.Date(),
    "TIMESTAMP": pl.Datetime("us"),
    "BOOLEAN": pl.Boolean(),
}
DUCKDB_TYPES: dict[str, str] = {"DECIMAL": "DECIMAL(38, 10)"}


@dataclass(frozen=True)
class Column:
    """One warehouse column.

    `wire` is the API field (or None when the column is not read from a record); `source` says where the
    value comes from: the record, the page envelope (e.g. `currency`), the request (e.g. `balance_type`),
    derived by the loader (e.g. `bill_date`), or load metadata. `headers`: console-export header aliases.
    `required` = the field must exist on the wire (absent from every record of a page fails the load);
    `nullable=False` = a record with a null value is quarantined.
    """

    name: str
    dtype: Dtype = "VARCHAR"
    wire: str | None = None
    source: Source = "record"
    headers: tuple[str, ...] = ()
    money: bool = False
    key: bool = False
    required: bool = False
    nullable: bool = True
    unit: str = ""
    doc: str = ""
    appended: bool = False
    """Added by a later migration (`ALTER TABLE ADD COLUMN`), so the DDL has it after the load columns."""

    @property
    def polars_dtype(self) -> pl.DataType:
        """The polars dtype of this column (money = Decimal(38, 10))."""
        return POLARS_DTYPES[self.dtype]

    @property
    def duckdb_type(self) -> str:
        """The DuckDB type as written in the DDL."""
        return DUCKDB_TYPES.get(self.dtype, self.dtype)


def wire(name: str, dtype: Dtype = "VARCHAR", **kwargs: object) -> Column:
    """A column read from the record field of the same name."""
    return Column(name=name, dtype=dtype, wire=name, **kwargs)  # type: ignore[arg-type]


LIST_HOLDER_DOC = "the reseller the list was read for, if any"


def console_column(name: str, dtype: str = "VARCHAR", *headers: str, **kwargs: object) -> Column:
    """A column of a console export file, read under any of `headers` (Chinese and English)."""
    return Column(name=name, dtype=dtype, wire=name, headers=headers, **kwargs)  # type: ignore[arg-type]


def holder_column(
    doc: str = "the reseller whose customer it is; NULL for the distributor's", *, appended: bool = True,
    key: bool = False,
) -> Column:
    """`indirect_partner_id` of a dataset swept per holder: the request's reseller (NULL = the partner).
    `appended`: added by a later migration (after the load columns); tables born with it have it in place."""
    return Column("indirect_partner_id", source="request", appended=appended, key=key, doc=doc)


def money(name: str, **kwargs: object) -> Column:
    """A money column in yuan, exact DECIMAL(38, 10)."""
    return Column(name=name, dtype="DECIMAL", wire=name, money=True, unit="CNY (yuan)", **kwargs)  # type: ignore[arg-type]


LOAD_COLUMNS: tuple[Column, ...] = (
    Column("partner_domain_id", source="load", nullable=False, doc="partner account (domain id) of the pull"),
    Column("load_id", source="load", nullable=False, doc="the load that wrote the row (audit.load_log)"),
    Column("extra", "JSON", source="load", doc="wire fields unknown to the contract, kept verbatim"),
)


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its table, endpoint, record list in the page, columns, grain and partition column."""

    name: str
    table: str
    endpoint: str
    records_field: str
    columns: tuple[Column, ...]
    partition_column: str
    partition_kind: Literal["date", "month"]
    key: tuple[str, ...]
    count_field: str = "total_count"
    nested_fields: tuple[str, ...] = field(default=())

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Data columns plus the load metadata every table carries, then columns added by later migrations."""
        first = tuple(c for c in self.columns if not c.appended)
        return first + LOAD_COLUMNS + tuple(c for c in self.columns if c.appended)

    @property
    def record_columns(self) -> tuple[Column, ...]:
        """Columns read from a record's wire field."""
        return tuple(c for c in self.columns if c.source == "record" and c.wire is not None)

    @property
    def wire_names(self) -> frozenset[str]:
        """Every field name the contract knows in a record (unknown ones are schema drift)."""
        return frozenset(c.wire for c in self.record_columns if c.wire is not None)

    @property
    def required_wire(self) -> tuple[str, ...]:
        """Wire fields that must be present in a page's records."""
        return tuple(c.wire for c in self.record_columns if c.required and c.wire is not None)

    @property
    def money_columns(self) -> tuple[str, ...]:
        """Names of the money columns (totals in the load log)."""
        return tuple(c.name for c in self.columns if c.money)

    @property
    def polars_schema(self) -> dict[str, pl.DataType]:
        """Column name -> polars dtype of the loaded table."""
        return {c.name: c.polars_dtype for c in self.all_columns}

    def column(self, name: str) -> Column:
        """The column called `name`."""
        for c in self.all_columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


_HEADER_NOISE = re.compile(r"[\s_\-./()（）:：]+")


def normalize_header(text: str) -> str:
    """Header comparison key: case, spaces, underscores and brackets do not matter (`Incentive Bill ID`)."""
    return _HEADER_NOISE.sub("", text.strip().lstrip("\ufeff")).lower()
