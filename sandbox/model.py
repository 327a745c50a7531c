"""The world's nouns: who exists (customers, resellers, their resources and subscriptions) and what they
generate (fee records, account transactions, incentives), as plain dataclasses with their wire forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sandbox import catalog as cat
from sandbox.billing_calendar import BEIJING_OFFSET, utc_text

ZERO = Decimal("0")
Q8 = Decimal("0.00000001")
Q2 = Decimal("0.01")


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
    movers: int = 0
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
class Pending:
    """A transaction before its id and running balance are assigned."""

    trade_time: datetime
    order: int
    amount: Decimal
    type: str
    trade_detail_type: str
    trade_id: str
    customer_id: str = ""
    account_name: str = ""


@dataclass(frozen=True, slots=True)
class Restatement:
    """The restatement scenario: one coupon-paid record added to a closed cycle, published on the 10th."""

    cycle: str
    customer_id: str
    service: str
    record_id: str
    amount: Decimal
    balance_type: str
    published_on: date
    bill_detail_type: int = 16

    def to_json(self) -> dict[str, object]:
        return {
            "cycle": self.cycle,
            "customer_id": self.customer_id,
            "service": self.service,
            "record_id": self.record_id,
            "bill_detail_type": self.bill_detail_type,
            "amount": format(self.amount, "f"),
            "balance_type": self.balance_type,
            "published_on": self.published_on.isoformat(),
        }
