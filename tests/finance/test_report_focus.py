"""marts.focus_charges: the consumption records in FOCUS column names, amounts and periods unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from recon_world import build_world, open_warehouse


def test_focus_view_maps_records_to_focus_columns(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    world = build_world()
    world.load(con)
    records = world.tables["billing.consumption_records"]
    rows = con.execute(
        "SELECT x_RecordId, BilledCost, ListCost, ChargeCategory, ChargePeriodStart, ChargePeriodEnd, "
        "BillingPeriodStart, BillingPeriodEnd, SubAccountId, SubAccountName, ServiceName, RegionId, "
        "BillingCurrency, ChargeFrequency FROM marts.focus_charges ORDER BY x_RecordId"
    ).fetchall()
    assert len(rows) == len(records)
    assert sum((r[1] for r in rows), Decimal(0)) == sum((r["payment_amount"] for r in records), Decimal(0))
    by_id = {r["id"]: r for r in records}
    for (
        rid,
        billed,
        listed,
        category,
        start,
        end,
        bstart,
        bend,
        sub,
        subname,
        service,
        region,
        cur,
        freq,
    ) in rows:
        rec = by_id[rid]
        assert billed == rec["payment_amount"]
        assert listed == rec["official_amount"]
        # Beijing bill day 00:00 = 16:00 UTC the day before; periods are one day / one month long.
        assert start == dt.datetime.combine(rec["bill_date"], dt.time()) - dt.timedelta(hours=8)
        assert end - start == dt.timedelta(days=1)
        assert (bstart, bend) == (dt.datetime(2026, 2, 28, 16), dt.datetime(2026, 3, 31, 16))
        assert sub == rec["customer_id"]
        assert service == rec["service_type_code"]
        assert (region, cur) == ("cn-north-4", "CNY")
        expected = (
            "Credit"
            if rec["bill_detail_type"] == 4
            else ("Usage" if rec["charging_mode"] == 3 else "Purchase")
        )
        assert category == expected
        assert freq == ("Usage-Based" if rec["charging_mode"] == 3 else "One-Time")
    names = {r[8]: r[9] for r in rows}
    assert names["C1"] == "acme-cloud"
