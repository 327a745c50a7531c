"""Page files -> typed polars frames with exact decimals, in bounded chunks.

The client spools every API page to a file exactly as it was sent. DuckDB reads a chunk of page files in one
statement (`read_text` + `json_transform`, amounts as VARCHAR, then cast to DECIMAL(38,10)): no Python dicts.
That cast is exact only for numbers of at most 15 significant digits (the JSON reader goes through a double),
so a page with a longer number, or whose records do not carry exactly the contract's fields (unknown field,
missing field), takes the slow path: `json.loads(parse_float=Decimal)`, every digit kept, unknown fields into
`extra`. A value that does not fit DECIMAL(38,10) exactly is never rounded: the row gets a reason and goes to
quarantine. Casting problems become per-row reasons in `_errors`; nothing is dropped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from schemas.columns import Column, DatasetSpec
from schemas.json_numbers import find_inexact_numbers
from schemas.validation import ERRORS_COLUMN
from warehouse.connection import MEMORY_LIMIT_ENV, DuckDBConfig, duckdb_config, load_memory_limit, registered
from warehouse.sqlfiles import sql

SOURCE = "_source"
INDEX = "_idx"
API_COUNT = "_api_count"
PAGE_CURRENCY = "_page_currency"
EXTRA = "_extra"
PRE_ERRORS = "_pre_errors"
# A chunk ends at DEFAULT_CHUNK_BYTES of page text or DEFAULT_CHUNK_PAGES pages, whichever comes first. Each
# DuckDB query costs ~30 ms whatever its size (binding and planning ~50 typed columns) and pandera ~27 ms per
# call, so larger chunks cost less CPU per record (B1); bounding them by bytes keeps memory flat (B3):
# 32 MB is ~23 fee-record pages of 1,000 records (1.4 MB each), or 64 pages of 100 customers.
DEFAULT_CHUNK_PAGES = 64
DEFAULT_CHUNK_BYTES = 32 * 2**20
_SCALE = Decimal("1e-10")
_MAX_ABS = Decimal(10) ** 28
_WIDE = Context(prec=80)


class MissingFieldError(ValueError):
    """A required wire field is absent from every record of a page: the API changed, the load stops."""


@dataclass
class ParsedChunk:
    """One bounded chunk: typed rows (plus `_source`, `_idx`, `_errors`), page facts and drift seen."""

    frame: pl.DataFrame
    pages: list[Path]
    drift: dict[str, str] = field(default_factory=dict)
    slow_pages: int = 0


def _key_count(data: bytes) -> int:
    return data.count(b'":')


# ---------------------------------------------------------------------------------------------------------
# typed projection (one SELECT generated from the column spec: identifiers and fixed messages only, no values)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_TIMESTAMP_FORMATS = "['%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%fZ']"
_PROBLEMS = {
    "JSON": "not JSON",
    "INTEGER": "not an integer (INTEGER)",
    "SMALLINT": "not an integer (SMALLINT)",
    "BIGINT": "not an integer (BIGINT)",
    "DECIMAL": "not an exact DECIMAL(38,10) (not a number, more than 10 decimals or too large)",
    "TIMESTAMP": "not a UTC timestamp (YYYY-MM-DDTHH:MM:SSZ)",
    "DATE": "not a date",
}


def _casts(column: Column, raw: str, name: str) -> list[str]:
    """First level: each cast computed once (DuckDB does not share repeated expressions)."""
    if column.dtype == "DECIMAL":
        return [
            f"TRY_CAST({raw} AS DECIMAL(38, 10)) AS {_q('d_' + name)}",
            f"TRY_CAST({raw} AS DOUBLE) AS {_q('f_' + name)}",
        ]
    if column.dtype == "TIMESTAMP":
        return [f"try_strptime({raw}, {_TIMESTAMP_FORMATS})::TIMESTAMP AS {_q('v_' + name)}"]
    if column.dtype == "VARCHAR":
        return []
    return [f"TRY_CAST({raw} AS {column.dtype}) AS {_q('v_' + name)}"]


def _value(column: Column, raw: str, name: str) -> str:
    """Second level: the typed value (NULL when the text does not cast exactly)."""
    if column.dtype == "VARCHAR":
        return raw
    if column.dtype == "DECIMAL":
        d, f = _q("d_" + name), _q("f_" + name)
        # exact iff the decimal and the text are the same double: the text has <= 15 significant digits
        # (fast path) or was checked exactly in Python (slow path), so distinct decimals are distinct doubles
        return f"CASE WHEN CAST({d} AS DOUBLE) = {f} THEN {d} END"
    v = _q("v_" + name)
    if column.dtype in ("INTEGER", "SMALLINT", "BIGINT"):
        # spreadsheet exports write integers as '2026.0'
        return (
            f"CASE WHEN {v} IS NOT NULL THEN {v} WHEN {raw} IS NULL THEN NULL "
            f"WHEN regexp_full_match({raw}, '-?[0-9]+\\.0+') "
            f"THEN TRY_CAST(split_part({raw}, '.', 1) AS {column.dtype}) END"
        )
    return v


def raw_name(wire: str) -> str:
    """Column name of a wire field in the raw (all-VARCHAR) relation."""
    return f"w_{wire}"


def typing_sql(spec: DatasetSpec, relation: str, derived: Mapping[str, str] | None = None) -> str:
    """SELECT that turns the raw relation into the table's typed columns plus `_errors`.

    Request columns are bound parameters (`$name`); `derived` maps a derived column to its SQL over typed
    columns (e.g. bill_date from trade_time_utc), so the choice of timestamp stays configurable. Three levels:
    casts once, values, then the error list built only for rows that have an error.
    """
    derived = derived or {}
    casts: list[str] = []
    values: list[str] = []
    bad: list[tuple[str, str]] = []
    for column in spec.columns:
        if column.source == "record" and column.wire is not None:
            raw = _q(raw_name(column.wire))
            casts.extend(_casts(column, raw, column.name))
            values.append(f"{_value(column, raw, column.name)} AS {_q(column.name)}")
            if column.dtype != "VARCHAR":
                condition = f"({raw} IS NOT NULL AND {_q(column.name)} IS NULL)"
                message = f"{_lit(column.wire + ': ' + _PROBLEMS[column.dtype] + ': ')} || left({raw}, 80)"
                bad.append((condition, message))
        elif column.source == "page":
            values.append(f"{PAGE_CURRENCY} AS {_q(column.name)}")
        elif column.source == "request":
            values.append(f"CAST(${column.name} AS VARCHAR) AS {_q(column.name)}")
        elif column.source == "derived" and column.name not in derived:
            values.append(f"CAST(NULL AS {column.duckdb_type}) AS {_q(column.name)}")
    level1 = f"SELECT *{''.join(', ' + c for c in casts)} FROM {relation}"
    raws = "".join(
        f", {_q(raw_name(c.wire))}" for c in spec.record_columns if c.wire and c.dtype != "VARCHAR"
    )
    level2 = (
        f"SELECT {SOURCE}, {INDEX}, {PRE_ERRORS}, TRY_CAST({EXTRA} AS JSON) AS extra{raws}, "
        f"{', '.join(values)} FROM ({level1})"
    )
    any_bad = " OR ".join(c for c, _ in bad) or "false"
    messages = ", ".join(f"CASE WHEN {c} THEN {m} END" for c, m in bad) or "NULL"
    errors = (
        f"list_concat(coalesce({PRE_ERRORS}, []::VARCHAR[]), CASE WHEN {any_bad} "
        f"THEN list_filter([{messages}]::VARCHAR[], lambda x: x IS NOT NULL) ELSE []::VARCHAR[] END)"
    )
    derived_sql = "".join(f", {expr} AS {_q(name)}" for name, expr in derived.items())
    order = ", ".join(_q(c.name) for c in spec.columns if c.source != "load")
    return (
        f"SELECT {SOURCE}, {INDEX}, {order}, extra, {ERRORS_COLUMN} "
        f"FROM (SELECT *, {errors} AS {ERRORS_COLUMN}{derived_sql} FROM ({level2}))"
    )


def _struct(spec: DatasetSpec) -> str:
    return json.dumps(
        {
            spec.count_field: "VARCHAR",
            "currency": "VARCHAR",
            spec.records_field: [{w: "VARCHAR" for w in sorted(spec.wire_names)}],
        }
    )


def fast_sql(spec: DatasetSpec) -> str:
    """The DuckDB read of page files into the raw relation (struct and file list are bound parameters)."""
    fields = ", ".join(f"r.{_q(w)} AS {_q(raw_name(w))}" for w in sorted(spec.wire_names))
    return sql("select_page_records").format(
        count_field=_q(spec.count_field), records_field=_q(spec.records_field), fields=fields
    )


# ---------------------------------------------------------------------------------------------------------
# slow exact path


def _exact_text(value: Any) -> tuple[str | None, str | None]:
    """Wire value -> (text for the cast, reason if it cannot be kept exactly)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None, f"not a finite number: {value}"
        if abs(value) >= _MAX_ABS or value != value.quantize(_SCALE, context=_WIDE):
            return None, f"{value} does not fit DECIMAL(38,10) exactly (more than 10 decimals or too large)"
        return format(value, "f"), None
    if isinstance(value, int):
        if abs(value) >= _MAX_ABS:
            return None, f"{value} does not fit DECIMAL(38,10) (too large)"
        return str(value), None
    if isinstance(value, str):
        return value, None
    return json.dumps(value, ensure_ascii=False, default=str), None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def load_page(path: Path) -> dict[str, Any]:
    """One page, every number exact (Decimal)."""
    return json.loads(path.read_bytes(), parse_float=Decimal)


