"""Buttons in messages the bot sent."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.models.views import View

from bot.core import authz
from bot.feedback import concerns
from bot.feedback import anonymous as feedback
from bot.feedback import replies as feedback_replies
from bot.pairing import commands as pairing_commands
from bot.programmes import form as programme_ui
from bot.prompts import commands as prompt_commands
from bot.prompts import capability as prompt_feature
from bot.core.admin import AdminInputError
from bot.core.services import Services
from bot.core.blocks import Reply
from handlers.common import actor, services

PAIR_BUTTONS = ("pair_met", "pair_not_yet", "pair_end", "checkin_not_yet", "checkin_wont")


def register(app: App) -> None:
    for action_id in PAIR_BUTTONS:
        app.action(action_id)(pair_button)
    app.action("checkin_yes")(checkin_yes)
    for action_id in ("prompt_not_now", "prompt_skip", "prompt_less_often"):
        app.action(action_id)(prompt_button)
    app.action("prompt_reflect")(prompt_reflect)
    app.action("forget_confirm")(forget_confirm)
    app.action("programme_configure")(programme_configure)
    app.action("prompts_manage")(prompts_manage)
    app.action("feedback_open")(feedback_open)
    app.action("checkin_uncomfortable")(uncomfortable_open)
    app.action("feedback_replies")(feedback_thread)
    app.action("feedback_answer")(feedback_answer)


def _modal_or_reply(
    svc: Services, body: dict[str, Any], respond: Respond, result: View | Reply
) -> None:
    """Open the modal a button asked for, or answer privately when the domain refused."""
    if isinstance(result, Reply):
        respond(response_type="ephemeral", replace_original=False, **result.as_message())
        return
    svc.gateway.call("views.open", {"trigger_id": body.get("trigger_id"), "view": result.to_dict()})


def pair_button(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    reply = pairing_commands.checkin_button(
        services(context),
        actor(context),
        str(action.get("action_id")),
        str(action.get("value", "")),
    )
    respond(response_type="ephemeral", replace_original=False, **reply.as_message())


def checkin_yes(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    svc = services(context)
    result = pairing_commands.checkin_form(svc, actor(context), str(action.get("value", "")))
    _modal_or_reply(svc, body, respond, result)


def prompt_button(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    reply = prompt_commands.prompt_button(
        services(context),
        actor(context),
        str(action.get("action_id")),
        str(action.get("value", "")),
    )
    respond(response_type="ephemeral", replace_original=False, **reply.as_message())


def prompt_reflect(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    svc = services(context)
    result = prompt_commands.reflect_form(svc, actor(context), str(action.get("value", "")))
    _modal_or_reply(svc, body, respond, result)


def forget_confirm(ack: Ack, respond: Respond, context: BoltContext) -> None:
    ack()
    reply = prompt_commands.forget_button(services(context), actor(context))
    respond(response_type="ephemeral", replace_original=True, **reply.as_message())


def programme_configure(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    ack()
    svc = services(context)
    try:
        view = programme_ui.config_form(svc, actor(context), str(action.get("value") or "default"))
    except (authz.Denied, AdminInputError):
        return
    svc.gateway.call("views.open", {"trigger_id": body.get("trigger_id"), "view": view.to_dict()})


def prompts_manage(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    svc = services(context)
    try:
        view = prompt_feature.prompt_form(svc, actor(context))
    except authz.Denied:
        return
    svc.gateway.call("views.open", {"trigger_id": body.get("trigger_id"), "view": view.to_dict()})


def feedback_open(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services(context).gateway.call(
        "views.open", {"trigger_id": body.get("trigger_id"), "view": feedback.form().to_dict()}
    )


def uncomfortable_open(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services(context).gateway.call(
        "views.open", {"trigger_id": body.get("trigger_id"), "view": concerns.form().to_dict()}
    )


def feedback_thread(
    ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    reply = feedback_replies.thread_for_token(services(context), str(action.get("value") or ""))
    respond(response_type="ephemeral", replace_original=False, **reply.as_message())


def feedback_answer(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    ack()
    view = feedback_replies.answer_form(str(action.get("value") or ""))
    services(context).gateway.call(
        "views.open", {"trigger_id": body.get("trigger_id"), "view": view.to_dict()}
    )
