"""Client settings from the environment (ARCHITECTURE.md "Configuration"); nothing set = the local sandbox."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from partner_center import sandbox_credentials as demo
from partner_center.errors import ConfigurationError
from partner_center.retry import RetryPolicy

SITES: dict[str, str] = {
    "cn": "https://bss.myhuaweicloud.com",
    "intl": "https://bss-intl.myhuaweicloud.com",
    "eu": "https://bss.myhuaweicloud.eu",
}
IAM_ENDPOINTS: dict[str, str] = {
    "cn": "https://iam.myhuaweicloud.com",
    "intl": "https://iam.ap-southeast-1.myhuaweicloud.com",
    "eu": "https://iam.eu-west-101.myhuaweicloud.eu",
}


_RETRY = RetryPolicy()
"""The retry defaults live with the retry logic; Settings only lets a caller override them."""
_RETRY_ENV: tuple[tuple[str, str, type[int] | type[float]], ...] = (
    ("PBW_MAX_ATTEMPTS", "max_attempts", int),
    ("PBW_BACKOFF_BASE", "backoff_base", float),
    ("PBW_BACKOFF_CAP", "backoff_cap", float),
)
"""Environment names of the client's per-call retry settings: attempts per call, backoff base and cap (s)."""


@dataclass(frozen=True)
class Settings:
    """Everything the client needs; secrets are left out of the repr."""

    endpoint: str
    ak: str | None = field(default=None, repr=False)
    sk: str | None = field(default=None, repr=False)
    domain_id: str | None = None
    site: str = "sandbox"
    iam_user: str | None = None
    iam_password: str | None = field(default=None, repr=False)
    iam_domain: str | None = None
    iam_endpoint: str | None = None
    rate_limit: float = 10.0
    rate_burst: int = 1
    concurrency: int = 4
    page_concurrency: int = 4
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = _RETRY.max_attempts
    call_deadline: float = _RETRY.deadline
    backoff_base: float = _RETRY.base
    backoff_cap: float = _RETRY.cap
    throttle_backoff: tuple[float, float] = (_RETRY.throttle_min, _RETRY.throttle_max)
    max_resweeps: int = 3
    page_limits: tuple[tuple[str, int], ...] = ()  # (endpoint, limit) to page smaller than the maximum
    token_refresh_margin: float = 3600.0
    language: str | None = None

    @property
    def token_mode(self) -> bool:
        """IAM token auth instead of AK/SK when a user and password are configured."""
        return bool(self.iam_user and self.iam_password)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the environment; endpoint: PBW_ENDPOINT > HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1 > PBW_SITE."""
        env = os.environ if env is None else env
        ak = env.get("HUAWEICLOUD_SDK_AK") or None
        sk = env.get("HUAWEICLOUD_SDK_SK") or None
        if bool(ak) != bool(sk):
            raise ConfigurationError("set both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or neither")
        iam_user = env.get("PBW_IAM_USER") or None
        iam_password = env.get("PBW_IAM_PASSWORD") or None
        configured = bool(ak or iam_user)
        site = (env.get("PBW_SITE") or ("cn" if configured else "sandbox")).lower()
        if site not in (*SITES, "sandbox"):
            raise ConfigurationError(f"PBW_SITE must be one of cn, intl, eu, sandbox (got {site!r})")
        sandbox_url = env.get("PBW_SANDBOX_URL") or demo.SANDBOX_DEFAULT_URL
        endpoint = (
            env.get("PBW_ENDPOINT")
            or env.get("HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1")
            or (sandbox_url if site == "sandbox" else SITES[site])
        )
        domain_id = env.get("HUAWEICLOUD_SDK_DOMAIN_ID") or None
        if not configured:
            ak, sk = demo.SANDBOX_AK, demo.SANDBOX_SK
            domain_id = domain_id or demo.SANDBOX_DOMAIN_ID
        iam_endpoint = env.get("HUAWEICLOUD_SDK_IAM_ENDPOINT") or IAM_ENDPOINTS.get(site, endpoint)
        values: dict[str, Any] = {
            "endpoint": endpoint.rstrip("/"),
            "ak": ak,
            "sk": sk,
            "domain_id": domain_id,
            "site": site,
            "iam_user": iam_user,
            "iam_password": iam_password,
            "iam_domain": env.get("PBW_IAM_DOMAIN") or None,
            "iam_endpoint": iam_endpoint.rstrip("/"),
            "rate_limit": float(env.get("PBW_RATE_LIMIT") or 10),
            "concurrency": int(env.get("PBW_CONCURRENCY") or 4),
        }
        # per-call retries of transient faults (an outage's test or a slow API may shorten or lengthen them)
        for name, key, kind in _RETRY_ENV:
            if env.get(name):
                values[key] = kind(env[name])
        values.update(overrides)
        return cls(**values)

    @classmethod
    def for_endpoint(cls, url: str, ak: str, sk: str, domain_id: str | None, **overrides: Any) -> Settings:
        """Settings for a known endpoint and AK/SK (tests and the sandbox), environment ignored."""
        return cls(endpoint=url.rstrip("/"), ak=ak, sk=sk, domain_id=domain_id, site="sandbox",
                   iam_endpoint=url.rstrip("/"), **overrides)

    def validate(self) -> None:
        """Fail early on settings the client cannot work with."""
        if not self.token_mode and not (self.ak and self.sk):
            raise ConfigurationError("no credentials: set HUAWEICLOUD_SDK_AK/SK or PBW_IAM_USER/PASSWORD")
        if self.token_mode and not (self.iam_domain or self.domain_id):
            raise ConfigurationError("token mode needs PBW_IAM_DOMAIN (account name) or the domain id")
        if self.rate_limit <= 0 or self.rate_burst < 1 or self.rate_burst > max(1, self.rate_limit):
            raise ConfigurationError("rate_limit must be > 0 and 1 <= rate_burst <= rate_limit")
        if self.concurrency < 1 or self.page_concurrency < 1:
            raise ConfigurationError("concurrency and page_concurrency must be >= 1")
