"""Slack's Socket Mode for the fake: ``apps.connections.open`` and a WebSocket server.

Why: allybot's manifest turns Socket Mode on, so in production every slash command,
button press and event reaches the app as a JSON envelope over a WebSocket that
``slack_sdk``'s builtin client opened, and every answer is an acknowledgement
frame sent back on it.  Tests that only post signed HTTP never exercise that
path.  This module lets an unmodified ``SocketModeClient`` (or Bolt's
``SocketModeHandler``) connect to the fake over real loopback sockets, so the
transport the app really uses is the one under test.  Standard library only,
like the rest of the fake.

What is modelled:

* ``apps.connections.open``: needs an app-level (``xapp-``) token the fake
  knows; a known bot or user token gets ``not_allowed_token_type``, an unknown
  token ``invalid_auth``, none ``not_authed``.  It answers
  ``{"ok": true, "url": "ws://127.0.0.1:PORT/link/?ticket=...&app_id=..."}``;
  each ticket opens at most one connection.  An app-level token used on any
  other Web API method (``api.test`` aside) is refused with
  ``not_allowed_token_type``, as Slack does.
* RFC 6455 on the server side, in :mod:`.websocket`: the upgrade handshake,
  masked client frames, every payload length encoding, fragments with control
  frames between them, ping/pong and the close handshake.  Violations close the
  connection with 1002/1003/1007/1009 and are kept in
  :meth:`SocketModeServer.protocol_errors`; so are refused upgrades.  Here,
  the Slack-specific rules on top: the ``/link/`` path, single-use tickets,
  JSON text only (a binary message closes with 1003), UTF-8 checked.
* Slack's messages: ``hello`` on connect (``num_connections``, ``debug_info``,
  ``connection_info.app_id``); envelopes of type ``events_api``,
  ``slash_commands`` and ``interactive`` with ``envelope_id``,
  ``accepts_response_payload`` and, for events, ``retry_attempt`` and
  ``retry_reason``; the client's ack ``{"envelope_id": ..., "payload": ...}``
  awaited for at most 3 seconds, Slack's limit; ``disconnect`` with reason
  ``refresh_requested``, after which the old connection is closed as soon as
  a newer one is up (or after a short grace period).
* Pings from the server every :data:`SERVER_PING_SECONDS`, as Slack's servers
  ping their clients; the client must answer with pongs.  This also wakes
  ``slack_sdk``'s blocking receive so that closing a client is prompt.

What is not modelled:

* TLS: URLs are ``ws://`` on loopback (``slack_sdk`` connects without TLS to
  any port but 443), never ``wss://``.
* Slack's own redelivery of events that were not acknowledged: a missing ack is
  reported to the test (:class:`AckTimeoutError`), which can resend with
  ``retry_attempt``/``retry_reason`` itself.
* ``disconnect`` reasons other than ``refresh_requested`` (``warning``,
  ``link_disabled``), the 10-connection limit, ticket expiry, refreshes on a
  timer, spreading envelopes over several connections (the newest one gets
  them all), ``permessage-deflate``, and the rule that ``apps.connections.open``
  refuses a token sent in the POST body (the fake's HTTP layer merges body and
  header tokens before this module sees them).
* Binary messages: Socket Mode is JSON text, so a binary message closes the
  connection with 1003.  The HTTP status for a refused upgrade (401 for an
  unknown or used ticket) is not documented by Slack; the fake picks it.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Container, Mapping
from typing import Any, Final

from .socket_links import (
    ACK_TIMEOUT_SECONDS,
    LINK_PATH,
    AckTimeoutError,
    InvalidAckError,
    LinkServer,
    NotConnectedError,
    Pending,
    SocketModeError,
)
from .websocket import MAX_MESSAGE_BYTES, OP_TEXT, accept_key, encode_frame

__all__ = [
    "ACK_TIMEOUT_SECONDS",
    "APP_TOKEN_PREFIX",
    "CONNECTIONS_OPEN_METHOD",
    "ENVELOPE_KINDS",
    "MAX_MESSAGE_BYTES",
    "AckTimeoutError",
    "InvalidAckError",
    "NotConnectedError",
    "SocketModeError",
    "SocketModeServer",
    "accept_key",
    "encode_frame",
]

#: App-level tokens start with this; only they may open Socket Mode connections.
APP_TOKEN_PREFIX: Final = "xapp-"  # noqa: S105 -- a prefix, not a secret
CONNECTIONS_OPEN_METHOD: Final = "apps.connections.open"
#: The envelope types Slack sends; ``type`` of every envelope is one of these.
ENVELOPE_KINDS: Final = frozenset({"events_api", "slash_commands", "interactive"})


class SocketModeServer(LinkServer):
    """Slack's Socket Mode endpoint on ``ws://127.0.0.1:PORT/link/``.

    :class:`~bot.sandbox.slackfake.SlackFake` owns one as ``fake.socket_mode``,
    starts and stops it with itself and routes ``apps.connections.open`` to
    :meth:`answer_app_token_call`.  Tests drive it with :meth:`send_envelope`
    and :meth:`request_refresh` and read :attr:`connections_opened`.
    """

    # ---------------------------------------------------------- the Web API side

    def answer_app_token_call(
        self, method: str, token: str | None, known_tokens: Container[str]
    ) -> dict[str, Any] | None:
        """Slack's answer when app-level tokens are involved, else ``None``.

        Why one entry point: the fake's HTTP layer calls this before its own
        method table, so Socket Mode needs a single hook there.
        """
        is_app_token = token is not None and token.startswith(APP_TOKEN_PREFIX)
        if method == CONNECTIONS_OPEN_METHOD:
            if not token:
                return {"ok": False, "error": "not_authed"}
            if token not in known_tokens:
                return {"ok": False, "error": "invalid_auth"}
            if not is_app_token:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self._issue_url()}
        if is_app_token and method != "api.test":
            if token not in known_tokens:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": False, "error": "not_allowed_token_type"}
        return None

    def _issue_url(self) -> str:
        ticket = secrets.token_urlsafe(18)
        with self._lock:
            self._require_running()
            self._tickets.add(ticket)
            self._tickets_issued += 1
            port = self._port
        return f"ws://127.0.0.1:{port}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    # ----------------------------------------------------------- the test side

    def send_envelope(
        self,
        kind: str,
        payload: Mapping[str, Any],
        retry_attempt: int = 0,
        retry_reason: str = "",
        *,
        accepts_response_payload: bool | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Deliver ``payload`` as Slack would and return the ack's payload (``{}`` if none).

        The newest connection that was not asked to refresh receives it; if
        there is none yet (a reconnect in progress) this waits up to
        ``timeout`` for one, then raises :class:`NotConnectedError`.  No ack
        within ``timeout`` (Slack's 3 seconds by default) raises
        :class:`AckTimeoutError`.  ``accepts_response_payload`` defaults to
        what Slack sends for the kind (see :func:`_accepts_response_payload`).
        """
        if kind not in ENVELOPE_KINDS:
            raise ValueError(f"envelope type must be one of {sorted(ENVELOPE_KINDS)}, not {kind!r}")
        limit = self.ack_timeout if timeout is None else timeout
        envelope_id = str(uuid.uuid4())
        accepts = accepts_response_payload
        if accepts is None:
            accepts = _accepts_response_payload(kind, payload)
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": dict(payload),
            "accepts_response_payload": accepts,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        connection = self._wait_for_target(time.monotonic() + limit)
        pending = Pending(envelope_id)
        with self._lock:
            self._pending[envelope_id] = pending
            self._sent.append(envelope)
        try:
            frame = encode_frame(OP_TEXT, json.dumps(envelope).encode("utf-8"))
            if not connection.send(frame):
                raise NotConnectedError(
                    f"connection #{connection.number} broke while sending a {kind} envelope"
                )
            if not pending.done.wait(limit):
                raise AckTimeoutError(
                    f"no ack for {kind} envelope {envelope_id} within {limit:g} s "
                    "(Slack gives up after 3 s; did the app's listener call ack()?)"
                )
        finally:
            with self._lock:
                self._pending.pop(envelope_id, None)
        if pending.error is not None:
            raise pending.error
        return pending.payload or {}

    def request_refresh(self) -> int:
        """Send ``disconnect``/``refresh_requested`` to every open connection.

        Each told connection stops receiving envelopes and is closed once a
        newer connection is up, or after ``refresh_grace`` seconds; the client
        must call ``apps.connections.open`` again.  Returns how many were told.
        """
        now = time.monotonic()
        with self._lock:
            targets = [
                c for c in self._connections.values() if c.ready and c.retiring_since is None
            ]
            for connection in targets:
                connection.retiring_since = now
        message = {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "applink-slackfake"},
        }
        frame = encode_frame(OP_TEXT, json.dumps(message).encode("utf-8"))
        for connection in targets:
            connection.send(frame)
        return len(targets)

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until ``count`` connections were opened in total (hello sent)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._opened < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    @property
    def connections_opened(self) -> int:
        """Completed handshakes since start, so a test can see a reconnect."""
        with self._lock:
            return self._opened

    @property
    def active_connections(self) -> int:
        with self._lock:
            return sum(1 for c in self._connections.values() if c.ready)

    @property
    def tickets_issued(self) -> int:
        with self._lock:
            return self._tickets_issued

    @property
    def pings_received(self) -> int:
        with self._lock:
            return self._pings_received

    @property
    def pongs_received(self) -> int:
        with self._lock:
            return self._pongs_received

    def sent(self) -> list[dict[str, Any]]:
        """Envelopes sent, oldest first."""
        with self._lock:
            return list(self._sent)

    def received(self) -> list[dict[str, Any]]:
        """Every JSON message the clients sent (acks, mostly), oldest first."""
        with self._lock:
            return list(self._received)

    def unmatched_acks(self) -> list[dict[str, Any]]:
        """Messages that answered no waiting envelope: unknown id, no id, or too late."""
        with self._lock:
            return list(self._unmatched_acks)

    def protocol_errors(self) -> list[str]:
        """Clients' protocol violations; a healthy run leaves this empty."""
        with self._lock:
            return list(self._protocol_errors)

    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in this module; a healthy run leaves this empty."""
        with self._lock:
            return list(self._internal_errors)


def _accepts_response_payload(kind: str, payload: Mapping[str, Any]) -> bool:
    """What Slack sets: slash commands, view submissions and option loads take a reply."""
    if kind == "slash_commands":
        return True
    if kind == "interactive":
        return payload.get("type") in {"view_submission", "block_suggestion"}
    return False
