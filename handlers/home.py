"""App Home buttons (``home_*``): done once per click, then the Home is refreshed."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.membership import home
from handlers.common import actor, services


def register(app: App) -> None:
    app.action(re.compile(r"^home_"))(home_button)


def home_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    ack()
    key = f"action:{context.user_id}:{action.get('action_id')}:{action.get('action_ts')}"
    home.on_action(
        services(context),
        actor(context),
        str(action.get("action_id", "")),
        key,
        str(action.get("value") or ""),
    )
