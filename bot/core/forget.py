"""Forgetting a person: every capability says how to erase what it holds about them.

``/ally forget`` runs every contributed :class:`~bot.core.registry.Forgetter`
in one transaction, so a person's data goes all at once or not at all. A
forgetter deletes personal data (or, for figures already reported to leads in
aggregate, unlinks it from the person so closed summaries do not change and
cannot be differenced).
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ConfirmObject

from bot.core.blocks import Reply, button, section, text_reply
from bot.core.registry import Departure
from bot.core.services import Actor, Services

FORGET_WARNING = (
    "This deletes everything Allyship Buddies holds about you: your membership, journal, "
    "pairing history and rules, and messages waiting for you. Figures already shown to "
    "leads as anonymous totals stay as they are, with nothing linking them to you. "
    "It can't be undone."
)


TOUCHED_TABLES = [
    "member",
    "journal_entry",
    "member_key",
    "audit_log",
    "outbox",
    "org_profile",
    "pair_rule",
    "pair_participant",
    "pair_departure",
    "checkin_outcome",
]


def forget(services: Services, actor: Actor) -> int:
    """Erase everything allybot holds about the person, in one transaction.

    First the departure hooks tell anyone paired with them that their buddy isn't
    able to continue (naming nobody), then every forgetter erases. Then the
    database is asked to drop the deleted bytes too: SQLite (which runs with
    ``secure_delete``) checkpoints its WAL, PostgreSQL VACUUMs the touched tables.
    """
    departure = Departure(actor.team_id, actor.user_id, "forgotten", services.clock.now())
    with services.db.transaction() as session:
        for hook in services.registry.member_departed:
            hook(session, departure)
        n = sum(f.run(session, actor.team_id, actor.user_id) for f in services.registry.forgetters)
    services.db.forget_deleted(TOUCHED_TABLES, background=True)
    return n


def forget_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    """``/ally forget``: explain and ask to confirm; ``forget confirm`` does it."""
    if args and args[0].lower() == "confirm":
        return forget_button(services, actor, "")
    confirm = ConfirmObject(
        title="Delete all your data?", text=FORGET_WARNING[:300], confirm="Delete", deny="Keep"
    )
    return Reply(
        text=FORGET_WARNING + " Type `/ally forget confirm` to go ahead.",
        blocks=[
            section(FORGET_WARNING),
            ActionsBlock(
                elements=[
                    button("Delete my data", "forget_confirm", style="danger", confirm=confirm)
                ]
            ),
            section("Or type `/ally forget confirm`."),
        ],
    )


def forget_button(services: Services, actor: Actor, value: str) -> Reply:
    """The confirmed "Delete my data" (button value unused)."""
    forget(services, actor)
    return text_reply("Done: everything Allyship Buddies held about you has been deleted.")
