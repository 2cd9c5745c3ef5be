"""Helpers shared by the listeners: who is asking, with which services, and the one
way a modal is opened."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.models.views import View

from bot.core.commands import REQUEST_WAIT_SECONDS
from bot.core.services import Actor, Services


def services(context: BoltContext) -> Services:
    svc = context["services"]
    if not isinstance(svc, Services):
        raise TypeError("the services middleware did not run")
    return svc


def actor(context: BoltContext) -> Actor:
    team = context.team_id or context.enterprise_id or ""
    return Actor(team_id=team, user_id=context.user_id or "")


def bounded(svc: Services) -> AbstractContextManager[None]:
    """Every lock wait of one request, bounded so its answer comes inside 3 s."""
    return svc.db.request_scope(wait_seconds=REQUEST_WAIT_SECONDS)


def open_modal(svc: Services, trigger_id: Any, view: View) -> None:
    """``views.open`` with the trigger id Slack sent along."""
    svc.gateway.call("views.open", {"trigger_id": trigger_id, "view": view.to_dict()})
