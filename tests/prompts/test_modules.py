"""The prompt library, rotation and schedule (pure modules)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.prompts.library import (
    THEMES,
    LibraryError,
    Prompt,
    dump_library,
    load_default_library,
    parse_library,
    prompts_for_audience,
)
from bot.prompts.rotation import next_prompt
from bot.prompts.schedule import Cadence, next_due, snooze_until
from tests.support.helpers import in_working_hours

LIBRARY = load_default_library()


def test_shipped_library_is_rich_and_valid():
    assert len(LIBRARY) >= 60
    assert len({p.id for p in LIBRARY}) == len(LIBRARY)
    for role in ("ally", "colleague"):
        themes = {p.theme for p in prompts_for_audience(LIBRARY, role)}
        assert themes == set(THEMES), role
    assert all(len(p.text) <= 300 for p in LIBRARY)
    assert parse_library(dump_library(LIBRARY)) == LIBRARY


@pytest.mark.parametrize(
    "bad",
    [
        '[[prompts]]\nid = "x-1"\ntheme = "nope"\naudience = "allies"\norder = 1\ntext = "t"\n',
        '[[prompts]]\nid = "x-1"\ntheme = "privilege"\naudience = "aliens"\norder = 1\n'
        'text = "t"\n',
        '[[prompts]]\nid = "x-1"\ntheme = "privilege"\naudience = "allies"\norder = 1\ntext = ""\n',
        '[[prompts]]\nid = "x-1"\ntheme = "privilege"\naudience = "allies"\norder = 1\ntext = "a"\n'
        '[[prompts]]\nid = "x-1"\ntheme = "privilege"\naudience = "allies"\norder = 2\n'
        'text = "b"\n',
    ],
)
def test_invalid_libraries_are_refused(bad):
    with pytest.raises(LibraryError):
        parse_library(bad)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["ally", "colleague"]), st.integers(1, 3))
def test_rotation_covers_everything_before_repeating_and_varies_themes(role, cycles):
    candidates = prompts_for_audience(LIBRARY, role)
    history: list[str] = []
    for _ in range(len(candidates) * cycles):
        p = next_prompt(candidates, history)
        assert p is not None and p.enabled
        history.append(p.id)
    for c in range(cycles):
        cycle = history[c * len(candidates) : (c + 1) * len(candidates)]
        assert sorted(cycle) == sorted(p.id for p in candidates)
    by_id = {p.id: p for p in candidates}
    same_theme = sum(1 for a, b in itertools.pairwise(history) if by_id[a].theme == by_id[b].theme)
    # Consecutive repeats of a theme only happen when no other theme is left unsent.
    assert same_theme <= cycles * 2


def test_rotation_never_sends_disabled_prompts():
    candidates = [
        Prompt(
            id=p.id,
            theme=p.theme,
            audience=p.audience,
            text=p.text,
            order=p.order,
            enabled=i % 2 == 0,
        )
        for i, p in enumerate(prompts_for_audience(LIBRARY, "ally"))
    ]
    usable = [p for p in candidates if p.enabled]
    history: list[str] = []
    for _ in range(len(usable) * 2):
        chosen = next_prompt(usable, history)
        assert chosen is not None and chosen.enabled
        history.append(chosen.id)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]),
    st.integers(0, 4),
    st.sampled_from([time(7, 30), time(10, 0), time(17, 45), time(20, 0)]),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1)),
)
def test_weekly_schedule_is_once_a_week_inside_working_hours(tz, weekday, at, start):
    after = start.replace(tzinfo=UTC)
    last = None
    dues = []
    for _ in range(30):
        due = next_due(
            tz=tz,
            cadence=Cadence.WEEKLY,
            weekday=weekday,
            local_time=at,
            last_sent_at=last,
            after=after,
        )
        assert due is not None and due.tzinfo is not None and due >= after
        assert in_working_hours(due, tz)
        dues.append(due)
        last, after = due, due + timedelta(minutes=1)
    local_weeks = [d.astimezone(ZoneInfo(tz)).isocalendar()[:2] for d in dues]
    assert len(set(local_weeks)) == len(local_weeks)


def test_off_and_snooze():
    now = datetime(2026, 3, 6, 16, tzinfo=UTC)  # Friday
    assert (
        next_due(
            tz="UTC",
            cadence=Cadence.OFF,
            weekday=1,
            local_time=time(10),
            last_sent_at=None,
            after=now,
        )
        is None
    )
    snoozed = snooze_until(now, "UTC")
    assert snoozed.weekday() == 0 and snoozed.hour == 16  # next working day, same time
