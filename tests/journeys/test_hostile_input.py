"""Attacks from issue 10, each over real signed HTTP: no 5xx, a reply that says what
was wrong, and nothing changed in the database."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.app import AllyBot, create_app
from bot.core.config import Settings
from bot.sandbox.slackfake import SlackFake
from storage import migrate
from storage.db import Database
from storage.models import AuditEntry
from tests.conftest import ADMIN, SIGNING_SECRET
from tests.support.dbdump import dump
from tests.support.slack_requests import PayloadSender, SlackSender

#: Superscript two, Arabic-Indic three, Lao three, mathematical bold three, Roman twelve,
#: and mixtures: all pass ``str.isdigit()`` or ``isnumeric()``, none is ASCII.
OTHER_DIGITS = [
    "\u00b2",
    "\u0663",
    "\u0ed3",
    "\U0001d7d1",
    "\u216b",
    "1\u00b2",
    "\u00b3\u2044\u2084",
]
HUGE = ["9" * 20, "4" * 12, "2147483648", "0" * 11 + "1"]


def joined(slack: PayloadSender, *users: str) -> None:
    for user in users:
        assert slack.command(user, "join ally").status == 200


COMMANDS = [
    "pause {n} weeks",
    "checkin {n} yes",
    "journal {n}",
    "end-pairing {n}",
    "summary {n}",
    "admin programme set default cap={n}",
    "admin programme set default threshold={n}",
    "admin programme set default window={n}",
    "admin programme set default checkin-delay={n}",
    "admin programme set default quarter-cap={n}",
    "admin pair remove {n}",
    "admin pair swap {n} <@U0ALLY01> <@U0ALLY02>",
    "admin rule remove {n}",
    "admin prompts move listening-01 {n}",
]


@pytest.mark.parametrize("template", COMMANDS)
def test_digits_of_other_scripts_and_huge_numbers_get_a_reply_and_change_nothing(
    app: AllyBot, slack: PayloadSender, template: str
):
    joined(slack, "U0ALLY01", ADMIN)
    before = dump(app.services.db)
    for n in OTHER_DIGITS + HUGE:
        reply = slack.command(ADMIN, template.format(n=n))
        assert reply.status == 200, (template, n, reply.status, reply.body[:200])
        assert reply.json().get("text"), (template, n)
        assert "went wrong" not in reply.text, (template, n, reply.text[:200])
    assert dump(app.services.db) == before


def test_long_or_unknown_time_zones_are_refused_kindly(app: AllyBot, slack: PayloadSender):
    before = dump(app.services.db)
    for value in ["Europe/" + "x" * 10_000, "../../etc/passwd", "Mars/Olympus", "localtime"]:
        reply = slack.command(ADMIN, f"admin programme set default tz={value}")
        assert reply.status == 200
        assert "time zone name" in reply.text
    assert dump(app.services.db) == before


@pytest.mark.parametrize(
    "action_id",
    ["pair_met", "pair_end", "checkin_yes", "prompt_skip", "prompt_reflect", "feedback_replies"],
)
def test_hostile_button_values_answer_kindly(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, action_id: str
):
    joined(slack, "U0ALLY01")
    before = dump(app.services.db)
    for value in ["²", "9" * 20, "4" * 12, "x" * 10_000, "1\x00", "-1", ""]:
        reply = slack.block_action("U0ALLY01", action_id, value)
        assert reply.status == 200, (action_id, value[:20], reply.status)
    assert dump(app.services.db) == before
    # Every click got a private answer through response_url; no modal was opened.
    assert slack_fake.count("views.open") == 0
    assert not [c for c in slack_fake.response_url_posts() if "went wrong" in json.dumps(c.args)]


def submission(state: object, metadata: object = "", callback_id: str = "checkin_modal") -> dict:
    return {
        "type": "view_submission",
        "team": {"id": "T0ALLYBOT"},
        "user": {"id": "U0ALLY01", "team_id": "T0ALLYBOT"},
        "view": {
            "id": "V0HOSTILE",
            "hash": f"h{time.time_ns()}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": state,
        },
    }


@pytest.mark.parametrize(
    ("callback_id", "state", "metadata"),
    [
        (
            "checkin_modal",
            {"values": {"usefulness": {"v": {"selected_option": {"value": "²"}}}}},
            "1",
        ),
        ("checkin_modal", {"values": {}}, "9" * 20),
        ("checkin_modal", {"values": {}}, "x" * 10_000),
        ("checkin_modal", "not-a-dict", "1"),
        ("checkin_modal", {"values": ["a", "list"]}, "1"),
        ("checkin_modal", {"values": {"usefulness": {"v": {"selected_option": 7}}}}, "1"),
        ("feedback_modal", {"values": {"rating": {"v": {"selected_option": {"value": "٣"}}}}}, ""),
        ("feedback_modal", {"values": {"text": {"v": {"value": {"nested": 1}}}}}, ""),
        ("reflect_modal", {"values": {"reflection": {"v": {"value": "hi"}}}}, "²"),
        ("programme_modal", {"values": {"cap": {"v": {"value": "²"}}}}, "default"),
        ("programme_modal", {"values": {"tz": {"v": {"value": "x" * 3000}}}}, "default"),
        ("feedback_answer_modal", {"values": {"text": {"v": {"value": "hi"}}}}, "x" * 2999),
    ],
)
def test_modal_state_of_the_wrong_shape_is_an_error_under_the_form(
    app: AllyBot, slack: PayloadSender, callback_id: str, state: object, metadata: object
):
    joined(slack, "U0ALLY01")
    before = dump(app.services.db)
    reply = slack.interaction(submission(state, metadata, callback_id))
    assert reply.status == 200, reply.body[:200]
    assert reply.json().get("response_action") == "errors", reply.body[:300]
    assert dump(app.services.db) == before


@pytest.mark.http_only
def test_malformed_signature_headers_are_401_not_500(app: AllyBot, slack: PayloadSender):
    form = urllib.parse.urlencode(
        {"command": "/ally", "text": "join ally", "user_id": "U0ALLY01", "team_id": "T0ALLYBOT"}
    )
    good = SignatureVerifier(slack.secret).generate_signature(
        timestamp=str(int(time.time())), body=form
    )
    for ts in ["abc", "", "1e3", "NaN", " 12", "-5", "9" * 40]:
        reply = slack.post(
            form,
            "application/x-www-form-urlencoded",
            sign=False,
            headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": good},
        )
        assert reply.status == 401, (ts, reply.status)
    for signature in ["", "v0=zz", "v1=" + "0" * 64, good + "0"]:
        reply = slack.post(
            form,
            "application/x-www-form-urlencoded",
            sign=False,
            headers={
                "X-Slack-Request-Timestamp": str(int(time.time())),
                "X-Slack-Signature": signature,
            },
        )
        assert reply.status == 401, (signature, reply.status)
    assert dump(app.services.db)["member"] == []


@pytest.mark.http_only
def test_only_slacks_content_types_are_accepted(app: AllyBot, slack: PayloadSender):
    body = json.dumps({"type": "url_verification", "challenge": "c"})
    for content_type in ["text/plain", "multipart/form-data; boundary=x", "application/xml", ""]:
        assert slack.post(body, content_type).status == 415, content_type
    assert slack.post(body, "application/json; charset=utf-8").status == 200


@pytest.mark.http_only
def test_an_event_whose_event_is_a_string_is_a_400(app: AllyBot, slack: PayloadSender):
    envelope = {
        "team_id": slack.team_id,
        "api_app_id": "A0ALLYBOT",
        "type": "event_callback",
        "event_id": "Ev0STRING",
        "event": "app_home_opened",
    }
    assert slack.post(json.dumps(envelope), "application/json").status == 400


@pytest.mark.http_only
def test_a_signed_command_without_a_workspace_is_refused(app: AllyBot, slack: PayloadSender):
    form = {"command": "/ally", "text": "join ally", "user_id": "U0ALLY01", "user_name": "x"}
    reply = slack.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    assert reply.status == 400
    for team in ["", "T" + "0" * 40, "T0\x00BAD", "nope"]:
        form["team_id"] = team
        reply = slack.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
        assert reply.status in (400, 401), (team, reply.status)
    assert dump(app.services.db)["member"] == []
    assert dump(app.services.db)["workspace"] == []


@pytest.mark.http_only
def test_a_malformed_user_id_is_refused(app: AllyBot, slack: PayloadSender):
    for user in ["U" + "A" * 60, "not-a-user", "U0\x00X"]:
        assert slack.command(user, "join ally").status == 400
    assert dump(app.services.db)["member"] == []


def test_a_refused_admin_action_is_audited_whatever_its_target(app: AllyBot, slack: PayloadSender):
    slack.command("U0ALLY01", "join ally")
    hostile = ["x" * 600, "a\x00b " * 80, "\u202e" + "y" * 300]
    for target in hostile:
        reply = slack.command("U0ALLY01", f"admin programme set default tz={target}")
        assert reply.status == 200 and "Sorry, only programme admins" in reply.text
    form_metadata = "d\x00" + "e" * 2990
    reply = slack.interaction(
        submission({"values": {"cap": {"v": {"value": "2"}}}}, form_metadata, "programme_modal")
    )
    assert reply.status == 200
    with app.services.db.read() as s:
        denied = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.outcome == "denied")
        )
    assert denied == len(hostile)


def test_refused_requests_never_log_their_body(
    settings: Settings, slack_fake: SlackFake, caplog: pytest.LogCaptureFixture
):
    """Bolt logs the whole body of a request whose signature fails, at INFO, once the
    app was built with logging at INFO or below (as ``LOG_LEVEL=INFO`` does)."""
    caplog.set_level(logging.DEBUG)
    migrate.upgrade(Database(settings.database_url))
    bot = create_app(settings)  # built while logging is at DEBUG
    server = bot.serve_http("127.0.0.1", 0)
    try:
        slack = SlackSender(f"http://127.0.0.1:{server.server_port}", SIGNING_SECRET)
        secret_text = "uncomfortable SECRET-WORDS-FROM-A-PERSON"
        assert slack.command("U0ALLY01", secret_text, secret="not-the-secret").status == 401
        stale = int(time.time()) - 3600
        assert slack.command("U0ALLY01", secret_text, timestamp=stale).status == 401
        form = urllib.parse.urlencode({"command": "/ally", "text": secret_text, "team_id": "T0"})
        assert slack.post(form, "application/x-www-form-urlencoded", sign=False).status == 401
        assert slack.post(form, "text/plain").status == 415
    finally:
        server.shutdown()
        bot.close()
    assert "SECRET-WORDS" not in caplog.text
    assert "refused" in caplog.text
