"""AES-GCM sealing and HKDF derivation, shared by the bot and the migrations.

No SQL and no Slack: the primitives come from the ``cryptography`` package. The
migration that encrypts journals written before encryption existed uses the same
functions as the running bot, so both produce the same format.
"""

from __future__ import annotations

import json
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
KEY_BYTES = 32
JOURNAL_WRAP = "journal-key-wrap"


def derive(master: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (HKDF-SHA256, the purpose as info)."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"allybot/" + purpose.encode()
    )
    return hkdf.derive(master)


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """AES-GCM with a random nonce; the associated data binds the ciphertext to its row."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, blob: bytes, associated: bytes) -> bytes:
    """Open what :func:`seal` made; raises ``cryptography.exceptions.InvalidTag`` if altered."""
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated)


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _member_ad(team_id: str, member_id: int) -> bytes:
    return f"member-key:{team_id}:{member_id}".encode()


def wrap_member_key(kek: bytes, data_key: bytes, team_id: str, member_id: int) -> bytes:
    return seal(kek, data_key, _member_ad(team_id, member_id))


def unwrap_member_key(kek: bytes, wrapped: bytes, team_id: str, member_id: int) -> bytes:
    return unseal(kek, wrapped, _member_ad(team_id, member_id))


def _entry_ad(team_id: str, member_id: int, entry_id: int) -> bytes:
    return f"journal:{team_id}:{member_id}:{entry_id}".encode()


def seal_entry(
    data_key: bytes, team_id: str, member_id: int, entry_id: int, prompt: str, text: str
) -> bytes:
    plain = json.dumps({"prompt": prompt, "text": text}).encode()
    return seal(data_key, plain, _entry_ad(team_id, member_id, entry_id))


def unseal_entry(
    data_key: bytes, team_id: str, member_id: int, entry_id: int, blob: bytes
) -> tuple[str, str]:
    data = json.loads(unseal(data_key, blob, _entry_ad(team_id, member_id, entry_id)))
    return str(data["prompt"]), str(data["text"])
