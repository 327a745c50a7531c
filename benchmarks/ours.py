"""Our contender: the consumption_records asset over the workload's days, as `pbw backfill` runs it.

Usage: `python -m benchmarks.ours WORK.json OUT_DIR` with the sandbox's export variables,
PBW_WAREHOUSE and DAGSTER_HOME set by the harness. The timer covers the Dagster run(s) only (fetch,
parse, validate, load, commit), not interpreter start-up and imports; rows are counted afterwards.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

import orjson

from benchmarks.harness import emit
from benchmarks.sqlfile import sql

DATASET = "consumption_records"


def main(work_file: str, out_dir: str) -> None:
    """Backfill the workload's Beijing days in one in-process Dagster run per billing month."""
    from pipelines.commands import execute, plan_backfill
    from pipelines.definitions import defs
    from pipelines.instance import get_instance
    from warehouse.connection import reader

    work = orjson.loads(Path(work_file).read_bytes())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DAGSTER_HOME", str(out / "dagster"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    instance = get_instance()
    runs = plan_backfill(date.fromisoformat(work["begin"]), date.fromisoformat(work["end"]), [DATASET])
    started, cpu = time.perf_counter(), time.process_time()
    outcomes = [execute(defs, instance, planned, "bench") for planned in runs]
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    with reader(bounded=True) as con:  # the count must not inflate the run's peak (B3)
        row = con.sql(sql("select_consumption_counts")).fetchall()[0]
        quarantined = con.sql(sql("select_quarantine_count")).fetchall()[0]
    emit({"records": row[0], "distinct_ids": row[1], "quarantined": quarantined[0], "seconds": seconds,
          "cpu_s": cpu_s, "runs_ok": all(o.ok for o in outcomes), "runs": len(outcomes)})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
