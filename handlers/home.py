"""App Home buttons (``home_*``): done once per click, then the Home is refreshed."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import parse
from bot.membership import home
from handlers.common import actor, services


def register(app: App) -> None:
    app.action(re.compile(r"^home_"))(home_button)


def home_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    """The click's identity (user, action id, ``action_ts``) is its idempotency key;
    a forged or oversized one is refused before it reaches the database."""
    ack()
    try:
        action_id = parse.word(action.get("action_id"), what="button", max_chars=64)
        action_ts = parse.word(action.get("action_ts"), what="button", max_chars=32)
        value = parse.button_value(action.get("value"))
    except parse.InvalidInput:
        return
    key = f"action:{context.user_id}:{action_id}:{action_ts}"
    home.on_action(services(context), actor(context), action_id, key, value)
