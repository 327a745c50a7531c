"""The mutations `make mutation` runs: one-line changes a careless edit could make, and who must notice.

Each names the exact text it replaces (it must occur once in the file), the tests that must then fail,
and what a partner would notice. A mutation that cannot change behaviour says why in `equivalent`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    """Replace `old` by `new` in `path`; some test in `tests` must fail."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    protects: str
    equivalent: str = ""


CLIENT_TESTS = ("tests/partner_center/test_bites_client.py", "tests/partner_center/test_client.py")
SIGNING_TESTS = ("tests/partner_center/test_signing.py", "tests/sandbox/test_signed_body.py",
                 "tests/sandbox/test_official_sdk.py")
SECRET_TESTS = ("tests/partner_center/test_bites_client.py", "tests/partner_center/test_secrets.py")
RETRY_TESTS = ("tests/partner_center/test_client.py", "tests/partner_center/test_client_cli.py",
               "tests/pipelines/test_fail_fast.py")

PAGING = (
    Mutation("paging-ignores-changed-count", "partner_center/paging.py",
             "return len(self.counts) == 1 and self.fetched", "return self.fetched", CLIENT_TESTS,
             "a list that changed between two pages is loaded with a record missing"),
    Mutation("paging-stops-a-page-early", "partner_center/paging.py",
             "range(limit, first.count, limit)", "range(limit, first.count - limit, limit)", CLIENT_TESTS,
             "the last page of every sweep is never fetched"),
    Mutation("paging-count-of-first-page", "partner_center/paging.py",
             "api_count = ordered[-1].count if", "api_count = ordered[0].count if", CLIENT_TESTS,
             "R5 compares with a stale count"),
    Mutation("paging-short-page-not-suspect", "partner_center/paging.py",
             "page.records != min(limit, count - offset)", "page.records > min(limit, count - offset)",
             CLIENT_TESTS, "a page served short mid-change is kept instead of fetched again"),
)

SIGNING = (
    Mutation("signing-drops-dashed-headers", "partner_center/signing.py",
             'if "_" not in name)', 'if "-" not in name)', SIGNING_TESTS,
             "every request is refused (APIG.0301) by the real gateway"),
    Mutation("signing-unsorted-query", "partner_center/signing.py", "pairs.sort()", "pairs.reverse()",
             SIGNING_TESTS, "requests with two parameters are refused"),
    Mutation("signing-encodes-slash-raw", "partner_center/signing.py", 'quote(text, safe="~")',
             'quote(text, safe="~/")', SIGNING_TESTS, "a customer id with a slash breaks the signature"),
    Mutation("signing-trusts-declared-hash", "partner_center/signing.py",
             "if body and declared and declared != UNSIGNED_PAYLOAD", "if False", SIGNING_TESTS,
             "a signed request's body can be replaced in transit"),
)

LIMITS = (
    Mutation("limiter-11-per-second", "partner_center/ratelimit.py", "self._interval = 1.0 / rate",
             "self._interval = 1.0 / (rate * 1.1)", CLIENT_TESTS, "the API throttles every busy second"),
    Mutation("limiter-default-11", "partner_center/config.py", 'env.get("PBW_RATE_LIMIT") or 10)',
             'env.get("PBW_RATE_LIMIT") or 11)', CLIENT_TESTS, "the default run exceeds 10 requests/s"),
    Mutation("limiter-throttle-not-penalized", "partner_center/ratelimit.py",
             "self._tat = max(self._tat, time.monotonic() + seconds)", "pass",
             ("tests/partner_center/test_client_ratelimit.py",),
             "after a 429 every task sends again at once and is throttled again"),
)

REDACTION = (
    Mutation("redact-forgets-x-auth-token", "partner_center/redact.py",
             "(?:x-subject-token|x-auth-token)", "(?:x-subject-token)", SECRET_TESTS,
             "an IAM token reaches DEBUG logs"),
    Mutation("redact-forgets-signature", "partner_center/redact.py", "(Signature=)[0-9a-fA-F]{16,}",
             "(Signature=)[0-9a-fA-F]{65,}", SECRET_TESTS, "request signatures reach logs"),
    Mutation("redact-short-secrets-kept", "partner_center/redact.py", "len(value) >= 4", "len(value) >= 64",
             SECRET_TESTS, "AK and SK values reach logs and errors"),
)

RETRIES = (
    Mutation("retry-500-not-transient", "partner_center/retry.py", "status >= 500", "status > 500",
             RETRY_TESTS, "one HTTP 500 fails the whole run"),
    Mutation("retry-throttle-is-failure", "partner_center/retry.py",
             "return status == 429 or error_code in THROTTLE_CODES", "return False",
             ("tests/partner_center/test_client_ratelimit.py", *RETRY_TESTS),
             "throttled answers use up the retry budget and fail runs"),
    Mutation("retry-refused-connection-retried", "partner_center/retry.py",
             'return "connection refused"\n        text', 'return None\n        text', RETRY_TESTS,
             "no sandbox running: retried for minutes instead of one line"),
)

MUTATIONS: tuple[Mutation, ...] = (*PAGING, *SIGNING, *LIMITS, *REDACTION, *RETRIES)
