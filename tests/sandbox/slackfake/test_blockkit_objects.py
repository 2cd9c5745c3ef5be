"""Element and composition-object rules: each refused payload next to a close one that passes.

Why pairs: a rule tested only with a refusal could be refusing everything; the
passing neighbour pins the boundary (75 characters refused at 76, and so on).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.slackfake.blockkit import check_message_blocks
from tests.sandbox.slackfake.blockkit_samples import (
    Json,
    actions,
    button,
    confirm,
    input_block,
    md,
    option,
    options,
    pt,
    section,
    static_select,
    text_input,
)


def problems(blocks: list[Json]) -> list[str]:
    return [str(problem) for problem in check_message_blocks(blocks)]


def in_actions(element: Json) -> list[Json]:
    return [actions(element)]


def in_input(element: Json) -> list[Json]:
    return [input_block(element)]


E0 = "/blocks/0/elements/0"
EL = "/blocks/0/element"

# (id, refused blocks, expected problem, passing blocks)
CASES: list[tuple[str, list[Json], str, list[Json]]] = [
    (
        "action_id_length",
        in_actions(button("a" * 256)),
        f"must be less than 256 characters [json-pointer:{E0}/action_id]",
        in_actions(button("a" * 255)),
    ),
    (
        "action_id_empty",
        in_actions(button("")),
        f"must be more than 0 characters [json-pointer:{E0}/action_id]",
        in_actions(button("a")),
    ),
    (
        "button_text_mrkdwn",
        in_actions({**button(), "text": md("Go")}),
        f"unsupported type: mrkdwn [json-pointer:{E0}/text/type]",
        in_actions(button()),
    ),
    (
        "button_text_length",
        in_actions(button(text="x" * 76)),
        f"must be less than 76 characters [json-pointer:{E0}/text/text]",
        in_actions(button(text="x" * 75)),
    ),
    (
        "button_text_missing",
        in_actions({"type": "button", "action_id": "go"}),
        f"must provide an object [json-pointer:{E0}/text]",
        in_actions(button()),
    ),
    (
        "button_value_length",
        in_actions(button(value="v" * 2001)),
        f"must be less than 2001 characters [json-pointer:{E0}/value]",
        in_actions(button(value="v" * 2000)),
    ),
    (
        "button_url_length",
        in_actions(button(url="https://x/" + "u" * 2991)),
        f"must be less than 3001 characters [json-pointer:{E0}/url]",
        in_actions(button(url="https://x/" + "u" * 2990)),
    ),
    (
        "button_style",
        in_actions(button(style="secondary")),
        f"must be one of: primary, danger [json-pointer:{E0}/style]",
        in_actions(button(style="danger")),
    ),
    (
        "confirm_title_length",
        in_actions(button(confirm=confirm(title=pt("t" * 101)))),
        f"must be less than 101 characters [json-pointer:{E0}/confirm/title/text]",
        in_actions(button(confirm=confirm(title=pt("t" * 100)))),
    ),
    (
        "confirm_text_length",
        in_actions(button(confirm=confirm(text=md("t" * 301)))),
        f"must be less than 301 characters [json-pointer:{E0}/confirm/text/text]",
        in_actions(button(confirm=confirm(text=md("t" * 300)))),
    ),
    (
        "confirm_confirm_length",
        in_actions(button(confirm=confirm(confirm=pt("c" * 31)))),
        f"must be less than 31 characters [json-pointer:{E0}/confirm/confirm/text]",
        in_actions(button(confirm=confirm(confirm=pt("c" * 30)))),
    ),
    (
        "confirm_deny_length",
        in_actions(button(confirm=confirm(deny=pt("d" * 31)))),
        f"must be less than 31 characters [json-pointer:{E0}/confirm/deny/text]",
        in_actions(button(confirm=confirm(deny=pt("d" * 30)))),
    ),
    (
        "confirm_title_plain_only",
        in_actions(button(confirm=confirm(title=md("Sure?")))),
        f"unsupported type: mrkdwn [json-pointer:{E0}/confirm/title/type]",
        in_actions(button(confirm=confirm())),
    ),
    (
        "static_select_too_many_options",
        in_actions(static_select(101)),
        f"no more than 100 items allowed [json-pointer:{E0}/options]",
        in_actions(static_select(100)),
    ),
    (
        "static_select_option_text_length",
        in_actions(static_select(options=[option("o" * 76)])),
        f"must be less than 76 characters [json-pointer:{E0}/options/0/text/text]",
        in_actions(static_select(options=[option("o" * 75)])),
    ),
    (
        "static_select_option_value_length",
        in_actions(static_select(options=[option(value="v" * 151)])),
        f"must be less than 151 characters [json-pointer:{E0}/options/0/value]",
        in_actions(static_select(options=[option(value="v" * 150)])),
    ),
    (
        "static_select_needs_options_or_groups",
        in_actions({"type": "static_select", "action_id": "pick", "placeholder": pt("Pick")}),
        f"must provide exactly one of `options` or `option_groups` [json-pointer:{E0}/options]",
        in_actions(
            {
                "type": "static_select",
                "action_id": "pick",
                "placeholder": pt("Pick"),
                "option_groups": [{"label": pt("Group"), "options": options(3)}],
            }
        ),
    ),
    (
        "option_group_label_length",
        in_actions(
            {
                "type": "static_select",
                "action_id": "pick",
                "option_groups": [{"label": pt("g" * 76), "options": options(1)}],
            }
        ),
        f"must be less than 76 characters [json-pointer:{E0}/option_groups/0/label/text]",
        in_actions(
            {
                "type": "static_select",
                "action_id": "pick",
                "option_groups": [{"label": pt("g" * 75), "options": options(1)}],
            }
        ),
    ),
    (
        "select_placeholder_length",
        in_actions(static_select(placeholder=pt("p" * 151))),
        f"must be less than 151 characters [json-pointer:{E0}/placeholder/text]",
        in_actions(static_select(placeholder=pt("p" * 150))),
    ),
    (
        "radio_buttons_too_many",
        in_input({"type": "radio_buttons", "action_id": "r", "options": options(11)}),
        f"no more than 10 items allowed [json-pointer:{EL}/options]",
        in_input({"type": "radio_buttons", "action_id": "r", "options": options(10)}),
    ),
    (
        "checkboxes_too_many",
        in_input({"type": "checkboxes", "action_id": "c", "options": options(11)}),
        f"no more than 10 items allowed [json-pointer:{EL}/options]",
        in_input({"type": "checkboxes", "action_id": "c", "options": options(10)}),
    ),
    (
        "overflow_too_few",
        in_actions({"type": "overflow", "action_id": "o", "options": options(1)}),
        f"must provide at least 2 items [json-pointer:{E0}/options]",
        in_actions({"type": "overflow", "action_id": "o", "options": options(2)}),
    ),
    (
        "overflow_too_many",
        in_actions({"type": "overflow", "action_id": "o", "options": options(6)}),
        f"no more than 5 items allowed [json-pointer:{E0}/options]",
        in_actions({"type": "overflow", "action_id": "o", "options": options(5)}),
    ),
    (
        "text_input_max_length",
        in_input(text_input(max_length=3001)),
        f"must be between 1 and 3000 [json-pointer:{EL}/max_length]",
        in_input(text_input(max_length=3000)),
    ),
    (
        "text_input_min_over_max",
        in_input(text_input(min_length=10, max_length=5)),
        f"must be less than or equal to max_length [json-pointer:{EL}/min_length]",
        in_input(text_input(min_length=5, max_length=5)),
    ),
    (
        "datepicker_impossible_date",
        in_input({"type": "datepicker", "action_id": "d", "initial_date": "2026-02-30"}),
        f"must be a valid date in the format YYYY-MM-DD [json-pointer:{EL}/initial_date]",
        in_input({"type": "datepicker", "action_id": "d", "initial_date": "2026-02-28"}),
    ),
    (
        "datepicker_wrong_format",
        in_input({"type": "datepicker", "action_id": "d", "initial_date": "02/03/2026"}),
        f"must be a valid date in the format YYYY-MM-DD [json-pointer:{EL}/initial_date]",
        in_input({"type": "datepicker", "action_id": "d", "initial_date": "2026-03-02"}),
    ),
    (
        "timepicker_hour_24",
        in_input({"type": "timepicker", "action_id": "t", "initial_time": "24:00"}),
        f"must be a valid time in the format HH:mm [json-pointer:{EL}/initial_time]",
        in_input({"type": "timepicker", "action_id": "t", "initial_time": "23:59"}),
    ),
    (
        "timepicker_one_digit_hour",
        in_input({"type": "timepicker", "action_id": "t", "initial_time": "9:30"}),
        f"must be a valid time in the format HH:mm [json-pointer:{EL}/initial_time]",
        in_input({"type": "timepicker", "action_id": "t", "initial_time": "09:30"}),
    ),
    (
        "input_element_not_an_input",
        in_input(button()),
        f"unsupported type: button [json-pointer:{EL}/type]",
        in_input(text_input()),
    ),
    (
        "unknown_element",
        in_actions({"type": "slider", "action_id": "s"}),
        f"unsupported type: slider [json-pointer:{E0}/type]",
        in_actions(button()),
    ),
    (
        "text_object_type",
        [{"type": "section", "text": {"type": "markdown", "text": "hi"}}],
        "unsupported type: markdown [json-pointer:/blocks/0/text/type]",
        [section()],
    ),
    (
        "text_object_empty",
        [{"type": "section", "text": md("")}],
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
        [{"type": "section", "text": md(" x")}],
    ),
    (
        "text_object_not_a_string",
        [{"type": "section", "text": {"type": "mrkdwn", "text": 5}}],
        "must provide a string [json-pointer:/blocks/0/text/text]",
        [section("5")],
    ),
]


@pytest.mark.parametrize(
    ("refused", "expected", "passing"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rule_refuses_and_its_neighbour_passes(
    refused: list[Json], expected: str, passing: list[Json]
) -> None:
    assert expected in problems(refused)
    assert problems(passing) == []


def test_every_problem_is_reported_not_just_the_first() -> None:
    blocks = [actions(button("a", text="x" * 76), button("b", style="grey"))]
    found = problems(blocks)
    assert len(found) == 2
    assert found[0].endswith("[json-pointer:/blocks/0/elements/0/text/text]")
    assert found[1].endswith("[json-pointer:/blocks/0/elements/1/style]")


@pytest.mark.parametrize("bad", ["text", 3, None, ["list"]])
def test_a_non_object_element_is_refused(bad: Any) -> None:
    assert problems([actions(bad)]) == [
        "must provide an object [json-pointer:/blocks/0/elements/0]"
    ]
