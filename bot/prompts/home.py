"""The member's prompt rhythm on the App Home, with one click per choice."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.core.blocks import button, section
from bot.core.registry import HomeButton, HomeContext
from bot.core.services import Actor, Services
from bot.prompts import service
from bot.prompts.commands import rhythm_text

#: (label, cadence): one Home button each. Slack needs distinct action ids within
#: a block, so the cadence is part of the id (and also the button's value).
CHOICES = (
    ("Twice a week", "twice-a-week"),
    ("Weekly", "weekly"),
    ("Fortnightly", "fortnightly"),
    ("Off", "off"),
)


def _action_id(cadence: str) -> str:
    return f"home_prompts_{cadence.replace('-', '_')}"


def section_blocks(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    if not ctx.is_member:
        return []
    try:
        prefs = service.preferences(services, actor)
    except service.PromptError:
        return []
    return [
        section(
            f"*Reflection prompts*\n{rhythm_text(prefs, services.clock.now())}\n"
            "Change the day and time with `/ally prompts weekly thursday 14:00`."
        ),
        ActionsBlock(
            block_id="home_prompts",
            elements=[button(label, _action_id(value), value) for label, value in CHOICES],
        ),
    ]


def _choose(cadence: str) -> HomeButton:
    def run(services: Services, actor: Actor, value: str) -> None:
        service.preferences(services, actor, [cadence])

    return HomeButton(_action_id(cadence), run)


HOME_BUTTONS = tuple(_choose(cadence) for _label, cadence in CHOICES)
