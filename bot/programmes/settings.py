"""Programme configuration (admins; all audited).

Reached through ``/ally admin programme ...``, the App Home form and the CLI; the
Slack paths always go via :func:`bot.core.admin.perform`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import parse
from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.calendar import next_slot, parse_local_time, period_key, zone
from bot.core.registry import AdminAction
from bot.core.services import Actor, Services
from bot.core.text import escape, every, mention, parse_user_ref, plural
from bot.programmes import channels
from bot.reporting.anonymity import effective_threshold
from storage import members as members_store
from storage import pairing as store
from storage.models import Programme

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CADENCES = {"weekly": 1, "1": 1, "fortnightly": 2, "2": 2, "4-weekly": 4, "monthly": 4, "4": 4}
NAME_MAX = 64


class SettingError(AdminInputError):
    """One setting's value is wrong; ``problem`` says how, without naming the setting.

    The typed command and the CLI show ``"`key` problem"``; the settings form shows
    ``problem`` alone under the field it belongs to.
    """

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"`{key}` {problem}")
        self.key = key
        self.problem = problem[:1].upper() + problem[1:]


def _int(value: str, key: str, lo: int, hi: int) -> int:
    if not parse.is_number(value) or len(value) > 4 or not lo <= int(value) <= hi:
        raise SettingError(key, f"must be a whole number from {lo} to {hi}.")
    return int(value)


def _bool(value: str, key: str) -> bool:
    if value.lower() in ("yes", "on", "true"):
        return True
    if value.lower() in ("no", "off", "false"):
        return False
    raise SettingError(key, "must be yes or no.")


SETTING_KEYS = (
    "cadence",
    "weekday",
    "time",
    "tz",
    "window",
    "cap",
    "quarter-cap",
    "peer-pairs",
    "checkin-delay",
    "threshold",
    "channel",
    "guests",
)


def apply_setting(programme: Programme, key: str, value: str) -> None:
    """Validate and set one ``key=value``; raises :class:`SettingError`."""
    key = key.lower()
    if key == "cadence":
        if value.lower() not in CADENCES:
            raise SettingError(key, "is weekly, fortnightly or 4-weekly.")
        programme.cadence_weeks = CADENCES[value.lower()]
    elif key == "weekday":
        if value.lower()[:3] not in [d[:3] for d in WEEKDAYS[:5]]:
            raise SettingError(key, "is a working day, Monday to Friday.")
        programme.weekday = [d[:3] for d in WEEKDAYS].index(value.lower()[:3])
    elif key == "time":
        try:
            at = parse_local_time(value)
        except ValueError:
            raise SettingError(key, "is a 24-hour local time like 10:00.") from None
        programme.local_time = f"{at.hour:02d}:{at.minute:02d}"
    elif key == "tz":
        try:
            programme.tz = parse.time_zone(value)
        except parse.InvalidInput:
            raise SettingError(
                key, "is a time zone name like Europe/London or America/New_York."
            ) from None
    elif key == "window":
        programme.repeat_window = _int(value, key, 0, 52)
    elif key == "cap":
        programme.colleague_round_cap = _int(value, key, 1, 5)
    elif key == "quarter-cap":
        programme.colleague_quarter_cap = (
            None if value.lower() in ("none", "") else _int(value, key, 1, 52)
        )
    elif key == "peer-pairs":
        programme.peer_pairs = _bool(value, key)
    elif key == "checkin-delay":
        programme.checkin_delay_days = _int(value, key, 1, 20)
    elif key == "threshold":
        programme.anonymity_threshold = effective_threshold(_int(value, key, 3, 100))
    else:
        close = difflib.get_close_matches(key, SETTING_KEYS, n=1, cutoff=0.6)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise AdminInputError(
            f"I don't know the setting `{escape(key[:30])}`.{hint} Settings: "
            + ", ".join(SETTING_KEYS)
            + "."
        )


def _schedule(programme: Programme) -> tuple[int, int, str, str]:
    return (programme.cadence_weeks, programme.weekday, programme.local_time, programme.tz)


def apply_settings(
    programme: Programme, pairs: Sequence[str], now: datetime, *, created: bool = False
) -> bool:
    """Apply ``key=value`` settings; True when the round schedule changed (or is new).

    A changed schedule starts counting from ``now``: slots that fell before the
    change are never run by the scheduler, so moving the time to an hour already
    past (or creating a programme late on its round day) starts no round at once.
    """
    before = _schedule(programme)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise AdminInputError(
                f"`{escape(pair[:30])}` has no value: settings are written key=value, "
                "like `cadence=weekly`."
            )
        apply_setting(programme, key, value)
    changed = created or _schedule(programme) != before
    if changed:
        programme.schedule_from = now
    return changed


def next_round_at(session: Session, programme: Programme, now: datetime) -> datetime:
    """When the scheduler will next start a round: the first slot after ``now`` (and
    after the last schedule change) whose period has no round yet."""
    schedule = (programme.tz, programme.weekday, programme.local_time, programme.cadence_weeks)
    start = max(now, programme.schedule_from or now)
    slot = next_slot(start, *schedule)
    for _ in range(52):  # a period already run by hand is skipped
        if store.round_for_period(session, programme.id, period_key(slot)) is None:
            break
        slot = next_slot(slot, *schedule)
    return slot


def next_round_line(programme: Programme, slot: datetime, *, slack: bool = True) -> str:
    """ "Next round: ..." in the programme's time zone, plus (for Slack) a date token
    that Slack shows in each reader's own time zone."""
    local = slot.astimezone(zone(programme.tz))
    when = f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} ({escape(programme.tz)})"
    if not slack:
        return f"Next round: {when}."
    fallback = f"{local:%a} {local.day} {local:%b %Y} {local:%H:%M} {escape(programme.tz)}"
    token = f"<!date^{int(slot.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
    return f"Next round: {when}, which is {token} in your time zone."


