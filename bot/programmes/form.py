"""The admin's programme settings form on the App Home.

Opening and saving both go through the one authorization filter: the form is
only shown to admins, and saving runs ``/ally admin programme set`` via
:func:`bot.core.admin.perform`, so the role is re-checked and the change audited;
nothing in the form's metadata is trusted beyond naming the programme.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.core import admin, authz
from bot.core.authz import Permission
from bot.core.blocks import button, section
from bot.core.errors import UserError
from bot.core.registry import FieldErrors, HomeContext, ViewInput
from bot.core.services import Actor, Services
from bot.programmes.settings import WEEKDAYS, find
from storage import channels as channel_store

FIELDS = (
    ("cadence", "Cadence: weekly, fortnightly or 4-weekly"),
    ("weekday", "Intro weekday (monday to friday)"),
    ("time", "Intro local time (HH:MM)"),
    ("tz", "Programme time zone (e.g. Europe/London)"),
    ("window", "Rounds without repeating a pair"),
    ("cap", "Allies per colleague per round"),
    ("quarter-cap", "Allies per colleague per quarter (or none)"),
    ("peer-pairs", "Leftover allies form peer pairs (yes/no)"),
    ("checkin-delay", "Working days before the check-in"),
    ("threshold", "Anonymity threshold (at least 3)"),
    ("guests", "Guest accounts may join (yes/no)"),
)
CADENCE_NAMES = {1: "weekly", 2: "fortnightly", 4: "4-weekly"}


def lead_section(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    if "admin" not in ctx.roles:
        return []
    return [
        section("*Programme settings*\nCadence, intro day and time, pairing rules, privacy."),
        ActionsBlock(
            block_id="programme_tools",
            elements=[button("Configure programme", "programme_configure", "default")],
        ),
    ]


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
        values = {
            "cadence": CADENCE_NAMES.get(p.cadence_weeks, "fortnightly"),
            "weekday": WEEKDAYS[p.weekday],
            "time": p.local_time,
            "tz": p.tz,
            "window": str(p.repeat_window),
            "cap": str(p.colleague_round_cap),
            "quarter-cap": str(p.colleague_quarter_cap or "none"),
            "peer-pairs": "yes" if p.peer_pairs else "no",
            "checkin-delay": str(p.checkin_delay_days),
            "threshold": str(p.anonymity_threshold),
            "guests": "yes" if channel_store.guests_allowed(session, p.id) else "no",
        }
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
                    block_id=key,
                    label=label,
                    element=PlainTextInputElement(
                        action_id="value", initial_value=values[key], max_length=64
                    ),
                )
                for key, label in FIELDS
            ),
            InputBlock(
                block_id="channel",
                label="Linked channel (people who join it are invited)",
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


def save(services: Services, actor: Actor, form: ViewInput) -> FieldErrors | None:
    """Apply the form through the audited admin path (re-checked, audited)."""
    settings = [f"{key}={(form.values.get(key) or '').strip()}" for key, _ in FIELDS]
    channel = form.values.get("channel")
    settings.append(f"channel=<#{channel}>" if channel else "channel=none")
    admin.perform(services, actor, "programme", ["set", form.private_metadata[:64], *settings])
    return None
