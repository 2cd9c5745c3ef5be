"""Conversation starters put the work on the ally: each buddy starter asks the ally to
listen or to act, none asks the colleague to explain or teach, and allies paired with
each other get starters meant for peers."""

from __future__ import annotations

import json
import re

import pytest

from bot.pairing.views import PEER_STARTERS, STARTERS, intro_blocks, intro_text, starters_for

#: What an ally is asked to do in a buddy starter (the word after "Ally:").
ALLY_VERBS = {"ask", "say", "name", "offer", "take", "pick", "agree"}
#: Phrasings that hand the teaching work to the colleague.
EDUCATE = re.compile(
    r"\b(explain|educate|teach (me|us)|tell (me|us)|your experience|what it'?s like|"
    r"you wish|have you (seen|felt|experienced)|which .* lands badly)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("theme, text", STARTERS)
def test_each_buddy_starter_asks_the_ally_to_listen_or_act(theme: str, text: str) -> None:
    assert text.startswith("Ally: "), text
    assert text.split()[1].lower() in ALLY_VERBS, text
    assert not EDUCATE.search(text), text
    assert len(text) <= 100


@pytest.mark.parametrize("theme, text", PEER_STARTERS)
def test_each_peer_starter_is_between_allies(theme: str, text: str) -> None:
    assert not text.startswith(("Ally:", "Colleague:")), text
    assert not EDUCATE.search(text.replace("asking a colleague to teach you", "")), text
    assert not re.search(r"\b(she|her|your buddy)\b", text, re.IGNORECASE), text
    assert len(text) <= 100


def test_each_intro_gets_three_themes_from_its_own_pool() -> None:
    buddy, peer = dict(STARTERS), dict(PEER_STARTERS)
    assert {t for _, t in STARTERS}.isdisjoint({t for _, t in PEER_STARTERS})
    for pair_id in range(1, 60):
        for kind, pool in (("buddy", STARTERS), ("peer", PEER_STARTERS)):
            chosen = starters_for(pair_id, kind)
            texts = {t: th for th, t in pool}
            assert len(chosen) == 3 and all(c in texts for c in chosen)
            assert len({texts[c] for c in chosen}) == 3
    assert buddy and peer


def test_peer_intros_carry_peer_starters_and_buddy_intros_buddy_ones() -> None:
    peers = json.dumps(
        [b.to_dict() for b in intro_blocks(7, "peer", {"U0A1": "ally", "U0A2": "ally"})]
    )
    assert "Meet your ally peers" in peers and "Ally:" not in peers
    assert any(t in peers for _, t in PEER_STARTERS)
    buddy = json.dumps(
        [b.to_dict() for b in intro_blocks(7, "buddy", {"U0A1": "ally", "U0C1": "colleague"})]
    )
    assert "Meet your allyship buddy" in buddy
    assert not any(t in buddy for _, t in PEER_STARTERS)
    assert intro_text({"U0A1": "ally", "U0A2": "ally"}).startswith("Meet your ally peers")
    assert intro_text({"U0A1": "ally", "U0C1": "colleague"}).startswith("Meet your allyship buddy")
