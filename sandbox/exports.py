"""Console exports the real Partner Center only offers as files: incentive details (§1.11), plan rates."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import xlsxwriter

from sandbox import catalog as cat
from sandbox.billing_calendar import BEIJING_OFFSET
from sandbox.incentives import plan_table
from sandbox.world import World

COLUMNS: tuple[tuple[str, str], ...] = (
    ("激励账单ID", "Incentive Bill ID"),
    ("激励数据ID", "Incentive Data ID"),
    ("年份", "Year"),
    ("对账期次", "Reconciliation Period"),
    ("激励计划名称", "Incentive Plan Name"),
    ("订单号", "Order No."),
    ("客户名称", "Customer Name"),
    ("客户账号名", "Customer Account"),
    ("客户经理姓名", "Account Manager"),
    ("产品类型", "Product Type"),
    ("关联类型", "Association Type"),
    ("计费模式", "Billing Mode"),
    ("基础金额", "Base Amount"),
    ("激励比例", "Incentive Rate"),
    ("激励金额", "Incentive Amount"),
    ("状态", "Status"),
    ("二级经销商名称", "Reseller Name"),
)


def incentive_rows(world: World, month: str, lang: str = "zh") -> list[list[str]]:
    """The export's rows as text (amounts exact, never through float); header first."""
    if lang not in ("zh", "en"):
        raise ValueError("lang must be zh or en")
    if not world.month_final(month):
        raise ValueError(f"incentives of {month} are published from the 5th of the following month")
    pick = 0 if lang == "zh" else 1
    status = (cat.STATUS_PAID if world.incentive_paid(month) else cat.STATUS_PENDING)[pick]
    rows = [[column[pick] for column in COLUMNS]]
    for item in world.incentives(month):
        rows.append(
            [
                item.incentive_bill_id,
                item.incentive_data_id,
                month[:4],
                month,
                cat.PLAN_NAME,
                "",
                item.customer.name,
                item.customer.account_name,
                item.customer.manager_name,
                item.product_type,
                cat.ASSOCIATION_TEXT[item.customer.association_type][pick],
                cat.CHARGING_MODE_TEXT[item.charging_mode][pick],
                format(item.base_amount, "f"),
                format(item.rate, "f"),
                format(item.incentive_amount, "f"),
                status,
                "",
            ]
        )
    return rows


def incentive_export_bytes(world: World, month: str, fmt: str = "xlsx", lang: str = "zh") -> bytes:
    """Month's 激励明细 export: XLSX (amounts as numbers) or CSV (UTF-8 BOM, amounts as exact text).

    Same world, same bytes (the workbook's creation time is pinned), so an inbox can dedupe by content hash.
    """
    rows = incentive_rows(world, month, lang)
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        return text.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError("format must be xlsx or csv")
    numeric = {12, 13, 14}
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime(int(month[:4]), int(month[5:7]), 1)})
    sheet = workbook.add_worksheet("激励明细" if lang == "zh" else "Incentive Details")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r > 0 and c in numeric:
                sheet.write_number(r, c, float(value))
            elif r > 0 and c == 2:
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


def export_incentives(world: World, month: str, out: Path, fmt: str = "xlsx", lang: str = "zh") -> Path:
    """Write `incentive_export_bytes` to `out` (the console's 导出 download)."""
    data = incentive_export_bytes(world, month, fmt, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def export_plans(out: Path) -> Path:
    """The partner's plan rates (plan_name, product_type, rate) as CSV, the warehouse's config input."""
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = plan_table()
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["plan_name", "product_type", "rate"])
        writer.writeheader()
        writer.writerows(rows)
    return out


PAYOUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("申付单号", "Application No."),
    ("对账期次", "Reconciliation Period"),
    ("申付金额", "Applied Amount"),
    ("状态", "Status"),
    ("申请时间", "Application Time"),
    ("激励账单ID", "Incentive Bill ID"),
)


def payout_rows(world: World, lang: str = "zh") -> list[list[str]]:
    """激励申付 > 申请记录 as text rows (amounts exact; Beijing times, as the console shows); header first."""
    if lang not in ("zh", "en"):
        raise ValueError("lang must be zh or en")
    pick = 0 if lang == "zh" else 1
    rows = [[column[pick] for column in PAYOUT_COLUMNS]]
    for app in world.payout_applications():
        local = app.applied_at + BEIJING_OFFSET
        rows.append(
            [
                app.application_no,
                app.period,
                format(app.amount, "f"),
                app.status[pick],
                local.strftime("%Y-%m-%d %H:%M:%S"),
                app.incentive_bill_id,
            ]
        )
    return rows


def payout_export_bytes(world: World, fmt: str = "xlsx", lang: str = "zh") -> bytes:
    """The payout-applications export: XLSX (amounts as numbers) or CSV (UTF-8 BOM); same world, same
    bytes."""
    rows = payout_rows(world, lang)
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        return text.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError("format must be xlsx or csv")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    day = world.last_day
    workbook.set_properties({"created": datetime(day.year, day.month, day.day)})
    sheet = workbook.add_worksheet("申请记录" if lang == "zh" else "Applications")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r > 0 and c == 2:
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


def export_payouts(world: World, out: Path, fmt: str = "xlsx", lang: str = "zh") -> Path:
    """Write `payout_export_bytes` to `out` (the console's 导出 of 申请记录)."""
    data = payout_export_bytes(world, fmt, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
