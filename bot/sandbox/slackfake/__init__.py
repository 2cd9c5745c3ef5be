"""A Slack Web API fake served over real HTTP on loopback.

Why a real HTTP server rather than a mocked ``WebClient``: the bugs that hurt a Slack
bot live in the wire layer -- how ``slack_sdk`` encodes arguments (form vs JSON,
JSON-in-form ``blocks``), how its retry handlers read ``Retry-After``, how
``files_upload_v2`` chains three requests, how Bolt's ``respond()`` posts to a
``response_url``.  Pointing an unmodified ``slack_sdk.WebClient`` at
:attr:`SlackFake.base_url` exercises all of that, and the same fake backs the
offline sandbox, so it is shipped in the package and imports only the standard
library (never pytest, never slack_sdk).

What it models, Slack-shaped (HTTP 200 with ``{"ok": false, "error": ...}`` for
Slack-level errors, as Slack does):

* token checks (``not_authed`` / ``invalid_auth``);
* Slack's own refusals: Block Kit rules on every payload that carries blocks
  (``invalid_blocks`` with ``errors`` for ``chat.*``; ``invalid_arguments``
  with ``[ERROR] ... [json-pointer:/view/...]`` messages for ``views.*``; HTTP
  400 ``invalid_blocks`` on response URLs), view rules, unknown users and
  channels; :meth:`SlackFake.refusals` lists every call Slack would refuse;
* ``api.test``, ``auth.test``, ``blocks.validate``, ``chat.postMessage``,
  ``chat.postEphemeral``, ``chat.update``, ``chat.delete``, ``conversations.open``,
  ``users.info``, ``users.list``, ``conversations.members``,
  ``views.publish``/``open``/``update``/``push``, ``files.getUploadURLExternal``,
  the upload URL itself and ``files.completeUploadExternal``; anything else is
  ``unknown_method``;
* per-method rate limits answering HTTP 429 with ``Retry-After`` and scripted
  failures (``fail_next``, ``fail_every``, ``set_error``) to drive retry paths;
* ``response_url`` endpoints for Bolt's ``respond()``;
* a thread-safe record of every request for assertions.

Where real Slack's exact error name is not documented the fake picks the closest
documented one; those choices are noted on the method handlers.

Layout (no module imports one that imports it back): ``models`` (value types,
constants) <- ``wire`` (decoding, replies) <- ``limits`` (rate limits, scripted
failures) and ``server`` (HTTP plumbing) <- ``state`` (workspace state) <-
``methods_*`` (Web API handlers), ``recording`` and ``routing`` <- ``fake``
(:class:`SlackFake`).  The Block Kit validator is ``blockkit_core`` (problems,
wording) <- ``blockkit_objects`` (elements, composition objects) <- ``blockkit``
(blocks, messages, views, ``blocks.validate``).  Socket Mode is ``websocket``
(RFC 6455: handshake, frames, one connection's reading and writing) <-
``socket_links`` (the server's threads: tickets, hello, acks, pings, refresh
closes) <- ``socket_mode`` (:class:`SocketModeServer`: ``apps.connections.open``,
envelopes, refresh requests, observations) <- ``state``.
"""

from __future__ import annotations

from .fake import SlackFake
from .models import (
    DEFAULT_TOKEN,
    RESPONSE_URL_METHOD,
    UPLOAD_METHOD,
    Call,
    FakeFile,
    FakeUser,
    ManualClock,
)

__all__ = [
    "DEFAULT_TOKEN",
    "RESPONSE_URL_METHOD",
    "UPLOAD_METHOD",
    "Call",
    "FakeFile",
    "FakeUser",
    "ManualClock",
    "SlackFake",
]
