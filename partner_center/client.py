"""The async Partner Center client: signed calls with rate limits and retries, and consistent sweeps.

    async with PartnerCenterClient(settings) as pc:
        sweep = await pc.sweep("res_fee_records", {"bill_cycle": "2026-01", "customer_id": c}, spool_dir=d)

`sweep_many` runs many sweeps in one event loop for synchronous callers (Dagster assets).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import orjson

from partner_center.config import Settings
from partner_center.endpoints import Endpoint, get_endpoint
from partner_center.errors import (
    NON_RETRYABLE,
    REFRESH_CODES,
    InvalidParameterError,
    RetriesExhaustedError,
    UnreachableError,
    api_error,
)
from partner_center.paging import Counters, Page, PageScanner, Paginator, Sweep, first_error
from partner_center.ratelimit import TokenBucket, bucket_for
from partner_center.redact import install_log_filter, register_secret, safe_params
from partner_center.retry import (
    TRANSIENT_EXCEPTIONS,
    RetryPolicy,
    TransientError,
    is_throttled,
    is_transient_status,
    unreachable_reason,
)
from partner_center.signing import canonical_query, sign
from partner_center.tokens import TokenProvider

ARRIVAL_MARGIN = 0.05
"""Sends are booked 5% wider apart than PBW_RATE_LIMIT (105 ms at 10/s): 50 ms of arrival jitter per ten."""

log = logging.getLogger("partner_center.client")
USER_AGENT = "pbw-partner-center/0.1"
SweepRequest = tuple[str, Mapping[str, object]]
T = TypeVar("T")


class PartnerCenterClient:
    """One client per event loop; page-size probes and call statistics live here."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        settings.validate()
        self.settings = settings
        self.stats = Counters()
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._limits: dict[str, int] = {}
        self._policy = RetryPolicy(
            max_attempts=settings.max_attempts, deadline=settings.call_deadline,
            base=settings.backoff_base, cap=settings.backoff_cap,
            throttle_min=settings.throttle_backoff[0], throttle_max=settings.throttle_backoff[1],
        )
        self._tokens = (
            TokenProvider(settings.iam_endpoint or settings.endpoint, settings.iam_user or "",
                          settings.iam_password or "", settings.domain_id, settings.iam_domain,
                          settings.token_refresh_margin)
            if settings.token_mode else None
        )
        for secret in (settings.ak, settings.sk, settings.iam_password):
            register_secret(secret)
        install_log_filter()
        self._host = urlsplit(settings.endpoint).netloc

    def __repr__(self) -> str:
        mode = "token" if self._tokens else "aksk"
        return f"PartnerCenterClient(endpoint={self.settings.endpoint!r}, auth={mode})"

    async def __aenter__(self) -> PartnerCenterClient:
        timeout = httpx.Timeout(self.settings.read_timeout, connect=self.settings.connect_timeout)
        connections = max(8, self.settings.concurrency * self.settings.page_concurrency)
        limits = httpx.Limits(max_connections=connections)
        self._http = httpx.AsyncClient(timeout=timeout, limits=limits, transport=self._transport)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def page_limit(self, endpoint: str | Endpoint) -> int | None:
        """The page size this client uses for an endpoint (after any probe)."""
        ep = get_endpoint(endpoint)
        configured = dict(self.settings.page_limits).get(ep.name)
        return configured or self._limits.get(ep.name, ep.probe_limit or ep.max_limit)

    def bucket(self, endpoint: Endpoint) -> TokenBucket:
        """The API's bucket per partner account (the gateway counts each account's requests apart),
        booking sends ARRIVAL_MARGIN wider apart than the limit: the gateway counts arrivals, and one send
        held back on the way (a new connection, a busy loop) would otherwise land in the same second as the
        tenth after it."""
        rate = self.settings.rate_limit / (1 + ARRIVAL_MARGIN)
        key = f"{self._host}{endpoint.path}|{self.settings.domain_id or ''}"
        return bucket_for(key, rate, self.settings.rate_burst)

    async def call(self, endpoint: str | Endpoint, params: Mapping[str, object]) -> bytes:
        """One request (with retries); returns the raw JSON body, checked to be complete JSON."""
        ep = get_endpoint(endpoint)
        _check_required(ep, params)
        return await self._request(ep, params, _check_json, Counters())

    async def json(self, endpoint: str | Endpoint, params: Mapping[str, object]) -> Any:
        """One request parsed with exact decimals (for small answers)."""
        return json.loads(await self.call(endpoint, params), parse_float=Decimal)

    async def sweep(self, endpoint: str | Endpoint, params: Mapping[str, object],
                    spool_dir: Path | None = None) -> Sweep:
        """Every page of `endpoint` for `params` at one moment; see `Sweep` (the caller cleans up)."""
        ep = get_endpoint(endpoint)
        _check_required(ep, params)
        scanner = PageScanner(ep)
        base = {k: v for k, v in params.items() if k not in ("offset", "limit")}

        async def fetch(offset: int, limit: int, counters: Counters) -> tuple[bytes, Page]:
            page_params = {**base, "offset": offset, "limit": limit} if ep.paged else base
            try:
                return await self._request(ep, page_params, lambda raw: (raw, scanner.scan(raw)), counters)
            except InvalidParameterError:
                fallback = ep.max_limit
                if offset != 0 or ep.probe_limit is None or fallback is None or limit <= fallback:
                    raise
                log.info("%s rejected limit=%d; falling back to %d", ep.name, limit, fallback)
                self._limits[ep.name] = fallback
                paginator.limit = fallback
                return await self._request(ep, {**page_params, "limit": fallback},
                                           lambda raw: (raw, scanner.scan(raw)), counters)

        paginator = Paginator(
            ep, fetch, limit=self.page_limit(ep) or 0, page_concurrency=self.settings.page_concurrency,
            max_resweeps=self.settings.max_resweeps,
            on_limit=lambda limit: self._limits.__setitem__(ep.name, limit),
        )
        sweep = await paginator.sweep(base, spool_dir)
        if ep.paged:
            self._limits.setdefault(ep.name, paginator.limit)
        log.debug("swept %s %s: %d/%d rows, %d calls, %d throttled, %d retries, %d resweeps", ep.name,
                  sweep.params, sweep.fetched, sweep.api_count, sweep.calls, sweep.throttled,
                  sweep.retries, sweep.resweeps)
        return sweep

    def _build(self, ep: Endpoint, params: Mapping[str, object]) -> tuple[str, bytes, dict[str, object]]:
        """URL, body and the parameters as sent (path parameters removed)."""
        rest = dict(params)
        path = ep.path
        for name in ep.path_params:
            path = path.replace(f"{{{name}}}", quote(str(rest.pop(name)), safe=""))
        url = self.settings.endpoint + path
        if ep.params_in_body:
            body = json.dumps({k: v for k, v in rest.items() if v is not None}, default=str).encode()
            return url, body, rest
        query = canonical_query(rest)
        return (f"{url}?{query}" if query else url), b"", rest

    async def _headers(self, method: str, url: str, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if self.settings.language:
            headers["X-Language"] = self.settings.language
        if self._tokens is not None:
            assert self._http is not None
            headers["X-Auth-Token"] = await self._tokens.get(self._http)
            headers["Host"] = urlsplit(url).netloc
            return headers
        if self.settings.domain_id:
            headers["X-Domain-Id"] = self.settings.domain_id
        ak, sk = self.settings.ak or "", self.settings.sk or ""
        headers.update(sign(method, url, headers, body, ak, sk))
        return headers

    async def _request(self, ep: Endpoint, params: Mapping[str, object],
                       accept: Callable[[bytes], T], counters: Counters) -> T:
        """Send with rate limit, throttling back-off and retries; `accept(raw)` may raise TransientError."""
        if self._http is None:
            raise RuntimeError("use `async with PartnerCenterClient(settings) as pc:`")
        url, body, sent = self._build(ep, params)
        bucket = self.bucket(ep)
        started = time.monotonic()
        attempts = 0
        refreshed = False
        while True:
            if time.monotonic() - started > self._policy.deadline:
                raise RetriesExhaustedError(ep.name, sent, attempts, "overall deadline passed")
            await bucket.acquire()
            headers = await self._headers(ep.method, url, body)
            counters.calls += 1
            self.stats.calls += 1
            t0 = time.monotonic()
            try:
                response = await self._http.request(ep.method, url, content=body or None, headers=headers)
            except TRANSIENT_EXCEPTIONS as exc:
                reason = unreachable_reason(exc)
                if reason is not None:
                    raise UnreachableError(ep.name, url.split("?", 1)[0], reason) from None
                failure = type(exc).__name__
            else:
                # The body is read; the response and its stream refer to each other, so without this each
                # ~1.4 MB page waits for a full garbage collection (~180 MB held at 5M records, B3).
                response.stream = httpx.ByteStream(b"")
                status = response.status_code
                log.debug("%s %s %s -> %d, %d bytes, %.0f ms", ep.method, ep.name, safe_params(sent), status,
                          len(response.content), (time.monotonic() - t0) * 1000)
                if status < 300 and not _error_in_ok(response.content):
                    try:
                        return accept(response.content)
                    except TransientError as exc:
                        failure = str(exc)
                else:
                    code, message, request_id = _error_of(response)
                    if is_throttled(status, code):
                        counters.throttled += 1
                        self.stats.throttled += 1
                        delay = self._policy.throttle_delay(response.headers.get("Retry-After"))
                        log.info("%s throttled (%s); backing off %.1f s", ep.name, code, delay)
                        bucket.penalize(delay)
                        continue
                    token_refused = status == 401 or code in REFRESH_CODES
                    if self._tokens is not None and token_refused and not refreshed:
                        log.info("%s: token refused (%s); fetching a new one", ep.name, code)
                        self._tokens.invalidate()
                        refreshed = True
                        continue
                    if code in NON_RETRYABLE or not is_transient_status(status, code):
                        raise api_error(ep.name, sent, status, code, message, request_id, self._account())
                    failure = f"HTTP {status} {code}"
            attempts += 1
            delay = self._policy.backoff(attempts)
            if attempts >= self._policy.max_attempts:
                raise RetriesExhaustedError(ep.name, sent, attempts, failure)
            if time.monotonic() - started + delay > self._policy.deadline:
                raise RetriesExhaustedError(ep.name, sent, attempts, f"{failure}; overall deadline reached")
            counters.retries += 1
            self.stats.retries += 1
            log.info("%s %s failed (%s); retry %d in %.2f s", ep.name, safe_params(sent), failure,
                     attempts, delay)
            await asyncio.sleep(delay)


    def _account(self) -> str:
        """Who calls, for permission errors: the IAM user and domain, never the AK or a secret."""
        domain = self.settings.domain_id or self.settings.iam_domain
        who = f"IAM user {self.settings.iam_user!r}" if self._tokens is not None else "the AK/SK account"
        return f"{who} of domain {domain}" if domain else who


def _error_in_ok(raw: bytes) -> bool:
    """An error body under HTTP 200 (CBC.5001 "not a partner" comes so); only small bodies are looked at."""
    if len(raw) > 4096 or b'"error_code"' not in raw:
        return False
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and data.get("error_code") not in (None, "", "CBC.0000")


def _check_required(ep: Endpoint, params: Mapping[str, object]) -> None:
    missing = [name for name in ep.required if params.get(name) in (None, "")]
    if missing:
        raise ValueError(f"{ep.name} needs {', '.join(missing)}")


def _check_json(raw: bytes) -> bytes:
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise TransientError("invalid JSON answer") from None
    return raw


def _error_of(response: httpx.Response) -> tuple[str, str, str | None]:
    """error_code, error_msg and request id of an error answer (the HTTP status when there is no code)."""
    code, message, request_id = str(response.status_code), "", response.headers.get("X-Request-Id")
    try:
        data = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return code, response.reason_phrase, request_id
    if isinstance(data, dict):
        code = str(data.get("error_code") or code)
        message = str(data.get("error_msg") or "")
        request_id = request_id or data.get("request_id")
    return code, message, request_id


async def sweep_all(settings: Settings, requests: Sequence[SweepRequest], spool_dir: Path,
                    client: PartnerCenterClient | None = None,
                    on_done: Callable[[Sweep], None] | None = None) -> list[Sweep]:
    """Sweep every request concurrently (at most `settings.concurrency` at once), results in order.

    `on_done(sweep)` is called as each sweep completes (its page files are final), so a caller can load
    them while later sweeps download; an exception it raises stops the whole sweep. A sweep handed to
    `on_done` belongs to the caller from then on: when a later sweep fails, only the pages nobody was given
    are deleted here (the caller may still be reading the others, in another thread).
    """
    gate = asyncio.Semaphore(settings.concurrency)
    done: list[Sweep] = []

    async def one(pc: PartnerCenterClient, endpoint: str, params: Mapping[str, object]) -> Sweep:
        async with gate:
            sweep = await pc.sweep(endpoint, params, spool_dir)
            if on_done is None:
                done.append(sweep)
            else:
                try:
                    on_done(sweep)
                except BaseException:
                    sweep.cleanup()
                    raise
            return sweep

    async def run(pc: PartnerCenterClient) -> list[Sweep]:
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(pc, ep, params)) for ep, params in requests]
        except BaseException as exc:
            for sweep in done:
                sweep.cleanup()
            if isinstance(exc, BaseExceptionGroup):
                raise first_error(exc) from None
            raise
        return [task.result() for task in tasks]

    if client is not None:
        return await run(client)
    async with PartnerCenterClient(settings) as pc:
        return await run(pc)


def sweep_many(settings: Settings, requests: Sequence[SweepRequest], spool_dir: Path,
               on_done: Callable[[Sweep], None] | None = None) -> list[Sweep]:
    """Synchronous `sweep_all` in its own event loop (a worker thread if one is already running here)."""
    work = sweep_all(settings, requests, spool_dir, on_done=on_done)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def sweep_stats(sweeps: Sequence[Sweep]) -> dict[str, int]:
    """Totals for Dagster metadata: API calls, throttled answers, retries, re-sweeps, rows."""
    return {
        "api_calls": sum(s.calls for s in sweeps),
        "throttled": sum(s.throttled for s in sweeps),
        "retries": sum(s.retries for s in sweeps),
        "resweeps": sum(s.resweeps for s in sweeps),
        "rows_fetched": sum(s.fetched for s in sweeps),
        "api_count": sum(s.api_count for s in sweeps),
    }
