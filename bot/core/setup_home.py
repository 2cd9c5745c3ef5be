"""The App Home's note for a workspace with no admin yet: how the first one is made.

Until someone is an admin nobody can set up programmes or grant roles, and Slack
cannot fix that by itself (only admins grant roles). The note shows whoever opens
the Home their own member id, ready to paste.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.core import roles
from bot.core.blocks import section
from bot.core.registry import HomeContext
from bot.core.services import Actor, Services
from bot.core.text import member_id


def first_admin_text(user_id: str) -> str:
    """How to make the first admin, with ``user_id`` filled in (mrkdwn)."""
    shown = member_id(user_id).strip("`")
    return (
        "*Nobody is an admin here yet*\n"
        "Until someone is, programmes and roles can't be set up. Whoever runs the bot "
        "can make the first admin. To make it you:\n"
        f"• add `ALLYBOT_ADMINS={shown}` to the bot's `.env` and restart it, or\n"
        f"• run `allybot admin grant {shown} admin` where the bot runs.\n"
        f"Your Slack member id is {member_id(user_id)}."
    )


def first_admin_section(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    """Shown to everyone while the workspace has no admin at all; nothing after."""
    with services.db.read() as session:
        if roles.has_admin(services, session, actor.team_id):
            return []
    return [section(first_admin_text(actor.user_id))]
