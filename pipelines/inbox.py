"""The incentive inbox: console export files identified by content hash; each ends in exactly one outcome.

Layout under the inbox folder: new files at the top; then, by outcome,
- `archive/<sha256>/<name>`: loaded (merged by incentive_data_id, or replacing its periods with `--replace`);
- `held/<sha256>/<name>`: readable, but a merge would lower a loaded period; a person decides;
- `rejected/<sha256>/<name>`: cannot be loaded (unreadable, unknown encoding, no valid row);
- `duplicates/<name>`: the content of a file loaded before.
Every file that is not loaded has `<name>.reason.txt` beside it. A held or rejected content dropped again is
evaluated again (the warehouse or the code may have changed since).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dagster import Config

from warehouse.console_files import file_sha256

EXPORT_SUFFIXES = (".xlsx", ".csv")
Outcome = Literal["loaded", "held", "rejected", "duplicate"]
OUTCOMES: tuple[Outcome, ...] = ("loaded", "held", "rejected", "duplicate")
REASON_SUFFIX = ".reason.txt"


@dataclass(frozen=True)
class InboxFile:
    """One export file waiting in the inbox."""

    path: Path
    sha256: str


class IncentiveFile(Config):
    """Run config of one inbox load: the file, its content hash, and whether a person asked to replace."""

    path: str
    sha256: str
    replace: bool = False


def pending(inbox: Path) -> list[InboxFile]:
    """Export files at the top of the inbox, oldest name first."""
    if not inbox.is_dir():
        return []
    files = sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES)
    return [InboxFile(p, file_sha256(p)) for p in files]


def seen(inbox: Path, sha256: str) -> bool:
    """True when this content was loaded before (it is in the archive)."""
    return (inbox / "archive" / sha256).is_dir()


def earlier_attempts(inbox: Path, sha256: str) -> int:
    """How often this content was held or rejected before (part of the sensor's run key)."""
    return sum(
        1
        for folder in ("held", "rejected")
        if (inbox / folder / sha256).is_dir()
        for p in (inbox / folder / sha256).iterdir()
        if not p.name.endswith(REASON_SUFFIX)
    )


def run_key(inbox: Path, item: InboxFile) -> str:
    """The content hash, plus the attempt number when the same content was held or rejected before."""
    attempt = earlier_attempts(inbox, item.sha256)
    return item.sha256 if attempt == 0 else f"{item.sha256}.{attempt}"


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


def _set_aside(path: Path, folder: Path, reason: str) -> Path:
    target = _move(path, folder)
    target.with_name(target.name + REASON_SUFFIX).write_text(reason.rstrip() + "\n", encoding="utf-8")
    return target


def archive(inbox: Path, item: InboxFile) -> Path:
    """Move a loaded file to `archive/<sha256>/` (a held one leaves its reason behind); a file from outside
    the inbox is copied there."""
    if inbox.resolve() in item.path.resolve().parents:
        item.path.with_name(item.path.name + REASON_SUFFIX).unlink(missing_ok=True)
        return _move(item.path, inbox / "archive" / item.sha256)
    folder = inbox / "archive" / item.sha256
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / item.path.name
    shutil.copy2(item.path, target)
    return target


def reject(inbox: Path, item: InboxFile, reason: str) -> Path:
    """Move a file that cannot be loaded to `rejected/<sha256>/` and write the reason beside it."""
    return _set_aside(item.path, inbox / "rejected" / item.sha256, reason)


def hold(inbox: Path, item: InboxFile, reason: str) -> Path:
    """Move a file a person must decide on to `held/<sha256>/`; the reason and the choices go beside it."""
    target = _move(item.path, inbox / "held" / item.sha256)
    choices = (
        f"{reason}\n"
        "If it is a complete export of those periods, replace them with it: "
        f"pbw load inbox --replace {target}\n"
        "Otherwise the loaded periods stay as they are: delete the held file.\n"
    )
    target.with_name(target.name + REASON_SUFFIX).write_text(choices, encoding="utf-8")
    return target


def set_aside_duplicate(inbox: Path, item: InboxFile) -> Path:
    """Move a file whose content was loaded before to `duplicates/` with the reason (never loaded twice)."""
    loaded = sorted((inbox / "archive" / item.sha256).iterdir())
    first = loaded[0].relative_to(inbox) if loaded else Path("archive") / item.sha256
    return _set_aside(
        item.path, inbox / "duplicates", f"same content (sha256 {item.sha256}) as {first}, loaded before"
    )
