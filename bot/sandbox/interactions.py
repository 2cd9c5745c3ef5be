"""Turn what a person did on the page into the payload Slack would send the app.

Why the element is looked up server-side: the page only says *which* element was
used (block id, action id) and what was chosen; the button's value, an option's
text and every other field come from the blocks the app sent. A forged form can
therefore only produce a payload Slack itself could have sent, and a choice that
is not among the element's options is refused here.

Also here: Slack's own client-side checks on modal inputs (required fields,
lengths, number and address formats), which Slack runs before the app hears of
a submission.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.sandbox import cast

#: Element types whose value lives in a view's ``state.values``.
STATEFUL = frozenset(
    {
        "plain_text_input",
        "static_select",
        "multi_static_select",
        "external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "channels_select",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "checkboxes",
        "radio_buttons",
        "number_input",
        "email_text_input",
        "url_text_input",
    }
)
REQUIRED = "Please complete this required field."


class InvalidAction(ValueError):
    """The page asked for something the blocks do not offer; nothing is sent."""


@dataclass(frozen=True)
class Located:
    """An interactive element found in a surface's blocks."""

    block_id: str
    action_id: str
    element: dict[str, Any]
    block: dict[str, Any]


def block_id_of(block: Mapping[str, Any], index: int) -> str:
    """The block's id, or the one a Slack client gives a block sent without one."""
    given = block.get("block_id")
    return given if isinstance(given, str) and given else f"sandbox-block-{index}"


def action_id_of(element: Mapping[str, Any], index: int) -> str:
    given = element.get("action_id")
    return given if isinstance(given, str) and given else f"sandbox-action-{index}"


def elements(blocks: Sequence[Any]) -> Iterator[Located]:
    """Every interactive element: in actions blocks, section accessories, inputs."""
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        block_id = block_id_of(block, index)
        found: list[Any] = []
        if block.get("type") == "actions":
            found = list(block.get("elements") or [])
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            found = [block["accessory"]]
        elif block.get("type") == "input" and isinstance(block.get("element"), dict):
            found = [block["element"]]
        for position, element in enumerate(found):
            if isinstance(element, dict) and element.get("type") not in (None, "image"):
                yield Located(block_id, action_id_of(element, position), element, block)


def locate(blocks: Sequence[Any], block_id: str, action_id: str) -> Located:
    for located in elements(blocks):
        if located.block_id == block_id and located.action_id == action_id:
            return located
    raise InvalidAction("that control is not in this message or view")


