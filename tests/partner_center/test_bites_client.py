"""Client behaviour a partner would notice if it broke: a list that changed mid-sweep, the 10/s budget,
a token in a DEBUG log. Each test here fails on a one-line change that the rest of the suite let through."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest

from partner_center.client import PartnerCenterClient
from partner_center.config import Settings
from partner_center.endpoints import get_endpoint
from partner_center.paging import Counters, Page, PageScanner, Paginator, Sweep
from partner_center.ratelimit import TokenBucket
from partner_center.redact import install_log_filter, register_secret, scrub

ENDPOINT = get_endpoint("sub_customers")


class ScriptedWorld:
    """A customer list that changes after the first page is read: b leaves, d and e arrive."""

    def __init__(self) -> None:
        self.before = ["a", "b", "c"]
        self.after = ["a", "c", "d", "e"]
        self.pages_served = 0

    async def fetch(self, offset: int, limit: int, counters: Counters) -> tuple[bytes, Page]:
        counters.calls += 1
        rows = self.before if self.pages_served == 0 else self.after
        self.pages_served += 1
        body = orjson.dumps({"count": len(rows),
                             "customer_infos": [{"customer_id": c} for c in rows[offset:offset + limit]]})
        return body, PageScanner(ENDPOINT).scan(body)


class GrowingWorld(ScriptedWorld):
    """A list that grows by one record on every page read: the count never settles."""

    async def fetch(self, offset: int, limit: int, counters: Counters) -> tuple[bytes, Page]:
        counters.calls += 1
        self.pages_served += 1
        rows = [f"r{i:03d}" for i in range(2 + self.pages_served)]
        body = orjson.dumps({"count": len(rows),
                             "customer_infos": [{"customer_id": c} for c in rows[offset:offset + limit]]})
        return body, PageScanner(ENDPOINT).scan(body)


class ShortOnceWorld(ScriptedWorld):
    """A page served short once (mid-change on the server) while the count holds: asking again fixes it."""

    async def fetch(self, offset: int, limit: int, counters: Counters) -> tuple[bytes, Page]:
        counters.calls += 1
        self.pages_served += 1
        rows = ["a", "b", "c", "d"]
        page = rows[offset:offset + limit]
        if offset == 2 and self.pages_served == 2:
            page = page[:1]
        body = orjson.dumps({"count": len(rows), "customer_infos": [{"customer_id": c} for c in page]})
        return body, PageScanner(ENDPOINT).scan(body)


def _sweep(world: ScriptedWorld, tmp: Path) -> Sweep:
    paginator = Paginator(ENDPOINT, world.fetch, limit=2, page_concurrency=1, max_resweeps=3)
    return asyncio.run(paginator.sweep({}, tmp))


def test_a_count_that_changes_between_two_pages_is_swept_again(tmp_path: Path) -> None:
    # First pass: page 0 of the old list [a, b] (count 3), page 2 of the new list [d, e] (count 4):
    # 4 rows for a count of 4 and no repeated id, yet c is missing. Only the changed count tells.
    sweep = _sweep(ScriptedWorld(), tmp_path)
    assert sweep.resweeps >= 1
    ids = [row["customer_id"] for page in sweep.page_files
           for row in orjson.loads(page.read_bytes())["customer_infos"]]
    assert ids == ["a", "c", "d", "e"]
    assert (sweep.api_count, sweep.fetched) == (4, 4)


def test_a_count_that_never_settles_reports_the_newest_count(tmp_path: Path) -> None:
    """R5 compares rows with the API's count: after the last re-sweep that is the newest count it gave."""
    world = GrowingWorld()
    sweep = _sweep(world, tmp_path)
    assert sweep.resweeps == 3  # max_resweeps: it tried, and says it could not settle
    assert sweep.api_count == 2 + world.pages_served  # the last page's count, not the first page's
    assert sweep.fetched != sweep.api_count


def test_a_page_served_short_while_the_count_holds_is_fetched_again(tmp_path: Path) -> None:
    world = ShortOnceWorld()
    sweep = _sweep(world, tmp_path)
    ids = [row["customer_id"] for page in sweep.page_files
           for row in orjson.loads(page.read_bytes())["customer_infos"]]
    assert ids == ["a", "b", "c", "d"]
    assert sweep.resweeps == 0  # repaired in place, not swept again
    assert sweep.retries == 1


def test_a_throttled_answer_pushes_every_next_send_back(tmp_path: Path) -> None:
    bucket = TokenBucket(10.0)
    bucket.reserve()
    bucket.penalize(2.0)  # the gateway said 429 with Retry-After: 2
    waits = [bucket.reserve() for _ in range(3)]
    assert waits[0] >= 1.99
    assert waits[1] - waits[0] == pytest.approx(0.1, abs=0.01)


