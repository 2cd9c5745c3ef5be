"""The one kind of error a person is shown.

Domain code raises a :class:`UserError` (or a subclass) when a request cannot be
carried out; its message is the reply, written for the person who asked, and by
the time it is raised nothing has been changed. Each surface (the ``/ally``
dispatcher, buttons, modals, the App Home, the CLI) turns it into a reply in
exactly one place, so no feature repeats ``except X: return reply(str(exc))``.
"""

from __future__ import annotations


class UserError(Exception):
    """A request that cannot be carried out; ``str(exc)`` is the reply (mrkdwn)."""
