"""The sandbox's seeded world: a partner, its resellers and customers, and everything they consume and pay.

Everything derives from (seed, customer, day) through a keyed hash, so any day can be generated on demand
without the history before it, and the same seed always gives the same bytes. The world is built so that
every reconciliation rule of ARCHITECTURE.md holds exactly unless a scenario breaks it on purpose:

- fee records: daily on-demand usage (charging_mode 3, bill_detail_type 5) and yearly/monthly orders
  (charging_mode 1; new 1, renewal 2, auto-renewal 8, unsubscribe 4 = negative refund). Per record
  payment = official - discount = cash + credit + coupon (+ zero flexipurchase/stored-value/debt/write-off).
  A share of each day's records (`late_share`) becomes visible one or two days late.
- monthly-sum: per (customer, service, resource type, bill type, charge mode) sums of the visible records of
  the partner's resale customers (bill_type 0 positive, 1 negative); account_details per balance type.
- account changes per holder (partner or reseller) and balance type, by (trade_time, account_change_id):
  RECHARGE on the 1st 00:00:00 Beijing restoring a fixed target balance; per resale customer and day one
  on-demand expense (SOURCE_OPERAIION_USAGE) and one period expense per order (SOURCE_OPERAIION_DEDEUCT),
  refunds as income (SOURCE_OPERAIION_REFUND), an allocation on the 2nd (SOURCE_OPERATION_BEADJUST), and the
  incentive rebate top-up of month M on the 15th of M+2 10:00 Beijing (SOURCE_OPERAIION_RECHARGE_REBATE, trade
  id = incentive bill id). Transactions carry the trade_time of the records they pay for and are never late.
- incentives of month M: one record per (direct resale customer, rebate-eligible service) with base = sum of
  payment_amount, incentive = base x plan rate (half-up, 2 dp); one bill per month, paid (已完成) once its
  top-up is visible.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from time import perf_counter
from typing import Any

import orjson

from sandbox import catalog as cat
from sandbox.scenarios import RECONCILIATION, RESTATEMENT, Finding, ScenarioPicks

BEIJING_OFFSET = timedelta(hours=8)
ZERO = Decimal("0")
Q8 = Decimal("0.00000001")
Q2 = Decimal("0.01")
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def beijing_today() -> date:
    """Today's date in Beijing (UTC+8), the calendar every billing API uses."""
    return (datetime.now(UTC) + BEIJING_OFFSET).date()


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(cycle: str) -> date:
    return date(int(cycle[:4]), int(cycle[5:7]), 1)


def add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later (callers keep days <= 28)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


def month_end(cycle: str) -> date:
    return add_months(month_start(cycle), 1) - timedelta(days=1)


def shift_cycle(cycle: str, months: int) -> str:
    return month_of(add_months(month_start(cycle), months))


def utc_text(moment: datetime) -> str:
    return moment.strftime(UTC_FORMAT)


def beijing_moment(day: date, hour: int, minute: int, second: int) -> datetime:
    """A Beijing wall-clock time as a naive UTC datetime (01:30 Beijing is 17:30 UTC the day before)."""
    return datetime.combine(day, time(hour, minute, second)) - BEIJING_OFFSET


def _decimal_fragment(value: object) -> orjson.Fragment:
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f").encode())
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps(payload: object) -> bytes:
    """JSON with Decimals written as plain JSON numbers, exactly (never through float)."""
    return orjson.dumps(payload, default=_decimal_fragment)


def number(value: Decimal) -> str:
    """A Decimal as `dumps` writes it; str() is three times faster and equal unless it uses an exponent."""
    if value is ZERO:
        return "0"
    text = str(value)
    return text if "E" not in text else format(value, "f")


class _Draw:
    """Deterministic pseudo-random numbers keyed by the seed and a label (no global state or call order)."""

    __slots__ = ("_counter", "_key")

    def __init__(self, seed: int, *label: object) -> None:
        self._key = f"{seed}|" + "|".join(str(part) for part in label)
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        digest = hashlib.blake2b(f"{self._key}#{self._counter}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big")

    def random(self) -> float:
        return self._next() / 2**64

    def randint(self, low: int, high: int) -> int:
        return low + self._next() % (high - low + 1)

    def choice(self, items: tuple[Any, ...] | list[Any]) -> Any:
        return items[self._next() % len(items)]

    def hex(self, length: int) -> str:
        return f"{self._next():016x}{self._next():016x}"[:length]


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """What makes one world differ from another; all of it is part of the determinism contract."""

    seed: int = 42
    customers: int = 30
    records_per_day: int = 8
    late_share: float = 0.05
    first_day: date = date(2025, 6, 1)
    resellers: int = 3
    customers_per_reseller: int = 3
    scenarios: frozenset[str] = frozenset()
    scenario_month: str | None = None
    domain_id: str = ""


@dataclass(frozen=True, slots=True)
class Resource:
    resource_id: str
    name: str
    service: cat.Service
    resource_type: cat.ResourceType
    region: tuple[str, str]
    size: Decimal
    base_usage: Decimal


@dataclass(frozen=True, slots=True)
class Subscription:
    """A yearly/monthly resource: a new order on `start`, renewals every period, maybe an unsubscribe."""

    key: str
    resource: Resource
    start: date
    months: int
    monthly_price: Decimal
    auto_renew: bool
    coupon: Decimal
    unsubscribe: date | None
    hour: int


@dataclass(frozen=True, slots=True)
class Customer:
    index: int
    customer_id: str
    account_name: str
    name: str
    association_type: str
    holder: str | None
    associated_on: datetime
    funding: str
    discount_rate: Decimal
    manager_account: str
    manager_name: str
    manager_id: str
    label: str
    resources: tuple[Resource, ...]
    subscriptions: tuple[Subscription, ...]

    @property
    def associated_day(self) -> date:
        return (self.associated_on + BEIJING_OFFSET).date()

    def to_json(self) -> dict[str, object]:
        return {
            "customer_id": self.customer_id,
            "account_name": self.account_name,
            "customer": self.name,
            "associated_on": utc_text(self.associated_on),
            "association_type": self.association_type,
            "label": self.label,
            "telephone": f"138****{self.index:04d}",
            "email": f"fi***@{self.account_name}.example.com",
            "country_code": "0086",
            "verified_status": "2",
            "customer_type": 1,
            "is_frozen": 0,
            "account_managers": [{"account_name": self.manager_account}],
            "xaccount_id": "",
            "xaccount_type": "",
            "customer_level": f"V{self.index % 6}",
        }


@dataclass(frozen=True, slots=True)
class Reseller:
    indirect_partner_id: str
    name: str
    account_name: str
    associated_on: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "indirect_partner_id": self.indirect_partner_id,
            "name": self.name,
            "account_name": self.account_name,
            "mobile_phone": "139****0000",
            "email": f"ops@{self.account_name}.example.com",
            "associated_on": utc_text(self.associated_on),
            "account_manager_id": "am-0001",
            "account_manager_name": "李雷",
        }


@dataclass(slots=True)
class FeeRecord:
    """One line item; `head + tail` is its pre-serialized wire form, built once.

    `tail` (the per-resource fields, about two thirds of the bytes) is one object shared by every record
    of the resource, so a cached record costs about half the memory of its full JSON.
    """

    id: str
    customer: Customer
    bill_date: date
    trade_time: datetime
    charging_mode: int
    bill_detail_type: int
    service: cat.Service
    resource_type: cat.ResourceType
    region_code: str
    resource_id: str
    trade_id: str
    official: Decimal
    discount: Decimal
    payment: Decimal
    cash: Decimal
    credit: Decimal
    coupon: Decimal
    visible_from: date
    head: bytes = b""
    tail: bytes = b""
    hidden: bool = False
    synthetic: bool = False
    order_type: int = 0

    @property
    def sort_key(self) -> tuple[datetime, str]:
        return (self.trade_time, self.id)

    @property
    def json(self) -> bytes:
        return self.head + self.tail


