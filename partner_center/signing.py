"""SDK-HMAC-SHA256 request signing, byte-identical to huaweicloudsdkcore's `Signer` (spec §4).

The client signs with `sign`; the sandbox checks with `verify`. Both build the canonical request the
same way the official SDK does, so a request the SDK would accept is exactly a request we accept.
Nothing here logs, and no error text carries a key, a secret or a signature.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_CONTENT_SHA256 = "X-Sdk-Content-Sha256"

QueryParams = Mapping[str, object] | Iterable[tuple[str, object]]


class SignatureError(ValueError):
    """A request's signature was rejected; `reason` is safe to show (no key, secret or signature)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _encode(text: str) -> str:
    """RFC 3986 percent-encoding as the SDK does it (`quote(s, safe='~')`)."""
    return quote(text, safe="~")


def _pairs(params: QueryParams) -> list[tuple[str, object]]:
    """Query parameters as (key, value) pairs; None values are dropped like the SDK drops unset fields."""
    items = params.items() if isinstance(params, Mapping) else params
    return [(key, value) for key, value in items if value is not None]


def canonical_query(params: QueryParams) -> str:
    """The SDK's canonical query string, which is also the query the request is sent with.

    Pairs sort by their raw (key, value), lists sort and expand into repeated keys, booleans are
    `true`/`false` (but not inside lists, where the SDK writes `True`), everything else is `str(v)`.
    """
    pairs = _pairs(params)
    pairs.sort()  # same ordering as the SDK, including its type errors
    parts: list[str] = []
    for key, value in pairs:
        k = _encode(key)
        if isinstance(value, list):
            for item in sorted(value):
                parts.append(f"{k}={_encode(str(item))}")
        elif isinstance(value, bool):
            parts.append(f"{k}={_encode(str(value).lower())}")
        else:
            parts.append(f"{k}={_encode(str(value))}")
    return "&".join(parts)


def canonical_uri(raw_path: str) -> str:
    """Each segment URL-decoded then RFC 3986 re-encoded; a trailing `/` is added for signing only."""
    path = "/".join(_encode(segment) for segment in unquote(raw_path).split("/"))
    return path if path.endswith("/") else path + "/"


