"""What the sandbox answers: a status, body and headers, and errors in the real API's shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.wire import dumps


class ApiError(Exception):
    """An error answer in the real API's shape (`{"error_code", "error_msg"}`)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    content_type: str = "application/json;charset=UTF-8"


def ok(payload: object) -> Answer:
    return Answer(200, dumps(payload))


def error(exc: ApiError) -> Answer:
    return Answer(exc.status, dumps({"error_code": exc.code, "error_msg": exc.message}))


def window(items: list[Any], offset: int, limit: int) -> list[Any]:
    return items[offset : offset + limit]
