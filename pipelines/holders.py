"""Whose view a sweep reads: the distributor's own (no `indirect_partner_id`) and each of its resellers.

Every dataset the API serves per reseller is swept once per holder, in one `sweep_many` call per fetch step,
so all holders share the process's token bucket of that API (10 requests/s for the whole partner account,
whatever reseller a call is for) and the step's Dagster pool. The reseller list costs one call per step.
`PBW_RESELLERS=off` skips it (a solution provider has none; an access-denied answer means the same).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from partner_center.errors import AccessDeniedError
from partner_center.paging import Sweep
from pipelines.fetching import sweep
from pipelines.resources import PartnerCenterResource
from warehouse.contract import LoadContext

Holder = str | None
"""A reseller's `indirect_partner_id`, or None for the distributor's own view."""


def resellers_enabled() -> bool:
    """`PBW_RESELLERS`: `auto` (default) asks the API for the resellers, `off` never does."""
    value = os.environ.get("PBW_RESELLERS", "auto")
    if value not in ("auto", "off"):
        raise ValueError(f"PBW_RESELLERS must be auto or off, not {value!r}")
    return value == "auto"


def load_context(run_id: str, partner_domain_id: str | None) -> LoadContext:
    """A run's LoadContext, saying whether the resellers' views were swept (`PBW_RESELLERS`): a load that
    swept only the distributor's must not replace partitions holding resellers' rows
    (`warehouse.replace.keep_resellers_rows`). Every fetch step builds its loads here, so none forgets it."""
    return LoadContext(run_id=run_id, partner_domain_id=partner_domain_id, holders=resellers_enabled())


def consumers_per_holder() -> bool:
    """`PBW_CONSUMERS_PER_HOLDER` (an inferred fact, S): `on` (default) asks consume-sub-customers once per
    holder with its `indirect_partner_id` (the SDK's body has no such field; the sandbox honours it); `off`
    asks once and sweeps each customer it names in every holder's view (more calls, nothing assumed)."""
    value = os.environ.get("PBW_CONSUMERS_PER_HOLDER", "on")
    if value not in ("on", "off"):
        raise ValueError(f"PBW_CONSUMERS_PER_HOLDER must be on or off, not {value!r}")
    return value == "on"


def list_holders(resource: PartnerCenterResource, spool_dir: Path) -> tuple[list[Holder], list[Sweep]]:
    """None (the distributor) then every reseller id, sorted; with the lookup's sweep for the call count."""
    if not resellers_enabled():
        return [None], []
    try:
        found = sweep(resource, [("indirect_partners", {})], spool_dir, keep_ids=True)
    except AccessDeniedError:
        return [None], []
    return [None, *sorted({str(i) for s in found for i in s.ids or []})], found


def for_holder(params: Mapping[str, object], holder: Holder) -> dict[str, object]:
    """Request parameters for one holder's view (the distributor's own sends no `indirect_partner_id`)."""
    return {**params, "indirect_partner_id": holder} if holder else dict(params)


def holder_of(done: Sweep) -> Holder:
    """The holder whose view a finished sweep read."""
    value = done.params.get("indirect_partner_id")
    return str(value) if value else None


def holder_pages(done: Iterable[Sweep], holders: dict[str, str]) -> Iterator[Path]:
    """The page files of finished sweeps, recording each reseller page's holder in `holders` (path text ->
    reseller) before the page is handed on, so a loader reading the stream knows whose rows they are."""
    for finished in done:
        holder = holder_of(finished)
        for path in finished.page_files:
            if holder is not None:
                holders[str(path)] = holder
            yield path


def page_holders(sweeps: Sequence[Sweep]) -> dict[str, str]:
    """Path text -> reseller of every reseller page of finished sweeps."""
    found: dict[str, str] = {}
    list(holder_pages(sweeps, found))
    return found
