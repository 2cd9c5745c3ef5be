"""What each person of the sandbox sees, rebuilt from what the app sent the fake.

Why rebuilt from the fake's record rather than told by the app: the page must
show exactly what reached "Slack" -- the successful Web API calls the Slack fake
recorded (messages, group DMs, files, Home tabs, modals) and the posts to
response URLs -- so a message the bot never managed to send is never shown. The
only things added here are what a Slack client itself adds: the slash command's
acknowledgement (an ephemeral reply) and what people type to each other.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.sandbox.cast import BOT_USER_ID
from bot.sandbox.slackfake import RESPONSE_URL_METHOD, Call, SlackFake

log = logging.getLogger(__name__)

#: Files (digest charts) kept in the state file; older ones drop out of the history.
MAX_FILES = 40
MAX_TRIGGERS = 500
MAX_REFUSALS = 20


def dm_channel_id(user_id: str) -> str:
    """The DM channel id Slack-shaped ids derive from (the fake's own scheme)."""
    return "D" + hashlib.sha256(f"im:{user_id}".encode()).hexdigest()[:10].upper()


@dataclass
class Message:
    """One message in a conversation, as a Slack client holds it."""

    id: str
    at: float
    sender: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)
    #: Only this person sees it ("Only visible to you"); never persisted.
    ephemeral_for: str | None = None
    edited: bool = False


@dataclass
class Conversation:
    """A DM with the bot (``im``) or a group DM (``mpim``)."""

    id: str
    kind: str
    members: tuple[str, ...]
    messages: list[Message] = field(default_factory=list)

    def visible_to(self, user_id: str) -> list[Message]:
        return [m for m in self.messages if m.ephemeral_for in (None, user_id)]


@dataclass
class OpenView:
    """A view (modal or Home) as the client shows it, with what was typed into it."""

    id: str
    hash: str
    view: dict[str, Any]
    #: Slack's ``state.values`` shape: block_id -> action_id -> element state.
    values: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: block_id -> message, from the app's ``response_action: errors`` or Slack's checks.
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseTarget:
    """Where a post to a response URL lands: whose, which conversation, which message."""

    user_id: str
    conversation_id: str
    message_id: str | None


@dataclass(frozen=True)
class StoredFile:
    id: str
    name: str
    title: str
    mimetype: str
    content: bytes


