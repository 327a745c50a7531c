"""Several partner accounts in one deployment: a CN and an international account, or several distributors.

`PBW_ACCOUNTS` names a TOML file (`config/accounts.example.toml`) listing each account's name, domain id,
site or endpoint, and the NAMES of the environment variables that hold its AK/SK: the file is safe to
commit and the keys stay in the secret store. A run picks its account by resource config
(`resources.partner_center.config.account`, set by the per-account schedules and `pbw ... --account`),
so the asset code is the same for every account; rows carry the account's domain id and loads replace
partitions of that account only, so a rerun of one account never touches another.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ACCOUNTS_ENV = "PBW_ACCOUNTS"
SITES = ("cn", "intl", "eu", "sandbox")
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_KEYS = {"name", "domain_id", "site", "endpoint", "ak_env", "sk_env"}
_SECRET_KEYS = {"ak", "sk", "secret", "password", "access_key", "secret_key", "key"}


class AccountsError(ValueError):
    """The accounts file is unusable: the message names the file, the account and what to write instead."""


@dataclass(frozen=True)
class Account:
    """One partner account: where its API is and which environment variables hold its credentials."""

    name: str
    domain_id: str
    ak_env: str
    sk_env: str
    site: str | None = None
    endpoint: str | None = None

    def environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The client's environment for this account (credentials read now, from the named variables)."""
        source = os.environ if env is None else env
        missing = [n for n in (self.ak_env, self.sk_env) if not source.get(n)]
        if missing:
            raise AccountsError(f"account {self.name!r}: environment variable {', '.join(missing)} is not "
                                "set; export it (from your secret store) in every Dagster process")
        out = {"HUAWEICLOUD_SDK_AK": source[self.ak_env], "HUAWEICLOUD_SDK_SK": source[self.sk_env],
               "HUAWEICLOUD_SDK_DOMAIN_ID": self.domain_id, "PBW_IAM_USER": "", "PBW_IAM_PASSWORD": "",
               "HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1": ""}
        if self.endpoint:
            out["PBW_ENDPOINT"] = self.endpoint
        else:
            out.update(PBW_ENDPOINT="", PBW_SITE=self.site or "cn")
        return out


def _account(path: Path, index: int, raw: object) -> Account:
    where = f"{path}: account #{index + 1}"
    if not isinstance(raw, dict):
        raise AccountsError(f"{where}: write each account as an [[account]] table")
    name = raw.get("name")
    if isinstance(name, str):
        where = f"{path}: account {name!r}"
    secrets = sorted(k for k in raw if k.lower() in _SECRET_KEYS)
    if secrets:
        raise AccountsError(f"{where}: {', '.join(secrets)} holds a credential in the file; write the NAME "
                            "of the environment variable instead (ak_env = \"PBW_CN_AK\", sk_env = ...)")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise AccountsError(f"{where}: unknown key {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")
    if not isinstance(name, str) or not _NAME.match(name):
        raise AccountsError(f"{where}: name must be 1-32 lower-case letters, digits, - or _ (got {name!r})")
    for key in ("domain_id", "ak_env", "sk_env"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise AccountsError(f"{where}: {key} is missing")
    for key in ("ak_env", "sk_env"):
        if not _ENV_NAME.match(raw[key]):
            raise AccountsError(f"{where}: {key} must be an environment variable NAME like PBW_CN_AK "
                                f"(upper-case letters, digits, _), not a value")
    site, endpoint = raw.get("site"), raw.get("endpoint")
    if (site is None) == (endpoint is None):
        raise AccountsError(f"{where}: set exactly one of site ({', '.join(SITES)}) or endpoint (a URL)")
    if site is not None and site not in SITES:
        raise AccountsError(f"{where}: site must be one of {', '.join(SITES)} (got {site!r})")
    if endpoint is not None and not (isinstance(endpoint, str) and re.match(r"^https?://", endpoint)):
        raise AccountsError(f"{where}: endpoint must be an http(s) URL (got {endpoint!r})")
    return Account(name, raw["domain_id"], raw["ak_env"], raw["sk_env"], site, endpoint)


def load_accounts(path: Path) -> tuple[Account, ...]:
    """Every account of the file, validated; errors name the file, the account and the fix."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AccountsError(f"{path}: cannot read ({exc.strerror}); set {ACCOUNTS_ENV} to the accounts "
                            "file") from None
    except tomllib.TOMLDecodeError as exc:
        raise AccountsError(f"{path}: not valid TOML: {exc}") from None
    raw = data.get("account")
    if not isinstance(raw, list) or not raw:
        raise AccountsError(f"{path}: no accounts; list each one as an [[account]] table")
    accounts = tuple(_account(path, i, r) for i, r in enumerate(raw))
    for field in ("name", "domain_id"):
        values = [getattr(a, field) for a in accounts]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise AccountsError(f"{path}: {field} {', '.join(twice)} appears more than once")
    return accounts


def configured_accounts(env: Mapping[str, str] | None = None) -> tuple[Account, ...]:
    """The accounts of `PBW_ACCOUNTS`; none when it is unset (one account from the SDK variables)."""
    source = os.environ if env is None else env
    configured = source.get(ACCOUNTS_ENV, "").strip()
    return load_accounts(Path(configured)) if configured else ()


def find_account(name: str, env: Mapping[str, str] | None = None) -> Account:
    """The account called `name` in `PBW_ACCOUNTS`."""
    accounts = configured_accounts(env)
    if not accounts:
        raise AccountsError(f"account {name!r} asked for, but {ACCOUNTS_ENV} names no accounts file")
    for account in accounts:
        if account.name == name:
            return account
    raise AccountsError(f"no account {name!r} in {os.environ.get(ACCOUNTS_ENV)} "
                        f"(known: {', '.join(a.name for a in accounts)})")


def account_run_config(name: str | None) -> dict[str, object]:
    """Run config that points a run's Partner Center resource at one account (nothing for None)."""
    if name is None:
        return {}
    return {"resources": {"partner_center": {"config": {"account": name}}}}
