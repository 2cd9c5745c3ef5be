"""Tests of the Slack Web API fake, driven through a real ``slack_sdk.WebClient``.

Why real clients: the fake is only useful if the SDK's own encoding, retry
handlers and upload chain accept it, so every behaviour is checked over HTTP.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.sandbox.slackfake import (
    DEFAULT_TOKEN,
    RESPONSE_URL_METHOD,
    UPLOAD_METHOD,
    FakeUser,
    ManualClock,
    SlackFake,
)

ALICE = FakeUser(id="U0ALICE", real_name="Alice Example", tz="Europe/London")
BOB = FakeUser(id="U0BOB", real_name="Bob Example", tz="America/New_York", tz_offset=-18000)
GONE = FakeUser(id="U0GONE", real_name="Gone Person", deleted=True)
ROBOT = FakeUser(id="U0ROBOT", real_name="Some Bot", is_bot=True)
CAROL = FakeUser(id="U0CAROL", real_name="Carol Example")
USERS = (ALICE, BOB, GONE, ROBOT, CAROL)
#: Members for the property tests of conversation ids.
MEMBERS = tuple(FakeUser(id=f"U0M{i}") for i in range(12))
FAST_RETRY = FixedValueRetryIntervalCalculator(0.01)


@pytest.fixture
def fake() -> Iterator[SlackFake]:
    with SlackFake(users=USERS) as running:
        yield running
    assert running.internal_errors() == []


@pytest.fixture(scope="module")
def shared_fake() -> Iterator[SlackFake]:
    """One server for the hypothesis tests, which cannot use function fixtures."""
    with SlackFake(users=(*USERS, *MEMBERS)) as running:
        yield running


def plain_client(fake: SlackFake, token: str | None = DEFAULT_TOKEN) -> WebClient:
    """A client with no retry handlers, so every 429/5xx surfaces."""
    return WebClient(token=token, base_url=fake.base_url, retry_handlers=[])


@pytest.fixture
def client(fake: SlackFake) -> WebClient:
    return plain_client(fake)


def raw_post(
    url: str, body: bytes, content_type: str, token: str | None = DEFAULT_TOKEN
) -> tuple[int, bytes]:
    """POST bytes as they are, to test what the SDK would never send."""
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def slack_error(exc_info: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc_info.value.response["error"])


# --------------------------------------------------------------------- lifecycle


def test_base_url_is_loopback_and_ends_like_slacks() -> None:
    with SlackFake() as fake:
        assert fake.base_url.startswith("http://127.0.0.1:")
        assert fake.base_url.endswith("/api/")
        assert fake.base_url == f"http://127.0.0.1:{fake.port}/api/"
        assert fake.running


def test_stop_releases_the_port_and_refuses_requests() -> None:
    fake = SlackFake().start()
    base_url = fake.base_url
    fake.stop()
    fake.stop()  # idempotent
    assert not fake.running
    with pytest.raises(RuntimeError):
        _ = fake.base_url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base_url + "api.test", data=b"", timeout=2)


def test_start_twice_is_refused() -> None:
    with SlackFake() as fake, pytest.raises(RuntimeError):
        fake.start()


def test_binds_a_requested_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with SlackFake(port=port) as fake:
        assert fake.port == port
        assert plain_client(fake).api_test()["ok"] is True


def test_module_imports_neither_pytest_nor_slack_sdk() -> None:
    code = (
        "import sys, bot.sandbox.slackfake; "
        "print(sorted(m for m in ('pytest', 'slack_sdk', 'slack_bolt') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------- auth


def test_auth_test_answers_with_bot_identity_and_records_the_token(
    fake: SlackFake, client: WebClient
) -> None:
    response = client.auth_test()
    assert response["ok"] is True
    assert response["user_id"] == fake.bot_user_id
    assert response["bot_id"] == fake.bot_id
    assert response["team_id"] == fake.team_id
    (call,) = fake.calls("auth.test")
    assert call.token == DEFAULT_TOKEN
    assert call.status == 200
    assert call.response["ok"] is True


def test_api_test_needs_no_token_and_echoes_args(fake: SlackFake) -> None:
    response = plain_client(fake, token=None).api_test(foo="bar")
    assert response["args"] == {"foo": "bar"}
    with pytest.raises(SlackApiError) as exc_info:
        plain_client(fake, token=None).api_test(error="my_error")
    assert slack_error(exc_info) == "my_error"


def test_missing_token_is_not_authed(fake: SlackFake) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        plain_client(fake, token=None).auth_test()
    assert slack_error(exc_info) == "not_authed"
    assert exc_info.value.response.status_code == 200


def test_unknown_token_is_invalid_auth(fake: SlackFake) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        plain_client(fake, token="xoxb-wrong").chat_postMessage(channel="C0GENERAL", text="x")
    assert slack_error(exc_info) == "invalid_auth"
    assert fake.messages_to("C0GENERAL") == []


def test_token_in_the_form_body_is_accepted(fake: SlackFake) -> None:
    status, body = raw_post(
        fake.base_url + "auth.test",
        f"token={DEFAULT_TOKEN}".encode(),
        "application/x-www-form-urlencoded",
        token=None,
    )
    assert status == 200
    assert json.loads(body)["ok"] is True
    assert fake.calls("auth.test")[0].args == {}


def test_configured_and_revoked_tokens(fake: SlackFake) -> None:
    fake.add_token("xoxb-second")
    assert plain_client(fake, "xoxb-second").auth_test()["ok"] is True
    fake.revoke_token("xoxb-second")
    with pytest.raises(SlackApiError) as exc_info:
        plain_client(fake, "xoxb-second").auth_test()
    assert slack_error(exc_info) == "invalid_auth"


def test_get_with_query_string_is_understood(fake: SlackFake) -> None:
    request = urllib.request.Request(
        fake.base_url + "users.info?user=U0ALICE",
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        payload = json.loads(response.read())
    assert payload["user"]["id"] == "U0ALICE"


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.api_call("chat.teleport", json={"channel": "C1"})
    assert slack_error(exc_info) == "unknown_method"


# ---------------------------------------------------------------------- messages


def test_post_message_shape_and_recording(fake: SlackFake, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]
    response = client.chat_postMessage(channel="C0GENERAL", text="hello", blocks=blocks)
    assert response["channel"] == "C0GENERAL"
    assert response["message"]["text"] == "hello"
    assert response["message"]["blocks"] == blocks
    assert response["message"]["ts"] == response["ts"]
    assert response["message"]["bot_id"] == fake.bot_id
    (call,) = fake.messages_to("C0GENERAL")
    assert call.args["blocks"] == blocks
    assert call.args["text"] == "hello"
    assert call.response["ts"] == response["ts"]
    assert fake.count("chat.postMessage") == 1


def test_timestamps_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0GENERAL", text=f"m{i}")["ts"] for i in range(30)]
    as_numbers = [tuple(int(part) for part in ts.split(".")) for ts in stamps]
    assert as_numbers == sorted(as_numbers)
    assert len(set(stamps)) == len(stamps)
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_timestamps_stay_unique_when_the_wall_clock_stands_still() -> None:
    with SlackFake(users=USERS, wall_clock=lambda: 1_700_000_000.0) as fake:
        client = plain_client(fake)
        stamps = [client.chat_postMessage(channel="C0GENERAL", text="x")["ts"] for _ in range(3)]
        assert stamps == ["1700000000.000000", "1700000000.000001", "1700000000.000002"]
        full = client.conversations_open(users="U0ALICE", return_im=True)["channel"]
        assert full["created"] == 1_700_000_000


def test_posting_to_a_user_answers_with_a_stable_dm_channel(
    fake: SlackFake, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="U0ALICE", text="one")["channel"]
    second = client.chat_postMessage(channel="U0ALICE", text="two")["channel"]
    other = client.chat_postMessage(channel="U0BOB", text="three")["channel"]
    assert first.startswith("D")
    assert first == second
    assert other != first
    opened = client.conversations_open(users="U0ALICE")["channel"]["id"]
    assert opened == first
    client.chat_postMessage(channel=opened, text="four")
    assert [c.args["text"] for c in fake.messages_to("U0ALICE")] == ["one", "two", "four"]
    assert [c.args["text"] for c in fake.messages_to(first)] == ["one", "two", "four"]
    assert [c.args["text"] for c in fake.messages_to("U0BOB")] == ["three"]
    # The same user gets the same DM id from a separate fake: ids are derived.
    with SlackFake(users=USERS) as other_fake:
        again = plain_client(other_fake).chat_postMessage(channel="U0ALICE", text="x")
        assert again["channel"] == first


def test_post_message_validation(fake: SlackFake, client: WebClient) -> None:
    cases = [
        ({"text": "no channel"}, "channel_not_found"),
        ({"channel": "#general", "text": "a name"}, "channel_not_found"),
        ({"channel": "C0GENERAL"}, "no_text"),
        ({"channel": "C0GENERAL", "text": ""}, "no_text"),
        ({"channel": "C0GENERAL", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
        ({"channel": "C0GENERAL", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"channel": "U0GONE", "text": "hi"}, "user_disabled"),
        ({"channel": "U0NOBODY", "text": "hi"}, "channel_not_found"),
        ({"channel": "D0NEVEROPENED", "text": "hi"}, "channel_not_found"),
        ({"channel": "G0NEVEROPENED", "text": "hi"}, "channel_not_found"),
    ]
    for params, expected in cases:
        with pytest.raises(SlackApiError) as exc_info:
            client.api_call("chat.postMessage", json=params)
        assert slack_error(exc_info) == expected, params
    assert fake.messages_to("C0GENERAL") == []
    assert fake.count("chat.postMessage") == len(cases)
    assert len(fake.refusals()) == len(cases)


def test_text_over_40000_characters_is_truncated_not_refused(
    fake: SlackFake, client: WebClient
) -> None:
    response = client.chat_postMessage(channel="C0GENERAL", text="x" * 40_001)
    assert response["message"]["text"] == "x" * 40_000
    assert fake.refusals() == []


def test_a_declared_dm_channel_is_accepted(fake: SlackFake, client: WebClient) -> None:
    fake.add_channel("D0DECLARED")
    assert client.chat_postMessage(channel="D0DECLARED", text="hi")["ok"] is True


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_blocks_only_message_is_fine(client: WebClient) -> None:
    response = client.chat_postMessage(channel="C0GENERAL", blocks=[{"type": "divider"}])
    assert response["message"]["blocks"] == [{"type": "divider"}]


def test_json_valued_form_fields_are_decoded(fake: SlackFake, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "form"}}]
    attachments = [{"text": "att"}]
    client.api_call(
        "chat.postMessage",
        params={
            "channel": "C0GENERAL",
            "text": "form",
            "blocks": json.dumps(blocks),
            "attachments": json.dumps(attachments),
        },
    )
    (call,) = fake.calls("chat.postMessage")
    assert call.args["blocks"] == blocks
    assert call.args["attachments"] == attachments


def test_ephemeral_messages(fake: SlackFake, client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C0GENERAL", user="U0BOB", text="psst")
    assert "." in response["message_ts"]
    assert [c.args["text"] for c in fake.messages_to("U0BOB")] == ["psst"]
    assert [c.args["text"] for c in fake.messages_to("C0GENERAL")] == ["psst"]
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postEphemeral(channel="C0GENERAL", user="", text="psst")
    assert slack_error(exc_info) == "invalid_arguments"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_update_and_delete(fake: SlackFake, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U0ALICE", text="draft")
    channel, ts = posted["channel"], posted["ts"]
    updated = client.chat_update(channel=channel, ts=ts, text="final")
    assert updated["ts"] == ts
    assert updated["text"] == "final"
    assert updated["message"]["text"] == "final"
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_update(channel=channel, ts="1.000001", text="nope")
    assert slack_error(exc_info) == "message_not_found"
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_update(channel=channel, ts=ts)
    assert slack_error(exc_info) == "no_text"
    assert client.chat_delete(channel=channel, ts=ts)["ts"] == ts
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_delete(channel=channel, ts=ts)
    assert slack_error(exc_info) == "message_not_found"
    assert fake.count("chat.delete") == 2


# ------------------------------------------------------------------ conversations


def test_mpim_ids_are_stable_whatever_the_order(client: WebClient) -> None:
    first = client.conversations_open(users="U0ALICE,U0BOB,U0CAROL")
    second = client.conversations_open(users=["U0CAROL", "U0ALICE", "U0BOB", "U0ALICE"])
    assert first["channel"]["id"].startswith("G")
    assert first["channel"]["id"] == second["channel"]["id"]
    assert "already_open" not in first
    assert second["already_open"] is True
    different = client.conversations_open(users="U0ALICE,U0BOB")["channel"]["id"]
    assert different != first["channel"]["id"]


def test_return_im_gives_the_full_channel(client: WebClient) -> None:
    short = client.conversations_open(users="U0BOB")["channel"]
    assert set(short) == {"id"}
    full = client.conversations_open(users="U0BOB", return_im=True)["channel"]
    assert full["id"] == short["id"]
    assert full["is_im"] is True
    assert full["user"] == "U0BOB"
    reopened = client.conversations_open(channel=short["id"])
    assert reopened["channel"]["id"] == short["id"]


def test_conversations_open_errors() -> None:
    with SlackFake(users=USERS, strict=True) as fake:
        client = plain_client(fake)
        cases = [
            ({}, "users_list_not_supplied"),
            ({"users": " , "}, "users_list_not_supplied"),
            ({"users": ",".join(f"U0P{i}" for i in range(9))}, "too_many_users"),
            ({"users": "U0GONE"}, "user_disabled"),
            ({"users": "U0NOBODY"}, "user_not_found"),
            ({"users": "U0ROBOT"}, "cannot_dm_bot"),
            ({"users": fake.bot_user_id}, "not_enough_users"),
            ({"channel": "C0GENERAL"}, "method_not_supported_for_channel_type"),
            ({"channel": "D0NEVEROPENED"}, "channel_not_found"),
        ]
        for params, expected in cases:
            with pytest.raises(SlackApiError) as exc_info:
                client.api_call("conversations.open", params=params)
            assert slack_error(exc_info) == expected, params
        assert fake.internal_errors() == []


def test_strict_mode_only_knows_configured_and_issued_channels() -> None:
    with SlackFake(users=USERS, channels=["C0KNOWN"], strict=True) as fake:
        client = plain_client(fake)
        assert client.chat_postMessage(channel="C0KNOWN", text="ok")["ok"] is True
        dm = client.chat_postMessage(channel="U0ALICE", text="ok")["channel"]
        assert client.chat_postMessage(channel=dm, text="again")["channel"] == dm
        for channel in ("C0UNKNOWN", "U0NOBODY", "D0MADEUP"):
            with pytest.raises(SlackApiError) as exc_info:
                client.chat_postMessage(channel=channel, text="no")
            assert slack_error(exc_info) == "channel_not_found", channel


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    members=st.sets(st.sampled_from([f"U0M{i}" for i in range(12)]), min_size=1, max_size=8),
    data=st.data(),
)
def test_conversation_ids_depend_only_on_the_member_set(
    shared_fake: SlackFake, members: set[str], data: st.DataObject
) -> None:
    client = plain_client(shared_fake)
    ordered = data.draw(st.permutations(sorted(members)))
    repeated = ordered + data.draw(st.lists(st.sampled_from(ordered), max_size=3))
    first = client.conversations_open(users=",".join(sorted(members)))["channel"]["id"]
    second = client.conversations_open(users=",".join(repeated))["channel"]["id"]
    assert first == second
    assert first[0] == ("D" if len(members) == 1 else "G")
    if len(members) == 1:
        (only,) = members
        assert client.chat_postMessage(channel=only, text="x")["channel"] == first


# -------------------------------------------------------------------------- users


def test_users_info(client: WebClient) -> None:
    alice = client.users_info(user="U0ALICE")["user"]
    london_offset = datetime.now(UTC).astimezone(ZoneInfo("Europe/London")).utcoffset()
    assert london_offset is not None
    assert alice["tz"] == "Europe/London"
    assert alice["tz_offset"] == int(london_offset.total_seconds())
    assert alice["real_name"] == "Alice Example"
    assert alice["deleted"] is False
    bob = client.users_info(user="U0BOB", include_locale=True)["user"]
    assert bob["tz_offset"] == -18000
    assert bob["locale"] == "en-US"
    gone = client.users_info(user="U0GONE")["user"]
    assert gone["deleted"] is True
    assert client.users_info(user="U0ROBOT")["user"]["is_bot"] is True
    for user in ("U0NOBODY", ""):
        with pytest.raises(SlackApiError) as exc_info:
            client.users_info(user=user)
        assert slack_error(exc_info) == "user_not_found"


def test_fake_user_rejects_bad_config() -> None:
    with pytest.raises(ValueError):
        FakeUser(id="U0X", tz="Mars/Olympus")
    with pytest.raises(ValueError):
        FakeUser(id="alice")


# -------------------------------------------------------------------------- views


def modal(title: str = "Check-in", blocks: list[dict[str, object]] | None = None) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks if blocks is not None else [{"type": "divider"}],
    }


def test_views_publish_keeps_one_home_per_user(client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    first = client.views_publish(user_id="U0ALICE", view=home)["view"]
    second = client.views_publish(user_id="U0ALICE", view=home)["view"]
    other = client.views_publish(user_id="U0BOB", view=home)["view"]
    assert first["id"] == second["id"]
    assert other["id"] != first["id"]
    assert first["hash"] != second["hash"]
    with pytest.raises(SlackApiError) as exc_info:
        client.views_publish(user_id="U0ALICE", view=home, hash=first["hash"])
    assert slack_error(exc_info) == "hash_conflict"
    with pytest.raises(SlackApiError) as exc_info:
        client.views_publish(user_id="U0ALICE", view=modal())
    assert slack_error(exc_info) == "invalid_arguments"


def test_views_open_update_push(fake: SlackFake, client: WebClient) -> None:
    opened = client.views_open(trigger_id="123.456", view=modal())["view"]
    assert opened["id"].startswith("V")
    assert opened["type"] == "modal"
    divider = [{"type": "divider"}]
    updated = client.views_update(
        view_id=opened["id"], view=modal(blocks=divider), hash=opened["hash"]
    )["view"]
    assert updated["id"] == opened["id"]
    assert updated["blocks"] == divider
    with pytest.raises(SlackApiError) as exc_info:
        client.views_update(view_id=opened["id"], view=modal(), hash=opened["hash"])
    assert slack_error(exc_info) == "hash_conflict"
    pushed = client.views_push(trigger_id="123.789", view=modal("Step two"))["view"]
    assert pushed["id"] not in {opened["id"]}
    with pytest.raises(SlackApiError) as exc_info:
        client.views_update(view_id="V0NOPE", view=modal())
    assert slack_error(exc_info) == "not_found"
    (call,) = fake.calls("views.open")
    assert call.args["view"]["title"]["text"] == "Check-in"


def test_views_by_external_id(client: WebClient) -> None:
    view = {**modal(), "external_id": "checkin-1"}
    opened = client.views_open(trigger_id="1.2", view=view)["view"]
    updated = client.views_update(external_id="checkin-1", view=modal("Later"))["view"]
    assert updated["id"] == opened["id"]
    with pytest.raises(SlackApiError) as exc_info:
        client.views_open(trigger_id="1.3", view=view)
    assert slack_error(exc_info) == "duplicate_external_id"


def test_view_validation(client: WebClient) -> None:
    bad = [
        ("views_open", {"trigger_id": "", "view": modal()}),
        ("views_open", {"trigger_id": "1.2", "view": modal(title="x" * 25)}),
        ("views_open", {"trigger_id": "1.2", "view": {"type": "modal", "blocks": []}}),
        ("views_open", {"trigger_id": "1.2", "view": modal(blocks=[{"type": "x"}] * 101)}),
        ("views_push", {"trigger_id": "1.2", "view": {"type": "home"}}),
    ]
    for name, kwargs in bad:
        with pytest.raises(SlackApiError) as exc_info:
            getattr(client, name)(**kwargs)
        assert slack_error(exc_info) == "invalid_arguments", kwargs
    with pytest.raises(SlackApiError) as exc_info:
        client.views_publish(user_id="", view={"type": "home", "blocks": []})
    assert slack_error(exc_info) == "invalid_arguments"


# ---------------------------------------------------------- rate limits, failures


def test_rate_limit_answers_429_until_the_window_passes() -> None:
    clock = ManualClock()
    with SlackFake(clock=clock) as fake:
        client = plain_client(fake)
        fake.set_rate_limit("chat.postMessage", calls=2, per_seconds=60, retry_after=7)
        client.chat_postMessage(channel="C0GENERAL", text="1")
        clock.advance(30)
        client.chat_postMessage(channel="C0GENERAL", text="2")
        with pytest.raises(SlackApiError) as exc_info:
            client.chat_postMessage(channel="C0GENERAL", text="3")
        response = exc_info.value.response
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert response["error"] == "ratelimited"
        assert response.data == {"ok": False, "error": "ratelimited"}
        # Other methods have their own budget.
        assert client.auth_test()["ok"] is True
        clock.advance(30)  # the first call leaves the sliding window
        client.chat_postMessage(channel="C0GENERAL", text="4")
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C0GENERAL", text="5")
        statuses = [call.status for call in fake.calls("chat.postMessage")]
        assert statuses == [200, 200, 429, 200, 429]
        assert [c.args["text"] for c in fake.messages_to("C0GENERAL")] == ["1", "2", "4"]
        fake.clear_rate_limit("chat.postMessage")
        client.chat_postMessage(channel="C0GENERAL", text="6")


def test_retry_handler_waits_out_a_real_rate_limit_window(fake: SlackFake) -> None:
    fake.set_rate_limit("chat.postMessage", calls=1, per_seconds=0.5, retry_after=1)
    client = WebClient(
        token=DEFAULT_TOKEN,
        base_url=fake.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    client.chat_postMessage(channel="C0GENERAL", text="first")
    started = time.monotonic()
    response = client.chat_postMessage(channel="C0GENERAL", text="second")
    assert response["ok"] is True
    assert time.monotonic() - started >= 1.0  # the client honoured Retry-After
    assert [call.status for call in fake.calls("chat.postMessage")] == [200, 429, 200]


def test_fail_next_429_is_retried_until_used_up(fake: SlackFake) -> None:
    fake.fail_next("chat.postMessage", 2, status=429, retry_after=0)
    client = WebClient(
        token=DEFAULT_TOKEN,
        base_url=fake.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    assert client.chat_postMessage(channel="C0GENERAL", text="hi")["ok"] is True
    calls = fake.calls("chat.postMessage")
    assert [call.status for call in calls] == [429, 429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}


def test_fail_next_is_seen_without_retry_handlers(fake: SlackFake, client: WebClient) -> None:
    fake.fail_next("users.info", 1, status=429, retry_after=0)
    with pytest.raises(SlackApiError) as exc_info:
        client.users_info(user="U0ALICE")
    assert exc_info.value.response.status_code == 429
    assert exc_info.value.response.headers["Retry-After"] == "0"
    assert client.users_info(user="U0ALICE")["ok"] is True


def test_fail_every_second_call(fake: SlackFake, client: WebClient) -> None:
    fake.fail_every("conversations.open", 2, status=429, retry_after=0)
    outcomes = []
    for _ in range(6):
        try:
            client.conversations_open(users="U0ALICE")
            outcomes.append(200)
        except SlackApiError as exc:
            outcomes.append(exc.response.status_code)
    assert outcomes == [200, 429, 200, 429, 200, 429]
    retrying = WebClient(
        token=DEFAULT_TOKEN,
        base_url=fake.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    # Call 7 passes; call 8 fails and its retry (call 9) passes.
    assert retrying.conversations_open(users="U0BOB")["ok"] is True
    assert retrying.conversations_open(users="U0BOB")["ok"] is True
    assert [c.status for c in fake.calls("conversations.open")][6:] == [200, 429, 200]


@pytest.mark.parametrize(
    ("status", "error"), [(500, "internal_error"), (503, "service_unavailable")]
)
def test_server_errors(fake: SlackFake, client: WebClient, status: int, error: str) -> None:
    fake.fail_next("chat.postMessage", 1, status=status)
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="C0GENERAL", text="hi")
    assert exc_info.value.response.status_code == status
    assert slack_error(exc_info) == error
    assert "Retry-After" not in exc_info.value.response.headers
    fake.fail_next("chat.postMessage", 1, status=status)
    retrying = WebClient(
        token=DEFAULT_TOKEN,
        base_url=fake.base_url,
        retry_handlers=[ServerErrorRetryHandler(max_retry_count=1, interval_calculator=FAST_RETRY)],
    )
    assert retrying.chat_postMessage(channel="C0GENERAL", text="hi")["ok"] is True
    assert [c.status for c in fake.calls("chat.postMessage")] == [status, status, 200]


def test_persistent_and_one_off_slack_errors(fake: SlackFake, client: WebClient) -> None:
    fake.set_error("chat.postMessage", "not_in_channel")
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc_info:
            client.chat_postMessage(channel="C0GENERAL", text="hi")
        assert slack_error(exc_info) == "not_in_channel"
        assert exc_info.value.response.status_code == 200
    fake.set_error("chat.postMessage", None)
    assert client.chat_postMessage(channel="C0GENERAL", text="hi")["ok"] is True
    fake.fail_next("chat.postMessage", 1, status=200, error="is_archived")
    with pytest.raises(SlackApiError) as exc_info:
        client.chat_postMessage(channel="C0GENERAL", text="hi")
    assert slack_error(exc_info) == "is_archived"
    assert client.chat_postMessage(channel="C0GENERAL", text="hi")["ok"] is True


def test_failure_configuration_is_validated(fake: SlackFake) -> None:
    with pytest.raises(ValueError):
        fake.fail_next("x", 0)
    with pytest.raises(ValueError):
        fake.fail_next("x", 1, status=302)
    with pytest.raises(ValueError):
        fake.fail_next("x", 1, status=200)
    with pytest.raises(ValueError):
        fake.fail_every("x", 0)
    with pytest.raises(ValueError):
        fake.set_rate_limit("x", 0, 1)
    with pytest.raises(ValueError):
        fake.set_rate_limit("x", 1, 1, retry_after=-1)


def test_reset_clears_calls_state_and_scripts(fake: SlackFake, client: WebClient) -> None:
    fake.fail_every("auth.test", 1)
    fake.set_error("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0GENERAL", text="x")
    fake.reset()
    assert fake.calls() == []
    assert client.auth_test()["ok"] is True
    posted = client.chat_postMessage(channel="C0GENERAL", text="x")
    assert posted["ok"] is True
    fake.clear_calls()
    assert fake.count("chat.postMessage") == 0
    # clear_calls keeps messages: the post can still be updated.
    assert client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="y")["ok"] is True


# -------------------------------------------------------------------------- files


def test_files_upload_v2_round_trip(fake: SlackFake, client: WebClient) -> None:
    content = bytes(range(256)) * 4
    response = client.files_upload_v2(
        content=content,
        filename="summary.csv",
        title="Quarterly summary",
        channel="C0LEADS",
        initial_comment="Here is the summary",
    )
    assert response["file"]["title"] == "Quarterly summary"
    (stored,) = fake.uploaded_files()
    assert stored.id == response["file"]["id"]
    assert stored.content == content
    assert stored.filename == "summary.csv"
    assert stored.title == "Quarterly summary"
    assert stored.channel_id == "C0LEADS"
    assert stored.initial_comment == "Here is the summary"
    assert [call.method for call in fake.calls()] == [
        "files.getUploadURLExternal",
        UPLOAD_METHOD,
        "files.completeUploadExternal",
    ]
    assert fake.calls("files.getUploadURLExternal")[0].args["length"] == str(len(content))
    assert fake.calls(UPLOAD_METHOD)[0].target == stored.id


def test_complete_upload_refuses_unknown_or_unsent_files(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc_info:
        client.files_completeUploadExternal(files=[{"id": "F0NOPE", "title": "x"}])
    assert slack_error(exc_info) == "file_not_found"
    url = client.files_getUploadURLExternal(filename="a.txt", length=3)
    with pytest.raises(SlackApiError) as exc_info:  # bytes were never sent
        client.files_completeUploadExternal(files=[{"id": url["file_id"]}])
    assert slack_error(exc_info) == "file_not_found"
    with pytest.raises(SlackApiError) as exc_info:
        client.api_call("files.getUploadURLExternal", params={"filename": "a.txt"})
    assert slack_error(exc_info) == "invalid_arguments"


def test_upload_to_unknown_url_is_404(fake: SlackFake) -> None:
    status, body = raw_post(fake.root_url + "/upload/v1/F0NOPE", b"abc", "text/plain")
    assert status == 404
    assert body == b"file_not_found"


# ------------------------------------------------------------------ response_url


def test_response_url_records_webhook_posts(fake: SlackFake) -> None:
    url = fake.response_url("checkin/7 submit")
    assert url.startswith(fake.root_url + "/response/")
    response = WebhookClient(url).send(
        text="Thanks <!channel>", response_type="ephemeral", replace_original=True
    )
    assert response.status_code == 200
    assert response.body == "ok"
    (post,) = fake.response_url_posts("checkin/7 submit")
    assert post.method == RESPONSE_URL_METHOD
    assert post.args["text"] == "Thanks <!channel>"
    assert post.args["replace_original"] is True
    assert fake.response_url_posts("other") == []


def test_response_url_rejects_bad_payloads(fake: SlackFake) -> None:
    url = fake.response_url("r1")
    assert raw_post(url, b"{not json", "application/json") == (400, b"invalid_payload")
    assert raw_post(url, b"{}", "application/json") == (400, b"no_text")
    assert raw_post(url, b'{"delete_original": true}', "application/json")[0] == 200
    assert [post.status for post in fake.response_url_posts("r1")] == [400, 400, 200]


def test_response_url_can_fail_on_script(fake: SlackFake) -> None:
    fake.fail_next(RESPONSE_URL_METHOD, 1, status=500)
    webhook = WebhookClient(fake.response_url("r2"))
    assert webhook.send(text="x").status_code == 500
    assert webhook.send(text="x").status_code == 200


# ----------------------------------------------------------- robustness, records


def test_malformed_bodies_never_break_the_server(fake: SlackFake) -> None:
    url = fake.base_url + "chat.postMessage"
    cases = [
        (b"{not json", "application/json", "invalid_json"),
        (b"[1, 2]", "application/json", "invalid_json"),
        (b"\xff\xfe", "application/json", "invalid_json"),
        (b"channel=C1&text=\xff", "application/x-www-form-urlencoded", "invalid_arguments"),
        (b"channel=C1&blocks=%5Bnope", "application/x-www-form-urlencoded", "invalid_arguments"),
        (b"<xml/>", "application/xml", "invalid_post_type"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x", "invalid_arguments"),
    ]
    for body, content_type, expected in cases:
        status, raw = raw_post(url, body, content_type)
        assert status == 200, body
        assert json.loads(raw) == {"ok": False, "error": expected}, body
    raw_requests = [
        b"GET too many words HTTP/1.1\r\n\r\n",
        b"POST /api/api.test HTTP/1.1\r\nContent-Length: many\r\n\r\n",
        b"POST /api/api.test HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    ]
    for raw_request in raw_requests:
        with socket.create_connection(("127.0.0.1", fake.port), timeout=5) as sock:
            sock.sendall(raw_request)
            assert sock.recv(4096).startswith(b"HTTP/1.0 400"), raw_request
    # A client that promises 100 bytes, sends 10 and hangs up.
    with socket.create_connection(("127.0.0.1", fake.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/auth.test HTTP/1.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"a": 1, '
        )
    assert fake.wait_for(lambda: fake.count("auth.test") == 1, timeout=5)
    assert fake.calls("auth.test")[0].response == {"ok": False, "error": "invalid_json"}
    assert plain_client(fake).auth_test()["ok"] is True
    assert fake.count("chat.postMessage") == len(cases)
    assert fake.internal_errors() == []


def test_multipart_form_is_understood(fake: SlackFake, client: WebClient) -> None:
    response = client.api_call("api.test", files={"file": b"12345"}, data={"purpose": "probe"})
    assert response["args"] == {
        "purpose": "probe",
        "file": {"filename": "Uploaded file", "size": 5},
    }


def test_payloads_text_exposes_what_reached_slack(fake: SlackFake, client: WebClient) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="safe &lt;!channel&gt; text")
    assert "<!channel>" not in fake.payloads_text()
    client.api_call(
        "chat.postMessage",
        params={
            "channel": "C0GENERAL",
            "text": "fallback",
            "blocks": json.dumps(
                [{"type": "section", "text": {"type": "mrkdwn", "text": "<!here>"}}]
            ),
        },
    )
    text = fake.payloads_text()
    assert "<!here>" in text  # form-encoded JSON-in-form is decoded before searching
    lines = text.splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1])["args"]["blocks"][0]["text"]["text"] == "<!here>"


def test_wait_for_sees_asynchronous_effects(fake: SlackFake, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.05)
        client.chat_postMessage(channel="U0ALICE", text="from another thread")

    worker = threading.Thread(target=later)
    worker.start()
    assert fake.wait_for(lambda: len(fake.messages_to("U0ALICE")) == 1, timeout=5)
    worker.join()
    started = time.monotonic()
    assert fake.wait_for(lambda: fake.count("chat.delete") > 0, timeout=0.05) is False
    assert time.monotonic() - started < 1


def test_concurrent_calls_are_all_recorded(fake: SlackFake) -> None:
    threads_count, per_thread = 8, 25
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        client = plain_client(fake)
        try:
            for n in range(per_thread):
                client.chat_postMessage(channel=f"C0T{index}", text=f"{index}-{n}")
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert errors == []
    calls = fake.calls("chat.postMessage")
    assert len(calls) == threads_count * per_thread
    assert len({call.response["ts"] for call in calls}) == len(calls)
    for index in range(threads_count):
        texts = [c.args["text"] for c in fake.messages_to(f"C0T{index}")]
        assert texts == [f"{index}-{n}" for n in range(per_thread)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=200), as_json=st.booleans())
def test_any_text_round_trips_through_form_or_json(
    shared_fake: SlackFake, text: str, as_json: bool
) -> None:
    client = plain_client(shared_fake)
    shared_fake.clear_calls()
    params = {"channel": "C0PROP", "text": text}
    if as_json:
        response = client.api_call("chat.postMessage", json=params)
    else:
        response = client.api_call("chat.postMessage", params=params)
    assert response["message"]["text"] == text
    (call,) = shared_fake.calls("chat.postMessage")
    assert call.args == params
    assert json.loads(shared_fake.payloads_text())["args"]["text"] == text
