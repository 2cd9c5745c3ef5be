"""Reading a modal's state: every shape Slack sends (text, number, select, time and date
pickers, checkboxes) into plain values, and junk refused kindly."""

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


def view(values: dict[str, Any]) -> dict[str, Any]:
    return {"id": "V1", "hash": "h1", "private_metadata": "default", "state": {"values": values}}


def test_text_number_select_time_date_and_checkboxes_are_read() -> None:
    form = read_form(
        view(
            {
                "tz": {"value": {"type": "plain_text_input", "value": "Europe/Paris"}},
                "window": {"value": {"type": "number_input", "value": "6"}},
                "cadence": {
                    "value": {
                        "type": "static_select",
                        "selected_option": {
                            "text": {"type": "plain_text", "text": "Weekly"},
                            "value": "weekly",
                        },
                    }
                },
                "time": {"value": {"type": "timepicker", "selected_time": "14:30"}},
                "day": {"value": {"type": "datepicker", "selected_date": "2026-03-05"}},
                "share": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
            }
        )
    )
    assert form.values["tz"] == "Europe/Paris"
    assert form.values["window"] == "6"
    assert form.values["cadence"] == "weekly"
    assert form.values["time"] == "14:30"
    assert form.values["day"] == "2026-03-05"
    assert form.selected["share"] == ["yes"]
    assert (form.private_metadata, form.key) == ("default", "view:V1:h1")


def test_nothing_picked_reads_as_none_and_forged_pickers_are_refused() -> None:
    form = read_form(
        view(
            {
                "time": {"value": {"type": "timepicker", "selected_time": None}},
                "cadence": {"value": {"type": "static_select", "selected_option": None}},
                "empty": {},
            }
        )
    )
    assert form.values == {"time": None, "cadence": None}
    for forged in (
        {"type": "timepicker", "selected_time": 1430},
        {"type": "static_select", "selected_option": {"value": 3}},
    ):
        with pytest.raises(InvalidInput):
            read_form(view({"forged": {"value": forged}}))
