"""Helping a pair find a time: when their introduction arrives, three suggested half
hours, add-to-calendar links and an ``.ics`` file.

* **When the intro arrives.** A scheduled round's introduction waits for the first
  moment, from the round's start, inside every member's working hours (a pair in
  Sydney and London is introduced in their shared hour, not at the programme's
  hour). A round an admin runs by hand is introduced at once. People whose hours
  never meet are introduced at once too: there is no better moment to wait for.
* **Suggested times** come from :mod:`bot.pairing.slots`: 30 minutes inside
  everyone's hours in the coming week. They are written as Slack date tokens, so
  each person reads them in their own time zone, with a Google Calendar template
  link and an Outlook web compose link each (plain URLs: nothing to host), and the
  same three times go to the group DM as an ``.ics`` file, since a Socket Mode
  install has no public URL to serve one from. When the zones share no working
  hours the intro says so plainly instead.

Nothing here contains text a person typed, so links and the file need no escaping
beyond what mrkdwn and RFC 5545 require.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlencode

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.blocks import section
from bot.core.hours import Person, first_shared_moment
from bot.core.text import escape
from bot.pairing.slots import SLOT, suggest

#: A suggested time is at least this long after the introduction arrives...
LEAD: Final = timedelta(hours=2)
#: ...and inside the week that follows it.
WINDOW: Final = timedelta(days=7)
SUMMARY: Final = "Allyship buddy chat"
DETAILS: Final = (
    "Half an hour to talk, suggested by Allyship Buddies from your working hours. "
    "Keep the one time you agree on and delete the others."
)
CALENDAR_FILE: Final = {
    "filename": "allyship-buddy-times.ics",
    "title": "Suggested times for your buddy chat",
    "comment": "The suggested times as calendar entries (tentative, shown as free time).",
}
GOOGLE: Final = "https://calendar.google.com/calendar/render"
OUTLOOK: Final = "https://outlook.office.com/calendar/deeplink/compose"


@dataclass(frozen=True)
class Meeting:
    """When to deliver an introduction and which times to suggest in it."""

    deliver_at: datetime
    slots: tuple[datetime, ...]


def schedule(people: Sequence[Person], now: datetime, *, scheduled: bool) -> Meeting:
    """The delivery moment and the suggested times for a group introduced ``now``.

    Pure (the people's zones and hours already read), so a large round's many pairs
    are scheduled in its worker process.
    """
    deliver_at = now
    if scheduled:
        deliver_at = first_shared_moment(people, now) or now
    start = deliver_at + LEAD
    return Meeting(deliver_at, tuple(suggest(people, start, deliver_at + WINDOW)))


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_link(start: datetime) -> str:
    """A Google Calendar "new event" template for the slot (opens prefilled, saves nothing)."""
    query = {
        "action": "TEMPLATE",
        "text": SUMMARY,
        "dates": f"{_stamp(start)}/{_stamp(start + SLOT)}",
        "details": DETAILS,
    }
    return f"{GOOGLE}?{urlencode(query)}"


def outlook_link(start: datetime) -> str:
    """An Outlook on the web compose link for the slot (opens prefilled, saves nothing)."""
    iso = "%Y-%m-%dT%H:%M:%SZ"
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": SUMMARY,
        "startdt": start.astimezone(UTC).strftime(iso),
        "enddt": (start + SLOT).astimezone(UTC).strftime(iso),
        "body": DETAILS,
    }
    return f"{OUTLOOK}?{urlencode(query)}"


def date_token(start: datetime) -> str:
    """A Slack date token: each reader sees the slot in their own zone (UTC as fallback)."""
    fallback = start.astimezone(UTC).strftime("%a %d %b, %H:%M UTC")
    return f"<!date^{int(start.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _link(url: str, label: str) -> str:
    # mrkdwn control characters inside a link are escaped like any text (& -> &amp;).
    return f"<{escape(url)}|{label}>"


def blocks(meeting: Meeting, people: int) -> list[Block]:
    """The intro's "finding a time" section: the slots, or a plain word that there are none."""
    everyone = "both of you" if people == 2 else f"all {people} of you"
    if not meeting.slots:
        return [
            section(
                "*Finding a time*\nYour working hours don't overlap this week, so I can't "
                "suggest a time inside everyone's working day. Agree on one that suits "
                f"{everyone} (the edge of someone's day, or a few written messages first), and "
                "don't stretch anyone's evening on the programme's account."
            )
        ]
    lines = [
        f"• {date_token(s)}  ·  {_link(google_link(s), 'Google Calendar')}  ·  "
        f"{_link(outlook_link(s), 'Outlook')}"
        for s in meeting.slots
    ]
    return [
        section(
            f"*Times when {everyone} are at work*\nHalf an hour each, shown in your own time "
            "zone; pick one, or any other time that suits you:\n"
            + "\n".join(lines)
            + "\nThe calendar file below holds the same times."
        )
    ]


def _escape_ics(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 3.1: lines longer than 75 octets continue on lines starting with a space."""
    out: list[str] = []
    raw = line.encode("utf-8")
    limit = 75
    while len(raw) > limit:
        cut = limit
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        out.append(raw[:cut].decode("utf-8"))
        raw = b" " + raw[cut:]
        limit = 75
    out.append(raw.decode("utf-8"))
    return out


def ics(slots: Sequence[datetime], pair_id: int, now: datetime) -> bytes:
    """An iCalendar file with each suggested time as a tentative, free-time event."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//allybot//Allyship Buddies//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for n, start in enumerate(slots, 1):
        lines += [
            "BEGIN:VEVENT",
            f"UID:allybot-pair-{pair_id}-{_stamp(start)}@allybot",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(start)}",
            f"DTEND:{_stamp(start + SLOT)}",
            f"SUMMARY:{_escape_ics(f'{SUMMARY} (option {n} of {len(slots)})')}",
            f"DESCRIPTION:{_escape_ics(DETAILS)}",
            "STATUS:TENTATIVE",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(part for line in lines for part in _fold(line)) + "\r\n").encode()


def owe_calendar_file(
    session: Session,
    *,
    team_id: str,
    pair_id: int,
    user_ids: Sequence[str],
    meeting: Meeting,
    now: datetime,
    key: str,
) -> None:
    """Owe the group DM the ``.ics`` of the suggested times, right after the intro."""
    if not meeting.slots:
        return
    outbox.send_group_file(
        session,
        team_id=team_id,
        user_ids=user_ids,
        content=ics(meeting.slots, pair_id, now),
        **CALENDAR_FILE,
        now=now,
        dedupe_key=key,
        not_before=meeting.deliver_at,
    )


def calendar_file(
    meeting: Meeting, pair_id: int, user_ids: Sequence[str], now: datetime, key: str
) -> outbox.Owed | None:
    """The same file as :func:`owe_calendar_file`, to owe with a round's other messages."""
    if not meeting.slots:
        return None
    payload = outbox.file_payload(ics(meeting.slots, pair_id, now), **CALENDAR_FILE)
    return outbox.Owed(
        "file", sorted(user_ids), payload, dedupe_key=key, not_before=meeting.deliver_at
    )
