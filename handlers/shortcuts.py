"""Global shortcuts."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.feedback import anonymous as feedback
from handlers.common import services


def register(app: App) -> None:
    app.shortcut("ally_feedback")(feedback_shortcut)


def feedback_shortcut(ack: Ack, shortcut: dict[str, Any], context: BoltContext) -> None:
    ack()
    services(context).gateway.call(
        "views.open",
        {"trigger_id": shortcut.get("trigger_id"), "view": feedback.form().to_dict()},
    )
