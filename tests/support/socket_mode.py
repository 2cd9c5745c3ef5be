"""Send the same payloads as :class:`SlackSender`, but as Socket Mode envelopes.

Why: the manifest's default transport is Socket Mode, where nothing is signed
and the app's answer is the ack frame on the WebSocket.  This sender drives the
app through the fake's :class:`~bot.sandbox.slackfake.socket_mode.SocketModeServer`
(the app connected to it with Bolt's ``SocketModeHandler``) and hands back the
same :class:`Response` as HTTP, so journey tests read the reply the same way:

* an ack with a payload becomes ``Response(200, json.dumps(payload))``: a slash
  command's ack payload is exactly what HTTP mode returns as its body;
* an ack without a payload becomes ``Response(200, "")``, like HTTP's empty 200,
  so :meth:`post_interaction_ok` means the same on both transports;
* no ack within Slack's 3 seconds becomes ``Response(NO_ACK_STATUS, "")``: Bolt
  sends no ack when it answers HTTP with an error (no listener, a request for
  another workspace), so a test sees a non-200 status on both transports.

HTTP-only options (``secret``, ``timestamp``, ``sign``, arbitrary headers) raise
``TypeError``: there is no signature in Socket Mode, and a test that depends
on one is an HTTP test.  Slack's retry headers on :meth:`event` become the
envelope's ``retry_attempt``/``retry_reason``, which is how Socket Mode carries
them.  No pytest import here.

Connect clients with :func:`connect_and_wait_for_hello`, never a bare
``connect()``: slack_sdk 3.x's builtin ``SocketModeClient.close()`` can hang
for ever when it runs before the client's session thread has picked up a new
connection (that thread then clears the ``terminated`` flag ``close()`` had
just set, and loops on the closed session).  A client that has read ``hello``
is past that window.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from slack_sdk.socket_mode.builtin import SocketModeClient

from bot.sandbox.slackfake.socket_mode import (
    ACK_TIMEOUT_SECONDS,
    AckTimeoutError,
    SocketModeServer,
)
from tests.support.slack_requests import PayloadSender, Response

#: Status reported when the app sent no ack in time (HTTP's "gateway timeout").
NO_ACK_STATUS = 504
_RETRY_NUM = "x-slack-retry-num"
_RETRY_REASON = "x-slack-retry-reason"


class SocketModeSender(PayloadSender):
    """Delivers Slack payloads over the fake's Socket Mode server; see the module doc."""

    def __init__(
        self,
        server: SocketModeServer,
        team_id: str = "T0ALLYBOT",
        fake_url: str = "",
        ack_timeout: float = ACK_TIMEOUT_SECONDS,
    ) -> None:
        self.server = server
        self.team_id = team_id
        self.fake_url = fake_url
        self.ack_timeout = ack_timeout

    def deliver_command(self, form: dict[str, str], **kw: Any) -> Response:
        _refuse_http_options(kw)
        return self._deliver("slash_commands", form)

    def deliver_interaction(self, payload: dict[str, Any], **kw: Any) -> Response:
        _refuse_http_options(kw)
        return self._deliver("interactive", payload)

    def deliver_event(
        self, envelope: dict[str, Any], headers: dict[str, str] | None, **kw: Any
    ) -> Response:
        _refuse_http_options(kw)
        lowered = {name.lower(): value for name, value in (headers or {}).items()}
        unknown = sorted(set(lowered) - {_RETRY_NUM, _RETRY_REASON})
        if unknown:
            raise TypeError(f"Socket Mode has no HTTP headers; cannot send {unknown}")
        attempt = int(lowered.get(_RETRY_NUM, "0"))
        reason = lowered.get(_RETRY_REASON, "")
        return self._deliver("events_api", envelope, attempt, reason)

    def _deliver(
        self, kind: str, payload: dict[str, Any], retry_attempt: int = 0, retry_reason: str = ""
    ) -> Response:
        try:
            ack = self.server.send_envelope(
                kind, payload, retry_attempt, retry_reason, timeout=self.ack_timeout
            )
        except AckTimeoutError:
            return Response(NO_ACK_STATUS, "")
        return Response(200, json.dumps(ack) if ack else "")


def connect_and_wait_for_hello(client: SocketModeClient, timeout: float = 3.0) -> None:
    """``client.connect()``, then wait until its receive loop has read ``hello``.

    Why: see the module docstring; closing a client (or a Bolt
    ``SocketModeHandler``) is only safe once this has returned.
    """
    hello = threading.Event()

    def watch(text: str) -> None:
        if text.startswith("{") and json.loads(text).get("type") == "hello":
            hello.set()

    client.on_message_listeners.append(watch)
    client.connect()
    if not hello.wait(timeout):
        raise TimeoutError(f"the Socket Mode client read no hello within {timeout:g} s")


def close_promptly(client: SocketModeClient) -> None:
    """``client.close()`` without its up-to-one-second wait; for test teardowns.

    Why: slack_sdk's message processor thread blocks in ``message_queue.get(timeout=1)``
    and ``close()`` joins it, so every close costs up to a second; over a few hundred
    Socket Mode journeys that is minutes.  ``close()`` starts by setting ``closed``;
    doing that first and queueing ``None`` (which the processor skips) wakes the
    thread at once, so the join returns.  The rest is slack_sdk's own ``close()``.
    Only for a client that has read ``hello`` (see :func:`connect_and_wait_for_hello`).
    """
    client.closed = True
    client.message_queue.put(None)
    client.close()


def _refuse_http_options(kw: dict[str, Any]) -> None:
    if kw:
        raise TypeError(
            f"{sorted(kw)} only exist over HTTP (signing); Socket Mode has no signature. "
            "Run this test with the HTTP sender only."
        )
