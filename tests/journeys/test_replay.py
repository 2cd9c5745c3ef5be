"""Replays of signed slash commands: Slack never retries them, so the same signed
request twice is an attacker's, and its second arrival must have no effect."""

from __future__ import annotations

import time
import urllib.parse
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import AllyBot, create_app
from bot.core.clock import FrozenClock
from bot.core.commands import ALREADY_DONE
from bot.core.config import Settings
from bot.core.scheduler import prune_events
from bot.sandbox.slackfake import SlackFake
from storage import members as members_store
from storage.feedback_models import PendingConcern
from storage.models import OutboxMessage, RequestReplay
from tests.conftest import ADMIN, SIGNING_SECRET
from tests.support.slack_requests import PayloadSender, Response, SlackSender

#: About HTTP itself (signed bodies, replays, status codes): not run over Socket Mode.
pytestmark = pytest.mark.http_only


def signed_command(slack: PayloadSender, user: str, text: str) -> tuple[str, int]:
    form = {
        "team_id": slack.team_id,
        "user_id": user,
        "user_name": user.lower(),
        "command": "/ally",
        "text": text,
        "response_url": f"{slack.fake_url}response/cmd-{uuid.uuid4().hex[:8]}",
        "trigger_id": f"1.1.{uuid.uuid4().hex[:8]}",
    }
    return urllib.parse.urlencode(form), int(time.time())


def send(slack: PayloadSender, request: tuple[str, int]) -> Response:
    body, ts = request
    return slack.post(body, "application/x-www-form-urlencoded", timestamp=ts)


def replays(app: AllyBot) -> int:
    with app.services.db.read() as s:
        return s.scalar(select(func.count()).select_from(RequestReplay)) or 0


def outbox_rows(app: AllyBot) -> int:
    with app.services.db.read() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def pending_concerns(app: AllyBot) -> int:
    with app.services.db.read() as s:
        return s.scalar(select(func.count()).select_from(PendingConcern)) or 0


def test_replaying_uncomfortable_three_times_flags_one_concern(app: AllyBot, slack: PayloadSender):
    slack.command(ADMIN, "admin programme lead default <@U0COLL05>")  # the concern contact
    request = signed_command(slack, "U0ALLY01", "uncomfortable they kept interrupting me")
    first = send(slack, request)
    assert first.status == 200 and "anonymously in today's daily batch" in first.text
    for _ in range(2):
        again = send(slack, request)
        assert again.status == 200
        assert ALREADY_DONE in again.text
    assert pending_concerns(app) == 1


def test_replaying_add_lead_after_remove_lead_does_not_give_the_role_back(
    app: AllyBot, slack: PayloadSender
):
    grant = signed_command(slack, ADMIN, "admin add-lead <@U0COLL05>")
    assert "is now a programme lead" in send(slack, grant).text
    assert "no longer" in slack.command(ADMIN, "admin remove-lead <@U0COLL05>").text
    assert ALREADY_DONE in send(slack, grant).text
    with app.services.db.read() as s:
        assert "lead" not in members_store.roles_of(s, slack.team_id, "U0COLL05")


def test_a_new_request_with_the_same_words_is_carried_out(app: AllyBot, slack: PayloadSender):
    """Only the exact signed request is refused: a person typing it again is not."""
    slack.command(ADMIN, "admin add-lead <@U0COLL05>")
    slack.command(ADMIN, "admin remove-lead <@U0COLL05>")
    assert "is now a programme lead" in slack.command(ADMIN, "admin add-lead <@U0COLL05>").text


def test_commands_that_only_read_leave_no_key(app: AllyBot, slack: PayloadSender):
    slack.command("U0ALLY01", "join ally")
    assert replays(app) == 1
    for text in ["status", "help", "never list", "journal", "join ally"]:
        request = signed_command(slack, "U0ALLY01", text)
        first, second = send(slack, request), send(slack, request)
        assert first.status == second.status == 200
        assert ALREADY_DONE not in second.text, text
    assert replays(app) == 1


def test_only_a_hash_of_the_signature_is_kept_and_pruned_after_the_window(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    request = signed_command(slack, "U0ALLY01", "join ally")
    send(slack, request)
    with app.services.db.read() as s:
        (row,) = s.scalars(select(RequestReplay)).all()
    assert len(row.key) == 64 and all(c in "0123456789abcdef" for c in row.key)
    sent = datetime.fromtimestamp(request[1], UTC)
    assert sent + timedelta(minutes=5) < row.expires_at <= sent + timedelta(minutes=7)
    clock.set(row.expires_at - timedelta(seconds=1))
    prune_events(app.services)
    assert replays(app) == 1
    clock.set(row.expires_at + timedelta(seconds=1))
    prune_events(app.services)
    assert replays(app) == 0


@pytest.fixture
def second_instance(settings: Settings, clock: FrozenClock) -> Iterator[SlackSender]:
    other = create_app(settings, clock=clock, instance="second")
    server = other.serve_http("127.0.0.1", 0)
    yield SlackSender(f"http://127.0.0.1:{server.server_port}", SIGNING_SECRET)
    server.shutdown()
    other.close()


def test_a_replay_to_another_instance_is_refused_too(
    app: AllyBot, slack: PayloadSender, second_instance: SlackSender, slack_fake: SlackFake
):
    second_instance.team_id = slack.team_id
    second_instance.fake_url = slack.fake_url
    slack.command(ADMIN, "admin programme lead default <@U0COLL05>")  # the concern contact
    request = signed_command(slack, "U0ALLY02", "uncomfortable it felt like a test")
    assert "daily batch" in send(slack, request).text
    assert ALREADY_DONE in send(second_instance, request).text
    assert pending_concerns(app) == 1
