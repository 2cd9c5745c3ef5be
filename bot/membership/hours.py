"""Each member's own working hours: ``/ally hours``, the App Home form, and the look-ups
prompts, nudges and introductions use to stay inside them.

Hours are read in the member's Slack time zone and default to 09:00-18:00, Monday
to Friday. Changing them tells every capability that schedules per member (the
``member_changed`` hooks), so the next prompt moves into the new hours at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
)
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core.blocks import Reply, button, section, text_reply
from bot.core.errors import UserError
from bot.core.hours import (
    DAY_NAMES,
    DEFAULT_WORKING_HOURS,
    USAGE,
    HoursError,
    Person,
    WorkingHours,
    from_mask,
    member_zone,
    next_working_moment,
    parse_hours,
)
from bot.core.registry import FieldErrors, HomeContext, ViewInput
from bot.core.services import Actor, Services
from bot.core.text import escape
from bot.membership import home
from storage import hours as store
from storage import members as members_store
from storage.models import Member

NOT_A_MEMBER = (
    "Your working hours belong to your membership, so join first: "
    "`/ally join ally` or `/ally join colleague`."
)


class HoursInputError(UserError):
    """Hours that could not be saved; nothing changed."""


# -- look-ups for the rest of the bot ------------------------------------------------------


def of(session: Session, member: Member) -> WorkingHours:
    """A member's working hours (the default when they set none)."""
    row = store.get(session, member.id)
    return DEFAULT_WORKING_HOURS if row is None else from_mask(row.start, row.end, row.days)


def of_many(session: Session, members: Sequence[Member]) -> dict[int, WorkingHours]:
    """Working hours of many members in one query, by member id."""
    rows = store.for_members(session, [m.id for m in members])
    return {
        m.id: from_mask(r.start, r.end, r.days) if (r := rows.get(m.id)) else DEFAULT_WORKING_HOURS
        for m in members
    }


def planned(start: str | None, end: str | None, days: int | None) -> WorkingHours:
    """Hours read with a round's members (:func:`storage.rounds.active_for_planning`)."""
    if start is None or end is None or days is None:
        return DEFAULT_WORKING_HOURS
    return from_mask(start, end, days)


def people(session: Session, team_id: str, user_ids: Sequence[str]) -> dict[str, Person]:
    """Time zone and hours of each user id; people who are not members get UTC defaults."""
    found: dict[str, Person] = {
        u: (member_zone("UTC"), DEFAULT_WORKING_HOURS) for u in dict.fromkeys(user_ids)
    }
    for member, row in store.members_with_hours(session, team_id, list(found)):
        hours = DEFAULT_WORKING_HOURS if row is None else from_mask(row.start, row.end, row.days)
        found[member.user_id] = (member_zone(member.tz), hours)
    return found


def next_moment(session: Session, team_id: str, user_id: str, after: datetime) -> datetime:
    """``after`` when it is inside the person's hours, else when their hours next begin."""
    zone, hours = people(session, team_id, [user_id])[user_id]
    return next_working_moment(zone, hours, after)


def describe(hours: WorkingHours, tz: str) -> str:
    return f"{hours.label()} ({escape(tz)})"


# -- changing them --------------------------------------------------------------------------


def _member(session: Session, actor: Actor) -> Member:
    member = members_store.get_member_for_update(session, actor.team_id, actor.user_id)
    if member is None or member.status == "left":
        raise HoursInputError(NOT_A_MEMBER)
    return member


def save(services: Services, actor: Actor, hours: WorkingHours | None) -> tuple[WorkingHours, str]:
    """Set (``None``: reset to the default) the actor's hours; returns them and the zone."""
    now = services.clock.now()
    with services.db.transaction() as session:
        member = _member(session, actor)
        if hours is None or hours == DEFAULT_WORKING_HOURS:
            store.clear(session, member.id)
            hours = DEFAULT_WORKING_HOURS
        else:
            store.put(
                session,
                member.id,
                f"{hours.start:%H:%M}",
                f"{hours.end:%H:%M}",
                hours.mask,
                now,
            )
        for hook in services.registry.member_changed:
            hook(session, member, now)
        return hours, member.tz


