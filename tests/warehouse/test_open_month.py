"""marts.open_month_to_date on a real migrated DuckDB: month to date per customer, billed vs not yet billed,
beside the same days of the month before; the open month comes from the data, not the clock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from wh_helpers import memory_warehouse

ROWS = [  # (id, customer, association, bill_date, payment)
    ("a1", "C1", "2", date(2026, 11, 2), "10.00"),
    ("a2", "C1", "2", date(2026, 11, 5), "5.50"),
    ("a3", "C1", "2", date(2026, 10, 3), "7.25"),
    ("a4", "C1", "2", date(2026, 10, 6), "100.00"),  # after the 5th: not one of the same days
    ("b1", "C2", "1", date(2026, 11, 1), "3.00"),
    ("b2", "C2", "1", date(2026, 9, 30), "9.99"),  # two months back: outside
]


def test_open_month_to_date_per_customer() -> None:
    con = memory_warehouse()
    for rid, customer, association, day, amount in ROWS:
        con.execute(
            "INSERT INTO billing.consumption_records (id, bill_date, bill_cycle, customer_id, "
            "association_type, payment_amount, partner_domain_id, load_id) "
            "VALUES (?, ?, ?, ?, ?, ?, 'P', 'L')",
            [rid, day, f"{day:%Y-%m}", customer, association, Decimal(amount)],
        )
    con.execute(
        "INSERT INTO billing.monthly_bills (cycle, customer_id, cloud_service_type, resource_type_code, "
        "bill_type, charge_mode, amount, version, partner_domain_id, load_id) "
        "VALUES ('2026-11', 'C1', 's', 'r', 0, 3, 10.00, 1, 'P', 'L'), "
        "('2026-10', 'C1', 's', 'r', 0, 3, 99, 1, 'P', 'L')"
    )
    con.execute(
        "INSERT INTO billing.customers (customer_id, account_name, indirect_partner_id, partner_domain_id, "
        "load_id) VALUES ('C1', 'acme', 'R9', 'P', 'L')"
    )
    rows = con.execute(
        "SELECT open_month, as_of_bill_date, customer_id, indirect_partner_id, month_to_date_amount, "
        "billed_amount, not_yet_billed_amount, last_month_same_days_amount, change_amount "
        "FROM marts.open_month_to_date ORDER BY customer_id"
    ).fetchall()
    assert rows == [
        (
            "2026-11",
            date(2026, 11, 5),
            "C1",
            "R9",
            Decimal("15.5"),
            Decimal("10"),
            Decimal("5.5"),
            Decimal("7.25"),
            Decimal("8.25"),
        ),
        ("2026-11", date(2026, 11, 5), "C2", None, Decimal("3"), None, None, Decimal("0"), Decimal("3")),
    ]
