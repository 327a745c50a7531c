"""Console exports that must not damage loaded data: encodings told apart or refused, bad cells quarantined,
partial files merged, files that would lower a loaded period held, invalid periods never recorded."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from warehouse.connection import writer
from warehouse.console_files import ExportFormatError
from warehouse.loaders.incentive_records import HeldExport, load_incentives

EN = ["Incentive Bill ID", "Incentive Data ID", "Reconciliation Period", "Customer Name", "Base Amount",
      "Incentive Rate", "Incentive Amount", "Status"]
ZH = ["激励账单ID", "激励数据ID", "对账期次", "客户名称", "基础金额", "激励比例", "激励金额", "状态"]


def row(data_id: str, name: str, base: str = "1000.00", rate: str = "0.05", amount: str = "50.00",
        period: str = "2026-11", status: str = "paid") -> list[str]:
    return ["IB-1", data_id, period, name, base, rate, amount, status]


def write_csv(path: Path, headers: list[str], rows: list[list[str]], encoding: str = "utf-8",
              sep: str = ",") -> Path:
    text = "\n".join(sep.join(r) for r in [headers, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def table(con_path: Path) -> list[tuple[object, ...]]:
    with writer(con_path) as con:
        return con.execute(
            "SELECT incentive_data_id, incentive_period, customer_name, base_amount, rate, incentive_amount, "
            "status_raw FROM billing.incentive_records ORDER BY 1"
        ).fetchall()


def load(db: Path, path: Path, mode: str = "merge") -> None:
    with writer(db) as con:
        load_incentives(con, path, mode=mode)  # type: ignore[arg-type]


SIMPLIFIED = ["华为云计算技术有限公司", "北京字节跳动科技有限公司", "深圳市腾讯计算机系统有限公司"]
TRADITIONAL = ["臺灣雲端股份有限公司", "台北資訊科技有限公司", "高雄數據服務股份有限公司"]


@pytest.mark.parametrize(
    ("encoding", "headers", "names", "sep"),
    [
        ("utf-8", ZH, SIMPLIFIED, ","),
        ("utf-8-sig", EN, SIMPLIFIED, ","),
        ("gb18030", ZH, SIMPLIFIED, ","),
        ("big5", EN, TRADITIONAL, ","),
        ("utf-16", ZH, SIMPLIFIED, "\t"),  # Excel's "Unicode text": UTF-16 with BOM, tab-separated
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "big5", "utf-16-bom"],
)
def test_encodings_are_detected_and_names_kept_exactly(tmp_path: Path, encoding: str, headers: list[str],
                                                       names: list[str], sep: str) -> None:
    rows = [row(f"ID-{i}", name, amount=f"5{i}.25") for i, name in enumerate(names)]
    path = write_csv(tmp_path / "export.csv", headers, rows, encoding, sep)
    if encoding == "utf-16":
        assert path.read_bytes().startswith(codecs.BOM_UTF16_LE)
    load(tmp_path / "w.duckdb", path)
    got = table(tmp_path / "w.duckdb")
    assert [(r[0], r[2], r[5]) for r in got] == [
        (f"ID-{i}", name, Decimal(f"5{i}.25")) for i, name in enumerate(names)
    ]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("\n".join([",".join(EN), ",".join(row("ID-1", "日本クラウド株式会社"))]).encode("shift_jis"),
         "encoded as shift_jis (Japanese), not an export encoding"),
        # 0xB0A1 is 啊 in GB18030 and 陛 in Big5: both common characters, the headers are ASCII
        (b",".join(h.encode() for h in EN) + b"\nIB-1,ID-1,2026-11,\xb0\xa1,1000,0.05,50,paid\n",
         "ambiguous encoding: reads as gb18030 (simplified Chinese) and big5 (traditional Chinese)"),
        (",".join(EN).encode("utf-16-le"), "contains NUL bytes: UTF-16 without a byte-order mark"),
        (",".join(ZH).encode("gb18030") + b"\nIB-1,ID-1,2026-11,\xff\xfe\xff,1000,0.05,50,paid\n",
         "cannot tell the encoding"),
    ],
    ids=["shift-jis", "gb18030-or-big5", "utf-16-no-bom", "garbage"],
)
def test_unclear_encodings_are_refused_with_the_reason(tmp_path: Path, data: bytes, why: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    refused = pytest.raises(ValueError, match="save it as CSV UTF-8")
    with writer(tmp_path / "w.duckdb") as con, refused as caught:
        load_incentives(con, path)
    assert why in str(caught.value)
    assert table(tmp_path / "w.duckdb") == []


def test_bad_cells_are_quarantined_with_their_reason(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, EN)
    sheet.write_row(1, 0, row("GOOD", "Acme", base="1,234.56", amount="61.728"))
    sheet.write_row(2, 0, row("FORMULA", "Acme"))
    sheet.write_formula(2, 6, "=E3*F3")  # xlsxwriter stores no calculated value (fullCalcOnLoad)
    sheet.write_row(3, 0, row("COMMAS", "Acme", base="1,2,3"))
    sheet.write_row(4, 0, row("NEG-RATE", "Acme", rate="-0.05", amount="-50"))
    sheet.write_row(5, 0, row("RATE-250", "Acme", rate="250%", amount="2500"))
    sheet.write_row(6, 0, row("NEG-BASE", "Acme", base="-1000", amount="-50", rate="0.05"))
    book.close()
    db = tmp_path / "w.duckdb"
    load(db, path)
    assert [(r[0], r[3], r[5]) for r in table(db)] == [("GOOD", Decimal("1234.56"), Decimal("61.728"))]
    with writer(db) as con:
        q = {k: (json.loads(r), json.loads(raw)) for k, r, raw in con.execute(
            "SELECT record_key, reasons, raw_record FROM audit.quarantine").fetchall()}
    assert set(q) == {"FORMULA", "COMMAS", "NEG-RATE", "RATE-250", "NEG-BASE"}
    assert any("cell G3: formula =E3*F3 has no calculated value" in r for r in q["FORMULA"][0])
    assert any("malformed number '1,2,3'" in r for r in q["COMMAS"][0])
    assert q["COMMAS"][1]["Base Amount"] == "1,2,3"
    for key in ("NEG-RATE", "RATE-250"):
        assert any(r.startswith("rate_is_fraction: rate must be a fraction from 0 to 1") for r in q[key][0])
    assert q["RATE-250"][1]["Incentive Rate"] == "250%"
    assert any(r.startswith("base_not_negative") for r in q["NEG-BASE"][0])


def test_merge_keeps_unmentioned_rows_and_holds_what_would_lower_a_period(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    full = [row(f"ID-{i}", f"C{i}", amount=f"{i}0.00", status="pending") for i in range(1, 6)]
    load(db, write_csv(tmp_path / "full.csv", EN, full))
    loaded = table(db)
    assert len(loaded) == 5

    # a console export filtered by status: 2 rows, one newly paid -> merged, the other 3 kept
    partial = [row("ID-1", "C1", amount="10.00", status="paid"), row("ID-6", "C6", amount="60.00")]
    load(db, write_csv(tmp_path / "partial.csv", EN, partial))
    after = table(db)
    assert [r[0] for r in after] == [f"ID-{i}" for i in range(1, 7)]
    assert after[0][6] == "paid"
    assert after[1:5] == loaded[1:5]

    # the same file again: the same table
    load(db, tmp_path / "partial.csv")
    assert table(db) == after

    lower = [row("ID-2", "C2", amount="19.99", status="pending")]
    moved = [row("ID-3", "C3", amount="30.00", status="pending", period="2026-10")]
    for name, rows, lowered in [("lower.csv", lower, "2026-11: 6 -> 6 rows, incentive 210.00 -> 209.99 CNY"),
                                ("moved.csv", moved, "2026-11: 6 -> 5 rows, incentive 210.00 -> 180.00 CNY")]:
        with writer(db) as con, pytest.raises(HeldExport) as caught:
            load_incentives(con, write_csv(tmp_path / name, EN, rows))
        assert lowered in str(caught.value)
        assert table(db) == after
    with writer(db) as con:
        assert con.execute("SELECT count(*) FROM audit.load_log").fetchall() == [(3,)]

    invalid = [row(f"ID-{i}", f"C{i}", rate="2.5") for i in range(1, 7)]
    with writer(db) as con, pytest.raises(ExportFormatError) as rejected:
        load_incentives(con, write_csv(tmp_path / "invalid.csv", EN, invalid))
    assert "none of its 6 rows is valid (6x rate_is_fraction" in str(rejected.value)
    assert table(db) == after

    # a person says the 1-row file is the complete 2026-11: replace
    load(db, tmp_path / "lower.csv", mode="replace")
    assert [(r[0], r[5]) for r in table(db)] == [("ID-2", Decimal("19.99"))]


def test_only_real_months_are_recorded_as_partitions(tmp_path: Path) -> None:
    rows = [row("ID-1", "A"), row("ID-2", "B", period="2026-13"), row("ID-3", "C", period="abc")]
    db = tmp_path / "w.duckdb"
    load(db, write_csv(tmp_path / "periods.csv", EN, rows))
    with writer(db) as con:
        assert con.execute("SELECT partitions FROM audit.load_log").fetchall() == [(["2026-11"],)]
        q = con.execute("SELECT record_key, partition_key FROM audit.quarantine ORDER BY 1").fetchall()
    assert q == [("ID-2", "2026-11..2026-11"), ("ID-3", "2026-11..2026-11")]  # the load's span
    assert [r[0] for r in table(db)] == ["ID-1"]
