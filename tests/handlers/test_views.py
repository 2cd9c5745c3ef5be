"""Reading a modal's state: every shape Slack sends, and junk, into plain values."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.parse import InvalidInput
from handlers.views import read_form


def test_text_selects_and_checkboxes_are_read() -> None:
    view: dict[str, Any] = {
        "id": "V1",
        "hash": "h1",
        "private_metadata": "42",
        "state": {
            "values": {
                "text": {"value": {"type": "plain_text_input", "value": "hello"}},
                "category": {
                    "value": {"type": "static_select", "selected_option": {"value": "idea"}}
                },
                "share": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
                "empty": {"value": {"type": "plain_text_input", "value": None}},
            }
        },
    }
    form = read_form(view)
    assert form.values == {"text": "hello", "category": "idea", "share": None, "empty": None}
    assert form.selected == {"share": ["yes"]}
    assert form.private_metadata == "42"
    assert form.key == "view:V1:h1"


def test_wrong_types_are_refused_kindly() -> None:
    for state in ("x", {"values": "x"}, {"values": {"a": "x"}}):
        with pytest.raises(InvalidInput):
            read_form({"state": state, "private_metadata": ""})
    with pytest.raises(InvalidInput):
        read_form({"state": {"values": {}}, "private_metadata": 7})
