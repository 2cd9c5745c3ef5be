"""bot.core.blocks.paged_reply: a long list is shown a page at a time, whole items only,
with page buttons Slack accepts (distinct action ids in their block) and a typed twin."""

from __future__ import annotations

from bot.core.blocks import page_number, paged_reply


def buttons(message: dict) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def shown_text(message: dict) -> str:
    return "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")


def test_every_item_is_shown_whole_on_exactly_one_page() -> None:
    items = [f"• item {i} " + "word " * (40 + i % 7) + "end" for i in range(68)]
    pages = [
        paged_reply("*Things*", items, n, per_page=10, action="things", command="/ally things")
        for n in range(1, 8)
    ]
    for item in items:
        assert sum(item in shown_text(p.as_message()) for p in pages) == 1, item
    for page in pages:
        message = page.as_message()
        assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if "text" in b)
        ids = [a for a, _ in buttons(message)]
        assert len(ids) == len(set(ids))
    assert "(page 1 of 7)" in pages[0].text
    assert buttons(pages[0].as_message()) == [("things_next", "2")]
    assert buttons(pages[3].as_message()) == [("things_prev", "3"), ("things_next", "5")]
    assert buttons(pages[6].as_message()) == [("things_prev", "6")]
    assert "`/ally things 2`" in str(pages[0].as_message())


def test_out_of_range_pages_are_clamped_and_short_lists_have_no_buttons() -> None:
    items = [f"• {i}" for i in range(12)]
    last = paged_reply("*T*", items, 99, per_page=5, action="t", command="/ally t")
    assert "(page 3 of 3)" in last.text and "• 11" in last.text
    first = paged_reply("*T*", items, -4, per_page=5, action="t", command="/ally t")
    assert "(page 1 of 3)" in first.text and "• 0" in first.text
    one = paged_reply("*T*", items[:3], 1, per_page=5, action="t", command="/ally t")
    assert "page" not in one.text and buttons(one.as_message()) == []
    empty = paged_reply("*T*", [], 1, per_page=5, action="t", command="/ally t")
    assert empty.text == "*T*"


def test_page_numbers_from_buttons_or_words() -> None:
    assert page_number("3") == 3
    for junk in ("", "0", "-1", "x", "99999999999", " 2 x"):
        assert page_number(junk) == 1
