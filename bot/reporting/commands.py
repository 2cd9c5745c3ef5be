"""``/ally summary`` and the lead summary on the App Home."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.core.authz import Denied
from bot.core.blocks import Reply, sections, text_reply
from bot.core.registry import HomeContext
from bot.core.services import Actor, Services
from bot.reporting import summaries


def summary_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    return text_reply(summaries.summary(services, actor, list(args)))


def lead_summary_section(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    """Leads and admins see the default programme's last four weeks on their Home."""
    try:
        text = summaries.summary(services, actor, ["4"])
    except Denied:
        return []
    return list(sections(text)[:20])
