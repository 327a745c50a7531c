"""Reading the partner's TOML config files with errors that name the file, the key and the line.

Finance staff edit these files by hand; an error has to point at the exact place to fix.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A config file is unreadable or holds a value that would give wrong money."""


def _key_pattern(key: str) -> str:
    """A TOML key as written: bare, "double" or 'single' quoted."""
    k = re.escape(key)
    return rf"(\"{k}\"|'{k}'|{k})"


class TomlDocument:
    """A parsed TOML file that can say where a key is written, for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
        try:
            self.data: dict[str, Any] = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    def line_of(self, *key_path: str) -> int | None:
        """Line number of the last key of key_path (after its table header when there is one)."""
        lines = self.text.splitlines()
        start = 0
        *tables, leaf = key_path
        if tables:
            parts = r"\s*\.\s*".join(_key_pattern(t) for t in tables)
            header = re.compile(r"^\s*\[\s*" + parts + r"\s*\]\s*(#.*)?$")
            found = [i for i, line in enumerate(lines) if header.match(line)]
            if found:
                start = found[0]
            if leaf == "":
                return start + 1 if found else None
        key = re.compile(r"^\s*" + _key_pattern(leaf) + r"\s*=")
        for i in range(start, len(lines)):
            if i > start and tables and lines[i].lstrip().startswith("["):
                break
            if key.match(lines[i]):
                return i + 1
        return None

    def error(self, key_path: tuple[str, ...], message: str) -> ConfigError:
        """A ConfigError naming file, dotted key and line."""
        dotted = ".".join(f'"{k}"' if not re.fullmatch(r"[A-Za-z0-9_-]+", k) else k for k in key_path if k)
        line = self.line_of(*key_path)
        where = f" (line {line})" if line else ""
        return ConfigError(f"{self.path}: {dotted}{where}: {message}")


def decimal_value(doc: TomlDocument, key_path: tuple[str, ...], value: object) -> Decimal:
    """A money or rate value: a string or integer (floats are accepted via their shortest text)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise doc.error(key_path, f'must be a number written as a string like "0.05", got {value!r}')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise doc.error(key_path, f"not a number: {value!r}") from None
    if not number.is_finite():
        raise doc.error(key_path, f"must be finite, got {value!r}")
    return number


def table(doc: TomlDocument, key_path: tuple[str, ...], value: object) -> Mapping[str, Any]:
    """A TOML table, or a clear error."""
    if not isinstance(value, dict):
        raise doc.error(key_path, f"must be a table, got {type(value).__name__}")
    return value


def reject_unknown(
    doc: TomlDocument, key_path: tuple[str, ...], data: Mapping[str, Any], known: set[str]
) -> None:
    """Typos in key names must not silently fall back to defaults."""
    for key in data:
        if key not in known:
            raise doc.error((*key_path, key), f"unknown key; expected one of {', '.join(sorted(known))}")
