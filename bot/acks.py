"""Answer Slack the moment a listener calls ``ack()``, not at Bolt's next 10 ms poll.

Why: allybot runs Bolt with ``process_before_response=False``, which is what
lets a slow command acknowledge at once and carry on with its work. In that
mode Bolt runs each listener on its ``listener_executor`` and the request's own
thread waits for the acknowledgement by polling ``ack.response`` with
``time.sleep(0.01)``. Measured on ``allybot serve``, a request whose listener
needs 0.5-3 ms was answered after 10.5 ms every time, and under fifty clients
the sixty-odd waiting threads, each waking a hundred times a second, took the
interpreter lock from the threads doing the work.

Here the request's thread waits on an event instead. :func:`middleware` puts a
:class:`SignallingAck` (Bolt's own ``Ack`` that also sets an event) into the
context before any listener reads it, and :class:`ListenerExecutor`, Bolt's
listener executor, returns from ``submit`` only once that ack was called, the
listener finished without calling it, or Bolt's acknowledgement timeout passed.
When ``submit`` returns, Bolt's loop finds the response already there and never
sleeps. What Bolt does with the response, a missing ack or an error is unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse

#: Bolt's default ``ack_timeout`` for a listener: after it, Bolt's own loop decides.
ACK_TIMEOUT_SECONDS = 3.0

P = ParamSpec("P")
T = TypeVar("T")


class SignallingAck(Ack):
    """Bolt's ``Ack``, which also says when it has been called."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Bolt leaves it untyped
        self.called = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.called.set()


#: The ack of the request this thread is dispatching, until its listener is submitted.
_awaited: ContextVar[SignallingAck | None] = ContextVar("allybot_awaited_ack", default=None)


class ListenerExecutor(ThreadPoolExecutor):
    """Bolt's listener executor: ``submit`` returns once the request is acknowledged.

    Only the first submit of a request waits (Bolt submits one listener per
    request); anything else submitted, by Bolt or by us, is an ordinary submit.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = super().submit(fn, *args, **kwargs)
        ack = _awaited.get()
        if ack is not None:
            _awaited.set(None)
            future.add_done_callback(lambda _done: ack.called.set())
            ack.called.wait(ACK_TIMEOUT_SECONDS)
        return future


def middleware(
    request: BoltRequest, context: BoltContext, next: Callable[[], BoltResponse]
) -> BoltResponse:
    """Give the request an ack the executor can wait on, before any listener runs.

    Bolt creates a plain ``Ack`` as soon as anything asks for the context's
    arguments (a middleware does), and nothing has called it yet here; it is
    replaced by a :class:`SignallingAck`. Bolt runs every global middleware to
    completion before it looks for a listener, so the ack is handed over through
    this thread's context variable and taken by the listener's ``submit``; the
    next request on this thread replaces it. An ack already called (or of another
    kind) is left alone, and Bolt's polling applies.
    """
    current = context.get("ack")
    if current is not None and (type(current) is not Ack or current.response is not None):
        _awaited.set(None)
        return next()
    ack = SignallingAck()
    context["ack"] = ack
    _awaited.set(ack)
    return next()
