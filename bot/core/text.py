"""The one place user-typed text is cleaned and escaped.

Slack treats ``&``, ``<`` and ``>`` as control characters in mrkdwn and in a
message's ``text``: ``<!channel>`` pings everyone and ``<https://x|y>`` forges a
link. Every piece of text a person typed passes through :func:`escape` before it
is put into anything the bot sends, and through :func:`clean` before it is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from bot.core import parse

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# C0/C1 controls except tab and newline, plus bidi overrides/isolates that can
# make text read differently from how it is stored.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_MEMBER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def escape(text: str) -> str:
    """Escape the three mrkdwn control characters, and only those (Slack's rule)."""
    return text.translate(_ESCAPES)


def clean(text: str, max_chars: int) -> str:
    """Normalise text a person typed so it is safe to store and count.

    NFC-normalised, control and bidi-override characters and lone surrogates
    removed, surrounding whitespace trimmed, and cut to ``max_chars`` code points.
    """
    text = _SURROGATE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text).strip()
    return text[:max_chars]


def parse_user_ref(token: str) -> str | None:
    """A Slack user id from ``<@U123|name>``, ``<@U123>``, ``@U123`` or ``U123``.

    Delegates to :func:`bot.core.parse.user_ref`, which also bounds the id's length.
    """
    return parse.user_ref(token)


def mention(user_id: str) -> str:
    """A mention of a user the bot itself names (ids come from Slack, never from text)."""
    if not re.fullmatch(r"[UW][A-Z0-9]+", user_id):
        return escape(user_id)
    return f"<@{user_id}>"


def member_id(user_id: str) -> str:
    """A Slack member id as code (`` `U012AB3CD` ``), ready to paste; anything else escaped."""
    return f"`{user_id}`" if _MEMBER_ID.fullmatch(user_id) else f"`{escape(user_id)}`"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 entry``, ``2 entries``, ``0 peer pairs``: a count with the right noun form.

    The one helper for counted nouns, so no message says "1 entries" or "week(s)".
    ``plural_form`` defaults to ``singular + "s"``.
    """
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: a list as a sentence says it."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def every(count: int, singular: str, plural_form: str | None = None) -> str:
    """``every week``, ``every 2 weeks``: a period in plain words."""
    if count == 1:
        return f"every {singular}"
    return f"every {count} {plural_form or singular + 's'}"


def slack_date(when: datetime, layout: str = "{date_short_pretty} at {time}") -> str:
    """A moment Slack shows in each reader's own time zone and locale.

    For messages read by people in several zones (an admin's listing, a digest):
    ``<!date^UNIX^LAYOUT|fallback>``; the fallback, shown where Slack cannot render the
    date, is in UTC and says so.
    """
    if when.tzinfo is None:
        raise ValueError("slack_date needs an aware datetime")
    at = when.astimezone(UTC)
    fallback = f"{at:%d %b %Y}" if "{time}" not in layout else f"{at:%d %b %Y, %H:%M} UTC"
    return f"<!date^{int(at.timestamp())}^{layout}|{fallback}>"


def local_time(when: datetime, zone: tzinfo, *, with_day: bool = True) -> str:
    """A moment as one reader reads it in their own zone: ``Tuesday 3 March, 10:00``."""
    local = when.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M}" if with_day else f"{local:%H:%M}"
