"""AK, SK, password, token and signatures never reach logs (any level), exception texts or reprs."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from partner_center.client import PartnerCenterClient
from partner_center.config import Settings
from partner_center.errors import AuthenticationError, PartnerCenterError, RetriesExhaustedError
from partner_center.sandbox_credentials import SANDBOX_IAM_PASSWORD, SANDBOX_IAM_USER

WORLD: dict[str, Any] = {"today": date(2026, 3, 10), "first_day": date(2026, 1, 1), "customers": 3,
                         "rate_limit": None, "seed": 9}
QUICK = {"backoff_base": 0.01, "backoff_cap": 0.02, "max_attempts": 3, "rate_limit": 500.0}


class RecordingTransport(httpx.AsyncHTTPTransport):
    """Real HTTP, but remembers every credential-bearing header that crossed the wire."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for name in ("Authorization", "X-Auth-Token"):
            if name in request.headers:
                value = request.headers[name]
                self.seen.add(value)
                self.seen.update(re.findall(r"Signature=([0-9a-f]+)", value))
        response = await super().handle_async_request(request)
        if "X-Subject-Token" in response.headers:
            self.seen.add(response.headers["X-Subject-Token"])
        return response


def _assert_clean(text: str, secrets: set[str]) -> None:
    leaked = sorted(s for s in secrets if s and s in text)
    assert leaked == [], f"secrets leaked: {[s[:6] + '...' for s in leaked]}"


async def _failing_sweep(settings: Settings, transport: RecordingTransport, spool: Path) -> str:
    async with PartnerCenterClient(settings, transport=transport) as pc:
        text = repr(pc) + repr(settings)
        try:
            await pc.sweep("res_fee_records", {"bill_cycle": "2026-02", "customer_id": "c1"}, spool)
        except PartnerCenterError as exc:
            return text + str(exc) + repr(exc)
    raise AssertionError("the sweep should have failed")


@pytest.mark.parametrize("mode", ["aksk-5xx", "aksk-wrong-sk", "token-5xx"])
def test_a_failing_sweep_leaks_no_secret(mode: str, sandbox_factory: Any, tmp_path: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    box = sandbox_factory(**WORLD, faults="" if mode == "aksk-wrong-sk" else "http500:1")
    transport = RecordingTransport()
    sk = "wrong-" + box.sk if mode == "aksk-wrong-sk" else box.sk
    if mode.startswith("token"):
        settings = Settings(endpoint=box.url, iam_endpoint=box.url, iam_user=SANDBOX_IAM_USER,
                            iam_password=SANDBOX_IAM_PASSWORD, iam_domain="sandbox-partner",
                            domain_id=box.domain_id, **QUICK)
        secrets = {SANDBOX_IAM_PASSWORD}
    else:
        settings = Settings.for_endpoint(box.url, box.ak, sk, box.domain_id, **QUICK)
        secrets = {box.ak, sk}
    caplog.set_level(logging.DEBUG)
    text = asyncio.run(_failing_sweep(settings, transport, tmp_path))
    expected = AuthenticationError if mode == "aksk-wrong-sk" else RetriesExhaustedError
    assert expected.__name__ in text
    assert transport.seen, "the recording transport saw no credentials"
    secrets |= transport.seen
    records = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "httpcore" in records  # DEBUG traces were really captured
    _assert_clean(records + caplog.text, secrets)
    _assert_clean(text, secrets)
    if mode.startswith("token"):
        assert any(len(s) > 40 and s.startswith("MII") for s in transport.seen)  # a real token was issued
