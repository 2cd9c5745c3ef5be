"""Closed weeks, frozen: every figure a lead sees is added up from these snapshots.

A week is snapshotted the first time anything reports on it after it ends (or by the
scheduler's task, whichever comes first): its feedback is released first (the week's
staged items move into ``feedback``), then every capability's raw weekly cells, the
week's feedback counts per category and the member counts are stored once and never
recomputed. So a summary reads a few hundred rows whatever the history holds, and a
figure that has been shown cannot move afterwards: not when someone leaves, not when
someone asks to be forgotten (a change would itself be a differencing signal).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.core.registry import WeekCell
from bot.core.services import Services
from bot.feedback.anonymous import CATEGORIES, close_weeks
from bot.reporting.anonymity import closed_weeks, is_closed, week_bounds
from storage import feedback as feedback_store
from storage import members as members_store
from storage import pairing as pairing_store
from storage import snapshots as store

#: Weeks the scheduler keeps snapshotted ahead of anyone asking (the digest's 12, and one).
AHEAD = 13


def _raw(services: Services, programme_id: int, team_id: str, week: str) -> list[WeekCell]:
    start, end = week_bounds(week)
    with services.db.read() as session:
        cells = [
            cell
            for source in services.registry.summary_sources
            for cell in source.cells(session, programme_id, start, end)
            if cell.week == week
        ]
        counts = {c: n for _w, c, n in feedback_store.counts(session, programme_id, [week])}
        members = members_store.count_members(session, team_id)
    cells += [WeekCell(week, "feedback", c, counts.get(c, 0), counts.get(c, 0)) for c in CATEGORIES]
    cells += [WeekCell(week, "members", f"{r} {s}", n, n) for (r, s), n in members.items()]
    return cells


def ensure(services: Services, programme_id: int, weeks: list[str]) -> None:
    """Snapshot every closed week in ``weeks`` that is not snapshotted yet."""
    now = services.clock.now()
    wanted = [w for w in weeks if is_closed(w, now)]
    with services.db.read() as session:
        missing = sorted(set(wanted) - store.snapshotted(session, programme_id, wanted))
        programme = pairing_store.programme(session, programme_id)
    if not missing or programme is None:
        return
    close_weeks(services)  # a week's feedback is released before it is counted
    for week in missing:
        cells = _raw(services, programme_id, programme.team_id, week)
        try:
            with services.db.transaction() as session:
                store.add(
                    session,
                    programme_id,
                    week,
                    [(c.metric, c.group, c.count, c.total) for c in cells],
                )
        except IntegrityError:
            continue  # another instance froze it first: same figures


def cells(services: Services, programme_id: int, weeks: list[str]) -> list[WeekCell]:
    """The frozen cells of the closed weeks among ``weeks`` (snapshotting them first)."""
    ensure(services, programme_id, weeks)
    with services.db.read() as session:
        rows = store.read(session, programme_id, weeks)
    return [WeekCell(w, m, g, c, t) for w, m, g, c, t in rows]


def snapshot_due(services: Services) -> int:
    """Scheduler task: keep the last weeks of every programme frozen ahead of readers."""
    now: datetime = services.clock.now()
    weeks = closed_weeks(now, AHEAD)
    with services.db.read() as session:
        programme_ids = [p.id for p in pairing_store.programmes(session)]
    for programme_id in programme_ids:
        ensure(services, programme_id, weeks)
    return len(programme_ids)
