"""APIs 1.7 and 1.8: coupon quotas, the quotas issued to resellers and their records."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sandbox.answers import Answer, ok, window
from sandbox.billing_calendar import utc_text
from sandbox.params import invalid
from sandbox.routes.request import Context, Request, checked_holder


def _quotas(app: Context) -> list[dict[str, object]]:
    first = datetime.combine(app.world.config.first_day, datetime.min.time())
    out: list[dict[str, object]] = []
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


def coupon_quotas(app: Context, req: Request) -> Answer:
    p = req.params
    quota_type = p.integer("quota_type", 0, 0, 1)
    ids = p.values.get("quota_ids") or []
    statuses = p.values.get("quota_status_list") or []
    if not isinstance(ids, list) or len(ids) > 50:
        raise invalid("quota_ids", "a list of at most 50")
    if not isinstance(statuses, list) or len(statuses) > 5:
        raise invalid("quota_status_list", "a list of at most 5")
    checked_holder(app.world, p)
    offset, limit = p.page(100)
    rows = [
        q
        for q in _quotas(app)
        if q["quota_type"] == quota_type
        and (not ids or q["quota_id"] in ids)
        and (not statuses or q["quota_status"] in statuses)
    ]
    return ok({"total_count": len(rows), "quotas": window(rows, offset, limit)})


def issued_quotas(app: Context, req: Request) -> Answer:
    p = req.params
    quota_id, holder = p.text("quota_id"), checked_holder(app.world, p)
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


def quota_records(app: Context, req: Request) -> Answer:
    p = req.params
    holder = checked_holder(app.world, p)
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
