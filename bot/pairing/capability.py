"""Wire buddy pairing into the scheduler, lead summaries, forgetting and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.pairing import checkins
from bot.pairing import cli as pairing_cli
from bot.core import forget as privacy
from bot.programmes import form as programme_ui
from bot.programmes import settings as programmes
from bot.pairing import rounds
from bot.core import scheduler
from bot.reporting import sources as summary_sources
from bot.pairing import commands as pairing_commands
from bot.reporting.anonymity import iso_week
from bot.reporting.sources import WeekCell
from storage import pairing as store

scheduler.TASKS["pairing-rounds"] = rounds.due_rounds
scheduler.TASKS["checkin-nudges"] = checkins.due_nudges
privacy.register("pairing", store.forget_user)

__all__ = ["pairing_cli", "pairing_commands", "programme_ui", "programmes"]


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
    for pair in store.pairs_since(session, programme_id, start):
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


summary_sources.register("pairing", pairing_cells)
