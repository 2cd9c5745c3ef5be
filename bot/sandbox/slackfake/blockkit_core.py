"""The validator's machinery: problems with JSON pointers, and a checker that collects them.

Why separate from the rules: the wording of Slack's refusals (``must provide a
string``, ``must be less than N characters``, ``no more than N items allowed``,
``must provide at least N items``) lives here once, and every rule module
reports through it.  Slack states a maximum as the limit plus one ("less than
3001 characters" for 3,000), and so does this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def escape_pointer_token(token: str | int) -> str:
    """RFC 6901 escaping of one JSON pointer step."""
    return str(token).replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Problem:
    """One rule broken at one place of the payload."""

    message: str
    pointer: str
    constraint: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.message} [json-pointer:{self.pointer}]"

    def as_validate_error(self) -> dict[str, Any]:
        """The error object shape ``blocks.validate`` documents."""
        error: dict[str, Any] = {
            "code": "failed_constraint",
            "message": self.message,
            "pointer": self.pointer,
        }
        if self.constraint is not None:
            error["constraint"] = self.constraint
        return error


@dataclass
class Checker:
    """Collects every problem of one payload (Slack reports them all, not the first)."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, pointer: str, message: str, constraint: dict[str, Any] | None = None) -> None:
        """Record a broken rule."""
        self.problems.append(Problem(message, pointer, constraint))

    def obj(self, value: Any, pointer: str) -> dict[str, Any] | None:
        """``value`` as a JSON object, or a problem."""
        if isinstance(value, dict):
            return value
        self.add(pointer, "must provide an object")
        return None

    def string(
        self,
        parent: Mapping[str, Any],
        key: str,
        pointer: str,
        *,
        required: bool = False,
        max_len: int | None = None,
        min_len: int = 0,
    ) -> str | None:
        """A string field with Slack's length wording; ``None`` when absent or wrong."""
        where = f"{pointer}/{escape_pointer_token(key)}"
        if key not in parent or parent[key] is None:
            if required:
                self.add(where, "must provide a string")
            return None
        value = parent[key]
        if not isinstance(value, str):
            self.add(where, "must provide a string")
            return None
        if len(value) < min_len:
            self.add(where, f"must be more than {min_len - 1} characters", {"minLength": min_len})
        if max_len is not None and len(value) > max_len:
            self.add(where, f"must be less than {max_len + 1} characters", {"maxLength": max_len})
        return value

    def array(
        self,
        parent: Mapping[str, Any],
        key: str,
        pointer: str,
        *,
        required: bool = False,
        min_items: int = 0,
        max_items: int | None = None,
    ) -> list[Any] | None:
        """An array field with Slack's item-count wording."""
        where = f"{pointer}/{escape_pointer_token(key)}"
        if key not in parent or parent[key] is None:
            if required:
                self.add(where, "must provide an array")
            return None
        value = parent[key]
        if not isinstance(value, list):
            self.add(where, "must provide an array")
            return None
        if len(value) < min_items:
            self.add(where, f"must provide at least {min_items} items", {"minItems": min_items})
        if max_items is not None and len(value) > max_items:
            self.add(where, f"no more than {max_items} items allowed", {"maxItems": max_items})
        return value

    def enum(
        self, parent: Mapping[str, Any], key: str, pointer: str, allowed: tuple[str, ...]
    ) -> None:
        """An optional string field restricted to ``allowed``."""
        value = self.string(parent, key, pointer)
        if value is not None and value not in allowed:
            # Wording chosen here: Slack's docs show none for enum fields other than `type`.
            self.add(
                f"{pointer}/{key}",
                f"must be one of: {', '.join(allowed)}",
                {"type": "enum", "expected": list(allowed)},
            )

    def unique(self, seen: dict[str, str], value: str | None, pointer: str) -> None:
        """Record ``value`` at ``pointer``; a repeat is a problem at the repeat."""
        if value is None:
            return
        if value in seen:
            # Wording chosen here: Slack's exact text for duplicates is not documented.
            self.add(pointer, "must be unique", {"type": "unique", "first": seen[value]})
        else:
            seen[value] = pointer
