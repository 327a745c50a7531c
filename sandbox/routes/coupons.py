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


def reseller_quotas(app: Context, holder: str) -> list[dict[str, object]]:
    """A reseller's own quotas (1.7 with indirect_partner_id): those issued to it; reclaimed = 3 invalid."""
    last = app.world.last_day
    out = []
    for q in app.world.distributor.issued_quotas:
        if q.reseller.indirect_partner_id == holder and q.visible(last):
            row = q.to_json(last)
            for key in ("indirect_partner_id", "indirect_partner_account_name", "indirect_partner_name"):
                row.pop(key)
            row["quota_status"] = 3 if row["quota_status"] == 6 else row["quota_status"]
            out.append(row)
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
    holder = checked_holder(app.world, p)
    offset, limit = p.page(100)
    rows = [
        q
        for q in (_quotas(app) if holder is None else reseller_quotas(app, holder))
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
    last = app.world.last_day
    rows = [
        q.to_json(last)
        for q in app.world.distributor.issued_quotas
        if q.visible(last)
        and (not quota_id or q.quota_id == quota_id)
        and (not holder or q.reseller.indirect_partner_id == holder)
        and (not parent or q.parent_quota_id == parent)
    ]
    return ok({"total_count": len(rows), "quotas": window(rows, offset, limit)})


def quota_records(app: Context, req: Request) -> Answer:
    p = req.params
    holder = checked_holder(app.world, p)
    quota_id, parent = p.text("quota_id"), p.text("parent_quota_id")
    operation_type = p.text("operation_type", choices=("10", "11"))
    begin, end = p.utc("operation_time_begin"), p.utc("operation_time_end")
    offset, limit = p.page(100)
    last = app.world.last_day
    rows = [
        r
        for q in app.world.distributor.issued_quotas
        if (not holder or q.reseller.indirect_partner_id == holder)
        and (not quota_id or q.quota_id == quota_id)
        and (not parent or q.parent_quota_id == parent)
        for r in q.records(last)
        if (not operation_type or r["operation_type"] == operation_type)
        and (begin is None or str(r["operation_time"]) >= utc_text(begin))
        and (end is None or str(r["operation_time"]) <= utc_text(end))
    ]
    rows.sort(key=lambda r: (str(r["operation_time"]), str(r["id"])))
    return ok({"total_count": len(rows), "records": window(rows, offset, limit)})
