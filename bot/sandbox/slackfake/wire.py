"""Request decoding and reply encoding, the way Slack's Web API does them.

Why separate from the server: these are pure functions of bytes and headers, so
they are shared by the HTTP adapter, the method handlers and the tests without
dragging a socket along.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .models import JSON_FIELDS, SlackError


@dataclass(frozen=True)
class Reply:
    """An HTTP answer before it is written to the socket."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def json_reply(status: int, payload: Mapping[str, Any], retry_after: int | None = None) -> Reply:
    """A JSON answer; ``retry_after`` adds the header slack_sdk's retry handler reads."""
    headers: tuple[tuple[str, str], ...] = ()
    if retry_after is not None:
        headers = (("Retry-After", str(retry_after)),)
    body = json.dumps(payload).encode("utf-8")
    return Reply(status, body, "application/json; charset=utf-8", headers)


def text_reply(status: int, text: str) -> Reply:
    """A plain answer, as Slack gives on response URLs and upload URLs."""
    return Reply(status, text.encode("utf-8"), "text/html; charset=utf-8")


def stable_id(prefix: str, key: str) -> str:
    """Derive an id from ``key`` so it is the same in every fake and every run."""
    return prefix + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10].upper()


def truthy(value: Any) -> bool:
    """Slack's reading of boolean arguments sent as form strings or JSON."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in {"1", "true", "yes"}


def text_arg(args: Mapping[str, Any], name: str) -> str | None:
    """A string argument, accepting JSON numbers the way Slack coerces them."""
    value = args.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise SlackError("invalid_arguments", f"{name} must be a string")


def required(args: Mapping[str, Any], name: str) -> str:
    """A string argument that must be present and non-empty."""
    value = text_arg(args, name)
    if not value:
        raise SlackError("invalid_arguments", f"missing required field: {name}")
    return value


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], str | None]:
    """Decode a request body the way Slack accepts it; return ``(args, error)``."""
    if not body:
        return {}, None
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            decoded = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {}, "invalid_json"
        if not isinstance(decoded, dict):
            return {}, "invalid_json"
        return decoded, None
    if media_type in {"application/x-www-form-urlencoded", ""}:
        try:
            text = body.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=10_000)
        except (UnicodeDecodeError, ValueError):
            return {}, "invalid_arguments"
        return dict(pairs), None
    if media_type == "multipart/form-data":
        return parse_multipart(content_type, body)
    return {}, "invalid_post_type"


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], str | None]:
    """Parse multipart/form-data; file parts are summarised, not stored."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    try:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    except (ValueError, TypeError, UnicodeEncodeError):
        return {}, "invalid_arguments"
    if not message.is_multipart():
        return {}, "invalid_arguments"
    args: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return {}, "invalid_arguments"
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            args[name] = {"filename": filename, "size": len(data)}
            continue
        try:
            args[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            return {}, "invalid_arguments"
    return args, None


def decode_json_fields(args: dict[str, Any]) -> str | None:
    """Turn JSON-in-form fields into objects in place; report undecodable ones."""
    for name in JSON_FIELDS & args.keys():
        value = args[name]
        if not isinstance(value, str):
            continue
        try:
            args[name] = json.loads(value)
        except ValueError:
            return "invalid_arguments"
    return None


def bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if well formed."""
    raw = headers.get("Authorization") or headers.get("authorization")
    if not raw:
        return None
    scheme, _, value = raw.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
