"""Requests to the app, signed exactly as Slack signs them.

Why its own signer (runtime code may not import the tests' helper): the sandbox
must reach the app through the same door as Slack -- an HTTP POST to
``/slack/events`` with ``X-Slack-Signature`` computed by ``slack_sdk``'s
:class:`~slack_sdk.signature.SignatureVerifier` over the raw body and a real
timestamp -- so Bolt's verification, parsing and acknowledgement all run.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier

EVENTS_PATH = "/slack/events"
#: Slack waits 3 seconds for an acknowledgement; the sandbox is more patient so a
#: slow first request (imports, a cold database) still shows its answer.
TIMEOUT = 30


@dataclass(frozen=True)
class Answer:
    """The app's HTTP answer to one request."""

    status: int
    body: str

    def json(self) -> dict[str, Any]:
        """The body as JSON; an empty or non-JSON body is an empty answer."""
        try:
            data = json.loads(self.body) if self.body else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


class Signer:
    """Posts slash commands, interactions and events to the app as Slack would."""

    def __init__(self, app_url: str, secret: str, team_id: str, api_app_id: str) -> None:
        if not app_url.startswith("http://127.0.0.1:"):
            raise ValueError("the sandbox only signs requests to the app on loopback")
        self.url = app_url.rstrip("/") + EVENTS_PATH
        self.team_id = team_id
        self.api_app_id = api_app_id
        self._verifier = SignatureVerifier(secret)

    def post(self, body: str, content_type: str) -> Answer:
        """Sign ``body`` with a real timestamp (Bolt rejects stale ones) and post it."""
        timestamp = str(int(time.time()))
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or "",
        }
        request = urllib.request.Request(  # noqa: S310 (a loopback http URL, checked above)
            self.url, data=body.encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return Answer(response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as err:
            return Answer(err.code, err.read().decode("utf-8", "replace"))

    @staticmethod
    def trigger_id() -> str:
        """A fresh trigger id in Slack's shape."""
        return f"{uuid.uuid4().int % 10**13}.{uuid.uuid4().int % 10**9}.{uuid.uuid4().hex}"

    def command(
        self,
        user_id: str,
        user_name: str,
        text: str,
        *,
        channel_id: str,
        response_url: str,
        trigger_id: str,
        command: str = "/ally",
    ) -> Answer:
        """A slash command, form-encoded like Slack's."""
        form = {
            "token": "sandbox-verification-token-unused",
            "team_id": self.team_id,
            "team_domain": "sandbox",
            "channel_id": channel_id,
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> Answer:
        """An interaction (button, modal submission, shortcut) as one ``payload=`` field."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any]) -> Answer:
        """An Events API callback with a fresh event id."""
        envelope = {
            "token": "sandbox-verification-token-unused",
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "U0ALLYBOT", "is_bot": True}],
            "event": event,
        }
        return self.post(json.dumps(envelope), "application/json")
