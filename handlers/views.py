"""Modal submissions (features register theirs here)."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """No modals in the foundation; feedback, check-ins and admin add theirs."""
