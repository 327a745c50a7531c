"""Fee records of one customer: daily on-demand usage, period orders, drift and restatement records, each
with its wire JSON built once (a per-record head plus a tail shared by every record of the resource)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sandbox.billing_calendar import BEIJING_OFFSET, beijing_moment, month_end, month_start
from sandbox.draw import Draw
from sandbox.model import Q2, Q8, ZERO, Customer, FeeRecord, Resource, Restatement, WorldConfig
from sandbox.money_variety import Money, plan, wire_fields
from sandbox.subscriptions import ORDER_TYPE, order_id, period_amounts, period_events
from sandbox.wire import dumps, number


def split(customer: Customer, payable: Decimal, quantum: Decimal) -> tuple[Decimal, Decimal]:
    """(cash, credit) parts of an amount paid from the account, by the customer's funding."""
    if customer.funding == "credit":
        return ZERO, payable
    if customer.funding == "mixed":
        credit = (payable / 2).quantize(quantum, rounding=ROUND_DOWN)
        return payable - credit, credit
    return payable, ZERO


def record_head(rec: FeeRecord, usage: Decimal | None) -> bytes:
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


class FeeRecordMaker:
    """Builds fee records; keeps what is fixed per resource (JSON tails, usage steps, daily time offsets)."""

    def __init__(self, config: WorldConfig, restatement: Restatement | None = None) -> None:
        self.config = config
        self.restatement = restatement
        self._static_json: dict[tuple[int, str, int], bytes] = {}
        self._usage: dict[tuple[Decimal, int], Decimal] = {}
        self._offsets: dict[int, list[timedelta]] = {}

    def cycle(self, customer: Customer, cycle: str, hidden_id: str = "") -> list[FeeRecord]:
        """Every record of a customer's cycle by (trade_time, id); `hidden_id` is billed, never served."""
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
        records += [
            self._money_record(customer, cycle, m)
            for m in plan(self.config.seed, customer, cycle, self.config.first_day)
        ]
        records.sort(key=lambda r: (r.trade_time, r.id))
        if hidden_id:
            for rec in records:
                rec.hidden = rec.id == hidden_id
        return records

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
            cash, credit = split(customer, payment, Q8)
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
            rec.head = record_head(rec, usage)
            rec.tail = self._record_tail(customer, res, False, 0)
            records.append(rec)
        return records

    def _period_records(self, customer: Customer, begin: date, end: date) -> list[FeeRecord]:
        """The period orders of [begin, end] (their order does not matter: cycles sort by trade time, id)."""
        records = []
        for sub in customer.subscriptions:
            for event_day, kind in period_events(sub, begin, end):
                official, discount, coupon = period_amounts(customer, sub, event_day, kind)
                payment = official - discount
                cash, credit = split(customer, payment - coupon, Q2)
                draw = Draw(self.config.seed, "order", sub.key, event_day.isoformat())
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
                    trade_id=order_id(self.config.seed, sub, event_day),
                    official=official,
                    discount=discount,
                    payment=payment,
                    cash=cash,
                    credit=credit,
                    coupon=coupon,
                    visible_from=event_day + timedelta(days=1),
                    order_type=ORDER_TYPE[kind],
                )
                records.append(rec)
        return records

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
        rec.head = record_head(rec, usage)
        rec.tail = self._record_tail(rec.customer, res, usage is None, period_months)
        return rec

    def _money_record(self, customer: Customer, cycle: str, money: Money) -> FeeRecord:
        """The fee record of one money event (sandbox.money_variety), its JSON built whole."""
        draw = Draw(self.config.seed, "money-id", customer.index, cycle, money.key)
        period = money.charging_mode != 3
        rec = FeeRecord(
            id=draw.hex(24),
            customer=customer,
            bill_date=money.day,
            trade_time=money.trade_time,
            charging_mode=money.charging_mode,
            bill_detail_type=money.bill_detail_type,
            service=money.resource.service,
            resource_type=money.resource.resource_type,
            region_code=money.resource.region[0],
            resource_id=money.resource.resource_id,
            trade_id=money.trade_id,
            official=money.official,
            discount=money.discount,
            payment=money.payment,
            cash=money.cash,
            credit=money.credit,
            coupon=money.coupon,
            visible_from=money.day + timedelta(days=1),
            order_type=money.order_type,
            varied=True,
            flexi=money.flexi,
            stored=money.stored,
            debt=money.debt,
            writeoff=money.writeoff,
            bonus=money.bonus,
            bill_type=money.bill_type,
            ledger_detail=money.ledger_detail,
        )
        rec.head = record_head(rec, None if period else ZERO)
        overrides = wire_fields(money, f"{money.resource.resource_id[:9]}{draw.hex(27)}")
        inside = self._resource_json(customer, money.resource, period, 12 if period else 0, overrides)
        rec.tail = b"," + inside + b"}"
        return rec

    def _record_tail(self, customer: Customer, res: Resource, period: bool, period_months: int) -> bytes:
        """The per-resource fields and the closing brace, serialized once and shared by its records."""
        key = (customer.index, res.resource_id, period_months)
        tail = self._static_json.get(key)
        if tail is None:
            inside = self._resource_json(customer, res, period, period_months)
            tail = self._static_json[key] = b"," + inside + b"}"
        return tail

    def _resource_json(
        self,
        customer: Customer,
        res: Resource,
        period: bool,
        period_months: int,
        overrides: dict[str, object] | None = None,
    ) -> bytes:
        """Fields fixed per (customer, resource): the inside of a JSON object, without braces."""
        rtype = res.resource_type
        payload: dict[str, object] = {
            "customer_id": customer.customer_id,
            "association_type": customer.association_type,
            "partner_id": customer.holder or self.config.domain_id,
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
        return dumps(payload | (overrides or {}))[1:-1]

    def drift_record(self, customer: Customer, before: FeeRecord, n: int, today: date) -> FeeRecord:
        """A free (payment 0) usage record sorting just before `before`: every later offset shifts by one."""
        res = next(
            (r for r in customer.resources if r.resource_id == before.resource_id), customer.resources[0]
        )
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
            visible_from=today,
            synthetic=True,
        )
        return rec

    def _scenario_records(self, customer: Customer, cycle: str) -> list[FeeRecord]:
        restatement = self.restatement
        if not restatement or restatement.customer_id != customer.customer_id:
            return []
        if restatement.cycle != cycle:
            return []
        res = next(r for r in customer.resources if r.service.code == restatement.service)
        amount = restatement.amount
        day = month_end(cycle)
        rec = self._resource_record(
            res,
            ZERO,
            id=restatement.record_id,
            customer=customer,
            bill_date=day,
            trade_time=beijing_moment(day, 23, 59, 50),
            charging_mode=3,
            bill_detail_type=restatement.bill_detail_type,
            trade_id=f"ADJ{cycle.replace('-', '')}RESTATE01",
            official=amount,
            discount=ZERO,
            payment=amount,
            cash=ZERO,
            credit=ZERO,
            coupon=amount,
            visible_from=restatement.published_on,
        )
        return [rec]
