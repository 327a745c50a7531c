"""API 1.1: consumption records (res-fee-records) and the customers with consumption in a cycle."""

from __future__ import annotations

from sandbox.answers import Answer, ok, window
from sandbox.billing_calendar import month_end, month_start
from sandbox.holder_view import holder_records
from sandbox.params import Params, invalid
from sandbox.routes.request import Context, Request, checked_holder
from sandbox.wire import json_pieces

FEE_RECORDS = "/v2/bills/subcustomer-bills/res-fee-records"


def fee_records(app: Context, req: Request) -> Answer:
    p = req.params
    cycle = p.month("bill_cycle")
    customer_id = p.text("customer_id", required=True)
    service = p.text("service_type_code")
    region = p.text("region_code")
    charging_mode = p.integer("charging_mode", None, 1, 11)
    if charging_mode is not None and charging_mode not in (1, 3, 10, 11):
        raise invalid("charging_mode", "one of 1, 3, 10, 11")
    detail_type = p.integer("bill_detail_type", None, 0, 999)
    resource_id, resource_name, trade_id = p.text("resource_id"), p.text("resource_name"), p.text("trade_id")
    association = p.text("association_type", choices=("1", "2"))
    p.text("account_manager_id")
    holder = checked_holder(app.world, p)
    begin, end = p.day("bill_date_begin"), p.day("bill_date_end")
    offset, limit = p.page(1000)
    assert cycle is not None
    # as the real API (spec §1.1): one bill date alone, or a range outside the cycle, means the whole cycle
    if begin is None or end is None or not (month_start(cycle) <= begin <= end <= month_end(cycle)):
        begin = end = None
    customer = app.world.customer_by_id.get(customer_id or "")
    records = []
    served, whole = holder_records(app.world, customer, holder, cycle) if customer else ([], False)
    if customer is not None and served:
        filters = (
            not whole
            or begin is not None
            or service
            or region
            or charging_mode is not None
            or detail_type is not None
            or resource_id
            or resource_name
            or trade_id
            or association
        )
        records = (
            served
            if not filters
            else [
                r
                for r in served
                if (begin is None or end is None or begin <= r.bill_date <= end)
                and (not service or r.service.code == service)
                and (not region or r.region_code == region)
                and (charging_mode is None or r.charging_mode == charging_mode)
                and (detail_type is None or r.bill_detail_type == detail_type)
                and (not resource_id or r.resource_id == resource_id)
                and (not resource_name or resource_name in r.json.decode())
                and (not trade_id or r.trade_id == trade_id)
                and (not association or r.customer.association_type == association)
            ]
        )
        fault = p.values.get("__fault__")
        if fault == "drift" and records:
            app.stats.faults["drift"] += 1
            app.world.add_drift_record(customer, cycle, records[0])
            return fee_records(
                app,
                Request(
                    req.method,
                    req.path,
                    req.raw_path,
                    req.query,
                    req.headers,
                    req.body,
                    Params({k: v for k, v in p.values.items() if k != "__fault__"}),
                    req.route,
                ),
            )
        page = window(records, offset, limit)
        if fault == "dupe" and len(page) > 1:
            app.stats.faults["dupe"] += 1
            page = ([records[offset - 1], *page[:-1]]) if offset > 0 else ([*page[:-1], page[0]])
            listed = b"".join(json_pieces(page)[:-1])
        elif filters:
            listed = b"".join(json_pieces(page)[:-1])
        else:
            listed = app.world.served_body(customer, cycle, offset, limit)
    else:
        listed = b""
    body = b"".join(
        (
            b'{"total_count":',
            str(len(records)).encode(),
            b',"currency":"CNY","fee_records":[',
            listed,
            b"]}",
        )
    )
    return Answer(200, body)


def consume_sub_customers(app: Context, req: Request) -> Answer:
    p = req.params
    cycle = p.month("bill_cycle")
    offset, limit = p.page(100)
    holder = checked_holder(app.world, p)  # not in the SDK's body; a distributor's reseller view (?)
    assert cycle is not None
    ids = app.world.consumption_customers(cycle, holder)
    return ok(
        {"total_count": len(ids), "sub_customers": [{"customer_id": i} for i in window(ids, offset, limit)]}
    )