class Workspace:
    """The client-side picture of the pretend workspace, for every person at once."""

    def __init__(
        self, fake: SlackFake, members: Iterable[str], now: Callable[[], float] = time.time
    ) -> None:
        self._fake = fake
        self._now = now
        self._members = tuple(members)
        self._lock = threading.RLock()
        self._seen = 0
        self._ids = itertools.count(1)
        self._clock_version = 0
        self._versions: dict[str, int] = {}
        self._counter = itertools.count(1)
        self.conversations: dict[str, Conversation] = {}
        self._dm_of: dict[str, str] = {}
        self.homes: dict[str, OpenView] = {}
        self.modals: dict[str, list[OpenView]] = {}
        self.files: dict[str, StoredFile] = {}
        self._triggers: dict[str, str] = {}
        self._responses: dict[str, ResponseTarget] = {}
        self.refusals: list[str] = []

    # ---------------------------------------------------------------- versions

    def _touch(self, *users: str) -> None:
        stamp = next(self._counter)
        for user in users or self._members:
            self._versions[user] = stamp

    def touch_all(self) -> None:
        """Something everyone sees changed (the clock)."""
        with self._lock:
            self._touch()

    def version(self, user_id: str) -> int:
        """Changes for ``user_id`` since start, for the page's refresh poll."""
        with self._lock:
            self.sync()
            return self._versions.get(user_id, 0)

    # ----------------------------------------------------------- conversations

    def dm(self, user_id: str) -> Conversation:
        """The person's DM with the bot (created empty when first looked at)."""
        with self._lock:
            channel = self._dm_of.get(user_id) or dm_channel_id(user_id)
            self._dm_of[user_id] = channel
            found = self.conversations.get(channel)
            if found is None:
                found = Conversation(channel, "im", (user_id,))
                self.conversations[channel] = found
            return found

    def group_dms(self, user_id: str) -> list[Conversation]:
        with self._lock:
            return [
                c for c in self.conversations.values() if c.kind == "mpim" and user_id in c.members
            ]

    def conversation_for(self, user_id: str, conversation_id: str) -> Conversation | None:
        """A conversation ``user_id`` belongs to, or None."""
        with self._lock:
            found = self.conversations.get(conversation_id)
            if found is None or user_id not in found.members:
                return None
            return found

    def _learn_dm(self, user_id: str, channel: str) -> Conversation:
        current = self._dm_of.get(user_id)
        if current is not None and current != channel and current in self.conversations:
            moved = self.conversations.pop(current)
            moved.id = channel
            self.conversations[channel] = moved
        self._dm_of[user_id] = channel
        return self.dm(user_id)

    def _target(self, channel: str) -> Conversation | None:
        if channel in self.conversations:
            return self.conversations[channel]
        if channel.startswith(("U", "W")):
            return self.dm(channel)
        return None

    def add_ephemeral(
        self, user_id: str, conversation_id: str, text: str, blocks: list[dict[str, Any]]
    ) -> Message | None:
        """A reply only ``user_id`` sees (a slash command's acknowledgement, a hint)."""
        with self._lock:
            conversation = self.conversations.get(conversation_id)
            if conversation is None:
                return None
            message = Message(
                f"e{next(self._ids)}", self._now(), BOT_USER_ID, text, blocks, [], user_id
            )
            conversation.messages.append(message)
            self._touch(user_id)
            return message

    def add_human(self, user_id: str, conversation_id: str, text: str, at: float) -> None:
        """Something a person typed to the others in a group DM (the bot never sees it)."""
        with self._lock:
            conversation = self.conversations.get(conversation_id)
            if conversation is None:
                return
            conversation.messages.append(Message(f"h{next(self._ids)}", at, user_id, text))
            self._touch(*conversation.members)

    def find_message(
        self, conversation_id: str, message_id: str
    ) -> tuple[Conversation, Message] | None:
        with self._lock:
            conversation = self.conversations.get(conversation_id)
            if conversation is None:
                return None
            for message in conversation.messages:
                if message.id == message_id:
                    return conversation, message
            return None

    # ------------------------------------------------------ triggers, responses

    def new_trigger(self, user_id: str, trigger_id: str) -> str:
        """Remember who a trigger id was issued to, so the modal it opens is theirs."""
        with self._lock:
            self._triggers[trigger_id] = user_id
            while len(self._triggers) > MAX_TRIGGERS:
                self._triggers.pop(next(iter(self._triggers)))
            return trigger_id

    def new_response_url(self, target: ResponseTarget) -> str:
        """A response URL on the fake whose posts land at ``target``."""
        with self._lock:
            name = uuid.uuid4().hex
            self._responses[name] = target
            while len(self._responses) > MAX_TRIGGERS:
                self._responses.pop(next(iter(self._responses)))
        return self._fake.response_url(name)

    # ------------------------------------------------------------------- views

    def top_modal(self, user_id: str) -> OpenView | None:
        with self._lock:
            stack = self.modals.get(user_id)
            return stack[-1] if stack else None

    def close_modal(self, user_id: str, *, everything: bool = False) -> None:
        with self._lock:
            stack = self.modals.get(user_id, [])
            if everything:
                stack.clear()
            elif stack:
                stack.pop()
            self._touch(user_id)

    def replace_modal(self, user_id: str, view: dict[str, Any], *, push: bool = False) -> None:
        """``response_action: update`` or ``push`` from the app's acknowledgement."""
        with self._lock:
            stack = self.modals.setdefault(user_id, [])
            new_hash = f"{int(time.time())}.{uuid.uuid4().hex[:8]}"
            if push or not stack:
                stack.append(OpenView(f"V{uuid.uuid4().hex[:10].upper()}", new_hash, view))
            else:
                stack[-1] = OpenView(stack[-1].id, new_hash, view)
            self._touch(user_id)

    def _view_update(self, call: Call) -> None:
        view = call.response.get("view")
        if not isinstance(view, dict):
            return
        for user, stack in self.modals.items():
            for index, open_view in enumerate(stack):
                if open_view.id == view.get("id"):
                    stack[index] = OpenView(
                        open_view.id, str(view.get("hash", "")), view, open_view.values
                    )
                    self._touch(user)
                    return
        for user, home in self.homes.items():
            if home.id == view.get("id"):
                self.homes[user] = OpenView(home.id, str(view.get("hash", "")), view)
                self._touch(user)

    # -------------------------------------------------------------------- sync

    def sync(self) -> int:
        """Apply every call the fake recorded since the last sync; how many."""
        with self._lock:
            calls = self._fake.calls()
            fresh = calls[self._seen :]
            self._seen = len(calls)
            for call in fresh:
                try:
                    self._apply(call)
                except (KeyError, TypeError, ValueError, AttributeError):
                    log.exception("could not show a %s call", call.method)
            return len(fresh)

    def _apply(self, call: Call) -> None:
        if call.refused:
            detail = call.response.get("error") or call.response.get("body") or call.status
            note = f"Slack refused {call.method}: {detail}"
            log.warning("%s", note)
            self.refusals = [*self.refusals, note][-MAX_REFUSALS:]
            return
        if not call.ok:
            return
        handler = {
            "conversations.open": self._opened,
            "chat.postMessage": self._posted,
            "chat.update": self._updated,
            "chat.delete": self._deleted,
            "chat.postEphemeral": self._ephemeral,
            "views.publish": self._published,
            "views.open": self._modal_opened,
            "views.push": self._modal_opened,
            "views.update": self._view_update,
            "files.completeUploadExternal": self._uploaded,
            RESPONSE_URL_METHOD: self._responded,
        }.get(call.method)
        if handler is not None:
            handler(call)

    def _opened(self, call: Call) -> None:
        channel = call.response["channel"]["id"]
        raw = call.args.get("users") or ""
        users = [u.strip() for u in (raw.split(",") if isinstance(raw, str) else raw)]
        people = tuple(sorted(u for u in users if u and u != BOT_USER_ID))
        if len(people) == 1:
            self._learn_dm(people[0], channel)
        elif people and channel not in self.conversations:
            self.conversations[channel] = Conversation(channel, "mpim", people)

    def _posted(self, call: Call) -> None:
        channel = str(call.response["channel"])
        asked = str(call.args.get("channel", ""))
        if asked.startswith(("U", "W")):
            self._learn_dm(asked, channel)
        conversation = self._target(channel)
        if conversation is None:
            return
        stored = call.response.get("message") or {}
        ts = str(call.response["ts"])
        conversation.messages.append(
            Message(
                ts,
                float(ts),
                BOT_USER_ID,
                str(stored.get("text", "")),
                list(stored.get("blocks") or []),
            )
        )
        self._touch(*conversation.members)

    def _updated(self, call: Call) -> None:
        found = self.find_message(str(call.response["channel"]), str(call.response["ts"]))
        if found is None:
            return
        conversation, message = found
        stored = call.response.get("message") or {}
        message.text = str(stored.get("text", ""))
        message.blocks = list(stored.get("blocks") or [])
        message.edited = True
        self._touch(*conversation.members)

    def _deleted(self, call: Call) -> None:
        found = self.find_message(str(call.response["channel"]), str(call.response["ts"]))
        if found is not None:
            conversation, message = found
            conversation.messages.remove(message)
            self._touch(*conversation.members)

    def _ephemeral(self, call: Call) -> None:
        user = str(call.args["user"])
        channel = str(call.args["channel"])
        conversation = self._target(channel)
        if conversation is None or user not in conversation.members:
            conversation = self.dm(user)
        blocks = call.args.get("blocks")
        conversation.messages.append(
            Message(
                f"e{next(self._ids)}",
                float(call.response.get("message_ts") or self._now()),
                BOT_USER_ID,
                str(call.args.get("text") or ""),
                list(blocks) if isinstance(blocks, list) else [],
                [],
                user,
            )
        )
        self._touch(user)

    def _published(self, call: Call) -> None:
        view = call.response["view"]
        user = str(call.args["user_id"])
        self.homes[user] = OpenView(str(view["id"]), str(view["hash"]), view)
        self._touch(user)

    def _modal_opened(self, call: Call) -> None:
        user = self._triggers.get(str(call.args.get("trigger_id")))
        if user is None:
            return  # a trigger this page never issued: no one to show it to
        view = call.response["view"]
        opened = OpenView(str(view["id"]), str(view["hash"]), view)
        stack = self.modals.setdefault(user, [])
        if call.method == "views.open":
            stack.clear()
        stack.append(opened)
        self._touch(user)

    def _uploaded(self, call: Call) -> None:
        contents = {f.id: f.content for f in self._fake.uploaded_files()}
        comment = str(call.args.get("initial_comment") or "")
        by_channel: dict[str, list[dict[str, str]]] = {}
        for entry in call.response.get("files", []):
            stored = StoredFile(
                str(entry["id"]),
                str(entry.get("name", "")),
                str(entry.get("title", "")),
                str(entry.get("mimetype", "application/octet-stream")),
                contents.get(str(entry["id"]), b""),
            )
            self.files[stored.id] = stored
            ref = {"id": stored.id, "name": stored.name, "title": stored.title}
            ref["mimetype"] = stored.mimetype
            for channel in entry.get("channels", []):
                by_channel.setdefault(str(channel), []).append(ref)
        while len(self.files) > MAX_FILES:
            self.files.pop(next(iter(self.files)))
        for channel, refs in by_channel.items():
            conversation = self._target(channel)
            if conversation is None:
                continue
            conversation.messages.append(
                Message(
                    f"f{next(self._ids)}", self._file_time(call), BOT_USER_ID, comment, [], refs
                )
            )
            self._touch(*conversation.members)

    def _responded(self, call: Call) -> None:
        target = self._responses.get(call.target or "")
        if target is None:
            return
        conversation = self.conversations.get(target.conversation_id) or self.dm(target.user_id)
        args = call.args
        source = None
        if target.message_id is not None:
            found = self.find_message(conversation.id, target.message_id)
            source = found[1] if found else None
        blocks = args.get("blocks") if isinstance(args.get("blocks"), list) else []
        text = str(args.get("text") or "")
        if _truthy(args.get("delete_original")):
            if source is not None:
                conversation.messages.remove(source)
        elif _truthy(args.get("replace_original")) and source is not None:
            source.text, source.blocks, source.edited = text, list(blocks or []), True
        else:
            visible_to = None if args.get("response_type") == "in_channel" else target.user_id
            conversation.messages.append(
                Message(
                    f"r{next(self._ids)}",
                    self._now(),
                    BOT_USER_ID,
                    text,
                    list(blocks or []),
                    [],
                    visible_to,
                )
            )
        self._touch(*conversation.members)

    def _file_time(self, call: Call) -> float:
        files = call.response.get("files") or [{}]
        created = files[0].get("created") if isinstance(files[0], dict) else None
        return float(created) if isinstance(created, int | float) else self._now()

    # ------------------------------------------------------------- persistence

    def to_state(self) -> dict[str, Any]:
        """What survives a restart: conversations (without ephemerals), Homes, files."""
        with self._lock:
            conversations = []
            for c in self.conversations.values():
                kept = [asdict(m) for m in c.messages if m.ephemeral_for is None]
                conversations.append(
                    {"id": c.id, "kind": c.kind, "members": list(c.members), "messages": kept}
                )
            return {
                "conversations": conversations,
                "dms": dict(self._dm_of),
                "homes": {
                    u: asdict(v) | {"values": {}, "errors": {}} for u, v in self.homes.items()
                },
                "files": [
                    asdict(f) | {"content": base64.b64encode(f.content).decode("ascii")}
                    for f in self.files.values()
                ],
            }

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore :meth:`to_state`; anything malformed is skipped, not fatal."""
        with self._lock:
            for raw in state.get("conversations", []):
                try:
                    messages = [Message(**m) for m in raw["messages"]]
                    conversation = Conversation(
                        str(raw["id"]), str(raw["kind"]), tuple(raw["members"]), messages
                    )
                except (KeyError, TypeError):
                    continue
                self.conversations[conversation.id] = conversation
            dms = state.get("dms", {})
            if isinstance(dms, dict):
                self._dm_of.update({str(k): str(v) for k, v in dms.items()})
            for user, raw in (state.get("homes") or {}).items():
                try:
                    self.homes[str(user)] = OpenView(**raw)
                except TypeError:
                    continue
            for raw in state.get("files", []):
                try:
                    content = base64.b64decode(raw.pop("content"))
                    stored = StoredFile(**raw, content=content)
                except (KeyError, TypeError, ValueError):
                    continue
                self.files[stored.id] = stored


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)
