"""Block Kit views, built with ``slack_sdk.models`` so Slack's limits are checked.

Shared helpers for replies, sections and buttons. Every piece of text that came
from a person is escaped with :func:`bot.core.text.escape` before it lands in a
block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.parse import is_number
from bot.core.text import plural

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
                    section(
                        f"…and {plural(cut, 'more section')} not shown. Ask for a shorter period."
                    ),
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


def text_reply(markdown: str | Reply) -> Reply:
    """A reply of mrkdwn sections; a :class:`Reply` (an admin action's blocks) passes as is."""
    if isinstance(markdown, Reply):
        return markdown
    return Reply(text=markdown, blocks=[*sections(markdown)])


#: Suffixes of the two page buttons :func:`paged_reply` adds; a capability contributes a
#: :class:`~bot.core.registry.Button` for each (Slack wants distinct action ids per block).
PAGE_BUTTONS = ("_prev", "_next")


def page_count(items: int, per_page: int) -> int:
    """How many pages ``items`` fill (at least one, so an empty list has page 1 of 1)."""
    return max(1, -(-items // per_page))


def paged_reply(
    heading: str,
    items: Sequence[str],
    page: int,
    *,
    per_page: int,
    action: str,
    command: str,
    context: str = "",
    separator: str = "\n",
) -> Reply:
    """One page of a long list, with Previous/Next buttons and the typed equivalent.

    A list that could outgrow one message (Slack's 50 blocks, 3,000 characters a
    section) is shown ``per_page`` items at a time, never cut mid-word. The buttons'
    action ids are ``action + "_prev"`` and ``action + "_next"`` and their value is the
    page they open, then ``context`` (say, whose history), space-separated; ``command``
    is what a person types for a page (``"/ally journal"`` becomes ``/ally journal 2``).
    ``page`` is clamped to the pages that exist.
    """
    pages = page_count(len(items), per_page)
    page = min(max(page, 1), pages)
    shown = items[(page - 1) * per_page : page * per_page]
    title = heading if pages == 1 else f"{heading} (page {page} of {pages})"
    body = separator.join([title, *shown])
    blocks: list[Block] = [*sections(body)]
    blocks += page_controls(action, page, pages, command=command, context=context)
    return Reply(text=body[: 3 * SECTION_LIMIT], blocks=blocks)


def page_controls(
    action: str, page: int, pages: int, *, command: str, context: str = ""
) -> list[Block]:
    """Previous/Next buttons and the typed equivalent, for page ``page`` of ``pages``.

    Nothing when everything fits on one page. See :func:`paged_reply` for the ids
    and values.
    """
    buttons = []
    if page > 1:
        value = f"{page - 1} {context}".strip()
        buttons.append(button("Previous", action + PAGE_BUTTONS[0], value))
    if page < pages:
        value = f"{page + 1} {context}".strip()
        buttons.append(button("Next", action + PAGE_BUTTONS[1], value, style="primary"))
    if not buttons:
        return []
    typed = f"`{command} {page + 1}`" if page < pages else f"`{command} {page - 1}`"
    return [
        ActionsBlock(block_id=f"{action}_pages", elements=buttons),
        ContextBlock(elements=[MarkdownTextObject(text=f"Or type {typed}.")]),
    ]


def page_number(value: str) -> int:
    """A page number from a button value or a typed word; 1 for anything else."""
    value = value.strip()
    return int(value) if is_number(value) and len(value) < 7 and 0 < int(value) < 100_000 else 1


def page_value(value: str) -> tuple[int, str]:
    """A page button's value split into the page and its context (see :func:`paged_reply`)."""
    page, _, context = value.strip().partition(" ")
    return page_number(page), context.strip()
