"""Publish the warehouse for readers: hive-partitioned Parquet plus a catalog of views, one generation a load.

DuckDB lets one process write a file and, while it does, no one else may read it: an analyst's notebook on
the warehouse file made the daily run wait and fail. So analysts never open that file. After each commit the
writer (still holding its lock, so publishes never race) writes the partitions the new loads touched as
Parquet under `files/<generation>/`, then a new catalog of views over the exact file list of every table,
then renames it over `catalog.duckdb`: the one commit point. A crash before it leaves the previous catalog
and its files as they were; after it, the hive tree for Spark/Trino (`tables/`) is re-linked and old
generations are dropped once no reader can still hold them (`PBW_PUBLISHED_KEEP`, `..._RETAIN_HOURS`).
Work follows the change: a daily load rewrites its days, not the table.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import duckdb

from warehouse.connection import say_on_stderr, warehouse_path, writer
from warehouse.publish_catalog import (
    Generation,
    Partition,
    TableShape,
    partition_of,
    read_generation,
    write_catalog,
)
from warehouse.publish_layout import Layout, retire, sweep_orphans, sync_tables
from warehouse.sqlfiles import sql
from warehouse.staging import ident

PUBLISHED_ENV = "PBW_PUBLISHED"
PAUSE_ENV = "PBW_PUBLISH_PAUSE_AT"
"""Names a step (`files_written`, `before_switch`) where a publish stops for an hour: crash tests kill it
there."""
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def published_root(warehouse: Path) -> Path:
    """`PBW_PUBLISHED`, else `published/` beside the warehouse file."""
    configured = os.environ.get(PUBLISHED_ENV, "").strip()
    return Path(configured) if configured else warehouse.parent / "published"


@dataclass(frozen=True)
class NewLoad:
    """A committed load not yet in the published view: its account and partition labels."""

    load_id: str
    dataset: str
    partner: str
    labels: tuple[str, ...]


@dataclass
class PublishReport:
    """What one publish did (the figures the benchmark and the CLI print)."""

    generation: int
    loads: int
    tables: list[str] = field(default_factory=list)
    partitions: int = 0
    seconds: float = 0.0


def _pause(step: str) -> None:
    if os.environ.get(PAUSE_ENV) == step:
        print(f"publish: paused at {step}", file=sys.stderr, flush=True)
        time.sleep(3600)


def table_shapes(con: duckdb.DuckDBPyConnection) -> list[TableShape]:
    """Every base table of the warehouse from its catalog (nothing hard-coded: new tables publish too)."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, dtype in con.execute(sql("select_publishable_columns")).fetchall():
        columns.setdefault(f"{schema}.{table}", []).append((column, dtype))
    comments = {f"{s}.{t}": c for s, t, c in con.execute(sql("select_table_comments")).fetchall()}
    return [TableShape(name, tuple(cols), comments.get(name, "")) for name, cols in sorted(columns.items())]


def new_loads(con: duckdb.DuckDBPyConnection, current: Generation | None) -> list[NewLoad]:
    """Loads in `audit.load_log` that the current generation does not cover."""
    published = sorted(current.loads) if current else []
    rows = con.execute(sql("select_unpublished_loads"), {"published": published}).fetchall()
    return [NewLoad(load_id, dataset, partner or "", tuple(labels or ()))
            for load_id, dataset, partner, labels in rows]


def fingerprint(con: duckdb.DuckDBPyConnection, shape: TableShape) -> str:
    """Row count (tables whose rows carry a load id) or count and content hash (the rest, all small)."""
    cols = "*" if shape.has_load_id else ", ".join(ident(c) for c, _ in shape.columns)
    (count, total), = con.execute(
        sql("select_table_checksum").format(cols=cols if cols != "*" else "1", table=ident(shape.name))
    ).fetchall()
    return f"{count}" if shape.has_load_id else f"{count}:{total}"


def _label_applies(shape: TableShape, load: NewLoad, label: str, columns: Mapping[str, str]) -> bool:
    """A load's labels name partitions of its dataset's table (`billing.<dataset>`) and of every table
    partitioned by the same column (the bill history beside the bills); of a dataset without such a
    table, of every table whose partition column has the label's kind (day or month)."""
    column = shape.partition_by[-1]
    own = columns.get(load.dataset)
    if own is not None:
        return column == own
    dtype = shape.type_of(column)
    return bool(_DAY.match(label)) if dtype == "DATE" else bool(_MONTH.match(label))


def dataset_columns(shapes: Sequence[TableShape]) -> dict[str, str]:
    """Dataset name -> partition column of its table `billing.<dataset>`."""
    return {s.name.split(".", 1)[1]: s.partition_by[-1]
            for s in shapes if s.name.startswith("billing.") and s.partition_by}


