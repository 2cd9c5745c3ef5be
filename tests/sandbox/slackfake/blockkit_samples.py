"""Small builders of raw Block Kit JSON for the validator's tests.

Why raw dicts rather than ``slack_sdk.models``: the SDK refuses to build many of
the invalid payloads these tests need, and real bots often send raw JSON.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def pt(text: str) -> Json:
    return {"type": "plain_text", "text": text}


def md(text: str) -> Json:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hello", **extra: Any) -> Json:
    return {"type": "section", "text": md(text), **extra}


def button(action_id: str = "go", text: str = "Go", **extra: Any) -> Json:
    return {"type": "button", "text": pt(text), "action_id": action_id, **extra}


def actions(*elements: Json, **extra: Any) -> Json:
    return {"type": "actions", "elements": list(elements), **extra}


def option(text: str = "One", value: str = "1") -> Json:
    return {"text": pt(text), "value": value}


def options(count: int) -> list[Json]:
    return [option(f"Option {i}", f"v{i}") for i in range(count)]


def static_select(count: int = 2, **extra: Any) -> Json:
    return {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": pt("Pick one"),
        "options": options(count),
        **extra,
    }


def text_input(**extra: Any) -> Json:
    return {"type": "plain_text_input", "action_id": "answer", **extra}


def input_block(element: Json | None = None, label: str = "Your answer", **extra: Any) -> Json:
    return {"type": "input", "label": pt(label), "element": element or text_input(), **extra}


def confirm(**overrides: Any) -> Json:
    return {
        "title": pt("Sure?"),
        "text": md("This cannot be undone."),
        "confirm": pt("Yes"),
        "deny": pt("No"),
        **overrides,
    }


def modal(blocks: list[Json] | None = None, **extra: Any) -> Json:
    return {
        "type": "modal",
        "title": pt("Check-in"),
        "blocks": blocks if blocks is not None else [section()],
        **extra,
    }


def home(blocks: list[Json] | None = None, **extra: Any) -> Json:
    return {"type": "home", "blocks": blocks if blocks is not None else [section()], **extra}
