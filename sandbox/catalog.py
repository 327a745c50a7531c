"""Static facts of the sandbox world: services, regions, incentive policies and plans, trade codes.

Kept apart from the generator so tests and the console export can read the tables without a world.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A billable resource type; on-demand ones carry a usage unit and a list unit price (8 dp)."""

    code: str
    name: str
    usage_type: str
    usage_measure_id: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class Service:
    """A cloud service; `charging_mode` 3 is billed from daily usage, 1 from yearly/monthly orders."""

    code: str
    name: str
    charging_mode: int
    resource_types: tuple[ResourceType, ...]
    incentive_policy: str
    allow_discount: str


SERVICES: tuple[Service, ...] = (
    Service(
        "hws.service.type.ec2",
        "弹性云服务器",
        1,
        (ResourceType("hws.resource.type.vm", "云主机", "", 0, Decimal("0")),),
        "1",
        "YES",
    ),
    Service(
        "hws.service.type.rds",
        "云数据库 RDS",
        1,
        (ResourceType("hws.resource.type.rds.vm", "数据库实例", "", 0, Decimal("0")),),
        "1",
        "YES",
    ),
    Service(
        "hws.service.type.ebs",
        "云硬盘",
        3,
        (ResourceType("hws.resource.type.volume", "云硬盘", "duration", 4, Decimal("0.00138889")),),
        "0",
        "YES",
    ),
    Service(
        "hws.service.type.vpc",
        "虚拟私有云",
        3,
        (
            ResourceType("hws.resource.type.bandwidth", "带宽", "duration", 4, Decimal("0.08750000")),
            ResourceType("hws.resource.type.ip", "弹性公网IP", "duration", 4, Decimal("0.02000000")),
        ),
        "0",
        "YES",
    ),
    Service(
        "hws.service.type.obs",
        "对象存储服务",
        3,
        (ResourceType("hws.resource.type.obs", "标准存储", "storage", 10, Decimal("0.00013310")),),
        "13",
        "NO",
    ),
    Service(
        "hws.service.type.cdn",
        "内容分发网络",
        3,
        (ResourceType("hws.resource.type.cdn", "CDN流量", "traffic", 10, Decimal("0.19800000")),),
        "2",
        "NO",
    ),
    Service(
        "hws.service.type.dcs",
        "分布式缓存服务",
        3,
        (ResourceType("hws.resource.type.dcs", "缓存实例", "duration", 4, Decimal("0.12500000")),),
        "0",
        "YES",
    ),
)
SERVICE_BY_CODE: dict[str, Service] = {s.code: s for s in SERVICES}
ON_DEMAND: tuple[Service, ...] = tuple(s for s in SERVICES if s.charging_mode == 3)
PERIODIC: tuple[Service, ...] = tuple(s for s in SERVICES if s.charging_mode == 1)

REGIONS: tuple[tuple[str, str], ...] = (
    ("cn-north-4", "华北-北京四"),
    ("cn-east-3", "华东-上海一"),
    ("cn-south-1", "华南-广州"),
    ("ap-southeast-1", "中国-香港"),
)

# Incentive plan rates per product type (service_type_code); services whose policy is 2 or 13 earn none.
PLAN_NAME = "云伙伴激励计划-代售"
PLAN_RATES: dict[str, Decimal] = {
    "hws.service.type.ec2": Decimal("0.08"),
    "hws.service.type.rds": Decimal("0.10"),
    "hws.service.type.ebs": Decimal("0.05"),
    "hws.service.type.vpc": Decimal("0.05"),
    "hws.service.type.dcs": Decimal("0.06"),
}
NO_REBATE_POLICIES = frozenset({"2", "13"})

# Partner account-change codes the world uses (trade_detail_type -> trade_type filter of spec §1.3).
TD_BERETRIEVE = "SOURCE_OPERATION_BERETRIEVE"  # funds a distributor takes back from a reseller (S)
TD_RECHARGE = "SOURCE_OPERATION_RECHARGE"
TD_REBATE = "SOURCE_OPERAIION_RECHARGE_REBATE"
TD_USAGE = "SOURCE_OPERAIION_USAGE"
TD_PERIOD = "SOURCE_OPERAIION_DEDEUCT"
TD_REFUND = "SOURCE_OPERAIION_REFUND"
TD_BEADJUST = "SOURCE_OPERATION_BEADJUST"
TD_TRANS = "SOURCE_OPERATION_TRANS"
TRADE_TYPE_OF: dict[str, str] = {
    TD_BERETRIEVE: "BERETRIEVE",
    TD_RECHARGE: "RECHARGE",
    TD_REBATE: "RECHARGE",
    TD_USAGE: "DEDEUCT",
    TD_PERIOD: "DEDEUCT",
    TD_REFUND: "REFUND",
    TD_BEADJUST: "BEADJUST",
    TD_TRANS: "TRANS",
}
CONSUMPTION_DETAIL_TYPES = frozenset({TD_USAGE, TD_PERIOD, TD_REFUND})

BALANCE_TYPES = ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT")
# Fee-record split field -> monthly-sum account_details balance type.
SPLIT_BALANCE_TYPES: tuple[tuple[str, str], ...] = (
    ("cash_amount", "BALANCE_TYPE_DEBIT"),
    ("credit_amount", "BALANCE_TYPE_CREDIT"),
    ("coupon_amount", "BALANCE_TYPE_COUPON"),
    ("flexipurchase_coupon_amount", "BALANCE_TYPE_RCASH_COUPON"),
    ("stored_value_card_amount", "BALANCE_TYPE_STORED_VALUE_CARD"),
)

# Target balances the monthly recharge restores on the 1st of every month (Beijing 00:00:00).
TARGET_BALANCE: dict[str, Decimal] = {
    "BALANCE_TYPE_DEBIT": Decimal("3000000.00"),
    "BALANCE_TYPE_CREDIT": Decimal("1000000.00"),
}

STATUS_PAID = ("已完成", "Completed")
STATUS_PENDING = ("待申付", "Pending payment")
ASSOCIATION_TEXT = {"1": ("顾问销售", "Referral"), "2": ("代售", "Resale")}
CHARGING_MODE_TEXT = {1: ("包年/包月", "Yearly/Monthly"), 3: ("按需", "Pay-per-use")}
