"""Scoring a reconciliation run against the sandbox's published breaks: precision and recall of the findings.

Only tests compare findings with a manifest of known breaks, so these helpers live here, not in `finance`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import polars as pl

from finance.reconciliation.engine import OK_STATUSES
from warehouse.sqlfiles import sql

FindingKey = tuple[str, frozenset[tuple[str, str]]]


def latest_run_id(con: duckdb.DuckDBPyConnection, month: str) -> str | None:
    """The newest reconciliation run of a month, if any."""
    rows = con.execute(sql("select_latest_run", package="finance"), {"month": month}).fetchall()
    return str(rows[0][0]) if rows else None


def _normal_keys(keys: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset((str(k), str(v)) for k, v in keys.items())


def finding_keys(findings: pl.DataFrame) -> set[FindingKey]:
    """Non-matched findings as {(rule, keys)}: values as text, so 3 and "3" compare equal."""
    return {
        (rule, _normal_keys(json.loads(keys)))
        for rule, keys in findings.filter(~pl.col("status").is_in(list(OK_STATUSES)))
        .select("rule", "keys")
        .iter_rows()
    }


def manifest_keys(manifest: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> set[FindingKey]:
    """The sandbox manifest ({"findings": [{"rule", "keys", ...}]}) in the form of finding_keys.

    R5 findings compare on (dataset, record_key): a manifest entry that names the record `id` and adds
    context keys (cycle, customer_id) is reduced to those two.
    """
    entries = manifest["findings"] if isinstance(manifest, Mapping) else manifest
    out: set[FindingKey] = set()
    for entry in entries:
        keys = dict(entry["keys"])
        if entry["rule"] == "R5" and "record_key" not in keys and "id" in keys:
            keys = {"dataset": keys.get("dataset"), "record_key": keys["id"]}
        out.add((str(entry["rule"]), _normal_keys(keys)))
    return out


def precision_recall(found: set[FindingKey], expected: set[FindingKey]) -> tuple[float, float]:
    """Precision and recall of found findings against the expected ones (1.0 when both are empty)."""
    hits = len(found & expected)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(expected) if expected else 1.0
    return precision, recall
