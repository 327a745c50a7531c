"""A signed POST's body cannot be replaced: a declared content hash must be the body's own."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from partner_center.signing import SignatureError, sign, verify

PATH = "/v2/partners/sub-customers/query"


def _tampered(
    url: str, ak: str, sk: str, domain: str, *, sign_the_hash: bool
) -> tuple[dict[str, str], bytes]:
    """Sign body A, then send body B declaring A's hash (signed or not): the gateway must refuse it."""
    original = b'{"offset": 0, "limit": 10}'
    replaced = b'{"offset": 0, "limit": 100}'
    headers = {"Content-Type": "application/json", "X-Domain-Id": domain}
    if sign_the_hash:
        headers["X-Sdk-Content-Sha256"] = hashlib.sha256(original).hexdigest()
    headers |= sign("POST", url, headers, original, ak, sk)
    headers["X-Sdk-Content-Sha256"] = hashlib.sha256(original).hexdigest()
    return headers, replaced


@pytest.mark.parametrize("sign_the_hash", [False, True], ids=["unsigned-hash-header", "signed-hash-header"])
def test_the_sandbox_refuses_a_replaced_body(sandbox: Any, sign_the_hash: bool) -> None:
    url = f"{sandbox.url}{PATH}"
    headers, body = _tampered(url, sandbox.ak, sandbox.sk, sandbox.domain_id, sign_the_hash=sign_the_hash)
    answer = httpx.post(url, content=body, headers=headers, timeout=30)
    assert answer.status_code == 401
    assert answer.json()["error_code"] == "APIG.0301"
    # the same request with its own body goes through: only the replacement was refused
    honest = {"Content-Type": "application/json", "X-Domain-Id": sandbox.domain_id}
    honest |= sign("POST", url, honest, body, sandbox.ak, sandbox.sk)
    assert httpx.post(url, content=body, headers=honest, timeout=30).status_code == 200


def test_verify_names_the_altered_body() -> None:
    url = f"http://127.0.0.1:8765{PATH}"
    headers, body = _tampered(url, "AK1", "SK1", "dom", sign_the_hash=True)
    with pytest.raises(SignatureError, match="does not match the body"):
        verify("POST", PATH, "", headers, body, {"AK1": "SK1"}.get, datetime.now(UTC))