def _booked_sends(bucket: TokenBucket, n: int) -> list[float]:
    """The send times the bucket books for n requests asked for at once (no sleeping)."""
    sends = []
    for _ in range(n):
        asked = time.monotonic()
        sends.append(asked + bucket.reserve())  # reserve() reads the clock a few µs after `asked`
    return sends


@pytest.mark.parametrize("rate", [10.0, 4.0])
def test_the_limiter_never_books_more_than_its_rate_in_any_one_second_window(rate: float) -> None:
    sends = _booked_sends(TokenBucket(rate), 60)
    most = max(sum(1 for t in sends if start <= t < start + 1.0 - 1e-3) for start in sends)
    assert most == int(rate)
    assert sends[-1] - sends[0] == pytest.approx((60 - 1) / rate, abs=0.01)


def test_the_client_default_is_10_requests_per_second_per_api(sandbox_factory: Any, tmp_path: Path) -> None:
    """Measured where it matters: 40 pages at default settings against a sandbox limiting to 10/s."""
    box = sandbox_factory(today=date(2026, 3, 10), first_day=date(2026, 1, 1), seed=4, customers=40,
                          rate_limit=10)
    defaults = Settings.from_env({})
    assert defaults.rate_limit == 10.0
    settings = Settings.for_endpoint(box.url, box.ak, box.sk, box.domain_id,
                                     page_limits=(("sub_customers", 1),))

    async def main() -> Sweep:
        async with PartnerCenterClient(settings) as pc:
            return await pc.sweep("sub_customers", {}, tmp_path)

    started = time.monotonic()
    sweep = asyncio.run(main())
    elapsed = time.monotonic() - started
    assert sweep.fetched == 40
    assert sweep.throttled == 0  # never above the API's limit
    assert elapsed >= (40 - 1) / 10  # and not faster than 10/s (at 11/s: 3.5 s)


@pytest.mark.parametrize("header", ["X-Auth-Token", "X-Subject-Token", "x-auth-token"])
def test_a_token_in_an_http_debug_trace_never_reaches_the_log(header: str, caplog: Any) -> None:
    """httpcore's DEBUG trace prints header tuples; a token that was never registered is still masked."""
    install_log_filter()
    token = "MIIunregisteredTokenValue0123456789"
    with caplog.at_level(logging.DEBUG, logger="httpcore.http11"):
        logging.getLogger("httpcore.http11").debug(
            "receive_response_headers.complete return_value=%r",
            (b"HTTP/1.1", 200, b"OK", [(header.encode(), token.encode()), (b"Content-Length", b"2")]),
        )
    assert caplog.records
    assert token not in caplog.text
    assert header.lower() in caplog.text.lower()  # the header name stays, its value is masked


def test_registered_credentials_are_masked_wherever_they_appear() -> None:
    """An AK (20 characters) or SK that ends up in a message (a URL, an exception) never reaches a log."""
    ak, sk = "AKBITE0123456789ABCD", "skbite-0123456789abcdef0123456789abcdef"
    register_secret(ak)
    register_secret(sk)
    text = scrub(f"GET https://bss.example/v2?ak={ak} failed; signing key {sk} rejected")
    assert ak not in text
    assert sk not in text
    assert text.count("***") == 2


def test_a_signature_in_an_authorization_header_is_masked() -> None:
    header = ("SDK-HMAC-SHA256 Access=AKNOTREGISTERED0000, SignedHeaders=host;x-sdk-date, "
              "Signature=" + "0a1b2c3d" * 8)
    text = scrub(f"request headers: Authorization: {header}")
    assert "0a1b2c3d" not in text
    assert "AKNOTREGISTERED0000" not in text
    assert "SignedHeaders=host;x-sdk-date" in text


class _FlakyGateway(BaseHTTPRequestHandler):
    """Answers the first request with a bare HTTP 500 (no error code, an HTML body), then a real page."""

    answered = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).answered += 1
        if type(self).answered == 1:
            body, status, kind = b"<html>Internal Server Error</html>", 500, "text/html"
        else:
            body, status, kind = orjson.dumps({"count": 1, "customer_infos": [{"customer_id": "c1"}]}), 200, \
                "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_bare_http_500_is_retried_not_fatal(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        settings = Settings.for_endpoint(url, "AKFLAKY0000000000000", "sk-flaky-" + "0" * 32, "dom",
                                         backoff_base=0.01, backoff_cap=0.05)

        async def main() -> Sweep:
            async with PartnerCenterClient(settings) as pc:
                return await pc.sweep("sub_customers", {}, tmp_path)

        sweep = asyncio.run(main())
    finally:
        server.shutdown()
        server.server_close()
    assert (sweep.fetched, sweep.api_count) == (1, 1)
    assert sweep.retries == 1
    assert _FlakyGateway.answered == 2
