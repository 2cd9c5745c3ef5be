"""The capabilities allybot is assembled from, in order.

This tuple is the one place that decides what the bot can do: ``create_app`` and
the CLI build their :class:`~bot.core.registry.Registry` from it. Its order is the
order of ``/ally help``, of the App Home's sections and of the scheduler's tasks;
forgetters run in reverse (capabilities later in the list build on earlier ones).
"""

from __future__ import annotations

from bot.core.capability import CAPABILITY as CORE
from bot.core.registry import Capability, Registry
from bot.feedback.capability import CAPABILITY as FEEDBACK
from bot.membership.capability import CAPABILITY as MEMBERSHIP
from bot.pairing.capability import CAPABILITY as PAIRING
from bot.programmes.capability import CAPABILITY as PROGRAMMES
from bot.prompts.capability import CAPABILITY as PROMPTS
from bot.reporting.capability import CAPABILITY as REPORTING

CAPABILITIES: tuple[Capability, ...] = (
    CORE,
    MEMBERSHIP,
    PROGRAMMES,
    PAIRING,
    PROMPTS,
    FEEDBACK,
    REPORTING,
)


def registry() -> Registry:
    """A fresh registry of every capability (cheap: it only indexes the tuple)."""
    return Registry(CAPABILITIES)
