"""Block and view rules of the Block Kit validator, and random valid payloads.

Why: each rule is pinned by a refused payload (with the JSON pointer Slack would
name) and a close one that passes; the property tests build payloads with our
own ``slack_sdk.models`` builders and require the fake to accept every one, so
the fake never refuses what the SDK legitimately builds.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.sandbox.slackfake import DEFAULT_TOKEN, SlackFake
from bot.sandbox.slackfake.blockkit import check_message_blocks, check_view, validate_payload
from tests.sandbox.slackfake.blockkit_samples import (
    Json,
    actions,
    button,
    home,
    input_block,
    md,
    modal,
    pt,
    section,
)


def problems(blocks: Any) -> list[str]:
    return [str(problem) for problem in check_message_blocks(blocks)]


def view_problems(view: Any, kinds: tuple[str, ...] = ("modal", "home")) -> list[str]:
    return [str(problem) for problem in check_view(view, "/view", kinds)]


def context(count: int) -> Json:
    return {"type": "context", "elements": [md(f"note {i}") for i in range(count)]}


def dividers(count: int, **extra: Any) -> list[Json]:
    return [{"type": "divider", **extra} for _ in range(count)]


BLOCK_CASES: list[tuple[str, list[Json], str, list[Json]]] = [
    (
        "unknown_block_type",
        [{"type": "carousel"}],
        "unsupported type: carousel [json-pointer:/blocks/0/type]",
        [{"type": "divider"}],
    ),
    (
        "block_type_missing",
        [{"text": md("no type")}],
        "must provide a string [json-pointer:/blocks/0/type]",
        [section("typed")],
    ),
    (
        "block_id_length",
        dividers(1, block_id="b" * 256),
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
        dividers(1, block_id="b" * 255),
    ),
    (
        "block_id_unique",
        [section(block_id="same"), section(block_id="same")],
        "must be unique [json-pointer:/blocks/1/block_id]",
        [section(block_id="one"), section(block_id="two")],
    ),
    (
        "action_id_unique_in_block",
        [actions(*(button("choose", value=str(i)) for i in range(4)))],
        "must be unique [json-pointer:/blocks/0/elements/1/action_id]",
        [actions(*(button(f"choose_{i}", value=str(i)) for i in range(4)))],
    ),
    (
        "actions_empty",
        [actions()],
        "must provide at least 1 items [json-pointer:/blocks/0/elements]",
        [actions(button())],
    ),
    (
        "actions_over_25",
        [actions(*(button(f"b{i}") for i in range(26)))],
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
        [actions(*(button(f"b{i}") for i in range(25)))],
    ),
    (
        "context_empty",
        [context(0)],
        "must provide at least 1 items [json-pointer:/blocks/0/elements]",
        [context(1)],
    ),
    (
        "context_over_10",
        [context(11)],
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
        [context(10)],
    ),
    (
        "context_holds_no_buttons",
        [{"type": "context", "elements": [button()]}],
        "unsupported type: button [json-pointer:/blocks/0/elements/0/type]",
        [{"type": "context", "elements": [pt("plain")]}],
    ),
    (
        "section_needs_text_or_fields",
        [{"type": "section"}],
        "must define either `text` or `fields` [json-pointer:/blocks/0/type]",
        [{"type": "section", "fields": [md("a")]}],
    ),
    (
        "section_text_length",
        [section("s" * 3001)],
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        [section("s" * 3000)],
    ),
    (
        "section_fields_over_10",
        [{"type": "section", "fields": [md(f"f{i}") for i in range(11)]}],
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        [{"type": "section", "fields": [md(f"f{i}") for i in range(10)]}],
    ),
    (
        "section_field_length",
        [{"type": "section", "fields": [md("f" * 2001)]}],
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
        [{"type": "section", "fields": [md("f" * 2000)]}],
    ),
    (
        "header_plain_text_only",
        [{"type": "header", "text": md("Title")}],
        "unsupported type: mrkdwn [json-pointer:/blocks/0/text/type]",
        [{"type": "header", "text": pt("Title")}],
    ),
    (
        "header_length",
        [{"type": "header", "text": pt("h" * 151)}],
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        [{"type": "header", "text": pt("h" * 150)}],
    ),
    (
        "input_label_length",
        [input_block(label="l" * 2001)],
        "must be less than 2001 characters [json-pointer:/blocks/0/label/text]",
        [input_block(label="l" * 2000)],
    ),
    (
        "input_needs_element",
        [{"type": "input", "label": pt("Answer")}],
        "must provide an object [json-pointer:/blocks/0/element]",
        [input_block()],
    ),
    (
        "image_needs_alt_text",
        [{"type": "image", "image_url": "https://example.com/a.png"}],
        "must provide a string [json-pointer:/blocks/0/alt_text]",
        [{"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a chart"}],
    ),
    (
        "image_needs_url",
        [{"type": "image", "alt_text": "a chart"}],
        "must provide a string [json-pointer:/blocks/0/image_url]",
        [{"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a chart"}],
    ),
    (
        "message_over_50_blocks",
        dividers(51),
        "no more than 50 items allowed [json-pointer:/blocks]",
        dividers(50),
    ),
]


@pytest.mark.parametrize(
    ("refused", "expected", "passing"),
    [case[1:] for case in BLOCK_CASES],
    ids=[case[0] for case in BLOCK_CASES],
)
def test_block_rule_refuses_and_its_neighbour_passes(
    refused: list[Json], expected: str, passing: list[Json]
) -> None:
    assert expected in problems(refused)
    assert problems(passing) == []


def test_the_same_action_id_in_different_blocks_is_fine() -> None:
    assert problems([actions(button("go")), actions(button("go"))]) == []


def test_blocks_must_be_a_list_of_objects() -> None:
    assert problems({"type": "divider"}) == ["must provide an array [json-pointer:/blocks]"]
    assert problems(["divider"]) == ["must provide an object [json-pointer:/blocks/0]"]


def inputs_modal(**extra: Any) -> Json:
    return modal([input_block()], **extra)


VIEW_CASES: list[tuple[str, Json, str, Json]] = [
    (
        "type_unknown",
        {**modal(), "type": "dialog"},
        "unsupported type: dialog [json-pointer:/view/type]",
        modal(),
    ),
    (
        "modal_needs_title",
        {"type": "modal", "blocks": [section()]},
        "must provide an object [json-pointer:/view/title]",
        modal(),
    ),
    (
        "modal_title_length",
        modal(title=pt("t" * 25)),
        "must be less than 25 characters [json-pointer:/view/title/text]",
        modal(title=pt("t" * 24)),
    ),
    (
        "modal_title_plain_only",
        modal(title=md("Check-in")),
        "unsupported type: mrkdwn [json-pointer:/view/title/type]",
        modal(title=pt("Check-in")),
    ),
    (
        "modal_submit_length",
        inputs_modal(submit=pt("s" * 25)),
        "must be less than 25 characters [json-pointer:/view/submit/text]",
        inputs_modal(submit=pt("s" * 24)),
    ),
    (
        "modal_close_length",
        modal(close=pt("c" * 25)),
        "must be less than 25 characters [json-pointer:/view/close/text]",
        modal(close=pt("c" * 24)),
    ),
    (
        "modal_inputs_need_submit",
        inputs_modal(),
        "must provide an object when the view has input blocks [json-pointer:/view/submit]",
        inputs_modal(submit=pt("Save")),
    ),
    (
        "modal_needs_a_block",
        modal([]),
        "must provide at least 1 items [json-pointer:/view/blocks]",
        modal([section()]),
    ),
    (
        "modal_over_100_blocks",
        modal(dividers(101)),
        "no more than 100 items allowed [json-pointer:/view/blocks]",
        modal(dividers(100)),
    ),
    (
        "home_over_100_blocks",
        home(dividers(101)),
        "no more than 100 items allowed [json-pointer:/view/blocks]",
        home(dividers(100)),
    ),
    (
        "home_has_no_title",
        home(title=pt("Home")),
        "is only allowed in modal views [json-pointer:/view/title]",
        home(),
    ),
    (
        "callback_id_length",
        modal(callback_id="c" * 256),
        "must be less than 256 characters [json-pointer:/view/callback_id]",
        modal(callback_id="c" * 255),
    ),
    (
        "private_metadata_length",
        modal(private_metadata="m" * 3001),
        "must be less than 3001 characters [json-pointer:/view/private_metadata]",
        modal(private_metadata="m" * 3000),
    ),
    (
        "external_id_length",
        modal(external_id="e" * 256),
        "must be less than 256 characters [json-pointer:/view/external_id]",
        modal(external_id="e" * 255),
    ),
    (
        "block_id_unique_in_view",
        home([section(block_id="x"), section(block_id="x")]),
        "must be unique [json-pointer:/view/blocks/1/block_id]",
        home([section(block_id="x"), section(block_id="y")]),
    ),
]


@pytest.mark.parametrize(
    ("refused", "expected", "passing"),
    [case[1:] for case in VIEW_CASES],
    ids=[case[0] for case in VIEW_CASES],
)
def test_view_rule_refuses_and_its_neighbour_passes(
    refused: Json, expected: str, passing: Json
) -> None:
    assert expected in view_problems(refused)
    assert view_problems(passing) == []


def test_a_method_can_narrow_the_view_type() -> None:
    assert view_problems(home(), ("modal",)) == ["unsupported type: home [json-pointer:/view/type]"]
    assert view_problems(home(), ("home",)) == []


def test_blocks_validate_contract() -> None:
    assert validate_payload({}) == (
        "must provide exactly one of `blocks`, `view`, or `message`",
        [],
    )
    error, found = validate_payload({"blocks": [{"type": "section", "text": pt("")}]})
    assert error is None
    assert [problem.pointer for problem in found] == ["/0/text/text"]
    _, found = validate_payload({"view": modal([])})
    assert [problem.pointer for problem in found] == ["/blocks"]
    _, found = validate_payload({"message": {"blocks": dividers(51)}})
    assert [problem.pointer for problem in found] == ["/blocks"]


# ------------------------------------------------------------- random valid payloads

WORDS = st.text(alphabet=string.ascii_letters + string.digits + " ", min_size=1, max_size=40)


def _text(limit: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=string.ascii_letters + " .,!?", min_size=1, max_size=limit)


@st.composite
def sdk_block(draw: st.DrawFn, index: int) -> Block:
    """One block built with ``slack_sdk.models``, drawn from the kinds the bot uses."""
    kind = draw(
        st.sampled_from(["section", "fields", "actions", "context", "header", "divider", "image"])
    )
    block_id = f"b{index}"
    if kind == "section":
        text = draw(_text(3000))
        accessory = None
        if draw(st.booleans()):
            accessory = ButtonElement(text=draw(_text(75)), action_id="acc", value=draw(WORDS))
        return SectionBlock(
            block_id=block_id, text=MarkdownTextObject(text=text), accessory=accessory
        )
    if kind == "fields":
        fields = draw(st.lists(_text(2000), min_size=1, max_size=10))
        return SectionBlock(block_id=block_id, fields=[MarkdownTextObject(text=f) for f in fields])
    if kind == "actions":
        count = draw(st.integers(min_value=1, max_value=25))
        style = draw(st.sampled_from([None, "primary", "danger"]))
        buttons = [
            ButtonElement(text=draw(_text(75)), action_id=f"a{i}", value=draw(WORDS), style=style)
            for i in range(count)
        ]
        return ActionsBlock(block_id=block_id, elements=buttons)
    if kind == "context":
        texts = draw(st.lists(_text(200), min_size=1, max_size=10))
        return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=t) for t in texts])
    if kind == "header":
        return HeaderBlock(block_id=block_id, text=draw(_text(150)))
    if kind == "image":
        return ImageBlock(
            block_id=block_id, image_url="https://example.com/chart.png", alt_text=draw(_text(200))
        )
    return DividerBlock(block_id=block_id)


@st.composite
def sdk_blocks(draw: st.DrawFn, max_size: int) -> list[Json]:
    size = draw(st.integers(min_value=1, max_value=max_size))
    return [draw(sdk_block(i)).to_dict() for i in range(size)]


@st.composite
def sdk_modal(draw: st.DrawFn) -> Json:
    blocks: list[Block] = []
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        if draw(st.booleans()):
            element: Any = PlainTextInputElement(
                action_id="value", max_length=draw(st.integers(min_value=1, max_value=3000))
            )
            if draw(st.booleans()):
                count = draw(st.integers(min_value=1, max_value=100))
                element = StaticSelectElement(
                    action_id="value",
                    placeholder=draw(_text(150)),
                    options=[Option(text=f"o{j}", value=f"v{j}") for j in range(count)],
                )
            blocks.append(InputBlock(block_id=f"in{i}", label=draw(_text(2000)), element=element))
        else:
            blocks.append(draw(sdk_block(i)))
    view = View(
        type="modal",
        callback_id="form",
        title=PlainTextObject(text=draw(_text(24))),
        submit=PlainTextObject(text=draw(_text(24))),
        close=PlainTextObject(text=draw(_text(24))),
        private_metadata=draw(st.text(max_size=3000)),
        blocks=blocks,
    )
    return view.to_dict()


@settings(max_examples=150, deadline=None)
@given(blocks=sdk_blocks(50))
def test_messages_built_with_slack_sdk_models_pass(blocks: list[Json]) -> None:
    assert problems(blocks) == []


@settings(max_examples=100, deadline=None)
@given(view=sdk_modal())
def test_modals_built_with_slack_sdk_models_pass(view: Json) -> None:
    assert view_problems(view, ("modal",)) == []


def test_image_elements_from_slack_sdk_pass_in_context() -> None:
    block = ContextBlock(
        elements=[
            ImageElement(image_url="https://example.com/a.png", alt_text="a"),
            MarkdownTextObject(text="text"),
        ]
    )
    assert problems([block.to_dict()]) == []


@pytest.fixture(scope="module")
def shared_fake() -> Iterator[SlackFake]:
    with SlackFake() as running:
        yield running


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blocks=sdk_blocks(50), view=sdk_modal())
def test_the_fake_accepts_sdk_built_payloads_over_http(
    shared_fake: SlackFake, blocks: list[Json], view: Json
) -> None:
    client = WebClient(token=DEFAULT_TOKEN, base_url=shared_fake.base_url, retry_handlers=[])
    assert client.chat_postMessage(channel="C0GENERAL", text="fallback", blocks=blocks)["ok"]
    assert client.views_open(trigger_id="1.2", view=view)["ok"]
    assert client.api_call("blocks.validate", json={"blocks": blocks})["ok"]
    assert shared_fake.refusals() == []
