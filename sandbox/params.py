"""Query and body parameters as the real API checks them: typed access raising CBC.0100 naming the
parameter, and the JSON body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import orjson

from sandbox.answers import ApiError

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def invalid(name: str, why: str) -> ApiError:
    return ApiError(400, "CBC.0100", f"Invalid parameter: {name} ({why}).")


class Params:
    """Typed access to query or body parameters, raising CBC.0100 naming the parameter."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def text(
        self, name: str, *, required: bool = False, max_len: int = 64, choices: tuple[str, ...] = ()
    ) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise invalid(name, "required")
            return None
        value = str(value)
        if len(value) > max_len:
            raise invalid(name, f"at most {max_len} characters")
        if choices and value not in choices:
            raise invalid(name, f"one of {', '.join(choices)}")
        return value

    def integer(
        self, name: str, default: int | None, low: int, high: int, *, required: bool = False
    ) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise invalid(name, "required")
            return default
        if isinstance(value, bool):
            raise invalid(name, "integer expected")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise invalid(name, "integer expected") from None
        if not low <= number <= high:
            raise invalid(name, f"must be within [{low}-{high}]")
        return number

    def month(self, name: str, *, required: bool = True) -> str | None:
        value = self.text(name, required=required, max_len=10)
        if value is not None and not MONTH.match(value):
            raise invalid(name, "YYYY-MM expected")
        return value

    def day(self, name: str) -> date | None:
        value = self.text(name, max_len=10)
        if value is None:
            return None
        try:
            if not DAY.match(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise invalid(name, "YYYY-MM-DD expected") from None

    def utc(self, name: str) -> datetime | None:
        value = self.text(name, max_len=20)
        if value is None:
            return None
        if not UTC_TIME.match(value):
            raise invalid(name, "UTC time like 2024-01-05T08:30:00Z expected")
        return datetime.strptime(value[:-1] + "+0000", "%Y-%m-%dT%H:%M:%S%z").replace(tzinfo=None)

    def page(self, max_limit: int, max_offset: int = 2147483646) -> tuple[int, int]:
        offset = self.integer("offset", 0, 0, max_offset)
        limit = self.integer("limit", 10, 1, max_limit)
        assert offset is not None
        assert limit is not None
        return offset, limit


def json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(400, "CBC.0100", "Invalid parameter: request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ApiError(400, "CBC.0100", "Invalid parameter: request body must be a JSON object.")
    return value
