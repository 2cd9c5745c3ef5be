"""Fill a modal the way Slack submits it: a select sends ``selected_option``, a time
picker ``selected_time``, a date picker ``selected_date``, a conversation picker
``selected_conversation``, checkboxes
``selected_options``, number and text inputs ``value``.

No pytest import here: the snapshot journey and the sandbox use it too.
"""

from __future__ import annotations

from typing import Any


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return list(element.get("options") or []) + [o for g in groups for o in g["options"]]


def state(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The ``state.values`` Slack sends for ``view`` with ``answers`` typed or chosen.

    A select answered with a value no option carries is sent anyway (a forged payload);
    checkboxes take a list of values.
    """
    out: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        key, element = block["block_id"], block["element"]
        value = answers.get(key)
        kind = element["type"]
        action = element.get("action_id", "value")
        if kind == "static_select":
            option = next((o for o in _options(element) if o["value"] == value), None)
            if value is not None and option is None:
                option = {"text": {"type": "plain_text", "text": str(value)}, "value": value}
            out[key] = {action: {"type": kind, "selected_option": option}}
        elif kind == "checkboxes":
            chosen = [o for o in element["options"] if o["value"] in (value or [])]
            out[key] = {action: {"type": kind, "selected_options": chosen}}
        elif kind == "timepicker":
            out[key] = {action: {"type": kind, "selected_time": value}}
        elif kind == "datepicker":
            out[key] = {action: {"type": kind, "selected_date": value}}
        elif kind == "conversations_select":
            out[key] = {action: {"type": kind, "selected_conversation": value}}
        else:
            out[key] = {action: {"type": kind, "value": value}}
    return out


def initial(view: dict[str, Any]) -> dict[str, Any]:
    """What a form submits before anyone touches it."""
    out: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind == "static_select":
            out[block["block_id"]] = (element.get("initial_option") or {}).get("value")
        elif kind == "timepicker":
            out[block["block_id"]] = element.get("initial_time")
        elif kind == "datepicker":
            out[block["block_id"]] = element.get("initial_date")
        elif kind == "conversations_select":
            out[block["block_id"]] = element.get("initial_conversation")
        elif kind == "checkboxes":
            out[block["block_id"]] = [o["value"] for o in element.get("initial_options") or []]
        else:
            out[block["block_id"]] = element.get("initial_value")
    return out


def submission(
    user: str,
    team: str,
    view: dict[str, Any],
    answers: dict[str, Any],
    *,
    view_id: str = "V0FORM",
    view_hash: str = "h1",
) -> dict[str, Any]:
    """A ``view_submission`` payload for ``view`` (as opened) with ``answers``."""
    return {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "view": {
            "id": view_id,
            "type": "modal",
            "hash": view_hash,
            "callback_id": view.get("callback_id"),
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": state(view, answers)},
        },
    }