@dataclass(frozen=True, slots=True)
class Transaction:
    account_change_id: str
    balance_type: str
    trade_id: str
    trade_time: datetime
    change_amount: Decimal
    balance_after_change: Decimal
    type: str
    trade_detail_type: str
    customer_id: str
    account_name: str

    @property
    def trade_date(self) -> date:
        return (self.trade_time + BEIJING_OFFSET).date()

    def to_json(self) -> dict[str, object]:
        record: dict[str, object] = {
            "account_change_id": self.account_change_id,
            "trade_id": self.trade_id,
            "trade_time": utc_text(self.trade_time),
            "change_amount": format(self.change_amount, "f"),
            "balance_after_change": format(self.balance_after_change, "f"),
            "type": self.type,
            "trade_detail_type": self.trade_detail_type,
        }
        if self.customer_id:
            record["customer_id"] = self.customer_id
            record["account_name"] = self.account_name
        return record


@dataclass(frozen=True, slots=True)
class Incentive:
    incentive_bill_id: str
    incentive_data_id: str
    period: str
    customer: Customer
    product_type: str
    charging_mode: int
    base_amount: Decimal
    rate: Decimal
    incentive_amount: Decimal


@dataclass(slots=True)
class _Pending:
    """A transaction before its id and running balance are assigned."""

    trade_time: datetime
    order: int
    amount: Decimal
    type: str
    trade_detail_type: str
    trade_id: str
    customer_id: str = ""
    account_name: str = ""


@dataclass(slots=True)
class _CycleEntry:
    """A customer's generated cycle and what res-fee-records serves of it on one clock day.

    `pieces` is the served records' JSON as [head, tail, b",", head, tail, ...], so a page body is one
    slice and one join, with no Python work per record.
    """

    records: list[FeeRecord]
    served_key: tuple[date, int] | None = None
    served: list[FeeRecord] = field(default_factory=list)
    pieces: list[bytes] = field(default_factory=list)


@dataclass(slots=True)
class _Scan:
    """What a cycle contributes regardless of the clock, from one pass over every customer's records:
    consumption account changes per (holder, balance type) and incentive bases per direct customer."""

    changes: dict[tuple[str | None, str], list[_Pending]]
    bases: dict[int, dict[str, Decimal]]


@dataclass(slots=True)
class _Visible:
    """A cycle as seen on one clock day: monthly sums per (holder, charge mode), consuming customers."""

    sums: dict[tuple[str | None, int], list[dict[str, object]]]
    consuming: list[str]


@dataclass(slots=True)
class _Caches:
    cycles: OrderedDict[tuple[int, str], _CycleEntry] = field(default_factory=OrderedDict)
    scans: dict[str, _Scan] = field(default_factory=dict)
    visible: OrderedDict[tuple[str, date], _Visible] = field(default_factory=OrderedDict)
    settled: dict[str, date] = field(default_factory=dict)
    windows: OrderedDict[tuple[str | None, str, date, date], list[Transaction]] = field(
        default_factory=OrderedDict
    )
    month_changes: dict[tuple[str | None, str, str], list[_Pending]] = field(default_factory=dict)
    month_transactions: dict[tuple[str | None, str, str], list[Transaction]] = field(default_factory=dict)
    incentives: dict[str, list[Incentive]] = field(default_factory=dict)
    orders: dict[tuple[str | None, date], list[dict[str, object]]] = field(default_factory=dict)


# Generated records kept (about 1.2 KB each): enough for one month of 2,000 customers at the default 8
# records per day (about 500k) with room to spare; older (customer, cycle) entries are evicted and rebuilt.
DEFAULT_CACHE_RECORDS = 600_000
# Clock days (per cycle) and date windows whose aggregates are kept; each is small.
KEPT_VIEWS = 16


