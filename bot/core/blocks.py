"""Block Kit views, built with ``slack_sdk.models`` so Slack's limits are checked.

Shared helpers for replies, sections and buttons. Every piece of text that came
from a person is escaped with :func:`bot.core.text.escape` before it lands in a
block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

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
    #: Work that may take longer than Slack's three seconds: this reply is the
    #: acknowledgement, and the surface runs ``followup`` afterwards and sends
    #: what it returns through ``response_url``.
    followup: Callable[[], Reply] | None = None

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
    return Reply(text=markdown, blocks=[*sections(markdown)])
