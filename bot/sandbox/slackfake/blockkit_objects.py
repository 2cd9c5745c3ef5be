"""Block Kit composition objects and block elements, checked the way Slack does.

Why: real Slack refuses payloads that ``slack_sdk.models`` happily builds (four
buttons sharing one ``action_id``, 26 elements in an actions block, an empty
text object...).  A fake that accepts them lets such bugs reach production.

Rules come from Slack's Block Kit reference (docs.slack.dev/reference/block-kit);
messages reuse the wording Slack answers with in ``invalid_blocks`` /
``invalid_arguments`` errors, as seen in real responses:

* ``must provide a string`` / ``must provide an object`` / ``must provide an array``
  (a field missing or of the wrong JSON type);
* ``must be more than 0 characters`` and ``must be less than N characters`` (Slack
  states the maximum plus one: a 3,000 limit reads ``less than 3001``);
* ``no more than N items allowed`` and ``must provide at least N items``;
* ``unsupported type: X``.

Where Slack's wording is not documented nor seen in the wild, the text chosen
here says so in a comment next to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from .blockkit_core import Checker

TEXT_TYPES = ("plain_text", "mrkdwn")
STYLES = ("primary", "danger")
#: Elements an ``input`` block may hold.
INPUT_ELEMENTS = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
        "checkboxes",
        "radio_buttons",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
#: Elements an ``actions`` block or a section ``accessory`` may hold.
INTERACTIVE_ELEMENTS = (INPUT_ELEMENTS - {"file_input"}) | {
    "button",
    "overflow",
    "workflow_button",
}
ACCESSORY_ELEMENTS = INTERACTIVE_ELEMENTS | {"image"}
_STATIC_SELECTS = frozenset({"static_select", "multi_static_select"})
_SELECTS_WITH_PLACEHOLDER = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
    }
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def check_text(
    c: Checker,
    value: Any,
    pointer: str,
    *,
    max_len: int,
    plain_only: bool = False,
) -> None:
    """A text object: ``type`` plain_text/mrkdwn, non-empty ``text`` within ``max_len``."""
    text = c.obj(value, pointer)
    if text is None:
        return
    kind = c.string(text, "type", pointer, required=True)
    allowed = ("plain_text",) if plain_only else TEXT_TYPES
    if kind is not None and kind not in allowed:
        c.add(
            f"{pointer}/type",
            f"unsupported type: {kind}",
            {"type": "enum", "expected": list(allowed)},
        )
    c.string(text, "text", pointer, required=True, min_len=1, max_len=max_len)


def check_confirm(c: Checker, value: Any, pointer: str) -> None:
    """A confirmation dialog: title 100, text 300, confirm/deny 30, style."""
    confirm = c.obj(value, pointer)
    if confirm is None:
        return
    for key, limit, plain in (
        ("title", 100, True),
        ("text", 300, False),
        ("confirm", 30, True),
        ("deny", 30, True),
    ):
        if key not in confirm:
            c.add(f"{pointer}/{key}", "must provide an object")
            continue
        check_text(c, confirm[key], f"{pointer}/{key}", max_len=limit, plain_only=plain)
    c.enum(confirm, "style", pointer, STYLES)


def check_option(c: Checker, value: Any, pointer: str, *, mrkdwn: bool, url: bool) -> str | None:
    """An option: text 75, value 150, description 75, url 3,000 (overflow only)."""
    option = c.obj(value, pointer)
    if option is None:
        return None
    if "text" not in option:
        c.add(f"{pointer}/text", "must provide an object")
    else:
        check_text(c, option["text"], f"{pointer}/text", max_len=75, plain_only=not mrkdwn)
    if "description" in option:
        check_text(
            c, option["description"], f"{pointer}/description", max_len=75, plain_only=not mrkdwn
        )
    if url:
        c.string(option, "url", pointer, max_len=3000)
    return c.string(option, "value", pointer, required=True, min_len=1, max_len=150)


def _check_options(
    c: Checker,
    element: Mapping[str, Any],
    pointer: str,
    *,
    min_items: int,
    max_items: int,
    mrkdwn: bool = False,
    url: bool = False,
    required: bool = True,
) -> None:
    options = c.array(
        element, "options", pointer, required=required, min_items=min_items, max_items=max_items
    )
    for index, option in enumerate(options or []):
        check_option(c, option, f"{pointer}/options/{index}", mrkdwn=mrkdwn, url=url)


def _check_static_select(c: Checker, element: Mapping[str, Any], pointer: str) -> None:
    has_options = "options" in element
    has_groups = "option_groups" in element
    if has_options == has_groups:
        # Wording chosen here: Slack's text for "exactly one of" is not documented.
        c.add(f"{pointer}/options", "must provide exactly one of `options` or `option_groups`")
    if has_options:
        _check_options(c, element, pointer, min_items=1, max_items=100)
    groups = c.array(element, "option_groups", pointer, min_items=1, max_items=100)
    for index, group_value in enumerate(groups or []):
        where = f"{pointer}/option_groups/{index}"
        group = c.obj(group_value, where)
        if group is None:
            continue
        if "label" not in group:
            c.add(f"{where}/label", "must provide an object")
        else:
            check_text(c, group["label"], f"{where}/label", max_len=75, plain_only=True)
        _check_options(c, group, where, min_items=1, max_items=100)


def _check_button(c: Checker, element: Mapping[str, Any], pointer: str) -> None:
    if "text" not in element:
        c.add(f"{pointer}/text", "must provide an object")
    else:
        check_text(c, element["text"], f"{pointer}/text", max_len=75, plain_only=True)
    c.string(element, "value", pointer, max_len=2000)
    c.string(element, "url", pointer, max_len=3000)
    c.string(element, "accessibility_label", pointer, max_len=75)
    c.enum(element, "style", pointer, STYLES)


def _check_text_input(c: Checker, element: Mapping[str, Any], pointer: str) -> None:
    minimum = element.get("min_length")
    maximum = element.get("max_length")
    for key, value, low in (("min_length", minimum, 0), ("max_length", maximum, 1)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            # Wording chosen here, after Slack's "must provide a string" family.
            c.add(f"{pointer}/{key}", "must provide an integer")
        elif not low <= value <= 3000:
            # Wording chosen here: Slack's text for numeric ranges is not documented.
            c.add(f"{pointer}/{key}", f"must be between {low} and 3000")
    if (
        isinstance(minimum, int)
        and isinstance(maximum, int)
        and not isinstance(minimum, bool)
        and not isinstance(maximum, bool)
        and minimum > maximum
    ):
        # Wording chosen here.
        c.add(f"{pointer}/min_length", "must be less than or equal to max_length")
    c.string(element, "initial_value", pointer)


def _check_datepicker(c: Checker, element: Mapping[str, Any], pointer: str) -> None:
    value = c.string(element, "initial_date", pointer)
    if value is None:
        return
    valid = _DATE.fullmatch(value) is not None
    if valid:
        try:
            date.fromisoformat(value)
        except ValueError:
            valid = False
    if not valid:
        # Wording chosen here: Slack documents the format (YYYY-MM-DD), not the error.
        c.add(f"{pointer}/initial_date", "must be a valid date in the format YYYY-MM-DD")


def _check_timepicker(c: Checker, element: Mapping[str, Any], pointer: str) -> None:
    value = c.string(element, "initial_time", pointer)
    if value is not None and _TIME.fullmatch(value) is None:
        # Wording chosen here: Slack documents the format (HH:mm, 24-hour), not the error.
        c.add(f"{pointer}/initial_time", "must be a valid time in the format HH:mm")


def _check_datetimepicker(c: Checker, element: Mapping[str, Any], pointer: str) -> None:
    value = element.get("initial_date_time")
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**10:
        # Wording chosen here: Slack documents UNIX seconds of at most 10 digits.
        c.add(f"{pointer}/initial_date_time", "must be a UNIX timestamp in seconds")


def _check_number_input(c: Checker, element: Mapping[str, Any], pointer: str) -> None:
    if not isinstance(element.get("is_decimal_allowed"), bool):
        # Wording chosen here, after Slack's "must provide a string" family.
        c.add(f"{pointer}/is_decimal_allowed", "must provide a boolean")


def check_image_element(c: Checker, element: Mapping[str, Any], pointer: str) -> None:
    """An image (element or block): ``image_url`` or ``slack_file``, and ``alt_text``."""
    if "slack_file" in element:
        c.obj(element["slack_file"], f"{pointer}/slack_file")
    else:
        c.string(element, "image_url", pointer, required=True, min_len=1, max_len=3000)
    c.string(element, "alt_text", pointer, required=True, min_len=1, max_len=2000)


_ELEMENT_RULES: dict[str, Callable[[Checker, Mapping[str, Any], str], None]] = {
    "button": _check_button,
    "workflow_button": _check_button,
    "static_select": _check_static_select,
    "multi_static_select": _check_static_select,
    "overflow": lambda c, e, p: _check_options(c, e, p, min_items=2, max_items=5, url=True),
    "radio_buttons": lambda c, e, p: _check_options(
        c, e, p, min_items=1, max_items=10, mrkdwn=True
    ),
    "checkboxes": lambda c, e, p: _check_options(c, e, p, min_items=1, max_items=10, mrkdwn=True),
    "plain_text_input": _check_text_input,
    "datepicker": _check_datepicker,
    "timepicker": _check_timepicker,
    "datetimepicker": _check_datetimepicker,
    "number_input": _check_number_input,
    "image": check_image_element,
}
KNOWN_ELEMENTS = ACCESSORY_ELEMENTS | INPUT_ELEMENTS


def check_element(
    c: Checker, value: Any, pointer: str, allowed: frozenset[str]
) -> Mapping[str, Any] | None:
    """One block element of a type ``allowed`` where it stands; returns it if an object."""
    element = c.obj(value, pointer)
    if element is None:
        return None
    kind = c.string(element, "type", pointer, required=True)
    if kind is None:
        return element
    if kind not in allowed:
        c.add(f"{pointer}/type", f"unsupported type: {kind}")
        return element
    c.string(element, "action_id", pointer, min_len=1, max_len=255)
    if kind in _SELECTS_WITH_PLACEHOLDER and "placeholder" in element:
        check_text(
            c, element["placeholder"], f"{pointer}/placeholder", max_len=150, plain_only=True
        )
    if "confirm" in element:
        check_confirm(c, element["confirm"], f"{pointer}/confirm")
    rule = _ELEMENT_RULES.get(kind)
    if rule is not None:
        rule(c, element, pointer)
    return element
