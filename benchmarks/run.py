"""`python -m benchmarks.run`: run B1-B4, print one table, write bench-results/latest.json.

Sizes come from `--scale` or `PBW_BENCH_SCALE`: `small` (default, a few minutes on 2 cores) or `full`
(the benchmark issue's sizes: 1M records, 2,000 customers at 10 req/s, 5M records, 30M rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import orjson
import psutil

from benchmarks import b1_throughput, b2_api_efficiency, b3_memory, b4_warehouse, b5_publish
from benchmarks.harness import ROOT
from benchmarks.report import render_table, rows_for
from benchmarks.scales import SCALES, Scale

BENCHMARKS: dict[str, Callable[[Scale, Path], dict[str, Any]]] = {
    "b1": b1_throughput.run,
    "b2": b2_api_efficiency.run,
    "b3": b3_memory.run,
    "b4": lambda scale, out: b4_warehouse.run(out, scale.b4_rows, scale.b4_customers),
    "b5": lambda scale, out: b5_publish.run(out, scale.b4_rows, scale.b4_customers),
}


def machine() -> dict[str, Any]:
    """What the numbers were measured on: they mean little without it."""
    versions: dict[str, str | None] = {}
    for name in ("duckdb", "polars", "pyarrow", "httpx", "orjson", "dlt", "dagster"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_at_start": os.getloadavg(),
        "versions": versions,
    }


def write(results: dict[str, Any], path: Path) -> dict[str, Any]:
    """Refresh the table and write the JSON; called after every benchmark so a long run leaves partials."""
    results["finished_at_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results["load_avg_at_finish"] = os.getloadavg()
    results["table"] = rows_for(results["benchmarks"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2, default=str))
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks in order; one failing benchmark is reported and does not stop the rest."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("PBW_BENCH_SCALE", "small"))
    parser.add_argument("--only", default="b1,b2,b3,b4,b5", help="comma-separated subset of b1,b2,b3,b4,b5")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "latest.json")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    results: dict[str, Any] = {
        "started_at_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scale": scale.name,
        "machine": machine(),
        "benchmarks": {},
    }
    failed = False
    with tempfile.TemporaryDirectory(prefix="pbw-bench-") as tmp:
        for name in [n.strip() for n in args.only.split(",") if n.strip()]:
            out = Path(tmp) / name
            out.mkdir()
            print(f"[bench] {name} ({scale.name}) ...", file=sys.stderr, flush=True)
            try:
                results["benchmarks"][name] = BENCHMARKS[name](scale, out)
            except Exception as exc:
                failed = True
                results["benchmarks"][name] = {"error": f"{type(exc).__name__}: {exc}",
                                               "traceback": traceback.format_exc()[-4000:]}
            write(results, args.out)
    print(render_table(write(results, args.out)))
    print(f"\nwritten: {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
