"""The HTTP edge: what may reach Bolt, request hygiene, and the last resort.

Why a layer in front of Bolt: Bolt's own checks assume a well-formed request. A
timestamp header of ``abc`` makes its signature check raise (a 500), an unknown
content type is parsed as something it is not, and a refused request's body is
logged whole. Here, before any of that:

* only ``POST /slack/events`` (and ``GET /healthz``) exist; bodies are bounded;
* only Slack's two content types are accepted (415 otherwise);
* a signature or timestamp header that is present but malformed is a 401;
* the signature itself is verified here too (slack_sdk's ``SignatureVerifier``,
  a constant-time compare), because Bolt logs the whole body of a request whose
  signature fails; only Slack's ``ssl_check``, which Bolt answers before any
  check and which reaches no listener, is left to Bolt;
* nothing about a refused request's body is logged, only its size.

Inside Bolt, :func:`hygiene` (a middleware) refuses requests that name no
workspace (Slack always sends one; ``url_verification`` and ``ssl_check`` are
answered by Bolt before any middleware of ours), refuses user ids that are not
Slack's, answers events with 503 while the database is down so Slack redelivers,
and hands slash commands the hash of their accepted signature so an exact replay
has no effect. :func:`last_resort` (Bolt's ``@app.error``) turns any unexpected
exception into a short apology and one log line with an error id.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import traceback
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.core import parse
from bot.core.commands import Replay
from bot.core.services import Services

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
EVENTS_PATH = "/slack/events"
CONTENT_TYPES = frozenset({"application/json", "application/x-www-form-urlencoded"})
#: Slack refuses timestamps more than five minutes off; Bolt checks the same window.
REPLAY_WINDOW = timedelta(minutes=5)

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

APOLOGY = (
    "Sorry, something went wrong on our side and I couldn't finish that. Please try "
    "again in a moment; if it keeps happening, give your programme admin this "
    "reference: {ref}."
)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _answer(
    start_response: Callable[..., Any], status: str, body: bytes, kind: str = "text/plain"
) -> list[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def refusal(environ: dict[str, Any], length: int) -> tuple[str, bytes] | None:
    """Why a ``POST /slack/events`` is refused before Bolt sees it, or None.

    Only the headers are looked at; the body is never read or logged here.
    """
    if not 0 <= length <= MAX_BODY_BYTES:
        return "413 Payload Too Large", b"payload too large"
    media = str(environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
    if media not in CONTENT_TYPES:
        return "415 Unsupported Media Type", b"unsupported content type"
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if timestamp is not None and not _TIMESTAMP.fullmatch(str(timestamp)):
        return "401 Unauthorized", b"invalid request"
    if signature is not None and not _SIGNATURE.fullmatch(str(signature)):
        return "401 Unauthorized", b"invalid request"
    return None


def application(bolt_handler: WsgiApp, services: Services) -> WsgiApp:
    """The WSGI app: Bolt's endpoint at ``/slack/events`` plus ``/healthz``."""
    secret = services.settings.slack_signing_secret
    verifier = SignatureVerifier(secret) if secret else None

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method == "GET":
            ok = services.db.ping()
            body = json.dumps({"ok": ok}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            return _answer(start_response, status, body, "application/json")
        if path != EVENTS_PATH or method != "POST" or verifier is None:
            # Without a signing secret (Socket Mode only) nothing posted here could be
            # verified, so the endpoint does not exist.
            return _answer(start_response, "404 Not Found", b"not found")
        try:
            length = int(str(environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            length = -1
        refused = refusal(environ, length)
        if refused is not None:
            log.info("refused a request before Bolt: %s (%s bytes)", refused[0], length)
            return _answer(start_response, *refused)
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) != length:
            return _answer(start_response, "400 Bad Request", b"incomplete body")
        if not _is_ssl_check(body):
            timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
            signature = environ.get("HTTP_X_SLACK_SIGNATURE")
            if not verifier.is_valid(body, timestamp, signature):
                log.warning("refused a request without a valid Slack signature (%s bytes)", length)
                return _answer(start_response, "401 Unauthorized", b"invalid request")
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return bolt_handler(environ, start_response)
        except (ValueError, TypeError, KeyError, AttributeError):
            # Bolt could not parse the body (truncated JSON, bad payload=, invalid
            # UTF-8, fields of the wrong type): a client error, not ours.
            log.info("refused a malformed request body (%s bytes)", length)
            return _answer(start_response, "400 Bad Request", b"malformed request")
        except Exception as exc:
            ref = _log_unexpected(exc, "request")
            if b'"event_callback"' in body:
                return _answer(start_response, "503 Service Unavailable", b"try again")
            reply = json.dumps({"response_type": "ephemeral", "text": APOLOGY.format(ref=ref)})
            return _answer(start_response, "200 OK", reply.encode(), "application/json")

    return app


def _is_ssl_check(body: bytes) -> bool:
    """Slack's ``ssl_check=1`` probe (form-encoded): Bolt answers it, nothing else sees it."""
    if b"ssl_check" not in body:
        return False
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"), max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        return False
    return form.get("ssl_check") == ["1"]


def _where(exc: BaseException) -> str:
    """The innermost frame of our own code: enough to find the bug, no user text."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/bot/" in f.filename or "/handlers/" in f.filename]
    if not (ours or frames):
        return "?"
    frame = (ours or frames)[-1]
    parts = frame.filename.replace("\\", "/").split("/")
    return f"{'/'.join(parts[-2:])}:{frame.lineno}"


def _log_unexpected(exc: BaseException, what: str) -> str:
    """One log line with an error id, the exception type and where; never the message
    (it may quote what a person wrote)."""
    ref = uuid.uuid4().hex[:8]
    log.error("error %s while handling a %s: %s at %s", ref, what, type(exc).__name__, _where(exc))
    return ref


def _kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "command"
    return str(body.get("type") or "request")[:32]


def last_resort(error: Exception, request: BoltRequest, response: BoltResponse | None) -> Any:
    """Bolt's global error handler (``@app.error``): apologise, log one line, no 5xx.

    Bolt calls it with the response it is about to send when the listener had
    not acknowledged yet (a command or a modal), which we replace with an
    apology, and with ``None`` when it had (a button), where the apology goes
    through ``response_url``. An event that failed after its ack is only logged.
    """
    body = request.body if isinstance(request.body, dict) else {}
    kind = _kind(body)
    ref = _log_unexpected(error, kind)
    text = APOLOGY.format(ref=ref)
    if response is None:
        respond = request.context.respond
        if respond is not None and kind == "block_actions":
            try:
                respond(text=text, response_type="ephemeral", replace_original=False)
            except Exception:
                log.warning("could not deliver the apology for error %s", ref)
        return None
    if kind == "event_callback":
        if not isinstance(body.get("event"), dict):
            return BoltResponse(status=400, body="")  # not Slack's shape: never retry it
        return BoltResponse(status=503, body="")  # ours: Slack redelivers, we deduplicate
    if kind == "view_submission":
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Sorry"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
        return BoltResponse(
            status=200,
            body=json.dumps({"response_action": "update", "view": view}),
            headers={"content-type": "application/json;charset=utf-8"},
        )
    if kind == "command":
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": text}),
            headers={"content-type": "application/json;charset=utf-8"},
        )
    return BoltResponse(status=200, body="")


def _header(request: BoltRequest, name: str) -> str | None:
    values = request.headers.get(name)
    return values[0] if values else None


def hygiene(services: Services) -> Callable[..., BoltResponse]:
    """The Bolt middleware every request passes after Bolt verified its signature."""

    def middleware(
        request: BoltRequest, context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        body = request.body if isinstance(request.body, dict) else {}
        team = parse.team_id(context.team_id) or parse.team_id(context.enterprise_id)
        if team is None:
            log.info("refused a %s naming no workspace", _kind(body))
            return BoltResponse(status=400, body="")
        auth = context.authorize_result
        if (
            auth is not None
            and auth.team_id
            and context.team_id
            and context.team_id != auth.team_id
            and not context.enterprise_id
        ):
            # A request signed with our secret but for another workspace: the
            # bot serves the one its token belongs to.
            log.warning("ignored a request for another workspace")
            return BoltResponse(status=401, body="")
        if context.user_id is not None and parse.user_id(context.user_id) is None:
            log.info("refused a %s with a malformed user id", _kind(body))
            return BoltResponse(status=400, body="")
        if "command" in body and context.user_id is None:
            return BoltResponse(status=400, body="")
        if body.get("type") == "event_callback":
            if not isinstance(body.get("event"), dict):
                return BoltResponse(status=400, body="")
            if not services.db.ping():
                # Slack redelivers an event answered with a 5xx; events are deduplicated.
                return BoltResponse(status=503, body="")
        context["services"] = services
        context["replay"] = _replay(request, body)
        return next()

    return middleware


def _replay(request: BoltRequest, body: dict[str, Any]) -> Replay | None:
    """For a slash command over HTTP: a hash of its signature and when it expires.

    Slack never retries a slash command, so the same signature twice is a replay.
    Socket Mode requests carry no signature (and arrive over our own connection).
    """
    signature = _header(request, "x-slack-signature")
    timestamp = _header(request, "x-slack-request-timestamp")
    if "command" not in body or signature is None or timestamp is None:
        return None
    if not _TIMESTAMP.fullmatch(timestamp):
        return None
    try:
        sent = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return Replay(
        key=hashlib.sha256(signature.encode()).hexdigest(),
        expires_at=sent + REPLAY_WINDOW + timedelta(minutes=1),
    )
