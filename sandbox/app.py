"""The sandbox's raw ASGI application: real paths, parameters, errors, signing, throttling and faults.

Order of checks per API request, as the gateway does it: route (404), authentication (401 APIG.0301),
throttling (429 APIG.0308), injected fault, then the handler's parameter checks (400 CBC.0100).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import orjson

from partner_center import signing
from partner_center.sandbox_credentials import (
    SANDBOX_AK,
    SANDBOX_DOMAIN_ID,
    SANDBOX_IAM_PASSWORD,
    SANDBOX_IAM_USER,
    SANDBOX_SK,
)
from sandbox import catalog as cat
from sandbox import subscriptions
from sandbox.billing_calendar import month_end, month_start, shift_cycle, utc_text
from sandbox.config import SandboxConfig
from sandbox.exports import incentive_export_bytes
from sandbox.faults import PAGING_KINDS, FaultPlan
from sandbox.ratelimit import PeakRate, RateLimiter
from sandbox.wire import dumps, json_pieces
from sandbox.world import World

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
JSON = dict[str, Any]

FEE_RECORDS = "/v2/bills/subcustomer-bills/res-fee-records"
TOKENS = "/v3/auth/tokens"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
TOKEN_LIFETIME = timedelta(hours=24)
ACCESS = re.compile(r"Access=([^,\s]+)")
LOCKOUT_FAILURES = 5  # consecutive signature failures that lock an AK (spec §4), when `ak_lockout` is on
LOCKOUT_SECONDS = 300.0
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ApiError(Exception):
    """An error answer in the real API's shape (`{"error_code", "error_msg"}`)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


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


@dataclass(slots=True)
class Stats:
    """Counters for /_sandbox/stats."""

    requests: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    peaks: dict[str, PeakRate] = field(default_factory=lambda: defaultdict(PeakRate))
    fault_counters: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> JSON:
        return {
            "requests": dict(self.requests),
            "throttled": dict(self.throttled),
            "faults": dict(self.faults),
            "max_rps": {name: peak.peak for name, peak in self.peaks.items()},
        }


@dataclass(slots=True)
class Request:
    method: str
    path: str
    raw_path: str
    query: str
    headers: dict[str, str]
    body: bytes
    params: Params
    route: str = ""


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    content_type: str = "application/json;charset=UTF-8"


Handler = Callable[["SandboxApp", Request], Answer]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, path: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES[(method, path)] = handler
        return handler

    return register


def ok(payload: object) -> Answer:
    return Answer(200, dumps(payload))


