"""When a member's account leaves (deactivated, or now a guest where guests can't take
part): end their current pairings, tell their buddies kindly, and put the buddies
first in line for the next round.

Only pairs of each programme's latest round are "current"; older rounds are history
and stay as they were. A buddy left without a partner gets a sit-out record in that
round, which is exactly what the engine reads as "first in line next round".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.text import mention
from storage import lifecycle as lifecycle_store
from storage import pairing as store
from storage.models import Member

REASON = "your buddy left the programme during the round"


def _notice(departed: str, why: str) -> str:
    if why == "deactivated":
        what = f"{mention(departed)}'s Slack account has been deactivated"
    else:
        what = f"{mention(departed)} can no longer take part in the programme"
    return (
        f"{what}, so your pairing this round ends here. There's nothing you need to do, "
        "and nothing to follow up: you'll be first in line for a new buddy in the next round."
    )


def on_member_departed(session: Session, member: Member, now: datetime, why: str) -> None:
    """End the member's current pairs; each buddy gets a kind note and priority next round."""
    for pair in lifecycle_store.current_pairs_of(session, member.team_id, member.user_id):
        pair.status, pair.ended_at = "ended", now
        for person in store.participants(session, pair.id):
            if person.user_id == member.user_id:
                person.nudged_at = person.nudged_at or now  # nothing more is owed to them
                continue
            store.add_sit_out(session, pair.round_id, person.user_id, "buddy_left", REASON)
            outbox.send_dm(
                session,
                team_id=member.team_id,
                user_id=person.user_id,
                text=_notice(member.user_id, why),
                now=now,
                dedupe_key=f"buddy-left:{pair.id}:{person.user_id}",
            )
