"""Thin Slack adapters, one module per surface: read the payload, call one function
of a capability (found in the registry), render the reply."""

from __future__ import annotations

from slack_bolt import App

from bot.core.registry import Registry
from handlers import actions, commands, events, home, shortcuts, views


def register_all(app: App, registry: Registry) -> None:
    """Register every listener, surface by surface, for what ``registry`` holds."""
    commands.register(app)
    actions.register(app, registry)
    views.register(app, registry)
    events.register(app, registry)
    home.register(app)
    shortcuts.register(app, registry)