def window(items: list[Any], offset: int, limit: int) -> list[Any]:
    return items[offset : offset + limit]


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
        self.tokens: dict[str, datetime] = {}
        self.auth_failures: Counter[str] = Counter()
        self.locked_until: dict[str, float] = {}

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
            return self.control(method, path, query, body)
        try:
            if path == TOKENS and method == "POST":
                self.stats.requests[TOKENS] += 1
                return self.issue_token(body)
            name, handler, path_arg = self.resolve(method, path)
            self.stats.requests[name] += 1
            principal = self.authenticate(method, raw_path, query, headers, body)
            now = time.monotonic()
            if not self.limiter.allow(name, principal, now):
                self.stats.throttled[name] += 1
                limit = int(self.config.rate_limit or 0)
                raise ApiError(
                    429,
                    "APIG.0308",
                    "The throttling threshold has been reached: policy user over "
                    f"ratelimit,limit:{limit},time:1 second",
                )
            self.stats.peaks[name].record(now)
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
                values = self.json_body(body)
            if path_arg:
                values["__path__"] = path_arg
            request = Request(method, path, raw_path, query, headers, body, Params(values), name)
            if fault in PAGING_KINDS:
                request.params.values.setdefault("__fault__", fault)
            answer = handler(self, request)
            if fault == "truncate":
                self.stats.faults["truncate"] += 1
                answer = Answer(answer.status, answer.body[: len(answer.body) // 2], answer.headers)
            return answer
        except ApiError as exc:
            return Answer(exc.status, dumps({"error_code": exc.code, "error_msg": exc.message}))
        except Exception:  # the gateway never shows a stack trace
            return Answer(500, dumps({"error_code": "CBC.0999", "error_msg": "System error."}))

    async def early_fault(self, fault: str, send: Send) -> Answer | bool | None:
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

    def resolve(self, method: str, path: str) -> tuple[str, Handler, str]:
        handler = ROUTES.get((method, path))
        if handler is not None:
            return path, handler, ""
        prefix = "/v2/orders/customer-orders/details/"
        if method == "GET" and path.startswith(prefix) and "/" not in path[len(prefix) :]:
            return prefix + "{order_id}", ROUTES[("GET", prefix + "{order_id}")], path[len(prefix) :]
        raise ApiError(
            404, "APIG.0101", "The API does not exist or has not been published in the environment."
        )

    @staticmethod
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

    # ------------------------------------------------------------------ auth
    def authenticate(
        self, method: str, raw_path: str, query: str, headers: dict[str, str], body: bytes
    ) -> str:
        lowered = {k.lower(): v for k, v in headers.items()}
        token = lowered.get("x-auth-token")
        if token:
            expires = self.tokens.get(token)
            if expires is None or expires < datetime.now(UTC):
                raise ApiError(401, "APIG.0301", "Incorrect IAM authentication information: token invalid.")
            return "token:" + SANDBOX_IAM_USER
        claimed = ACCESS.search(lowered.get("authorization", ""))
        claimed_ak = claimed.group(1) if claimed else ""
        now = time.monotonic()
        if self.config.ak_lockout and self.locked_until.get(claimed_ak, 0.0) > now:
            raise ApiError(
                401, "APIG.0301", "Incorrect IAM authentication information: AK locked, retry later."
            )
        try:
            ak = signing.verify(
                method, raw_path, query, headers, body, {SANDBOX_AK: SANDBOX_SK}.get, datetime.now(UTC)
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
        if domain != SANDBOX_DOMAIN_ID:
            raise ApiError(403, "CBC.0151", "Access denied.")
        return ak

    def issue_token(self, body: bytes) -> Answer:
        try:
            auth = self.json_body(body)["auth"]
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
                    "domain": {"name": domain, "id": SANDBOX_DOMAIN_ID},
                },
            }
        }
        return Answer(201, dumps(payload), [(b"x-subject-token", token.encode())])

    # ------------------------------------------------------------------ control paths
    def control(self, method: str, path: str, query: str, body: bytes) -> Answer:
        try:
            if path == "/_sandbox/export/incentives" and method == "GET":
                return self.incentive_export(dict(parse_qsl(query)))
            if path == "/_sandbox/manifest" and method == "GET":
                return ok(self.world.manifest())
            if path == "/_sandbox/stats" and method == "GET":
                return ok(self.stats.to_json())
            if path == "/_sandbox/stats/reset" and method == "POST":
                self.stats = Stats()
                return ok({"reset": True})
            if path == "/_sandbox/clock":
                if method == "POST":
                    value = self.json_body(body).get("today")
                    try:
                        self.world.today = date.fromisoformat(str(value))
                    except ValueError:
                        raise ApiError(400, "CBC.0100", "Invalid parameter: today (YYYY-MM-DD).") from None
                return ok(
                    {"today": self.world.today.isoformat(), "last_day": self.world.last_day.isoformat()}
                )
            if path == "/_sandbox/world" and method == "GET":
                return ok(self.world.describe())
            if path == "/_sandbox/warm" and method == "POST":
                month = self.json_body(body).get("month")
                if not isinstance(month, str) or not MONTH.match(month):
                    raise ApiError(400, "CBC.0100", "Invalid parameter: month (YYYY-MM).")
                return ok(self.world.warm(month))
            raise ApiError(404, "APIG.0101", "Unknown sandbox control path.")
        except ApiError as exc:
            return Answer(exc.status, dumps({"error_code": exc.code, "error_msg": exc.message}))

    def incentive_export(self, params: dict[str, str]) -> Answer:
        """The console export of this running world (scenarios included), as the file's bytes."""
        fmt, lang = params.get("format", "xlsx"), params.get("lang", "zh")
        try:
            data = incentive_export_bytes(self.world, params.get("month", ""), fmt, lang)
        except (ValueError, IndexError) as exc:
            raise ApiError(400, "CBC.0100", f"Invalid parameter: {exc}.") from None
        content_type = "text/csv; charset=utf-8" if fmt == "csv" else XLSX_TYPE
        return Answer(200, data, content_type=content_type)

    # ------------------------------------------------------------------ helpers for handlers
    def holder(self, params: Params) -> str | None:
        holder = params.text("indirect_partner_id")
        if not self.world.holder_known(holder):
            raise ApiError(400, "CBC.99000037", "No permission on this reseller (indirect_partner_id).")
        return holder


