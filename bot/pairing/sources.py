"""Weekly pairing figures for lead summaries: pairs formed, check-ins, met, usefulness.

Raw cells only; :mod:`bot.reporting.anonymity` decides what may be shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core.registry import WeekCell
from bot.reporting.anonymity import iso_week
from storage import pairing as store


def _weeks_between(start: datetime, end: datetime) -> list[str]:
    weeks: list[str] = []
    day = start
    while day < end:
        week = iso_week(day)
        if week not in weeks:
            weeks.append(week)
        day += timedelta(days=1)
    return weeks


def pairing_cells(
    session: Session, programme_id: int, start: datetime, end: datetime
) -> list[WeekCell]:
    """Weekly raw figures for leads: pairs formed, check-ins, met, usefulness."""
    cells: list[WeekCell] = []
    formed: dict[str, int] = {}
    # Pairs the admins took back never happened; pairs that lost a member did.
    for pair in store.pairs_since(session, programme_id, start, ("active", "ended", "closed")):
        if pair.created_at < end:
            week = iso_week(pair.created_at)
            formed[week] = formed.get(week, 0) + 1
    cells += [WeekCell(w, "pairs_formed", "all", n, n) for w, n in formed.items()]
    answered: dict[str, int] = {}
    met: dict[str, int] = {}
    ratings: dict[str, tuple[int, int]] = {}
    for week, answer, responses, rated, rating_sum in store.outcome_cells(
        session, programme_id, _weeks_between(start, end)
    ):
        answered[week] = answered.get(week, 0) + responses
        if answer == "met":
            met[week] = met.get(week, 0) + responses
        n, total = ratings.get(week, (0, 0))
        ratings[week] = (n + rated, total + rating_sum)
    for week, n in answered.items():
        cells.append(WeekCell(week, "checkins_answered", "all", n, n))
        cells.append(WeekCell(week, "met", "all", n, met.get(week, 0)))
        count, total = ratings[week]
        if count:
            cells.append(WeekCell(week, "usefulness", "all", count, total))
    return cells
