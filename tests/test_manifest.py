"""The app manifest asks for what the bot uses and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _list_after(text: str, key: str) -> list[str]:
    block = re.split(rf"\n\s*{key}:\n", text, maxsplit=1)[1]
    items = []
    for line in block.splitlines():
        match = re.match(r"^\s+- ([\w:]+)", line)
        if not match:
            break
        items.append(match.group(1))
    return items


def test_scopes_are_least_privilege():
    text = (ROOT / "manifest.yml").read_text()
    scopes = set(_list_after(text, "bot"))
    assert scopes == {
        "commands",
        "chat:write",
        "im:write",
        "mpim:write",
        "users:read",
        "files:write",
    }
    assert "history" not in text


def test_command_events_and_modes():
    text = (ROOT / "manifest.yml").read_text()
    assert "command: /ally" in text and "should_escape: true" in text
    assert set(_list_after(text, "bot_events")) == {"app_home_opened", "user_change"}
    assert "socket_mode_enabled: true" in text
    assert "home_tab_enabled: true" in text and "messages_tab_enabled: true" in text
    assert re.search(r"interactivity:\s+is_enabled: true", text)


def test_every_event_the_app_listens_to_is_subscribed():
    handlers = (ROOT / "handlers" / "events.py").read_text()
    listened = set(re.findall(r'app\.event\("(\w+)"\)', handlers))
    text = (ROOT / "manifest.yml").read_text()
    assert listened <= set(_list_after(text, "bot_events"))
