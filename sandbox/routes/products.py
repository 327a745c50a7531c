"""API 1.10: incentive discount policies per service."""

from __future__ import annotations

from sandbox import catalog as cat
from sandbox.answers import Answer, ok, window
from sandbox.routes.request import Context, Request


def incentive_policies(app: Context, req: Request) -> Answer:
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
