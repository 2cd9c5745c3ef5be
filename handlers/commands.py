"""The ``/ally`` slash command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.core import commands
from handlers.common import actor, open_modal, services


def register(app: App) -> None:
    app.command("/ally")(ally)


def ally(ack: Ack, command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Answer privately, in the same HTTP response (well inside Slack's 3 seconds).

    Slow work (a pairing round, an export) is acknowledged at once; Bolt sends
    that answer as soon as ``ack`` is called, and the outcome follows through
    ``response_url`` when the work is done.
    """
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
    if reply.followup is not None:
        outcome = reply.followup()
        respond(response_type="ephemeral", replace_original=False, **outcome.as_message())
