"""The ``/ally`` slash command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import commands
from handlers.common import actor, open_modal, services


def register(app: App) -> None:
    app.command("/ally")(ally)


def ally(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Answer privately, in the same HTTP response (well inside Slack's 3 seconds)."""
    text = command.get("text")
    svc = services(context)
    replay = context.get("replay")
    reply = commands.handle(
        svc,
        actor(context),
        text if isinstance(text, str) else "",
        replay if isinstance(replay, commands.Replay) else None,
    )
    ack(response_type="ephemeral", **reply.as_message())
    if reply.modal is not None and command.get("trigger_id"):
        open_modal(svc, command["trigger_id"], reply.modal)
