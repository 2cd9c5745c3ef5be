"""Block Kit for introductions, check-in nudges and the check-in modal."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.blocks import button, section
from bot.core.text import mention

#: Conversation starters, by theme. The intro offers three, chosen per pair.
STARTERS: tuple[tuple[str, str], ...] = (
    ("listening", "What's something at work you wish people asked you about more often?"),
    ("listening", "When did someone last really listen to you here, and what did they do?"),
    ("listening", "What would make a meeting feel safer to speak up in?"),
    ("amplifying", "Whose work deserves more credit on your team right now?"),
    ("amplifying", "Have you seen an idea get repeated and credited to someone else?"),
    ("amplifying", "What's one project you'd like more people to know about?"),
    ("microaggressions", "Which small, everyday remark lands badly, even when meant well?"),
    ("microaggressions", "What do you wish bystanders did when an awkward comment is made?"),
    ("sponsorship", "Which opportunity would you put yourself forward for if you felt backed?"),
    ("sponsorship", "Who has opened a door for you, and how did they do it?"),
    ("sponsorship", "What's a stretch assignment you'd want, and who decides on it?"),
    ("meetings", "How are speaking time and follow-up tasks shared in your meetings?"),
    ("meetings", "Who usually takes notes or books the room, and is that fair?"),
    ("accountability", "What's one thing the ally could do differently starting this week?"),
    ("accountability", "What would tell you this programme is more than a gesture?"),
)


def starters_for(pair_id: int, n: int = 3) -> list[str]:
    """Three starters from different themes, varied from pair to pair but stable."""
    chosen: list[str] = []
    themes: set[str] = set()
    for k in range(len(STARTERS)):
        theme, text = STARTERS[(pair_id * 7 + k * 5) % len(STARTERS)]
        if theme not in themes:
            chosen.append(text)
            themes.add(theme)
        if len(chosen) == n:
            break
    return chosen


def intro_text(roles: dict[str, str]) -> str:
    people = " and ".join(f"{mention(u)} ({r})" for u, r in sorted(roles.items()))
    return f"Meet your allyship buddy: {people}."


def intro_blocks(
    pair_id: int,
    kind: str,
    roles: dict[str, str],
    note: str | None = None,
    meeting: Sequence[Block] = (),
) -> list[Block]:
    """The group-DM introduction: who, why, when to meet (``meeting``, from
    :mod:`bot.pairing.meeting`), three starters, and buttons.

    ``note`` (mrkdwn, ours) says how the pairing came about when the programme
    admins arranged or changed it.
    """
    people = "\n".join(f"• {mention(u)}, {r}" for u, r in sorted(roles.items()))
    if kind == "buddy":
        why = (
            "You're paired for this round of the allyship programme. The idea is simple: "
            "find 20-30 minutes to talk, with the ally mostly listening and asking what would "
            "actually help, and both of you trying one small thing afterwards."
        )
    else:
        why = (
            "You're paired as ally peers this round: a space to compare notes on what you've "
            "tried, what felt awkward, and what you'll do differently."
        )
    starters = "\n".join(f"• {s}" for s in starters_for(pair_id))
    value = str(pair_id)
    head = [section(f"_{note}_")] if note else []
    return [
        *head,
        section(f"*Meet your allyship buddy*\n{people}"),
        section(why),
        *meeting,
        section(f"*Some ways to start*\n{starters}"),
        ActionsBlock(
            block_id=f"pair_{pair_id}",
            elements=[
                button("We've met", "pair_met", value, style="primary"),
                button("Not yet", "pair_not_yet", value),
                button("End this pairing", "pair_end", value, style="danger"),
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Ending a pairing is private: no reason asked, and you won't be "
                    "paired together again. Or type `/ally end-pairing " + value + "`."
                )
            ]
        ),
    ]


def ended_intro_blocks(headline: str, body: str) -> list[Block]:
    """What an introduction becomes once its pairing no longer applies: no buttons."""
    return [section(f"*{headline}*\n{body}")]


def nudge_blocks(pair_id: int, others: Sequence[str]) -> list[Block]:
    who = ", ".join(mention(u) for u in others)
    value = str(pair_id)
    return [
        section(f"Did you manage to meet {who} this round?"),
        ActionsBlock(
            block_id=f"checkin_{pair_id}",
            elements=[
                button("Yes", "checkin_yes", value, style="primary"),
                button("Not yet", "checkin_not_yet", value),
                button("We won't meet this round", "checkin_wont", value),
                button("Share anonymous feedback", "feedback_open", value),
                button("This made me uncomfortable", "checkin_uncomfortable", value),
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Your answer is private: leads only ever see totals across many pairs. "
                    f"Typed version: `/ally checkin {value} yes|not-yet|wont`."
                )
            ]
        ),
    ]


def checkin_modal(pair_id: int) -> View:
    options = [Option(text=str(n), value=str(n)) for n in range(1, 6)]
    return View(
        type="modal",
        callback_id="checkin_modal",
        private_metadata=str(pair_id),
        title="How did it go?",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="usefulness",
                label="How useful was it? (1 = not at all, 5 = very)",
                element=StaticSelectElement(action_id="value", options=options),
            ),
            InputBlock(
                block_id="note",
                label="A private note for yourself (optional)",
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
            ),
        ],
    )
