"""mrkdwn to HTML: whatever the app (or a person, through it) wrote, the page shows it
as text; the only tags are the renderer's own; links go only to http(s)."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sandbox.mrkdwn import Viewer, format_date, plain, to_html

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, noon UTC
NEW_YORK = Viewer(ZoneInfo("America/New_York"), NOW, {"U05MAYA": "Maya Johnson"})
TOKYO = Viewer(ZoneInfo("Asia/Tokyo"), NOW, {"U05MAYA": "Maya <Johnson>"})
ALLOWED_TAGS = {"b", "i", "s", "code", "pre", "blockquote", "br", "a", "span", "time"}
ALLOWED_ATTRS = {"href", "target", "rel", "class", "datetime", "title"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def assert_safe(html: str) -> None:
    for tag, attrs in tags_of(html):
        assert tag in ALLOWED_TAGS, html
        assert set(attrs) <= ALLOWED_ATTRS, html
        if tag == "a":
            assert (attrs["href"] or "").startswith(("http://", "https://")), html
            assert attrs["rel"] == "noopener noreferrer nofollow"


def test_hostile_markup_is_shown_as_text():
    hostile = (
        '<script>alert(1)</script> "><img src=x onerror=alert(1)> '
        "&lt;b onclick=x&gt;escaped&lt;/b&gt; <javascript:alert(1)|click me> "
        "<data:text/html;base64,PHNjcmlwdD4=|data> <https://ok.example/a?x=1&amp;y=2|fine> "
        '<https://evil.example/" onmouseover="x|quote>'
    )
    html = to_html(hostile, NEW_YORK)
    assert_safe(html)
    assert "<script" not in html and "<img" not in html
    assert "&lt;b onclick=x&gt;escaped&lt;/b&gt;" in html  # the app's escaped text, as text
    assert 'href="https://ok.example/a?x=1&amp;y=2"' in html
    assert "click me" in html and "javascript:" not in html
    assert "data:text" not in html
    assert 'href="https://evil.example/' not in html  # a quote in a URL: no link at all


def test_mentions_and_specials_show_names_never_pings():
    html = to_html("hi <@U05MAYA> and <@U99|someone> <!channel> <!here> <#C1|general>", TOKYO)
    assert "@Maya &lt;Johnson&gt;" in html
    assert "@someone" in html and "@channel" in html and "@here" in html and "#general" in html
    assert "<!" not in html
    assert_safe(html)


def test_formatting_quotes_and_code():
    html = to_html("*bold* _it_ ~gone~ `*raw*`\n>quoted &amp; *strong*\nafter", NEW_YORK)
    assert "<b>bold</b>" in html and "<i>it</i>" in html and "<s>gone</s>" in html
    assert "<code>*raw*</code>" in html
    assert "<blockquote>quoted &amp; <b>strong</b></blockquote>after" in html
    assert to_html("```a <b>\n*x*```", NEW_YORK) == "<pre>a &lt;b&gt;\n*x*</pre>"


def test_a_quote_marker_typed_by_a_person_stays_text():
    # The bot escapes what people type, so their ">" arrives as "&gt;": not a quote.
    assert to_html("&gt; not a quote", NEW_YORK) == "&gt; not a quote"


def test_placeholder_characters_in_input_cannot_smuggle_markup():
    html = to_html("\ue0000\ue001 <https://x.example|a> \ue000", NEW_YORK)
    assert_safe(html)
    assert html.count("<a ") == 1


def test_date_tokens_render_in_each_viewers_zone():
    token = "<!date^1772496000^{date_short_pretty} at {time}|Mar 3, 2026 00:00 UTC>"
    # 1772496000 is Tuesday 3 March 2026, 00:00 UTC.
    assert "today at 7:00 PM" in to_html(token, NEW_YORK)  # Monday evening in New York
    assert "tomorrow at 9:00 AM" in to_html(token, TOKYO)  # Tuesday morning in Tokyo
    assert 'title="Mar 3, 2026 00:00 UTC"' in to_html(token, TOKYO)
    assert format_date(1772496000, "{date_long} {date_num} {ago}", TOKYO) == (
        "Tuesday, March 3rd, 2026 2026-03-03 in 12 hours"
    )


def test_a_broken_date_token_shows_its_fallback():
    assert to_html("<!date^soon^{date}|next week>", NEW_YORK) == "next week"
    assert to_html("<!date^99999999999999999^{date}|far>", NEW_YORK) == "far"


def test_plain_text_is_escaped_with_emoji():
    assert str(plain(":wave: <b>&")) == "👋 &lt;b&gt;&amp;"
    assert str(plain(":wave:", with_emoji=False)) == ":wave:"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&*_~`!@#|^:/\n \"'=abcUC1h.tps{}")), max_size=80))
def test_any_text_renders_to_safe_html(text: str):
    html = to_html(text, TOKYO)
    assert_safe(html)
    assert "\ue000" not in html and "\ue001" not in html
