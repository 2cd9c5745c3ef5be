"""``/ally hours`` as an adversary types it: any text either saves exactly what it says
or explains what to type, and a refusal changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.capabilities import registry
from bot.core.clock import FrozenClock
from bot.core.commands import handle, split_args
from bot.core.config import Settings
from bot.core.gateway import OfflineGateway
from bot.core.hours import HoursError, parse_hours
from bot.core.keys import Keys
from bot.core.services import Actor, Services
from bot.core.text import clean
from storage import migrate
from storage.db import Database
from storage.lifecycle_models import WorkingHoursRow
from tests.conftest import START

ACTOR = Actor("T0ALLYBOT", "U0ALLY01")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('hours')) / 'hours.db'}"
    db = Database(url)
    migrate.upgrade(db)
    svc = Services(
        Settings(database_url=url),
        db,
        FrozenClock(START),
        OfflineGateway(),
        registry(),
        Keys(bytes(range(32))),
    )
    assert "Welcome" in handle(svc, ACTOR, "join ally").text
    return svc


def stored(services: Services) -> tuple[str, str, int] | None:
    with services.db.read() as s:
        row = s.scalar(select(WorkingHoursRow))
        return None if row is None else (row.start, row.end, row.days)


typed = (
    st.sampled_from(["'9-17'", '"09:00-17:00 mon"', "09:00-17:00 'mon-fri'"])
    | st.text(max_size=40)
    | st.from_regex(
        r"\d{1,2}(:\d{2})?\s?[-\u2013]\s?\d{1,2}(:\d{2})?( [a-z,\- ]{0,15})?", fullmatch=True
    )
    | st.sampled_from(["<!channel>", "09:00-17:00 <@U123>", "reset", "09:00-17:00 mon-fri x"])
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=typed)
def test_any_text_saves_what_it_says_or_changes_nothing(services: Services, text: str) -> None:
    before = stored(services)
    reply = handle(services, ACTOR, f"hours {text}").text
    after = stored(services)
    assert "<!channel>" not in reply and "<@U123>" not in reply
    words = " ".join(split_args(clean(f"hours {text}", 1000))[1:])  # as the dispatcher does
    if reply.startswith("Saved"):
        wanted = parse_hours(words)
        assert after in (None, (f"{wanted.start:%H:%M}", f"{wanted.end:%H:%M}", wanted.mask))
    elif reply.startswith("Back to the default"):
        assert after is None
    elif words:
        assert after == before, reply
        try:
            parse_hours(words)
        except HoursError:
            pass
        else:
            raise AssertionError(f"refused hours that parse: {text!r}")
    else:
        assert after == before and reply.startswith("Your working hours are")
