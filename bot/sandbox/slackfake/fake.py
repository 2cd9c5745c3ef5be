""":class:`SlackFake`: the assembled fake, its lifecycle and its test knobs.

Why this shape: state, routing, recording and each family of Web API methods
live in their own modules as mixins over one :class:`~.state.FakeState`; this
module only wires them together, binds the socket and exposes the knobs tests
turn (tokens, rate limits, scripted failures).
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType

from .limits import EveryNth, RateLimit, checked_retry, make_failure
from .methods_chat import ChatMethods
from .methods_files import FileMethods
from .methods_people import PeopleMethods
from .methods_views import ViewMethods
from .recording import Recording
from .routing import Routing
from .server import Handler, QuietServer
from .state import MethodHandler


class SlackFake(Routing, Recording, ChatMethods, ViewMethods, PeopleMethods, FileMethods):
    """A Slack Web API stand-in on ``http://127.0.0.1:PORT/api/``.

    Use as a context manager (or :meth:`start`/:meth:`stop`) and point a real
    ``WebClient(token=DEFAULT_TOKEN, base_url=fake.base_url)`` at it.

    ``clock`` drives rate-limit windows and :attr:`Call.at`; ``wall_clock`` (epoch
    seconds) drives message ``ts`` and ``created`` stamps.  Both can be replaced
    so tests and sandbox runs are deterministic.

    Payloads are checked as strictly as Slack checks them (Block Kit, views,
    message content) and every refusal is recorded: :meth:`refusals` lists the
    calls Slack would have refused.  Users must be configured (``users=``), and
    DM/group DM ids must have been issued by the fake or declared with
    :meth:`add_channel`.  ``strict=False`` (the default) still accepts any
    well-formed public channel id (``C...``), since the fake cannot know a real
    workspace's channels; ``strict=True`` only accepts declared channels.
    """

    def _method_handlers(self) -> dict[str, MethodHandler]:
        return {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "blocks.validate": self._blocks_validate,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.members": self._conversations_members,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackFake:
        """Bind 127.0.0.1 and serve in a daemon thread; returns ``self``."""
        with self._lock:
            if self._server is not None:
                raise RuntimeError("SlackFake is already running")
            server = QuietServer(("127.0.0.1", self._port), Handler)
            server.fake = self
            self._server = server
            self._port = server.server_port
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"SlackFake:{self._port}",
                daemon=True,
            )
            self._thread.start()
            self.socket_mode.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server, self._thread = None, None
        self.socket_mode.stop()
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackFake:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -------------------------------------------------------------- configuration

    def add_token(self, token: str) -> None:
        """Accept another token (a second workspace or a rotated one)."""
        with self._lock:
            self._tokens.add(token)

    def revoke_token(self, token: str) -> None:
        """Make a token unknown so later calls get ``invalid_auth``."""
        with self._lock:
            self._tokens.discard(token)

    def set_rate_limit(
        self, method: str, calls: int, per_seconds: float, retry_after: int = 1
    ) -> None:
        """Allow ``calls`` per sliding ``per_seconds`` window, then answer 429.

        Refused calls do not use up the window, as with Slack's limiter.
        """
        if calls < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs calls >= 1 and per_seconds > 0")
        limit = RateLimit(calls, per_seconds, checked_retry(retry_after))
        with self._lock:
            self._limits.rate_limits[method] = limit

    def clear_rate_limit(self, method: str) -> None:
        """Remove the window set by :meth:`set_rate_limit`."""
        with self._lock:
            self._limits.rate_limits.pop(method, None)

    def fail_next(
        self,
        method: str,
        count: int = 1,
        status: int = 429,
        error: str | None = None,
        retry_after: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail, queued after earlier ones.

        ``status`` 429 sends ``Retry-After``; 5xx mimics an outage; 200 with an
        ``error`` is a one-off Slack-level refusal.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        failure = make_failure(status, error, retry_after)
        with self._lock:
            self._limits.fail_next.setdefault(method, deque()).extend([failure] * count)

    def fail_every(
        self,
        method: str,
        n: int,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """Fail every ``n``-th call of ``method`` from now on (n=2: 2nd, 4th, ...)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        failure = make_failure(status, error, retry_after)
        with self._lock:
            self._limits.fail_every[method] = EveryNth(n, failure)

    def clear_failures(self, method: str | None = None) -> None:
        """Drop scripted failures and persistent errors (for one method or all)."""
        with self._lock:
            self._limits.clear(method)

    def set_error(self, method: str, error_name: str | None) -> None:
        """Answer every authenticated call of ``method`` with this Slack error.

        ``None`` clears it.  Example: ``set_error("chat.postMessage", "not_in_channel")``.
        """
        with self._lock:
            if error_name is None:
                self._limits.errors.pop(method, None)
            else:
                self._limits.errors[method] = error_name

    def reset(self) -> None:
        """Back to a fresh workspace: no calls, messages, views, files or scripts.

        Users, channels, tokens and the port are kept.
        """
        with self._lock:
            self._calls.clear()
            self._internal_errors.clear()
            self._reset_state()