def options_of(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Options of a select, radio, checkbox or overflow element (groups flattened)."""
    found = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            found += [o for o in group.get("options") or [] if isinstance(o, dict)]
    return found


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    for option in options_of(element):
        if option.get("value") == value:
            return option
    raise InvalidAction("that choice is not one of the options")


def _valid_date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidAction("that is not a date") from None


def _valid_time(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise InvalidAction("that is not a time")
    return value


def element_state(element: Mapping[str, Any], chosen: Sequence[str]) -> dict[str, Any]:
    """Slack's ``state.values`` entry for an element, from what was chosen or typed."""
    kind = str(element.get("type"))
    first = chosen[0] if chosen else ""
    state: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        state["value"] = first if first != "" else None
    elif kind in ("static_select", "radio_buttons", "overflow"):
        state["selected_option"] = _option(element, first) if first else None
    elif kind in ("checkboxes", "multi_static_select"):
        state["selected_options"] = [_option(element, v) for v in chosen if v]
    elif kind == "datepicker":
        state["selected_date"] = _valid_date(first) if first else None
    elif kind == "timepicker":
        state["selected_time"] = _valid_time(first) if first else None
    elif kind == "users_select":
        if first and first not in cast.BY_ID:
            raise InvalidAction("that person is not in this workspace")
        state["selected_user"] = first or None
    elif kind == "conversations_select":
        if first and first not in cast.CHANNELS:
            raise InvalidAction("that channel is not in this workspace")
        state["selected_conversation"] = first or None
    elif kind == "multi_users_select":
        if any(v not in cast.BY_ID for v in chosen if v):
            raise InvalidAction("that person is not in this workspace")
        state["selected_users"] = [v for v in chosen if v]
    else:
        raise InvalidAction(f"the sandbox cannot use a {kind} element")
    return state


def has_value(state: Mapping[str, Any]) -> bool:
    return any(
        state.get(key) not in (None, "", [])
        for key in (
            "value",
            "selected_option",
            "selected_options",
            "selected_date",
            "selected_time",
            "selected_user",
            "selected_users",
        )
    )


def view_values(
    view: Mapping[str, Any], form: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """``state.values`` for every stateful element of a view, from the page's form.

    Form fields are named ``s:BLOCK_ID:ACTION_ID``.
    """
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for located in elements(view.get("blocks") or []):
        if located.element.get("type") not in STATEFUL:
            continue
        chosen = form.get(f"s:{located.block_id}:{located.action_id}", [])
        values.setdefault(located.block_id, {})[located.action_id] = element_state(
            located.element, chosen
        )
    return values


def client_errors(
    view: Mapping[str, Any], values: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> dict[str, str]:
    """The checks a Slack client makes before sending ``view_submission``."""
    errors: dict[str, str] = {}
    for index, block in enumerate(view.get("blocks") or []):
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        block_id = block_id_of(block, index)
        state = values.get(block_id, {}).get(action_id_of(element, 0), {})
        if not has_value(state):
            if not block.get("optional"):
                errors[block_id] = REQUIRED
            continue
        problem = _input_problem(element, state)
        if problem:
            errors[block_id] = problem
    return errors


def _input_problem(element: Mapping[str, Any], state: Mapping[str, Any]) -> str | None:
    kind = element.get("type")
    value = state.get("value")
    if kind == "plain_text_input" and isinstance(value, str):
        low, high = element.get("min_length"), element.get("max_length")
        if isinstance(low, int) and len(value) < low:
            return f"Must have at least {low} characters"
        if isinstance(high, int) and len(value) > high:
            return f"Must be {high} characters or fewer"
    if kind == "number_input" and isinstance(value, str):
        pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
        if not re.fullmatch(pattern, value):
            return (
                "Please enter a number"
                if element.get("is_decimal_allowed")
                else ("Please enter a whole number")
            )
        number = float(value)
        low, high = element.get("min_value"), element.get("max_value")
        if low is not None and number < float(low):
            return f"Please enter a number of {low} or more"
        if high is not None and number > float(high):
            return f"Please enter a number of {high} or less"
    if not isinstance(value, str):
        return None
    if kind == "email_text_input" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return "Please enter a valid email address"
    if kind == "url_text_input" and not re.match(r"https?://\S+$", value):
        return "Please enter a valid URL"
    return None


def action(located: Located, chosen: Sequence[str]) -> dict[str, Any]:
    """The ``actions[0]`` entry of a ``block_actions`` payload."""
    element = located.element
    kind = str(element.get("type"))
    entry: dict[str, Any] = {
        "type": kind,
        "action_id": located.action_id,
        "block_id": located.block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        if isinstance(element.get("text"), dict):
            entry["text"] = element["text"]
        for key in ("value", "style", "url"):
            if key in element:
                entry[key] = element[key]
        return entry
    if kind == "overflow":
        entry["selected_option"] = _option(element, chosen[0] if chosen else "")
        return entry
    state = element_state(element, chosen)
    state.pop("type", None)
    if not has_value(state) and kind not in ("checkboxes", "multi_static_select"):
        raise InvalidAction("nothing was chosen")
    entry.update(state)
    return entry


def _user(user_id: str) -> dict[str, Any]:
    person = cast.BY_ID[user_id]
    return {
        "id": user_id,
        "username": person.handle,
        "name": person.handle,
        "team_id": cast.TEAM_ID,
    }


def _team() -> dict[str, str]:
    return {"id": cast.TEAM_ID, "domain": "sandbox"}


def view_payload(open_view: Any) -> dict[str, Any]:
    """A view as Slack includes it in payloads: what was stored, plus state and hash."""
    view = dict(open_view.view)
    view["id"] = open_view.id
    view["hash"] = open_view.hash
    view["state"] = {"values": open_view.values}
    return view


def block_actions(
    *,
    user_id: str,
    api_app_id: str,
    trigger_id: str,
    entry: dict[str, Any],
    container: dict[str, Any],
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    channel_id: str | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": _team(),
        "user": _user(user_id),
        "api_app_id": api_app_id,
        "token": "sandbox-verification-token-unused",
        "container": container,
        "trigger_id": trigger_id,
        "is_enterprise_install": False,
        "enterprise": None,
        "actions": [entry],
    }
    if view is not None:
        payload["view"] = view
        payload["state"] = view.get("state", {"values": {}})
    if message is not None:
        payload["message"] = message
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": "directmessage"}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission(
    *, user_id: str, api_app_id: str, trigger_id: str, view: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": _team(),
        "user": _user(user_id),
        "api_app_id": api_app_id,
        "token": "sandbox-verification-token-unused",
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(*, user_id: str, api_app_id: str, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": _team(),
        "user": _user(user_id),
        "api_app_id": api_app_id,
        "token": "sandbox-verification-token-unused",
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }


_MENTION = re.compile(r"(?<![\w<@])@([a-z][a-z0-9._-]{0,40})", re.I)


def slash_text(raw: str) -> str:
    """What Slack sends as a command's text with ``should_escape``: ``&<>`` escaped and
    ``@handle`` of a workspace member turned into ``<@ID|handle>``."""
    text = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def mention(match: re.Match[str]) -> str:
        person = cast.BY_HANDLE.get(match.group(1).lower())
        return f"<@{person.id}|{person.handle}>" if person else match.group(0)

    return _MENTION.sub(mention, text)
