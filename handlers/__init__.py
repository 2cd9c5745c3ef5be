"""Thin Slack adapters: read the payload, call one function of ``bot``, render the reply."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, home, shortcuts, views


def register_all(app: App) -> None:
    """Register every listener, surface by surface."""
    for module in (commands, actions, views, events, home, shortcuts):
        module.register(app)
