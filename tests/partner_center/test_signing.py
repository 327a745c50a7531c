"""The signer must be byte-identical to huaweicloudsdkcore's, and the verifier must accept exactly that."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from partner_center.signing import SignatureError, canonical_query, sign, verify

ALPHABET = "abcXYZ019-_.~ !*'();:@&=+$,/?#[]%\"<>\\^`{|}é中文𝄞\t"
PATHS = [
    "/v2/bills/subcustomer-bills/res-fee-records",
    "/v2/partners/sub-customers/query",
    "/v2/orders/customer-orders/details/{order_id}",
    "/v3/accounts/partner-accounts/adjust-records",
]
DATE = "20240105T083000Z"
NOW = datetime(2024, 1, 5, 8, 30, tzinfo=UTC)


def _text(rng: random.Random, lo: int = 0, hi: int = 12) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(lo, hi)))


def _value(rng: random.Random) -> object:
    kind = rng.randrange(6)
    if kind == 0:
        return rng.randint(-5, 100_000)
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return [_text(rng) for _ in range(rng.randint(1, 4))]
    if kind == 3:
        return [rng.randint(0, 20) for _ in range(rng.randint(1, 4))]
    return _text(rng)


def _request(rng: random.Random) -> tuple[str, str, dict[str, object], dict[str, str], bytes]:
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "get"])
    path = rng.choice(PATHS).replace("{order_id}", quote(_text(rng, 1), safe=""))
    if rng.random() < 0.2:
        path += "/" + quote(_text(rng, 1), safe="")
    keys = {_text(rng, 1, 8) for _ in range(rng.randint(0, 6))}
    params = {key: _value(rng) for key in keys}
    headers = {"Content-Type": "application/json", "X-Domain-Id": _text(rng, 1, 32).replace("\t", "")}
    headers["User-Agent"] = "huaweicloud-usdk-python/3.0"
    if rng.random() < 0.3:
        headers["X-Language"] = "  en_US  "
    if rng.random() < 0.2:
        headers["X_Not_Signed"] = "x"
    if rng.random() < 0.5 or method.upper() == "GET":
        body = b""
    else:
        body = json.dumps({"offset": rng.randint(0, 900), "limit": 100, "name": _text(rng)}).encode()
    return method, path, params, headers, body


def _sdk_sign(method: str, path: str, params: dict[str, object], headers: dict[str, str], body: bytes,
              ak: str, sk: str) -> tuple[str, str]:
    request = SdkRequest(
        method=method, schema="https", host="bss.myhuaweicloud.com", resource_path=path,
        query_params=[(k, list(v) if isinstance(v, list) else v) for k, v in params.items()],
        header_params={**headers, "X-Sdk-Date": DATE}, body=body,
    )
    Signer(SimpleNamespace(ak=ak, sk=sk)).sign(request)
    return request.header_params["Authorization"], request.uri


@pytest.mark.parametrize("seed", range(5), ids=lambda s: f"seed{s}")
def test_matches_the_official_signer_for_random_requests(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(120):
        method, path, params, headers, body = _request(rng)
        ak = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(20))
        sk = _text(rng, 8, 40) or "SK"
        expected_auth, expected_uri = _sdk_sign(method, path, params, headers, body, ak, sk)
        query = canonical_query(params)
        url = f"https://bss.myhuaweicloud.com{path}" + (f"?{query}" if query else "")
        added = sign(method, url, headers, body, ak, sk, sdk_date=DATE)
        assert added["Authorization"] == expected_auth
        assert path + (f"?{query}" if query else "") == expected_uri
        assert added["X-Sdk-Date"] == DATE
        assert added["Host"] == "bss.myhuaweicloud.com"
        sent = {k: v.strip() for k, v in {**headers, **added}.items()}
        assert verify(method, path, query, sent, body, {ak: sk}.get, NOW) == ak


def _signed_request() -> tuple[str, dict[str, str], bytes]:
    query = canonical_query({"bill_cycle": "2026-01", "customer_id": "c 1/é", "limit": 1000, "offset": 0})
    headers = {"Content-Type": "application/json", "X-Domain-Id": "dom"}
    body = b""
    added = sign("GET", f"http://127.0.0.1:8765/v2/x?{query}", headers, body, "AK1", "SK1", sdk_date=DATE)
    return query, {**headers, **added}, body


def test_verify_rejects_tampering_skew_and_unknown_keys() -> None:
    query, headers, body = _signed_request()
    lookup = {"AK1": "SK1"}.get
    assert verify("GET", "/v2/x", query, headers, body, lookup, NOW + timedelta(minutes=14)) == "AK1"
    cases = {
        "mismatch": ("GET", "/v2/x", query.replace("offset=0", "offset=10"), headers, NOW),
        "mismatch-path": ("GET", "/v2/y", query, headers, NOW),
        "mismatch-method": ("POST", "/v2/x", query, headers, NOW),
        "skew": ("GET", "/v2/x", query, headers, NOW + timedelta(minutes=16)),
        "domain": ("GET", "/v2/x", query, {**headers, "X-Domain-Id": "other"}, NOW),
    }
    for name, (method, path, q, h, now) in cases.items():
        with pytest.raises(SignatureError) as info:
            verify(method, path, q, h, body, lookup, now)
        assert ("more than" in info.value.reason) == (name == "skew"), name
    with pytest.raises(SignatureError, match="unknown access key"):
        verify("GET", "/v2/x", query, headers, body, {"AK2": "SK1"}.get, NOW)
    with pytest.raises(SignatureError, match="missing Authorization"):
        verify("GET", "/v2/x", query, {"Host": "h"}, body, lookup, NOW)


def test_verify_accepts_a_reordered_query_and_reasons_hold_no_secret() -> None:
    query, headers, body = _signed_request()
    reordered = "&".join(reversed(query.split("&")))
    assert verify("GET", "/v2/x", reordered, headers, body, {"AK1": "SK1"}.get, NOW) == "AK1"
    signature = headers["Authorization"].rsplit("=", 1)[1]
    with pytest.raises(SignatureError) as info:
        verify("GET", "/v2/x", query + "&x=1", headers, body, {"AK1": "SK1"}.get, NOW)
    assert not {"AK1", "SK1", signature} & set(info.value.reason.replace(",", " ").split())
    assert signature not in str(info.value)
    assert "SK1" not in str(info.value)


def test_canonical_query_is_the_wire_query() -> None:
    assert canonical_query({"b": "x y", "a": ["é", "~", "/"], "c": True, "d": None}) == (
        "a=%2F&a=~&a=%C3%A9&b=x%20y&c=true"
    )
