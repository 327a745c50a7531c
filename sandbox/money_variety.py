"""Every other kind of money a partner's customers pay: reserved instances (charging_mode 10) and savings
plans (11) that follow their orders, changes and their refunds, support-plan month ends, rounding make-ups,
compensations that Huawei writes off, arrears, cash coupons, stored-value cards and bonus.

Planned per (customer, cycle) by arithmetic alone, so fee records, orders and account changes agree without
sharing state. Each money event keeps every rule of ARCHITECTURE.md: payment = official - discount = the sum
of its splits (§3 rules 4, 5), consumption types >= 0 and refund types <= 0 (rule 6). The sandbox's own
inferences, where the API reference is silent: RI fees fall under the monthly-sum's charge_mode "1"
(`MONTHLY_SUM_MODE`); a compensation (bill_detail_type 9, negative) is Huawei's write-off: monthly-sum
bill_type "2" and a SOURCE_OPERAIION_BILLREFUND income; arrears (`debt_amount`) and written-off arrears
(`writeoff_amount`) are paid from no balance, so they show as the monthly-sum row's `debt_amount` and
`adjustment_amount` instead of an account detail; bonus is a part of `cash_amount` paid from the BONUS
balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from sandbox import catalog as cat
from sandbox.billing_calendar import beijing_moment, month_end, month_of, month_start, shift_cycle, utc_text
from sandbox.draw import Draw
from sandbox.model import Q2, ZERO, Customer, Resource

# The monthly-sum charge_mode a fee record's charging_mode is summed under (RI is inferred to be "1").
MONTHLY_SUM_MODE: dict[int, int] = {1: 1, 3: 3, 10: 1, 11: 11}
PAYMENT_TYPES = ("ALL_UPFRONT", "PARTIAL_UPFRONT", "NO_UPFRONT")
# Kinds: (label, charging_mode, bill_detail_type, order_type or 0 when the trade id is a bill id)
KINDS: tuple[tuple[str, int, int, int], ...] = (
    ("ri-upfront", 10, 1, 1),
    ("ri-monthly", 10, 18, 0),
    ("ri-yearly", 10, 103, 2),
    ("sp-purchase", 11, 1, 1),
    ("sp-deduction", 11, 23, 0),
    ("change", 1, 3, 3),
    ("change-refund", 1, 20, 3),
    ("to-on-demand", 1, 24, 10),
    ("support-month-end", 1, 14, 0),
    ("rounding", 3, 25, 0),
    ("arrears", 3, 5, 0),
    ("write-off", 3, 9, 0),
)
REFUND_KINDS = frozenset({"change-refund", "to-on-demand", "write-off"})
BUNDLED = cat.SERVICE_BY_CODE["hws.service.type.ebs"]


@dataclass(frozen=True, slots=True)
class Money:
    """One money event of a customer's cycle: what its fee record, order and account changes show."""

    key: str
    day: date
    trade_time: datetime
    charging_mode: int
    bill_detail_type: int
    order_type: int
    payment_type: str | None
    resource: Resource
    trade_id: str
    official: Decimal
    discount: Decimal
    discount_607: Decimal
    cash: Decimal
    credit: Decimal
    coupon: Decimal
    flexi: Decimal
    stored: Decimal
    debt: Decimal
    writeoff: Decimal
    bonus: Decimal
    bundled: bool

    @property
    def payment(self) -> Decimal:
        return self.official - self.discount

    @property
    def bill_type(self) -> str:
        """monthly-sum bill_type: 2 for a write-off, 1 for any other negative amount, else 0."""
        if self.key == "write-off":
            return "2"
        return "1" if self.payment < 0 else "0"

    @property
    def ledger_detail(self) -> str:
        """The account-change trade_detail_type that moves the partner's cash/credit for this event."""
        return cat.TD_BILLREFUND if self.key == "write-off" else ""


def _account_split(customer: Customer, amount: Decimal) -> tuple[Decimal, Decimal]:
    """(cash, credit) of an amount paid from the account, by the customer's funding (as fee_records.split)."""
    if customer.funding == "credit":
        return ZERO, amount
    if customer.funding == "mixed":
        credit = (amount / 2).quantize(Q2, rounding=ROUND_DOWN)
        return amount - credit, credit
    return amount, ZERO


def compute_resource(seed: int, customer: Customer) -> Resource:
    """The customer's ECS reservation that its RI and savings-plan fees are charged to."""
    service = cat.SERVICE_BY_CODE["hws.service.type.ec2"]
    draw = Draw(seed, "money-resource", customer.index)
    return Resource(
        resource_id=f"{draw.hex(8)}-{draw.hex(4)}-{draw.hex(12)}",
        name=f"ri-{customer.index:03d}",
        service=service,
        resource_type=service.resource_types[0],
        region=cat.REGIONS[customer.index % len(cat.REGIONS)],
        size=Decimal(1),
        base_usage=ZERO,
    )


