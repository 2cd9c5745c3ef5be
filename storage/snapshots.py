"""Frozen per-week figures of closed weeks (see :class:`WeekSnapshot`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.privacy_models import WeekSnapshot

MARKER = "_closed"


def snapshotted(session: Session, programme_id: int, weeks: list[str]) -> set[str]:
    stmt = select(WeekSnapshot.week).where(
        WeekSnapshot.programme_id == programme_id,
        WeekSnapshot.week.in_(weeks),
        WeekSnapshot.metric == MARKER,
    )
    return set(session.scalars(stmt).all())


def add(
    session: Session,
    programme_id: int,
    week: str,
    figures: Iterable[tuple[str, str, int, float]],
) -> None:
    """Freeze one week: its figures plus the marker that says it is done."""
    rows = {(m, g): (c, t) for m, g, c, t in figures}
    rows[(MARKER, "")] = (0, 0.0)
    for (metric, grp), (count, total) in rows.items():
        session.add(
            WeekSnapshot(
                programme_id=programme_id,
                week=week,
                metric=metric,
                grp=grp,
                count=count,
                total=total,
            )
        )
    session.flush()


def read(
    session: Session, programme_id: int, weeks: list[str]
) -> list[tuple[str, str, str, int, float]]:
    """(week, metric, group, count, total) for the given weeks (markers left out)."""
    stmt = select(
        WeekSnapshot.week,
        WeekSnapshot.metric,
        WeekSnapshot.grp,
        WeekSnapshot.count,
        WeekSnapshot.total,
    ).where(
        WeekSnapshot.programme_id == programme_id,
        WeekSnapshot.week.in_(weeks),
        WeekSnapshot.metric != MARKER,
    )
    return [(w, m, g, int(c), float(t)) for w, m, g, c, t in session.execute(stmt).all()]
