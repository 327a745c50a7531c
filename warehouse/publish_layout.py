"""Where the published view lives on disk, the one rename that makes a generation current, and cleanup.

```
<root>/catalog.duckdb                  the current catalog (a hard link of catalogs/<generation>.duckdb)
<root>/catalogs/000042.duckdb          each generation's catalog
<root>/files/000042/<schema>/<table>/partner_domain_id=D/bill_date=2026-10-05/part-0.parquet
<root>/tables/<schema>/<table>/partner_domain_id=D/bill_date=2026-10-05/part-0.parquet   (hard links)
<root>/retired/000042.txt              files generation 42 replaced: deleted once no kept generation reads
```

`files/` is immutable: a generation only adds files, so a reader holding an old catalog keeps reading what it
saw. `tables/` holds exactly the current files (hard links, no copies) for engines that read a directory
(Spark, Trino, Athena); each partition's file is swapped by rename, so such engines see whole partitions.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from warehouse.publish_catalog import Generation, Partition, partition_of

KEEP_ENV, RETAIN_ENV = "PBW_PUBLISHED_KEEP", "PBW_PUBLISHED_RETAIN_HOURS"
DEFAULT_KEEP, DEFAULT_RETAIN_HOURS = 3, 24.0
"""Old generations stay readable while they are among the last 3 or younger than 24 h: a notebook that
opened the catalog this morning still reads the files it saw, however many loads came since."""


class Layout:
    """The paths of one published root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.catalog = root / "catalog.duckdb"
        self.catalogs = root / "catalogs"
        self.files = root / "files"
        self.tables = root / "tables"
        self.retired = root / "retired"
        self.dirty = self.tables / ".syncing"

    def prepare(self) -> None:
        """Create the folders (a first publish)."""
        for folder in (self.catalogs, self.files, self.tables, self.retired):
            folder.mkdir(parents=True, exist_ok=True)

    def generation_dir(self, number: int) -> Path:
        """Where generation `number` writes its new files."""
        return self.files / f"{number:06d}"

    def relative(self, path: str | Path) -> str:
        """A path under the root as the catalog records it."""
        return Path(path).relative_to(self.root).as_posix()

    @staticmethod
    def temporary(path: Path) -> Path:
        """The name a file is written under before its rename."""
        return path.with_name(path.name + ".tmp")

    def current_catalog(self) -> Path | None:
        """The generation file `catalog.duckdb` links to (matched by inode), or None before a first publish.

        Not `catalog.duckdb` itself: DuckDB shares one database instance per path within a process, so a
        connection held open on it (a notebook, a test) would show this process an old generation.
        """
        try:
            inode = self.catalog.stat().st_ino
        except FileNotFoundError:
            return None
        for path in self.catalogs.glob("*.duckdb"):
            if path.stat().st_ino == inode:
                return path
        return None

    def switch(self, staged: Path) -> None:
        """The commit point: `catalog.duckdb` becomes a link of `staged` by one rename (atomic on POSIX)."""
        tmp = self.temporary(self.catalog)
        tmp.unlink(missing_ok=True)
        os.link(staged, tmp)
        os.replace(tmp, self.catalog)
        _fsync_dir(self.root)

    def collect_garbage(self, current: int) -> list[int]:
        """Drop generations no reader needs: older than the newest `PBW_PUBLISHED_KEEP` (3) and older than
        `PBW_PUBLISHED_RETAIN_HOURS` (24); delete the files only they read. Returns the dropped numbers."""
        keep = int(os.environ.get(KEEP_ENV, DEFAULT_KEEP))
        retain_s = float(os.environ.get(RETAIN_ENV, DEFAULT_RETAIN_HOURS)) * 3600
        now = time.time()
        numbers = sorted(int(p.stem) for p in self.catalogs.glob("*.duckdb") if p.stem.isdigit())
        numbers = [n for n in numbers if n <= current]
        oldest_kept = current
        for n in reversed(numbers):
            young = now - (self.catalogs / f"{n:06d}.duckdb").stat().st_mtime < retain_s
            if current - n < keep or young:
                oldest_kept = n
            else:
                break
        dropped = [n for n in numbers if n < oldest_kept]
        for n in dropped:
            (self.catalogs / f"{n:06d}.duckdb").unlink(missing_ok=True)
        for journal in sorted(self.retired.glob("*.txt")):
            if journal.stem.isdigit() and int(journal.stem) <= oldest_kept:
                for line in journal.read_text(encoding="utf-8").splitlines():
                    if line:
                        (self.root / line).unlink(missing_ok=True)
                journal.unlink()
        _remove_empty_dirs(self.files)
        return dropped


def retire(layout: Layout, number: int, superseded: list[str]) -> None:
    """Record the files generation `number` replaces (deleted when the generations reading them go)."""
    journal = layout.retired / f"{number:06d}.txt"
    tmp = layout.temporary(journal)
    tmp.write_text("".join(f"{f}\n" for f in sorted(superseded)), encoding="utf-8")
    os.replace(tmp, journal)


def sweep_orphans(layout: Layout, number: int) -> None:
    """Remove what a publish killed before its commit point left behind (generation `number` and later)."""
    for folder, suffix in ((layout.files, ""), (layout.catalogs, ".duckdb"), (layout.retired, ".txt")):
        for entry in folder.iterdir():
            stem = entry.name.split(".")[0]
            if stem.isdigit() and int(stem) >= number and (suffix == "" or entry.name.startswith(stem)):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def sync_tables(layout: Layout, gen: Generation, changed: Mapping[str, set[Partition] | None]) -> None:
    """Bring `tables/` to the current generation: the changed partitions, or everything after a crash
    left it half-synced (the `.syncing` marker)."""
    if layout.dirty.exists():
        changed = {table: None for table in gen.files}
    if not changed:
        return
    layout.dirty.write_text("", encoding="utf-8")
    for table, parts in changed.items():
        table_dir = layout.tables / table.replace(".", "/")
        files = gen.files.get(table, {})
        wanted = files if parts is None else {p: fs for p, fs in files.items() if partition_of(p) in parts}
        for stale in _partition_dirs(table_dir):  # partitions the load emptied (or a whole rewrite dropped)
            rel = "" if stale == table_dir else stale.relative_to(table_dir).as_posix()
            if (parts is None or partition_of(rel) in parts) and rel not in wanted:
                for file in stale.glob("part-*.parquet"):
                    file.unlink()
        for part, sources in wanted.items():
            _link_partition(layout, table_dir / part if part else table_dir, sources)
    layout.dirty.unlink()
    _remove_empty_dirs(layout.tables)


def _partition_dirs(table_dir: Path) -> list[Path]:
    if not table_dir.exists():
        return []
    return [p.parent for p in table_dir.rglob("part-*.parquet")]


def _link_partition(layout: Layout, folder: Path, sources: tuple[str, ...]) -> None:
    """part-0.parquet, part-1.parquet ... of one partition as hard links, each swapped in by rename."""
    folder.mkdir(parents=True, exist_ok=True)
    names = set()
    for i, source in enumerate(sources):
        name = f"part-{i}.parquet"
        tmp = folder / f".{name}.tmp"
        tmp.unlink(missing_ok=True)
        os.link(layout.root / source, tmp)
        os.replace(tmp, folder / name)
        names.add(name)
    for extra in folder.glob("part-*.parquet"):
        if extra.name not in names:
            extra.unlink()


def _remove_empty_dirs(top: Path) -> None:
    for folder in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            continue


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
