"""The incentive inbox: console export files identified by content hash, archived once loaded.

Layout under the inbox folder: new files at the top; `archive/<sha256>/<name>` once loaded;
`rejected/<sha256>/<name>` with `<name>.reason.txt` beside it when a file cannot be loaded;
`duplicates/<name>` for a file whose content was already archived or rejected.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from dagster import Config

from warehouse.console_files import file_sha256

EXPORT_SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class InboxFile:
    """One export file waiting in the inbox."""

    path: Path
    sha256: str


class IncentiveFile(Config):
    """Run config of one inbox load: the file and its content hash (the sensor's run key)."""

    path: str
    sha256: str


def pending(inbox: Path) -> list[InboxFile]:
    """Export files at the top of the inbox, oldest name first."""
    if not inbox.is_dir():
        return []
    files = sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES)
    return [InboxFile(p, file_sha256(p)) for p in files]


def seen(inbox: Path, sha256: str) -> bool:
    """True when this content was archived or rejected before."""
    return (inbox / "archive" / sha256).is_dir() or (inbox / "rejected" / sha256).is_dir()


def _move(path: Path, folder: Path) -> Path:
    """Move a file into a folder, never overwriting: a clash gets a numeric suffix."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    shutil.move(str(path), str(target))
    return target


def archive(inbox: Path, item: InboxFile) -> Path:
    """Move a loaded file to `archive/<sha256>/`."""
    return _move(item.path, inbox / "archive" / item.sha256)


def reject(inbox: Path, item: InboxFile, reason: str) -> Path:
    """Move a broken file to `rejected/<sha256>/` and write the reason beside it."""
    target = _move(item.path, inbox / "rejected" / item.sha256)
    target.with_name(target.name + ".reason.txt").write_text(reason.rstrip() + "\n", encoding="utf-8")
    return target


def set_aside_duplicate(inbox: Path, item: InboxFile) -> Path:
    """Move a file whose content was seen before to `duplicates/` so it is not loaded twice."""
    return _move(item.path, inbox / "duplicates")
