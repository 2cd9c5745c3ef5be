"""The one parsing layer for everything a person types or a Slack payload carries.

Why one module: ``str.isdigit()`` accepts ``²`` and ``٣`` that ``int()`` then
refuses or turns into numbers no column can hold, ``ZoneInfo`` raises ``OSError``
on a 10,000-character name, and a NUL byte breaks PostgreSQL writes. Every
command argument, button value, ``private_metadata`` and modal field goes
through a function here instead, and each failure raises :class:`InvalidInput`
(a :class:`~bot.core.errors.UserError`), whose message says what was wrong. The
surfaces already turn a ``UserError`` into a kind reply, and by the time it is
raised nothing has been changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import UserError

#: The largest value an ``Integer`` column holds on PostgreSQL (and so on both backends).
INT32_MAX = 2**31 - 1
#: Slack's own limits: a button ``value`` (2,000), ``private_metadata`` (3,000), a
#: ``plain_text_input`` (3,000), an option ``value`` (150).
BUTTON_VALUE_MAX = 2000
METADATA_MAX = 3000
FIELD_MAX = 3000
OPTION_VALUE_MAX = 150
#: Slack user, team and enterprise ids fit the ``String(32)`` columns with room to spare.
SLACK_ID_MAX = 32
#: The longest IANA time zone name is 32 characters; the column holds 64.
TZ_MAX = 64

_ASCII_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_USER_REF = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|@?([UW][A-Z0-9]{2,})")
_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,31}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_TZ_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")
_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")


class InvalidInput(UserError):
    """What a person typed or clicked could not be read; nothing was changed."""


def is_number(text: str) -> bool:
    """True for ASCII digits only (``"12"``), never ``"²"``, ``"٣"`` or ``"1_0"``."""
    return bool(_ASCII_DIGITS.fullmatch(text))


def whole_number(text: str, *, what: str, lo: int = 0, hi: int = INT32_MAX) -> int:
    """ASCII digits within ``[lo, hi]`` (``hi`` never above what a column holds).

    The length is checked before ``int()`` so a 5,000-digit argument costs nothing.
    """
    hi = min(hi, INT32_MAX)
    if not isinstance(text, str) or len(text) > 10 or not is_number(text):
        raise InvalidInput(f"{what} must be a whole number from {lo} to {hi:,}.")
    value = int(text)
    if not lo <= value <= hi:
        raise InvalidInput(f"{what} must be a whole number from {lo} to {hi:,}.")
    return value


def record_id(text: object, *, what: str) -> int:
    """The id of a row (a pair, a rule, a prompt delivery), from a command or a payload.

    Ids are only hints: callers still check the row belongs to the person.
    """
    if not isinstance(text, str) or len(text) > 10 or not is_number(text):
        raise InvalidInput(f"I couldn't tell which {what} you meant, so nothing was changed.")
    value = int(text)
    if not 1 <= value <= INT32_MAX:
        raise InvalidInput(f"I couldn't tell which {what} you meant, so nothing was changed.")
    return value


def optional_number(value: object, *, what: str, lo: int, hi: int) -> int | None:
    """A modal's optional numeric choice: None when left empty."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a whole number from {lo} to {hi}.")
    return whole_number(value, what=what, lo=lo, hi=hi)


def has_control(text: str) -> bool:
    """NUL, other control characters, bidi overrides or lone surrogates."""
    return bool(_CONTROL.search(text))


def word(text: object, *, what: str, max_chars: int) -> str:
    """A short token (a name, an id, a reference): bounded, no control characters."""
    if not isinstance(text, str) or not text or len(text) > max_chars or has_control(text):
        raise InvalidInput(f"That {what} isn't one I can read, so nothing was changed.")
    return text


def free_text(value: object, *, max_chars: int) -> str:
    """What a person wrote: NFC, control characters removed, trimmed, bounded.

    Free text is cleaned rather than refused: a stray control character pasted
    into a reflection should not cost someone what they wrote.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("That text isn't something I can read, so nothing was changed.")
    text = _CONTROL.sub("", value[: max_chars * 4])
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", text).strip()[:max_chars]


def button_value(value: object) -> str:
    """A button's ``value``: Slack caps it at 2,000 characters; we hold it to that."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > BUTTON_VALUE_MAX or has_control(value):
        raise InvalidInput("That button didn't carry anything I can read, so nothing was changed.")
    return value


