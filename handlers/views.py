"""Modal submissions: read the form into a :class:`~bot.core.registry.ViewInput`,
run the capability's handler, answer with errors, an updated view, or a close.

A :class:`~bot.core.errors.UserError` is shown under the modal's ``error_block``;
modal errors are plain text, so mrkdwn backticks are dropped.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.views import View

from bot.core import parse
from bot.core.commands import BUSY
from bot.core.errors import UserError
from bot.core.registry import FieldErrors, Modal, Registry, ViewInput
from handlers.common import actor, bounded, services
from storage.db import StorageBusy

ERROR_CHARS = 150


def register(app: App, registry: Registry) -> None:
    for modal in registry.modals.values():
        app.view(modal.callback_id)(_listener(modal))


def read_form(view: dict[str, Any]) -> ViewInput:
    """Every input block's value (text typed, number, option, time, date or conversation chosen) and
    checkbox choices.

    Read through :func:`bot.core.parse.form_state` and :func:`~bot.core.parse.metadata`,
    so a payload of the wrong shape raises :class:`~bot.core.parse.InvalidInput`
    (shown under the modal's error block) instead of crashing the listener.
    """
    state = parse.form_state(view)
    view_id = parse.word(view.get("id"), what="form", max_chars=64)
    view_hash = parse.word(view.get("hash") or "-", what="form", max_chars=128)
    return ViewInput(
        private_metadata=parse.metadata(view.get("private_metadata")),
        values=state.values,
        selected=state.selected,
        key=f"view:{view_id}:{view_hash}",
    )


def _listener(modal: Modal) -> Any:
    def listener(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        svc = services(context)
        try:
            with bounded(svc):
                result = modal.run(svc, actor(context), read_form(view))
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
