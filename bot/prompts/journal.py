"""The private journal: pages and an export, for its author only.

Journal text is read only here, only for its author, and never logged.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block

from bot.core import outbox
from bot.core.blocks import Reply, page_controls, page_count, page_number, sections, text_reply
from bot.core.errors import UserError
from bot.core.services import Actor, Services
from bot.core.text import escape
from bot.prompts.schedule import member_zone
from storage import members as members_store
from storage import prompts as store

PAGE = 5


class JournalError(UserError):
    """Shown to the person."""


def page(services: Services, actor: Actor, number: int) -> tuple[list[tuple[str, str, str]], int]:
    """Entries (date, prompt, text) on page ``number`` (1-based), and the page count.

    Dates are the member's own calendar dates (their time zone), since only they read it.
    """
    with services.db.read() as session:
        member = members_store.get_member(session, actor.team_id, actor.user_id)
        if member is None:
            return [], 0
        zone = member_zone(member.tz)
        total = store.journal_count(session, member.id)
        pages = page_count(total, PAGE)
        number = min(max(number, 1), pages)
        rows = store.journal(session, member.id, (number - 1) * PAGE, PAGE)
        entries = [(_day(r.created_at.astimezone(zone)), r.prompt_text, r.text) for r in rows]
    return entries, pages


def _day(local: datetime) -> str:
    return f"{local:%A} {local.day} {local:%B %Y}"


def render_page(entries: list[tuple[str, str, str]], number: int, pages: int) -> Reply:
    """One journal page, newest first, with Older/Newer buttons and their typed twin."""
    if not entries:
        return text_reply("Your journal is empty. `/ally reflect` gets you a prompt to start with.")
    number = min(max(number, 1), pages)
    where = f"page {number} of {pages}, " if pages > 1 else ""
    parts = [f"*Your journal* ({where}newest first; only you can see this)"]
    for day, prompt, text in entries:
        parts.append(f"*{day}* · _{escape(prompt)}_\n{escape(text)}")
    body = "\n\n".join(parts)
    blocks: list[Block] = [*sections(body)]
    blocks += page_controls("journal_page", number, pages, command="/ally journal")
    return Reply(text=body[:9000], blocks=blocks)


def page_button(services: Services, actor: Actor, value: str) -> Reply:
    """Previous / Next under a journal page (the value is the page number)."""
    number = page_number(value)
    entries, pages = page(services, actor, number)
    return render_page(entries, number, pages)


def export(services: Services, actor: Actor) -> int:
    """DM the member a text file of their whole journal (through the outbox)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        member = members_store.get_member(session, actor.team_id, actor.user_id)
        if member is None:
            raise JournalError("You have no journal yet.")
        rows = store.journal(session, member.id, 0, 100_000)
        if not rows:
            raise JournalError("Your journal is empty, so there's nothing to export.")
        zone = member_zone(member.tz)
        lines = [
            f"{r.created_at.astimezone(zone):%Y-%m-%d}  {r.prompt_text}\n{r.text}\n"
            for r in reversed(rows)
        ]
        outbox.send_file(
            session,
            team_id=actor.team_id,
            user_id=actor.user_id,
            content="\n".join(lines).encode("utf-8"),
            filename="allyship-journal.txt",
            title="Your allyship journal",
            comment="Here is your journal. Only you received this file.",
            now=now,
            dedupe_key=f"journal-export:{member.id}:{now.isoformat()}",
        )
        return len(rows)
