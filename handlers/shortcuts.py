"""Global shortcuts: each opens the modal its capability returns."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core.registry import Registry, Shortcut
from handlers.common import actor, open_modal, services


def register(app: App, registry: Registry) -> None:
    for shortcut in registry.shortcuts.values():
        app.shortcut(shortcut.callback_id)(_listener(shortcut))


def _listener(shortcut: Shortcut) -> Any:
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        svc = services(context)
        open_modal(svc, body.get("trigger_id"), shortcut.run(svc, actor(context)))

    listener.__name__ = f"shortcut_{shortcut.callback_id}"
    return listener
