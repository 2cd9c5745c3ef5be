"""Buttons in messages the bot sent (features register theirs here)."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """No message buttons in the foundation; pairing and prompts add theirs."""
