"""Modal submissions: read the form into a :class:`~bot.core.registry.ViewInput`,
run the capability's handler, answer with errors, an updated view, or a close.

A :class:`~bot.core.errors.UserError` is shown under the modal's ``error_block``;
modal errors are plain text, so mrkdwn backticks are dropped.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.views import View

from bot.core.commands import BUSY
from bot.core.errors import UserError
from bot.core.registry import FieldErrors, Modal, Registry, ViewInput
from handlers.common import actor, services
from storage.db import StorageBusy

ERROR_CHARS = 150


def register(app: App, registry: Registry) -> None:
    for modal in registry.modals.values():
        app.view(modal.callback_id)(_listener(modal))


def read_form(view: dict[str, Any]) -> ViewInput:
    """Every input block's value (text typed, option or conversation chosen) and checkbox
    choices."""
    values: dict[str, str | None] = {}
    selected: dict[str, list[str]] = {}
    state = view.get("state")
    blocks = state.get("values") if isinstance(state, dict) else None
    for block_id, actions in (blocks if isinstance(blocks, dict) else {}).items():
        element = next(iter(actions.values()), None) if isinstance(actions, dict) else None
        if not isinstance(element, dict):
            continue
        option = element.get("selected_option")
        value = element.get("value")
        picked = element.get("selected_conversation") or element.get("selected_channel")
        if isinstance(option, dict) and isinstance(option.get("value"), str):
            values[block_id] = option["value"]
        elif isinstance(picked, str):
            values[block_id] = picked
        else:
            values[block_id] = value if isinstance(value, str) else None
        chosen = element.get("selected_options")
        if isinstance(chosen, list):
            selected[block_id] = [
                o["value"]
                for o in chosen
                if isinstance(o, dict) and isinstance(o.get("value"), str)
            ]
    metadata = view.get("private_metadata")
    return ViewInput(
        private_metadata=metadata if isinstance(metadata, str) else "",
        values=values,
        selected=selected,
        key=f"view:{view.get('id')}:{view.get('hash')}",
    )


def _listener(modal: Modal) -> Any:
    def listener(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        try:
            result = modal.run(services(context), actor(context), read_form(view))
        except UserError as exc:
            result = FieldErrors({modal.error_block: str(exc)})
        except StorageBusy:
            result = FieldErrors({modal.error_block: BUSY})
        if isinstance(result, FieldErrors):
            errors = {k: v.replace("`", "")[:ERROR_CHARS] for k, v in result.errors.items()}
            ack(response_action="errors", errors=errors)
        elif isinstance(result, View):
            ack(response_action="update", view=result.to_dict())
        else:
            ack()

    listener.__name__ = f"modal_{modal.callback_id}"
    return listener
