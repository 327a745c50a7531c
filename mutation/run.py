"""Run the mutation catalog: every mutation on a copy of the tree, its tests, killed or survived.

A throwaway copy keeps the working tree safe from an interrupted run; tests run from the copy's root,
so `pythonpath = ["."]` puts the mutated packages first (the editable install points at the original).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mutation.catalog import MUTATIONS, Mutation

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "mutation" / "RESULTS.md"
TEST_TIMEOUT_S = 600


@dataclass(frozen=True)
class Outcome:
    """One mutation's verdict."""

    mutation: Mutation
    killed: bool
    seconds: float
    detail: str


def copy_tree(target: Path) -> None:
    """The files git knows (tracked and untracked-but-not-ignored), as they are in the working tree."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def apply(tree: Path, mutation: Mutation) -> str:
    """Write the mutated file into `tree`; returns the original text to restore."""
    path = tree / mutation.path
    text = path.read_text()
    found = text.count(mutation.old)
    if found != 1:
        raise SystemExit(f"mutation {mutation.name}: {mutation.old!r} occurs {found} times in "
                         f"{mutation.path} (it must occur once); update mutation/catalog.py")
    path.write_text(text.replace(mutation.old, mutation.new))
    return text


def run_tests(tree: Path, mutation: Mutation) -> tuple[bool, str]:
    """pytest on the mutation's tests in `tree`: killed when any fails (or the run times out)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-n", "2", "--dist", "loadgroup",
           *mutation.tests]
    try:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=TEST_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired:
        return True, "timed out"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("FAILED") or " passed" in line
             or " failed" in line or "error" in line.lower()]
    return proc.returncode != 0, (lines[0] if lines else f"exit {proc.returncode}")[:200]


def write_results(outcomes: list[Outcome], seconds: float) -> None:
    killed = sum(o.killed for o in outcomes)
    lines = [
        "# Mutation results",
        "",
        f"`make mutation` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {len(outcomes)} mutations, "
        f"{killed} killed ({100 * killed / max(len(outcomes), 1):.0f}%), {seconds:.0f} s.",
        "",
        "| mutation | module | verdict | what a partner would notice | first failing test / note |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        m = o.mutation
        verdict = "killed" if o.killed else ("equivalent" if m.equivalent else "SURVIVED")
        note = m.equivalent or o.detail
        lines.append(f"| `{m.name}` | `{m.path}` | {verdict} | {m.protects} | {note.replace('|', '/')} |")
    RESULTS.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation.run", description=__doc__)
    parser.add_argument("--only", nargs="+", help="run only these mutation names")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
    started = time.monotonic()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="pbw-mutation-") as tmp:
        tree = Path(tmp)
        copy_tree(tree)
        for i, mutation in enumerate(chosen, start=1):
            original = apply(tree, mutation)
            t0 = time.monotonic()
            try:
                killed, detail = run_tests(tree, mutation)
            finally:
                (tree / mutation.path).write_text(original)
            outcomes.append(Outcome(mutation, killed, time.monotonic() - t0, detail))
            print(f"[{i}/{len(chosen)}] {mutation.name}: {'killed' if killed else 'SURVIVED'} "
                  f"({time.monotonic() - t0:.0f} s)", flush=True)
    seconds = time.monotonic() - started
    if not args.only:
        write_results(outcomes, seconds)
    n_killed = sum(o.killed for o in outcomes)
    survived = [o.mutation.name for o in outcomes if not o.killed and not o.mutation.equivalent]
    print(f"{n_killed} killed, {len(outcomes) - n_killed} survived of {len(outcomes)} mutations "
          f"({100 * n_killed / max(len(outcomes), 1):.0f}%); results in {RESULTS.relative_to(ROOT)}")
    if survived:
        print("survivors without an explanation: " + ", ".join(survived))
    return 0 if not survived else 1


if __name__ == "__main__":
    sys.exit(main())
