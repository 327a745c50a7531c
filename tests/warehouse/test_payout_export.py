"""The payout export's column mapping (?): renamed headers load once the partner's config names them, and
without it the file is refused naming the missing column; the config's own mistakes name the file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from wh_helpers import memory_warehouse

from warehouse.console_files import ExportFormatError
from warehouse.loaders.payout_applications import load_payouts
from warehouse.payout_export import is_payout_export, read_header_aliases

ROOT = Path(__file__).resolve().parents[2]


def _renamed(path: Path) -> Path:
    path.write_text(
        "\ufeff申付编号,对账期次,实际申付金额,状态,申请时间,激励账单ID,备注\n"
        'AP1,2026/09,"1,234.56",已完成,2026/10/08 10:00:00,"IB1, IB2",x\n'
        "AP2,202609,0.10,审核中,2026-10-09,IB3,\n",
        encoding="utf-8",
    )
    return path


def test_renamed_headers_load_with_the_mapping(tmp_path: Path) -> None:
    export = _renamed(tmp_path / "申请记录.csv")
    assert not is_payout_export(export)
    con = memory_warehouse()
    missing = r"required column missing: application_no \(one of: 申付单号"
    with pytest.raises(ExportFormatError, match=missing):
        load_payouts(con, export, partner_domain_id="p")
    aliases = read_header_aliases(ROOT / "config" / "payout_export.example.toml")
    assert aliases == {"application_no": ("申付编号",), "applied_amount": ("实际申付金额",)}
    assert is_payout_export(export, aliases)
    report = load_payouts(con, export, partner_domain_id="p", extra_headers=aliases)
    assert report.rows_loaded == 2
    rows = con.execute(
        "SELECT application_no, incentive_period, applied_amount, status, applied_at, incentive_bill_ids, "
        "extra FROM billing.incentive_payout_applications ORDER BY 1"
    ).fetchall()
    assert [r[:6] for r in rows] == [
        ("AP1", "2026-09", Decimal("1234.56"), "paid", "2026-10-08 10:00:00", "IB1, IB2"),
        ("AP2", "2026-09", Decimal("0.1"), "reviewing", "2026-10-09", "IB3"),
    ]


def test_mapping_config_mistakes_name_the_file(tmp_path: Path) -> None:
    assert read_header_aliases(tmp_path / "absent.toml") == {}
    bad = tmp_path / "payout_export.toml"
    bad.write_text('[headers]\namount = ["金额"]\n', encoding="utf-8")
    unknown = rf"{bad.name}: header aliases name unknown columns \['amount'\]; known: application_no"
    with pytest.raises(ExportFormatError, match=unknown):
        read_header_aliases(bad)
    bad.write_text('[headers]\napplied_amount = "金额"\n', encoding="utf-8")
    with pytest.raises(ExportFormatError, match=rf"{bad.name}: expected only a \[headers\] table"):
        read_header_aliases(bad)
