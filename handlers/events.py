"""Events API listeners: each event type runs the listeners capabilities contributed."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.core.registry import EventListener, Registry
from handlers.common import actor, services


def register(app: App, registry: Registry) -> None:
    for event_type, listeners in registry.events.items():
        app.event(event_type)(_listener(listeners))


def _listener(listeners: list[EventListener]) -> Any:
    def listener(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        event_id = body.get("event_id")
        for each in listeners:
            each.run(
                services(context),
                actor(context),
                event,
                event_id if isinstance(event_id, str) else None,
            )

    return listener
