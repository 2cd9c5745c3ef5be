"""Weekly prompt engagement for lead summaries: counts only, never what anyone wrote."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.registry import WeekCell
from storage import prompts as store

METRICS = {"sent": "prompts_sent", "answered": "prompts_answered", "skipped": "prompts_skipped"}


def prompt_cells(
    session: Session, programme_id: int, start: datetime, end: datetime
) -> list[WeekCell]:
    """Counts only: how many prompts went out, were answered, were skipped."""
    per_week: dict[str, dict[str, int]] = {}
    for week, status, n in store.delivery_cells(session, programme_id, start, end):
        per_week.setdefault(week, {})[status] = n
    cells: list[WeekCell] = []
    for week, counts in per_week.items():
        total = sum(counts.values())
        cells.append(WeekCell(week, "prompts_sent", "all", total, total))
        for status in ("answered", "skipped"):
            n = counts.get(status, 0)
            cells.append(WeekCell(week, METRICS[status], "all", total, n))
    return cells
