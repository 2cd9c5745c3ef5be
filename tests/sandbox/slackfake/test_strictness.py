"""The strict fake over HTTP: Slack-shaped refusals from every method that carries blocks.

Why over HTTP: the bot sees refusals through ``slack_sdk`` (``SlackApiError``)
and Bolt's ``respond()`` (a webhook answer), so the shape on the wire is the
contract, not the validator's return value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.sandbox.slackfake import RESPONSE_URL_METHOD, FakeUser, SlackFake
from tests.sandbox.slackfake.blockkit_samples import (
    Json,
    actions,
    button,
    home,
    input_block,
    modal,
    pt,
    section,
)

ALICE = FakeUser(id="U0ALICE", real_name="Alice Example")
#: Our App Home's old shape: four buttons sharing one action_id, which Slack refuses.
SHARED_ACTION_ID = [actions(*(button("home_action", text=f"B{i}", value=str(i)) for i in range(4)))]
UNIQUE_ACTION_IDS = [actions(*(button(f"home_{i}", text=f"B{i}", value=str(i)) for i in range(4)))]


@pytest.fixture
def fake() -> Iterator[SlackFake]:
    with SlackFake(users=[ALICE]) as running:
        yield running
    assert running.internal_errors() == []


@pytest.fixture
def client(fake: SlackFake) -> WebClient:
    return WebClient(token="xoxb-test-token", base_url=fake.base_url, retry_handlers=[])


def refusal(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as exc_info:
        call()
    data = exc_info.value.response.data
    assert isinstance(data, dict)
    return data


def test_chat_post_message_answers_invalid_blocks_with_pointers(
    fake: SlackFake, client: WebClient
) -> None:
    data = refusal(
        lambda: client.chat_postMessage(channel="C0GENERAL", text="x", blocks=SHARED_ACTION_ID)
    )
    assert data["error"] == "invalid_blocks"
    assert data["errors"] == [
        f"must be unique [json-pointer:/blocks/0/elements/{i}/action_id]" for i in (1, 2, 3)
    ]
    assert data["response_metadata"]["messages"] == [f"[ERROR] {e}" for e in data["errors"]]
    (refused,) = fake.refusals()
    assert refused.method == "chat.postMessage"
    assert client.chat_postMessage(channel="C0GENERAL", text="x", blocks=UNIQUE_ACTION_IDS)["ok"]
    assert fake.messages_to("C0GENERAL")[0].args["blocks"] == UNIQUE_ACTION_IDS


def test_ephemeral_and_update_are_checked_too(fake: SlackFake, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0GENERAL", text="x")
    data = refusal(
        lambda: client.chat_postEphemeral(
            channel="C0GENERAL", user="U0ALICE", text="x", blocks=SHARED_ACTION_ID
        )
    )
    assert data["error"] == "invalid_blocks"
    data = refusal(
        lambda: client.chat_update(
            channel=posted["channel"], ts=posted["ts"], text="x", blocks=SHARED_ACTION_ID
        )
    )
    assert data["error"] == "invalid_blocks"
    assert [call.method for call in fake.refusals()] == ["chat.postEphemeral", "chat.update"]
    # The refused update left the message as it was.
    assert client.chat_update(channel=posted["channel"], ts=posted["ts"], text="y")["ok"]


@pytest.mark.parametrize(
    ("method", "args", "view"),
    [
        ("views.publish", {"user_id": "U0ALICE"}, home(SHARED_ACTION_ID)),
        ("views.open", {"trigger_id": "1.2"}, modal([input_block()])),
        ("views.push", {"trigger_id": "1.2"}, modal(title=pt("t" * 25))),
    ],
)
def test_views_answer_invalid_arguments_with_pointers(
    fake: SlackFake, client: WebClient, method: str, args: Json, view: Json
) -> None:
    data = refusal(lambda: client.api_call(method, json={**args, "view": view}))
    assert data["error"] == "invalid_arguments"
    messages = data["response_metadata"]["messages"]
    assert messages
    assert all(m.startswith("[ERROR] ") and "[json-pointer:/view" in m for m in messages)
    assert [call.method for call in fake.refusals()] == [method]


def test_views_update_checks_the_new_view(client: WebClient) -> None:
    opened = client.views_open(trigger_id="1.2", view=modal())["view"]
    data = refusal(
        lambda: client.views_update(view_id=opened["id"], view=modal([section("s" * 3001)]))
    )
    assert data["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]"
    ]


def test_views_open_needs_a_trigger_and_update_needs_an_id(client: WebClient) -> None:
    assert refusal(lambda: client.api_call("views.open", json={"view": modal()}))["error"] == (
        "invalid_arguments"
    )
    assert refusal(lambda: client.api_call("views.update", json={"view": modal()}))["error"] == (
        "invalid_arguments"
    )


def test_response_url_refuses_invalid_blocks_like_a_webhook(fake: SlackFake) -> None:
    url = fake.response_url("cmd-1")
    response = WebhookClient(url).send(text="x", blocks=SHARED_ACTION_ID)
    assert (response.status_code, response.body) == (400, "invalid_blocks")
    (call,) = fake.refusals(RESPONSE_URL_METHOD)
    assert (
        call.response["errors"][0] == "must be unique [json-pointer:/blocks/0/elements/1/action_id]"
    )
    assert WebhookClient(url).send(text="x", blocks=UNIQUE_ACTION_IDS).status_code == 200


def test_blocks_validate(client: WebClient) -> None:
    assert client.api_call("blocks.validate", json={"blocks": UNIQUE_ACTION_IDS})["ok"] is True
    data = refusal(
        lambda: client.api_call(
            "blocks.validate",
            json={"blocks": [{"type": "section", "text": {"type": "invalid", "text": "x"}}]},
        )
    )
    assert data["error"] == "invalid_blocks"
    assert data["errors"] == [
        {
            "code": "failed_constraint",
            "message": "unsupported type: invalid",
            "pointer": "/0/text/type",
            "constraint": {"type": "enum", "expected": ["plain_text", "mrkdwn"]},
        }
    ]
    view_data = refusal(lambda: client.api_call("blocks.validate", json={"view": modal([])}))
    assert [e["pointer"] for e in view_data["errors"]] == ["/blocks"]
    # Form encoding (what slack_sdk sends with params=) carries JSON in a string.
    form = client.api_call(
        "blocks.validate", params={"message": '{"blocks": [{"type": "divider"}]}'}
    )
    assert form["ok"] is True
    both = refusal(lambda: client.api_call("blocks.validate", json={"blocks": [], "view": modal()}))
    assert both["error"] == "invalid_arguments"
    assert both["response_metadata"]["messages"] == [
        "[ERROR] must provide exactly one of `blocks`, `view`, or `message`"
    ]


def test_refusals_leave_out_scripted_failures(fake: SlackFake, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=200, error="not_in_channel")
    fake.set_error("views.publish", "not_enabled")
    refusal(lambda: client.chat_postMessage(channel="C0GENERAL", text="x"))
    refusal(lambda: client.views_publish(user_id="U0ALICE", view=home()))
    assert fake.refusals() == []
    refusal(lambda: client.chat_postMessage(channel="D0NEVEROPENED", text="x"))
    assert [call.response["error"] for call in fake.refusals()] == ["channel_not_found"]


def test_unknown_users_are_refused_everywhere(client: WebClient) -> None:
    assert refusal(lambda: client.users_info(user="U0NOBODY"))["error"] == "user_not_found"
    assert refusal(lambda: client.conversations_open(users="U0NOBODY"))["error"] == (
        "user_not_found"
    )
    assert refusal(lambda: client.chat_postMessage(channel="U0NOBODY", text="x"))["error"] == (
        "channel_not_found"
    )
    dm = client.conversations_open(users="U0ALICE")["channel"]["id"]
    assert client.chat_postMessage(channel=dm, text="x")["ok"] is True
