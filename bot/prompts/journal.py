"""The private journal: pages and an export, for its author only.

Journal text is read only here, only for its author, and never logged. At rest each
entry is sealed (AES-GCM) under the member's own data key, with (workspace, member,
entry id) as associated data, so an entry copied to another row or member does not
open. The data key is stored wrapped by a key derived from the master secret;
forgetting the member deletes it, and with it every copy of their reflections
(crypto-shredding: backups included, once the key is gone everywhere).
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.blocks import Reply, page_controls, page_count, page_number, sections, text_reply
from bot.core.errors import UserError
from bot.core.services import Actor, Services
from bot.core.text import escape
from bot.prompts.schedule import member_zone
from storage import keyring, sealing
from storage import members as members_store
from storage import prompts as store
from storage.models import Member
from storage.prompt_models import JournalEntry

PAGE = 5


class JournalError(UserError):
    """Shown to the person."""


def _data_key(services: Services, session: Session, member: Member, *, create: bool) -> bytes:
    """The member's journal key, unwrapped (made and stored on first use if ``create``)."""
    kek = services.keys.derive(sealing.JOURNAL_WRAP)
    wrapped = keyring.member_key(session, member.id)
    if wrapped is not None:
        return sealing.unwrap_member_key(kek, wrapped, member.team_id, member.id)
    if not create:
        raise JournalError("Your journal is empty.")
    key = sealing.new_data_key()
    keyring.add_member_key(
        session, member.id, sealing.wrap_member_key(kek, key, member.team_id, member.id)
    )
    return key


def write(
    services: Services,
    session: Session,
    member: Member,
    prompt_id: str,
    prompt: str,
    text: str,
    now: datetime,
) -> None:
    """Store one sealed entry (the row is flushed first: its id is in the sealed data)."""
    key = _data_key(services, session, member, create=True)
    row = JournalEntry(member_id=member.id, prompt_id=prompt_id, sealed=b"", created_at=now)
    store.add_journal(session, row)
    row.sealed = sealing.seal_entry(key, member.team_id, member.id, row.id, prompt, text)
    session.flush()


def _read(
    services: Services, session: Session, member: Member, rows: list[JournalEntry]
) -> list[tuple[datetime, str, str]]:
    if not rows:
        return []
    key = _data_key(services, session, member, create=False)
    return [
        (r.created_at, *sealing.unseal_entry(key, member.team_id, member.id, r.id, r.sealed))
        for r in rows
    ]


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
        rows = list(store.journal(session, member.id, (number - 1) * PAGE, PAGE))
        opened = _read(services, session, member, rows)
        entries = [(_day(at.astimezone(zone)), p, t) for at, p, t in opened]
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
        rows = list(store.journal(session, member.id, 0, 100_000))
        if not rows:
            raise JournalError("Your journal is empty, so there's nothing to export.")
        zone = member_zone(member.tz)
        opened = _read(services, session, member, list(reversed(rows)))
        lines = [f"{at.astimezone(zone):%Y-%m-%d}  {p}\n{t}\n" for at, p, t in opened]
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
