"""handlers.views.read_form: every kind of input a modal can submit becomes a plain value,
and a payload of the wrong shape becomes "nothing chosen", never an exception."""

from __future__ import annotations

from typing import Any

from handlers.views import read_form


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


def test_nothing_picked_and_forged_shapes_read_as_none() -> None:
    form = read_form(
        view(
            {
                "time": {"value": {"type": "timepicker", "selected_time": None}},
                "cadence": {"value": {"type": "static_select", "selected_option": None}},
                "forged": {"value": {"type": "timepicker", "selected_time": 1430}},
                "wrong": {"value": {"type": "static_select", "selected_option": {"value": 3}}},
                "empty": {},
                "junk": "not an object",
            }
        )
    )
    assert form.values == {"time": None, "cadence": None, "forged": None, "wrong": None}
