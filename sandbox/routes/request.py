"""What a route handler gets: the request with its parameters, and the running sandbox's world and stats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sandbox.answers import Answer, ApiError
from sandbox.injected import InjectedErrors
from sandbox.params import Params
from sandbox.stats import Stats
from sandbox.world import World


@dataclass(slots=True)
class Request:
    method: str
    path: str
    raw_path: str
    query: str
    headers: dict[str, str]
    body: bytes
    params: Params
    route: str = ""


class Context(Protocol):
    """The running sandbox as handlers see it (the gateway's `SandboxApp`)."""

    world: World
    stats: Stats
    injected: InjectedErrors


Handler = Callable[[Context, Request], Answer]


def checked_holder(world: World, params: Params) -> str | None:
    """The `indirect_partner_id` parameter, checked: None (the partner itself) or one of its resellers."""
    value = params.text("indirect_partner_id")
    if not world.holder_known(value):
        raise ApiError(400, "CBC.99000037", "No permission on this reseller (indirect_partner_id).")
    return value
