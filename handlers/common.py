"""Helpers shared by the listeners: who is asking and with which services."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.core.services import Actor, Services


def services(context: BoltContext) -> Services:
    return context["services"]  # type: ignore[no-any-return]


def actor(context: BoltContext) -> Actor:
    team = context.team_id or context.enterprise_id or ""
    return Actor(team_id=team, user_id=context.user_id or "")
