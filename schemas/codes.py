"""Code tables of the Partner Center APIs with Chinese and English labels (API reference §1-§2).

Labels are for reports and the table catalog; loaders keep the raw codes. `label(table, code, lang)` returns
the code itself for an unknown value, so a new code upstream never breaks a report.
"""

from __future__ import annotations

from typing import Literal

Label = tuple[str, str]  # (zh, en)

CHARGING_MODE: dict[int, Label] = {
    1: ("包年/包月", "yearly/monthly"),
    3: ("按需", "on-demand"),
    10: ("预留实例", "reserved instance"),
    11: ("节省计划", "savings plan"),
}

BILL_DETAIL_TYPE: dict[int, Label] = {
    1: ("新购", "new purchase"),
    2: ("续订", "renewal"),
    3: ("变更", "change"),
    4: ("退订", "unsubscribe (refund)"),
    5: ("使用", "usage"),
    8: ("自动续订", "auto-renewal"),
    9: ("赔偿", "compensation (adjustment)"),
    14: ("服务支持计划月末扣费", "support plan month-end charge"),
    16: ("调账-扣费", "deduction (adjustment)"),
    18: ("按月付费", "monthly payment"),
    20: ("退订-变更", "change (refund)"),
    23: ("节省计划抵扣", "savings plan deduction"),
    24: ("包周期转按需", "period to on-demand (refund)"),
    25: ("抹零补扣", "rounding make-up"),
    103: ("按年付费", "yearly payment"),
}
REFUND_BILL_DETAIL_TYPES: frozenset[int] = frozenset({4, 20, 24})
CONSUMPTION_BILL_DETAIL_TYPES: frozenset[int] = frozenset({1, 2, 3, 5, 8, 14, 18, 23, 25, 103})
ADJUSTMENT_BILL_DETAIL_TYPES: frozenset[int] = frozenset({9, 16})

BILL_TYPE: dict[int, Label] = {
    0: ("消费", "consumption"),
    1: ("退订", "unsubscribe"),
    2: ("华为核销", "Huawei write-off"),
}
NEGATIVE_BILL_TYPES: frozenset[int] = frozenset({1, 2})

ASSOCIATION_TYPE: dict[str, Label] = {"1": ("顾问销售", "referral"), "2": ("代售", "resale")}

PERIOD_TYPE: dict[int, Label] = {
    19: ("年", "year"),
    20: ("月", "month"),
    24: ("天", "day"),
    25: ("小时", "hour"),
    5: ("一次性", "one-off"),
}

BALANCE_TYPE: dict[str, Label] = {
    "BALANCE_TYPE_DEBIT": ("现金账户", "cash"),
    "BALANCE_TYPE_CREDIT": ("信用账户", "credit"),
    "BALANCE_TYPE_BONUS": ("奖励金账户", "bonus"),
    "BALANCE_TYPE_COUPON": ("代金券", "coupon"),
    "BALANCE_TYPE_RCASH_COUPON": ("现金券", "cash coupon"),
    "BALANCE_TYPE_STORED_VALUE_CARD": ("储值卡", "stored-value card"),
}

CHANGE_TYPE: dict[str, Label] = {"1": ("收入", "income"), "2": ("支出", "expense")}

TRADE_TYPE: dict[str, Label] = {
    "RECHARGE": ("充值", "top-up"),
    "DEDEUCT": ("扣费", "deduction"),
    "REFUND": ("退款", "refund"),
    "RFROZEN": ("解冻", "unfreeze"),
    "TRANS": ("转账", "transfer"),
    "ADJUST": ("调账", "adjustment"),
    "BEADJUST": ("拨款", "allocation to a customer"),
    "BERETRIEVE": ("回收", "reclaim from a customer"),
    "BEUNBIND": ("解绑回收", "reclaim on unbinding"),
    "BONUSCONVERT": ("奖励金转换", "bonus conversion"),
    "TRADE_MODE_TRANSFER": ("交易模式转换", "trade mode transfer"),
}

