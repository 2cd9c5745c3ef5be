"""Requests Slack did not sign (or signed too long ago) are refused and change nothing.

HTTP only: Socket Mode carries no signature (the WebSocket was opened with the
app-level token), so there is nothing to forge there.
"""

from __future__ import annotations

import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from bot.app import AllyBot
from storage.models import Member
from tests.support.slack_requests import PayloadSender

pytestmark = pytest.mark.http_only


def members(app: AllyBot) -> int:
    with app.services.db.read() as s:
        return s.scalar(select(func.count()).select_from(Member)) or 0


def test_forged_signature_is_401_and_changes_nothing(app: AllyBot, slack: PayloadSender):
    reply = slack.command("U0ALLY01", "join ally", secret="not-the-secret")
    assert reply.status == 401
    assert members(app) == 0


def test_missing_signature_headers_is_401(app: AllyBot, slack: PayloadSender):
    form = urllib.parse.urlencode({"command": "/ally", "text": "join ally", "user_id": "U0ALLY01"})
    reply = slack.post(form, "application/x-www-form-urlencoded", sign=False)
    assert reply.status == 401
    assert members(app) == 0


def test_body_tampered_after_signing_is_401(app: AllyBot, slack: PayloadSender):
    form = urllib.parse.urlencode(
        {"command": "/ally", "text": "status", "user_id": "U0ALLY01", "team_id": "T0ALLYBOT"}
    )
    ts = str(int(time.time()))
    from slack_sdk.signature import SignatureVerifier

    signature = SignatureVerifier(slack.secret).generate_signature(timestamp=ts, body=form)
    tampered = form.replace("status", "join+ally")
    reply = slack.post(
        tampered,
        "application/x-www-form-urlencoded",
        sign=False,
        headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature},
    )
    assert reply.status == 401
    assert members(app) == 0


def test_stale_and_future_timestamps_are_401(app: AllyBot, slack: PayloadSender):
    now = int(time.time())
    assert slack.command("U0ALLY01", "join ally", timestamp=now - 301).status == 401
    assert slack.command("U0ALLY01", "join ally", timestamp=now + 301).status == 401
    assert members(app) == 0
    # Just inside the five-minute window is accepted.
    assert slack.command("U0ALLY01", "join ally", timestamp=now - 250).status == 200
    assert members(app) == 1


def test_forged_event_is_401_and_publishes_nothing(slack: PayloadSender, slack_fake):
    reply = slack.event({"type": "app_home_opened", "user": "U0ALLY01", "tab": "home"}, secret="x")
    assert reply.status == 401
    assert slack_fake.count("views.publish") == 0


def test_unsigned_ssl_check_gets_an_empty_answer_and_no_effect(
    app: AllyBot, slack: PayloadSender, slack_fake
):
    """Bolt answers Slack's SSL check itself; it must reach no listener."""
    body = "ssl_check=1&token=whatever&command=/ally&text=join+ally&user_id=U0ALLY01"
    reply = slack.post(body, "application/x-www-form-urlencoded", sign=False)
    assert (reply.status, reply.body) == (200, "")
    assert members(app) == 0
    assert slack_fake.calls() == [] or all(c.method == "auth.test" for c in slack_fake.calls())


def test_malformed_payloads_do_not_break_the_app(slack: PayloadSender):
    bad = [
        ("payload=not-json", "application/x-www-form-urlencoded"),
        ('{"type": "event_callback"', "application/json"),
        (
            '{"type": "event_callback", "event": {"type": "app_home_opened", "user": 123}}',
            "application/json",
        ),
        ('{"type": "mystery"}', "application/json"),
    ]
    for body, content_type in bad:
        reply = slack.post(body, content_type)
        assert reply.status < 500, (body, reply.status)
        assert "Traceback" not in reply.body
    assert slack.command("U0ALLY01", "help").status == 200


def test_request_for_another_workspace_is_refused(app: AllyBot, slack: PayloadSender):
    slack.team_id = "T0SOMEONEELSE"
    assert slack.command("U0ALLY01", "join ally").status == 401
    assert members(app) == 0
