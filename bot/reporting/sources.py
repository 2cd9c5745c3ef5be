"""The seam between features and lead summaries.

Each feature that produces figures leads may see (pairing outcomes, prompt
engagement, feedback) registers a :data:`SummarySource`. The summary builder
collects their raw weekly cells and hands them to :mod:`bot.anonymity`, which
alone decides what may be shown. Sources never apply thresholds themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class WeekCell:
    """Raw figures for one metric, group and ISO week, before any suppression.

    ``count`` is how many responses (people or pairs) contributed; ``total`` is the
    sum of their values (equal to ``count`` for plain counts, the sum of ratings
    for a mean).
    """

    week: str  # ISO week, e.g. "2026-W10"
    metric: str  # e.g. "pairs_formed", "checkins_answered", "met", "usefulness"
    group: str  # "all", or a sibling group such as a role or a category
    count: int
    total: float


#: (session, programme_id, start, end) -> cells for weeks in [start, end).
SummarySource = Callable[[Session, int, datetime, datetime], list[WeekCell]]

SOURCES: dict[str, SummarySource] = {}


def register(name: str, source: SummarySource) -> None:
    SOURCES[name] = source
