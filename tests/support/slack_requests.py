"""Send requests to the app exactly as Slack does: real HTTP, real signatures.

No pytest import here: the same helper drives the app from a shell or sandbox.

Payloads are built once, by :class:`SlackPayloads`; :class:`SlackSender` posts
them over signed HTTP and ``tests.support.socket_mode.SocketModeSender``
delivers the same payloads as Socket Mode envelopes.  Both share the public
methods of :class:`PayloadSender`, so a journey test can run over either.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slackfake import SlackFake


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    @property
    def text(self) -> str:
        """The reply's text plus every block's text, for assertions."""
        data = self.json()
        parts = [str(data.get("text", ""))]
        parts += [json.dumps(b) for b in data.get("blocks", [])]
        return "\n".join(parts)


@dataclass(frozen=True)
class SlackPayloads:
    """The payloads Slack sends, whatever carries them.

    Why separate: HTTP and Socket Mode deliver the same objects (a slash
    command's fields, an interaction, an ``event_callback``), so a test means
    the same thing over either transport only if one place builds them.
    """

    team_id: str = "T0ALLYBOT"
    fake_url: str = ""

    def command(self, user_id: str, text: str, name: str | None = None) -> dict[str, str]:
        """A ``/ally`` invocation: HTTP form-encodes these fields, Socket Mode sends JSON.

        ``name`` names its ``response_url`` (so a later answer can be found)."""
        name = name or f"cmd-{uuid.uuid4().hex[:8]}"
        return {
            "token": "legacy-unused",
            "team_id": self.team_id,
            "team_domain": "allybot-test",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/ally",
            "text": text,
            "api_app_id": "A0ALLYBOT",
            "response_url": f"{self.fake_url}response/{name}",
            "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex[:8]}",
        }

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str = "",
        *,
        container: dict[str, Any] | None = None,
        action_ts: str | None = None,
    ) -> dict[str, Any]:
        """A button press in a ``block_actions`` interaction."""
        return {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "allybot-test"},
            "user": {"id": user_id, "team_id": self.team_id, "name": user_id.lower()},
            "api_app_id": "A0ALLYBOT",
            "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex[:8]}",
            "container": container or {"type": "view", "view_id": "V0HOME"},
            "response_url": f"{self.fake_url}response/act-{uuid.uuid4().hex[:8]}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": action_ts or f"{time.time():.6f}",
                }
            ],
        }

    def event_callback(
        self, event: dict[str, Any], *, event_id: str | None = None
    ) -> dict[str, Any]:
        """The Events API wrapper around ``event``."""
        return {
            "token": "legacy-unused",
            "team_id": self.team_id,
            "api_app_id": "A0ALLYBOT",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "U0ALLYBOT", "is_bot": True}],
            "event": event,
        }


class PayloadSender(ABC):
    """The public interface of every sender; subclasses only choose the transport.

    ``**kw`` on the public methods are transport options (HTTP: ``timestamp``,
    ``secret``, ``sign``; ``headers`` for events).
    """

    team_id: str
    fake_url: str

    @property
    def payloads(self) -> SlackPayloads:
        return SlackPayloads(self.team_id, self.fake_url)

    @abstractmethod
    def deliver_command(self, form: dict[str, str], **kw: Any) -> Response:
        """Deliver a slash command's fields."""

    @abstractmethod
    def deliver_interaction(self, payload: dict[str, Any], **kw: Any) -> Response:
        """Deliver an interaction payload (buttons, modals, shortcuts)."""

    @abstractmethod
    def deliver_event(
        self, envelope: dict[str, Any], headers: dict[str, str] | None, **kw: Any
    ) -> Response:
        """Deliver an ``event_callback``; ``headers`` may carry Slack's retry headers."""

    #: When set, a slow command's later answer (through response_url) is awaited.
    fake: SlackFake | None = None

    def command(self, user_id: str, text: str, *, follow: bool = True, **kw: Any) -> Response:
        """Send ``/ally text``. A slow command is acknowledged first ("Working on it");
        with ``follow`` its outcome, posted to ``response_url``, is what is returned,
        as the person would read it."""
        name = f"cmd-{uuid.uuid4().hex[:8]}"
        ack = self.deliver_command(self.payloads.command(user_id, text, name), **kw)
        fake = self.fake
        if not follow or fake is None or ack.status != 200:
            return ack
        if not str(ack.json().get("text", "")).startswith("Working on it"):
            return ack
        if not fake.wait_for(lambda: bool(fake.response_url_posts(name)), timeout=60):
            raise AssertionError(f"no answer followed the acknowledgement of /ally {text}")
        return Response(ack.status, json.dumps(fake.response_url_posts(name)[-1].args))

    def interaction(self, payload: dict[str, Any], **kw: Any) -> Response:
        return self.deliver_interaction(payload, **kw)

    def post_interaction_ok(self, payload: dict[str, Any]) -> bool:
        """Post an interaction; True when Slack would see a plain 200 acknowledgement."""
        reply = self.interaction(payload)
        return reply.status == 200 and not reply.body

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str = "",
        *,
        container: dict[str, Any] | None = None,
        action_ts: str | None = None,
        **kw: Any,
    ) -> Response:
        payload = self.payloads.block_action(
            user_id, action_id, value, container=container, action_ts=action_ts
        )
        return self.interaction(payload, **kw)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> Response:
        return self.deliver_event(
            self.payloads.event_callback(event, event_id=event_id), headers, **kw
        )


class SlackSender(PayloadSender):
    """Signs and posts Slack payloads to ``{app_url}/slack/events``."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        team_id: str = "T0ALLYBOT",
        fake_url: str = "",
        fake: SlackFake | None = None,
    ) -> None:
        self.url = app_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.team_id = team_id
        self.fake_url = fake_url
        #: When set, a slow command's later answer (through response_url) is awaited.
        self.fake = fake

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
        sign: bool = True,
    ) -> Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if sign:
            verifier = SignatureVerifier(secret or self.secret)
            all_headers["X-Slack-Request-Timestamp"] = ts
            signature = verifier.generate_signature(timestamp=ts, body=body)
            if signature is None:  # slack_sdk's None means no timestamp or body; never here
                raise ValueError("could not sign the request")
            all_headers["X-Slack-Signature"] = signature
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=all_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return Response(resp.status, resp.read().decode())
        except urllib.error.HTTPError as err:
            return Response(err.code, err.read().decode())

    def deliver_command(self, form: dict[str, str], **kw: Any) -> Response:
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded", **kw)

    def deliver_interaction(self, payload: dict[str, Any], **kw: Any) -> Response:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def deliver_event(
        self, envelope: dict[str, Any], headers: dict[str, str] | None, **kw: Any
    ) -> Response:
        return self.post(json.dumps(envelope), "application/json", headers=headers, **kw)
