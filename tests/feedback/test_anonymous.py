"""What anonymous feedback keeps: nothing that points at a person or a place."""

from __future__ import annotations

from bot.feedback.anonymous import scrub


def test_scrub_removes_mentions_links_ids_and_emails() -> None:
    text = scrub(
        "Ask <@U0ALLY01> or U0COLL02ABC at sam.lee@example.com, see https://x.example/y "
        "and www.example.org; <#C0123|general> too"
    )
    for leak in ("U0ALLY01", "U0COLL02ABC", "sam.lee", "x.example", "www.example", "C0123"):
        assert leak not in text
    assert "[removed]" in text and "[link removed]" in text and "[email removed]" in text


def test_scrub_keeps_ordinary_words() -> None:
    assert scrub("The check-ins feel rushed; more time would help.") == (
        "The check-ins feel rushed; more time would help."
    )
