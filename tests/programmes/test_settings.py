"""Programme settings: every key validated, read as plain words; a wrong value says what was
wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.admin import AdminInputError
from bot.programmes.settings import SettingError, apply_setting, describe
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


def programme(**kw: object) -> Programme:
    values: dict[str, object] = {
        "name": "default",
        "cadence_weeks": 2,
        "weekday": 0,
        "local_time": "10:00",
        "tz": "Europe/London",
        "repeat_window": 6,
        "colleague_round_cap": 1,
        "colleague_quarter_cap": None,
        "peer_pairs": False,
        "checkin_delay_days": 5,
        "anonymity_threshold": 5,
    }
    values.update(kw)
    return Programme(**values)


def test_counted_words_agree_with_their_numbers() -> None:
    one = describe(
        programme(
            cadence_weeks=1,
            repeat_window=1,
            colleague_round_cap=1,
            colleague_quarter_cap=1,
            checkin_delay_days=1,
            anonymity_threshold=1,
        ),
        [],
    )
    assert "a round every week on Monday at 10:00 (Europe/London time)" in one
    assert "within 1 round;" in one and "up to 1 ally a round and 1 ally a quarter" in one
    assert "after 1 working day;" in one and "fewer than 1 person" in one
    many = describe(
        programme(colleague_round_cap=2, colleague_quarter_cap=6, peer_pairs=True), ["U0LEAD01"]
    )
    assert "every 2 weeks" in many and "within 6 rounds" in many
    assert "up to 2 allies a round and 6 allies a quarter" in many
    assert "5 working days" in many and "fewer than 5 people" in many
    assert "pair up with each other" in many and "leads: <@U0LEAD01>." in many
    for text in (one, many):
        assert "(s)" not in text and "1 rounds" not in text and "1 allies" not in text


def test_a_wrong_value_names_the_setting_and_the_valid_range() -> None:
    p = programme()
    with pytest.raises(SettingError) as caught:
        apply_setting(p, "window", "99")
    assert str(caught.value) == "`window` must be a whole number from 0 to 52."
    assert caught.value.problem == "Must be a whole number from 0 to 52."
    with pytest.raises(SettingError, match="Europe/London"):
        apply_setting(p, "tz", "Mars/Olympus")
    with pytest.raises(SettingError, match="working day"):
        apply_setting(p, "weekday", "sunday")
    with pytest.raises(AdminInputError, match="Did you mean `threshold`"):
        apply_setting(p, "treshold", "7")
    assert (p.repeat_window, p.tz, p.weekday, p.anonymity_threshold) == (6, "Europe/London", 0, 5)


def test_an_empty_quarter_cap_means_no_limit() -> None:
    p = programme(colleague_quarter_cap=4)
    apply_setting(p, "quarter-cap", "")
    assert p.colleague_quarter_cap is None
    apply_setting(p, "quarter-cap", "3")
    assert p.colleague_quarter_cap == 3