def raw_record(spec: DatasetSpec, path: Path, index: int) -> dict[str, Any]:
    """The record as the API sent it (numbers exact; used for quarantine rows)."""
    return load_page(path)[spec.records_field][index]


def check_required(spec: DatasetSpec, records: Sequence[Mapping[str, Any]], where: str) -> None:
    """Fail the load when a required field is absent from every record: the API contract changed."""
    if not records:
        return
    present: set[str] = set()
    for record in records:
        present.update(record)
    for name in spec.required_wire:
        if name not in present:
            raise MissingFieldError(
                f"{spec.endpoint}: required field {name!r} is missing from every record of {where} "
                f"(dataset {spec.name}); the API contract changed, see schemas/{spec.name}.py"
            )


def records_to_raw(
    spec: DatasetSpec,
    records: Sequence[Mapping[str, Any]],
    source: str,
    currency: str | None,
    drift: dict[str, str],
) -> list[dict[str, Any]]:
    """Exact raw rows (all text) of records parsed with Decimal numbers; unknown fields go to `_extra`."""
    known = spec.wire_names
    rows: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        row: dict[str, Any] = {SOURCE: source, INDEX: index, API_COUNT: None, PAGE_CURRENCY: currency}
        reasons: list[str] = []
        for wire in known:
            text, reason = _exact_text(record.get(wire))
            row[raw_name(wire)] = text
            if reason is not None:
                reasons.append(f"{wire}: {reason}")
        for wire in spec.required_wire:
            if wire not in record:
                reasons.append(f"{wire}: required field missing from the record")
        unknown = {k: v for k, v in record.items() if k not in known}
        for k, v in unknown.items():
            drift.setdefault(k, _dumps(v)[:200])
        row[EXTRA] = _dumps(unknown) if unknown else None
        row[PRE_ERRORS] = reasons
        rows.append(row)
    return rows