def current(services: Services, actor: Actor) -> tuple[WorkingHours, str] | None:
    """The actor's hours and time zone, or None when they are not a member."""
    with services.db.read() as session:
        member = members_store.get_member(session, actor.team_id, actor.user_id)
        if member is None or member.status == "left":
            return None
        return of(session, member), member.tz


def status_line(services: Services, actor: Actor) -> str:
    """The hours line of ``/ally status`` (empty for non-members)."""
    found = current(services, actor)
    return "" if found is None else f"Your working hours: {describe(*found)}."


def hours_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    """``/ally hours [HH:MM-HH:MM [days] | reset]``."""
    if not args:
        found = current(services, actor)
        if found is None:
            raise HoursInputError(NOT_A_MEMBER)
        return text_reply(
            f"Your working hours are {describe(*found)}. Prompts, nudges and meeting "
            "suggestions stay inside them. Change them with `/ally hours 08:30-16:30 mon-thu`, "
            "or go back to 09:00-18:00 on weekdays with `/ally hours reset`."
        )
    if len(args) == 1 and args[0].lower() in ("reset", "default"):
        hours, tz = save(services, actor, None)
        return text_reply(f"Back to the default: {describe(hours, tz)}.")
    try:
        wanted = parse_hours(" ".join(args))
    except HoursError as exc:
        raise HoursInputError(f"{exc} {USAGE} Nothing was changed.") from None
    hours, tz = save(services, actor, wanted)
    return text_reply(
        f"Saved: your working hours are {describe(hours, tz)}. "
        "Prompts, nudges and meeting suggestions will stay inside them."
    )


# -- the App Home -----------------------------------------------------------------------------


def home_section(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    if not ctx.is_member:
        return []
    found = current(services, actor)
    if found is None:
        return []
    return [
        section(
            f"*Your working hours*\n{describe(*found)}. Prompts, nudges and meeting "
            "suggestions stay inside them."
        ),
        ActionsBlock(block_id="hours_tools", elements=[button("Change my hours", "hours_edit")]),
    ]


def form(services: Services, actor: Actor, value: str = "") -> View:
    """The "Change my hours" modal, prefilled with the member's hours."""
    found = current(services, actor)
    if found is None:
        raise HoursInputError(NOT_A_MEMBER)
    hours, _tz = found
    options = [Option(text=name, value=str(d)) for d, name in enumerate(DAY_NAMES)]
    return View(
        type="modal",
        callback_id="hours_modal",
        title="Your working hours",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="hours",
                label="Hours, in your Slack time zone (e.g. 08:30-16:30)",
                element=PlainTextInputElement(
                    action_id="value",
                    initial_value=f"{hours.start:%H:%M}-{hours.end:%H:%M}",
                    max_length=20,
                ),
            ),
            InputBlock(
                block_id="days",
                label="Working days",
                element=CheckboxesElement(
                    action_id="value",
                    options=options,
                    initial_options=[options[d] for d in sorted(hours.days)],
                ),
            ),
        ],
    )


def submitted(services: Services, actor: Actor, form_input: ViewInput) -> FieldErrors | None:
    """Save the form, then show the new hours on the Home; a problem is shown under its
    field and nothing changes."""
    try:
        span = parse_hours(form_input.values.get("hours") or "")
    except HoursError as exc:
        return FieldErrors({"hours": f"{exc} Write them like 08:30-16:30."})
    chosen = {int(v) for v in form_input.selected.get("days", ()) if v.isdigit() and int(v) < 7}
    if not chosen:
        return FieldErrors({"days": "Pick at least one working day."})
    save(services, actor, WorkingHours(span.start, span.end, frozenset(chosen)))
    home.publish(services, actor)
    return None
