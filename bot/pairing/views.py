"""Block Kit for introductions, check-in nudges and the check-in modal."""

from __future__ import annotations

import math
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

#: Conversation starters for a buddy pair (an ally and a colleague), by theme. Each one
#: asks the ally to listen or to act; none asks the colleague to explain her
#: experience or to teach, because that work belongs to the ally. The intro offers
#: three, from different themes, chosen per pair.
STARTERS: tuple[tuple[str, str], ...] = (
    ("listening", "Ally: ask what would make this week easier, then mostly listen."),
    ("listening", "Ally: ask what they'd like you to keep doing, or stop doing, in meetings."),
    ("listening", "Ally: ask what they'd like from these check-ins, and go at their pace."),
    ("amplifying", "Ally: name one piece of their work you'll credit by name this week."),
    ("amplifying", "Ally: ask which project they'd like more people to know about, then help."),
    ("amplifying", "Ally: offer to repeat and credit their next idea if it gets talked over."),
    ("interrupting", "Ally: say what you'll do the next time a remark lands badly in a meeting."),
    ("interrupting", "Ally: agree how you'll step in on talk-overs, so they don't have to."),
    (
        "sponsorship",
        "Ally: ask which opportunity they'd want, and say where you'll recommend them.",
    ),
    ("sponsorship", "Ally: offer an introduction to someone in your network who could help."),
    (
        "sponsorship",
        "Ally: ask whether there's a stretch project you could put their name forward for.",
    ),
    ("meetings", "Ally: take the next round of note-taking or room-booking yourself."),
    ("meetings", "Ally: pick one shared meeting where you'll make sure nobody is talked over."),
    ("accountability", "Ally: say one small thing you'll do before you next meet, and do it."),
    ("accountability", "Ally: ask how they'd like you to follow up on what you talk about."),
)

#: Starters for a peer pair (or trio) of allies: comparing what each of them did and
#: will do. Nothing a colleague said in confidence belongs here.
PEER_STARTERS: tuple[tuple[str, str], ...] = (
    ("noticing", "Share a moment this month when you could have spoken up and didn't."),
    (
        "noticing",
        "Which small habit in your meetings (who speaks, who takes notes) will you change?",
    ),
    (
        "acting",
        "Compare what you each did after your last buddy check-in, and what got in the way.",
    ),
    ("acting", "Pick one thing each of you will do this week, and check in on it next time."),
    ("amplifying", "Name someone whose work you'll each credit by name this week."),
    ("amplifying", "How do you bring quieter voices in, without putting them on the spot?"),
    (
        "mistakes",
        "Talk through a time you got something wrong as an ally, and how you put it right.",
    ),
    ("mistakes", "How do you take correction without making the other person look after you?"),
    ("learning", "Share something you read or listened to that changed how you act at work."),
    ("learning", "Where can you learn more without asking a colleague to teach you?"),
)


def starters_for(pair_id: int, kind: str = "buddy", n: int = 3) -> list[str]:
    """Three starters from different themes, varied from pair to pair but stable.

    Buddy pairs get :data:`STARTERS`, peer groups of allies :data:`PEER_STARTERS`.
    """
    pool = PEER_STARTERS if kind == "peer" else STARTERS
    # A stride coprime with the pool's size visits every starter once.
    stride = next(s for s in range(5, 5 + len(pool)) if math.gcd(s, len(pool)) == 1)
    chosen: list[str] = []
    themes: set[str] = set()
    for k in range(len(pool)):
        theme, text = pool[(pair_id * 7 + k * stride) % len(pool)]
        if theme not in themes:
            chosen.append(text)
            themes.add(theme)
        if len(chosen) == n:
            break
    return chosen


def kind_of(roles: dict[str, str]) -> str:
    """A group with a colleague is a buddy pair; allies alone are peers."""
    return "buddy" if "colleague" in roles.values() else "peer"


def intro_text(roles: dict[str, str]) -> str:
    """The notification line of an introduction (buddy pair, or allies as peers)."""
    people = " and ".join(f"{mention(u)} ({r})" for u, r in sorted(roles.items()))
    if "colleague" not in roles.values():
        return f"Meet your ally peers for this round: {people}."
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
        heading = "*Meet your allyship buddy*"
        why = (
            "You're paired for this round. Find 20-30 minutes to talk. The ally mostly "
            "listens and asks what would actually help, then follows through on one small "
            "thing. The colleague shares only what they choose to: nobody here has to "
            "explain or justify their experience."
        )
    else:
        heading = "*Meet your ally peers*"
        why = (
            "You're paired with fellow allies this round: a space to compare what you've "
            "tried, what felt awkward and what you'll do next. Keep anything a colleague "
            "told you in confidence out of it."
        )
    starters = "\n".join(f"• {s}" for s in starters_for(pair_id, kind))
    value = str(pair_id)
    head = [section(f"_{note}_")] if note else []
    return [
        *head,
        section(f"{heading}\n{people}"),
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
                label="A private note for yourself",
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
            ),
        ],
    )