def describe(programme: Programme, leads: Sequence[str]) -> str:
    """A programme's settings in plain words, for admins (``programme list`` and after a change)."""
    lead_text = ", ".join(mention(u) for u in leads) or "none yet"
    cap = programme.colleague_quarter_cap
    quarter = f" and {plural(cap, 'ally', 'allies')} a quarter" if cap else ""
    peers = (
        "allies left without a colleague pair up with each other"
        if programme.peer_pairs
        else "allies left without a colleague sit out"
    )
    return (
        f"*{escape(programme.name)}*: a round {every(programme.cadence_weeks, 'week')} on "
        f"{WEEKDAYS[programme.weekday].title()} at {programme.local_time} "
        f"({escape(programme.tz)} time); "
        f"no pair repeats within {plural(programme.repeat_window, 'round')}; "
        f"each colleague meets up to {plural(programme.colleague_round_cap, 'ally', 'allies')} "
        f"a round{quarter}; {peers}; check-in reminder after "
        f"{plural(programme.checkin_delay_days, 'working day')}; figures from fewer than "
        f"{plural(programme.anonymity_threshold, 'person', 'people')} are not shown; "
        f"leads: {lead_text}."
    )


def _next(session: Session, programme: Programme, now: datetime) -> datetime:
    session.flush()
    return next_round_at(session, programme, now)


def find(session: Session, team_id: str, name: str | None, now: datetime) -> Programme:
    """The named programme (default when ``name`` is None) or an input error."""
    if name is not None and (len(name) > NAME_MAX or parse.has_control(name)):
        raise AdminInputError("There's no programme by that name.")
    members_store.ensure_workspace(session, team_id, now)
    programme = store.programme_by_name(session, team_id, name or members_store.DEFAULT_PROGRAMME)
    if programme is None:
        names = ", ".join(f"`{escape(p.name)}`" for p in store.programmes(session, team_id))
        raise AdminInputError(
            f"There's no programme called `{escape((name or '')[:NAME_MAX])}`. "
            f"Programmes here: {names or 'none yet'}."
        )
    return programme


