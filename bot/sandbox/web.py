"""The sandbox's web page: a WSGI app that looks and behaves enough like Slack.

Why server-rendered with Jinja2 (autoescaping on) and a few lines of JavaScript:
everything shown comes from what the app sent, and the surest way to keep any of
it from running in the page is to escape it all on the server and allow no
inline script (the Content-Security-Policy says so).

Guards, because a page on 127.0.0.1 is still reachable from any website the
visitor opens: the Host header must name this server (DNS rebinding), and every
POST carries a per-process token and, when the browser sends one, a same-origin
``Origin`` (cross-site form posts).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from bot.sandbox import cast, interactions
from bot.sandbox.engine import APP_ID, Sandbox
from bot.sandbox.interactions import InvalidAction
from bot.sandbox.pages import Pages
from bot.sandbox.workspace import ResponseTarget

log = logging.getLogger(__name__)

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
MAX_FORM_BYTES = 256 * 1024
_WHERE = re.compile(r"^(home|messages|g/[A-Z0-9]{3,20})$")
_PATH = re.compile(
    r"^/as/([A-Z0-9]{3,20})(?:/(home|messages|version|say|act|submit|close|shortcut|g/[A-Z0-9]{3,20}))?/?$"
)
SECURITY_HEADERS = [
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]
MOVES = {"day": timedelta(days=1), "week": timedelta(weeks=1)}
#: Global shortcuts from manifest.yml (a test keeps the two in step).
SHORTCUTS = ({"callback_id": "ally_feedback", "name": "Anonymous feedback"},)
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


class Reply:
    """A response to write: status, headers, body."""

    def __init__(
        self, status: str, body: bytes = b"", content_type: str = "text/plain; charset=utf-8"
    ) -> None:
        self.status = status
        self.body = body
        self.headers = [("Content-Type", content_type)]

    @classmethod
    def redirect(cls, location: str) -> Reply:
        reply = cls("303 See Other")
        reply.headers.append(("Location", location))
        return reply

    @classmethod
    def text(cls, status: str, message: str) -> Reply:
        return cls(status, message.encode("utf-8"))


class SandboxWeb:
    """The WSGI application; :meth:`__call__` is the entry point."""

    def __init__(self, sandbox: Sandbox, port: int) -> None:
        self.sandbox = sandbox
        self.pages = Pages(sandbox)
        self.port = port
        self.csrf = secrets.token_urlsafe(32)
        self._flash: dict[str, str] = {}

    # ------------------------------------------------------------------ plumbing

    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            reply = self._guarded(environ)
        except Exception:
            log.exception("sandbox page failed")
            reply = Reply.text(
                "500 Internal Server Error", "The sandbox hit a bug; see the terminal."
            )
        start_response(reply.status, reply.headers + SECURITY_HEADERS)
        return [reply.body]

    def _guarded(self, environ: Environ) -> Reply:
        host = str(environ.get("HTTP_HOST", "")).lower()
        if host not in self.allowed_hosts():
            return Reply.text(
                "421 Misdirected Request", "This sandbox answers only on its own address."
            )
        method = environ.get("REQUEST_METHOD", "GET")
        path = str(environ.get("PATH_INFO", "/"))
        if method == "POST":
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None and origin not in {f"http://{h}" for h in self.allowed_hosts()}:
                return Reply.text("403 Forbidden", "Cross-site request refused.")
            form = self._form(environ)
            if form is None:
                return Reply.text("413 Payload Too Large", "That form is too large.")
            token = (form.get("csrf") or [""])[0]
            if not hmac.compare_digest(token.encode(), self.csrf.encode()):
                return Reply.text("403 Forbidden", "This form has expired; reload the page.")
            return self._post(path, form)
        if method in ("GET", "HEAD"):
            return self._get(path, str(environ.get("QUERY_STRING", "")))
        return Reply.text("405 Method Not Allowed", "Use GET or POST.")

    @staticmethod
    def _form(environ: Environ) -> dict[str, list[str]] | None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 <= length <= MAX_FORM_BYTES:
            return None
        body = environ["wsgi.input"].read(length) if length else b""
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    # --------------------------------------------------------------------- GET

    def _get(self, path: str, query: str) -> Reply:
        if path == "/":
            return Reply.redirect(f"/as/{cast.VISITOR}/home")
        if path.startswith("/static/"):
            return self._static(path.removeprefix("/static/"))
        if path.startswith("/files/"):
            return self._file(path.removeprefix("/files/"))
        if path == "/healthz":
            return Reply("200 OK", b'{"ok": true}', "application/json")
        match = _PATH.match(path)
        if match is None or match.group(1) not in cast.BY_ID:
            return Reply.text("404 Not Found", "Nothing here. Start at /.")
        user, where = match.group(1), match.group(2) or "home"
        if where == "version":
            version = self.sandbox.workspace.version(user)
            return Reply("200 OK", json.dumps({"v": version}).encode(), "application/json")
        if not _WHERE.match(where):
            return Reply.redirect(f"/as/{user}/home")
        refresh = "refresh=1" in query.split("&")
        if where == "home" and not refresh:
            self.sandbox.open_home(user)
            self.sandbox.settle(seconds=3.0, quiet=0.2)
        page = self.pages.render(user, where, self.csrf, self._flash.pop(user, None))
        if page is None:
            return Reply.redirect(f"/as/{user}/messages")
        return Reply("200 OK", page.encode("utf-8"), "text/html; charset=utf-8")

    @staticmethod
    def _static(name: str) -> Reply:
        suffix = name[name.rfind(".") :] if "." in name else ""
        if not re.fullmatch(r"[a-z]+\.(css|js)", name):
            return Reply.text("404 Not Found", "No such file.")
        try:
            data = resources.files("bot.sandbox").joinpath("static", name).read_bytes()
        except OSError:
            return Reply.text("404 Not Found", "No such file.")
        return Reply("200 OK", data, STATIC_TYPES[suffix])

    def _file(self, file_id: str) -> Reply:
        stored = self.sandbox.workspace.files.get(file_id)
        if stored is None:
            return Reply.text("404 Not Found", "No such file.")
        kind = (
            stored.mimetype if stored.mimetype.startswith("image/") else "application/octet-stream"
        )
        return Reply("200 OK", stored.content, kind)

    # -------------------------------------------------------------------- POST

    def _post(self, path: str, form: Mapping[str, list[str]]) -> Reply:
        if path == "/clock":
            return self._clock(form)
        match = _PATH.match(path)
        if match is None or match.group(1) not in cast.BY_ID:
            return Reply.text("404 Not Found", "Nothing here. Start at /.")
        user, verb = match.group(1), match.group(2)
        where = (form.get("where") or ["home"])[0]
        if not _WHERE.match(where):
            where = "home"
        back = f"/as/{user}/{where}?refresh=1"
        handlers: dict[str | None, Callable[[str, str, Mapping[str, list[str]]], str | None]] = {
            "say": self._say,
            "act": self._act,
            "submit": self._submit,
            "close": self._close,
            "shortcut": self._shortcut,
        }
        handler = handlers.get(verb)
        if handler is None:
            return Reply.text("405 Method Not Allowed", "Nothing to post here.")
        try:
            note = handler(user, where, form)
        except InvalidAction as exc:
            note = f"That didn't work: {exc}. Nothing was sent."
        if note:
            self._flash[user] = note
        self.sandbox.workspace.sync()
        return Reply.redirect(back)

    def _conversation_id(self, user: str, where: str) -> str:
        if where.startswith("g/"):
            found = self.sandbox.workspace.conversation_for(user, where[2:])
            if found is not None:
                return found.id
        return self.sandbox.workspace.dm(user).id

    def _say(self, user: str, where: str, form: Mapping[str, list[str]]) -> str | None:
        text = (form.get("text") or [""])[0].strip()
        if not text:
            return None
        conversation = self._conversation_id(user, where)
        if text.startswith("/"):
            name, _, rest = text.partition(" ")
            if name != "/ally":
                self.sandbox.workspace.add_ephemeral(
                    user,
                    conversation,
                    f"`{name[:40]}` is not a valid command. Try `/ally help`.",
                    [],
                )
                return None
            self.sandbox.command(
                user, interactions.slash_text(rest.strip()), conversation_id=conversation
            )
            self.sandbox.settle()
            return None
        if where.startswith("g/"):
            # A Slack client escapes what people type and turns @names into mentions.
            self.sandbox.workspace.add_human(
                user, conversation, interactions.slash_text(text), self.sandbox.clock.timestamp()
            )
            return None
        self.sandbox.workspace.add_ephemeral(
            user,
            conversation,
            "Sending messages to this app has been turned off. Type a command instead, "
            "starting with `/ally` (try `/ally help`).",
            [],
        )
        return None

    def _trigger(self, user: str) -> str:
        return self.sandbox.workspace.new_trigger(user, self.sandbox.sender.trigger_id())

    def _act(self, user: str, where: str, form: Mapping[str, list[str]]) -> str | None:
        """A control in a message, the Home tab or a modal: ``block_actions``."""
        workspace = self.sandbox.workspace
        surface = (form.get("surface") or [""])[0]
        block_id, _, action_id = (form.get("target") or [""])[0].partition("|")
        chosen = form.get("v", [])
        common: dict[str, Any] = {"user_id": user, "api_app_id": APP_ID}
        if surface in ("home", "modal"):
            open_view = (
                workspace.homes.get(user) if surface == "home" else workspace.top_modal(user)
            )
            if open_view is None:
                raise InvalidAction("that view is no longer open")
            located = interactions.locate(open_view.view.get("blocks") or [], block_id, action_id)
            if surface == "modal":
                open_view.values = interactions.view_values(open_view.view, form)
                state_entry = open_view.values.get(block_id, {}).get(action_id, {})
                chosen = _chosen_of(state_entry) or chosen
            payload = interactions.block_actions(
                **common,
                trigger_id=self._trigger(user),
                entry=interactions.action(located, chosen),
                container={"type": "view", "view_id": open_view.id},
                view=interactions.view_payload(open_view),
            )
        elif surface.startswith("msg:"):
            conversation_id, _, message_id = surface[4:].partition(":")
            found = workspace.find_message(conversation_id, message_id)
            if found is None or user not in found[0].members:
                raise InvalidAction("that message is gone")
            conversation, message = found
            if message.ephemeral_for not in (None, user):
                raise InvalidAction("that message is not yours")
            located = interactions.locate(message.blocks, block_id, action_id)
            container: dict[str, Any] = {
                "type": "message",
                "message_ts": message.id,
                "channel_id": conversation.id,
                "is_ephemeral": message.ephemeral_for is not None,
            }
            body: dict[str, Any] | None = None
            if message.ephemeral_for is None:
                body = {"type": "message", "user": cast.BOT_USER_ID, "ts": message.id}
                body |= {"text": message.text, "blocks": message.blocks}
            payload = interactions.block_actions(
                **common,
                trigger_id=self._trigger(user),
                entry=interactions.action(located, chosen),
                container=container,
                message=body,
                channel_id=conversation.id,
                response_url=workspace.new_response_url(
                    ResponseTarget(user, conversation.id, message.id)
                ),
            )
        else:
            raise InvalidAction("that control is not on this page")
        answer = self.sandbox.interact(payload)
        self.sandbox.settle()
        if answer.status != 200:
            return f"The app answered HTTP {answer.status}; nothing changed."
        return None

    def _submit(self, user: str, where: str, form: Mapping[str, list[str]]) -> str | None:
        """The modal's submit button: Slack's own checks, then ``view_submission``."""
        workspace = self.sandbox.workspace
        open_view = workspace.top_modal(user)
        if open_view is None:
            return "That form was already closed."
        open_view.values = interactions.view_values(open_view.view, form)
        open_view.errors = interactions.client_errors(open_view.view, open_view.values)
        if open_view.errors:
            workspace.touch_all()
            return None
        payload = interactions.view_submission(
            user_id=user,
            api_app_id=APP_ID,
            trigger_id=self._trigger(user),
            view=interactions.view_payload(open_view),
        )
        answer = self.sandbox.interact(payload)
        if answer.status != 200:
            open_view.errors = {}
            return "We had some trouble connecting. Try again?"
        reply = answer.json()
        action = reply.get("response_action")
        if action == "errors" and isinstance(reply.get("errors"), dict):
            open_view.errors = {str(k): str(v) for k, v in reply["errors"].items()}
        elif action in ("update", "push") and isinstance(reply.get("view"), dict):
            workspace.replace_modal(user, reply["view"], push=action == "push")
        elif action == "clear":
            workspace.close_modal(user, everything=True)
        else:
            workspace.close_modal(user)
        self.sandbox.settle(seconds=1.5, quiet=0.2)
        return None

    def _close(self, user: str, where: str, form: Mapping[str, list[str]]) -> str | None:
        open_view = self.sandbox.workspace.top_modal(user)
        if open_view is None:
            return None
        if open_view.view.get("notify_on_close"):
            self.sandbox.interact(
                interactions.view_closed(
                    user_id=user, api_app_id=APP_ID, view=interactions.view_payload(open_view)
                )
            )
        self.sandbox.workspace.close_modal(user)
        return None

    def _shortcut(self, user: str, where: str, form: Mapping[str, list[str]]) -> str | None:
        callback = (form.get("callback_id") or [""])[0]
        if callback not in {s["callback_id"] for s in SHORTCUTS}:
            raise InvalidAction("there is no such shortcut")
        person = cast.BY_ID[user]
        self.sandbox.interact(
            {
                "type": "shortcut",
                "callback_id": callback,
                "team": {"id": cast.TEAM_ID, "domain": "sandbox"},
                "user": {"id": user, "username": person.handle, "team_id": cast.TEAM_ID},
                "api_app_id": APP_ID,
                "token": "sandbox-verification-token-unused",
                "trigger_id": self._trigger(user),
                "action_ts": f"{self.sandbox.clock.timestamp():.6f}",
                "is_enterprise_install": False,
                "enterprise": None,
            }
        )
        self.sandbox.settle()
        return None

    def _clock(self, form: Mapping[str, list[str]]) -> Reply:
        back = (form.get("back") or [""])[0]
        match = re.match(r"^/as/([A-Z0-9]{3,20})/(home|messages|g/[A-Z0-9]{3,20})$", back)
        user = match.group(1) if match and match.group(1) in cast.BY_ID else cast.VISITOR
        where = match.group(2) if match else "home"
        move = (form.get("move") or [""])[0]
        before = self.sandbox.clock.now()
        if move == "next-round":
            due = self.sandbox.next_round_at()
            if due is None:
                self._flash[user] = "There is no programme with a schedule yet."
                return Reply.redirect(f"/as/{user}/{where}?refresh=1")
            delta = due - before + timedelta(minutes=1)
        elif move in MOVES:
            delta = MOVES[move]
        else:
            return Reply.text("400 Bad Request", "Choose +1 day, +1 week or the next round.")
        self.sandbox.advance(delta)
        after = self.pages.local(self.sandbox.clock.now(), user)
        self._flash[user] = f"Moved the clock {_describe(delta)}, to {after}."
        return Reply.redirect(f"/as/{user}/{where}?refresh=1")


def _chosen_of(state: Mapping[str, Any]) -> list[str]:
    for key in ("selected_option",):
        if isinstance(state.get(key), dict):
            return [str(state[key].get("value", ""))]
    if isinstance(state.get("selected_options"), list):
        return [str(o.get("value", "")) for o in state["selected_options"]]
    for key in ("selected_date", "selected_time", "selected_user", "value"):
        if isinstance(state.get(key), str):
            return [state[key]]
    return []


def _describe(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours >= 48:
        return f"{hours / 24:.0f} days on"
    return f"{hours:.0f} hours on" if hours >= 2 else f"{delta.total_seconds() / 60:.0f} minutes on"