def plan(seed: int, customer: Customer, cycle: str, first_day: date) -> list[Money]:
    """The money events of a customer's cycle (none before the world's first day or the association)."""
    begin = max(month_start(cycle), first_day, customer.associated_day)
    end = month_end(cycle)
    if begin > end:
        return []
    span = (end - begin).days + 1
    compute = compute_resource(seed, customer)
    usage_resource = customer.resources[0]
    out: list[Money] = []
    for n, (key, mode, kind, order_type) in enumerate(KINDS):
        draw = Draw(seed, "money", customer.index, cycle, key)
        day = end if key == "support-month-end" else begin + timedelta(days=draw.randint(0, span - 1))
        resource = usage_resource if mode == 3 else compute
        amount = (Decimal(draw.randint(500, 90000)) / 100).quantize(Q2)
        if key == "rounding":
            amount = Decimal(draw.randint(1, 9)) / 100
        discount = ZERO
        discount_607 = ZERO
        if order_type and key not in REFUND_KINDS:
            discount = (amount * customer.discount_rate).quantize(Q2, rounding=ROUND_HALF_UP)
            discount_607 = (amount * Decimal("0.02")).quantize(Q2, rounding=ROUND_HALF_UP)
            discount += discount_607
        payable = amount - discount
        coupon = flexi = stored = debt = writeoff = ZERO
        if key == "ri-upfront":
            flexi = (payable * Decimal("0.1")).quantize(Q2, rounding=ROUND_DOWN)
        elif key == "ri-monthly":
            stored = (payable * Decimal("0.2")).quantize(Q2, rounding=ROUND_DOWN)
        elif key == "sp-purchase":
            coupon = min(Decimal("30.00"), payable)
        elif key == "arrears":
            debt = (payable * Decimal("0.3")).quantize(Q2, rounding=ROUND_DOWN)
            writeoff = (payable * Decimal("0.1")).quantize(Q2, rounding=ROUND_DOWN)
        sign = -1 if key in REFUND_KINDS else 1
        from_account = payable - coupon - flexi - stored - debt - writeoff
        cash, credit = _account_split(customer, from_account)
        bonus = (cash * Decimal("0.1")).quantize(Q2, rounding=ROUND_DOWN) if key == "change" else ZERO
        if key == "sp-deduction" or key.startswith("ri-"):
            payment_type = (
                PAYMENT_TYPES[(customer.index + n) % 3]
                if key == "ri-upfront"
                else ("PARTIAL_UPFRONT" if key == "ri-monthly" else "NO_UPFRONT")
            )
        elif key == "sp-purchase":
            payment_type = "ALL_UPFRONT"
        else:
            payment_type = None
        prefix = "CS" if order_type else "BL"
        out.append(
            Money(
                key=key,
                day=day,
                trade_time=beijing_moment(day, 1 + n, (customer.index * 11 + n) % 60, (n * 7) % 60),
                charging_mode=mode,
                bill_detail_type=kind,
                order_type=order_type,
                payment_type=payment_type,
                resource=resource,
                trade_id=f"{prefix}{day:%y%m%d}{draw.hex(10).upper()}",
                official=sign * amount,
                discount=discount,
                discount_607=discount_607,
                cash=sign * cash,
                credit=sign * credit,
                coupon=coupon,
                flexi=flexi,
                stored=stored,
                debt=debt,
                writeoff=writeoff,
                bonus=bonus,
                bundled=key == "change",
            )
        )
    return out


def wire_fields(money: Money, bundled_id: str) -> dict[str, object]:
    """The fields of the fee record that differ from an ordinary period record of the same resource."""
    fields: dict[str, object] = {
        "payment_type": money.payment_type,
        "flexipurchase_coupon_amount": money.flexi,
        "stored_value_card_amount": money.stored,
        "debt_amount": money.debt,
        "writeoff_amount": money.writeoff,
    }
    if money.bundled:
        rtype = BUNDLED.resource_types[0]
        fields |= {
            "sub_service_type_code": BUNDLED.code,
            "sub_service_type_name": BUNDLED.name,
            "sub_resource_type_code": rtype.code,
            "sub_resource_type_name": rtype.name,
            "sub_resource_id": bundled_id,
            "sub_resource_name": f"{money.resource.name}-系统盘",
        }
    return fields


def order_json(money: Money, customer: Customer, payer: str) -> dict[str, object]:
    """The customer order (API 1.6) a money event with an order type follows: same amounts, discounts split
    into the commercial discount 700 and the partner discount 607."""
    discounts = []
    if money.discount - money.discount_607:
        discounts.append({"discount_type": "700", "discount_amount": money.discount - money.discount_607})
    if money.discount_607:
        discounts.append({"discount_type": "607", "discount_amount": money.discount_607})
    return {
        "order_id": money.trade_id,
        "customer_id": customer.customer_id,
        "service_type_code": money.resource.service.code,
        "service_type_name": money.resource.service.name,
        "source_type": 1,
        "status": 5,
        "order_type": money.order_type,
        "amount_after_discount": abs(money.payment),
        "official_amount": abs(money.official),
        "measure_id": 1,
        "create_time": utc_text(money.trade_time - timedelta(minutes=2)),
        "payment_time": utc_text(money.trade_time),
        "currency": "CNY",
        "contract_id": "",
        "amount_info": {
            "discounts": discounts,
            "coupon_amount": money.coupon,
            "flexipurchase_coupon_amount": money.flexi,
            "stored_card_amount": money.stored,
        },
        "enterprise_projects": [{"id": "0", "name": "default"}],
        "sub_order_infos": [],
        "agent_pay_info": {"paying_agent_id": payer, "is_agent_pay": customer.association_type == "2"},
    }


def orders_until(
    seed: int, customer: Customer, payer: str, first_day: date, end: date
) -> list[tuple[datetime, dict[str, object]]]:
    """(payment time, order) of the customer's money events with an order, from the first day to `end`."""
    out = []
    cycle = month_of(first_day)
    while month_start(cycle) <= end:
        for money in plan(seed, customer, cycle, first_day):
            if money.order_type and money.day <= end:
                out.append((money.trade_time, order_json(money, customer, payer)))
        cycle = shift_cycle(cycle, 1)
    return out
