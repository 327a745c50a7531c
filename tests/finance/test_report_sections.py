"""The report's HTML beyond the findings: month over month per customer, Chinese labels that fit, no empty
charts, the settings as a table, and the Chinese report (`--lang zh`), on a real DuckDB month."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from recon_world import MONTH, PLAN_RATES, PRODUCT_POLICIES, build_world, open_warehouse

from finance.reconciliation.engine import reconcile_month
from finance.reconciliation.settings import ReconciliationSettings
from finance.report_sections import fit_label, text_width
from finance.reports import read_report_data, render_html

SETTINGS = ReconciliationSettings(plan_rates=PLAN_RATES, product_policies=PRODUCT_POLICIES)
NAME = "深圳云图科技有限公司"
EC2, RDS = "hws.service.type.ec2", "hws.service.type.rds"


def test_month_over_month_settings_table_and_chinese_labels(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    build_world().load(con)
    con.execute("UPDATE billing.customers SET customer = ? WHERE customer_id = 'C1'", [NAME])
    # February: C1's EC2 at twice March's amount, and an RDS that March no longer has.
    con.execute(
        "INSERT INTO billing.consumption_records BY NAME "
        "SELECT * REPLACE ('2026-02' AS bill_cycle, id || '-feb' AS id, "
        "payment_amount * 2 AS payment_amount) "
        "FROM billing.consumption_records WHERE customer_id = 'C1' AND service_type_code = ?",
        [EC2],
    )
    con.execute(
        "INSERT INTO billing.consumption_records BY NAME "
        "SELECT * REPLACE ('2026-02' AS bill_cycle, id || '-rds' AS id, ? AS service_type_code, "
        "'关系型数据库' AS service_type_name, CAST(12.34 AS DECIMAL(38, 10)) AS payment_amount) "
        "FROM billing.consumption_records WHERE customer_id = 'C1' LIMIT 1",
        [RDS],
    )
    ec2 = con.execute(
        "SELECT sum(payment_amount) FROM billing.consumption_records "
        "WHERE bill_cycle = ? AND customer_id = 'C1' AND service_type_code = ?",
        [MONTH, EC2],
    ).fetchone()[0]
    result = reconcile_month(con, MONTH, SETTINGS)
    data = read_report_data(con, result.run_id)
    con.close()

    mom = {(r["customer_id"], r["service_type_code"]): r for r in data.month_over_month.iter_rows(named=True)}
    assert mom[("C1", EC2)]["trend"] == "shrank"
    assert mom[("C1", EC2)]["change"] == -ec2
    assert (mom[("C1", RDS)]["trend"], mom[("C1", RDS)]["change"]) == ("stopped", Decimal("-12.34"))
    assert {r["trend"] for k, r in mom.items() if k[0] == "C2"} == {"started"}

    html = render_html(data, dt.datetime(2026, 4, 6, 1, 0), "zh")
    section = html.split('id="month-over-month"')[1].split("</div>")[0]
    assert f"<h3>{NAME} <small>C1</small></h3>" in section
    assert "关系型数据库" in section
    assert "停止" in section
    assert "下降" in section
    assert "<pre>" not in html
    assert re.search(r'<table id="settings">.*<td>tolerance</td><td>0.01</td>', html, re.S)
    assert "本次运行的设置" in html
    # R1 matched for every customer: no variance chart of zero bars; the others are drawn
    assert data.unexplained.is_empty()
    assert set(data.variance["difference"].to_list()) == {0}
    assert "各客户 R1 差额" not in html
    assert len(re.findall(r"<svg", html)) == 2
    assert "每日消费" in html
    assert "应付激励与已付激励" in html


def test_variance_chart_labels_chinese_names_whole(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    build_world().load(con)
    con.execute("UPDATE billing.customers SET customer = ? WHERE customer_id = 'C1'", [NAME])
    con.execute(
        "UPDATE billing.monthly_bills SET amount = amount + 7.5 WHERE customer_id = 'C1' AND amount = "
        "(SELECT max(amount) FROM billing.monthly_bills WHERE customer_id = 'C1')"
    )
    data = read_report_data(con, reconcile_month(con, MONTH, SETTINGS).run_id)
    con.close()
    html = render_html(data, dt.datetime(2026, 4, 6, 1, 0), "zh")
    chart = html.split("各客户 R1 差额")[-1].split("</svg>")[0]
    assert f">{NAME}</text>" in chart  # the whole name: the label column is as wide as it needs
    assert "-7.50" in chart


def test_a_label_too_long_is_cut_to_fit_with_an_ellipsis() -> None:
    label = NAME * 3
    cut = fit_label(label, 10, 120)
    assert cut.endswith("…")
    assert text_width(cut, 10) <= 120
    assert label.startswith(cut[:-1])
    assert fit_label("Acme", 10, 120) == "Acme"
