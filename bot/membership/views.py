"""Block Kit for membership: the status line and the App Home's frame and join section."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
)
from slack_sdk.models.views import View

from bot.core import calendar
from bot.core.blocks import HOME_BLOCK_LIMIT, button, section
from bot.membership.members import MemberView, Role, Status

ABOUT = (
    "*Allyship Buddies* pairs allies with colleagues who opted in, for regular, "
    "low-key check-ins. Allies listen, ask what would actually help and follow through; "
    "colleagues share only what they choose to. Between check-ins you get short reflection "
    "prompts, and anyone can tell the programme, anonymously, what works and what feels "
    "performative."
)

ROLE_LABEL = {Role.ALLY: "an *ally*", Role.COLLEAGUE: "a *colleague*"}


def status_text(member: MemberView | None) -> str:
    if member is None:
        return "You're not in the programme. Join with `/ally join ally` or `/ally join colleague`."
    return f"You're in {membership_line(member)}."


def membership_line(member: MemberView) -> str:
    """``the programme as an *ally*, paused until Monday 9 March 2026`` (no full stop)."""
    line = f"the programme as {ROLE_LABEL[member.role]}"
    if member.status is Status.PAUSED and member.paused_until:
        # The member reads it, so their own calendar date (stored times are UTC).
        until = member.paused_until.astimezone(calendar.zone(member.tz))
        line += f", paused until {until:%A} {until.day} {until:%B %Y}"
    elif member.status is Status.PAUSED:
        line += ", paused until you resume"
    return line


def leave_confirm() -> ConfirmObject:
    return ConfirmObject(
        title="Leave the programme?",
        text="You won't be paired or sent prompts. You can rejoin any time.",
        confirm="Leave",
        deny="Stay",
    )


def membership_blocks(member: MemberView | None) -> list[Block]:
    """Join buttons for newcomers; status, pause and leave for members."""
    if member is None:
        return [
            section("*Join the programme*\nChoose how you'd like to take part."),
            ActionsBlock(
                block_id="home_join",
                elements=[
                    button("Join as ally", "home_join_ally", "ally", style="primary"),
                    button("Join as colleague", "home_join_colleague", "colleague"),
                ],
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Colleagues always opt in themselves; nobody can sign you up."
                    )
                ]
            ),
        ]
    actions = []
    if member.status is Status.PAUSED:
        actions.append(button("Resume", "home_resume", style="primary"))
    else:
        actions.append(button("Pause 2 weeks", "home_pause", "2"))
    actions.append(button("Leave", "home_leave", style="danger", confirm=leave_confirm()))
    return [
        section(f"*Your membership*\n{status_text(member)}"),
        ActionsBlock(block_id="home_membership", elements=actions),
    ]


def home_view(member_blocks: Sequence[Block], lead_blocks: Sequence[Block] | None) -> View:
    """The App Home tab: what the programme is, the person's sections, and, for leads
    and admins (``lead_blocks`` not None), the programme tools."""
    blocks: list[Block] = [HeaderBlock(text="Allyship Buddies"), section(ABOUT), DividerBlock()]
    blocks += member_blocks
    if lead_blocks is not None:
        blocks += [DividerBlock(), HeaderBlock(text="Programme tools")]
        blocks += list(lead_blocks) or [
            section(
                "Leads see programme summaries here; admins also manage roles "
                "with `/ally admin list`."
            )
        ]
    return View(type="home", blocks=blocks[:HOME_BLOCK_LIMIT])
