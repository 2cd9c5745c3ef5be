"""Slack's mrkdwn rendered to HTML, safely, the way a Slack client shows it.

Why a renderer of our own: the page must show exactly what the app sent, so a
stray ``<!channel>`` or a forged link in the bot's output is visible here before
it reaches a real workspace, and nothing the app (or a person through it) wrote
can run in the page. Everything is HTML-escaped; the only tags produced are the
ones built below; links are made only to ``http(s)`` URLs.

Handled: ``*bold*``, ``_italic_``, ``~strike~``, ```` `code` ````, ```` ```blocks``` ````,
``>`` quotes, line breaks, ``&amp;``/``&lt;``/``&gt;``, user/channel/group
mentions shown as names, ``<!here>``-style specials, links, ``:emoji:`` for a few
common names, and ``<!date^...>`` tokens formatted in the viewer's own time zone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

#: Private-use characters mark placeholders; they are removed from input first.
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(_OPEN + r"(\d+)" + _CLOSE)
_PRIVATE = re.compile("[\ue000\ue001]")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.S)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_TOKEN = re.compile(r"<([^<>\n]+)>")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), "s"),
)
_EMOJI_NAME = re.compile(r":([a-z0-9_+\-]{1,40}):")
EMOJI = {
    "wave": "👋",
    "tada": "🎉",
    "sparkles": "✨",
    "heart": "❤️",
    "thumbsup": "👍",
    "+1": "👍",
    "raised_hands": "🙌",
    "handshake": "🤝",
    "speech_balloon": "💬",
    "bulb": "💡",
    "calendar": "📅",
    "lock": "🔒",
    "memo": "📝",
    "seedling": "🌱",
    "white_check_mark": "✅",
    "warning": "⚠️",
    "chart_with_upwards_trend": "📈",
    "star": "⭐",
    "pray": "🙏",
    "hourglass": "⌛",
}


@dataclass(frozen=True)
class Viewer:
    """Who is reading: names for mentions, their time zone and the sandbox's now."""

    tz: ZoneInfo
    now: datetime
    names: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)