class World:
    """The generated partner world; thread-compatible for one server (the server serializes access)."""

    def __init__(
        self, config: WorldConfig, today: date | None = None, cache_records: int = DEFAULT_CACHE_RECORDS
    ) -> None:
        self.config = config
        self.today = today or beijing_today()
        self.domain_id = config.domain_id
        self.cache_records = cache_records
        self._caches = _Caches()
        self._static_json: dict[tuple[int, str, int], bytes] = {}
        self._usage: dict[tuple[Decimal, int], Decimal] = {}
        self._offsets: dict[int, list[timedelta]] = {}
        self._cached_records = 0
        self.drift_records: dict[tuple[str, str], list[FeeRecord]] = defaultdict(list)
        self.resellers = self._make_resellers()
        self.customers = self._make_customers()
        self.customer_by_id = {c.customer_id: c for c in self.customers}
        self.picks: ScenarioPicks | None = None
        self.restatement: dict[str, object] | None = None
        if config.scenarios:
            try:
                self._plan_scenarios()
            except (StopIteration, IndexError):
                raise ValueError(
                    "the scenarios need more customers with consumption in the scenario month (try 12+)"
                ) from None

    # ----------------------------------------------------------------- people
    def _make_resellers(self) -> list[Reseller]:
        out = []
        for n in range(self.config.resellers):
            draw = _Draw(self.config.seed, "reseller", n)
            out.append(
                Reseller(
                    indirect_partner_id=draw.hex(32),
                    name=f"{('华信', '云帆', '博远', '启明', '鼎泰')[n % 5]}云经销商{n + 1:02d}有限公司",
                    account_name=f"pbw_reseller_{n + 1:02d}",
                    associated_on=datetime.combine(
                        self.config.first_day - timedelta(days=200 - n), time(2, 0)
                    ),
                )
            )
        return out

    def _make_customers(self) -> list[Customer]:
        holders: list[str | None] = [None] * self.config.customers
        for reseller in self.resellers:
            holders += [reseller.indirect_partner_id] * self.config.customers_per_reseller
        return [self._make_customer(i, holder) for i, holder in enumerate(holders)]

    def _make_customer(self, index: int, holder: str | None) -> Customer:
        seed = self.config.seed
        draw = _Draw(seed, "customer", index)
        association = "1" if index % 3 == 2 else "2"
        funding = "cash" if association == "1" else ("credit", "mixed", "cash", "cash")[index % 4]
        late_joiner = draw.random() < 0.15
        first = self.config.first_day
        assoc_day = (
            first + timedelta(days=draw.randint(20, 400))
            if late_joiner
            else first - timedelta(days=draw.randint(30, 900))
        )
        associated_on = beijing_moment(
            assoc_day, draw.randint(8, 20), draw.randint(0, 59), draw.randint(0, 59)
        )
        customer_id = draw.hex(32)
        managers = (("am_li", "李雷"), ("am_han", "韩梅梅"), ("am_wang", "王芳"), ("am_zhao", "赵强"))
        manager = managers[index % len(managers)]
        resources = []
        for k, service in enumerate(
            sorted(ON_DEMAND_CHOICES[draw.randint(0, len(ON_DEMAND_CHOICES) - 1)], key=lambda s: s.code)
        ):
            rtype = draw.choice(service.resource_types)
            resources.append(
                Resource(
                    resource_id=draw.hex(8) + "-" + draw.hex(4) + "-" + draw.hex(12),
                    name=f"{rtype.code.rsplit('.', 1)[-1]}-{index:03d}-{k}",
                    service=service,
                    resource_type=rtype,
                    region=draw.choice(cat.REGIONS),
                    size=Decimal(draw.randint(1, 40)),
                    base_usage=Decimal(draw.randint(5, 30)) / 10,
                )
            )
        subscriptions = []
        for k in range(draw.randint(2, 4)):
            service = cat.PERIODIC[k % len(cat.PERIODIC)]
            rtype = service.resource_types[0]
            res = Resource(
                resource_id=draw.hex(8) + "-" + draw.hex(4) + "-" + draw.hex(12),
                name=f"{rtype.code.rsplit('.', 1)[-1]}-{index:03d}-p{k}",
                service=service,
                resource_type=rtype,
                region=draw.choice(cat.REGIONS),
                size=Decimal(1),
                base_usage=ZERO,
            )
            start = first + timedelta(days=draw.randint(-120, 480))
            start = max(start, assoc_day + timedelta(days=1))
            start = start.replace(day=min(start.day, 28))
            unsubscribe = None
            if draw.random() < 0.35:
                unsubscribe = start + timedelta(days=draw.randint(20, 420))
                if unsubscribe.day == start.day:
                    unsubscribe += timedelta(days=1)
            subscriptions.append(
                Subscription(
                    key=f"{index}-{k}",
                    resource=res,
                    start=start,
                    months=12 if draw.random() < 0.2 else 1,
                    monthly_price=Decimal(draw.randint(9000, 90000)) / 100,
                    auto_renew=draw.random() < 0.7,
                    coupon=Decimal("50.00") if draw.random() < 0.4 else ZERO,
                    unsubscribe=unsubscribe,
                    hour=draw.randint(0, 23),
                )
            )
        cities = ("北京", "上海", "深圳", "杭州", "成都", "武汉", "西安", "南京")
        words = ("星河", "云图", "数智", "蓝海", "天工", "远航", "青禾", "极光")
        return Customer(
            index=index,
            customer_id=customer_id,
            account_name=f"pbw_cust_{index:03d}",
            name=f"{cities[index % 8]}{words[(index // 8) % 8]}科技有限公司{index:03d}",
            association_type=association,
            holder=holder,
            associated_on=associated_on,
            funding=funding,
            discount_rate=(Decimal("0"), Decimal("0.05"), Decimal("0.10"), Decimal("0.15"))[
                draw.randint(0, 3)
            ],
            manager_account=manager[0],
            manager_name=manager[1],
            manager_id=f"{manager[0]}-id",
            label="key-account" if index % 5 == 0 else "",
            resources=tuple(resources),
            subscriptions=tuple(subscriptions),
        )

    def customers_of(self, holder: str | None) -> list[Customer]:
        return [c for c in self.customers if c.holder == holder]

    def holder_known(self, holder: str | None) -> bool:
        return holder is None or any(r.indirect_partner_id == holder for r in self.resellers)

    @property
    def last_day(self) -> date:
        """The last Beijing day whose data is served (yesterday by the sandbox clock)."""
        return self.today - timedelta(days=1)

    # ----------------------------------------------------------------- fee records
    def _split(self, customer: Customer, payable: Decimal, quantum: Decimal) -> tuple[Decimal, Decimal]:
        """(cash, credit) parts of an amount paid from the account, by the customer's funding."""
        if customer.funding == "credit":
            return ZERO, payable
        if customer.funding == "mixed":
            credit = (payable / 2).quantize(quantum, rounding=ROUND_DOWN)
            return payable - credit, credit
        return payable, ZERO

    def _usage_records(self, customer: Customer, day: date) -> list[FeeRecord]:
        """A customer's on-demand records of one day: the hot loop of generation, so day-level values are
        computed once and records are built positionally (the same bytes as `_resource_record`)."""
        n = self.config.records_per_day
        late = self.config.late_share
        key = f"{self.config.seed}|usage|{customer.index}|{day.isoformat()}|"
        resources = customer.resources
        midnight = datetime(day.year, day.month, day.day) - BEIJING_OFFSET
        visible = (day + timedelta(days=1), day + timedelta(days=2), day + timedelta(days=3))
        offsets = self._offsets.get(customer.index)
        if offsets is None:
            offsets = self._offsets[customer.index] = [
                timedelta(
                    hours=(j * 24) // n,
                    minutes=(customer.index * 7 + j * 3) % 60,
                    seconds=(customer.index * 13 + j) % 60,
                )
                for j in range(n)
            ]
        usages = self._usage
        records = []
        for j in range(n):
            # One 32-byte digest per record: id, trade id, usage factor and lateness (cheaper than 4 draws).
            digest = hashlib.blake2b((key + str(j)).encode(), digest_size=32).digest()
            res = resources[j % len(resources)]
            moment = midnight + offsets[j]
            factor = digest[29] % 81
            usage = usages.get((res.base_usage, factor))
            if usage is None:
                usage = usages[(res.base_usage, factor)] = (
                    res.base_usage * Decimal(60 + factor) / 100 * 24 / n
                ).quantize(Decimal("0.0001"))
            official = (usage * res.size * res.resource_type.unit_price).quantize(Q8)
            discount = (official * customer.discount_rate).quantize(Q8)
            payment = official - discount
            cash, credit = self._split(customer, payment, Q8)
            roll = int.from_bytes(digest[21:29], "big") / 2**64
            rec = FeeRecord(
                digest[:12].hex(),
                customer,
                day,
                moment,
                3,
                5,
                res.service,
                res.resource_type,
                res.region[0],
                res.resource_id,
                f"BL{digest[12:21].hex()}",
                official,
                discount,
                payment,
                cash,
                credit,
                ZERO,
                visible[0 if roll >= late else (1 if roll < late / 2 else 2)],
            )
            rec.head = self._record_head(rec, usage)
            rec.tail = self._record_tail(customer, res, False, 0)
            records.append(rec)
        return records

    def period_events(
        self, customer: Customer, sub: Subscription, begin: date, end: date
    ) -> list[tuple[date, int]]:
        """(day, bill_detail_type) of a subscription's orders within [begin, end], by arithmetic alone."""
        events: list[tuple[date, int]] = []
        if begin <= sub.start <= end:
            events.append((sub.start, 1))
        k = 1
        while True:
            renewal = add_months(sub.start, k * sub.months)
            if renewal > end or (sub.unsubscribe is not None and renewal >= sub.unsubscribe):
                break
            if renewal >= begin:
                events.append((renewal, 8 if sub.auto_renew else 2))
            k += 1
        if sub.unsubscribe is not None and begin <= sub.unsubscribe <= end:
            events.append((sub.unsubscribe, 4))
        return events

    def period_amounts(
        self, customer: Customer, sub: Subscription, day: date, kind: int
    ) -> tuple[Decimal, Decimal, Decimal]:
        """(official, discount, coupon) of one order; for an unsubscribe official is the negative refund."""
        official = sub.monthly_price * (10 if sub.months == 12 else 1)
        discount = (official * customer.discount_rate).quantize(Q2, rounding=ROUND_HALF_UP)
        coupon = min(sub.coupon, official - discount) if kind == 1 else ZERO
        if kind != 4:
            return official, discount, coupon
        previous = sub.start
        k = 1
        while add_months(sub.start, k * sub.months) < day:
            previous = add_months(sub.start, k * sub.months)
            k += 1
        following = add_months(previous, sub.months)
        paid = official - discount - (min(sub.coupon, official - discount) if previous == sub.start else ZERO)
        refund = (paid * Decimal((following - day).days) / Decimal((following - previous).days)).quantize(
            Q2, rounding=ROUND_HALF_UP
        )
        return -refund, ZERO, ZERO

    def _period_records(self, customer: Customer, begin: date, end: date) -> list[FeeRecord]:
        """The period orders of [begin, end] (their order does not matter: cycles sort by trade time, id)."""
        records = []
        for sub in customer.subscriptions:
            for event_day, kind in self.period_events(customer, sub, begin, end):
                official, discount, coupon = self.period_amounts(customer, sub, event_day, kind)
                payment = official - discount
                cash, credit = self._split(customer, payment - coupon, Q2)
                draw = _Draw(self.config.seed, "order", sub.key, event_day.isoformat())
                moment = beijing_moment(
                    event_day, sub.hour, (customer.index * 7 + 1) % 60, customer.index % 60
                )
                rec = self._resource_record(
                    sub.resource,
                    None,
                    period_months=sub.months,
                    id=draw.hex(24),
                    customer=customer,
                    bill_date=event_day,
                    trade_time=moment,
                    charging_mode=1,
                    bill_detail_type=kind,
                    trade_id=self.order_id(sub, event_day),
                    official=official,
                    discount=discount,
                    payment=payment,
                    cash=cash,
                    credit=credit,
                    coupon=coupon,
                    visible_from=event_day + timedelta(days=1),
                    order_type={1: 1, 2: 2, 8: 2, 4: 4}[kind],
                )
                records.append(rec)
        return records

    def order_id(self, sub: Subscription, day: date) -> str:
        return (
            f"CS{day:%y%m%d}{_Draw(self.config.seed, 'order-id', sub.key, day.isoformat()).hex(10).upper()}"
        )

    def _resource_record(
        self, res: Resource, usage: Decimal | None, period_months: int = 0, **fields: Any
    ) -> FeeRecord:
        """A fee record on `res` (its service, type, region and id filled in) with its wire JSON built;
        `usage` None means a period order. `fields` are the other FeeRecord fields."""
        rec = FeeRecord(
            service=res.service,
            resource_type=res.resource_type,
            region_code=res.region[0],
            resource_id=res.resource_id,
            **fields,
        )
        rec.head = self._record_head(rec, usage)
        rec.tail = self._record_tail(rec.customer, res, usage is None, period_months)
        return rec

    @staticmethod
    def _record_head(rec: FeeRecord, usage: Decimal | None) -> bytes:
        """The record's own fields as `dumps` writes them, up to the closing brace (ids and trade ids are
        generated ASCII letters and digits, trade times naive whole-second UTC, so nothing needs escaping)."""
        period = usage is None
        trade_time = rec.trade_time.isoformat()
        consume_time = trade_time if period else trade_time[:14] + "00:00"
        usage_text = "0" if usage is None else number(usage)
        return (
            f'{{"id":"{rec.id}","bill_cycle":"{rec.bill_date.year:04d}-{rec.bill_date.month:02d}",'
            f'"charging_mode":{rec.charging_mode},"bill_detail_type":{rec.bill_detail_type},'
            f'"order_type":{rec.order_type if period else "null"},"trade_id":"{rec.trade_id}",'
            f'"trade_time":"{trade_time}Z","consume_time":"{consume_time}Z",'
            f'"usage_amount":{usage_text},'
            f'"free_resource_usage":{usage_text if rec.synthetic else "0"},'
            f'"official_amount":{number(rec.official)},"official_discount_amount":{number(rec.discount)},'
            f'"payment_amount":{number(rec.payment)},"cash_amount":{number(rec.cash)},'
            f'"credit_amount":{number(rec.credit)},"coupon_amount":{number(rec.coupon)}'
        ).encode()

    def _record_tail(self, customer: Customer, res: Resource, period: bool, period_months: int) -> bytes:
        """The per-resource fields and the closing brace, serialized once and shared by its records."""
        key = (customer.index, res.resource_id, period_months)
        tail = self._static_json.get(key)
        if tail is None:
            inside = self._resource_json(customer, res, period, period_months)
            tail = self._static_json[key] = b"," + inside + b"}"
        return tail

    def _resource_json(self, customer: Customer, res: Resource, period: bool, period_months: int) -> bytes:
        """Fields fixed per (customer, resource): the inside of a JSON object, without braces."""
        rtype = res.resource_type
        payload: dict[str, object] = {
            "customer_id": customer.customer_id,
            "association_type": customer.association_type,
            "partner_id": customer.holder or self.domain_id,
            "account_manager_id": customer.manager_id,
            "enterprise_project_id": "0",
            "service_type_code": res.service.code,
            "service_type_name": res.service.name,
            "resource_type_code": rtype.code,
            "resource_type_name": rtype.name,
            "region_code": res.region[0],
            "region_name": res.region[1],
            "resource_id": res.resource_id,
            "resource_name": res.name,
            "resource_tag": "",
            "product_id": "OFFI" + hashlib.blake2b(rtype.code.encode(), digest_size=6).hexdigest().upper(),
            "product_name": f"{rtype.name}{' 包周期' if period else ' 按需'}",
            "product_spec_desc": f"{rtype.name} | {res.size}",
            "sub_service_type_code": "",
            "sub_service_type_name": "",
            "sub_resource_type_code": "",
            "sub_resource_type_name": "",
            "sub_resource_id": "",
            "sub_resource_name": "",
            "payment_type": None,
            "period_type": (19 if period_months == 12 else 20) if period else 25,
            "period_num": Decimal(1),
            "usage_type": rtype.usage_type,
            "usage_measure_id": rtype.usage_measure_id,
            "free_resource_measure_id": rtype.usage_measure_id,
            "ri_usage": ZERO,
            "ri_usage_measure_id": rtype.usage_measure_id,
            "flexipurchase_coupon_amount": ZERO,
            "stored_value_card_amount": ZERO,
            "debt_amount": ZERO,
            "writeoff_amount": ZERO,
        }
        return dumps(payload)[1:-1]

    def _cycle_entry(self, customer: Customer, cycle: str) -> _CycleEntry:
        """A customer's cycle from the bounded cache (least recently used out first), generated on a miss."""
        key = (customer.index, cycle)
        cache = self._caches.cycles
        entry = cache.get(key)
        if entry is not None:
            cache.move_to_end(key)
            return entry
        begin = max(month_start(cycle), self.config.first_day, customer.associated_day)
        end = month_end(cycle)
        records: list[FeeRecord] = []
        day = begin
        while day <= end:
            records += self._usage_records(customer, day)
            day += timedelta(days=1)
        if begin <= end:
            records += self._period_records(customer, begin, end)
        records += self._scenario_records(customer, cycle)
        records.sort(key=lambda r: (r.trade_time, r.id))
        if self.picks and self.picks.hidden_record_id:
            for rec in records:
                rec.hidden = rec.id == self.picks.hidden_record_id
        entry = cache[key] = _CycleEntry(records)
        self._cached_records += len(records)
        while self._cached_records > self.cache_records and len(cache) > 1:
            self._cached_records -= len(cache.popitem(last=False)[1].records)
        return entry

    def cycle_records(self, customer: Customer, cycle: str) -> list[FeeRecord]:
        """Every record of a customer's cycle (visible or not), sorted by (trade_time, id); cached."""
        return self._cycle_entry(customer, cycle).records

    @property
    def cached_records(self) -> int:
        return self._cached_records

    def served_records(self, customer: Customer, cycle: str) -> list[FeeRecord]:
        """What res-fee-records serves today: visible, not hidden, plus drift records, duplicates repeated."""
        return self._served_entry(customer, cycle).served

    def served_body(self, customer: Customer, cycle: str, offset: int, limit: int) -> bytes:
        """The served records [offset, offset + limit) as comma-separated JSON objects, from `pieces`."""
        entry = self._served_entry(customer, cycle)
        count = len(entry.served[offset : offset + limit])
        return b"".join(entry.pieces[3 * offset : 3 * (offset + count) - 1]) if count else b""

    def _served_entry(self, customer: Customer, cycle: str) -> _CycleEntry:
        entry = self._cycle_entry(customer, cycle)
        drift = self.drift_records.get((customer.customer_id, cycle))
        key = (self.today, len(drift) if drift else 0)
        if entry.served_key == key:
            return entry
        out = [r for r in entry.records if r.visible_from <= self.today and not r.hidden]
        if drift:
            out = sorted(out + drift, key=lambda r: r.sort_key)
        if self.picks and self.picks.duplicate_record_id:
            dup = [i for i, r in enumerate(out) if r.id == self.picks.duplicate_record_id]
            if dup:
                out.insert(dup[0] + 1, out[dup[0]])
        entry.served, entry.pieces, entry.served_key = out, json_pieces(out), key
        return entry

    def add_drift_record(self, customer: Customer, cycle: str, before: FeeRecord) -> FeeRecord:
        """A free (payment 0) usage record sorting just before `before`: every later offset shifts by one."""
        res = next(
            (r for r in customer.resources if r.resource_id == before.resource_id), customer.resources[0]
        )
        n = len(self.drift_records[(customer.customer_id, cycle)])
        usage = Decimal("1.0000")
        official = (usage * res.size * res.resource_type.unit_price).quantize(Q8)
        rec = self._resource_record(
            res,
            usage,
            id=f"0000{n:04d}{before.id[8:]}",
            customer=customer,
            bill_date=before.bill_date,
            trade_time=before.trade_time,
            charging_mode=3,
            bill_detail_type=5,
            trade_id=f"BLDRIFT{n:04d}",
            official=official,
            discount=official,
            payment=ZERO,
            cash=ZERO,
            credit=ZERO,
            coupon=ZERO,
            visible_from=self.today,
            synthetic=True,
        )
        self.drift_records[(customer.customer_id, cycle)].append(rec)
        return rec

    def consumption_customers(self, cycle: str) -> list[str]:
        """Direct customers with any visible consumption in the cycle (consume-sub-customers query)."""
        return self._visible(cycle).consuming

    # ----------------------------------------------------------------- monthly-sum
    def monthly_sums(self, holder: str | None, cycle: str, charge_mode: int) -> list[dict[str, object]]:
        """Bill sums of the holder's resale customers from the records visible today (plus scenario edits)."""
        return self._visible(cycle).sums.get((holder, charge_mode), [])

    def _visible(self, cycle: str) -> _Visible:
        """Monthly sums and consuming customers of a cycle on today's clock, from one pass over every
        customer's records; kept per clock day, and one entry serves every day once all is visible."""
        caches = self._caches
        settled = caches.settled.get(cycle)
        day = self.today if settled is None else min(self.today, settled)
        found = caches.visible.get((cycle, day))
        if found is not None:
            caches.visible.move_to_end((cycle, day))
            return found
        groups: dict[tuple[str | None, int], dict[tuple[str, str, str, str], dict[str, Any]]] = defaultdict(
            dict
        )
        consuming: list[str] = []
        last_visible = date.min
        for customer in self.customers:
            records = self.cycle_records(customer, cycle)
            if records:
                last_visible = max(last_visible, max(r.visible_from for r in records))
            visible = [r for r in records if r.visible_from <= self.today]
            if customer.holder is None and visible:
                consuming.append(customer.customer_id)
            if customer.association_type != "2":
                continue
            for rec in visible:
                bill_type = "0" if rec.payment >= 0 else "1"
                by_key = groups[(customer.holder, rec.charging_mode)]
                key = (customer.customer_id, rec.service.code, rec.resource_type.code, bill_type)
                group = by_key.get(key)
                if group is None:
                    group = by_key[key] = {
                        "rec": rec,
                        "amount": ZERO,
                        "discount": ZERO,
                        "details": defaultdict(lambda: ZERO),
                    }
                group["amount"] += rec.payment
                group["discount"] += rec.discount
                for split, balance_type in (
                    ("cash", "BALANCE_TYPE_DEBIT"),
                    ("credit", "BALANCE_TYPE_CREDIT"),
                    ("coupon", "BALANCE_TYPE_COUPON"),
                ):
                    value = getattr(rec, split)
                    if value:
                        group["details"][balance_type] += value
        picks = self.picks
        if picks and picks.month == cycle:
            key = (picks.bill_delta_customer, picks.bill_delta_service, picks.bill_delta_resource_type, "0")
            by_key = groups.get((None, picks.bill_delta_mode), {})
            if key in by_key:
                by_key[key]["amount"] += picks.bill_delta
                by_key[key]["details"]["BALANCE_TYPE_COUPON"] += picks.bill_delta
        found = _Visible(
            sums={(holder, mode): _sum_rows(by_key, mode) for (holder, mode), by_key in groups.items()},
            consuming=consuming,
        )
        caches.settled[cycle] = last_visible
        caches.visible[(cycle, min(self.today, last_visible))] = found
        while len(caches.visible) > KEPT_VIEWS:
            caches.visible.popitem(last=False)
        return found

    # ----------------------------------------------------------------- partner account changes
    def _month_changes(self, holder: str | None, balance_type: str, cycle: str) -> list[_Pending]:
        """A month's account changes except the opening recharge, in order, without balances."""
        key = (holder, balance_type, cycle)
        cached = self._caches.month_changes.get(key)
        if cached is not None:
            return cached
        changes: list[_Pending] = []
        if month_end(cycle) >= self.config.first_day:
            changes += self._scan(cycle).changes.get((holder, balance_type), [])
            allocation = self.allocation(holder, cycle)
            if balance_type == "BALANCE_TYPE_DEBIT" and allocation is not None:
                changes.append(allocation)
            if balance_type == "BALANCE_TYPE_DEBIT" and holder is None:
                paid_month = shift_cycle(cycle, -2)
                bill = self.incentive_bill_total(paid_month)
                if bill > 0 and not (self.picks and self.picks.unpaid_bill_month == paid_month):
                    changes.append(
                        _Pending(
                            beijing_moment(month_start(cycle) + timedelta(days=14), 10, 0, 0),
                            1,
                            bill,
                            "1",
                            cat.TD_REBATE,
                            self.incentive_bill_id(paid_month),
                        )
                    )
            if (
                self.picks
                and self.picks.month == cycle
                and holder is None
                and balance_type == "BALANCE_TYPE_DEBIT"
            ):
                changes.append(
                    _Pending(
                        beijing_moment(month_start(cycle) + timedelta(days=11), 11, 11, 11),
                        1,
                        self.picks.orphan_expense,
                        "2",
                        cat.TD_USAGE,
                        f"TX{cycle.replace('-', '')}ORPHAN0001",
                    )
                )
        changes.sort(key=lambda p: (p.trade_time, p.order, p.trade_id, p.type))
        self._caches.month_changes[key] = changes
        return changes

    def _scan(self, cycle: str) -> _Scan:
        """One pass over every resale customer's cycle: consumption account changes for each holder and
        balance type, and the incentive bases of direct customers (kept: small, and never clock-bound)."""
        found = self._caches.scans.get(cycle)
        if found is not None:
            return found
        changes: dict[tuple[str | None, str], list[_Pending]] = defaultdict(list)
        bases: dict[int, dict[str, Decimal]] = {}
        for customer in self.customers:
            if customer.association_type != "2":
                continue
            records = self.cycle_records(customer, cycle)
            for balance_type, split in (("BALANCE_TYPE_DEBIT", "cash"), ("BALANCE_TYPE_CREDIT", "credit")):
                out = changes[(customer.holder, balance_type)]
                usage: dict[date, tuple[datetime, Decimal]] = {}
                for rec in records:
                    value: Decimal = getattr(rec, split)
                    if rec.synthetic or rec.bill_detail_type in (9, 16) or not value:
                        continue
                    if rec.charging_mode == 3:
                        last, total = usage.get(rec.bill_date, (rec.trade_time, ZERO))
                        usage[rec.bill_date] = (max(last, rec.trade_time), total + value)
                    elif value > 0:
                        out.append(_Pending(rec.trade_time, 2, value, "2", cat.TD_PERIOD, rec.trade_id))
                    else:
                        out.append(_Pending(rec.trade_time, 2, -value, "1", cat.TD_REFUND, rec.trade_id))
                for day, (moment, total) in usage.items():
                    trade_id = f"TX{day:%Y%m%d}{customer.customer_id[:10].upper()}"
                    out.append(_Pending(moment, 2, total, "2", cat.TD_USAGE, trade_id))
            if customer.holder is None:
                customer_bases: dict[str, Decimal] = defaultdict(lambda: ZERO)
                for rec in records:
                    if not rec.synthetic and rec.bill_detail_type not in (9, 16):
                        customer_bases[rec.service.code] += rec.payment
                bases[customer.index] = customer_bases
        found = self._caches.scans[cycle] = _Scan(dict(changes), bases)
        return found

    def allocation(self, holder: str | None, cycle: str) -> _Pending | None:
        """The month's allocation to one resale customer (BEADJUST, 2nd of the month 14:00 Beijing)."""
        resale = [c for c in self.customers_of(holder) if c.association_type == "2"]
        day = month_start(cycle) + timedelta(days=1)
        if not resale or day < self.config.first_day:
            return None
        target = resale[day.month % len(resale)]
        return _Pending(
            beijing_moment(day, 14, 0, 0),
            1,
            Decimal(1000 * (1 + day.month % 5)).quantize(Q2),
            "2",
            cat.TD_BEADJUST,
            f"ADJ{cycle.replace('-', '')}{target.customer_id[:8].upper()}",
            target.customer_id,
            target.account_name,
        )

    @staticmethod
    def _net(changes: Iterable[_Pending]) -> Decimal:
        return sum((p.amount if p.type == "1" else -p.amount for p in changes), ZERO)

    def month_transactions(self, holder: str | None, balance_type: str, cycle: str) -> list[Transaction]:
        """All of a month's transactions with ids and running balances (visible or not)."""
        key = (holder, balance_type, cycle)
        cached = self._caches.month_transactions.get(key)
        if cached is not None:
            return cached
        changes = list(self._month_changes(holder, balance_type, cycle))
        target = cat.TARGET_BALANCE[balance_type]
        previous = shift_cycle(cycle, -1)
        if month_end(previous) < self.config.first_day:
            opening = ZERO
        else:
            opening = target + self._net(self._month_changes(holder, balance_type, previous))
        out: list[Transaction] = []
        letter = "D" if balance_type == "BALANCE_TYPE_DEBIT" else "C"
        if changes and month_end(cycle) >= self.config.first_day and opening != target:
            gap = target - opening
            changes.insert(
                0,
                _Pending(
                    beijing_moment(month_start(cycle), 0, 0, 0),
                    0,
                    abs(gap),
                    "1" if gap > 0 else "2",
                    cat.TD_RECHARGE if gap > 0 else cat.TD_TRANS,
                    f"RC{cycle.replace('-', '')}{letter}{(holder or self.domain_id)[:8].upper()}",
                ),
            )
        balance = opening
        for seq, p in enumerate(changes, start=1):
            balance = balance + p.amount if p.type == "1" else balance - p.amount
            out.append(
                Transaction(
                    account_change_id=f"AC{letter}{cycle.replace('-', '')}{seq:06d}",
                    balance_type=balance_type,
                    trade_id=p.trade_id,
                    trade_time=p.trade_time,
                    change_amount=p.amount,
                    balance_after_change=balance,
                    type=p.type,
                    trade_detail_type=p.trade_detail_type,
                    customer_id=p.customer_id,
                    account_name=p.account_name,
                )
            )
        self._caches.month_transactions[key] = out
        return out

    def transactions(
        self, holder: str | None, balance_type: str, begin: date, end: date
    ) -> list[Transaction]:
        """Visible transactions whose Beijing trade date is within [begin, end], in sequence order."""
        end = min(end, self.last_day)
        begin = max(begin, self.config.first_day)
        windows = self._caches.windows
        key = (holder, balance_type, begin, end)
        cached = windows.get(key)
        if cached is not None:
            windows.move_to_end(key)
            return cached
        out: list[Transaction] = []
        cycle = month_of(begin)
        while begin <= end and month_start(cycle) <= end:
            out += [
                t
                for t in self.month_transactions(holder, balance_type, cycle)
                if begin <= t.trade_date <= end
            ]
            cycle = shift_cycle(cycle, 1)
        windows[key] = out
        while len(windows) > KEPT_VIEWS:
            windows.popitem(last=False)
        return out

    def balance(self, holder: str | None, balance_type: str) -> Decimal:
        """The balance after the last visible transaction (spec 1.9 agrees with 1.3)."""
        cycle = month_of(self.last_day)
        while month_end(cycle) >= self.config.first_day:
            visible = [
                t
                for t in self.month_transactions(holder, balance_type, cycle)
                if t.trade_date <= self.last_day
            ]
            if visible:
                return visible[-1].balance_after_change
            cycle = shift_cycle(cycle, -1)
        return ZERO

    # ----------------------------------------------------------------- orders
    def orders(self, holder: str | None) -> list[dict[str, object]]:
        """Visible customer orders (1.6) of the holder's customers, oldest first; cached per clock day."""
        cached = self._caches.orders.get((holder, self.today))
        if cached is not None:
            return cached
        out: list[tuple[datetime, dict[str, object]]] = []
        end = self.last_day
        for customer in self.customers_of(holder):
            for sub in customer.subscriptions:
                for day, kind in self.period_events(customer, sub, self.config.first_day, end):
                    official, discount, coupon = self.period_amounts(customer, sub, day, kind)
                    moment = beijing_moment(day, sub.hour, (customer.index * 7 + 1) % 60, customer.index % 60)
                    order_type = {1: 1, 2: 2, 8: 2, 4: 4}[kind]
                    amount_info: dict[str, object] = {
                        "discounts": [{"discount_type": "700", "discount_amount": discount}]
                        if discount
                        else [],
                        "coupon_amount": coupon,
                        "flexipurchase_coupon_amount": ZERO,
                        "stored_card_amount": ZERO,
                    }
                    if kind == 4:
                        amount_info |= {"commission_amount": ZERO, "consumed_amount": ZERO}
                    out.append(
                        (
                            moment,
                            {
                                "order_id": self.order_id(sub, day),
                                "customer_id": customer.customer_id,
                                "service_type_code": sub.resource.service.code,
                                "service_type_name": sub.resource.service.name,
                                "source_type": 1,
                                "status": 5,
                                "order_type": order_type,
                                "amount_after_discount": abs(official - discount),
                                "official_amount": abs(official),
                                "measure_id": 1,
                                "create_time": utc_text(moment - timedelta(minutes=2)),
                                "payment_time": utc_text(moment),
                                "currency": "CNY",
                                "contract_id": "",
                                "amount_info": amount_info,
                                "enterprise_projects": [{"id": "0", "name": "default"}],
                                "sub_order_infos": [],
                                "agent_pay_info": {
                                    "paying_agent_id": customer.holder or self.domain_id,
                                    "is_agent_pay": customer.association_type == "2",
                                },
                            },
                        )
                    )
        out.sort(key=lambda item: (item[0], str(item[1]["order_id"])))
        orders = [order for _, order in out]
        self._caches.orders[(holder, self.today)] = orders
        return orders

    # ----------------------------------------------------------------- incentives
    def incentive_bill_id(self, month: str) -> str:
        return f"IB{month.replace('-', '')}{self.domain_id[:8].upper()}"

    def incentives(self, month: str) -> list[Incentive]:
        """Month M's incentive records: direct resale customers x rebate-eligible product types."""
        cached = self._caches.incentives.get(month)
        if cached is not None:
            return cached
        out: list[Incentive] = []
        if month_end(month) >= self.config.first_day:
            bill_id = self.incentive_bill_id(month)
            scan = self._scan(month)
            for customer in self.customers_of(None):
                if customer.association_type != "2":
                    continue
                bases = scan.bases[customer.index]
                for code in sorted(bases):
                    service = cat.SERVICE_BY_CODE[code]
                    if code not in cat.PLAN_RATES or service.incentive_policy in cat.NO_REBATE_POLICIES:
                        continue
                    if bases[code] <= 0:
                        continue
                    rate = cat.PLAN_RATES[code]
                    picks = self.picks
                    if (
                        picks
                        and picks.month == month
                        and picks.wrong_rate_customer == customer.customer_id
                        and picks.wrong_rate_service == code
                    ):
                        rate = picks.wrong_rate
                    out.append(
                        Incentive(
                            incentive_bill_id=bill_id,
                            incentive_data_id=f"ID{month.replace('-', '')}{len(out) + 1:05d}",
                            period=month,
                            customer=customer,
                            product_type=code,
                            charging_mode=service.charging_mode,
                            base_amount=bases[code],
                            rate=rate,
                            incentive_amount=(bases[code] * rate).quantize(Q2, rounding=ROUND_HALF_UP),
                        )
                    )
        self._caches.incentives[month] = out
        return out

    def incentive_bill_total(self, month: str) -> Decimal:
        return sum((i.incentive_amount for i in self.incentives(month)), ZERO)

    def rebate_day(self, month: str) -> date:
        """The day month M's incentive bill is paid: the 15th of M+2 (Beijing)."""
        return month_start(shift_cycle(month, 2)) + timedelta(days=14)

    def incentive_paid(self, month: str) -> bool:
        """Paid (已完成) once the top-up is visible; the R4 scenario marks one unpaid bill paid anyway."""
        if self.picks and self.picks.unpaid_bill_month == month:
            return True
        return self.rebate_day(month) <= self.last_day

    def month_final(self, month: str) -> bool:
        """Month M is final (and its incentives published) from the 5th of M+1 (Beijing)."""
        return self.today >= month_start(shift_cycle(month, 1)) + timedelta(days=4)

    # ----------------------------------------------------------------- scenarios
    def _scenario_records(self, customer: Customer, cycle: str) -> list[FeeRecord]:
        if not self.restatement or self.restatement["customer_id"] != customer.customer_id:
            return []
        if self.restatement["cycle"] != cycle:
            return []
        res = next(r for r in customer.resources if r.service.code == self.restatement["service"])
        amount = Decimal(str(self.restatement["amount"]))
        day = month_end(cycle)
        rec = self._resource_record(
            res,
            ZERO,
            id=str(self.restatement["record_id"]),
            customer=customer,
            bill_date=day,
            trade_time=beijing_moment(day, 23, 59, 50),
            charging_mode=3,
            bill_detail_type=16,
            trade_id=f"ADJ{cycle.replace('-', '')}RESTATE01",
            official=amount,
            discount=ZERO,
            payment=amount,
            cash=ZERO,
            credit=ZERO,
            coupon=amount,
            visible_from=date.fromisoformat(str(self.restatement["published_on"])),
        )
        return [rec]

    def _plan_scenarios(self) -> None:
        month = self.config.scenario_month or month_of(self.today.replace(day=1) - timedelta(days=1))
        direct_resale = [c for c in self.customers_of(None) if c.association_type == "2"]
        no_rebate = {s.code for s in cat.SERVICES if s.incentive_policy in cat.NO_REBATE_POLICIES}
        with_free = [c for c in direct_resale if any(r.service.code in no_rebate for r in c.resources)]
        established = [c for c in with_free if c.associated_day < month_start(month)]
        if RESTATEMENT in self.config.scenarios and established:
            customer = established[-1]
            service = next(r.service.code for r in customer.resources if r.service.code in no_rebate)
            self.restatement = {
                "cycle": month,
                "customer_id": customer.customer_id,
                "service": service,
                "record_id": _Draw(self.config.seed, "restatement").hex(24),
                "bill_detail_type": 16,
                "amount": "66.60",
                "balance_type": "BALANCE_TYPE_COUPON",
                "published_on": (month_start(shift_cycle(month, 1)) + timedelta(days=9)).isoformat(),
            }
        if RECONCILIATION not in self.config.scenarios:
            return
        picks = ScenarioPicks(month=month)
        # R1 bill differs: the first direct resale customer with usage gets a coupon deduction on its bill.
        first, recs = next(
            (c, recs)
            for c in direct_resale
            if (recs := [r for r in self.cycle_records(c, month) if r.charging_mode == 3])
        )
        picks.bill_delta_customer = first.customer_id
        picks.bill_delta_service = recs[0].service.code
        picks.bill_delta_resource_type = recs[0].resource_type.code
        # R1 missing detail: a no-rebate usage record of another customer is billed and paid, never served.
        victim, hidden = next(
            (c, r)
            for c in with_free
            if c is not first
            for r in self.cycle_records(c, month)
            if r.service.code in no_rebate
            and r.bill_date.day >= 10
            and r.visible_from == r.bill_date + timedelta(days=1)
        )
        picks.hidden_record_id = hidden.id
        # R5 duplicate: a referral customer's record is served twice in every sweep.
        referral, duplicate = next(
            (c, r)
            for c in self.customers_of(None)
            if c.association_type == "1"
            for r in self.cycle_records(c, month)
            if r.bill_date.day >= 5 and r.visible_from == r.bill_date + timedelta(days=1)
        )
        picks.duplicate_record_id = duplicate.id
        # R3 wrong rate: the first incentive of a third customer uses a rate the plan does not have.
        third_incentive = next(
            i for i in self.incentives(month) if i.customer not in (first, victim) and i.base_amount >= 100
        )
        third = third_incentive.customer
        picks.wrong_rate_customer = third.customer_id
        picks.wrong_rate_service = third_incentive.product_type
        picks.unpaid_bill_month = month
        self._caches = _Caches()
        self._cached_records = 0
        self.picks = picks
        served = [r for r in self.cycle_records(first, month) if r.charging_mode == 3 and not r.hidden]
        victim_mode = hidden.charging_mode
        victim_total = sum(
            (
                r.payment
                for r in self.cycle_records(victim, month)
                if r.charging_mode == victim_mode and r.id != hidden.id
            ),
            ZERO,
        )
        bill_total = sum((r.payment for r in served), ZERO)
        debit_bill = ZERO
        for customer in self.customers_of(None):
            if customer.association_type == "2":
                debit_bill += sum((r.cash for r in self.cycle_records(customer, month)), ZERO)
        debit_tx = self._net_consumption(month)
        wrong = next(
            i
            for i in self.incentives(month)
            if i.customer.customer_id == third.customer_id and i.product_type == picks.wrong_rate_service
        )
        expected = (wrong.base_amount * cat.PLAN_RATES[wrong.product_type]).quantize(
            Q2, rounding=ROUND_HALF_UP
        )
        picks.findings = [
            Finding(
                "R1",
                "bill_differs_from_details",
                {"cycle": month, "customer_id": first.customer_id, "charging_mode": "3"},
                bill_total,
                bill_total + picks.bill_delta,
                f"monthly-sum bill of {first.account_name} (on-demand) carries {picks.bill_delta} more "
                "(as a coupon deduction) than its fee records",
            ),
            Finding(
                "R1",
                "missing_detail_record",
                {"cycle": month, "customer_id": victim.customer_id, "charging_mode": str(victim_mode)},
                victim_total,
                victim_total + hidden.payment,
                f"fee record {hidden.id} ({hidden.payment}) is billed and paid but res-fee-records never "
                "returns it",
            ),
            Finding(
                "R2",
                "transaction_without_bill",
                {"cycle": month, "balance_type": "BALANCE_TYPE_DEBIT"},
                debit_bill,
                debit_tx,
                f"an expense of {picks.orphan_expense} (trade id TX{month.replace('-', '')}ORPHAN0001) "
                "has no bill; left = monthly-sum DEBIT details, right = expenses - refunds",
            ),
            Finding(
                "R3",
                "wrong_incentive_rate",
                {"incentive_data_id": wrong.incentive_data_id},
                expected,
                wrong.incentive_amount,
                f"incentive at rate {wrong.rate} instead of the plan's {cat.PLAN_RATES[wrong.product_type]}; "
                "left = base x plan rate, right = exported incentive amount",
            ),
            Finding(
                "R4",
                "paid_bill_without_topup",
                {"incentive_bill_id": self.incentive_bill_id(month)},
                self.incentive_bill_total(month),
                ZERO,
                "incentive bill marked 已完成 (paid) but no SOURCE_OPERAIION_RECHARGE_REBATE top-up exists",
            ),
            Finding(
                "R5",
                "duplicate_record",
                {
                    "dataset": "consumption_records",
                    "id": duplicate.id,
                    "cycle": month,
                    "customer_id": referral.customer_id,
                },
                duplicate.payment * 2,
                duplicate.payment,
                "the same fee record id is served twice in every sweep of this customer and cycle",
            ),
        ]

    def _net_consumption(self, cycle: str) -> Decimal:
        """Expenses minus refunds for consumption in the partner's DEBIT account (R2's right side)."""
        total = ZERO
        for p in self._month_changes(None, "BALANCE_TYPE_DEBIT", cycle):
            if p.trade_detail_type in cat.CONSUMPTION_DETAIL_TYPES:
                total += p.amount if p.type == "2" else -p.amount
        return total

    def manifest(self) -> dict[str, object]:
        names = ",".join(sorted(self.config.scenarios)) or None
        return {
            "scenario": names,
            "scenario_month": self.picks.month
            if self.picks
            else (self.restatement["cycle"] if self.restatement else None),
            "findings": [f.to_json() for f in self.picks.findings] if self.picks else [],
            "restatements": [self.restatement] if self.restatement else [],
        }

    def warm(self, cycle: str) -> dict[str, object]:
        """Generate and pre-serialize `cycle` for every customer, with its aggregates (monthly sums, consuming
        customers, transactions and the months their balances chain to), so a benchmark timed afterwards
        measures serving rather than generation. The cycle's records come last so they stay cached."""
        started = perf_counter()
        for holder in [None, *(r.indirect_partner_id for r in self.resellers)]:
            for balance_type in cat.BALANCE_TYPES:
                self.month_transactions(holder, balance_type, cycle)
            self.orders(holder)
        self._visible(cycle)
        served = sum(len(self.served_records(customer, cycle)) for customer in self.customers)
        return {
            "month": cycle,
            "served_records": served,
            "cached_records": self._cached_records,
            "cache_records": self.cache_records,
            "seconds": round(perf_counter() - started, 3),
        }

    def describe(self) -> dict[str, object]:
        """The /_sandbox/world summary: who exists, which days are served, the plan table."""
        return {
            "seed": self.config.seed,
            "domain_id": self.domain_id,
            "first_day": self.config.first_day.isoformat(),
            "today": self.today.isoformat(),
            "last_day": self.last_day.isoformat(),
            "records_per_day": self.config.records_per_day,
            "late_share": self.config.late_share,
            "customers": [
                {
                    "customer_id": c.customer_id,
                    "account_name": c.account_name,
                    "customer": c.name,
                    "association_type": c.association_type,
                    "indirect_partner_id": c.holder,
                    "funding": c.funding,
                    "associated_on": utc_text(c.associated_on),
                }
                for c in self.customers
            ],
            "resellers": [r.to_json() for r in self.resellers],
            "plans": plan_table(),
            "policies": [
                {
                    "service_type_code": s.code,
                    "incentive_policy": s.incentive_policy,
                    "charging_mode": s.charging_mode,
                }
                for s in cat.SERVICES
            ],
            "trade_detail_types": cat.TRADE_TYPE_OF,
            "target_balances": {k: format(v, "f") for k, v in cat.TARGET_BALANCE.items()},
        }


