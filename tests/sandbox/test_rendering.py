"""Block Kit on the page: every block and element the bot builds (and those the
lead's list names) is drawn, with its controls wired, and nothing is drawn as HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)

from bot.membership.views import home_view, membership_blocks
from bot.pairing.views import checkin_modal, intro_blocks, nudge_blocks
from bot.sandbox import cast
from bot.sandbox.mrkdwn import Viewer
from bot.sandbox.pages import environment
from bot.sandbox.slackfake.blockkit import check_message_blocks

ROOT = Path(__file__).resolve().parents[2]
VIEWER = Viewer(ZoneInfo("Europe/London"), datetime(2026, 3, 2, 12, tzinfo=UTC), {})
OPTIONS = [Option(text="One", value="1"), Option(text="Two <b>", value="2")]


def render(blocks: list[dict], *, in_modal: bool = False, values: dict | None = None) -> str:
    template = environment().from_string(
        '{% import "blocks.html" as bk with context %}{{ bk.blocks(blocks, ctl, {}, values) }}'
    )
    ctl = {
        "csrf": "T",
        "where": "home",
        "surface": "home",
        "act": "/as/U/act",
        "in_modal": in_modal,
    }
    people = [{"id": p.id, "name": p.name} for p in cast.CAST]
    return template.render(
        blocks=blocks, ctl=ctl, viewer=VIEWER, people=people, values=values or {}
    )


def catalogue() -> list[dict]:
    confirm = ConfirmObject(title="Sure?", text="Really <b>?", confirm="Do it", deny="Stop")
    blocks = [
        HeaderBlock(text="A header"),
        SectionBlock(
            text=MarkdownTextObject(text="*Section* with <https://example.org|a link>"),
            fields=[MarkdownTextObject(text="*Field 1*"), MarkdownTextObject(text="_Field 2_")],
            accessory=ButtonElement(text="Accessory", action_id="acc", value="v", confirm=confirm),
        ),
        SectionBlock(
            text="With an image",
            accessory=ImageElement(image_url="https://example.org/a.png", alt_text="alt"),
        ),
        ContextBlock(
            elements=[
                ImageElement(image_url="https://example.org/i.png", alt_text="icon"),
                MarkdownTextObject(text="context _text_"),
            ]
        ),
        DividerBlock(),
        ImageBlock(image_url="https://example.org/chart.png", alt_text="a chart", title="Chart"),
        ActionsBlock(
            block_id="acts",
            elements=[
                ButtonElement(text="Go", action_id="go", value="1", style="primary"),
                StaticSelectElement(action_id="pick", options=OPTIONS, placeholder="Pick"),
                DatePickerElement(action_id="day", initial_date="2026-03-04"),
                TimePickerElement(action_id="time", initial_time="09:30"),
                OverflowMenuElement(action_id="more", options=OPTIONS),
                UserSelectElement(action_id="who", placeholder="Someone"),
                CheckboxesElement(action_id="ticks", options=OPTIONS),
                RadioButtonsElement(action_id="radio", options=OPTIONS),
            ],
        ),
        InputBlock(
            block_id="typed",
            label="Say something",
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=100),
        ),
        InputBlock(
            block_id="n",
            label="A number",
            element=NumberInputElement(action_id="value", is_decimal_allowed=False),
        ),
    ]
    dicts = [b.to_dict() for b in blocks]
    dicts += [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "rich ", "style": {"bold": True}},
                        {"type": "link", "url": "https://example.org", "text": "link"},
                        {"type": "user", "user_id": cast.MAYA},
                    ],
                }
            ],
        },
        {"type": "markdown", "text": "**standard** markdown"},
    ]
    return dicts


def test_the_catalogue_is_valid_block_kit():
    """Slack itself (the strict fake's validator) accepts the catalogue as a message."""
    message_blocks = [b for b in catalogue() if b["type"] != "input"]
    assert [str(p) for p in check_message_blocks(message_blocks)] == []


def test_every_block_and_element_in_the_catalogue_is_drawn():
    html = render(catalogue())
    assert "unsupported" not in html
    for expected in (
        '<h3 class="header">A header</h3>',
        "<b>Section</b>",
        'class="fields"',
        'src="https://example.org/a.png"',
        'class="context-image"',
        '<hr class="divider">',
        'alt="a chart"',
        'value="acts|go"',
        'type="date" name="v" value="2026-03-04"',
        'type="time" name="v" value="09:30"',
        ">Maya Johnson</option>",
        'type="checkbox"',
        'type="radio"',
        'name="s:typed:value"',
        'maxlength="100"',
        "<b>rich </b>",
        "@Maya Johnson",
    ):
        assert expected in html, expected
    assert 'data-confirm-title="Sure?"' in html and 'data-confirm-text="Really &lt;b&gt;?"' in html
    assert "Two &lt;b&gt;" in html and "Two <b>" not in html


def test_modal_controls_are_fields_of_the_modal_form():
    html = render(catalogue(), in_modal=True, values={"typed": {"value": {"value": "hello"}}})
    assert 'formaction="/as/U/act"' in html and 'name="target" value="acts|go"' in html
    assert 'name="s:acts:pick"' in html and ">hello</textarea>" in html
    assert "<form" not in html  # the modal is one form; controls must not nest forms


def test_every_view_the_bot_builds_renders_without_gaps():
    views = [
        home_view(membership_blocks(None), []).blocks,
        intro_blocks(7, "buddy", {cast.ALEX: "ally", cast.MAYA: "colleague"}),
        nudge_blocks(7, [cast.MAYA]),
        checkin_modal(7).blocks,
    ]
    for blocks in views:
        html = render([b.to_dict() for b in blocks], in_modal=True)
        assert "unsupported" not in html


SUPPORTED_CLASSES = {
    "SectionBlock", "ContextBlock", "HeaderBlock", "DividerBlock", "ImageBlock", "ActionsBlock",
    "InputBlock", "RichTextBlock", "MarkdownBlock", "ButtonElement", "StaticSelectElement",
    "StaticMultiSelectElement", "OverflowMenuElement", "UserSelectElement",
    "UserMultiSelectElement", "ConversationSelectElement", "ConversationFilter",
    "DatePickerElement", "TimePickerElement", "CheckboxesElement", "RadioButtonsElement",
    "PlainTextInputElement", "NumberInputElement", "EmailInputElement", "UrlInputElement",
    "ImageElement", "ConfirmObject", "Option", "OptionGroup", "MarkdownTextObject",
    "PlainTextObject", "Block", "InputInteractiveElement",
}  # fmt: skip


def test_the_sandbox_draws_every_block_kit_class_the_bot_imports():
    """A new block type in the bot's copy must be taught to the sandbox first."""
    used: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"from slack_sdk\.models\.blocks import \(([^)]*)\)", text):
            used |= {name.strip() for name in block.split(",") if name.strip()}
        used |= set(re.findall(r"from slack_sdk\.models\.blocks import (\w+)$", text, re.M))
    assert used, "found no Block Kit imports at all"
    assert used <= SUPPORTED_CLASSES, used - SUPPORTED_CLASSES
