"""The admin's programme settings form on the App Home.

Opening and saving both go through the one authorization filter: the form is
only shown to admins, and saving runs ``/ally admin programme set`` via
:func:`bot.core.admin.perform`, so the role is re-checked and the change audited;
nothing in the form's metadata is trusted beyond naming the programme.

Each setting gets the input that fits it (a select, a time picker, a number), so
most mistakes cannot be typed at all; what can still be wrong (a forged payload, a
time zone name) is checked field by field and shown under the field it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    InputInteractiveElement,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.core import admin, authz
from bot.core.authz import Permission
from bot.core.blocks import button, section
from bot.core.errors import UserError
from bot.core.registry import FieldErrors, HomeContext, ViewInput
from bot.core.services import Actor, Services
from bot.programmes.settings import WEEKDAYS, SettingError, apply_setting, find
from storage import channels as channel_store
from storage.models import Programme

CADENCE_NAMES = {1: "weekly", 2: "fortnightly", 4: "4-weekly"}
CADENCE_LABELS = {
    "weekly": "Every week",
    "fortnightly": "Every 2 weeks",
    "4-weekly": "Every 4 weeks",
}
GUEST_LABELS = {
    "no": "Full workspace members only",
    "yes": "Guests may join too",
}
PEER_LABELS = {
    "yes": "Pair up with each other",
    "no": "Sit out until next round",
}


def _select(options: Mapping[str, str]) -> Callable[[str], InputInteractiveElement]:
    def build(initial: str) -> InputInteractiveElement:
        choices = [Option(text=label, value=value) for value, label in options.items()]
        chosen = next((o for o in choices if o.value == initial), None)
        return StaticSelectElement(action_id="value", options=choices, initial_option=chosen)

    return build


def _number(lo: int, hi: int) -> Callable[[str], InputInteractiveElement]:
    def build(initial: str) -> InputInteractiveElement:
        return NumberInputElement(
            action_id="value",
            is_decimal_allowed=False,
            min_value=lo,
            max_value=hi,
            initial_value=initial if initial.isdigit() else None,
        )

    return build


def _time(initial: str) -> InputInteractiveElement:
    return TimePickerElement(action_id="value", initial_time=initial)


def _text(initial: str) -> InputInteractiveElement:
    return PlainTextInputElement(
        action_id="value", initial_value=initial, max_length=64, placeholder="Europe/London"
    )


@dataclass(frozen=True)
class Field:
    """One setting on the form: its key (also the block id), label, hint and input."""

    key: str
    label: str
    hint: str
    element: Callable[[str], InputInteractiveElement]
    optional: bool = False


FIELDS = (
    Field(
        "cadence",
        "How often rounds run",
        "Each round introduces new pairs.",
        _select(CADENCE_LABELS),
    ),
    Field(
        "weekday",
        "Introduction day",
        "Introductions go out on this working day.",
        _select({d: d.title() for d in WEEKDAYS[:5]}),
    ),
    Field("time", "Introduction time", "In the programme's time zone, below.", _time),
    Field(
        "tz",
        "Programme time zone",
        "A time zone name, like Europe/London or America/New_York.",
        _text,
    ),
    Field(
        "window",
        "Rounds before a pair may meet again",
        "0 to 52. Nobody is paired with the same person within this many rounds.",
        _number(0, 52),
    ),
    Field(
        "cap",
        "Allies per colleague in one round",
        "1 to 5. Usually 1, so nobody has several conversations at once.",
        _number(1, 5),
    ),
    Field(
        "quarter-cap",
        "Allies per colleague in one quarter",
        "1 to 52, or leave it empty for no limit.",
        _number(1, 52),
        optional=True,
    ),
    Field(
        "peer-pairs",
        "Allies left without a colleague",
        "When there are more allies than colleagues.",
        _select(PEER_LABELS),
    ),
    Field(
        "checkin-delay",
        "Working days before the check-in",
        "1 to 20. Then each person is asked privately whether they met.",
        _number(1, 20),
    ),
    Field(
        "threshold",
        "Smallest group leads may see",
        "3 to 100. Figures from fewer people than this are never shown.",
        _number(3, 100),
    ),
    Field(
        "guests",
        "Guest accounts",
        "Whether single- and multi-channel guests may join this programme.",
        _select(GUEST_LABELS),
    ),
)
# Stored beside the programme, not on it, so checked when saved rather than on a scratch row.
LINK_KEYS = frozenset({"guests"})


def lead_section(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    if "admin" not in ctx.roles:
        return []
    return [
        section("*Programme settings*\nHow often rounds run, when introductions go out, privacy."),
        ActionsBlock(
            block_id="programme_tools",
            elements=[button("Configure programme", "programme_configure", "default")],
        ),
    ]


def _current(p: Programme) -> dict[str, str]:
    return {
        "cadence": CADENCE_NAMES.get(p.cadence_weeks, "fortnightly"),
        "weekday": WEEKDAYS[p.weekday],
        "time": p.local_time,
        "tz": p.tz,
        "window": str(p.repeat_window),
        "cap": str(p.colleague_round_cap),
        "quarter-cap": str(p.colleague_quarter_cap or ""),
        "peer-pairs": "yes" if p.peer_pairs else "no",
        "checkin-delay": str(p.checkin_delay_days),
        "threshold": str(p.anonymity_threshold),
    }


def config_form(services: Services, actor: Actor, name: str) -> View:
    """The settings modal, prefilled (admins only; raises :class:`authz.Denied`)."""
    authz.check(
        services,
        actor,
        Permission.ADMIN,
        "admin.programme.form",
        name,
        refusal="Only programme admins can change settings.",
    )
    with services.db.transaction() as session:
        p = find(session, actor.team_id, name, services.clock.now())
        values = _current(p)
        values["guests"] = "yes" if channel_store.guests_allowed(session, p.id) else "no"
        link = channel_store.link(session, p.id)
        linked = link.channel_id if link is not None else None
        programme_name = p.name
    return View(
        type="modal",
        callback_id="programme_modal",
        private_metadata=programme_name,
        title="Programme settings",
        submit="Save",
        close="Cancel",
        blocks=[
            *(
                InputBlock(
                    block_id=f.key,
                    label=f.label,
                    hint=f.hint,
                    optional=f.optional,
                    element=f.element(values[f.key]),
                )
                for f in FIELDS
            ),
            InputBlock(
                block_id="channel",
                label="Linked channel",
                hint="People who join this channel are invited to the programme.",
                optional=True,
                element=ConversationSelectElement(
                    action_id="value",
                    initial_conversation=linked,
                    filter=ConversationFilter(
                        include=["public", "private"],
                        exclude_bot_users=True,
                        exclude_external_shared_channels=True,
                    ),
                ),
            ),
        ],
    )


def configure_button(services: Services, actor: Actor, value: str) -> View | None:
    """ "Configure programme" on the Home: the form for admins, nothing for others."""
    try:
        return config_form(services, actor, value or "default")
    except UserError:
        return None


def field_errors(values: Mapping[str, str | None]) -> dict[str, str]:
    """What is wrong with each field, checked on a scratch programme (nothing is saved)."""
    scratch = Programme()
    errors: dict[str, str] = {}
    for f in FIELDS:
        value = (values.get(f.key) or "").strip()
        if not value and not f.optional:
            errors[f.key] = "Choose or fill in a value."
            continue
        if f.key in LINK_KEYS:
            if value not in GUEST_LABELS:
                errors[f.key] = "Choose one of the options."
            continue
        try:
            apply_setting(scratch, f.key, value)
        except SettingError as exc:
            errors[f.key] = exc.problem
    return errors


def save(services: Services, actor: Actor, form: ViewInput) -> FieldErrors | None:
    """Check every field, then apply the form through the audited admin path."""
    authz.check(
        services,
        actor,
        Permission.ADMIN,
        "admin.programme",
        form.private_metadata[:64] or None,
        refusal="Only programme admins can change settings. Nothing was changed.",
    )
    errors = field_errors(form.values)
    if errors:
        return FieldErrors(errors)
    settings = [f"{f.key}={(form.values.get(f.key) or '').strip()}" for f in FIELDS]
    channel = form.values.get("channel")
    settings.append(f"channel=<#{channel}>" if channel else "channel=none")
    admin.perform(services, actor, "programme", ["set", form.private_metadata[:64], *settings])
    return None
