"""Who exists: the partner's resellers and customers (direct and via resellers), with their resources and
subscriptions, all drawn from the seed alone."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sandbox import catalog as cat
from sandbox.associations import Associations, Mover, mover_sequences
from sandbox.billing_calendar import beijing_moment
from sandbox.draw import Draw
from sandbox.model import ZERO, Customer, Reseller, Resource, Subscription, WorldConfig

ON_DEMAND_CHOICES: tuple[tuple[cat.Service, ...], ...] = tuple(
    tuple(cat.ON_DEMAND[(start + k) % len(cat.ON_DEMAND)] for k in range(size))
    for size in (3, 4)
    for start in range(len(cat.ON_DEMAND))
)


def make_resellers(config: WorldConfig) -> list[Reseller]:
    out = []
    for n in range(config.resellers):
        draw = Draw(config.seed, "reseller", n)
        out.append(
            Reseller(
                indirect_partner_id=draw.hex(32),
                name=f"{('华信', '云帆', '博远', '启明', '鼎泰')[n % 5]}云经销商{n + 1:02d}有限公司",
                account_name=f"pbw_reseller_{n + 1:02d}",
                associated_on=datetime.combine(config.first_day - timedelta(days=200 - n), time(2, 0)),
            )
        )
    return out


def make_customers(config: WorldConfig, resellers: list[Reseller]) -> list[Customer]:
    holders: list[str | None] = [None] * config.customers
    for reseller in resellers:
        holders += [reseller.indirect_partner_id] * config.customers_per_reseller
    return [make_customer(config, i, holder) for i, holder in enumerate(holders)]


def make_movers(
    config: WorldConfig, resellers: list[Reseller], first_index: int
) -> list[tuple[Customer, Mover]]:
    """Resale customers that change hands every month (see `associations`); their `holder` is the first
    reseller they belong to, so `customers_of(None)` (incentives, scenario picks) never holds a mover."""
    out = []
    for k, (holders, day) in enumerate(mover_sequences(resellers, config.movers)):
        home = next(h for h in holders if h is not None)
        customer = make_customer(config, first_index + k, home)
        customer = replace(
            customer,
            association_type="2",
            account_name=f"pbw_mover_{k + 1:02d}",
            associated_on=beijing_moment(config.first_day - timedelta(days=90 + k), 9, 0, 0),
        )
        out.append((customer, Mover(customer.customer_id, holders, day)))
    return out


def make_customer(config: WorldConfig, index: int, holder: str | None) -> Customer:
    seed = config.seed
    draw = Draw(seed, "customer", index)
    association = "1" if index % 3 == 2 else "2"
    funding = "cash" if association == "1" else ("credit", "mixed", "cash", "cash")[index % 4]
    late_joiner = draw.random() < 0.15
    first = config.first_day
    assoc_day = (
        first + timedelta(days=draw.randint(20, 400))
        if late_joiner
        else first - timedelta(days=draw.randint(30, 900))
    )
    associated_on = beijing_moment(assoc_day, draw.randint(8, 20), draw.randint(0, 59), draw.randint(0, 59))
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
        discount_rate=(Decimal("0"), Decimal("0.05"), Decimal("0.10"), Decimal("0.15"))[draw.randint(0, 3)],
        manager_account=manager[0],
        manager_name=manager[1],
        manager_id=f"{manager[0]}-id",
        label="key-account" if index % 5 == 0 else "",
        resources=tuple(resources),
        subscriptions=tuple(subscriptions),
    )


@dataclass(frozen=True, slots=True)
class Population:
    """The resellers and customers of one world, with the look-ups every API needs."""

    resellers: list[Reseller]
    customers: list[Customer]
    associations: Associations = field(default_factory=lambda: Associations(date.min, []))
    customer_by_id: dict[str, Customer] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "customer_by_id", {c.customer_id: c for c in self.customers})

    @classmethod
    def generate(cls, config: WorldConfig) -> Population:
        resellers = make_resellers(config)
        customers = make_customers(config, resellers)
        movers = make_movers(config, resellers, len(customers))
        associations = Associations(config.first_day, [m for _, m in movers])
        return cls(resellers, customers + [c for c, _ in movers], associations)

    def customers_of(self, holder: str | None) -> list[Customer]:
        return [c for c in self.customers if c.holder == holder]

    def holder_on(self, customer: Customer, day: date) -> str | None:
        return self.associations.holder_on(customer, day)

    def customers_on(self, holder: str | None, day: date) -> list[Customer]:
        """The customers the holder has on a Beijing day (movers included while it holds them)."""
        return [c for c in self.customers if self.associations.holder_on(c, day) == holder]

    def holder_known(self, holder: str | None) -> bool:
        return holder is None or any(r.indirect_partner_id == holder for r in self.resellers)
