"""The `resellers` scenario: reconciliation breaks inside resellers, and the findings they make (manifest).

Six breaks, each in one reseller of the scenario month (resellers taken in turn, so three or more spread
them): a reseller customer's monthly-sum row carries more than its fee records (R1), a fee record billed and
paid but hidden from the reseller's res-fee-records (R1), an expense in a reseller's account that no bill
explains (R2), an allocation the distributor books with no recharge in the reseller's account (R6_FUNDS), a
quota reclaim logged while the quota keeps status 0 (R5_QUOTA), and a reseller balance that is not its last
balance_after_change (R7_BALANCE). Every finding's keys carry `indirect_partner_id`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox import catalog as cat
from sandbox.model import ZERO, Customer, FeeRecord, WorldConfig
from sandbox.population import Population
from sandbox.reseller_picks import ResellerPicks
from sandbox.reseller_quotas import broken_quota_id
from sandbox.scenarios import Finding

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.visibility import Groups
    from sandbox.world import World


def _resale(population: Population, holder: str) -> list[Customer]:
    return [
        c
        for c in population.customers_of(holder)
        if c.association_type == "2" and not population.associations.is_mover(c)
    ]


def pick(
    config: WorldConfig,
    population: Population,
    month: str,
    records: Callable[[Customer, str], list[FeeRecord]],
) -> ResellerPicks | None:
    """The reseller breaks of `month` (None in a world without resellers)."""
    resellers = population.resellers
    if not resellers:
        return None
    picks = ResellerPicks(month=month)
    ids = [r.indirect_partner_id for r in resellers]
    first = ids[0]
    customer, usage = next(
        (c, recs)
        for c in _resale(population, first)
        if (recs := [r for r in records(c, month) if r.charging_mode == 3])
    )
    picks.bill_delta_reseller, picks.bill_delta_customer = first, customer.customer_id
    picks.bill_delta_service = usage[0].service.code
    picks.bill_delta_resource_type = usage[0].resource_type.code
    second = ids[1 % len(ids)]
    victim, hidden = next(
        (c, r)
        for c in _resale(population, second)
        if c is not customer
        for r in records(c, month)
        if r.charging_mode == 3
        and r.bill_date.day >= 10
        and r.visible_from == r.bill_date + timedelta(days=1)
        and r.payment > 0
    )
    picks.hidden_reseller, picks.hidden_customer, picks.hidden_record_id = (
        second,
        victim.customer_id,
        hidden.id,
    )
    third = 2 % len(ids)
    picks.unmatched_allocation_reseller = ids[third]
    picks.reclaim_without_status_reseller = ids[1 % len(ids)]
    picks.reclaim_without_status_quota = broken_quota_id(config, 1 % len(ids))
    picks.balance_reseller = ids[third]
    picks.orphan_reseller = first
    return picks


def adjust_sums(picks: ResellerPicks | None, cycle: str, groups: Groups) -> None:
    """The R1 bill delta on the picked reseller customer's monthly-sum row (as a coupon deduction)."""
    if picks is None or picks.month != cycle or not picks.bill_delta_reseller:
        return
    key = (picks.bill_delta_customer, picks.bill_delta_service, picks.bill_delta_resource_type, "0")
    by_key = groups.get((picks.bill_delta_reseller, picks.bill_delta_mode), {})
    if key in by_key:
        by_key[key].amount += picks.bill_delta
        by_key[key].details["BALANCE_TYPE_COUPON"] += picks.bill_delta


def hidden_id(picks: ResellerPicks | None, holder: str | None, cycle: str) -> str:
    """The record id the holder's res-fee-records never serves in `cycle` ("" for none)."""
    if picks is None or picks.month != cycle or holder is None or picks.hidden_reseller != holder:
        return ""
    return picks.hidden_record_id


def balance_delta(picks: ResellerPicks | None, holder: str | None) -> Decimal:
    """What the picked reseller's served DEBIT balance carries beyond its last balance_after_change."""
    if picks is None or holder is None or picks.balance_reseller != holder:
        return ZERO
    return picks.balance_delta


def fund_sides(world: World, reseller_id: str, cycle: str) -> tuple[Decimal, Decimal]:
    """(distributor: allocated - reclaimed, reseller: recharged - reclaimed) of one month (R6_FUNDS)."""
    left = right = ZERO
    for t in world.month_transactions(None, "BALANCE_TYPE_DEBIT", cycle):
        if t.customer_id == reseller_id and t.trade_detail_type == cat.TD_BEADJUST:
            left += t.change_amount
        elif t.customer_id == reseller_id and t.trade_detail_type == cat.TD_BERETRIEVE:
            left -= t.change_amount
    for t in world.month_transactions(reseller_id, "BALANCE_TYPE_DEBIT", cycle):
        if t.trade_detail_type == cat.TD_RECHARGE:
            right += t.change_amount
        elif t.trade_detail_type == cat.TD_BERETRIEVE:
            right -= t.change_amount
    return left, right


def consumption_sides(world: World, reseller_id: str, cycle: str) -> tuple[Decimal, Decimal]:
    """(Σ a reseller's monthly-sum DEBIT details, its DEBIT consumption expenses - refunds) of a month."""
    left = ZERO
    for mode in (1, 3, 11):
        for row in world.monthly_sums(reseller_id, cycle, mode):
            details = row["account_details"]
            assert isinstance(details, list)
            left += sum((d["amount"] for d in details if d["balance_type"] == "BALANCE_TYPE_DEBIT"), ZERO)
    right = ZERO
    for t in world.month_transactions(reseller_id, "BALANCE_TYPE_DEBIT", cycle):
        if t.trade_detail_type in cat.CONSUMPTION_DETAIL_TYPES:
            right += t.change_amount if t.type == "2" else -t.change_amount
    return left, right