# ---------------------------------------------------------------------- 1.1 consumption records
@route("GET", FEE_RECORDS)
def fee_records(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    cycle = p.month("bill_cycle")
    customer_id = p.text("customer_id", required=True)
    service = p.text("service_type_code")
    region = p.text("region_code")
    charging_mode = p.integer("charging_mode", None, 1, 11)
    if charging_mode is not None and charging_mode not in (1, 3, 10, 11):
        raise invalid("charging_mode", "one of 1, 3, 10, 11")
    detail_type = p.integer("bill_detail_type", None, 0, 999)
    resource_id, resource_name, trade_id = p.text("resource_id"), p.text("resource_name"), p.text("trade_id")
    association = p.text("association_type", choices=("1", "2"))
    p.text("account_manager_id")
    holder = app.holder(p)
    begin, end = p.day("bill_date_begin"), p.day("bill_date_end")
    if (begin is None) != (end is None):
        raise invalid(
            "bill_date_end" if end is None else "bill_date_begin", "send both bill dates or neither"
        )
    offset, limit = p.page(1000)
    assert cycle is not None
    if begin is not None and end is not None and not (month_start(cycle) <= begin <= end <= month_end(cycle)):
        begin = end = None
    customer = app.world.customer_by_id.get(customer_id or "")
    records = []
    if customer is not None and customer.holder == holder:
        served = app.world.served_records(customer, cycle)
        filters = (
            begin is not None
            or service
            or region
            or charging_mode is not None
            or detail_type is not None
            or resource_id
            or resource_name
            or trade_id
            or association
        )
        records = (
            served
            if not filters
            else [
                r
                for r in served
                if (begin is None or begin <= r.bill_date <= end)  # type: ignore[operator]
                and (not service or r.service.code == service)
                and (not region or r.region_code == region)
                and (charging_mode is None or r.charging_mode == charging_mode)
                and (detail_type is None or r.bill_detail_type == detail_type)
                and (not resource_id or r.resource_id == resource_id)
                and (not resource_name or resource_name in r.json.decode())
                and (not trade_id or r.trade_id == trade_id)
                and (not association or r.customer.association_type == association)
            ]
        )
        fault = p.values.get("__fault__")
        if fault == "drift" and records:
            app.stats.faults["drift"] += 1
            app.world.add_drift_record(customer, cycle, records[0])
            return fee_records(
                app,
                Request(
                    req.method,
                    req.path,
                    req.raw_path,
                    req.query,
                    req.headers,
                    req.body,
                    Params({k: v for k, v in p.values.items() if k != "__fault__"}),
                    req.route,
                ),
            )
        page = window(records, offset, limit)
        if fault == "dupe" and len(page) > 1:
            app.stats.faults["dupe"] += 1
            page = ([records[offset - 1], *page[:-1]]) if offset > 0 else ([*page[:-1], page[0]])
            listed = b"".join(json_pieces(page)[:-1])
        elif filters:
            listed = b"".join(json_pieces(page)[:-1])
        else:
            listed = app.world.served_body(customer, cycle, offset, limit)
    else:
        listed = b""
    body = b"".join(
        (
            b'{"total_count":',
            str(len(records)).encode(),
            b',"currency":"CNY","fee_records":[',
            listed,
            b"]}",
        )
    )
    return Answer(200, body)


@route("POST", FEE_RECORDS + "/sub-customers/query")
def consume_sub_customers(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    cycle = p.month("bill_cycle")
    offset, limit = p.page(100)
    assert cycle is not None
    ids = app.world.consumption_customers(cycle)
    return ok(
        {"total_count": len(ids), "sub_customers": [{"customer_id": i} for i in window(ids, offset, limit)]}
    )


# ---------------------------------------------------------------------- 1.2 monthly-sum
@route("GET", "/v2/bills/partner-bills/subcustomer-bills/monthly-sum")
def monthly_sum(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    cycle = p.month("cycle")
    charge_mode = p.text("charge_mode", required=True, max_len=4, choices=("1", "3", "11"))
    bill_type = p.text("bill_type", max_len=4, choices=("0", "1", "2"))
    customer_id = p.text("customer_id")
    service = p.text("cloud_service_type", max_len=256)
    holder = app.holder(p)
    offset, limit = p.page(100)
    assert cycle is not None
    assert charge_mode is not None
    rows = [
        r
        for r in app.world.monthly_sums(holder, cycle, int(charge_mode))
        if (not bill_type or r["bill_type"] == bill_type)
        and (not customer_id or r["customer_id"] == customer_id)
        and (not service or r["cloud_service_type"] == service)
    ]
    return ok({"count": len(rows), "currency": "CNY", "bill_sums": window(rows, offset, limit)})


# ---------------------------------------------------------------------- 1.3 account changes
@route("GET", "/v2/accounts/partner-accounts/account-change-records")
def account_changes(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    balance_type = p.text("balance_type", required=True, choices=cat.BALANCE_TYPES)
    trade_type = p.text(
        "trade_type",
        choices=(
            "RECHARGE",
            "DEDEUCT",
            "REFUND",
            "RFROZEN",
            "TRANS",
            "ADJUST",
            "BEADJUST",
            "BERETRIEVE",
            "BEUNBIND",
            "BONUSCONVERT",
            "TRADE_MODE_TRANSFER",
        ),
    )
    today = app.world.today
    begin = p.day("trade_time_begin") or today - timedelta(days=365)
    end = p.day("trade_time_end") or today
    if begin > end:
        raise invalid("trade_time_begin", "must not be after trade_time_end")
    if (end - begin).days > 366:
        raise invalid("trade_time_end", "the span must not exceed one year")
    holder = app.holder(p)
    offset, limit = p.page(100)
    assert balance_type is not None
    txs = app.world.transactions(holder, balance_type, begin, end)
    if trade_type:
        txs = [t for t in txs if cat.TRADE_TYPE_OF.get(t.trade_detail_type) == trade_type]
    return ok(
        {
            "total_count": len(txs),
            "currency": "CNY",
            "records": [t.to_json() for t in window(txs, offset, limit)],
        }
    )


@route("GET", "/v3/accounts/partner-accounts/adjust-records")
def adjust_records(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    customer_id, trans_id = p.text("customer_id"), p.text("trans_id")
    operation = p.text(
        "operation_type",
        choices=("SOURCE_OPERATION_BEADJUST", "SOURCE_OPERATION_BERETRIEVE", "SOURCE_OPERATION_BEUNBIND"),
    )
    begin, end = p.utc("operation_time_begin"), p.utc("operation_time_end")
    holder = app.holder(p)
    offset, limit = p.page(100)
    world = app.world
    rows: list[JSON] = []
    cycle = f"{world.config.first_day:%Y-%m}"
    while month_start(cycle) <= world.last_day:
        item = world.allocation(holder, cycle)
        if item is not None and (item.trade_time + timedelta(hours=8)).date() <= world.last_day:
            customer = world.customer_by_id[item.customer_id]
            rows.append(
                {
                    "customer_id": item.customer_id,
                    "customer_name": customer.name,
                    "operation_type": item.trade_detail_type,
                    "amount": format(item.amount, "f"),
                    "currency": "CNY",
                    "apply_scene": "",
                    "operation_time": utc_text(item.trade_time),
                    "measure_id": 1,
                    "trans_id": item.trade_id,
                    "memo": "",
                }
            )
        cycle = shift_cycle(cycle, 1)
    rows = [
        r
        for r in rows
        if (not customer_id or r["customer_id"] == customer_id)
        and (not trans_id or r["trans_id"] == trans_id)
        and (not operation or r["operation_type"] == operation)
        and (begin is None or r["operation_time"] >= utc_text(begin))
        and (end is None or r["operation_time"] <= utc_text(end))
    ]
    return ok({"total_count": len(rows), "records": window(rows, offset, limit)})


# ---------------------------------------------------------------------- 1.4 customers, 1.5 resellers
def _fuzzy(value: str | None, text: str) -> bool:
    return not value or value.lower() in text.lower()


@route("POST", "/v2/partners/sub-customers/query")
def sub_customers(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    account_name, name, label = p.text("account_name"), p.text("customer"), p.text("label")
    association = p.text("association_type", choices=("1", "2"))
    begin, end = p.utc("associated_on_begin"), p.utc("associated_on_end")
    customer_id = p.text("customer_id")
    holder = app.holder(p)
    offset, limit = p.page(100, 40000000)
    rows = [
        c
        for c in app.world.customers_of(holder)
        if _fuzzy(account_name, c.account_name)
        and _fuzzy(name, c.name)
        and _fuzzy(label, c.label)
        and (not association or c.association_type == association)
        and (begin is None or c.associated_on >= begin)
        and (end is None or c.associated_on <= end)
        and (not customer_id or c.customer_id == customer_id)
    ]
    return ok({"count": len(rows), "customer_infos": [c.to_json() for c in window(rows, offset, limit)]})


@route("POST", "/v2/partners/indirect-partners/query")
def indirect_partners(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    account_name, partner_id = p.text("account_name"), p.text("indirect_partner_id")
    begin, end = p.utc("associated_on_begin"), p.utc("associated_on_end")
    offset, limit = p.page(100, 40000000)
    rows = [
        r
        for r in app.world.resellers
        if _fuzzy(account_name, r.account_name)
        and (not partner_id or r.indirect_partner_id == partner_id)
        and (begin is None or r.associated_on >= begin)
        and (end is None or r.associated_on <= end)
    ]
    return ok({"count": len(rows), "indirect_partners": [r.to_json() for r in window(rows, offset, limit)]})


# ---------------------------------------------------------------------- 1.6 orders
def _time_window(p: Params, first: str, last: str) -> tuple[str | None, str | None]:
    begin, end = p.utc(first), p.utc(last)
    if begin and end and (end - begin) > timedelta(days=366):
        raise invalid(last, "the window must not exceed one year")
    return (utc_text(begin) if begin else None), (utc_text(end) if end else None)


@route("GET", "/v2/orders/customer-orders")
def customer_orders(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    order_id, customer_id, service = p.text("order_id"), p.text("customer_id"), p.text("service_type_code")
    status = p.integer("status", None, 1, 13)
    order_type = p.text("order_type", choices=("1", "2", "3", "4", "10", "11", "13", "14", "15"))
    order_by = p.text("order_by", choices=("createTime", "-createTime"))
    p.text("method", choices=("oneself", "sub_customer"))
    c_begin, c_end = _time_window(p, "create_time_begin", "create_time_end")
    pay_begin, pay_end = _time_window(p, "payment_time_begin", "payment_time_end")
    holder = app.holder(p)
    offset, limit = p.page(100)
    rows = [
        o
        for o in app.world.orders(holder)
        if (not order_id or o["order_id"] == order_id)
        and (not customer_id or o["customer_id"] == customer_id)
        and (not service or o["service_type_code"] == service)
        and (status is None or o["status"] == status)
        and (not order_type or str(o["order_type"]) == order_type)
        and (c_begin is None or str(o["create_time"]) >= c_begin)
        and (c_end is None or str(o["create_time"]) <= c_end)
        and (pay_begin is None or str(o["payment_time"]) >= pay_begin)
        and (pay_end is None or str(o["payment_time"]) <= pay_end)
    ]
    if order_by != "createTime":
        rows.reverse()
    return ok({"total_count": len(rows), "order_infos": window(rows, offset, limit)})


@route("GET", "/v2/orders/customer-orders/details/{order_id}")
def order_details(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    order_id = str(p.values["__path__"])
    offset, limit = p.page(100)
    for customer in app.world.customers:
        for sub in customer.subscriptions:
            for day, kind in subscriptions.period_events(sub, app.world.config.first_day, app.world.last_day):
                if subscriptions.order_id(app.world.config.seed, sub, day) != order_id:
                    continue
                official, discount, _ = subscriptions.period_amounts(customer, sub, day, kind)
                expire = (
                    day.replace(year=day.year + 1)
                    if sub.months == 12
                    else (month_start(f"{day:%Y-%m}").replace(day=day.day) + timedelta(days=31))
                )
                line = {
                    "order_line_item_id": order_id + "-1",
                    "service_type_code": sub.resource.service.code,
                    "service_type_name": sub.resource.service.name,
                    "product_id": sub.resource.resource_type.code,
                    "product_spec_desc": sub.resource.name,
                    "period_type": 3 if sub.months == 12 else 2,
                    "period_num": 1,
                    "effective_time": utc_text(datetime.combine(day, datetime.min.time())),
                    "expire_time": utc_text(datetime.combine(expire, datetime.min.time())),
                    "subscription_num": 1,
                    "official_amount": abs(official),
                    "amount_after_discount": abs(official - discount),
                    "currency": "CNY",
                    "measure_id": 1,
                }
                lines = [line]
                return ok({"total_count": len(lines), "order_line_items": window(lines, offset, limit)})
    raise ApiError(400, "CBC.0100", "Invalid parameter: order_id (no such order).")


# ---------------------------------------------------------------------- 1.7-1.8 coupon quotas
def _quotas(app: SandboxApp) -> list[JSON]:
    first = datetime.combine(app.world.config.first_day, datetime.min.time())
    out = []
    for n, (status, value, balance) in enumerate(
        (
            (0, "50000.00", "31250.00"),
            (0, "20000.00", "20000.00"),
            (3, "10000.00", "0.00"),
            (4, "8000.00", "6400.00"),
        )
    ):
        created = first + timedelta(days=30 * n, hours=2)
        out.append(
            {
                "quota_id": f"QT{app.world.config.seed:04d}{n:06d}",
                "quota_type": 0 if n != 1 else 1,
                "create_time": utc_text(created),
                "last_update_time": utc_text(created + timedelta(days=3)),
                "quota_value": Decimal(value),
                "quota_status": status,
                "balance": Decimal(balance),
                "measure_id": 1,
                "currency": "CNY",
                "effective_time": utc_text(created),
                "expire_time": utc_text(created + timedelta(days=365)),
                "limit_infos": [
                    {
                        "limit_key": "SERVICE_TYPE",
                        "limit_values": [{"value1": "hws.service.type.ec2", "value2": ""}],
                    }
                ],
            }
        )
    return out


@route("POST", "/v2/partners/coupon-quotas/query")
def coupon_quotas(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    quota_type = p.integer("quota_type", 0, 0, 1)
    ids = p.values.get("quota_ids") or []
    statuses = p.values.get("quota_status_list") or []
    if not isinstance(ids, list) or len(ids) > 50:
        raise invalid("quota_ids", "a list of at most 50")
    if not isinstance(statuses, list) or len(statuses) > 5:
        raise invalid("quota_status_list", "a list of at most 5")
    app.holder(p)
    offset, limit = p.page(100)
    rows = [
        q
        for q in _quotas(app)
        if q["quota_type"] == quota_type
        and (not ids or q["quota_id"] in ids)
        and (not statuses or q["quota_status"] in statuses)
    ]
    return ok({"total_count": len(rows), "quotas": window(rows, offset, limit)})


@route("GET", "/v2/partners/issued-coupon-quotas")
def issued_quotas(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    quota_id, holder = p.text("quota_id"), app.holder(p)
    parent = p.text("parent_quota_id")
    offset, limit = p.page(100)
    rows = []
    parent_quota = _quotas(app)[0]
    for n, reseller in enumerate(app.world.resellers):
        row = dict(parent_quota) | {
            "quota_id": f"{parent_quota['quota_id']}R{n:02d}",
            "quota_value": Decimal("5000.00"),
            "balance": Decimal("5000.00") - Decimal(500 * n),
            "quota_status": 6 if n == 2 else 0,
            "indirect_partner_id": reseller.indirect_partner_id,
            "indirect_partner_account_name": reseller.account_name,
            "indirect_partner_name": reseller.name,
            "parent_quota_id": parent_quota["quota_id"],
        }
        if (
            (not quota_id or row["quota_id"] == quota_id)
            and (not holder or reseller.indirect_partner_id == holder)
            and (not parent or row["parent_quota_id"] == parent)
        ):
            rows.append(row)
    return ok({"total_count": len(rows), "quotas": window(rows, offset, limit)})


@route("GET", "/v2/partners/coupon-quotas/records")
def quota_records(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    holder = app.holder(p)
    operation_type = p.text("operation_type", choices=("10", "11"))
    offset, limit = p.page(100)
    rows = []
    for n, reseller in enumerate(app.world.resellers):
        for op in ("10", "11") if n == 2 else ("10",):
            row = {
                "id": f"QR{n:04d}{op}",
                "operator": "pbw_partner_admin",
                "operation_type": op,
                "quota_id": f"QT{app.world.config.seed:04d}{0:06d}R{n:02d}",
                "parent_quota_id": f"QT{app.world.config.seed:04d}{0:06d}",
                "amount": Decimal("5000.00"),
                "operation_time": utc_text(
                    datetime.combine(app.world.config.first_day, datetime.min.time())
                    + timedelta(days=5 + n, hours=int(op))
                ),
                "result": "0",
                "indirect_partner_id": reseller.indirect_partner_id,
                "indirect_partner_account_name": reseller.account_name,
                "indirect_partner_name": reseller.name,
                "remark": "",
            }
            if (not holder or reseller.indirect_partner_id == holder) and (
                not operation_type or op == operation_type
            ):
                rows.append(row)
    return ok({"total_count": len(rows), "records": window(rows, offset, limit)})


# ---------------------------------------------------------------------- 1.9 balances
@route("GET", "/v2/accounts/partner-accounts/balances")
def balances(app: SandboxApp, req: Request) -> Answer:
    holder = app.holder(req.params)
    owner = (holder or SANDBOX_DOMAIN_ID)[:12]
    debit = app.world.balance(holder, "BALANCE_TYPE_DEBIT")
    credit = app.world.balance(holder, "BALANCE_TYPE_CREDIT")
    return ok(
        {
            "account_balances": [
                {
                    "account_id": f"{owner}-cash",
                    "account_type": 1,
                    "amount": debit,
                    "currency": "CNY",
                    "designated_amount": Decimal("0"),
                    "credit_amount": Decimal("0"),
                    "measure_id": 1,
                    "memo": "",
                },
                {
                    "account_id": f"{owner}-credit",
                    "account_type": 2,
                    "amount": credit,
                    "currency": "CNY",
                    "designated_amount": Decimal("0"),
                    "credit_amount": cat.TARGET_BALANCE["BALANCE_TYPE_CREDIT"],
                    "measure_id": 1,
                    "memo": "",
                },
            ]
        }
    )


# ---------------------------------------------------------------------- 1.10 incentive policies
@route("GET", "/v2/products/incentive-discount-policies")
def incentive_policies(app: SandboxApp, req: Request) -> Answer:
    p = req.params
    p.month("time")
    service = p.text("service_type_code")
    offset, limit = p.page(100)
    rows = [
        {
            "service_type_code": s.code,
            "service_type_name": s.name,
            "incentive_policy": s.incentive_policy,
            "allow_discount": s.allow_discount,
        }
        for s in cat.SERVICES
        if not service or s.code == service
    ]
    return ok({"total_count": len(rows), "policies": window(rows, offset, limit)})
