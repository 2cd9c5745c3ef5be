"""Request routing: Web API methods, upload URLs and response URLs.

Why a mixin of its own: this is where every request is authenticated, gated
(rate limits, scripted failures), answered and recorded; the method handlers
then only decide Slack's answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .blockkit import check_message_blocks
from .models import RESPONSE_URL_METHOD, UPLOAD_METHOD, Call, SlackError
from .state import FakeState, MethodHandler
from .wire import (
    Reply,
    bearer,
    decode_json_fields,
    json_reply,
    parse_body,
    text_reply,
    truthy,
)


class Routing(FakeState):
    """Serves HTTP requests: the entry point the server calls."""

    def _method_handlers(self) -> dict[str, MethodHandler]:
        """Web API method name -> handler; the assembled fake supplies them."""
        raise NotImplementedError

    def handle_http(
        self, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/api/"):
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            return self._handle_api(path[len("/api/") :], query, headers, body)
        if verb != "POST":
            return text_reply(405, "method_not_allowed")
        if path.startswith("/upload/v1/"):
            return self._handle_upload(unquote(path[len("/upload/v1/") :]), body)
        if path.startswith("/response/"):
            content_type = headers.get("Content-Type") or headers.get("content-type") or ""
            return self._handle_response_url(unquote(path[len("/response/") :]), content_type, body)
        return text_reply(404, "not_found")

    def _handle_api(
        self, method: str, query: dict[str, Any], headers: Mapping[str, str], body: bytes
    ) -> Reply:
        content_type = headers.get("Content-Type") or headers.get("content-type") or ""
        parsed, parse_error = parse_body(content_type, body)
        args: dict[str, Any] = {**query, **parsed}
        token = bearer(headers)
        body_token = args.pop("token", None)
        if token is None and isinstance(body_token, str) and body_token:
            token = body_token
        if parse_error is None:
            parse_error = decode_json_fields(args)
        with self._lock:
            now = self._clock()
            reply = self._limits.gate(method, now)
            scripted = reply is not None
            if reply is None:
                payload, scripted = self._answer(method, args, token, parse_error)
                reply = json_reply(200, payload)
            self._record(method, args, token, reply, now, scripted=scripted)
        return reply

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None, parse_error: str | None
    ) -> tuple[dict[str, Any], bool]:
        """Slack's answer, and whether a test script (``set_error``) decided it."""
        if parse_error is not None:
            return {"ok": False, "error": parse_error}, False
        # Socket Mode (socket_mode.py): apps.connections.open and app-level tokens.
        app_token_reply = self.socket_mode.answer_app_token_call(method, token, self._tokens)
        if app_token_reply is not None:
            return app_token_reply, False
        handler = self._method_handlers().get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}, False
        if method != "api.test":
            if not token:
                return {"ok": False, "error": "not_authed"}, False
            if token not in self._tokens:
                return {"ok": False, "error": "invalid_auth"}, False
        persistent = self._limits.errors.get(method)
        if persistent is not None:
            return {"ok": False, "error": persistent}, True
        try:
            return handler(args), False
        except SlackError as exc:
            return exc.payload(), False

    def _record(
        self,
        method: str,
        args: dict[str, Any],
        token: str | None,
        reply: Reply,
        now: float,
        target: str | None = None,
        *,
        scripted: bool = False,
        problems: list[str] | None = None,
    ) -> None:
        """Append a :class:`Call`; ``problems`` are kept for tests, never sent."""
        if reply.content_type.startswith("application/json"):
            response = json.loads(reply.body)
        else:
            response = {"ok": reply.status == 200, "body": reply.body.decode("utf-8")}
        if problems:
            response["errors"] = problems
        self._calls.append(
            Call(method, args, token, reply.status, response, now, target, scripted=scripted)
        )

    def _handle_upload(self, file_id: str, body: bytes) -> Reply:
        with self._lock:
            now = self._clock()
            args = {"file_id": file_id, "size": len(body)}
            reply = self._limits.gate(UPLOAD_METHOD, now)
            scripted = reply is not None
            if reply is None:
                upload = self._uploads.get(file_id)
                if upload is None or upload.completed:
                    reply = text_reply(404, "file_not_found")
                else:
                    upload.content = body
                    reply = text_reply(200, f"OK - {len(body)}")
            self._record(UPLOAD_METHOD, args, None, reply, now, file_id, scripted=scripted)
        return reply

    def _handle_response_url(self, name: str, content_type: str, body: bytes) -> Reply:
        """A ``response_url`` POST (Bolt's ``respond()``), checked like a message.

        Slack's response URLs answer like incoming webhooks: HTTP 400 with a
        plain-text error name (``no_text``, ``invalid_blocks``) and no details,
        so the Block Kit problems are only kept on the recorded :class:`Call`.
        """
        args: dict[str, Any] = {}
        reply: Reply | None = None
        problems: list[str] = []
        try:
            decoded = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            decoded = None
        if not isinstance(decoded, dict):
            reply = text_reply(400, "invalid_payload")
        else:
            args = decoded
        with self._lock:
            now = self._clock()
            gated = self._limits.gate(RESPONSE_URL_METHOD, now)
            if gated is not None:
                reply = gated
            elif reply is None:
                reply, problems = self._response_url_reply(args)
            self._record(
                RESPONSE_URL_METHOD,
                args,
                None,
                reply,
                now,
                target=name,
                scripted=gated is not None,
                problems=problems,
            )
        return reply

    @staticmethod
    def _response_url_reply(args: Mapping[str, Any]) -> tuple[Reply, list[str]]:
        blocks = args.get("blocks")
        if blocks is not None:
            problems = [str(problem) for problem in check_message_blocks(blocks)]
            if problems:
                return text_reply(400, "invalid_blocks"), problems
        has_content = args.get("text") or blocks or args.get("attachments")
        if not has_content and not truthy(args.get("delete_original")):
            return text_reply(400, "no_text"), []
        return text_reply(200, "ok"), []
