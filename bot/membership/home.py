"""The App Home: render it for one person from every capability's sections, and act
on its ``home_*`` buttons.

The frame and the membership section belong to membership; every other section
comes from the registry (:class:`~bot.core.registry.HomeSection`), in capability
order, so a capability adds to the Home without this module knowing it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.core import authz
from bot.core.blocks import section
from bot.core.errors import UserError
from bot.core.gateway import SlackError
from bot.core.registry import HomeContext
from bot.core.services import Actor, Services
from bot.membership import members
from bot.membership.views import home_view, membership_blocks

log = logging.getLogger(__name__)


def render(services: Services, actor: Actor, notice: str | None = None) -> View:
    """The Home for ``actor``; ``notice`` (why a button did nothing) is shown on top."""
    member = members.get(services, actor)
    with services.db.read() as session:
        roles = frozenset(authz.roles(services, session, actor))
    ctx = HomeContext(roles=roles, is_member=member is not None)
    mine: list[Block] = [section(f":warning: {notice}")] if notice else []
    mine += membership_blocks(member)
    for part in services.registry.home_sections(lead=False):
        mine += part.render(services, actor, ctx)
    lead: list[Block] | None = None
    if roles & {"lead", "admin"}:
        lead = []
        for part in services.registry.home_sections(lead=True):
            lead += part.render(services, actor, ctx)
    return home_view(mine, lead)


def publish(services: Services, actor: Actor, notice: str | None = None) -> bool:
    """Publish a fresh Home for ``actor`` (``views.publish``); False if Slack refused."""
    view = render(services, actor, notice)
    try:
        services.gateway.call("views.publish", {"user_id": actor.user_id, "view": view.to_dict()})
    except SlackError as exc:
        log.warning("views.publish failed: %s", exc)
        return False
    return True


def on_opened(
    services: Services, actor: Actor, event: Mapping[str, object], event_id: str | None
) -> bool:
    """``app_home_opened``: publish once per event id (Slack retries are ignored)."""
    if event.get("tab", "home") != "home":
        return False
    if event_id:
        with services.once(f"event:{event_id}") as session:
            if session is None:
                return False
    return publish(services, actor)


def on_action(services: Services, actor: Actor, action_id: str, key: str, value: str = "") -> bool:
    """A Home button: do it once (``key`` identifies the click), then refresh the Home.

    Unknown action ids change nothing.
    """
    act = services.registry.home_buttons.get(action_id)
    if act is None:
        log.info("ignored unknown home action %r", action_id[:64])
        return False
    with services.once(key) as session:
        if session is None:
            return False
    notice = None
    try:
        act.run(services, actor, value)
    except UserError as exc:
        # Say why on the Home itself (a guest refused, a pause out of range...).
        log.info("home action refused")
        notice = str(exc)
    except ValueError:
        log.info("home action refused", exc_info=True)
    publish(services, actor, notice)
    return True
