"""Summary-level differencing: one more feedback response cannot be read off two summaries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.capabilities import registry
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.gateway import OfflineGateway
from bot.core.keys import Keys
from bot.core.services import Services
from bot.feedback.anonymous import CATEGORIES
from bot.reporting.anonymity import closed_weeks, iso_week
from bot.reporting.summaries import Figures, figures
from storage import migrate
from storage.db import Database
from storage.feedback_models import Feedback
from storage.members import default_programme_id, ensure_workspace

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)
CATS = list(CATEGORIES)


def _add(db: Database, pid: int, week: str, category: str, n: int) -> None:
    with db.transaction() as s:
        for i in range(n):
            s.add(
                Feedback(
                    id=str(uuid.uuid4()),
                    programme_id=pid,
                    week=week,
                    category=category,
                    rating=None,
                    body=f"{category} {week} {i}",
                )
            )


def _comparable(f: Figures) -> tuple:
    """Texts are shuffled on purpose, so compare them as sorted lists."""
    texts = {k: sorted(v) if v is not None else None for k, v in f.feedback_texts.items()}
    return (f.weeks, f.metrics, f.feedback_counts, texts, f.rating)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(closed_weeks(NOW, 3)), st.sampled_from(CATS)),
        st.integers(0, 7),
        max_size=4,
    ),
    st.sampled_from(CATS),
    st.integers(3, 6),
)
def test_summary_before_and_after_one_response_cannot_be_subtracted(
    tmp_path: Path, counts: dict[tuple[str, str], int], category: str, threshold: int
) -> None:
    url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}"
    db = Database(url)
    migrate.upgrade(db)
    with db.transaction() as s:
        ensure_workspace(s, "T1", NOW)
        pid = default_programme_id(s, "T1")
    for (week, cat), n in counts.items():
        _add(db, pid, week, cat, n)
    services = Services(
        Settings(database_url=url),
        db,
        FrozenClock(NOW),
        OfflineGateway(),
        registry(),
        Keys(bytes(32)),
    )
    periods = [closed_weeks(NOW, 1), closed_weeks(NOW, 3), [*closed_weeks(NOW, 3), iso_week(NOW)]]
    before = [_comparable(figures(services, pid, w, threshold)) for w in periods]
    _add(db, pid, iso_week(NOW), category, 1)
    after = [_comparable(figures(services, pid, w, threshold)) for w in periods]
    db.dispose()
    assert before == after
    # Every released feedback count meets the threshold, in every period.
    for fig in before:
        for value in fig[2].values():
            assert value is None or value >= threshold
