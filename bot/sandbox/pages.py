"""Rendering the sandbox page: Jinja2 (autoescaping) plus the Block Kit filters.

Why a module apart from :mod:`bot.sandbox.web`: the web module decides what a
request means; this one only turns the workspace model into HTML for one
viewer -- their names, their time zone, the sandbox's now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from bot.sandbox import cast, interactions, mrkdwn
from bot.sandbox.engine import Sandbox
from bot.sandbox.workspace import Message
from storage import members as members_store
from storage import pairing as pairing_store

ROLE_LABELS = {"ally": "ally", "colleague": "colleague"}


def _hue(user_id: str) -> int:
    return int(hashlib.sha256(user_id.encode()).hexdigest()[:4], 16) % 12


def _initials(name: str) -> str:
    parts = [p for p in name.split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def safe_url(url: Any) -> str | None:
    """Only http(s) URLs become links or images."""
    if not isinstance(url, str):
        return None
    cleaned = url.strip()
    return cleaned if cleaned.lower().startswith(("https://", "http://")) else None


def image_src(url: Any) -> str | None:
    """An image address: a sandbox file (``file:ID``) or an http(s) URL."""
    if isinstance(url, str) and url.startswith("file:") and url[5:].isalnum():
        return f"/files/{url[5:]}"
    return safe_url(url)


def chosen(element: Mapping[str, Any], state: Mapping[str, Any] | None) -> list[str]:
    """What a control shows as chosen: what was typed or picked, else its initial value."""
    if state:
        found: list[str] = []
        for key in (
            "value",
            "selected_date",
            "selected_time",
            "selected_user",
            "selected_conversation",
        ):
            if isinstance(state.get(key), str):
                found.append(state[key])
        if isinstance(state.get("selected_option"), dict):
            found.append(str(state["selected_option"].get("value", "")))
        for option in state.get("selected_options") or []:
            if isinstance(option, dict):
                found.append(str(option.get("value", "")))
        found += [u for u in state.get("selected_users") or [] if isinstance(u, str)]
        return found
    initial: list[str] = []
    for key in (
        "initial_value",
        "initial_date",
        "initial_time",
        "initial_user",
        "initial_conversation",
    ):
        if isinstance(element.get(key), str):
            initial.append(element[key])
    if isinstance(element.get("initial_option"), dict):
        initial.append(str(element["initial_option"].get("value", "")))
    for option in element.get("initial_options") or []:
        if isinstance(option, dict):
            initial.append(str(option.get("value", "")))
    return initial


def _slacktext(context: Context, obj: Any) -> Markup:
    """A text object (mrkdwn or plain_text) for the viewer in the template's context."""
    viewer: mrkdwn.Viewer = context["viewer"]
    if isinstance(obj, dict):
        if obj.get("type") == "mrkdwn":
            return mrkdwn.to_html(str(obj.get("text", "")), viewer)
        return mrkdwn.plain(str(obj.get("text", "")), with_emoji=obj.get("emoji", True) is True)
    return mrkdwn.plain("" if obj is None else str(obj))


def _mrkdwn(context: Context, text: Any) -> Markup:
    return mrkdwn.to_html("" if text is None else str(text), context["viewer"])


def environment() -> Environment:
    """Jinja2 with autoescaping everywhere and the Block Kit filters the templates use."""
    env = Environment(
        loader=PackageLoader("bot.sandbox", "templates"),
        autoescape=select_autoescape(["html"], default=True, default_for_string=True),
    )
    env.filters.update(
        slacktext=pass_context(_slacktext),
        mrkdwn=pass_context(_mrkdwn),
        plaintext=_text_of,
        options=interactions.options_of,
        block_id=interactions.block_id_of,
        action_id=interactions.action_id_of,
        chosen=chosen,
        dispatching=lambda ctl, on: {**ctl, "dispatch": bool(on)},
        image_src=image_src,
        safe_url=safe_url,
        person=cast.display_name,
    )
    return env