def _apply_all(
    services: Services,
    session: Session,
    actor: Actor,
    programme: Programme,
    pairs: Sequence[str],
    *,
    created: bool = False,
) -> tuple[bool, list[str]]:
    """Apply ``key=value`` settings: the channel ones (:mod:`bot.programmes.channels`)
    return notes for the reply, the rest go through :func:`apply_settings`. True when
    the round schedule changed (or is new). Any error rolls the whole command back."""
    notes: list[str] = []
    others: list[str] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if sep and key.lower() in channels.KEYS:
            notes.append(
                channels.apply_setting(services, session, actor, programme, key.lower(), value)
            )
        else:
            others.append(pair)
    moved = apply_settings(programme, others, services.clock.now(), created=created)
    return moved, notes


def programme_action(
    services: Services, session: Session, actor: Actor, args: Sequence[str]
) -> str:
    verb = args[0].lower() if args else "list"
    now = services.clock.now()
    if verb == "list":
        members_store.ensure_workspace(session, actor.team_id, now)
        return "\n".join(
            describe(p, store.programme_leads(session, p.id)) + channels.describe(session, p)
            for p in store.programmes(session, actor.team_id)
        )
    if verb == "create" and len(args) >= 2:
        name = args[1].lower()
        if not name.replace("-", "").isalnum() or len(name) > NAME_MAX:
            raise AdminInputError(
                f"A programme name is letters, digits and dashes (at most {NAME_MAX}), "
                "like `engineering` or `sales-emea`."
            )
        members_store.ensure_workspace(session, actor.team_id, now)
        if store.programme_by_name(session, actor.team_id, name) is not None:
            raise AdminInputError(f"A programme called `{name}` already exists.")
        programme = store.add_programme(
            session, Programme(team_id=actor.team_id, name=name, created_at=now)
        )
        moved, notes = _apply_all(services, session, actor, programme, args[2:], created=True)
        return "\n".join(
            [
                " ".join(["Created. " + describe(programme, []), *notes]),
                next_round_line(programme, _next(session, programme, now)),
            ]
        )
    if verb == "set" and len(args) >= 3:
        programme = find(session, actor.team_id, args[1].lower(), now)
        moved, notes = _apply_all(services, session, actor, programme, args[2:])
        leads = store.programme_leads(session, programme.id)
        described = describe(programme, leads) + channels.describe(session, programme)
        # What the channel settings did is the news; the full settings follow.
        reply = "\n".join([*([" ".join(notes)] if notes else []), "Updated. " + described])
        if moved:
            reply += "\n" + next_round_line(programme, _next(session, programme, now))
        return reply
    if verb in ("lead", "unlead") and len(args) == 3:
        programme = find(session, actor.team_id, args[1].lower(), services.clock.now())
        user = parse_user_ref(args[2])
        if user is None:
            raise AdminInputError(
                f"Mention the person, like `/ally admin programme {verb} "
                f"{escape(programme.name)} @Sam`."
            )
        store.set_programme_lead(session, programme.id, user, verb == "lead")
        return "Updated. " + describe(programme, store.programme_leads(session, programme.id))
    raise AdminInputError(
        "Usage: `/ally admin programme list`, `create NAME [key=value…]`, "
        "`set NAME key=value…` or `lead|unlead NAME @person`."
    )


def _prepare(services: Services, actor: Actor, args: Sequence[str]) -> None:
    """A new programme lead must be a real person (asked of Slack, outside the transaction)."""
    if len(args) == 3 and args[0].lower() == "lead":
        user = parse_user_ref(args[2])
        if user is not None:
            services.require_real_user(actor.team_id, user)


PROGRAMME_ACTION = AdminAction(
    "programme",
    Permission.ADMIN,
    "/ally admin programme list | create NAME | set NAME key=value… | lead NAME @person",
    "configure programmes",
    run=programme_action,
    prepare=_prepare,
)
