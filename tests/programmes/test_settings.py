"""Programme settings: every key validated, the reply says what was wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.admin import AdminInputError
from bot.programmes.settings import apply_setting, describe
from storage.models import Programme


def _programme() -> Programme:
    return Programme(
        team_id="T1",
        name="default",
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        cadence_weeks=2,
        weekday=0,
        local_time="10:00",
        tz="Europe/London",
        repeat_window=6,
        colleague_round_cap=1,
        colleague_quarter_cap=None,
        peer_pairs=True,
        checkin_delay_days=3,
        anonymity_threshold=5,
    )


@pytest.mark.parametrize(
    ("key", "value", "attr", "expected"),
    [
        ("cadence", "weekly", "cadence_weeks", 1),
        ("weekday", "Thursday", "weekday", 3),
        ("time", "9:30", "local_time", "09:30"),
        ("tz", "America/New_York", "tz", "America/New_York"),
        ("window", "0", "repeat_window", 0),
        ("quarter-cap", "none", "colleague_quarter_cap", None),
        ("peer-pairs", "no", "peer_pairs", False),
        ("threshold", "7", "anonymity_threshold", 7),
    ],
)
def test_valid_settings_are_applied(key: str, value: str, attr: str, expected: object) -> None:
    programme = _programme()
    apply_setting(programme, key, value)
    assert getattr(programme, attr) == expected


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("cadence", "daily", "weekly, fortnightly or 4-weekly"),
        ("weekday", "saturday", "working day"),
        ("time", "25:00", "local time"),
        ("tz", "Mars/Olympus", "time zone"),
        ("cap", "9", "1 to 5"),
        ("threshold", "2", "3 to 100"),
        ("peer-pairs", "maybe", "yes or no"),
        ("colour", "blue", "don't know the setting"),
    ],
)
def test_invalid_settings_change_nothing_and_say_why(key: str, value: str, says: str) -> None:
    programme = _programme()
    before = describe(programme, [])
    with pytest.raises(AdminInputError, match=says):
        apply_setting(programme, key, value)
    assert describe(programme, []) == before
