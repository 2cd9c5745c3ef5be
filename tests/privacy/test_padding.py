"""Attack 1: a lead pads a small category to release a victim's items.

Before: the threshold counted items and anyone (leads too) could send three a week,
so a lead adding three items to a victim's two released all five. Now whoever can
read a programme's feedback cannot send any, and everyone else sends at most one item
per category per week: a released cell holds items from at least k different people,
none of them the reader.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import AllyBot
from bot.capabilities import registry
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.gateway import OfflineGateway
from bot.core.keys import Keys
from bot.core.services import Actor, Services
from bot.feedback import anonymous
from bot.feedback.anonymous import CATEGORIES, FeedbackError, close_weeks
from bot.reporting.anonymity import closed_weeks, iso_week
from bot.reporting.summaries import figures
from storage import members as members_store
from storage import migrate
from storage import pairing as pairing_store
from storage.db import Database
from storage.feedback_models import Feedback
from tests.conftest import ADMIN
from tests.journeys.test_feedback import submission
from tests.support.slack_requests import PayloadSender


def test_a_lead_cannot_pad_a_small_category(app: AllyBot, slack: PayloadSender, clock):
    slack.command(ADMIN, "admin add-lead <@U0ALLY30>")
    slack.command(ADMIN, "admin programme set default threshold=5")
    for i in range(2):  # the victim's two concerns (two people)
        reply = slack.interaction(
            submission(f"U0COLL{i:02d}", slack.team_id, f"victim {i}", f"VV{i}", category="concern")
        )
        assert reply.json()["response_action"] == "update"
    for i in range(3):  # the lead tries to add three of their own
        reply = slack.interaction(
            submission("U0ALLY30", slack.team_id, f"padding {i}", f"VP{i}", category="concern")
        )
        assert reply.json()["response_action"] == "errors"
        assert "can read this programme" in json.dumps(reply.json())
    # Nor can an admin, from the environment or granted.
    reply = slack.interaction(
        submission(ADMIN, slack.team_id, "admin pad", "VA", category="concern")
    )
    assert reply.json()["response_action"] == "errors"
    clock.advance(timedelta(weeks=1))
    summary = slack.command("U0ALLY30", "summary 1").json()["text"]
    assert "victim" not in summary and "padding" not in summary
    # Too few people: the concern figure is left out, and the summary says so once.
    assert "A concern" not in summary and "fewer than 5 people are not shown" in summary
    with app.services.db.read() as s:
        assert sorted(s.scalars(select(Feedback.body))) == ["victim 0", "victim 1"]


def test_the_lead_is_told_why_and_offered_the_named_route(slack: PayloadSender, slack_fake):
    slack.command(ADMIN, "admin programme lead default <@U0ALLY31>")  # a programme lead
    slack.command("U0ALLY31", "feedback")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    view = slack_fake.calls("views.open")[0].args["view"]
    assert view["callback_id"] == "feedback_reader"
    assert "with your name" in json.dumps(view) and "submit" not in view


def test_threshold_three_cannot_be_reached_by_one_person_and_a_lead(
    app: AllyBot, slack: PayloadSender, clock
):
    """With threshold 3, lead 2 + victim 1 used to release one person's text."""
    slack.command(ADMIN, "admin add-lead <@U0ALLY32>")
    slack.command(ADMIN, "admin programme set default threshold=3")
    victim = slack.interaction(
        submission("U0COLL05", slack.team_id, "only me", "V1", category="idea")
    )
    assert victim.json()["response_action"] == "update"
    again = slack.interaction(
        submission("U0COLL05", slack.team_id, "me again", "V2", category="idea")
    )
    assert again.json()["response_action"] == "errors"
    for i in range(2):
        lead = slack.interaction(
            submission("U0ALLY32", slack.team_id, f"lead {i}", f"VL{i}", category="idea")
        )
        assert lead.json()["response_action"] == "errors"
    clock.advance(timedelta(weeks=1))
    assert "only me" not in slack.command("U0ALLY32", "summary 1").json()["text"]