def unescape(text: str) -> str:
    """Slack's three entities back to characters (and only those three)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(text: str) -> str:
    """``:wave:`` to 👋 for the names we know; others are left as typed."""
    return _EMOJI_NAME.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def plain(text: str, *, with_emoji: bool = True) -> Markup:
    """A ``plain_text`` object: escaped, emoji names replaced when asked."""
    text = _PRIVATE.sub("", text)
    return Markup(html.escape(emoji(text) if with_emoji else text))  # noqa: S704


def _safe_url(url: str) -> str | None:
    url = unescape(url).strip()
    if re.match(r"https?://[^\s\"'<>]+$", url, re.I):
        return url
    return None


def _link(url: str, label_html: str) -> str:
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer nofollow">'
        f"{label_html}</a>"
    )


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _ago(when: datetime, now: datetime) -> str:
    seconds = int((now - when).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            words = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {words}" if future else f"{words} ago"
    return "just now"


def format_date(stamp: int, spec: str, viewer: Viewer) -> str:
    """A ``<!date^...>`` format string, in the viewer's zone (Slack's en-US style)."""
    when = datetime.fromtimestamp(stamp, UTC).astimezone(viewer.tz)
    today = viewer.now.astimezone(viewer.tz).date()
    relative = {today: "today", today - timedelta(days=1): "yesterday"}
    relative[today + timedelta(days=1)] = "tomorrow"
    date_full = f"{when:%B} {_ordinal(when.day)}, {when.year}"
    date_short = f"{when:%b} {when.day}, {when.year}"
    date_long = f"{when:%A}, {date_full}"
    hour = when.hour % 12 or 12
    parts: dict[str, Callable[[], str]] = {
        "date_num": lambda: when.date().isoformat(),
        "date": lambda: date_full,
        "date_short": lambda: date_short,
        "date_long": lambda: date_long,
        "date_pretty": lambda: relative.get(when.date(), date_full),
        "date_short_pretty": lambda: relative.get(when.date(), date_short),
        "date_long_pretty": lambda: relative.get(when.date(), date_long),
        "time": lambda: f"{hour}:{when:%M} {when:%p}",
        "time_secs": lambda: f"{hour}:{when:%M:%S} {when:%p}",
        "ago": lambda: _ago(when, viewer.now),
    }

    def one(match: re.Match[str]) -> str:
        make = parts.get(match.group(1))
        return make() if make is not None else match.group(0)

    return re.sub(r"\{([a-z_]+)\}", one, spec)


def _date_token(body: str, fallback: str | None, viewer: Viewer) -> str:
    pieces = body.split("^")
    fallback_html = html.escape(unescape(fallback or ""))
    if len(pieces) < 2 or not pieces[0].lstrip("-").isdigit():
        return fallback_html
    try:
        stamp = int(pieces[0])
        shown = html.escape(format_date(stamp, unescape(pieces[1]), viewer))
        iso = datetime.fromtimestamp(stamp, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return fallback_html
    rendered = f'<time datetime="{iso}" title="{fallback_html}">{shown}</time>'
    url = _safe_url(pieces[2]) if len(pieces) > 2 else None
    return _link(url, rendered) if url else rendered


def _token(inner: str, viewer: Viewer) -> str:
    """HTML for one ``<...>`` control sequence."""
    target, _, label = inner.partition("|")
    label_html = html.escape(unescape(label)) if label else ""
    if target.startswith("@"):
        user = target[1:]
        name = viewer.names.get(user) or unescape(label) or user
        return f'<span class="mention">@{html.escape(name)}</span>'
    if target.startswith("#"):
        channel = target[1:]
        name = viewer.channels.get(channel) or unescape(label) or channel
        return f'<span class="mention">#{html.escape(name)}</span>'
    if target.startswith("!date^"):
        return _date_token(target[len("!date^") :], label or None, viewer)
    if target.startswith("!subteam^"):
        return f'<span class="mention">{label_html or "@group"}</span>'
    if target.startswith("!"):
        special = target[1:]
        if special in ("here", "channel", "everyone"):
            return f'<span class="mention">@{special}</span>'
        return label_html or html.escape(unescape(special))
    url = _safe_url(target)
    shown = label_html or html.escape(unescape(target))
    return _link(url, shown) if url else shown


class _Stash:
    """Rendered pieces kept out of the way of the style rules until the end."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def put(self, rendered: str) -> str:
        self.parts.append(rendered)
        return f"{_OPEN}{len(self.parts) - 1}{_CLOSE}"

    def restore(self, text: str) -> str:
        for _ in range(3):  # placeholders nest at most two deep
            text = _PLACEHOLDER.sub(lambda m: self.parts[int(m.group(1))], text)
        return text


def _inline(line: str, viewer: Viewer, stash: _Stash) -> str:
    """One line: tokens and text escaped, then bold/italic/strike."""
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(line):
        out.append(html.escape(emoji(unescape(line[position : match.start()]))))
        out.append(stash.put(_token(match.group(1), viewer)))
        position = match.end()
    out.append(html.escape(emoji(unescape(line[position:]))))
    text = "".join(out)
    for pattern, tag in _STYLES:
        text = pattern.sub(_wrap(tag), text)
    return text


def _wrap(tag: str) -> Callable[[re.Match[str]], str]:
    return lambda match: f"<{tag}>{match.group(1)}</{tag}>"


def to_html(text: str, viewer: Viewer) -> Markup:
    """Render mrkdwn to safe HTML for ``viewer``."""
    stash = _Stash()
    text = _PRIVATE.sub("", text)
    text = _CODE_BLOCK.sub(
        lambda m: stash.put(f"<pre>{html.escape(unescape(m.group(1).strip(chr(10))))}</pre>"),
        text,
    )
    text = _CODE_SPAN.sub(
        lambda m: stash.put(f"<code>{html.escape(unescape(m.group(1)))}</code>"), text
    )
    rendered: list[str] = []
    quote: list[str] = []
    for line in text.split("\n"):
        if line.startswith(">"):
            quote.append(_inline(line[1:].removeprefix(" "), viewer, stash))
            continue
        if quote:
            rendered.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
            quote = []
        rendered.append(_inline(line, viewer, stash) + "<br>")
    if quote:
        rendered.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
    body = "".join(rendered).removesuffix("<br>")
    return Markup(stash.restore(body))  # noqa: S704 -- every piece escaped above
