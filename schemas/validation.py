"""Validation: a typed frame in, good rows and rejected rows (with every reason) out. Pure: no I/O.

pandera checks only the schema of a LazyFrame, so frames are validated eagerly with `lazy=True` to collect
every failure; failures are mapped back to rows by index. H rules (documented) always reject a row; S rules
(inferred) are configurable per rule: off, warn (counted, row loaded) or quarantine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, Protocol

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.backends.polars.checks import PolarsCheckBackend
from pandera.constants import CHECK_OUTPUT_KEY
from pandera.engines import polars_engine

from schemas.columns import DatasetSpec

Action = Literal["off", "warn", "quarantine"]
ERRORS_COLUMN = "_errors"
DUPLICATE_REASON = "duplicate id"


@dataclass(frozen=True)
class SRule:
    """An inferred rule (API reference §3 'S'): `ok(tolerance)` is true for rows that satisfy it."""

    name: str
    doc: str
    ok: Callable[[Decimal], pl.Expr]


@dataclass(frozen=True)
class RuleSettings:
    """Which S rules run and what a violation does; tolerance in yuan (0.01 by default, §3)."""

    tolerance: Decimal = Decimal("0.01")
    s_action: Action = "warn"
    overrides: Mapping[str, Action] = field(default_factory=dict)

    def action(self, rule: str) -> Action:
        """The action for one S rule (override, else the default)."""
        return self.overrides.get(rule, self.s_action)


class RowChecks(pa.DataFrameModel):
    """Base of every dataset's checks: the parser already typed the frame (no coercion) and the model's
    columns come from the spec, so extra working columns are allowed (not strict)."""

    class Config:
        strict = False
        coerce = False


# Shared by assignment in each class body, not by inheritance: pandera runs a base class's checks last,
# and the order of the checks is the order of a quarantined row's reasons.
@pa.dataframe_check
def h1_currency_cny(cls: type, data: pa.PolarsData) -> pl.LazyFrame:
    """currency must be CNY (§3 H1)"""
    return data.lazyframe.select(pl.col("currency").fill_null("") == "CNY")


def model_from_spec(name: str, spec: DatasetSpec, checks: type[pa.DataFrameModel]) -> type[pa.DataFrameModel]:
    """A DataFrameModel with the spec's columns (dtype, nullability) as fields and the checks of `checks`.

    Generated from the spec so the parser, the model and the DDL share one column list.
    """
    annotations: dict[str, Any] = {}
    attrs: dict[str, Any] = {"__module__": checks.__module__, "__doc__": checks.__doc__}
    for column in spec.all_columns:
        annotations[column.name] = column.polars_dtype
        attrs[column.name] = pa.Field(nullable=column.nullable)
    attrs["__annotations__"] = annotations
    return type(name, (checks,), attrs)


def _s_check(rule: SRule, tolerance: Decimal) -> Any:
    def check(cls: type, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(rule.ok(tolerance).fill_null(True).alias(rule.name))

    check.__name__ = rule.name
    check.__doc__ = rule.doc
    return pa.dataframe_check(classmethod(check))


def with_s_rules(
    model: type[pa.DataFrameModel], rules: Iterable[SRule], settings: RuleSettings
) -> type[pa.DataFrameModel]:
    """`model` plus the S rules that are not switched off in `settings`."""
    attrs: dict[str, Any] = {"__module__": model.__module__}
    for rule in rules:
        if settings.action(rule.name) != "off":
            attrs[rule.name] = _s_check(rule, settings.tolerance)
    return type(f"{model.__name__}WithS", (model,), attrs)


@dataclass
class Validated:
    """Outcome of validating one frame: rows to load, rows to quarantine (`_reasons`), S-rule warnings."""

    good: pl.DataFrame
    bad: pl.DataFrame
    warnings: dict[str, int]


def _reason(row: Mapping[str, Any], docs: Mapping[str, str]) -> str:
    check = str(row["check"])
    column = row["column"]
    doc = docs.get(check)
    if row["schema_context"] == "Column":
        value = row["failure_case"]
        if check == "not_nullable":
            return f"{column}: required value is null"
        return f"{column}: failed {check} (value {value!r})"
    return f"{check}: {doc}" if doc else f"failed {check}"


def _check_docs(model: type[pa.DataFrameModel]) -> dict[str, str]:
    docs: dict[str, str] = {}
    for name in dir(model):
        attr = getattr(model, name, None)
        doc = getattr(attr, "__doc__", None)
        if callable(attr) and doc and not name.startswith("_"):
            docs[name] = " ".join(doc.split())
    return docs


class KeyLedger(Protocol):
    """Keys seen by earlier frames of a load, kept outside Python objects (e.g. in DuckDB) so that memory
    does not grow with the load."""

    def seen_before(self, keys: pl.DataFrame) -> pl.Series:
        """True for rows whose key an earlier call recorded; then records these keys (no null keys given)."""
        ...


SeenKeys = set[tuple[Any, ...]] | KeyLedger


def duplicate_mask(frame: pl.DataFrame, key: tuple[str, ...], seen: SeenKeys | None) -> pl.Series:
    """True for second and later copies of a key (in the frame or already in `seen`); updates `seen`."""
    if frame.is_empty():
        return pl.Series("dup", [], dtype=pl.Boolean)
    keys = frame.select(key)
    has_key = keys.select(pl.all_horizontal(pl.all().is_not_null())).to_series()
    dup = ~keys.select(pl.struct(key).is_first_distinct()).to_series() & has_key
    if seen is None:
        return dup
    if not isinstance(seen, set):
        earlier = pl.Series("dup", [False] * frame.height, dtype=pl.Boolean)
        present = has_key.arg_true()
        if present.len():
            earlier = earlier.scatter(present, seen.seen_before(keys.filter(has_key)))
        return dup | earlier
    rows = keys.rows()
    flags = dup.to_list()
    for i, (row, present) in enumerate(zip(rows, has_key.to_list(), strict=True)):
        if not present:
            continue
        if row in seen and not flags[i]:
            flags[i] = True
        seen.add(row)
    return pl.Series("dup", flags, dtype=pl.Boolean)


@dataclass(frozen=True)
class _Prescreen:
    """The model's own checks, evaluated together in one polars query (pandera runs one query per check and
    costs ~27 ms per call whatever the frame's size): row-wise checks, non-nullable columns, dtypes."""

    columns: Mapping[str, Any]
    checks: tuple[tuple[str, Any], ...]
    not_null: tuple[str, ...]


