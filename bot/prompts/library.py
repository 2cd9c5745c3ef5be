"""The reflection-prompt library: what a prompt is, and how a library is read and written.

The library is plain TOML (``bot/data/prompts.toml`` ships with the package) so a
programme lead can review, reword or extend it without touching code. Because a
hand-edited file is easy to get subtly wrong, :func:`parse_library` checks every
entry and names the offending prompt in its :class:`LibraryError`, and
:func:`dump_library` writes the same format back so an edited library can be
exported and re-imported without loss.

Pure module: no Slack and no database imports.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final, Literal

from bot.core.errors import UserError

#: The curriculum's themes, in the order a member walks through them.
THEMES: Final[tuple[str, ...]] = (
    "privilege",
    "unconscious-bias",
    "microaggressions",
    "listening",
    "amplifying-others",
    "sponsorship",
    "intersectionality",
    "accountability",
    "allyship-at-home",
    "allyship-in-meetings",
)

#: Who a prompt is written for. "everyone" prompts go to allies and colleagues alike.
AUDIENCES: Final[tuple[str, ...]] = ("allies", "colleagues", "everyone")

#: The two roles a member can have in a pairing.
ROLES: Final[tuple[str, ...]] = ("ally", "colleague")

Role = Literal["ally", "colleague"]

#: Texts must stay *under* 300 characters so a prompt reads as one glance in Slack.
MAX_TEXT_LENGTH: Final = 299
#: A content note is a short heads-up, not a second prompt.
MAX_CONTENT_NOTE_LENGTH: Final = 120
MAX_ID_LENGTH: Final = 64

_ID_PATTERN: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ROLE_AUDIENCES: Final[Mapping[str, frozenset[str]]] = {
    "ally": frozenset({"allies", "everyone"}),
    "colleague": frozenset({"colleagues", "everyone"}),
}
_REQUIRED_KEYS: Final = ("id", "theme", "audience", "order", "text")
_OPTIONAL_KEYS: Final = ("content_note", "enabled")
_KNOWN_KEYS: Final = frozenset(_REQUIRED_KEYS + _OPTIONAL_KEYS)

_HEADER: Final = (
    "# allybot reflection-prompt library.\n"
    "# One [[prompts]] table per prompt. Keys: id, theme, audience, order, text,\n"
    "# and optionally content_note and enabled (defaults to true).\n"
)


class LibraryError(UserError, ValueError):
    """A prompt library that cannot be used; the message says which prompt and why."""


@dataclass(frozen=True)
class Prompt:
    """One reflection prompt.

    Validated on construction, so every ``Prompt`` in the program is one that
    :func:`dump_library` can write and :func:`parse_library` can read back: the
    rotation and scheduling code never has to second-guess its input.
    """

    id: str
    theme: str
    audience: str
    text: str
    order: int
    content_note: str | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID_PATTERN.fullmatch(self.id):
            raise LibraryError(
                f"id {self.id!r} is not a slug (lower-case letters, digits and single hyphens)"
            )
        if len(self.id) > MAX_ID_LENGTH:
            raise LibraryError(f"id {self.id!r} is longer than {MAX_ID_LENGTH} characters")
        if self.theme not in THEMES:
            raise LibraryError(
                f"unknown theme {self.theme!r}; expected one of: {', '.join(THEMES)}"
            )
        if self.audience not in AUDIENCES:
            raise LibraryError(
                f"unknown audience {self.audience!r}; expected one of: {', '.join(AUDIENCES)}"
            )
        if not isinstance(self.text, str) or not self.text.strip():
            raise LibraryError("text is empty")
        if self.text != self.text.strip():
            raise LibraryError("text has leading or trailing whitespace")
        if len(self.text) > MAX_TEXT_LENGTH:
            raise LibraryError(
                f"text is {len(self.text)} characters; the limit is {MAX_TEXT_LENGTH}"
            )
        # bool is an int subclass; "order = true" is a typo, not an order.
        if not isinstance(self.order, int) or isinstance(self.order, bool) or self.order < 1:
            raise LibraryError(f"order must be a positive integer, got {self.order!r}")
        if self.content_note is not None:
            note = self.content_note
            if not isinstance(note, str) or not note.strip():
                raise LibraryError("content_note is empty; omit it instead")
            if note != note.strip():
                raise LibraryError("content_note has leading or trailing whitespace")
            if len(note) > MAX_CONTENT_NOTE_LENGTH:
                raise LibraryError(
                    f"content_note is {len(note)} characters; "
                    f"the limit is {MAX_CONTENT_NOTE_LENGTH}"
                )
        if not isinstance(self.enabled, bool):
            raise LibraryError(f"enabled must be true or false, got {self.enabled!r}")


def curriculum_key(prompt: Prompt) -> tuple[int, int, str]:
    """Sort key for the curriculum: theme in :data:`THEMES` order, then ``order``, then id.

    The id tie-break keeps the order total (and so deterministic) even for a
    library built in code that was never checked by :func:`validate_library`.
    """
    return (THEMES.index(prompt.theme), prompt.order, prompt.id)


def validate_library(prompts: Sequence[Prompt]) -> None:
    """Check the rules that span prompts: at least one prompt, unique ids, unique orders.

    ``order`` must be unique inside a theme so that "the next prompt of this
    theme" never depends on the order prompts happen to be listed in the file.
    """
    if not prompts:
        raise LibraryError("the library has no prompts")
    seen_ids: dict[str, int] = {}
    seen_orders: dict[tuple[str, int], str] = {}
    for index, prompt in enumerate(prompts, start=1):
        if prompt.id in seen_ids:
            raise LibraryError(
                f"prompt #{index}: duplicate id {prompt.id!r} (first used by prompt "
                f"#{seen_ids[prompt.id]})"
            )
        seen_ids[prompt.id] = index
        key = (prompt.theme, prompt.order)
        if key in seen_orders:
            raise LibraryError(
                f"prompt #{index} ({prompt.id!r}): order {prompt.order} is already used "
                f"in theme {prompt.theme!r} by {seen_orders[key]!r}"
            )
        seen_orders[key] = prompt.id


def _prompt_from_table(index: int, table: Any) -> Prompt:
    """Build one prompt from its TOML table, naming it in any error."""
    if not isinstance(table, dict):
        raise LibraryError(f"prompt #{index}: expected a [[prompts]] table")
    label = f"prompt #{index}"
    if isinstance(table.get("id"), str):
        label += f" ({table['id']!r})"
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise LibraryError(f"{label}: unknown key(s) {', '.join(unknown)}")
    missing = [key for key in _REQUIRED_KEYS if key not in table]
    if missing:
        raise LibraryError(f"{label}: missing key(s) {', '.join(missing)}")
    for key in ("id", "theme", "audience", "text"):
        if not isinstance(table[key], str):
            raise LibraryError(f"{label}: {key} must be a string")
    note = table.get("content_note")
    if note is not None and not isinstance(note, str):
        raise LibraryError(f"{label}: content_note must be a string")
    try:
        return Prompt(
            id=table["id"],
            theme=table["theme"],
            audience=table["audience"],
            # Hand-written multi-line strings often carry a trailing newline.
            text=table["text"].strip(),
            order=table["order"],
            content_note=note.strip() if isinstance(note, str) else None,
            enabled=table.get("enabled", True),
        )
    except LibraryError as exc:
        raise LibraryError(f"{label}: {exc}") from None


def parse_library(toml_text: str) -> list[Prompt]:
    """Parse and validate a TOML prompt library, in file order.

    Raises :class:`LibraryError` for malformed TOML, unknown keys, themes or
    audiences, duplicate ids or orders, and empty or over-long texts.
    """
    try:
        document = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(f"not valid TOML: {exc}") from None
    extra = sorted(set(document) - {"prompts"})
    if extra:
        raise LibraryError(f"unknown top-level key(s) {', '.join(extra)}")
    tables = document.get("prompts")
    if tables is None:
        raise LibraryError("the library has no prompts (expected [[prompts]] tables)")
    if not isinstance(tables, list):
        raise LibraryError("prompts must be an array of tables ([[prompts]])")
    prompts = [_prompt_from_table(index, table) for index, table in enumerate(tables, start=1)]
    validate_library(prompts)
    return prompts


def _toml_string(value: str) -> str:
    """A TOML basic string; escapes everything TOML forbids raw, so any text survives."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def dump_library(prompts: Iterable[Prompt]) -> str:
    """Write prompts as TOML that :func:`parse_library` reads back to equal prompts.

    Hand-rolled rather than a TOML-writer dependency: the format is flat and
    fixed, so a few lines keep the install small. ``enabled`` is written only
    when false, to keep diffs of a reviewed library quiet.
    """
    prompt_list = list(prompts)
    validate_library(prompt_list)
    blocks = [_HEADER]
    for prompt in prompt_list:
        lines = [
            "[[prompts]]",
            f"id = {_toml_string(prompt.id)}",
            f"theme = {_toml_string(prompt.theme)}",
            f"audience = {_toml_string(prompt.audience)}",
            f"order = {prompt.order}",
            f"text = {_toml_string(prompt.text)}",
        ]
        if prompt.content_note is not None:
            lines.append(f"content_note = {_toml_string(prompt.content_note)}")
        if not prompt.enabled:
            lines.append("enabled = false")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


@functools.cache
def _default_library() -> tuple[Prompt, ...]:
    text = resources.files("bot").joinpath("data").joinpath("prompts.toml")
    return tuple(parse_library(text.read_text(encoding="utf-8")))


def load_default_library() -> list[Prompt]:
    """The library shipped with allybot, parsed once per process.

    Read through :mod:`importlib.resources` so it works from a wheel or zip, not
    only from a source checkout. Returns a fresh list each time so a caller can
    filter or reorder it without affecting anyone else.
    """
    return list(_default_library())


def prompts_for_audience(prompts: Iterable[Prompt], role: Role | str) -> list[Prompt]:
    """The enabled prompts a member with ``role`` ("ally" or "colleague") may receive.

    Allies get "allies" and "everyone" prompts; colleagues get "colleagues" and
    "everyone" prompts. Returned in curriculum order (see :func:`curriculum_key`).
    """
    audiences = _ROLE_AUDIENCES.get(role)
    if audiences is None:
        raise ValueError(f"unknown role {role!r}; expected one of: {', '.join(ROLES)}")
    chosen = [p for p in prompts if p.enabled and p.audience in audiences]
    return sorted(chosen, key=curriculum_key)
