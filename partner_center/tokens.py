"""IAM token mode: `POST /v3/auth/tokens` once, send `X-Auth-Token`, refresh before it expires.

Tokens live about 24 h; re-authenticating per request would hit IAM's own limits, so the token is
cached per client and refreshed `margin` seconds before `expires_at`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx

from partner_center.errors import AuthenticationError, RetriesExhaustedError, UnreachableError
from partner_center.redact import register_secret
from partner_center.retry import unreachable_reason


class TokenProvider:
    """Holds one IAM user token; `get()` returns a valid one, fetching or refreshing as needed."""

    def __init__(self, iam_endpoint: str, user: str, password: str, domain_id: str | None,
                 domain_name: str | None = None, margin: float = 3600.0, attempts: int = 3) -> None:
        self._url = iam_endpoint.rstrip("/") + "/v3/auth/tokens"
        self._user = user
        self._password = password
        self._domain_id = domain_id
        self._domain_name = domain_name
        self._margin = timedelta(seconds=margin)
        self._attempts = attempts
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self._lock: asyncio.Lock | None = None
        self.fetches = 0
        register_secret(password)

    def __repr__(self) -> str:
        return f"TokenProvider(url={self._url!r}, user={self._user!r}, expires_at={self._expires_at})"

    def _body(self) -> bytes:
        by_name = {"name": self._domain_name} if self._domain_name else None
        by_id = {"id": self._domain_id} if self._domain_id else None
        user = {"name": self._user, "password": self._password, "domain": by_name or by_id or {}}
        auth = {"identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"domain": by_id or by_name or {}}}
        return json.dumps({"auth": auth}).encode()

    def invalidate(self) -> None:
        """Forget the token (the API said it expired early)."""
        self._token = None
        self._expires_at = None

    def _valid(self, now: datetime) -> bool:
        return self._token is not None and self._expires_at is not None and (
            self._expires_at - self._margin > now
        )

    async def get(self, http: httpx.AsyncClient) -> str:
        """A token valid for at least `margin` more seconds."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._valid(datetime.now(UTC)):
                await self._fetch(http)
            assert self._token is not None
            return self._token

    async def _fetch(self, http: httpx.AsyncClient) -> None:
        last = ""
        for attempt in range(1, self._attempts + 1):
            try:
                response = await http.post(self._url, content=self._body(),
                                           headers={"Content-Type": "application/json;charset=utf8"})
            except httpx.TransportError as exc:
                reason = unreachable_reason(exc)
                if reason is not None:
                    raise UnreachableError("iam_token", self._url, reason) from None
                last = type(exc).__name__
                await asyncio.sleep(0.2 * attempt)
                continue
            if response.status_code >= 500:
                last = f"HTTP {response.status_code}"
                await asyncio.sleep(0.2 * attempt)
                continue
            token = response.headers.get("X-Subject-Token")
            if response.status_code not in (200, 201) or not token:
                raise AuthenticationError("iam_token", {"user": self._user}, response.status_code,
                                          "IAM", "IAM refused the user name or password")
            register_secret(token)
            self._token = token
            self._expires_at = _expires_at(response.content)
            self.fetches += 1
            return
        raise RetriesExhaustedError("iam_token", {"user": self._user}, self._attempts, last)


def _expires_at(body: bytes) -> datetime:
    """`token.expires_at` of the IAM answer; 23 h from now when absent or unreadable."""
    try:
        text = json.loads(body)["token"]["expires_at"]
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, KeyError, TypeError):
        return datetime.now(UTC) + timedelta(hours=23)