@lru_cache(maxsize=32)  # a load builds its model once (`with_s_rules` makes a new class per call)
def _prescreen(model: type[pa.DataFrameModel]) -> _Prescreen | None:
    """The vectorised pre-check of `model`, or None when some of its checks are not row-wise."""
    schema = model.to_schema()
    if schema.unique or schema.strict or getattr(schema, "add_missing_columns", False):
        return None
    checks: list[tuple[str, Any]] = [("*", check) for check in schema.checks]
    for name, column in schema.columns.items():
        if column.unique or column.regex or column.coerce or not column.required:
            return None
        checks.extend((name, check) for check in column.checks)
    if any(check.element_wise or check.groupby is not None for _, check in checks):
        return None
    not_null = tuple(n for n, c in schema.columns.items() if not c.nullable)
    return _Prescreen(dict(schema.columns), tuple(checks), not_null)


def suspect_rows(frame: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.Series | None:
    """Rows pandera might reject: not passed (True) by every check of the model, or null where the model
    forbids it. None when the whole frame must go to pandera (a column missing or of another dtype, a check
    that is not row-wise). Rows outside the mask pass every check, so pandera on the suspect rows alone
    reports exactly what it would report on the whole frame."""
    screen = _prescreen(model)
    if screen is None:
        return None
    for name, column in screen.columns.items():
        if name not in frame.schema or not column.dtype.check(polars_engine.Engine.dtype(frame.schema[name])):
            return None
    lazy = frame.lazy()
    outputs: list[pl.LazyFrame] = []
    for i, (key, check) in enumerate(screen.checks):
        out = PolarsCheckBackend(check).apply(PolarsData(lazy, key))
        if isinstance(out, bool):
            if not out:
                return None
            continue
        outputs.append(out.select(pl.col(CHECK_OUTPUT_KEY).alias(f"check_{i}")))
    outputs.append(lazy.select(pl.all_horizontal(pl.col(n).is_not_null() for n in screen.not_null)
                               .alias("not_null") if screen.not_null else pl.lit(True).alias("not_null")))
    results = pl.concat(outputs, how="horizontal").collect()
    if results.height != frame.height:
        return None
    return ~results.select(pl.all_horizontal(pl.all().fill_null(False))).to_series()


def _failure_cases(frame: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame | None:
    """pandera's failure cases for `frame` (None when it passes), validating only the suspect rows when
    the model's checks can be pre-screened; `index` always refers to rows of `frame`."""
    suspects = suspect_rows(frame, model)
    rows = frame if suspects is None else frame.filter(suspects)
    if rows.is_empty():
        return None
    try:
        model.validate(rows, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        unplaced = cases.filter(pl.col("index").is_null())
        if unplaced.height:
            raise ValueError(
                f"{model.__name__}: frame does not fit the contract: {unplaced.to_dicts()}"
            ) from exc
        if suspects is None:
            return cases
        positions = suspects.arg_true().to_list()
        return cases.with_columns(
            pl.Series("index", [positions[int(i)] for i in cases.get_column("index").to_list()])
        )
    return None


def split_valid(
    frame: pl.DataFrame,
    model: type[pa.DataFrameModel],
    key: tuple[str, ...],
    settings: RuleSettings,
    s_rule_names: Iterable[str] = (),
    seen_keys: SeenKeys | None = None,
) -> Validated:
    """Validate `frame` with `model`; every row ends in `good` or in `bad` with all its reasons.

    Reasons come from the parser (`_errors`: wrong type, inexact amount), duplicates of `key` (the second copy
    is rejected, across chunks when `seen_keys` is shared) and every pandera failure of the row.
    """
    reasons: dict[int, list[str]] = defaultdict(list)
    if ERRORS_COLUMN in frame.columns:
        errors = frame.get_column(ERRORS_COLUMN)
        rows = (errors.list.len() > 0).fill_null(False).arg_true()
        for index, row_errors in zip(rows.to_list(), errors.gather(rows).to_list(), strict=True):
            reasons[index].extend(row_errors)
    for index in duplicate_mask(frame, key, seen_keys).arg_true().to_list():
        reasons[index].append(f"{DUPLICATE_REASON}: {', '.join(key)} already loaded in this load")
    warnings: dict[str, int] = {}
    s_names = set(s_rule_names)
    cases = _failure_cases(frame, model)
    if cases is not None:
        docs = _check_docs(model)
        for row in cases.to_dicts():
            check = str(row["check"])
            if check in s_names and settings.action(check) == "warn":
                warnings[check] = warnings.get(check, 0) + 1
                continue
            reasons[int(row["index"])].append(_reason(row, docs))
    bad_index = sorted(reasons)
    if not bad_index:  # the usual chunk: no filtered copy of it (B3)
        reasons_column = pl.Series("_reasons", [], dtype=pl.List(pl.String))
        return Validated(good=frame, bad=frame.clear().with_columns(reasons_column), warnings=warnings)
    mask = pl.Series("bad", [False] * frame.height, dtype=pl.Boolean)
    if bad_index:
        mask = mask.scatter(bad_index, True)
    bad = frame.filter(mask).with_columns(
        pl.Series(
            "_reasons",
            [sorted(set(reasons[i]), key=reasons[i].index) for i in bad_index],
            dtype=pl.List(pl.String),
        )
    )
    return Validated(good=frame.filter(~mask), bad=bad, warnings=warnings)
