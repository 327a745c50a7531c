"""The sandbox's raw ASGI application and gateway: authentication (AK/SK signature or IAM token), AK
lockout, throttling, injected faults, error answers and X-Request-Id; the handlers live in `routes`.

Order of checks per API request, as the gateway does it: route (404), authentication (401 APIG.0301),
throttling (429 APIG.0308), an error queued by `POST /_sandbox/errors` (CBC.0154 also revokes the token
sent), injected fault, then the handler's parameter checks (400 CBC.0100).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl

from partner_center import signing
from partner_center.sandbox_credentials import (
    SANDBOX_AK,
    SANDBOX_IAM_PASSWORD,
    SANDBOX_IAM_USER,
    SANDBOX_SK,
)
from sandbox.answers import Answer, ApiError, error
from sandbox.config import SandboxConfig
from sandbox.faults import PAGING_KINDS, FaultPlan
from sandbox.injected import InjectedErrors
from sandbox.params import Params, json_body
from sandbox.ratelimit import RateLimiter
from sandbox.routes import resolve
from sandbox.routes.consumption import FEE_RECORDS
from sandbox.routes.control import control
from sandbox.routes.request import Request
from sandbox.stats import Stats
from sandbox.wire import dumps
from sandbox.world import World

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

TOKENS = "/v3/auth/tokens"
TOKEN_LIFETIME = timedelta(hours=24)
ACCESS = re.compile(r"Access=([^,\s]+)")
LOCKOUT_FAILURES = 5  # consecutive signature failures that lock an AK (spec §4), when `ak_lockout` is on
LOCKOUT_SECONDS = 300.0


class SandboxApp:
    """One sandbox: a world, its clock, tokens, throttling, faults and statistics."""

    def __init__(self, config: SandboxConfig, world: World | None = None) -> None:
        self.config = config
        self.world = world or config.build_world()
        for month in config.warm:
            self.world.warm(month)
        self.limiter = RateLimiter(config.rate_limit)
        self.faults: FaultPlan = config.fault_plan()
        self.stats = Stats()
        self.injected = InjectedErrors()
        self.tokens: dict[str, datetime] = {}
        self.auth_failures: Counter[str] = Counter()
        self.locked_until: dict[str, float] = {}
        self.keys: dict[str, str] = {SANDBOX_AK: SANDBOX_SK, **dict(config.partner_keys)}

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        answer = await self.handle(scope, b"".join(chunks), send)
        if answer is None:
            return
        request_id = uuid.uuid4().hex
        headers = [
            (b"content-type", answer.content_type.encode()),
            (b"x-request-id", request_id.encode()),
            (b"content-length", str(len(answer.body)).encode()),
            *answer.headers,
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def handle(self, scope: Scope, body: bytes, send: Send) -> Answer | None:
        method = scope["method"]
        path = scope["path"]
        raw_path = (scope.get("raw_path") or path.encode()).decode("latin-1").split("?", 1)[0]
        query = scope.get("query_string", b"").decode("latin-1")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if path.startswith("/_sandbox/"):
            return control(self, method, path, query, body)
        try:
            if path == TOKENS and method == "POST":
                self.stats.requests[TOKENS] += 1
                return self.issue_token(body)
            name, handler, path_arg = resolve(method, path)
            self.stats.requests[name] += 1
            domain = self.authenticate(method, raw_path, query, headers, body)
            source_ip = (scope.get("client") or ("", 0))[0]
            now = time.monotonic()
            if not self.limiter.allow(name, f"{source_ip}|{domain}", now):
                self.stats.throttled[name] += 1
                limit = int(self.config.rate_limit or 0)
                raise ApiError(
                    429,
                    "APIG.0308",
                    "The throttling threshold has been reached: policy user over "
                    f"ratelimit,limit:{limit},time:1 second",
                )
            self.stats.peaks[name].record(now)
            queued = self.injected.take(name)
            if queued is not None:
                self.stats.faults[queued.code] += 1
                if queued.code == "CBC.0154":  # the token really is invalid from now on
                    self.tokens.pop(headers.get("x-auth-token", ""), None)
                raise queued
            n = self.stats.fault_counters[name]
            self.stats.fault_counters[name] += 1
            delay = self.faults.delay(name, n)
            if delay:
                self.stats.faults["slow"] += 1
                await asyncio.sleep(delay)
            fault = self.faults.draw(name, n)
            if fault in PAGING_KINDS and name != FEE_RECORDS:
                fault = None
            if fault:
                early = await self.early_fault(fault, send)
                if early is not False:
                    return early
            values: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
            if method == "POST":
                values = json_body(body)
            if path_arg:
                values["__path__"] = path_arg
            request = Request(method, path, raw_path, query, headers, body, Params(values), name)
            if fault in PAGING_KINDS:
                values.setdefault("__fault__", fault)  # the dict request.params reads
            answer = handler(self, request)
            if fault == "truncate":
                self.stats.faults["truncate"] += 1
                answer = Answer(answer.status, answer.body[: len(answer.body) // 2], answer.headers)
            return answer
        except ApiError as exc:
            return error(exc)
        except Exception:  # the gateway never shows a stack trace
            return Answer(500, dumps({"error_code": "CBC.0999", "error_msg": "System error."}))

    async def early_fault(self, fault: str, send: Send) -> Answer | Literal[False] | None:
        """Faults that replace the answer: 500, timeout (504 after a hold), reset (no answer at all)."""
        if fault == "http500":
            self.stats.faults["http500"] += 1
            return Answer(
                500, dumps({"error_code": "CBC.0999", "error_msg": "System error, please try later."})
            )
        if fault == "timeout":
            self.stats.faults["timeout"] += 1
            await asyncio.sleep(self.config.timeout_delay)
            return Answer(504, dumps({"error_code": "APIG.0201", "error_msg": "Backend timeout."}))
        if fault == "reset":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is not None:
                self.stats.faults["reset"] += 1
                transport.abort()
                for _ in range(3):
                    await asyncio.sleep(0)
                return None
        return False

    # ------------------------------------------------------------------ auth
    def authenticate(
        self, method: str, raw_path: str, query: str, headers: dict[str, str], body: bytes
    ) -> str:
        """The partner's domain id (the ParentUid the rate limit counts by) of a valid AK/SK or token."""
        lowered = {k.lower(): v for k, v in headers.items()}
        token = lowered.get("x-auth-token")
        if token:
            expires = self.tokens.get(token)
            if expires is None or expires < datetime.now(UTC):
                raise ApiError(401, "APIG.0301", "Incorrect IAM authentication information: token invalid.")
            return self.config.domain_id
        claimed = ACCESS.search(lowered.get("authorization", ""))
        claimed_ak = claimed.group(1) if claimed else ""
        now = time.monotonic()
        if self.config.ak_lockout and self.locked_until.get(claimed_ak, 0.0) > now:
            raise ApiError(
                401, "APIG.0301", "Incorrect IAM authentication information: AK locked, retry later."
            )
        try:
            ak = signing.verify(
                method, raw_path, query, headers, body, self.keys.get, datetime.now(UTC)
            )
        except signing.SignatureError as exc:
            self.auth_failures[claimed_ak] += 1
            if self.auth_failures[claimed_ak] >= LOCKOUT_FAILURES:
                self.auth_failures[claimed_ak] = 0
                self.locked_until[claimed_ak] = now + LOCKOUT_SECONDS
            raise ApiError(
                401, "APIG.0301", f"Incorrect IAM authentication information: {exc.reason}"
            ) from None
        self.auth_failures[ak] = 0
        domain = lowered.get("x-domain-id")
        if not domain:
            raise ApiError(
                401, "APIG.0301", "Incorrect IAM authentication information: X-Domain-Id is required."
            )
        if domain != self.config.domain_id:
            raise ApiError(403, "CBC.0151", "Access denied.")
        return domain

    def issue_token(self, body: bytes) -> Answer:
        try:
            auth = json_body(body)["auth"]
            identity = auth["identity"]
            user = identity["password"]["user"]
            name, password, domain = user["name"], user["password"], user["domain"]["name"]
            if "password" not in identity["methods"]:
                raise KeyError("methods")
        except (KeyError, TypeError):
            raise ApiError(400, "CBC.0100", "Invalid parameter: auth.identity.password.user.") from None
        if name != SANDBOX_IAM_USER or password != SANDBOX_IAM_PASSWORD or not domain:
            raise ApiError(401, "APIG.0301", "Incorrect IAM authentication information: user or password.")
        token = "MII" + secrets.token_urlsafe(48)
        issued = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
        expires = issued + TOKEN_LIFETIME
        self.tokens[token] = expires.replace(tzinfo=UTC)
        payload = {
            "token": {
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "methods": ["password"],
                "user": {
                    "name": name,
                    "id": "sandbox-user-0001",
                    "domain": {"name": domain, "id": self.config.domain_id},
                },
            }
        }
        return Answer(201, dumps(payload), [(b"x-subject-token", token.encode())])

