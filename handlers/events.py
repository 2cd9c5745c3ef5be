"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.membership import home
from bot.membership import members as membership
from bot.core.services import Actor
from handlers.common import actor, services


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.event("user_change")(user_changed)


def home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    home.on_opened(services(context), actor(context), body.get("event_id"))


def user_changed(event: dict[str, Any], context: BoltContext) -> None:
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return
    who = Actor(team_id=actor(context).team_id, user_id=user["id"])
    membership.apply_timezone(services(context), who, user.get("tz"), user.get("tz_offset"))
