"""Escaping and cleaning of user text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import clean, escape, mention, parse_user_ref


def test_escape_neutralises_slack_control_sequences():
    hostile = (
        "<!channel> <!here> <!everyone> <!subteam^S1> <@U1> <https://evil.example|click> & *b*"
    )
    out = escape(hostile)
    assert "<" not in out and ">" not in out
    assert out.startswith("&lt;!channel&gt;") and "&amp; *b*" in out


@given(st.text())
def test_escaped_text_never_contains_angle_brackets(s: str):
    out = escape(s)
    assert "<" not in out and ">" not in out
    assert out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == s


@given(st.text(), st.integers(min_value=1, max_value=500))
def test_clean_is_bounded_and_free_of_controls(s: str, limit: int):
    out = clean(s, limit)
    assert len(out) <= limit
    assert not any(ord(c) < 32 and c not in "\t\n" for c in out)
    assert "\u202e" not in out
    out.encode("utf-8")  # no lone surrogates left


def test_clean_normalises_and_strips():
    assert clean("  e\u0301\x00\u202e ok ", 100) == "\u00e9 ok"
    assert clean("\ud800abc", 10) == "abc"


def test_parse_user_ref_accepts_escaped_mentions_and_ids():
    assert parse_user_ref("<@U123ABC|sam>") == "U123ABC"
    assert parse_user_ref("<@W123ABC>") == "W123ABC"
    assert parse_user_ref("U123ABC") == "U123ABC"
    assert parse_user_ref("@U123ABC") == "U123ABC"
    assert parse_user_ref("<!channel>") is None
    assert parse_user_ref("sam") is None


def test_mention_only_for_real_ids():
    assert mention("U123") == "<@U123>"
    assert mention("<!channel>") == "&lt;!channel&gt;"


def test_long_replies_are_split_and_capped_at_slacks_limits():
    from bot.core.blocks import text_reply

    reply = text_reply("\n".join(f"> comment {i} " + "x" * 400 for i in range(1000)))
    message = reply.as_message()
    assert len(message["blocks"]) == 50
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"])
    assert "not shown" in message["blocks"][-1]["text"]["text"]


def test_plural_and_every_read_naturally() -> None:
    from bot.core.text import every, plural

    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(0, "entry", "entries") == "0 entries"
    assert plural(2, "peer pair") == "2 peer pairs"
    assert plural(12_000, "member") == "12,000 members"
    assert every(1, "week") == "every week"
    assert every(2, "week") == "every 2 weeks"
