"""What a member reads when a round leaves them without a pairing.

The engine's sit-out reasons are written for admins ("no allowed partner: never-rules,
repeat window"). A member is told something kinder and less revealing: why, in
general words that never hint at anyone else's private never-list, and what happens
next. The reason code (``odd_one_out``, ``no_place`` ...) and the member's role pick the
sentence.
"""

from __future__ import annotations

from bot.pairing.engine import NO_ALLOWED_PARTNER, NO_PLACE, ODD_ONE_OUT, QUARTER_CAP

_WHY = {
    (ODD_ONE_OUT, "ally"): (
        "An odd number of allies were left without a colleague this round, so one of "
        "them sits out, and this time it's you."
    ),
    (NO_PLACE, "ally"): (
        "More allies than colleagues are taking part this round, so not every ally could be paired."
    ),
    (NO_PLACE, "colleague"): (
        "More colleagues than allies are taking part this round, so not everyone could be paired."
    ),
    (NO_ALLOWED_PARTNER, "ally"): (
        "Everyone you could have been paired with this round was ruled out by the "
        "programme's pairing rules (for example, because you met recently)."
    ),
    (NO_ALLOWED_PARTNER, "colleague"): (
        "Everyone you could have been paired with this round was ruled out by the "
        "programme's pairing rules (for example, because you met recently)."
    ),
}

_NEXT = (
    "You'll be first in line next round. Nothing else changes: your reflection prompts carry on."
)


def sit_out_text(code: str, role: str) -> str:
    """The DM for a member who sits out this round, by reason code and role."""
    if code == QUARTER_CAP:
        return (
            "*No pairing for you this round.* You've already met as many allies this "
            "quarter as the programme asks of anyone, so this round is a rest. You'll be "
            "paired again from next quarter; nothing else changes."
        )
    why = _WHY.get((code, role), "Nobody could be paired with you this round.")
    return f"*No pairing for you this round.* {why} {_NEXT}"
