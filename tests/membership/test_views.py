"""Membership's blocks: the status line and the Home section Slack will accept."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.membership.members import MemberView, Role, Status
from bot.membership.views import home_view, membership_blocks, status_text


def _member(status: Status) -> MemberView:
    return MemberView(
        user_id="U0ALLY01",
        role=Role.ALLY,
        status=status,
        paused_until=datetime(2026, 4, 1, tzinfo=UTC) if status is Status.PAUSED else None,
        tz="Europe/London",
        joined_at=datetime(2026, 3, 1, tzinfo=UTC),
    )


def test_status_text_for_each_state() -> None:
    assert "not in the programme" in status_text(None)
    assert "in the programme as an *ally*." in status_text(_member(Status.ACTIVE))
    assert "paused until Wednesday 1 April 2026" in status_text(_member(Status.PAUSED))


def test_each_home_section_has_distinct_action_ids() -> None:
    for member in (None, _member(Status.ACTIVE), _member(Status.PAUSED)):
        for block in membership_blocks(member):
            elements = getattr(block, "elements", None) or []
            ids = [e.action_id for e in elements if getattr(e, "action_id", None)]
            assert len(ids) == len(set(ids))


def test_programme_tools_only_for_leads() -> None:
    assert "Programme tools" not in str(home_view([], None).to_dict())
    assert "Programme tools" in str(home_view([], []).to_dict())
