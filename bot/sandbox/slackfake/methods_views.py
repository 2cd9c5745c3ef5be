"""``views.*`` Web API methods: publish (App Home), open, push and update (modals).

Why separate: views carry their own rules (type, title, submit, metadata,
external ids, hashes) and their own storage of view ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .blockkit import check_view
from .models import SlackError
from .state import FakeState
from .wire import required, text_arg


class ViewMethods(FakeState):
    """Handlers for ``views.publish``, ``views.open``, ``views.push`` and ``views.update``."""

    def _check_view(self, view: Any, kinds: tuple[str, ...]) -> dict[str, Any]:
        """Refuse views Slack refuses: ``invalid_arguments`` with every problem listed.

        Slack answers view problems as ``invalid_arguments`` (not ``invalid_blocks``)
        with ``[ERROR] ... [json-pointer:/view/...]`` lines in
        ``response_metadata.messages``; the fake does the same.
        """
        problems = check_view(view, "/view", kinds)
        if problems or not isinstance(view, dict):
            raise SlackError("invalid_arguments", errors=[str(p) for p in problems])
        return view

    def _store_view(
        self, view: dict[str, Any], view_id: str | None, root_view_id: str | None = None
    ) -> dict[str, Any]:
        new_id = view_id or self._next_id("V")
        external_id = view.get("external_id") or ""
        if external_id:
            owner = self._view_by_external_id.get(external_id)
            if owner is not None and owner != new_id:
                raise SlackError("duplicate_external_id")
            self._view_by_external_id[external_id] = new_id
        stored = {
            "id": new_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self._wall_clock())}.{next(self._ids):08x}",
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": None,
            "root_view_id": root_view_id or new_id,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[new_id] = stored
        return {"ok": True, "view": stored}

    def _check_hash(self, view_id: str, args: Mapping[str, Any]) -> None:
        supplied = text_arg(args, "hash")
        if supplied and supplied != self._views[view_id]["hash"]:
            raise SlackError("hash_conflict")

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """App Home: one view per user, so its id is stable across publishes."""
        user_id = required(args, "user_id")
        self._check_user(user_id, for_dm=False)
        view = self._check_view(args.get("view"), ("home",))
        existing = self._home_view_by_user.get(user_id)
        if existing is not None:
            self._check_hash(existing, args)
        reply = self._store_view(view, existing)
        self._home_view_by_user[user_id] = reply["view"]["id"]
        return reply

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        required(args, "trigger_id")
        return self._store_view(self._check_view(args.get("view"), ("modal",)), None)

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        required(args, "trigger_id")
        return self._store_view(self._check_view(args.get("view"), ("modal",)), None)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = text_arg(args, "view_id")
        external_id = text_arg(args, "external_id")
        if not view_id and not external_id:
            raise SlackError("invalid_arguments", "view_id or external_id is required")
        if not view_id:
            view_id = self._view_by_external_id.get(external_id or "")
        if not view_id or view_id not in self._views:
            raise SlackError("not_found")
        view = self._check_view(args.get("view"), ("modal", "home"))
        self._check_hash(view_id, args)
        return self._store_view(view, view_id, self._views[view_id]["root_view_id"])
