"""Buttons in messages the bot sent (``home_*`` buttons are in :mod:`handlers.home`).

Every button a capability contributes gets the same listener: acknowledge, run it
with the button's value, then answer privately, open the modal it returned, or do
nothing. A :class:`~bot.core.errors.UserError` becomes the private answer here.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.models.views import View

from bot.core import parse
from bot.core.blocks import Reply, text_reply
from bot.core.commands import BUSY
from bot.core.errors import UserError
from bot.core.registry import Button, Registry
from handlers.common import actor, bounded, open_modal, services
from storage.db import StorageBusy


def register(app: App, registry: Registry) -> None:
    for button in registry.buttons.values():
        app.action(button.action_id)(_listener(button))


def _listener(button: Button) -> Any:
    def listener(
        ack: Ack,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        svc = services(context)
        try:
            with bounded(svc):
                result = button.run(svc, actor(context), parse.button_value(action.get("value")))
        except UserError as exc:
            result = text_reply(str(exc))
        except StorageBusy:
            result = text_reply(BUSY)
        if isinstance(result, Reply):
            respond(
                response_type="ephemeral",
                replace_original=button.replaces,
                **result.as_message(),
            )
        elif isinstance(result, View):
            open_modal(svc, body.get("trigger_id"), result)

    listener.__name__ = f"button_{button.action_id}"
    return listener
