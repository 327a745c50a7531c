"""The generic paginator: 0-based offsets, page scans, consistent re-sweeps, spooled raw pages.

Pages are kept as the exact bytes received (spooled to files, so a 100-page sweep costs no memory);
the count and the ids come from a byte scan for flat endpoints, because building Python dicts for
1000-record pages would cost more than the download. A sweep is consistent when every page reported
the same count, the rows fetched equal it and no id repeats; otherwise it is swept again (bounded),
and a difference that survives identically is returned with `duplicates` / `fetched` telling the truth.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from partner_center.endpoints import Endpoint
from partner_center.redact import safe_params
from partner_center.retry import TransientError

log = logging.getLogger("partner_center.paging")


@dataclass
class Counters:
    """HTTP facts of one sweep or one client: requests sent, throttled answers, retried failures."""

    calls: int = 0
    throttled: int = 0
    retries: int = 0

    def add(self, other: Counters) -> None:
        self.calls += other.calls
        self.throttled += other.throttled
        self.retries += other.retries


@dataclass
class Sweep:
    """All pages of one request at one moment, as raw bytes in files the caller must clean up."""

    endpoint: str
    params: dict[str, object]
    page_files: list[Path]
    api_count: int
    fetched: int
    ids: list[str] | None
    duplicates: list[str]
    calls: int
    throttled: int
    retries: int
    resweeps: int
    started_at_utc: datetime
    finished_at_utc: datetime
    owned_dir: Path | None = field(default=None, repr=False)

    @property
    def consistent(self) -> bool:
        """Rows fetched equal the API's count and no id repeats."""
        return self.fetched == self.api_count and not self.duplicates

    def read_pages(self) -> list[bytes]:
        """The raw pages, in offset order."""
        return [path.read_bytes() for path in self.page_files]

    def cleanup(self) -> None:
        """Delete the spooled page files (and the spool dir when the sweep created it)."""
        for path in self.page_files:
            path.unlink(missing_ok=True)
        if self.owned_dir is not None:
            shutil.rmtree(self.owned_dir, ignore_errors=True)

    def __enter__(self) -> Sweep:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.cleanup()


@dataclass(frozen=True)
class Page:
    """What the paginator needs from one page; the bytes themselves go straight to a file."""

    count: int | None
    records: int
    ids: list[str] | None


