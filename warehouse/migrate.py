"""Versioned migrations: `warehouse/migrations/NNN_name.sql`, applied in order on every writer open.

Each file runs once, in its own transaction together with its ledger row in `audit.schema_migrations`, so a
crash mid-migration leaves nothing half-applied. 001-099 belong to the warehouse tables, 100-199 to the marts.
An applied file whose text later changed is an error: a migration is history, fix forward with a new number.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.sqlfiles import sql

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """A migration file is malformed, duplicated, or was edited after it was applied."""


@dataclass(frozen=True)
class Migration:
    """One migration file: its version number, name, text and content checksum."""

    version: int
    name: str
    text: str

    @property
    def checksum(self) -> str:
        """sha256 of the file text; detects edits to an already applied migration."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migration files of `directory`, ordered by version; duplicate numbers are an error."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"migration file {path.name!r} is not named NNN_lower_snake.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(
                f"migration number {version:03d} is used twice: {found[version].name}, {path.name}"
            )
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def apply_migrations(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; returns the names applied now (empty when up to date)."""
    from warehouse.connection import transaction  # here: connection imports this module to migrate writers

    con.execute(sql("create_schema_migrations"))
    applied = {row[0]: (row[1], row[2]) for row in con.execute(sql("select_applied_migrations")).fetchall()}
    done: list[str] = []
    for migration in discover(directory):
        if migration.version in applied:
            name, checksum = applied[migration.version]
            if checksum != migration.checksum:
                raise MigrationError(
                    f"migration {migration.name} changed after it was applied (as {name}); "
                    "add a new migration instead of editing an applied one"
                )
            continue
        with transaction(con):
            con.execute(migration.text)
            con.execute(
                sql("insert_schema_migration"),
                {
                    "version": migration.version,
                    "name": migration.name,
                    "checksum": migration.checksum,
                    "applied_at_utc": datetime.now(UTC).replace(tzinfo=None),
                },
            )
        done.append(migration.name)
    return done