def quota_sides(world: World, reseller_id: str) -> tuple[Decimal, Decimal]:
    """(issued - reclaimed by the issued quotas' status, "10" - "11" in the records log) on the clock."""
    last = world.last_day
    quotas = [
        q
        for q in world.distributor.issued_quotas
        if q.reseller.indirect_partner_id == reseller_id and q.visible(last)
    ]
    left = sum((q.value for q in quotas), ZERO) - sum((q.value for q in quotas if q.status(last) == 6), ZERO)
    right = ZERO
    for q in quotas:
        for rec in q.records(last):
            amount = rec["amount"]
            assert isinstance(amount, Decimal)
            right += amount if rec["operation_type"] == "10" else -amount
    return left, right


def _mode_total(world: World, customer: Customer, month: str, mode: int, skip: str = "") -> Decimal:
    return sum(
        (r.payment for r in world.cycle_records(customer, month) if r.charging_mode == mode and r.id != skip),
        ZERO,
    )


def findings(world: World) -> list[Finding]:
    """What the warehouse must report for the reseller breaks (R7 on the sandbox clock)."""
    picks = world.reseller_picks
    if picks is None:
        return []
    month = picks.month
    out = []
    customer = world.customer_by_id[picks.bill_delta_customer]
    left = _mode_total(world, customer, month, picks.bill_delta_mode)
    out.append(
        Finding(
            "R1",
            "bill_differs_from_details",
            {
                "cycle": month,
                "customer_id": customer.customer_id,
                "charging_mode": str(picks.bill_delta_mode),
                "indirect_partner_id": picks.bill_delta_reseller,
            },
            left,
            left + picks.bill_delta,
            f"the reseller's monthly-sum bill of {customer.account_name} (on-demand) carries "
            f"{picks.bill_delta} more (as a coupon deduction) than its fee records",
        )
    )
    victim = world.customer_by_id[picks.hidden_customer]
    hidden = next(r for r in world.cycle_records(victim, month) if r.id == picks.hidden_record_id)
    left = _mode_total(world, victim, month, hidden.charging_mode, skip=hidden.id)
    out.append(
        Finding(
            "R1",
            "missing_detail_record",
            {
                "cycle": month,
                "customer_id": victim.customer_id,
                "charging_mode": str(hidden.charging_mode),
                "indirect_partner_id": picks.hidden_reseller,
            },
            left,
            left + hidden.payment,
            f"fee record {hidden.id} ({hidden.payment}) is billed and paid but the reseller's "
            "res-fee-records never returns it",
        )
    )
    left, right = consumption_sides(world, picks.orphan_reseller, month)
    out.append(
        Finding(
            "R2",
            "transaction_without_bill",
            {
                "cycle": month,
                "balance_type": "BALANCE_TYPE_DEBIT",
                "indirect_partner_id": picks.orphan_reseller,
            },
            left,
            right,
            f"an expense of {picks.orphan_expense} in the reseller's account has no bill; left = the "
            "reseller's monthly-sum DEBIT details, right = its consumption expenses - refunds",
        )
    )
    left, right = fund_sides(world, picks.unmatched_allocation_reseller, month)
    out.append(
        Finding(
            "R6_FUNDS",
            "allocation_without_recharge",
            {"cycle": month, "indirect_partner_id": picks.unmatched_allocation_reseller},
            left,
            right,
            f"an allocation of {picks.unmatched_allocation} booked by the distributor has no recharge in the "
            "reseller's account; left = distributor BEADJUST - BERETRIEVE to the reseller, right = reseller "
            "RECHARGE - BERETRIEVE (DEBIT)",
        )
    )
    left, right = quota_sides(world, picks.reclaim_without_status_reseller)
    out.append(
        Finding(
            "R5_QUOTA",
            "reclaim_without_status_change",
            {
                "indirect_partner_id": picks.reclaim_without_status_reseller,
                "quota_id": picks.reclaim_without_status_quota,
            },
            left,
            right,
            "a reclaim (operation_type 11) is logged but the issued quota keeps status 0; left = issued - "
            "reclaimed (status 6) quota values, right = records 10 - 11",
        )
    )
    last = world.balance(picks.balance_reseller, "BALANCE_TYPE_DEBIT")
    out.append(
        Finding(
            "R7_BALANCE",
            "balance_differs_from_changes",
            {"indirect_partner_id": picks.balance_reseller, "balance_type": "BALANCE_TYPE_DEBIT"},
            last,
            last + picks.balance_delta,
            "the reseller's cash balance (partner-accounts/balances) is not its last balance_after_change; "
            "left = last balance_after_change, right = served balance (on the sandbox clock)",
        )
    )
    return out


def extend_manifest(world: World, manifest: dict[str, object]) -> dict[str, object]:
    """The manifest with the reseller findings appended (per-holder totals: `/_sandbox/holders`)."""
    picks = world.reseller_picks
    if picks is None:
        return manifest
    listed = manifest.get("findings")
    assert isinstance(listed, list)
    listed += [f.to_json() for f in findings(world)]
    if manifest.get("scenario_month") is None:
        manifest["scenario_month"] = picks.month
    return manifest
