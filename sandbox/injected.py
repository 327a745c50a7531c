"""Error answers queued by `POST /_sandbox/errors`: the next `count` answers of an API (or of any, `*`)
are one error code, so a client's handling of each code can be tested over real HTTP.

The table is the sandbox's own, the codes as the API sends them (CBC.5001 comes with HTTP 200); it never
looks at the client's error classes. Statuses the reference does not give are marked (?) and can be
overridden per injection with `status`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.answers import ApiError
from sandbox.params import invalid

CODES: dict[str, tuple[int, str]] = {
    "CBC.0154": (401, "The token is invalid."),  # status (?)
    "CBC.0155": (403, "No permission to call this API."),  # status (?)
    "CBC.0250": (400, "The request is throttled, please try again later."),  # status (?)
    "CBC.5001": (200, "The account is not a partner."),
    "CBC.0100": (400, "Invalid parameter."),
    "CBC.0151": (403, "Access denied."),
    "CBC.0156": (403, "Access denied. The customer does not belong to the website you are now at."),
    "CBC.0999": (500, "System error."),
    "APIG.0308": (429, "The throttling threshold has been reached: policy user over ratelimit,limit:10,"
                       "time:1 second"),
}
ANY = "*"


@dataclass(slots=True)
class Injection:
    endpoint: str
    code: str
    status: int
    remaining: int


@dataclass(slots=True)
class InjectedErrors:
    """Pending injections, first queued first served; each one answers `remaining` more requests."""

    pending: list[Injection] = field(default_factory=list)

    def add(self, body: dict[str, Any]) -> Injection:
        """Queue one from a control-path body: {"endpoint": path or "*", "code", "count": 1, "status"?}."""
        endpoint = body.get("endpoint")
        if not isinstance(endpoint, str) or not (endpoint == ANY or endpoint.startswith("/")):
            raise invalid("endpoint", "an API path such as /v2/bills/subcustomer-bills/res-fee-records, or *")
        code = body.get("code")
        if code not in CODES:
            raise invalid("code", f"one of {', '.join(CODES)}")
        count = body.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
            raise invalid("count", "an integer within [1-1000]")
        status = body.get("status", CODES[code][0])
        if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
            raise invalid("status", "an HTTP status within [200-599]")
        injection = Injection(endpoint, code, status, count)
        self.pending.append(injection)
        return injection

    def take(self, endpoint: str) -> ApiError | None:
        """The error this request of `endpoint` answers with, if one is queued (and use it up)."""
        for injection in self.pending:
            if injection.endpoint in (endpoint, ANY):
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self.pending.remove(injection)
                return ApiError(injection.status, injection.code, CODES[injection.code][1])
        return None

    def to_json(self) -> list[dict[str, object]]:
        return [
            {"endpoint": i.endpoint, "code": i.code, "status": i.status, "remaining": i.remaining}
            for i in self.pending
        ]