def _canonical_headers(headers: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Lower-cased names with trimmed values, and the sorted names that are signed (no `_` in them)."""
    lowered = {name.lower(): str(value).strip() for name, value in headers.items()}
    signed = sorted(name.lower() for name in headers if "_" not in name)
    return lowered, signed


def _payload_hash(body: bytes, lowered: Mapping[str, str]) -> str:
    if not body:
        return EMPTY_HASH
    declared = lowered.get(_CONTENT_SHA256.lower())
    if declared:
        return declared
    return hashlib.sha256(body).hexdigest()


def _signature(
    method: str, path: str, query: str, lowered: Mapping[str, str], signed: list[str], payload: str,
    sdk_date: str, sk: str,
) -> str:
    header_block = "".join(f"{name}:{lowered[name]}\n" for name in signed)
    canonical_request = "\n".join(
        [method.upper(), canonical_uri(path), query, header_block, ";".join(signed), payload]
    )
    string_to_sign = "\n".join(
        [ALGORITHM, sdk_date, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )
    return hmac.new(sk.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _get(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _check_date(value: str) -> datetime:
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(f"X-Sdk-Date must look like 20240105T083000Z, got {value[:32]!r}") from None


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    ak: str,
    sk: str,
    sdk_date: str | None = None,
) -> dict[str, str]:
    """Return the headers to add so the request carries the SDK's signature.

    `url`'s query must already be `canonical_query(params)` (the SDK sends exactly that string), and
    its path is what goes on the wire. Always adds `X-Sdk-Date` and `Authorization`; also `Host` when
    `headers` has none and `X-Sdk-Content-Sha256` for non-JSON content, as the SDK does.
    """
    if not ak or not sk:
        raise ValueError("AK and SK are both required to sign a request")
    parts = urlsplit(url)
    added: dict[str, str] = {}
    content_type = _get(headers, "Content-Type")
    if content_type is not None and not content_type.startswith(("application/json", "application/bson")):
        added[_CONTENT_SHA256] = UNSIGNED_PAYLOAD
    present = _get(headers, "X-Sdk-Date")
    date = sdk_date or present or datetime.now(UTC).strftime(DATE_FORMAT)
    _check_date(date)
    if sdk_date is not None or present is None:
        added["X-Sdk-Date"] = date
    if _get(headers, "Host") is None:
        added["Host"] = parts.netloc
    kept = {k: v for k, v in headers.items() if not (k.lower() == "x-sdk-date" and "X-Sdk-Date" in added)}
    everything = {**kept, **added}
    lowered, signed = _canonical_headers(everything)
    signature = _signature(
        method, parts.path, parts.query, lowered, signed, _payload_hash(body, lowered), date, sk
    )
    added["Authorization"] = (
        f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(signed)}, Signature={signature}"
    )
    return added


def _parse_authorization(value: str) -> tuple[str, list[str], str]:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError(f"unsupported signing algorithm (expected {ALGORITHM})")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            fields[key] = val
    try:
        return fields["Access"], fields["SignedHeaders"].split(";"), fields["Signature"]
    except KeyError:
        raise SignatureError("Authorization header lacks Access, SignedHeaders or Signature") from None


def _requery(raw_query: str) -> str:
    """Re-canonicalize a received query, so a client that ordered its pairs differently still verifies."""
    pairs: list[tuple[str, object]] = []
    for item in raw_query.split("&") if raw_query else []:
        key, _, value = item.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return canonical_query(pairs)


def verify(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    lookup_sk: Callable[[str], str | None],
    now_utc: datetime,
    max_skew: timedelta = timedelta(minutes=15),
) -> str:
    """Check an incoming request's SDK-HMAC-SHA256 signature and return its AK.

    Only the headers named in SignedHeaders count (proxies and HTTP clients add others); `host` and
    `x-sdk-date` must be among them. Raises `SignatureError` with a reason that holds no secret.
    """
    authorization = _get(headers, "Authorization")
    if not authorization:
        raise SignatureError("missing Authorization header")
    ak, signed, given = _parse_authorization(authorization)
    lowered = {name.lower(): str(value).strip() for name, value in headers.items()}
    for required in ("host", "x-sdk-date"):
        if required not in signed:
            raise SignatureError(f"SignedHeaders must include {required}")
    missing = [name for name in signed if name not in lowered]
    if missing:
        raise SignatureError(f"signed headers missing from the request: {', '.join(missing)}")
    if signed != sorted(signed):
        raise SignatureError("SignedHeaders must be sorted")
    date = lowered["x-sdk-date"]
    at = _check_date(date)
    if abs(now_utc.astimezone(UTC) - at) > max_skew:
        raise SignatureError(f"X-Sdk-Date {date} is more than {max_skew} away from the server clock")
    sk = lookup_sk(ak)
    if not sk:
        raise SignatureError("unknown access key")
    payload = _payload_hash(body, lowered)
    declared = lowered.get(_CONTENT_SHA256.lower())
    if body and declared and declared != UNSIGNED_PAYLOAD and not hmac.compare_digest(
        declared, hashlib.sha256(body).hexdigest()
    ):
        # a declared hash stands in for the body in the signature: it must be the body's, or a signed
        # request's body could be replaced while the original's hash is declared (signed or not)
        raise SignatureError(f"{_CONTENT_SHA256} does not match the body: the request was altered")
    for query in dict.fromkeys([raw_query, _requery(raw_query)]):
        expected = _signature(method, raw_path, query, lowered, signed, payload, date, sk)
        if hmac.compare_digest(expected, given):
            return ak
    raise SignatureError("signature mismatch: check the SK and that the request was not altered")
