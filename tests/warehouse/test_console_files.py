"""Incentive console exports: XLSX and CSV, zh or en headers in any order; renamed headers reject the file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from warehouse.connection import writer
from warehouse.console_files import ExportFormatError, file_sha256
from warehouse.loaders.incentive_records import load_incentives

ZH = [
    "激励账单ID",
    "激励数据ID",
    "年份",
    "对账期次",
    "激励计划名称",
    "订单号",
    "客户名称",
    "客户账号名",
    "客户经理姓名",
    "产品类型",
    "关联类型",
    "计费模式",
    "激励基数",
    "激励比例",
    "激励金额",
    "状态",
    "二级经销商名称",
]
EN = [
    "Incentive Bill ID",
    "Incentive Data ID",
    "Year",
    "Reconciliation Period",
    "Incentive Plan Name",
    "Order No.",
    "Customer Name",
    "Customer Account",
    "Account Manager",
    "Product Type",
    "Association Type",
    "Billing Mode",
    "Base Amount",
    "Incentive Rate",
    "Incentive Amount",
    "Status",
    "Reseller Name",
]
ROWS = [
    [
        "IB-1",
        "ID-1",
        "2026",
        "2026-01",
        "Growth",
        "O-1",
        "Acme",
        "acme01",
        "Wang",
        "hws.service.type.ec2",
        "代售",
        "按需",
        "1000.50",
        "0.05",
        "50.025",
        "已完成",
        "",
    ],
    [
        "IB-1",
        "ID-2",
        "2026",
        "2026-01",
        "Growth",
        "O-2",
        "Beta",
        "beta01",
        "Li",
        "hws.service.type.obs",
        "代售",
        "包年/包月",
        "200",
        "0.03",
        "6",
        "待申付",
        "",
    ],
    [
        "IB-2",
        "ID-3",
        "2026",
        "2026-02",
        "Core",
        "O-3",
        "Acme",
        "acme01",
        "Wang",
        "hws.service.type.ec2",
        "代售",
        "按需",
        "80.10",
        "0.04",
        "3.204",
        "已完成",
        "R1",
    ],
]
EXPECTED_STATUS = {"ID-1": "paid", "ID-2": "pending", "ID-3": "paid"}


def _write_csv(
    path: Path, headers: list[str], rows: list[list[str]], order: list[int], encoding: str
) -> Path:
    lines = [",".join(headers[i] for i in order)] + [",".join(r[i] for i in order) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _write_xlsx(path: Path, headers: list[str], rows: list[list[str]], order: list[int]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    numeric = {
        "Year",
        "年份",
        "Base Amount",
        "激励基数",
        "Incentive Rate",
        "激励比例",
        "Incentive Amount",
        "激励金额",
    }
    for col, i in enumerate(order):
        sheet.write(0, col, headers[i])
        for r, row in enumerate(rows, start=1):
            value = row[i]
            if headers[i] in numeric and value:
                sheet.write_number(r, col, float(value))
            else:
                sheet.write_string(r, col, value)
    book.close()
    return path


SHUFFLED = [16, 3, 14, 0, 12, 1, 13, 2, 4, 5, 6, 7, 8, 9, 10, 11, 15]


@pytest.mark.parametrize(
    ("kind", "headers"),
    [("csv", ZH), ("csv-gbk", ZH), ("csv", EN), ("xlsx", ZH), ("xlsx", EN)],
    ids=["csv-zh", "csv-gbk-zh", "csv-en", "xlsx-zh", "xlsx-en"],
)
def test_export_files_load_with_any_header_language_and_order(
    tmp_path: Path, kind: str, headers: list[str]
) -> None:
    if kind.startswith("csv"):
        path = _write_csv(
            tmp_path / "export.csv", headers, ROWS, SHUFFLED, "gb18030" if kind == "csv-gbk" else "utf-8"
        )
    else:
        path = _write_xlsx(tmp_path / "export.xlsx", headers, ROWS, SHUFFLED)
    with writer(tmp_path / "w.duckdb") as con:
        result = load_incentives(con, path, run_id="r")
        rows = con.execute(
            "SELECT incentive_data_id, incentive_period, base_amount, rate, incentive_amount, status, "
            "status_raw, "
            "year, source_file, file_sha256 FROM billing.incentive_records ORDER BY 1"
        ).fetchall()
    assert result.rows_in == 3 == result.rows_loaded
    assert sorted(result.partitions) == ["2026-01", "2026-02"]
    by_id = {r[0]: r for r in rows}
    for src in ROWS:
        row = by_id[src[1]]
        assert row[1] == src[3]
        assert row[2] == Decimal(src[12])
        assert row[3] == Decimal(src[13])
        assert row[4] == Decimal(src[14])
        assert row[5] == EXPECTED_STATUS[src[1]]
        assert row[6] == src[15]
        assert row[7] == 2026
        assert row[8] == path.name
        assert row[9] == file_sha256(path)
    assert result.amount_totals["incentive_amount"] == sum(Decimal(r[14]) for r in ROWS)


def test_renamed_required_header_rejects_the_file_with_a_clear_reason(tmp_path: Path) -> None:
    renamed = list(EN)
    renamed[14] = "Rebate Value"
    path = _write_csv(tmp_path / "export.csv", renamed, ROWS, list(range(17)), "utf-8")
    with writer(tmp_path / "w.duckdb") as con:
        with pytest.raises(ExportFormatError) as caught:
            load_incentives(con, path)
        assert con.execute("SELECT count(*) FROM billing.incentive_records").fetchall() == [(0,)]
    message = str(caught.value)
    assert "incentive_amount" in message
    assert "激励金额" in message
    assert "Rebate Value" in message


def test_unknown_header_is_drift_and_bad_rows_are_quarantined(tmp_path: Path) -> None:
    headers = [*EN, "Campaign"]
    rows = [[*r, "spring"] for r in ROWS]
    rows[1][3] = "January"  # not a YYYY-MM period
    rows[2][14] = "3.3"  # base × rate = 3.204: S rule, warned by default
    path = _write_csv(tmp_path / "export.csv", headers, rows, list(range(18)), "utf-8")
    with writer(tmp_path / "w.duckdb") as con:
        result = load_incentives(con, path)
        extra = con.execute(
            "SELECT extra FROM billing.incentive_records WHERE incentive_data_id = 'ID-1'"
        ).fetchall()
        drift = con.execute("SELECT dataset, field, sample FROM audit.schema_drift").fetchall()
        q = con.execute("SELECT record_key, reasons, raw_record FROM audit.quarantine").fetchall()
    assert result.rows_in == 3 == result.rows_loaded + result.rows_quarantined
    assert result.rows_quarantined == 1
    assert result.warnings == {"s_incentive_amount": 1}
    assert json.loads(extra[0][0]) == {"Campaign": "spring"}
    assert drift == [("incentive_records", "Campaign", '"spring"')]
    assert q[0][0] == "ID-2"
    assert "period_is_month" in q[0][1]
    assert json.loads(q[0][2])["Reconciliation Period"] == "January"
