"""Keep secrets out of logs, errors and printed output.

The client never passes a secret to a logger, but the HTTP stack's DEBUG traces print response headers
(an IAM token arrives in `X-Subject-Token`), so a filter on those loggers scrubs registered secret
values and signature/token patterns as a second line of defence.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping

MASK = "***"
SECRET_NAMES = frozenset(
    {"ak", "sk", "password", "token", "x-auth-token", "x-subject-token", "authorization", "signature",
     "secret", "access_key", "secret_key", "iam_password"}
)
_PATTERNS = (
    re.compile(r"(Signature=)[0-9a-fA-F]{16,}"),
    re.compile(r"(Access=)[^,\s]+"),
    re.compile(r"((?:x-subject-token|x-auth-token)'?\"?,?\s*b?['\"]?)[^'\"\s,)]+", re.IGNORECASE),
)
_HTTP_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.http2", "httpcore.connection",
                 "httpcore.proxy", "partner_center")
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value (AK, SK, password, token) so that any text containing it is scrubbed."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    """Replace registered secrets and signature/token patterns in `text` by a mask."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def safe_params(params: Mapping[str, object]) -> dict[str, object]:
    """Request parameters fit to log or store: secret-named keys masked, secret values scrubbed."""
    out: dict[str, object] = {}
    for key, value in params.items():
        if key.lower() in SECRET_NAMES:
            out[key] = MASK
        elif isinstance(value, str):
            out[key] = scrub(value)
        else:
            out[key] = value
    return out


class SecretFilter(logging.Filter):
    """Scrubs a record's formatted message; installed on the HTTP stack's and our own loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


_filter = SecretFilter()


def install_log_filter() -> None:
    """Attach the scrubbing filter to the loggers that may see request or response headers."""
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