def _slow_rows(
    spec: DatasetSpec, path: Path, drift: dict[str, str]
) -> tuple[list[dict[str, Any]], int | None]:
    page = load_page(path)
    records = page.get(spec.records_field) or []
    check_required(spec, records, f"page {path.name}")
    count = page.get(spec.count_field)
    rows = records_to_raw(spec, records, str(path), page.get("currency"), drift)
    return rows, int(count) if isinstance(count, int | str) and str(count).isdigit() else None


def raw_schema(spec: DatasetSpec) -> pl.Schema:
    """Schema of the raw relation: meta columns, every wire field as text, extra, pre-errors."""
    text, fields = pl.String(), [SOURCE, INDEX, API_COUNT, PAGE_CURRENCY]
    columns: dict[str, pl.DataType] = {name: text for name in fields} | {INDEX: pl.Int64()}
    columns |= {raw_name(w): text for w in sorted(spec.wire_names)}
    return pl.Schema(columns | {EXTRA: text, PRE_ERRORS: pl.List(text)})


def raw_frame(spec: DatasetSpec, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """The raw relation of rows built in Python (the exact slow path, flattened nested records)."""
    return pl.DataFrame(list(rows), schema=raw_schema(spec))


# ---------------------------------------------------------------------------------------------------------
# the chunked parser


def date_from(column: str) -> str:
    """SQL of a Beijing (UTC+8) date derived from a naive UTC timestamp column."""
    return f"CAST({_q(column)} + INTERVAL 8 HOUR AS DATE)"


def parser_config() -> DuckDBConfig:
    """A page parser's DuckDB: one thread (the parser already runs beside the validating thread, and on two
    cores a second DuckDB thread cost more CPU per record and ~45 MB of RSS) and that thread's memory."""
    config = duckdb_config()
    config["threads"] = "1"
    if not os.environ.get(MEMORY_LIMIT_ENV, "").strip():
        config["memory_limit"] = load_memory_limit(1)
    return config


class PageParser:
    """Parses page files of one dataset with a private in-memory DuckDB (never the warehouse connection)."""

    def __init__(
        self,
        spec: DatasetSpec,
        request: Mapping[str, str | None] | None = None,
        derived: Mapping[str, str] | None = None,
        chunk_pages: int = DEFAULT_CHUNK_PAGES,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> None:
        self.spec = spec
        self.request = {c.name: (request or {}).get(c.name) for c in spec.columns if c.source == "request"}
        self.derived = dict(derived or {})
        self.chunk_pages = chunk_pages
        self.chunk_bytes = chunk_bytes
        self.con = duckdb.connect(":memory:", config=parser_config())
        self._typing = typing_sql(spec, "raw", self.derived)
        self._fast = fast_sql(spec) if not spec.nested_fields else ""
        self._struct = _struct(spec)
        self._n_keys = len(spec.wire_names)
        self.drift: dict[str, str] = {}
        self._top_names = tuple(
            f'"{n}":'.encode() for n in (spec.count_field, "currency", spec.records_field)
        )
        self._field_names = tuple(f'"{w}":'.encode() for w in sorted(spec.wire_names))
        self._fast_typing = (
            typing_sql(spec, f"({self._fast.strip().rstrip(';')})", self.derived) if self._fast else ""
        )

    def close(self) -> None:
        """Release the private connection."""
        self.con.close()

    def __enter__(self) -> PageParser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse(self, pages: Iterable[Path]) -> Iterator[ParsedChunk]:
        """Yield one ParsedChunk per `chunk_pages` page files or `chunk_bytes` of them, in page order.

        `pages` may be a stream that blocks while later pages download: each chunk is parsed once it is full.
        """
        chunk: list[Path] = []
        size = 0
        for path in pages:
            chunk.append(Path(path))
            size += chunk[-1].stat().st_size
            if len(chunk) == self.chunk_pages or size >= self.chunk_bytes:
                yield self.parse_chunk(chunk)
                chunk, size = [], 0
        if chunk:
            yield self.parse_chunk(chunk)

    def parse_ahead(self, pages: Iterable[Path]) -> Iterator[ParsedChunk]:
        """`parse`, one chunk ahead on a worker thread: DuckDB parses the next chunk (without holding the GIL)
        while the caller validates and writes this one. One chunk more in memory, ~30% less time (B1)."""
        chunks = self.parse(pages)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pbw-parse") as worker:
            pending = worker.submit(next, chunks, None)
            while (chunk := pending.result()) is not None:
                pending = worker.submit(next, chunks, None)
                yield chunk

    def _fields_budget(self, data: bytes) -> int | None:
        """Keys the page's records hold (None when a long number rules the fast path out).

        Every JSON key is written `"name":`, so the page's key count minus the envelope's keys must equal
        records x contract fields; the parser checks that against the records DuckDB read. Any difference
        (unknown or missing field, a quote-colon inside a string) sends the page to the exact slow path, and
        so does a page where some contract field never occurs (a renamed field keeps the count). Left: a field
        renamed in only some records of a page whose other records still carry it.
        """
        if not self._fast or find_inexact_numbers(data):
            return None
        if not all(name in data for name in self._field_names):
            return None
        top = sum(1 for name in self._top_names if name in data)
        return _key_count(data) - top

    def parse_chunk(self, pages: list[Path]) -> ParsedChunk:
        """Parse a few pages: one DuckDB query for the fast pages, the exact slow path for the others."""
        drift: dict[str, str] = {}
        budgets: dict[str, int] = {}
        slow: list[Path] = []
        for path in pages:
            budget = self._fields_budget(path.read_bytes())
            if budget is None:
                slow.append(path)
            else:
                budgets[str(path)] = budget
        frames: list[pl.DataFrame] = []
        if budgets:
            params = {"files": list(budgets), "struct": self._struct, **self.request}
            fast = pl.DataFrame(self.con.sql(self._fast_typing, params=params))
            rows = dict(fast.group_by(SOURCE).len().iter_rows())
            mismatched = [s for s, budget in budgets.items() if budget != rows.get(s, 0) * self._n_keys]
            if mismatched:
                fast = fast.filter(~pl.col(SOURCE).is_in(mismatched))
                slow.extend(Path(s) for s in mismatched)
            frames.append(fast)
        slow_rows: list[dict[str, Any]] = []
        for path in slow:
            slow_rows.extend(_slow_rows(self.spec, path, drift)[0])
        if slow_rows or not frames:
            frames.append(self.type_raw(raw_frame(self.spec, slow_rows)))
        frame = pl.concat(frames) if len(frames) > 1 else frames[0]
        order = {str(p): i for i, p in enumerate(pages)}
        rank = frame.select(
            pl.col(SOURCE).replace_strict(order, return_dtype=pl.Int64) * 2**32 + pl.col(INDEX)
        ).to_series()
        if not rank.is_sorted():  # DuckDB returns the fast pages in order; slow pages come after them
            frame = frame.sort(rank)
        self.drift.update({k: v for k, v in drift.items() if k not in self.drift})
        return ParsedChunk(frame=frame, pages=pages, drift=drift, slow_pages=len(slow))

    def type_raw(self, raw: pl.DataFrame) -> pl.DataFrame:
        """Typed frame of a raw relation (see `raw_schema`), with `_errors` per row."""
        with registered(self.con, "raw", raw) as con:
            return pl.DataFrame(con.sql(self._typing, params=self._params()))

    def type_records(
        self, records: Sequence[Mapping[str, Any]], source: str, currency: str | None
    ) -> pl.DataFrame:
        """Typed frame of in-memory records (Decimal numbers), e.g. flattened nested records."""
        drift: dict[str, str] = {}
        rows = records_to_raw(self.spec, records, source, currency, drift)
        self.drift.update({k: v for k, v in drift.items() if k not in self.drift})
        return self.type_raw(raw_frame(self.spec, rows))

    def _params(self) -> dict[str, Any] | None:
        return dict(self.request) if self.request else None
