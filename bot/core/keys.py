"""The master secret and every key derived from it.

One secret, ``ALLYBOT_SECRET_KEY`` (or the 0600 key file named by
``ALLYBOT_SECRET_KEY_FILE``), is the root of every long-lived key: each purpose gets
its own key through HKDF, so a key used to hash reply tokens can never be confused
with the one that wraps journal keys. The weekly feedback-quota key is not derived:
it is random, kept in the database, and deleted when its week closes, so nothing can
recompute a closed week's quota keys, not even with this secret.

The database keeps the secret's fingerprint (an HKDF output, not a hash of the
secret). The bot refuses to start with a different secret, or to create a new one,
while sealed rows exist: they could never be opened again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.core.config import ConfigError, Settings, decode_master_key
from storage import keyring, sealing
from storage.db import Database

KEY_BYTES = 32


class Keys:
    """The master secret, held in memory only, and the keys derived from it."""

    def __init__(self, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise ValueError("the master key is 32 bytes")
        self._master = master
        self._derived: dict[str, bytes] = {}

    @property
    def master(self) -> bytes:
        return self._master

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (HKDF-SHA256 with the purpose as info)."""
        if purpose not in self._derived:
            self._derived[purpose] = sealing.derive(self._master, purpose)
        return self._derived[purpose]

    @property
    def fingerprint(self) -> str:
        """Identifies the secret in the database without revealing it."""
        return self.derive("fingerprint").hex()[:32]

    def keyed_hash(self, purpose: str, message: str) -> str:
        """HMAC-SHA256 of ``message`` under the purpose's derived key, as hex."""
        return hmac.new(self.derive(purpose), message.encode(), hashlib.sha256).hexdigest()


def new_master_key_text() -> str:
    return secrets.token_bytes(KEY_BYTES).hex()


def read_or_create(settings: Settings, *, may_create: bool) -> Keys:
    """The master key from the environment or the key file (created 0600 if allowed)."""
    if settings.secret_key:
        master = decode_master_key(settings.secret_key)
        if master is None:
            raise ConfigError("ALLYBOT_SECRET_KEY", "must be 32 random bytes as hex or base64url")
        return Keys(master)
    path = Path(settings.secret_key_file)
    if not path.exists():
        if not may_create:
            raise ConfigError(
                "ALLYBOT_SECRET_KEY",
                f"is not set and {path} is missing, but the database holds encrypted rows; "
                "restore the key from your backup (a new key could never open them)",
            )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_master_key_text() + "\n")
    if path.stat().st_mode & 0o077:
        raise ConfigError(
            "ALLYBOT_SECRET_KEY_FILE", f"{path} is readable by other users; chmod 600 it"
        )
    master = decode_master_key(path.read_text().strip())
    if master is None:
        raise ConfigError("ALLYBOT_SECRET_KEY_FILE", f"{path} does not hold a 32-byte key")
    return Keys(master)


def open_keys(settings: Settings, db: Database) -> Keys:
    """The master key, checked against the fingerprint the database remembers.

    Refuses (one-line :class:`ConfigError`) a different key, or a missing one, while
    sealed rows exist; records the fingerprint once the schema is there.
    """
    sealed = keyring.sealed_rows(db)
    keys = read_or_create(settings, may_create=not sealed)
    stored = keyring.stored_fingerprint(db)
    if stored is not None and stored != keys.fingerprint and sealed:
        raise ConfigError(
            "ALLYBOT_SECRET_KEY",
            "is not the key this database's encrypted rows were sealed with; "
            "restore the original key from your backup",
        )
    keyring.record_fingerprint(db, keys.fingerprint)
    return keys
