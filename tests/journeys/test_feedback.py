"""Anonymous feedback end to end: open from every surface, store nothing identifying."""

from __future__ import annotations

import json

from sqlalchemy import inspect, select

from bot.app import AllyBot
from bot.feedback.anonymous import close_weeks
from bot.sandbox.slackfake import SlackFake
from storage.feedback_models import Feedback, FeedbackQuota, FeedbackStaging
from tests.support.slack_requests import PayloadSender

HOSTILE = (
    "Allies talk over us. <!channel> <@U0ALLY01|sam> <#C0123ABCD|general> "
    "<https://evil.example|click> see https://x.example/p and U0ALLY01 or sam@corp.example"
)


def submission(
    user: str, team: str, text: str, view_id: str = "V0FB", *, reply: bool = False, **extra: str
) -> dict:
    values: dict = {
        "category": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": extra.get("category", "performative")},
            }
        },
        "rating": {"value": {"type": "static_select", "selected_option": {"value": "2"}}},
        "text": {"value": {"type": "plain_text_input", "value": text}},
    }
    if reply:
        values["reply"] = {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}
    return {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "view": {
            "id": view_id,
            "type": "modal",
            "hash": "h1",
            "callback_id": "feedback_modal",
            "private_metadata": "",
            "state": {"values": values},
        },
    }


def test_form_opens_from_command_shortcut_home_and_checkin(
    slack: PayloadSender, slack_fake: SlackFake
):
    reply = slack.command("U0COLL01", "feedback")
    assert "never stored" in reply.text
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    slack.interaction(
        {
            "type": "shortcut",
            "callback_id": "ally_feedback",
            "team": {"id": slack.team_id},
            "user": {"id": "U0COLL01", "team_id": slack.team_id},
            "trigger_id": "1.2.3",
        }
    )
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 2, 10)
    slack.block_action("U0COLL01", "feedback_open", "7")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 3, 10)
    views = [c.args["view"]["callback_id"] for c in slack_fake.calls("views.open")]
    assert views == ["feedback_modal"] * 3
    slack.command("U0COLL01", "join colleague")
    slack.event({"type": "app_home_opened", "user": "U0COLL01", "tab": "home"})
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
    assert "feedback_open" in json.dumps(slack_fake.calls("views.publish")[0].args)


def test_stored_without_identity_and_scrubbed(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, caplog, debug_logs
):
    logged = debug_logs("DEBUG")  # allybot's own logging, as `allybot serve` sets it up
    reply = slack.interaction(submission("U0COLL02", slack.team_id, HOSTILE))
    data = reply.json()
    assert data["response_action"] == "update"
    shown = json.dumps(data["view"])
    assert "Not stored" in shown and "<!channel>" not in shown
    # The same submission delivered twice (double click, retry) is stored once.
    slack.interaction(submission("U0COLL02", slack.team_id, HOSTILE))
    with app.services.db.read() as s:
        rows = list(s.scalars(select(FeedbackStaging)))
        assert len(rows) == 1 and s.scalar(select(Feedback)) is None  # the week is open
        body, week = rows[0].body, rows[0].week
        quota_keys = list(s.scalars(select(FeedbackQuota.key)))
    for leaked in (
        "<!channel>",
        "U0ALLY01",
        "C0123ABCD",
        "evil.example",
        "x.example",
        "sam@corp",
        "U0COLL02",
    ):
        assert leaked not in body, leaked
    assert body.startswith("Allies talk over us.")
    assert week.startswith("2026-W")
    assert all("U0COLL02" not in k for k in quota_keys)
    assert "Allies talk over us" not in caplog.text and "U0COLL02" not in caplog.text
    assert "Allies talk over us" not in logged.getvalue() and "U0COLL02" not in logged.getvalue()


def test_feedback_table_cannot_identify_an_author(app: AllyBot):
    columns = {c["name"] for c in inspect(app.services.db.engine).get_columns("feedback")}
    expected = {"id", "programme_id", "week", "category", "rating", "body", "reply_token_hash"}
    assert columns == expected
    staging = {c["name"] for c in inspect(app.services.db.engine).get_columns("feedback_staging")}
    assert staging == expected
    assert not any(
        word in c for c in columns for word in ("user", "slack", "email", "created", "ts")
    )
    quota = {c["name"] for c in inspect(app.services.db.engine).get_columns("feedback_quota")}
    assert quota == {"key", "week", "submission"}


def test_one_item_per_category_per_week_without_identity(app: AllyBot, slack: PayloadSender, clock):
    """Changed from "three a week": one per person per category per week, so a cell
    of k items holds k different people."""
    ok = slack.interaction(submission("U0COLL03", slack.team_id, "point", "V1"))
    assert ok.json()["response_action"] == "update"
    again = slack.interaction(submission("U0COLL03", slack.team_id, "more", "V2"))
    assert again.json()["response_action"] == "errors"
    assert "one per category per week" in json.dumps(again.json())
    other_category = slack.interaction(
        submission("U0COLL03", slack.team_id, "an idea", "V3", category="idea")
    )
    assert other_category.json()["response_action"] == "update"
    other = slack.interaction(submission("U0COLL04", slack.team_id, "mine", "V10"))
    assert other.json()["response_action"] == "update"
    with app.services.db.read() as s:
        assert len(list(s.scalars(select(FeedbackStaging)))) == 3
    from datetime import timedelta

    clock.advance(timedelta(weeks=1))
    assert close_weeks(app.services) == 3
    with app.services.db.read() as s:
        assert len(list(s.scalars(select(Feedback)))) == 3
        assert s.scalar(select(FeedbackStaging)) is None
        assert s.scalar(select(FeedbackQuota)) is None
    # A new week: the same person may write about the same category again.
    fresh = slack.interaction(submission("U0COLL03", slack.team_id, "point", "V11"))
    assert fresh.json()["response_action"] == "update"


def test_the_confirmation_states_the_programmes_own_threshold(slack: PayloadSender):
    slack.command("UADMIN01", "admin programme set default threshold=7")
    reply = slack.interaction(submission("U0COLL09", slack.team_id, "More of this", "VTH"))
    shown = json.dumps(reply.json()["view"])
    assert "at least 7 different people sent feedback" in shown and "five" not in shown