def metadata(value: object) -> str:
    """A modal's ``private_metadata`` (3,000 characters at most, as Slack allows)."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > METADATA_MAX or has_control(value):
        raise InvalidInput("That form is out of date. Please open it again; nothing was changed.")
    return value


def user_ref(token: str) -> str | None:
    """A Slack user id from ``<@U123|name>``, ``<@U123>``, ``@U123`` or ``U123``.

    None when the token is not a mention or the id is longer than any Slack id.
    """
    if not isinstance(token, str) or len(token) > 200:
        return None
    match = _USER_REF.fullmatch(token.strip())
    if not match:
        return None
    user = match.group(1) or match.group(2)
    return user if len(user) <= SLACK_ID_MAX else None


def user_id(value: object) -> str | None:
    """A bare Slack user id from a payload (``U…``/``W…``), or None."""
    return value if isinstance(value, str) and _USER_ID.fullmatch(value) else None


def team_id(value: object) -> str | None:
    """A Slack workspace (``T…``) or enterprise (``E…``) id from a payload, or None."""
    return value if isinstance(value, str) and _TEAM_ID.fullmatch(value) else None


def time_zone(text: object, *, what: str = "`tz`") -> str:
    """An IANA time zone name, checked by length and shape first, then by ``zoneinfo``.

    ``ZoneInfo`` reads files named after its argument: a long or odd name raises
    ``OSError`` or ``ValueError``, so nothing reaches it unchecked.
    """
    problem = f"{what} is a time zone name like Europe/London."
    if (
        not isinstance(text, str)
        or not 0 < len(text) <= TZ_MAX
        or not _TZ_NAME.fullmatch(text)
        or text == "localtime"
    ):
        raise InvalidInput(problem)
    try:
        zone = ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(problem) from None
    if zone.key != text:
        raise InvalidInput(problem)
    return text


def local_time(text: object) -> time:
    """``HH:MM`` (ASCII digits, 00:00 to 23:59)."""
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput("Times look like 10:00.")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise InvalidInput("Times look like 10:00 (00:00 to 23:59).")
    return time(hours, minutes)


@dataclass(frozen=True)
class FormState:
    """A modal's ``state.values`` read into plain, bounded values.

    ``values`` maps each input block id to the text typed or the option chosen
    (None when nothing was); ``selected`` maps checkbox blocks to the option values.
    """

    values: Mapping[str, str | None]
    selected: Mapping[str, Sequence[str]]


def _field(value: object, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput("One of the answers isn't something I can read. Nothing was saved.")
    return value


#: What a time or date picker submits in place of a text input's ``value``.
PICKED = ("selected_time", "selected_date")


def form_state(view: Mapping[str, Any]) -> FormState:
    """Typed extraction of a ``view_submission``'s state; wrong types are refused.

    Slack sends ``{"state": {"values": {block_id: {action_id: element}}}}`` where an
    element has ``value`` (text, number), ``selected_time`` / ``selected_date``
    (pickers), ``selected_option`` / ``selected_options`` or
    ``selected_conversation`` (a conversation picker). A
    payload of any other shape is not Slack's, and gets a reply, not a crash.
    """
    state = view.get("state")
    if state is None:
        return FormState({}, {})
    blocks = state.get("values") if isinstance(state, dict) else None
    if not isinstance(blocks, dict):
        raise InvalidInput("That form arrived garbled. Please send it again; nothing was saved.")
    values: dict[str, str | None] = {}
    selected: dict[str, list[str]] = {}
    for block_id, actions in list(blocks.items())[:100]:
        if not isinstance(block_id, str) or not isinstance(actions, dict):
            raise InvalidInput(
                "That form arrived garbled. Please send it again; nothing was saved."
            )
        element = next(iter(actions.values()), None)
        if element is None:
            continue
        if not isinstance(element, dict):
            raise InvalidInput(
                "That form arrived garbled. Please send it again; nothing was saved."
            )
        option = element.get("selected_option")
        picked_conversation = element.get("selected_conversation") or element.get(
            "selected_channel"
        )
        if isinstance(option, dict):
            values[block_id] = _field(option.get("value"), OPTION_VALUE_MAX)
        elif option is not None:
            raise InvalidInput("One of the answers isn't something I can read. Nothing was saved.")
        elif picked_conversation is not None:
            # A conversations_select: the channel id chosen.
            values[block_id] = _field(picked_conversation, SLACK_ID_MAX)
        else:
            # Text and number inputs send "value"; time and date pickers send
            # "selected_time" / "selected_date" instead.
            key = next((k for k in PICKED if element.get(k) is not None), "value")
            values[block_id] = _field(element.get(key), FIELD_MAX)
        chosen = element.get("selected_options")
        if chosen is not None:
            if not isinstance(chosen, list) or len(chosen) > 100:
                raise InvalidInput("One of the answers isn't something I can read.")
            picked = []
            for o in chosen:
                v = _field(o.get("value") if isinstance(o, dict) else o, OPTION_VALUE_MAX)
                if v is not None:
                    picked.append(v)
            selected[block_id] = picked
    return FormState(values, selected)
