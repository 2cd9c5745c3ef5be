"""Admins configure a programme from the App Home; nobody else can.

The form is filled the way Slack submits it: a select sends ``selected_option``, the
time picker ``selected_time``, number and text inputs ``value``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.app import AllyBot
from bot.programmes.form import FIELDS
from bot.sandbox.slackfake import SlackFake
from storage.lifecycle_models import ProgrammeChannel
from storage.models import AuditEntry, Programme
from tests.conftest import ADMIN
from tests.support.forms import initial, submission
from tests.support.slack_requests import PayloadSender


def open_form(slack: PayloadSender, slack_fake: SlackFake) -> dict[str, Any]:
    before = slack_fake.count("views.open")
    slack.block_action(ADMIN, "programme_configure", "default")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == before + 1, 10)
    return slack_fake.calls("views.open")[-1].args["view"]


def settings(app: AllyBot) -> tuple:
    with app.services.db.read() as s:
        p = s.scalar(select(Programme))
        return (
            p.cadence_weeks,
            p.weekday,
            p.local_time,
            p.tz,
            p.repeat_window,
            p.colleague_quarter_cap,
            p.peer_pairs,
            p.anonymity_threshold,
        )


def test_each_setting_has_the_input_that_fits_it(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"})
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
    assert "programme_configure" in json.dumps(slack_fake.calls("views.publish")[0].args)
    view = open_form(slack, slack_fake)
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {
        "cadence": "static_select",
        "weekday": "static_select",
        "time": "timepicker",
        "tz": "plain_text_input",
        "window": "number_input",
        "cap": "number_input",
        "quarter-cap": "number_input",
        "peer-pairs": "static_select",
        "checkin-delay": "number_input",
        "threshold": "number_input",
        "guests": "static_select",
        "channel": "conversations_select",
    }
    assert [f.key for f in FIELDS] + ["channel"] == list(kinds)
    numbers = {b["block_id"]: b["element"] for b in view["blocks"] if b["block_id"] == "window"}
    assert (numbers["window"]["min_value"], numbers["window"]["max_value"]) == ("0", "52")
    assert initial(view) == {
        "cadence": "fortnightly",
        "weekday": "monday",
        "time": "10:00",
        "tz": "UTC",
        "window": "6",
        "cap": "1",
        "quarter-cap": None,
        "peer-pairs": "no",
        "checkin-delay": "5",
        "threshold": "5",
        "guests": "no",
        "channel": None,
    }


def test_admin_saves_the_form_and_an_untouched_form_changes_nothing(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    view = open_form(slack, slack_fake)
    before = settings(app)
    assert slack.post_interaction_ok(submission(ADMIN, slack.team_id, view, initial(view)))
    assert settings(app) == before
    answers = dict(
        initial(view),
        cadence="weekly",
        weekday="thursday",
        time="14:30",
        tz="Europe/Paris",
        threshold="7",
        **{"quarter-cap": "3", "peer-pairs": "yes"},
    )
    assert slack.post_interaction_ok(submission(ADMIN, slack.team_id, view, answers))
    assert settings(app) == (1, 3, "14:30", "Europe/Paris", 6, 3, True, 7)
    # The next form shows what was saved, and emptying the quarter cap removes it.
    again = open_form(slack, slack_fake)
    assert initial(again)["time"] == "14:30" and initial(again)["quarter-cap"] == "3"
    cleared = dict(initial(again), **{"quarter-cap": None})
    assert slack.post_interaction_ok(submission(ADMIN, slack.team_id, again, cleared))
    assert settings(app)[5] is None


def test_each_wrong_value_is_named_under_its_own_field_and_nothing_is_saved(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    view = open_form(slack, slack_fake)
    before = settings(app)
    forged = dict(
        initial(view),
        cadence="daily",
        time="25:99",
        tz="Mars/Olympus_Mons",
        window="99",
        threshold="2",
        weekday=None,
    )
    reply = slack.interaction(submission(ADMIN, slack.team_id, view, forged))
    body = reply.json()
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {"cadence", "time", "tz", "window", "threshold", "weekday"}
    assert "weekly, fortnightly or 4-weekly" in errors["cadence"]
    assert "10:00" in errors["time"]
    assert "Europe/London" in errors["tz"]
    assert "0 to 52" in errors["window"] and "3 to 100" in errors["threshold"]
    assert errors["weekday"].startswith("Choose")
    assert all(len(e) <= 150 and "`" not in e for e in errors.values())
    assert settings(app) == before
    with app.services.db.read() as s:
        changes = s.scalars(select(AuditEntry).where(AuditEntry.action == "admin.programme")).all()
    assert changes == []


def test_members_get_no_form_and_forged_saves_change_nothing(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    view = open_form(slack, slack_fake)
    slack.command("U0ALLY01", "join ally")
    slack.block_action("U0ALLY01", "programme_configure", "default")
    forged = submission("U0ALLY01", slack.team_id, view, dict(initial(view), cadence="weekly"))
    reply = slack.interaction(forged)
    assert reply.json()["response_action"] == "errors"
    assert "Only programme admins" in json.dumps(reply.json()["errors"])
    assert not slack_fake.wait_for(lambda: slack_fake.count("views.open") > 1, 1)
    with app.services.db.read() as s:
        assert s.scalar(select(Programme.cadence_weeks)) == 2
        denied = s.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "denied")).all()
    assert "admin.programme" in denied and "admin.programme.form" in denied


def test_admin_links_a_channel_and_allows_guests_from_the_form(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    view = open_form(slack, slack_fake)
    answers = dict(initial(view), channel="C0LINKED1", guests="yes")
    assert slack.post_interaction_ok(submission(ADMIN, slack.team_id, view, answers))
    with app.services.db.read() as s:
        row = s.scalar(select(ProgrammeChannel))
        assert row is not None and (row.channel_id, row.guests) == ("C0LINKED1", True)
    again = open_form(slack, slack_fake)
    assert initial(again)["channel"] == "C0LINKED1" and initial(again)["guests"] == "yes"
    # Clearing the picker unlinks; a forged guests value is named under its field.
    forged = dict(initial(again), guests="maybe")
    body = slack.interaction(submission(ADMIN, slack.team_id, again, forged)).json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {"guests"}
    cleared = dict(initial(again), channel=None)
    assert slack.post_interaction_ok(submission(ADMIN, slack.team_id, again, cleared))
    with app.services.db.read() as s:
        assert s.scalar(select(ProgrammeChannel.channel_id)) is None
