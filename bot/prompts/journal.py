"""The private journal: pages and an export, for its author only.

Journal text is read only here, only for its author, and never logged.
"""

from __future__ import annotations

from bot.core import outbox
from bot.core.errors import UserError
from bot.core.services import Actor, Services
from bot.core.text import escape
from storage import members as members_store
from storage import prompts as store

PAGE = 5


class JournalError(UserError):
    """Shown to the person."""


def page(services: Services, actor: Actor, number: int) -> tuple[list[tuple[str, str, str]], int]:
    """Entries (date, prompt, text) on page ``number`` (1-based), and the page count."""
    with services.db.read() as session:
        member = members_store.get_member(session, actor.team_id, actor.user_id)
        if member is None:
            return [], 0
        total = store.journal_count(session, member.id)
        rows = store.journal(session, member.id, (number - 1) * PAGE, PAGE)
        entries = [(f"{r.created_at:%d %b %Y}", r.prompt_text, r.text) for r in rows]
    return entries, max(1, -(-total // PAGE))


def render_page(entries: list[tuple[str, str, str]], number: int, pages: int) -> str:
    if not entries:
        return "Your journal is empty. `/ally reflect` gets you a prompt to start with."
    parts = [f"*Your journal* (page {number} of {pages}, only you can see this)"]
    for day, prompt, text in entries:
        parts.append(f"*{day}* · _{escape(prompt)}_\n{escape(text)}")
    if number < pages:
        parts.append(f"`/ally journal {number + 1}` for older entries.")
    return "\n\n".join(parts)


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
        lines = [f"{r.created_at:%Y-%m-%d}  {r.prompt_text}\n{r.text}\n" for r in reversed(rows)]
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
