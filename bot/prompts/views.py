"""Block Kit for prompts, the reflection modal and the journal."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.blocks import button, section
from bot.core.text import escape
from bot.prompts.library import Prompt

THEME_LABELS = {
    "privilege": "Privilege",
    "unconscious-bias": "Unconscious bias",
    "microaggressions": "Microaggressions",
    "listening": "Listening",
    "amplifying-others": "Amplifying others",
    "sponsorship": "Sponsorship",
    "intersectionality": "Intersectionality",
    "accountability": "Accountability",
    "allyship-at-home": "Allyship at home",
    "allyship-in-meetings": "Allyship in meetings",
}
REFLECTION_MAX = 3000


def prompt_blocks(prompt: Prompt, delivery_id: int) -> list[Block]:
    value = str(delivery_id)
    blocks: list[Block] = [
        section(f"*{THEME_LABELS.get(prompt.theme, prompt.theme)}*\n{escape(prompt.text)}")
    ]
    if prompt.content_note:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"Note: {escape(prompt.content_note)}")])
        )
    blocks += [
        ActionsBlock(
            block_id=f"prompt_{delivery_id}",
            elements=[
                button("Reflect", "prompt_reflect", value, style="primary"),
                button("Not now", "prompt_not_now", value),
                button("Skip", "prompt_skip", value),
                button("Less often", "prompt_less_often", value),
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Your reflections are private: nobody else, leads and admins "
                    "included, can read them. `/ally journal` shows them."
                )
            ]
        ),
    ]
    return blocks


def reflect_modal(prompt_text: str, delivery_id: int) -> View:
    return View(
        type="modal",
        callback_id="reflect_modal",
        private_metadata=str(delivery_id),
        title="Reflect",
        submit="Save",
        close="Cancel",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=escape(prompt_text))),
            InputBlock(
                block_id="reflection",
                label="Your private reflection",
                element=PlainTextInputElement(
                    action_id="value", multiline=True, max_length=REFLECTION_MAX
                ),
            ),
        ],
    )
