"""The page as an attacker sees it: a cross-site form, a forged control, a script in a
message, a path outside the static folder. Each is refused and changes nothing."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox import cast
from bot.sandbox.server import Running, start
from bot.sandbox.web import SHORTCUTS
from storage import members as members_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path, 0)
    try:
        yield running
    finally:
        running.stop()


def get(site: Running, path: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(site.url.rstrip("/") + path, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def post(
    site: Running, path: str, fields: dict[str, str | list[str]], origin: str | None = None
) -> tuple[int, str]:
    body = urllib.parse.urlencode(fields, doseq=True).encode()
    request = urllib.request.Request(site.url.rstrip("/") + path, data=body, method="POST")
    if origin:
        request.add_header("Origin", origin)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def csrf(site: Running, user: str = cast.ALEX) -> str:
    _, _, page = get(site, f"/as/{user}/messages")
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def is_member(site: Running, user: str) -> bool:
    with site.sandbox.app.services.db.read() as session:
        return members_store.get_member(session, cast.TEAM_ID, user) is not None


def test_a_cross_site_form_is_refused_and_changes_nothing(site: Running):
    token = csrf(site)
    fields = {"where": "messages", "text": "/ally join ally"}
    assert post(site, f"/as/{cast.ALEX}/say", fields)[0] == 403  # no token
    assert post(site, f"/as/{cast.ALEX}/say", {**fields, "csrf": "guess"})[0] == 403
    status, _ = post(
        site, f"/as/{cast.ALEX}/say", {**fields, "csrf": token}, origin="https://evil.example"
    )
    assert status == 403
    assert post(site, "/clock", {"move": "week", "back": f"/as/{cast.ALEX}/home"})[0] == 403
    assert not is_member(site, cast.ALEX)
    assert site.sandbox.clock.offset == 0
    status, _ = post(site, f"/as/{cast.ALEX}/say", {**fields, "csrf": token})
    assert status == 303 and is_member(site, cast.ALEX)  # the same form, from the page, works


def test_a_forged_control_or_choice_never_reaches_the_app(site: Running):
    token = csrf(site)
    get(site, f"/as/{cast.ALEX}/home")  # the Home is published with its join buttons
    before = len(site.sandbox.fake.calls())
    for target, chosen in (
        ("home_join|home_join_admin", []),  # no such button
        ("home_join|home_join_ally", []),  # a real button...
    ):
        fields = {"csrf": token, "where": "home", "surface": "msg:D1:x", "target": target}
        status, _ = post(site, f"/as/{cast.ALEX}/act", {**fields, "v": chosen})
        assert status == 303  # ...but on a surface that is not on this page
    fields = {"csrf": token, "where": "home", "surface": "home", "target": "home_join|nope"}
    post(site, f"/as/{cast.ALEX}/act", fields)
    assert not is_member(site, cast.ALEX)
    _, _, page = get(site, f"/as/{cast.ALEX}/home?refresh=1")
    assert "work: that control is not in this message or view. Nothing was sent." in page
    assert len(site.sandbox.fake.calls()) == before


def test_an_option_that_is_not_offered_is_refused(site: Running):
    token = csrf(site)
    post(
        site, f"/as/{cast.ALEX}/say", {"csrf": token, "where": "messages", "text": "/ally feedback"}
    )
    modal = site.sandbox.workspace.top_modal(cast.ALEX)
    assert modal is not None and modal.view["callback_id"] == "feedback_modal"
    fields = {
        "csrf": token,
        "where": "messages",
        "s:category:value": "delete-everything",
        "s:text:value": "hello",
    }
    post(site, f"/as/{cast.ALEX}/submit", fields)
    _, _, page = get(site, f"/as/{cast.ALEX}/messages?refresh=1")
    assert "not one of the options" in page
    assert site.sandbox.workspace.top_modal(cast.ALEX) is modal  # still open, nothing stored


def test_what_people_type_is_shown_as_text(site: Running):
    token = csrf(site)
    site.sandbox.command(cast.ALEX, "join ally")
    site.sandbox.command(cast.MAYA, "join colleague")
    site.sandbox.command(cast.ADA, "admin pair run")
    site.sandbox.settle()
    assert site.sandbox.fake.wait_for(
        lambda: (
            bool(site.sandbox.workspace.group_dms(cast.ALEX)) or site.sandbox.workspace.sync() < 0
        ),
        timeout=15,
    )
    group = next(g for g in site.sandbox.workspace.group_dms(cast.ALEX) if cast.MAYA in g.members)
    hostile = "<img src=x onerror=alert(1)><script>alert(2)</script> *hi* <https://x.example|x>"
    post(site, f"/as/{cast.ALEX}/say", {"csrf": token, "where": f"g/{group.id}", "text": hostile})
    _, _, page = get(site, f"/as/{cast.MAYA}/g/{group.id}?refresh=1")
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert all(tag.startswith("<script src=") for tag in re.findall(r"<script[^>]*>", page))


def test_security_headers_and_paths(site: Running):
    status, headers, page = get(site, f"/as/{cast.ALEX}/messages")
    assert status == 200 and "Type /ally help" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    for path in (
        "/static/../engine.py",
        "/static/%2e%2e/engine.py",
        "/files/F000",
        "/as/UNOBODY/home",
    ):
        assert get(site, path)[0] == 404, path
    assert get(site, "/static/sandbox.js")[0] == 200


def test_the_shortcut_list_matches_the_manifest():
    import yaml

    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    declared = [
        {"callback_id": s["callback_id"], "name": s["name"]}
        for s in manifest["features"]["shortcuts"]
    ]
    assert list(SHORTCUTS) == declared


def test_slash_text_is_escaped_like_slack_with_mentions():
    from bot.sandbox.interactions import slash_text

    assert slash_text("never @maya & <b>") == "never <@U05MAYA|maya> &amp; &lt;b&gt;"
    assert slash_text("mail a@maya.example @nobody") == "mail a@maya.example @nobody"


def test_an_admin_picks_the_linked_channel_from_the_workspace_s_channels(site: Running):
    token = csrf(site, cast.ADA)
    get(site, f"/as/{cast.ADA}/home")  # published with the admin's tools
    fields = {"csrf": token, "where": "home", "surface": "home"}
    post(site, f"/as/{cast.ADA}/act", {**fields, "target": "programme_tools|programme_configure"})
    modal = site.sandbox.workspace.top_modal(cast.ADA)
    assert modal is not None and modal.view["callback_id"] == "programme_modal"
    _, _, page = get(site, f"/as/{cast.ADA}/home?refresh=1")
    assert '<option value="C0SBALLIES">#allyship-circle</option>' in page
    # A channel the workspace does not have is refused before anything reaches the app.
    before = len(site.sandbox.fake.calls())
    post(site, f"/as/{cast.ADA}/submit", {**fields, "s:channel:value": "C0NOTHERE"})
    _, _, page = get(site, f"/as/{cast.ADA}/home?refresh=1")
    assert "that channel is not in this workspace" in page
    assert len(site.sandbox.fake.calls()) == before
    assert site.sandbox.workspace.top_modal(cast.ADA) is modal
