"""The App Home: render it for one person and act on its buttons."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.core import authz
from bot.membership import members as membership
from bot.core.gateway import SlackError
from bot.membership.members import MembershipError, Role
from bot.core.services import Actor, Services
from bot.core.blocks import home_view

log = logging.getLogger(__name__)

#: Extra blocks for the lead/admin section, contributed by feature modules.
LEAD_SECTIONS: list[Callable[[Services, Actor, set[str]], list[Block]]] = []
#: Extra blocks for members (e.g. prompt settings), contributed by feature modules.
MEMBER_SECTIONS: list[Callable[[Services, Actor], list[Block]]] = []


def render(services: Services, actor: Actor) -> View:
    member = membership.get(services, actor)
    with services.db.read() as session:
        roles = authz.roles(services, session, actor)
    extra: list[Block] = []
    if roles & {"lead", "admin"}:
        for contribute in LEAD_SECTIONS:
            extra += contribute(services, actor, roles)
    mine: list[Block] = []
    if member is not None:
        for section in MEMBER_SECTIONS:
            mine += section(services, actor)
    return home_view(member, roles, extra, mine)


def publish(services: Services, actor: Actor) -> bool:
    """Publish a fresh Home for ``actor`` (``views.publish``); False if Slack refused."""
    view = render(services, actor)
    try:
        services.gateway.call("views.publish", {"user_id": actor.user_id, "view": view.to_dict()})
    except SlackError as exc:
        log.warning("views.publish failed: %s", exc)
        return False
    return True


def on_opened(services: Services, actor: Actor, event_id: str | None) -> bool:
    """``app_home_opened``: publish once per event id (Slack retries are ignored)."""
    if event_id:
        with services.once(f"event:{event_id}") as session:
            if session is None:
                return False
    return publish(services, actor)


#: Home buttons: action id -> fn(services, actor, value). Features add theirs.
ACTIONS: dict[str, Callable[[Services, Actor, str], object]] = {
    "home_join_ally": lambda s, a, _: membership.join(s, a, Role.ALLY),
    "home_join_colleague": lambda s, a, _: membership.join(s, a, Role.COLLEAGUE),
    "home_pause": lambda s, a, _: membership.pause(s, a, membership.DEFAULT_PAUSE_WEEKS),
    "home_resume": lambda s, a, _: membership.resume(s, a),
    "home_leave": lambda s, a, _: membership.leave(s, a),
}


def on_action(services: Services, actor: Actor, action_id: str, key: str, value: str = "") -> bool:
    """A Home button: do it once (``key`` identifies the click), then refresh the Home.

    Unknown action ids change nothing.
    """
    act = ACTIONS.get(action_id)
    if act is None:
        log.info("ignored unknown home action %r", action_id[:64])
        return False
    with services.once(key) as session:
        if session is None:
            return False
    try:
        act(services, actor, value)
    except (MembershipError, ValueError) as exc:
        log.info("home action refused: %s", exc)
    publish(services, actor)
    return True