TRADE_DETAIL_TYPE: dict[str, Label] = {
    "SOURCE_OPERAIION_DEDEUCT": ("包周期扣费", "period charge"),
    "SOURCE_OPERAIION_USAGE": ("按需扣费", "on-demand charge"),
    "SOURCE_OPERAIION_REFUND": ("退订退款", "refund"),
    "SOURCE_OPERAIION_BILLREFUND": ("华为核销", "Huawei write-off"),
    "SOURCE_OPERAIION_RECHARGE_REBATE": ("激励返点充值", "top-up from an incentive rebate"),
    "SOURCE_OPERATION_BEADJUST": ("拨款", "allocation to a customer"),
    "SOURCE_OPERATION_BERETRIEVE": ("回收", "reclaim from a customer"),
    "SOURCE_OPERATION_BEUNBIND": ("解绑回收", "reclaim on unbinding"),
}

VERIFIED_STATUS: dict[int, Label] = {
    -1: ("未实名认证", "none"),
    0: ("实名认证审核中", "pending"),
    1: ("实名认证不通过", "rejected"),
    2: ("已实名认证", "verified"),
}
CUSTOMER_TYPE: dict[int, Label] = {
    -1: ("无类型", "none"),
    0: ("个人", "individual"),
    1: ("企业", "enterprise"),
}

INCENTIVE_POLICY: dict[int, Label] = {
    0: ("非指定产品", "non-specific product"),
    1: ("指定产品", "specific product"),
    2: ("不计业绩不返点", "no performance credit, no rebate"),
    13: ("计业绩不返点", "performance credit, no rebate"),
}

# Console export status text (zh or en) -> canonical English status of billing.incentive_records.
INCENTIVE_STATUS: dict[str, str] = {
    "已完成": "paid",
    "completed": "paid",
    "paid": "paid",
    "待申付": "pending",
    "待支付": "pending",
    "未支付": "pending",
    "pending": "pending",
    "to be paid": "pending",
    "pending payment": "pending",
    "申付中": "processing",
    "处理中": "processing",
    "processing": "processing",
    "已驳回": "rejected",
    "rejected": "rejected",
    "已冻结": "frozen",
    "frozen": "frozen",
    "已取消": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}

# Payout application (激励申付 > 申请记录) status text -> canonical English; 已完成 means paid (§1.11).
PAYOUT_STATUS: dict[str, str] = {
    "已完成": "paid",
    "completed": "paid",
    "paid": "paid",
    "审核中": "reviewing",
    "待审核": "reviewing",
    "under review": "reviewing",
    "reviewing": "reviewing",
    "申付中": "processing",
    "处理中": "processing",
    "processing": "processing",
    "已驳回": "rejected",
    "rejected": "rejected",
    "已取消": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}

# Keyed by object: `label` looks up whatever code a row holds. Copied from `.items()` because a dict's
# key type is invariant (a dict[int, Label] is not a dict[object, Label]).
TABLES: dict[str, dict[object, Label]] = {
    "charging_mode": dict(CHARGING_MODE.items()),
    "bill_detail_type": dict(BILL_DETAIL_TYPE.items()),
    "bill_type": dict(BILL_TYPE.items()),
    "association_type": dict(ASSOCIATION_TYPE.items()),
    "period_type": dict(PERIOD_TYPE.items()),
    "balance_type": dict(BALANCE_TYPE.items()),
    "change_type": dict(CHANGE_TYPE.items()),
    "trade_type": dict(TRADE_TYPE.items()),
    "trade_detail_type": dict(TRADE_DETAIL_TYPE.items()),
    "verified_status": dict(VERIFIED_STATUS.items()),
    "customer_type": dict(CUSTOMER_TYPE.items()),
    "incentive_policy": dict(INCENTIVE_POLICY.items()),
}


def label(table: str, code: object, lang: Literal["zh", "en"] = "en") -> str:
    """Label of `code` in code table `table`; the code as text when unknown."""
    entry = TABLES[table].get(code)
    if entry is None:
        return str(code)
    return entry[0] if lang == "zh" else entry[1]


def canonical_incentive_status(raw: str | None) -> str | None:
    """Canonical English status of a console export status text; 'other' for text not in the table."""
    if raw is None or not raw.strip():
        return None
    return INCENTIVE_STATUS.get(raw.strip().lower(), INCENTIVE_STATUS.get(raw.strip(), "other"))


def canonical_payout_status(raw: str | None) -> str | None:
    """Canonical English status of a payout application status text; 'other' for text not in the table."""
    if raw is None or not raw.strip():
        return None
    return PAYOUT_STATUS.get(raw.strip().lower(), PAYOUT_STATUS.get(raw.strip(), "other"))
