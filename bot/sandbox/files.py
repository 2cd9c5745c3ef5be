"""The sandbox's own files: its database, its key and its state, in one directory.

Why separate files from a real deployment's: the sandbox must never touch
``allybot.db`` or use a real token, and ``--reset`` must start fresh by removing
exactly what the sandbox created and nothing else.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

DB_NAME = "sandbox.db"
KEY_NAME = "sandbox.key"
MASTER_KEY_NAME = "sandbox-master.key"
STATE_NAME = "sandbox.json"
#: SQLite's companions of the database file, removed with it on reset.
DB_COMPANIONS = ("-wal", "-shm", "-journal")


class SandboxFiles:
    """Paths of the sandbox's database, key file and state file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.db_path = directory / DB_NAME
        self.key_path = directory / KEY_NAME
        #: The master secret (``ALLYBOT_SECRET_KEY_FILE``) of the sandbox's own bot.
        self.master_key_path = directory / MASTER_KEY_NAME
        self.state_path = directory / STATE_NAME

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def exists(self) -> bool:
        """Whether a previous run left a database to continue from."""
        return self.db_path.exists()

    def reset(self) -> None:
        """Remove the database (and its journals), the key and the state."""
        paths = [self.db_path, self.key_path, self.master_key_path, self.state_path]
        paths += [self.db_path.with_name(DB_NAME + suffix) for suffix in DB_COMPANIONS]
        for path in paths:
            path.unlink(missing_ok=True)

    def secret(self) -> str:
        """The sandbox's signing secret, created once (mode 0600) and kept.

        Kept between runs because the bot derives keys from it (the anonymous
        feedback quota, for one), so a restart must not change it.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            value = self.key_path.read_text(encoding="ascii").strip()
            if len(value) < 32:
                raise ValueError(f"{self.key_path} is damaged; start with --reset") from None
            return value
        value = secrets.token_hex(32)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
        return value

    def load_state(self) -> dict[str, Any]:
        """The saved state, or an empty one (a damaged file is started afresh)."""
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_state(self, state: dict[str, Any]) -> None:
        """Write atomically, so a kill mid-write leaves the previous state whole."""
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_name(STATE_NAME + ".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.state_path)