def test_the_form_states_the_programmes_real_threshold(slack: PayloadSender, slack_fake):
    slack.command(ADMIN, "admin programme set default threshold=7")
    slack.command("U0COLL07", "feedback")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    form = json.dumps(slack_fake.calls("views.open")[0].args["view"])
    assert "at least 7 different people" in form and "five" not in form
    done = slack.interaction(submission("U0COLL07", slack.team_id, "x", "V7")).json()
    assert "at least 7 different people" in json.dumps(done["view"])


# -- the rule over random submission sequences ----------------------------------------

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)
PEOPLE = [f"U0PERSON{i}" for i in range(8)]
LEAD, GRANTED_ADMIN, ENV_ADMIN = "U0LEAD001", "U0ADMIN02", "U0ADMIN01"
EVERYONE = [*PEOPLE, LEAD, GRANTED_ADMIN, ENV_ADMIN]
SHOWN = re.compile(r"^\[ref [0-9a-f]{16}\] author(\d+) (\d{4}-W\d{2}) \d+$")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attempts=st.lists(
        st.tuples(
            st.sampled_from(EVERYONE),
            st.sampled_from(list(CATEGORIES)),
            st.integers(0, 2),  # which week (0 = two weeks ago ... 2 = the open week)
        ),
        max_size=40,
    ),
    threshold=st.integers(3, 5),
)
@example(  # one released cell for certain, with a lead and an admin trying to pad it
    attempts=[*((p, "idea", 0) for p in PEOPLE[:3]), (LEAD, "idea", 0), (ENV_ADMIN, "idea", 0)],
    threshold=3,
)
def test_every_released_cell_holds_k_different_non_readers(
    tmp_path: Path, attempts: list[tuple[str, str, int]], threshold: int
) -> None:
    url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}"
    db = Database(url)
    migrate.upgrade(db)
    start = NOW - timedelta(weeks=2)
    clock = FrozenClock(start)
    services = Services(
        Settings(database_url=url, admins=frozenset({ENV_ADMIN})),
        db,
        clock,
        OfflineGateway(),
        registry(),
        Keys(bytes(range(32))),
    )
    with db.transaction() as s:
        members_store.ensure_workspace(s, "T1", start)
        pid = members_store.default_programme_id(s, "T1")
        members_store.grant_role(s, "T1", LEAD, "lead", ENV_ADMIN, start)
        members_store.grant_role(s, "T1", GRANTED_ADMIN, "admin", ENV_ADMIN, start)
        programme = pairing_store.programme(s, pid)
        assert programme is not None
        programme.anonymity_threshold = threshold
    authors: dict[tuple[str, str], set[str]] = {}
    for n, (user, category, week_index) in enumerate(sorted(attempts, key=lambda a: a[2])):
        clock.set(start + timedelta(weeks=week_index))
        week = iso_week(clock.now())
        # Authors are named by index: the scrubber removes anything shaped like a Slack id.
        values = {"category": category, "text": f"author{EVERYONE.index(user)} {week} {n}"}
        try:
            stored = anonymous.submit(services, Actor("T1", user), values, f"view:{n}")
        except FeedbackError:
            continue
        assert stored is not None
        authors.setdefault((week, category), set()).add(user)
    clock.set(NOW + timedelta(weeks=1))
    close_weeks(services)
    weeks = closed_weeks(clock.now(), 3)
    fig = figures(services, pid, weeks, threshold)
    db.dispose()
    readers = {LEAD, GRANTED_ADMIN, ENV_ADMIN}
    for people in authors.values():
        assert not people & readers, "a reader's item was accepted"
    if attempts and attempts[0] == (PEOPLE[0], "idea", 0) and len(attempts) == 5:
        assert fig.feedback_texts["idea"] is not None  # the explicit example releases
    for category, texts in fig.feedback_texts.items():
        if not texts:
            continue
        parsed = [SHOWN.match(t) for t in texts]
        assert all(parsed), texts
        shown = [(EVERYONE[int(m.group(1))], m.group(2)) for m in parsed if m]
        assert not {author for author, _ in shown} & readers
        for author, week in shown:
            assert author in authors[(week, category)]
            assert len(authors[(week, category)]) >= threshold
    for count in fig.feedback_counts.values():
        if count is not None:
            assert count >= threshold
