"""The external file upload chain: ``files.getUploadURLExternal``, the upload
URL itself (served by the fake) and ``files.completeUploadExternal``.

Why separate: ``files_upload_v2`` chains three requests, and its bookkeeping
(pending uploads, completed files) is independent of messages and views.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from .models import FakeFile, SlackError, Upload
from .state import FakeState
from .wire import required, text_arg


class FileMethods(FakeState):
    """Handlers for the external upload chain."""

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = required(args, "filename")
        raw_length = required(args, "length")
        try:
            length = int(raw_length)
        except ValueError:
            raise SlackError("invalid_arguments", "length must be an integer") from None
        if length < 0:
            raise SlackError("invalid_arguments", "length must not be negative")
        file_id = self._next_id("F")
        self._uploads[file_id] = Upload(file_id, filename, length, text_arg(args, "alt_txt"))
        return {
            "ok": True,
            "upload_url": f"{self.root_url}/upload/v1/{file_id}",
            "file_id": file_id,
        }

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        """Completes uploads; a file never uploaded or unknown -> ``file_not_found``."""
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments", "files must be a non-empty JSON array")
        entries: list[tuple[Upload, str]] = []
        for entry in files:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise SlackError("invalid_arguments", "each file needs an id")
            upload = self._uploads.get(entry["id"])
            if upload is None or upload.content is None or upload.completed:
                raise SlackError("file_not_found")
            title = entry.get("title")
            entries.append((upload, title if isinstance(title, str) and title else upload.filename))
        channel_arg = text_arg(args, "channel_id")
        channel_id = self._resolve_channel(channel_arg) if channel_arg else None
        raw_channels = text_arg(args, "channels") or ""
        channels = [self._resolve_channel(c.strip()) for c in raw_channels.split(",") if c.strip()]
        shared = tuple(dict.fromkeys([*([channel_id] if channel_id else []), *channels]))
        initial_comment = text_arg(args, "initial_comment")
        thread_ts = text_arg(args, "thread_ts")
        answered = []
        for upload, title in entries:
            upload.completed = True
            content = upload.content or b""
            self._files.append(
                FakeFile(
                    id=upload.file_id,
                    filename=upload.filename,
                    title=title,
                    content=content,
                    channel_id=channel_id,
                    channels=shared,
                    initial_comment=initial_comment,
                    thread_ts=thread_ts,
                    alt_txt=upload.alt_txt,
                )
            )
            mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            answered.append(
                {
                    "id": upload.file_id,
                    "created": int(self._wall_clock()),
                    "name": upload.filename,
                    "title": title,
                    "mimetype": mimetype,
                    "size": len(content),
                    "user": self.bot_user_id,
                    "channels": list(shared),
                }
            )
        return {"ok": True, "files": answered}
