"""``chat.*`` Web API methods: post, ephemeral, update, delete.

Why separate: message content rules (text, blocks, attachments) are the part of
the fake that grows with Slack's validation; keeping them apart from views and
files keeps each module readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .blockkit import check_message_blocks, validate_payload
from .models import MAX_TEXT_CHARS, SlackError
from .state import FakeState
from .wire import required, text_arg


class ChatMethods(FakeState):
    """Handlers for ``chat.postMessage``, ``postEphemeral``, ``update`` and ``delete``."""

    def _message_content(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Validate text/blocks/attachments the way chat.* does.

        Blocks go through the Block Kit validator (``invalid_blocks`` with every
        problem, as Slack answers).  ``text`` beyond 40,000 characters is
        truncated, not refused: Slack's changelog of 2018-04 ("truncating really
        long messages") replaced the old ``msg_too_long`` refusal with truncation.
        """
        text = text_arg(args, "text")
        if text and len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
        content: dict[str, Any] = {"text": text or ""}
        blocks = args.get("blocks")
        if blocks is not None and blocks != "":
            problems = check_message_blocks(blocks)
            if problems:
                raise SlackError("invalid_blocks", errors=[str(p) for p in problems])
            if blocks:
                content["blocks"] = blocks
        attachments = args.get("attachments")
        if attachments is not None and attachments != "":
            if not isinstance(attachments, list) or not all(
                isinstance(item, dict) for item in attachments
            ):
                raise SlackError("invalid_attachments")
            if attachments:
                content["attachments"] = attachments
        if not text and "blocks" not in content and "attachments" not in content:
            raise SlackError("no_text")
        return content

    def _blocks_validate(self, args: dict[str, Any]) -> dict[str, Any]:
        """``blocks.validate``: exactly one of ``blocks``, ``view`` or ``message``.

        Answers ``ok: true`` or ``invalid_blocks`` with ``errors`` as objects
        (``code``, ``message``, ``pointer``, ``constraint``), pointers relative
        to the payload, as Slack's method reference documents.
        """
        argument_error, problems = validate_payload(args)
        if argument_error is not None:
            raise SlackError("invalid_arguments", argument_error)
        if problems:
            return {
                "ok": False,
                "error": "invalid_blocks",
                "errors": [problem.as_validate_error() for problem in problems],
            }
        return {"ok": True}

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        content = self._message_content(args)
        thread_ts = text_arg(args, "thread_ts")
        if thread_ts:
            content["thread_ts"] = thread_ts
        metadata = args.get("metadata")
        if isinstance(metadata, dict):
            content["metadata"] = metadata
        ts = self._next_ts()
        message = self._bot_message(ts, content)
        self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._resolve_channel(args.get("channel"))
        user = required(args, "user")
        self._check_user(user, for_dm=False)
        self._message_content(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _stored_message(self, args: dict[str, Any]) -> tuple[str, str]:
        channel = self._resolve_channel(args.get("channel"))
        ts = required(args, "ts")
        if (channel, ts) not in self._messages:
            raise SlackError("message_not_found")
        return channel, ts

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._stored_message(args)
        content = self._message_content(args)
        message = self._messages[(channel, ts)]
        for key in ("blocks", "attachments"):
            message.pop(key, None)
        message.update(content)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": dict(message),
        }

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._stored_message(args)
        del self._messages[(channel, ts)]
        return {"ok": True, "channel": channel, "ts": ts}
