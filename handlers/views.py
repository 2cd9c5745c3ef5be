"""Modal submissions."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.feedback import capability as feedback_feature
from bot.feedback import replies as feedback_replies
from bot.pairing import commands as pairing_commands
from bot.programmes import form as programme_ui
from bot.prompts import commands as prompt_commands
from bot.prompts import capability as prompt_feature
from handlers.common import actor, services


def register(app: App) -> None:
    app.view("checkin_modal")(checkin_submitted)
    app.view("reflect_modal")(reflection_submitted)
    app.view("programme_modal")(programme_submitted)
    app.view("prompts_modal")(prompts_submitted)
    app.view("feedback_modal")(feedback_submitted)
    app.view("uncomfortable_modal")(uncomfortable_submitted)
    app.view("feedback_answer_modal")(answer_submitted)


def _value(view: dict[str, Any], block: str) -> str | None:
    state = view.get("state", {}).get("values", {}).get(block, {}).get("value", {})
    if not isinstance(state, dict):
        return None
    selected = state.get("selected_option")
    if isinstance(selected, dict):
        return str(selected.get("value"))
    value = state.get("value")
    return value if isinstance(value, str) else None


def checkin_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    error = pairing_commands.checkin_submitted(
        services(context),
        actor(context),
        str(view.get("private_metadata", "")),
        _value(view, "usefulness"),
        _value(view, "note"),
    )
    if error:
        ack(response_action="errors", errors={"usefulness": error})
    else:
        ack()


def reflection_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    error = prompt_commands.reflection_submitted(
        services(context),
        actor(context),
        str(view.get("private_metadata", "")),
        _value(view, "reflection"),
        f"view:{view.get('id')}:{view.get('hash')}",
    )
    if error:
        ack(response_action="errors", errors={"reflection": error})
    else:
        ack()


def programme_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    values = {key: _value(view, key) for key, _label in programme_ui.FIELDS}
    error = programme_ui.save(
        services(context), actor(context), str(view.get("private_metadata", "")), values
    )
    if error:
        ack(response_action="errors", errors={"cadence": error[:150]})
    else:
        ack()


def prompts_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    values = {key: _value(view, key) for key, _label, _opt in prompt_feature.PROMPT_FORM_FIELDS}
    error = prompt_feature.save_prompt_form(services(context), actor(context), values)
    if error:
        ack(response_action="errors", errors={"action": error[:150]})
    else:
        ack()


def feedback_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    values = {key: _value(view, key) for key in ("category", "rating", "text")}
    result = feedback_feature.submitted(
        services(context), actor(context), values, f"view:{view.get('id')}:{view.get('hash')}"
    )
    if isinstance(result, str):
        ack(response_action="errors", errors={"text": result[:150]})
    else:
        ack(response_action="update", view=result.to_dict())


def uncomfortable_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    share = view.get("state", {}).get("values", {}).get("share", {}).get("value", {})
    chosen = share.get("selected_options") if isinstance(share, dict) else None
    result = feedback_feature.concern_submitted(
        services(context), actor(context), _value(view, "text"), bool(chosen)
    )
    ack(response_action="update", view=result.to_dict())


def answer_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    error = feedback_replies.author_answer(
        services(context), str(view.get("private_metadata", "")), _value(view, "text")
    )
    if error:
        ack(response_action="errors", errors={"text": error})
    else:
        ack()