class PageScanner:
    """Reads count, record count and ids from a page; raises TransientError for a broken page."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._list = re.compile(rb'"' + re.escape(endpoint.list_key.encode()) + rb'"\s*:\s*\[')
        count_key = (endpoint.count_key or "total_count").encode()
        self._count = re.compile(rb'"' + re.escape(count_key) + rb'"\s*:\s*(\d+)')
        key = endpoint.key[0].encode() if endpoint.key else b"id"
        # An unescaped `"key"` followed by `:` can only be that key (quotes inside strings are escaped),
        # and the literal prefix keeps the scan at ~1.5 ms per 1 MB page.
        # First alternative: plain string ids (the common case, fast); second: escaped or numeric ids.
        self._id = re.compile(
            rb'"' + re.escape(key) + rb'"\s*:\s*(?:"([^"\\]*)"|("(?:[^"\\]|\\.)*"|-?\d+))'
        )

    def scan(self, raw: bytes) -> Page:
        if self.endpoint.scan == "regex" and len(self.endpoint.key) == 1:
            return self._scan_bytes(raw)
        return self._scan_json(raw)

    def _scan_bytes(self, raw: bytes) -> Page:
        if _TAIL.search(raw[-4096:]) is None:
            raise TransientError("truncated page (the record list is not closed)")
        count_match = self._count.search(raw) if self.endpoint.count_key else None
        if self.endpoint.count_key and count_match is None:
            raise TransientError(f"page without {self.endpoint.count_key}")
        count = int(count_match.group(1)) if count_match else None
        ids = [_id_text(other) if other else plain.decode() for plain, other in self._id.findall(raw)]
        if not ids and count and not self._list.search(raw):
            raise TransientError(f"page without {self.endpoint.list_key}")
        return Page(count, len(ids), ids)

    def _scan_json(self, raw: bytes) -> Page:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise TransientError("invalid JSON page") from None
        if not isinstance(data, dict):
            raise TransientError("page is not a JSON object")
        count = data.get(self.endpoint.count_key) if self.endpoint.count_key else None
        records = data.get(self.endpoint.list_key)
        if records is None:
            if count:
                raise TransientError(f"page without {self.endpoint.list_key}")
            records = []
        ids = ["|".join(_key_text(r.get(k)) for k in self.endpoint.key) for r in records] \
            if self.endpoint.key else None
        return Page(int(count) if count is not None else None, len(records), ids)


# After the record list's `]`, only scalar members may follow before the closing `}`.
_TAIL = re.compile(
    rb'\]\s*(?:,\s*"[^"\\]*"\s*:\s*(?:"[^"\\]*"|-?[0-9.eE+-]+|null|true|false)\s*)*\}\s*\Z'
)


def _id_text(token: bytes) -> str:
    if token.startswith(b'"'):
        return orjson.loads(token) if b"\\" in token else token[1:-1].decode()
    return token.decode()


def _key_text(value: object) -> str:
    return "" if value is None else str(value)


FetchPage = Callable[[int, int, Counters], Awaitable[tuple[bytes, Page]]]


@dataclass
class _Round:
    files: list[Path]
    counts: set[int | None]
    api_count: int
    fetched: int
    ids: list[str] | None
    duplicates: dict[str, tuple[int, ...]]

    @property
    def consistent(self) -> bool:
        return len(self.counts) == 1 and self.fetched == self.api_count and not self.duplicates

    @property
    def fingerprint(self) -> tuple[Any, ...]:
        return (tuple(sorted(c for c in self.counts if c is not None)), self.fetched,
                tuple(sorted(self.duplicates.items())))

    def remove(self) -> None:
        for path in self.files:
            path.unlink(missing_ok=True)


class Paginator:
    """Sweeps one endpoint with a page fetcher supplied by the client (which owns HTTP and retries)."""

    def __init__(self, endpoint: Endpoint, fetch: FetchPage, *, limit: int, page_concurrency: int,
                 max_resweeps: int, on_limit: Callable[[int], None] | None = None) -> None:
        self.endpoint = endpoint
        self._fetch = fetch
        self.limit = limit
        self._page_concurrency = page_concurrency
        self._max_resweeps = max_resweeps
        self._on_limit = on_limit

    async def sweep(self, params: Mapping[str, object], spool_dir: Path | None) -> Sweep:
        started = datetime.now(UTC)
        owned = None
        if spool_dir is None:
            owned = spool_dir = Path(tempfile.mkdtemp(prefix=f"pbw-{self.endpoint.name}-"))
        spool_dir.mkdir(parents=True, exist_ok=True)
        counters = Counters()
        tag = f"{self.endpoint.name}-{uuid.uuid4().hex[:12]}"
        previous: _Round | None = None
        resweeps = 0
        while True:
            try:
                current = await self._round(spool_dir, f"{tag}-r{resweeps}", counters)
            except BaseException:
                if previous is not None:
                    previous.remove()
                if owned is not None:
                    shutil.rmtree(owned, ignore_errors=True)
                raise
            if previous is not None:
                previous.remove()
            settled = current.consistent or (
                previous is not None and len(current.counts) == 1
                and current.fingerprint == previous.fingerprint
            )
            if settled or resweeps >= self._max_resweeps:
                break
            log.info("re-sweeping %s %s: counts %s, fetched %d, duplicate ids %d", self.endpoint.name,
                     safe_params(params), sorted(c for c in current.counts if c is not None),
                     current.fetched, len(current.duplicates))
            previous = current
            resweeps += 1
        if not current.consistent:
            log.warning("%s %s: fetched %d of %d, %d duplicate ids after %d re-sweeps",
                        self.endpoint.name, safe_params(params), current.fetched, current.api_count,
                        len(current.duplicates), resweeps)
        return Sweep(
            endpoint=self.endpoint.name, params=safe_params(params), page_files=current.files,
            api_count=current.api_count, fetched=current.fetched, ids=current.ids,
            duplicates=sorted(current.duplicates), calls=counters.calls, throttled=counters.throttled,
            retries=counters.retries, resweeps=resweeps, started_at_utc=started,
            finished_at_utc=datetime.now(UTC), owned_dir=owned,
        )

    async def _round(self, spool_dir: Path, tag: str, counters: Counters) -> _Round:
        """One pass over all pages; pages that look wrong while the count holds are fetched again."""
        pages: dict[int, Page] = {}

        def path_of(offset: int) -> Path:
            return spool_dir / f"{tag}-{offset:010d}.json"

        async def get(offset: int, limit: int) -> Page:
            raw, page = await self._fetch(offset, limit, counters)
            path_of(offset).write_bytes(raw)
            pages[offset] = page
            return page

        try:
            first = await get(0, self.limit)
            fallback = self.endpoint.max_limit
            if fallback is not None and self.limit > fallback and first.count is not None \
                    and first.records < min(self.limit, first.count):
                # A probed page size the API silently caps is treated like one it rejects.
                self.limit = fallback
                if self._on_limit is not None:
                    self._on_limit(fallback)
                first = await get(0, self.limit)
            limit = self.limit
            if first.count is not None and first.records > 0:
                await self._gather(get, range(limit, first.count, limit), limit)
                await self._repair(get, pages, first.count, limit, counters)
            elif first.count is None and first.records >= limit > 0:
                await self._until_short(get, limit)
        except BaseException:
            for offset in pages:
                path_of(offset).unlink(missing_ok=True)
            raise
        ordered = [pages[offset] for offset in sorted(pages)]
        counts = {page.count for page in ordered}
        api_count = ordered[-1].count if ordered[-1].count is not None else sum(p.records for p in ordered)
        ids: list[str] | None = None
        duplicates: dict[str, tuple[int, ...]] = {}
        if all(page.ids is not None for page in ordered):
            ids = [i for page in ordered for i in page.ids or ()]
            duplicates = _duplicates(ids)
        return _Round([path_of(offset) for offset in sorted(pages)], counts, api_count,
                      sum(page.records for page in ordered), ids, duplicates)

    async def _gather(self, get: Callable[[int, int], Awaitable[Page]], offsets: Iterable[int],
                      limit: int) -> None:
        gate = asyncio.Semaphore(self._page_concurrency)

        async def one(offset: int) -> None:
            async with gate:
                await get(offset, limit)

        try:
            async with asyncio.TaskGroup() as group:
                for offset in offsets:
                    group.create_task(one(offset))
        except BaseExceptionGroup as failed:
            raise first_error(failed) from None

    async def _repair(self, get: Callable[[int, int], Awaitable[Page]], pages: dict[int, Page], count: int,
                      limit: int, counters: Counters) -> None:
        """Re-fetch pages that are short or share an id with another page, while the count is unchanged.

        A page served mid-change (or mangled) is fixed by asking again; a page that comes back identical
        is what the API really holds, and is left for the re-sweep logic to judge.
        """
        for _ in range(self._max_resweeps + 1):
            if {page.count for page in pages.values()} != {count}:
                return
            suspects = _suspect_pages(pages, count, limit)
            if not suspects:
                return
            before = {offset: pages[offset].ids for offset in suspects}
            counters.retries += len(suspects)
            await self._gather(get, suspects, limit)
            if all(pages[offset].ids == ids for offset, ids in before.items()):
                return

    async def _until_short(self, get: Callable[[int, int], Awaitable[Page]], limit: int) -> None:
        offset = limit
        while (await get(offset, limit)).records >= limit:
            offset += limit


def _suspect_pages(pages: Mapping[int, Page], count: int, limit: int) -> list[int]:
    """Offsets of pages with the wrong number of records or holding an id seen on another page."""
    suspects = {offset for offset, page in pages.items() if page.records != min(limit, count - offset)}
    first_seen: dict[str, int] = {}
    for offset in sorted(pages):
        on_page: set[str] = set()
        for value in pages[offset].ids or ():
            if value in on_page:
                suspects.add(offset)
            on_page.add(value)
            other = first_seen.setdefault(value, offset)
            if other != offset:
                suspects.update((other, offset))
    return sorted(suspects)


def first_error(group: BaseExceptionGroup) -> BaseException:
    """The first real failure inside a task group's exception group, so callers see typed errors."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return first_error(exc)
        if not isinstance(exc, asyncio.CancelledError):
            return exc
    return group.exceptions[0]


def _duplicates(ids: list[str]) -> dict[str, tuple[int, ...]]:
    seen: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    for position, value in enumerate(ids):
        first = seen.setdefault(value, position)
        if first != position:
            repeated.setdefault(value, [first]).append(position)
    return {key: tuple(positions) for key, positions in repeated.items()}