def touched_partitions(
    con: duckdb.DuckDBPyConnection, shape: TableShape, loads: Sequence[NewLoad], columns: Mapping[str, str]
) -> set[Partition]:
    """Partitions the loads replaced (their labels, where they apply) or wrote rows into."""
    found: set[Partition] = set()
    by_account = len(shape.partition_by) == 2
    for load in loads:
        for label in load.labels:
            if label != "*" and _label_applies(shape, load, label, columns):
                found.add((load.partner, label) if by_account else (label,))
    if shape.has_load_id and loads:
        parts = ", ".join(f"CAST({ident(c)} AS VARCHAR)" for c in shape.partition_by)
        query = sql("select_partitions_of_loads").format(parts=parts, table=ident(shape.name))
        rows = con.execute(query, {"loads": [x.load_id for x in loads]}).fetchall()
        found |= {tuple("NULL" if v is None else v for v in row) for row in rows}
    return found


def table_changed(
    con: duckdb.DuckDBPyConnection, shape: TableShape, loads: Sequence[NewLoad], print_: str, was: str
) -> bool:
    """An unpartitioned table is rewritten whole when a load wrote it, replaced a whole account ('*': the
    customer list closes history rows in place) or its fingerprint moved."""
    if print_ != was:
        return True
    if any("*" in x.labels for x in loads) and any(c == "partner_domain_id" for c, _ in shape.columns):
        return True
    if shape.has_load_id and loads:
        query = sql("select_partitions_of_loads").format(parts="1", table=ident(shape.name))
        return bool(con.execute(query, {"loads": [x.load_id for x in loads]}).fetchall())
    return False


def write_partitions(
    con: duckdb.DuckDBPyConnection, shape: TableShape, parts: Iterable[Partition] | None, target: Path
) -> dict[str, tuple[str, ...]]:
    """COPY the rows of `parts` (None: every partition) under `target`, one file per partition in its hive
    folder; returns partition path -> files written (a partition left empty by the load has none)."""
    target.mkdir(parents=True, exist_ok=True)
    if not shape.partition_by:
        out = target / "part-0.parquet"
        con.execute(sql("copy_table").format(table=ident(shape.name), target=_quoted(out)))
        return {"": (str(out),)}
    columns = ", ".join(ident(c) for c, _ in shape.columns if c not in shape.partition_by)
    written: dict[str, tuple[str, ...]] = {}
    for part in sorted(_all_partitions(con, shape) if parts is None else parts):
        path = "/".join(f"{c}={quote(v, safe='')}" for c, v in zip(shape.partition_by, part, strict=True))
        out = target / path / "part-0.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        where, params = _filter(shape, part)
        query = sql("copy_partition").format(columns=columns, table=ident(shape.name), filter=where,
                                              target=_quoted(out))
        (rows,) = con.execute(query, params).fetchone() or (0,)
        if rows:
            written[path] = (str(out),)
        else:
            out.unlink(missing_ok=True)
    return written


def _all_partitions(con: duckdb.DuckDBPyConnection, shape: TableShape) -> set[Partition]:
    texts = ", ".join(f"CAST({ident(c)} AS VARCHAR)" for c in shape.partition_by)
    rows = con.execute(sql("select_table_partitions").format(parts=texts, table=ident(shape.name))).fetchall()
    return {tuple("NULL" if v is None else v for v in row) for row in rows}


def _filter(shape: TableShape, part: Partition) -> tuple[str, dict[str, object]]:
    """WHERE of one partition (an equality on the partition column lets zone maps skip row groups)."""
    column = shape.partition_by[-1]
    params: dict[str, object] = {}
    if part[-1] == "NULL":
        where = f"{ident(column)} IS NULL"
    else:
        where = f"{ident(column)} = CAST($value AS {shape.type_of(column)})"
        params["value"] = part[-1]
    if len(shape.partition_by) == 2:
        where = f"{ident(shape.partition_by[0])} = $account AND {where}"
        params["account"] = part[0]
    return where, params


