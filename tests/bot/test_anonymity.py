"""Property tests for the anonymity rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.anonymity import (
    CellData,
    closed_weeks,
    effective_threshold,
    iso_week,
    release_counts,
    release_texts,
    summarise_period,
)

NOW = datetime(2026, 3, 18, 12, tzinfo=UTC)
GROUPS = ["working", "performative", "concern", "idea"]


@given(st.one_of(st.none(), st.integers(-5, 50)))
def test_threshold_never_below_three(configured):
    t = effective_threshold(configured)
    assert t >= 3
    if configured is None:
        assert t == 5


@given(st.dictionaries(st.sampled_from(GROUPS), st.integers(0, 12), min_size=1), st.integers(3, 6))
def test_released_counts_meet_threshold_and_suppression_is_complementary(counts, t):
    released = release_counts(counts, t)
    shown = {g: v for g, v in released.items() if v is not None}
    assert all(v >= t for v in shown.values())
    hidden = [g for g, v in released.items() if v is None and counts.get(g, 0) > 0]
    if hidden and len(released) >= 2:
        # A lone suppressed group could be recovered from a total; never alone.
        assert sum(1 for v in released.values() if v is None) >= 2


def _dataset(draw_counts: dict[str, dict[str, int]]) -> dict[str, dict[str, CellData]]:
    return {
        w: {
            g: CellData(
                count=n, values=tuple([3.0] * n), texts=tuple(f"t{w}{g}{i}" for i in range(n))
            )
            for g, n in by_g.items()
        }
        for w, by_g in draw_counts.items()
    }


weeks_strategy = st.sampled_from([*closed_weeks(NOW, 4), iso_week(NOW)])


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        weeks_strategy,
        st.dictionaries(st.sampled_from(GROUPS), st.integers(0, 9)),
        max_size=5,
    ),
    st.sampled_from(GROUPS),
    st.integers(3, 6),
)
def test_one_more_response_now_cannot_be_subtracted(data, group, t):
    """Two summaries, before and after one new response, are identical: the response
    lands in the current week, which is never shown."""
    weeks = [*closed_weeks(NOW, 4), iso_week(NOW)]
    before = _dataset(data)
    after_counts = {w: dict(g) for w, g in data.items()}
    current = iso_week(NOW)
    after_counts.setdefault(current, {})[group] = after_counts.get(current, {}).get(group, 0) + 1
    after = _dataset(after_counts)
    rng = lambda: random.Random(1)  # noqa: E731
    a = summarise_period(before, groups=GROUPS, weeks=weeks, now=NOW, threshold=t, rng=rng())
    b = summarise_period(after, groups=GROUPS, weeks=weeks, now=NOW, threshold=t, rng=rng())
    assert a == b


def test_four_texts_hidden_five_shuffled():
    assert release_texts([f"x{i}" for i in range(4)], 5) is None
    texts = [f"x{i}" for i in range(5)]
    orders = {tuple(release_texts(texts, 5, random.Random(seed))) for seed in range(20)}
    assert all(sorted(o) == texts for o in orders) and len(orders) > 1


def test_open_weeks_are_excluded():
    week = iso_week(NOW)
    cells = {week: dict.fromkeys(GROUPS, 6)}
    s = summarise_period(cells, groups=GROUPS, weeks=[week], now=NOW, threshold=5)
    assert s.weeks == () and s.total is None and s.excluded_open_weeks == (week,)
    later = summarise_period(
        cells, groups=GROUPS, weeks=[week], now=NOW + timedelta(weeks=1), threshold=5
    )
    assert later.total == 24
