"""Identity and conversation methods: ``api.test``, ``auth.test``,
``conversations.open``, ``conversations.members``, ``users.info`` and ``users.list``.

Why together: they answer who is who (the bot, members, DM and group DM
channels), which the messaging methods then rely on.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .models import CHANNEL_ID, MAX_MPIM_USERS, SlackError
from .state import FakeState
from .wire import stable_id, text_arg, truthy


class PeopleMethods(FakeState):
    """Handlers for auth, users and conversations."""

    def _api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        """Echoes its args; an ``error`` arg is answered as that error, like Slack."""
        error = args.get("error")
        if isinstance(error, str) and error:
            return {"ok": False, "error": error, "args": args}
        return {"ok": True, "args": args}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://allybot-test.slack.com/",
            "team": self.team_name,
            "user": "allybot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """1 user -> stable ``D`` id, 2-8 users -> stable ``G`` id whatever the order."""
        channel = text_arg(args, "channel")
        raw_users = args.get("users")
        if channel:
            if channel in self._im_user:
                return self._opened_reply(channel, args, members=(self._im_user[channel],))
            if channel in self._mpim_members:
                return self._opened_reply(channel, args, members=self._mpim_members[channel])
            if CHANNEL_ID.fullmatch(channel) and channel[0] == "C":
                raise SlackError("method_not_supported_for_channel_type")
            raise SlackError("channel_not_found")
        if isinstance(raw_users, list):
            listed = [str(user) for user in raw_users]
        elif isinstance(raw_users, str):
            listed = raw_users.split(",")
        elif raw_users is None:
            listed = []
        else:
            raise SlackError("invalid_arguments", "users must be a comma-separated string")
        ids = list(dict.fromkeys(user.strip() for user in listed if user.strip()))
        if not ids:
            raise SlackError("users_list_not_supplied")
        others = [user for user in ids if user != self.bot_user_id]
        if not others:
            raise SlackError("not_enough_users")
        if len(others) > MAX_MPIM_USERS:
            raise SlackError("too_many_users")
        for user in others:
            self._check_user(user, for_dm=True)
            known = self._users.get(user)
            if len(others) == 1 and known is not None and known.is_bot:
                raise SlackError("cannot_dm_bot")
        if len(others) == 1:
            channel_id = self._dm_id(others[0])
            self._im_user[channel_id] = others[0]
        else:
            members = tuple(sorted(others))
            channel_id = stable_id("G", "mpim:" + ",".join(members))
            self._mpim_members[channel_id] = members
        members_tuple = (others[0],) if len(others) == 1 else tuple(sorted(others))
        return self._opened_reply(channel_id, args, members=members_tuple)

    def _opened_reply(
        self, channel_id: str, args: dict[str, Any], members: tuple[str, ...]
    ) -> dict[str, Any]:
        already_open = channel_id in self._opened
        self._opened.add(channel_id)
        reply: dict[str, Any] = {"ok": True}
        if already_open:
            reply["no_op"] = True
            reply["already_open"] = True
        if not truthy(args.get("return_im")):
            reply["channel"] = {"id": channel_id}
            return reply
        created = int(self._wall_clock())
        if channel_id.startswith("D"):
            reply["channel"] = {
                "id": channel_id,
                "created": created,
                "is_im": True,
                "is_org_shared": False,
                "user": members[0],
                "is_user_deleted": False,
                "priority": 0,
                "last_read": "0000000000.000000",
                "latest": None,
                "unread_count": 0,
                "unread_count_display": 0,
                "is_open": True,
            }
        else:
            reply["channel"] = {
                "id": channel_id,
                "name": "mpdm-" + "--".join(members) + "-1",
                "created": created,
                "is_mpim": True,
                "is_private": True,
                "is_group": False,
                "is_open": True,
                "members": [self.bot_user_id, *members],
            }
        return reply

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """Profile with ``tz``/``tz_offset``; unknown or missing user -> ``user_not_found``."""
        user_id = text_arg(args, "user")
        user = self._users.get(user_id or "")
        if user is None:
            raise SlackError("user_not_found")
        zone = ZoneInfo(user.tz)
        local_now = datetime.now(UTC).astimezone(zone)
        offset = local_now.utcoffset()
        tz_offset = user.tz_offset
        if tz_offset is None:
            tz_offset = int(offset.total_seconds()) if offset is not None else 0
        name = user.name or (user.real_name.lower().replace(" ", ".") or user.id.lower())
        profile: dict[str, Any] = {
            "real_name": user.real_name,
            "display_name": user.real_name,
            "real_name_normalized": user.real_name,
        }
        if user.email:
            profile["email"] = user.email
        info: dict[str, Any] = {
            "id": user.id,
            "team_id": user.team_id or self.team_id,
            "name": name,
            "real_name": user.real_name,
            "deleted": user.deleted,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "is_restricted": user.is_restricted or user.is_ultra_restricted,
            "is_ultra_restricted": user.is_ultra_restricted,
            "tz": user.tz,
            "tz_label": local_now.tzname() or user.tz,
            "tz_offset": tz_offset,
            "profile": profile,
        }
        if truthy(args.get("include_locale")):
            info["locale"] = "en-US"
        return {"ok": True, "user": info}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """The workspace's own accounts (people from other organisations never appear),
        a page at a time: ``limit`` (default 200) and an opaque ``cursor``."""
        own = sorted(uid for uid, u in self._users.items() if u.team_id in (None, self.team_id))
        page, next_cursor = _page(own, args)
        members = [self._users_info({"user": uid})["user"] for uid in page]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        """Member ids of a declared channel, paged like ``users.list``."""
        channel = text_arg(args, "channel") or ""
        if channel not in self._channels:
            raise SlackError("channel_not_found")
        page, next_cursor = _page(list(self._channel_members.get(channel, [])), args)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}


def _page(items: list[str], args: dict[str, Any]) -> tuple[list[str], str]:
    """One page of ``items`` from Slack-style ``cursor``/``limit`` args."""
    raw_limit = args.get("limit")
    try:
        limit = int(raw_limit) if raw_limit not in (None, "", 0, "0") else 200
    except (TypeError, ValueError) as exc:
        raise SlackError("invalid_limit") from exc
    if not 1 <= limit <= 1000:
        raise SlackError("invalid_limit")
    cursor = text_arg(args, "cursor") or ""
    start = 0
    if cursor:
        try:
            start = int(base64.b64decode(cursor.encode("ascii")).decode("ascii").split(":")[1])
        except (ValueError, IndexError, UnicodeDecodeError) as exc:
            raise SlackError("invalid_cursor") from exc
    end = start + limit
    following = base64.b64encode(f"next:{end}".encode("ascii")).decode("ascii")
    return items[start:end], following if end < len(items) else ""