@contextmanager
def _unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """COPYs without insertion order (half the CPU of a published partition), then the default again."""
    con.execute(sql("set_unordered_copies"))
    try:
        yield
    finally:
        con.execute(sql("reset_unordered_copies"))


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def publish_changes(
    con: duckdb.DuckDBPyConnection, root: Path, warehouse: str = "", *, full: bool = False
) -> PublishReport:
    """Make the published view match the warehouse as `con` sees it; returns what was written.

    Call it on the writer connection after a commit (the writer's lock keeps publishes one at a time).
    `full` rewrites every table (`pbw publish`, e.g. after an upgrade).
    """
    started = time.perf_counter()
    layout = Layout(root)
    layout.prepare()
    found = layout.current_catalog()
    previous = read_generation(found) if found else None
    current = None if full else previous
    number = (previous.number if previous else _newest(layout)) + 1
    sweep_orphans(layout, number)
    loads = new_loads(con, current)
    shapes = table_shapes(con)
    columns = dataset_columns(shapes)
    gen = Generation(number, loads=(current.loads if current else frozenset()) | {x.load_id for x in loads})
    report = PublishReport(number, len(loads))
    superseded: list[str] = sorted(previous.referenced()) if full and previous else []
    changed: dict[str, set[Partition] | None] = {}
    for shape in shapes:
        old = current.files.get(shape.name) if current else None
        was_columns = current.columns.get(shape.name) if current else None
        print_ = fingerprint(con, shape)
        gen.fingerprints[shape.name] = print_
        whole = old is None or was_columns != shape.columns_text
        parts: set[Partition] | None = None
        if not whole and shape.partition_by:
            parts = touched_partitions(con, shape, loads, columns)
            if not parts:
                gen.files[shape.name] = dict(old or {})
                continue
        elif not whole and not table_changed(con, shape, loads, print_, current.fingerprints.get(
                shape.name, "") if current else ""):
            gen.files[shape.name] = dict(old or {})
            continue
        target = layout.generation_dir(number) / shape.name.replace(".", "/")
        with _unordered(con):
            written = write_partitions(con, shape, parts, target)
        kept = {p: fs for p, fs in (old or {}).items() if parts is not None and partition_of(p) not in parts}
        superseded += [f for p, fs in (old or {}).items() if p not in kept for f in fs]
        gen.files[shape.name] = {**kept, **{p: tuple(layout.relative(f) for f in fs)
                                            for p, fs in written.items()}}
        changed[shape.name] = parts
        report.tables.append(shape.name)
        report.partitions += len(written) if parts is None else len(parts)
    if previous is not None:  # tables gone from the warehouse (a migration dropped them) leave the view
        superseded += sorted(f for t, parts in previous.files.items() if t not in gen.files
                             for fs in parts.values() for f in fs)
    if not report.tables and not superseded and previous is not None and not layout.dirty.exists():
        report.generation = previous.number  # nothing changed (a writer that loaded nothing): no generation
        report.seconds = time.perf_counter() - started
        return report
    _pause("files_written")
    views = [(s, n, text, c) for s, n, text, c in con.execute(sql("select_publishable_views")).fetchall()]
    staged = layout.catalogs / f"{number:06d}.duckdb"
    write_catalog(layout.temporary(staged), root, gen, shapes, views, warehouse)
    os.replace(layout.temporary(staged), staged)
    retire(layout, number, superseded)
    _pause("before_switch")
    layout.switch(staged)  # the commit point
    sync_tables(layout, gen, changed)
    layout.collect_garbage(number)
    report.seconds = time.perf_counter() - started
    return report


def _newest(layout: Layout) -> int:
    """Highest generation number on disk (a `full` publish continues the numbering, never reuses it)."""
    found = [int(p.stem) for p in layout.catalogs.glob("*.duckdb") if p.stem.isdigit()]
    return max(found, default=0)


def republish_everything(con: duckdb.DuckDBPyConnection, root: Path, warehouse: str = "") -> PublishReport:
    """Every table from scratch (`pbw publish`): after an upgrade, a move of the root, or a lost tree."""
    return publish_changes(con, root, warehouse, full=True)


class PublishError(RuntimeError):
    """The load committed but the published view could not follow it."""


@contextmanager
def publishing_writer(
    path: Path | str | None = None, on_wait: Callable[[str], None] = say_on_stderr, *,
    must_exist: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connection.writer`, then, when the block ended without error, `publish` on the same connection.

    The one place loads and the month close reach the published view: readers see each commit once it is
    whole. `PBW_PUBLISHED=off` turns publishing off (a warehouse nobody reads but through `--warehouse`).
    """
    target = Path(path) if path is not None else warehouse_path()
    with writer(target, on_wait=on_wait, must_exist=must_exist) as con:
        yield con
        if os.environ.get(PUBLISHED_ENV, "").strip().lower() == "off":
            return
        try:
            publish_changes(con, published_root(target), str(target.resolve()))
        except (OSError, duckdb.Error) as exc:
            raise PublishError(
                f"the load is committed, but publishing to {published_root(target)} failed ({exc}); "
                f"readers see the previous load until `pbw publish` succeeds (free disk, fix permissions)"
            ) from exc
