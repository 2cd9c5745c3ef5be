"""Membership: joining, pausing, resuming and leaving, working hours, and the App Home's
frame."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.registry import (
    Button,
    Capability,
    Command,
    EventListener,
    Forgetter,
    HomeButton,
    HomeSection,
    Modal,
    Task,
)
from bot.membership import commands, home, hours, lifecycle, members
from bot.membership.members import Role
from storage import members as store


def _forget_member(session: Session, team_id: str, user_id: str) -> int:
    """The membership row itself (capabilities after membership have cleared theirs)."""
    member = store.get_member(session, team_id, user_id)
    return store.delete_member(session, member) if member is not None else 0


CAPABILITY = Capability(
    name="membership",
    title="Taking part",
    commands=(
        Command(
            "join",
            "/ally join ally|colleague",
            "join the programme as an ally or a colleague",
            commands.join,
        ),
        Command(
            "status",
            "/ally status",
            "your role, status and working hours",
            commands.status,
            changes=False,
        ),
        Command(
            "hours",
            "/ally hours [HH:MM-HH:MM [days] | reset]",
            "your working hours (prompts, nudges and meeting times stay inside them)",
            hours.hours_command,
        ),
        Command("pause", "/ally pause [N weeks]", "take a break (default 2 weeks)", commands.pause),
        Command("resume", "/ally resume", "come back from a pause", commands.resume),
        Command(
            "leave", "/ally leave", "leave the programme (you can rejoin any time)", commands.leave
        ),
    ),
    home_buttons=(
        HomeButton("home_join_ally", lambda s, a, _: members.join(s, a, Role.ALLY)),
        HomeButton("home_join_colleague", lambda s, a, _: members.join(s, a, Role.COLLEAGUE)),
        HomeButton("home_pause", lambda s, a, _: members.pause(s, a, members.DEFAULT_PAUSE_WEEKS)),
        HomeButton("home_resume", lambda s, a, _: members.resume(s, a)),
        HomeButton("home_leave", lambda s, a, _: members.leave(s, a)),
    ),
    buttons=(Button("hours_edit", hours.form),),
    modals=(Modal("hours_modal", hours.submitted, error_block="hours"),),
    home_sections=(HomeSection("working-hours", hours.home_section),),
    events=(
        EventListener("app_home_opened", home.on_opened),
        EventListener("user_change", lifecycle.on_user_change),
    ),
    forgetters=(Forgetter("membership", _forget_member),),
    tasks=(
        Task("resume-paused", members.resume_due),
        # The first look at accounts Slack could not show at join time (time zone, guest).
        Task("refresh-timezones", lifecycle.refresh_missing_accounts),
        Task("reconcile-accounts", lifecycle.reconcile),
    ),
)
