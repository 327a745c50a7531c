"""Typed errors of the Partner Center client.

Each message names the endpoint, the parameters (secrets removed) and what to do, so an operator can
act on a failed run without reading code. No message ever carries a key, secret, token or signature.
"""

from __future__ import annotations

from collections.abc import Mapping

from partner_center.redact import safe_params, scrub


class PartnerCenterError(Exception):
    """Base of every error the client raises."""


class ConfigurationError(PartnerCenterError):
    """Settings are incomplete or contradictory (e.g. an AK without its SK)."""


class ApiError(PartnerCenterError):
    """The API answered with an error that retrying cannot fix."""

    hint = "check the parameters against the API reference"

    def __init__(
        self,
        endpoint: str,
        params: Mapping[str, object],
        status: int,
        error_code: str,
        error_msg: str,
        request_id: str | None = None,
        account: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.params = safe_params(params)
        self.status = status
        self.error_code = error_code
        self.error_msg = scrub(error_msg[:500])
        self.request_id = request_id
        request = f", request id {request_id}" if request_id else ""
        super().__init__(
            f"{endpoint} {self.params} failed: HTTP {status} {error_code}: {self.error_msg}{request}. "
            f"What to do: {self.hint.format(account=account or 'this account')}."
        )


class InvalidParameterError(ApiError):
    """CBC.0100."""

    hint = "a parameter is invalid (format, range or a limit above the endpoint's maximum); fix the request"


class AccessDeniedError(ApiError):
    """CBC.0151 and the other permission errors."""

    hint = (
        "the account lacks permission: operator sub-accounts need the BPC_ITEM_FINANCE_* permission items, "
        "and a distributor must pass indirect_partner_id for a reseller's customers"
    )


class WrongSiteError(ApiError):
    """CBC.0156 / CBC.0150: the account belongs to the other site."""

    hint = (
        "this account belongs to the other site (CN vs international); set PBW_SITE=intl or cn, or "
        "PBW_ENDPOINT, to the site the account was registered on"
    )


class AuthenticationError(ApiError):
    """APIG.0301: signature, token or AK rejected."""

    hint = (
        "authentication failed: check HUAWEICLOUD_SDK_AK/SK (or the IAM user and password) and the clock "
        "(X-Sdk-Date must be within 15 minutes); after 5 failed signatures the AK is locked for 5 minutes, "
        "so wait before retrying"
    )


class TokenInvalidError(AuthenticationError):
    """CBC.0154: the token was refused; in token mode the client refreshes it once before raising this."""

    hint = (
        "the IAM token was refused as invalid even after one refresh: check that the IAM user "
        "(PBW_IAM_USER) is enabled, its password (PBW_IAM_PASSWORD) current and the token scoped to the "
        "partner's account (PBW_IAM_DOMAIN / HUAWEICLOUD_SDK_DOMAIN_ID); with AK/SK signing, check "
        "HUAWEICLOUD_SDK_AK/SK"
    )


class PermissionDeniedError(AccessDeniedError):
    """CBC.0155: the account is authenticated but lacks the permission item for this API."""

    hint = (
        "{account} has no permission for this API: in Partner Center give the operator sub-account the BPC "
        "permission items (BPC_ITEM_FINANCE_020100 consumption records, BPC_ITEM_FINANCE_090100 monthly "
        "bills, BPC_ITEM_FINANCE_030100 transaction details), or use the partner's own account"
    )


class NotPartnerError(ApiError):
    """CBC.5001, answered with HTTP 200: the account is not a partner, or not on this site."""

    hint = (
        "{account} is not a Huawei Cloud partner on this site: use the partner's own AK/SK or IAM user, "
        "and PBW_SITE=cn or intl (or PBW_ENDPOINT) for the site it joined as a partner"
    )


class UnreachableError(PartnerCenterError):
    """Nothing answers at the endpoint (connection refused, unknown host): retrying cannot help."""

    def __init__(self, endpoint: str, url: str, reason: str) -> None:
        self.endpoint = endpoint
        self.url = url
        self.reason = reason
        super().__init__(
            f"{endpoint}: cannot reach {url} ({reason}). What to do: start the sandbox (`pbw sandbox serve`) "
            "or fix PBW_ENDPOINT / PBW_SITE / PBW_SANDBOX_URL so they name a Partner Center that answers."
        )


class RetriesExhaustedError(PartnerCenterError):
    """Transient failures (timeouts, 5xx, broken pages) outlasted the retry budget."""

    def __init__(self, endpoint: str, params: Mapping[str, object], attempts: int, last: str) -> None:
        self.endpoint = endpoint
        self.params = safe_params(params)
        self.attempts = attempts
        self.last = last
        super().__init__(
            f"{endpoint} {self.params} still failing after {attempts} attempts (last: {last}). "
            "What to do: the API or the network is unhealthy; rerun later or raise the retry deadline."
        )


NON_RETRYABLE: dict[str, type[ApiError]] = {
    "CBC.0100": InvalidParameterError,
    "CBC.0151": AccessDeniedError,
    "CBC.0150": WrongSiteError,
    "CBC.0156": WrongSiteError,
    "CBC.99000037": AccessDeniedError,
    "CBC.18000016": AccessDeniedError,
    "APIG.0301": AuthenticationError,
    "CBC.0154": TokenInvalidError,
    "CBC.0155": PermissionDeniedError,
    "CBC.5001": NotPartnerError,
}
REFRESH_CODES = frozenset({"CBC.0154"})  # the token is invalid: fetch a new one, once


def api_error(
    endpoint: str, params: Mapping[str, object], status: int, error_code: str, error_msg: str,
    request_id: str | None, account: str | None = None,
) -> ApiError:
    """The typed error for a non-retryable API answer; `account` (no secret) names who was refused."""
    cls = NON_RETRYABLE.get(error_code)
    if cls is None:
        cls = AuthenticationError if status == 401 else AccessDeniedError if status == 403 else ApiError
    return cls(endpoint, params, status, error_code, error_msg, request_id, account)