def json_pieces(records: list[FeeRecord]) -> list[bytes]:
    """[head, tail, b",", head, tail, ...]: joined, any slice of whole records is their JSON list body."""
    pieces: list[bytes] = []
    for rec in records:
        pieces += (rec.head, rec.tail, b",")
    return pieces


def _sum_rows(
    groups: dict[tuple[str, str, str, str], dict[str, Any]], charge_mode: int
) -> list[dict[str, object]]:
    """monthly-sum rows of one holder and charge mode, sorted by (customer, service, type, bill type)."""
    out = []
    for key in sorted(groups):
        group = groups[key]
        rec = group["rec"]
        row: dict[str, object] = {
            "customer_id": key[0],
            "cloud_service_type": rec.service.code,
            "cloud_service_type_name": rec.service.name,
            "resource_type_code": rec.resource_type.code,
            "resource_type_name": rec.resource_type.name,
            "bill_type": key[3],
            "charge_mode": str(charge_mode),
            "amount": group["amount"],
            "measure_id": 1,
        }
        if key[3] == "0":
            row |= {"debt_amount": ZERO, "adjustment_amount": ZERO, "discount_amount": group["discount"]}
        row["account_details"] = [
            {"balance_type": bt, "amount": amount, "bill_type": key[3]}
            for bt, amount in sorted(group["details"].items())
            if amount
        ]
        out.append(row)
    return out


def plan_table() -> list[dict[str, str]]:
    """The partner's incentive plan rates per product type (what `pbw sandbox export plans` writes)."""
    return [
        {"plan_name": cat.PLAN_NAME, "product_type": code, "rate": format(rate, "f")}
        for code, rate in sorted(cat.PLAN_RATES.items())
    ]


ON_DEMAND_CHOICES: tuple[tuple[cat.Service, ...], ...] = tuple(
    tuple(cat.ON_DEMAND[(start + k) % len(cat.ON_DEMAND)] for k in range(size))
    for size in (3, 4)
    for start in range(len(cat.ON_DEMAND))
)