class Pages:
    """Renders the page for one viewer."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.env = environment()

    # ------------------------------------------------------------------- helpers

    def viewer(self, user_id: str) -> mrkdwn.Viewer:
        names = {p.id: p.name for p in cast.CAST} | {cast.BOT_USER_ID: cast.BOT_NAME}
        return mrkdwn.Viewer(ZoneInfo(cast.BY_ID[user_id].tz), self.sandbox.clock.now(), names)

    def local(self, instant: datetime, user_id: str) -> str:
        """``Tue 10 Mar, 10:01 AM`` in the person's own zone."""
        local = instant.astimezone(ZoneInfo(cast.BY_ID[user_id].tz))
        return f"{local:%a %d %b}, {local.hour % 12 or 12}:{local:%M %p}"

    def _roles(self) -> dict[str, str]:
        with self.sandbox.app.services.db.read() as session:
            found = {}
            for person in cast.CAST:
                member = members_store.get_member(session, cast.TEAM_ID, person.id)
                if member is not None and member.status != "left":
                    found[person.id] = ROLE_LABELS.get(member.role, member.role)
            return found

    def _round_exists(self) -> bool:
        with self.sandbox.app.services.db.read() as session:
            for programme in pairing_store.programmes(session, cast.TEAM_ID):
                if pairing_store.recent_rounds(session, programme.id, 1):
                    return True
        return False

    def _people(self, roles: Mapping[str, str]) -> list[dict[str, Any]]:
        people = []
        for p in cast.CAST:
            parts = [p.office] if p.office else []
            parts.append(roles.get(p.id, "not in the programme"))
            label = " · ".join([*parts, p.tz.split("/")[-1].replace("_", " ")])
            people.append({"id": p.id, "name": p.name, "label": label})
        return people

    def _tour(self, user_id: str, roles: Mapping[str, str]) -> list[dict[str, Any]]:
        workspace = self.sandbox.workspace
        alex, maya, ada, priya = (
            cast.BY_ID[i] for i in (cast.ALEX, cast.MAYA, cast.ADA, cast.PRIYA)
        )
        digest_seen = any(m.files for m in workspace.dm(priya.id).messages)
        intro_seen = bool(workspace.group_dms(alex.id))
        steps = [
            (
                f"Join as an ally: you are {alex.first_name}. "
                "Press “Join as ally” on the Home tab.",
                roles.get(alex.id) == "ally",
                alex,
                "home",
            ),
            (
                f"Switch to {maya.first_name} and join as a colleague: type /ally join colleague "
                "in Messages and press Enter.",
                roles.get(maya.id) == "colleague",
                maya,
                "messages",
            ),
            (
                f"As the admin ({ada.first_name}), preview and run a round: /ally admin pair "
                "preview, then /ally admin pair run.",
                self._round_exists(),
                ada,
                "messages",
            ),
            (
                f"Back as {alex.first_name}, open your buddy introduction under Direct messages "
                "and press “We've met” or “Not yet”.",
                intro_seen,
                alex,
                "home",
            ),
            (
                "Send anonymous feedback: type /ally feedback (or use ⚡ Anonymous feedback).",
                False,
                None,
                "messages",
            ),
            (
                f"Press “+1 week”: nudges and reflection prompts arrive. Then, as "
                f"{priya.first_name} (a lead), read the weekly digest and its chart in Messages.",
                digest_seen,
                priya,
                "messages",
            ),
        ]
        out = []
        current_found = False
        for text, done, who, tab in steps:
            current = not done and not current_found
            current_found = current_found or current
            out.append({"text": text, "done": done, "current": current, "switch": who, "tab": tab})
        return out

    def _messages(
        self, user_id: str, conversation_id: str, messages: list[Message]
    ) -> list[dict[str, Any]]:
        zone = ZoneInfo(cast.BY_ID[user_id].tz)
        shown = []
        last_day = None
        for m in sorted(messages, key=lambda m: m.at):
            when = datetime.fromtimestamp(m.at, zone)
            day = f"{when:%A, %B} {when.day}"
            name = cast.display_name(m.sender)
            shown.append(
                {
                    "day": day if day != last_day else None,
                    "name": name,
                    "initials": "AB" if m.sender == cast.BOT_USER_ID else _initials(name),
                    "hue": _hue(m.sender),
                    "is_bot": m.sender == cast.BOT_USER_ID,
                    "time": f"{when.hour % 12 or 12}:{when:%M %p}",
                    "text": m.text,
                    "blocks": m.blocks,
                    "files": m.files,
                    "ephemeral": m.ephemeral_for is not None,
                    "edited": m.edited,
                    "surface": f"msg:{conversation_id}:{m.id}",
                }
            )
            last_day = day
        return shown

    # -------------------------------------------------------------------- render

    def render(self, user_id: str, where: str, csrf: str, flash: str | None) -> str | None:
        """The whole page for ``user_id`` on tab ``where``; None if that is not theirs."""
        workspace = self.sandbox.workspace
        workspace.sync()
        person = cast.BY_ID[user_id]
        base = f"/as/{user_id}"
        conversation = None
        tab = where
        if where.startswith("g/"):
            conversation = workspace.conversation_for(user_id, where[2:])
            if conversation is None:
                return None
            tab = "group"
        elif where == "messages":
            conversation = workspace.dm(user_id)
        roles = self._roles()
        groups = []
        for g in workspace.group_dms(user_id):
            others = [cast.display_name(u).split()[0] for u in g.members if u != user_id]
            groups.append({"id": g.id, "label": ", ".join(others)})
        label = ""
        if conversation is not None and tab == "group":
            label = ", ".join(cast.display_name(u) for u in conversation.members if u != user_id)
        messages = (
            self._messages(user_id, conversation.id, conversation.visible_to(user_id))
            if conversation is not None
            else []
        )
        next_round = self.sandbox.next_round_at()
        context = {
            "title": cast.BOT_NAME if tab != "group" else label,
            "viewer": self.viewer(user_id),
            "me": {
                "id": person.id,
                "name": person.name,
                "first_name": person.first_name,
                "title": person.title,
                "tz": person.tz,
                "initials": _initials(person.name),
                "hue": _hue(person.id),
            },
            "team_name": cast.TEAM_NAME,
            "bot_name": cast.BOT_NAME,
            "base": base,
            "tab": tab,
            "where": where,
            "csrf": csrf,
            "flash": flash,
            "group_dms": groups,
            "conversation": conversation,
            "conversation_label": label,
            "messages": messages,
            "home": workspace.homes.get(user_id) if tab == "home" else None,
            "modal": workspace.top_modal(user_id),
            "people": self._people(roles),
            "channels": [{"id": c, "name": n} for c, n in cast.CHANNELS.items()],
            "tour": self._tour(user_id, roles),
            "clock_now": self.local(self.sandbox.clock.now(), user_id),
            "next_round": self.local(next_round, user_id) if next_round else None,
            "shortcuts": [{"callback_id": "ally_feedback", "name": "Anonymous feedback"}],
            "composer_hint": "Type /ally help and press Enter"
            if tab != "group"
            else f"Message {label}, or type /ally …",
            "refusals": workspace.refusals[-5:],
            "version": workspace.version(user_id),
            "version_url": f"{base}/version",
            "refresh_url": f"{base}/{where}?refresh=1",
        }
        return self.env.get_template("page.html").render(context)
