"""Block Kit views, built with ``slack_sdk.models`` so Slack's limits are checked.

Every piece of text that came from a person is escaped with
:func:`bot.text.escape` before it lands in a block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.membership.members import MemberView, Role, Status

SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
HOME_BLOCK_LIMIT = 100


@dataclass
class Reply:
    """What the bot says back to one person: text (fallback) plus optional blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    #: A modal to open as well (slash commands carry a trigger id to open it with).
    modal: View | None = None

    def as_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"text": self.text}
        if self.blocks:
            blocks = self.blocks
            if len(blocks) > MESSAGE_BLOCK_LIMIT:
                # Slack allows 50 blocks a message: say plainly that the rest was cut.
                cut = len(blocks) - MESSAGE_BLOCK_LIMIT + 1
                blocks = [
                    *blocks[: MESSAGE_BLOCK_LIMIT - 1],
                    section(f"…and {cut} more section(s) not shown. Ask for a shorter period."),
                ]
            message["blocks"] = [b.to_dict() for b in blocks]
        return message


def section(markdown: str) -> SectionBlock:
    """A section of mrkdwn, cut to Slack's 3,000-character limit."""
    if len(markdown) > SECTION_LIMIT:
        markdown = markdown[: SECTION_LIMIT - 1] + "…"
    return SectionBlock(text=MarkdownTextObject(text=markdown))


def sections(markdown: str) -> list[SectionBlock]:
    """Split long mrkdwn over several sections (on line breaks where possible)."""
    out: list[SectionBlock] = []
    chunk = ""
    for line in markdown.split("\n"):
        while len(line) > SECTION_LIMIT:
            if chunk:
                out.append(section(chunk))
                chunk = ""
            out.append(section(line[:SECTION_LIMIT]))
            line = line[SECTION_LIMIT:]
        candidate = f"{chunk}\n{line}" if chunk else line
        if len(candidate) > SECTION_LIMIT:
            out.append(section(chunk))
            chunk = line
        else:
            chunk = candidate
    if chunk:
        out.append(section(chunk))
    return out


def button(
    text: str,
    action_id: str,
    value: str = "",
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=text, action_id=action_id, value=value or None, style=style, confirm=confirm
    )


def text_reply(markdown: str) -> Reply:
    return Reply(text=markdown, blocks=sections(markdown))


ABOUT = (
    "*Allyship buddies* pairs allies with colleagues who opted in, for regular, "
    "low-key check-ins. Allies listen and follow through; colleagues say what would "
    "actually help. Between check-ins you get short reflection prompts, and anyone can "
    "tell the programme, anonymously, what works and what feels performative."
)

ROLE_LABEL = {Role.ALLY: "ally", Role.COLLEAGUE: "colleague"}


def status_text(member: MemberView | None) -> str:
    if member is None:
        return "You're not in the programme. Join with `/ally join ally` or `/ally join colleague`."
    line = f"You're in the programme as *{ROLE_LABEL[member.role]}*, status *{member.status}*"
    if member.status is Status.PAUSED and member.paused_until:
        line += f" until {member.paused_until:%A %d %B %Y}"
    return line + "."


def leave_confirm() -> ConfirmObject:
    return ConfirmObject(
        title="Leave the programme?",
        text="You won't be paired or sent prompts. You can rejoin any time.",
        confirm="Leave",
        deny="Stay",
    )


def home_view(
    member: MemberView | None,
    roles: set[str],
    lead_blocks: Sequence[Block] = (),
    member_blocks: Sequence[Block] = (),
) -> View:
    """The App Home tab: what the programme is, your membership and your tools."""
    blocks: list[Block] = [HeaderBlock(text="Allyship buddies"), section(ABOUT), DividerBlock()]
    if member is None:
        blocks += [
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
    else:
        actions = []
        if member.status is Status.PAUSED:
            actions.append(button("Resume", "home_resume", style="primary"))
        else:
            actions.append(button("Pause 2 weeks", "home_pause", "2"))
        actions.append(button("Leave", "home_leave", style="danger", confirm=leave_confirm()))
        blocks += [
            section(f"*Your membership*\n{status_text(member)}"),
            ActionsBlock(block_id="home_membership", elements=actions),
            *member_blocks,
        ]
    if roles & {"lead", "admin"}:
        blocks += [DividerBlock(), HeaderBlock(text="Programme tools")]
        blocks += list(lead_blocks) or [
            section(
                "Leads see programme summaries here; admins also manage roles "
                "with `/ally admin list`."
            )
        ]
    return View(type="home", blocks=blocks[:HOME_BLOCK_LIMIT])
