"""Block Kit blocks, messages and views, validated as strictly as Slack does.

Entry points: :func:`check_message_blocks` (``chat.*``, response URLs),
:func:`check_view` (``views.*``) and :func:`validate_payload`
(``blocks.validate``).  Each returns every :class:`Problem` found, with JSON
pointers in Slack's ``[json-pointer:/blocks/3/elements/1/action_id]`` form.

Limits enforced (Slack's Block Kit reference): 50 blocks per message, 100 per
modal or Home tab; ``block_id`` 255 chars, unique per message/view; ``action_id``
255 chars, unique among the elements of one block; actions 1-25 elements,
context 1-10; section text 3,000 or 1-10 fields of 2,000; header plain_text 150;
input label 2,000 with an input element; image ``image_url`` + ``alt_text``.
Element and composition-object rules live in :mod:`.blockkit_objects`.

Deliberately not enforced: uniqueness of ``action_id`` across *different*
blocks of a view.  Slack documents uniqueness only "among all other action_ids
in the containing block", and view state is keyed by block_id then action_id,
so two input blocks may both use ``action_id="value"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .blockkit_core import Checker, Problem
from .blockkit_objects import (
    ACCESSORY_ELEMENTS,
    INPUT_ELEMENTS,
    INTERACTIVE_ELEMENTS,
    check_element,
    check_image_element,
    check_text,
)

__all__ = [
    "MAX_MESSAGE_BLOCKS",
    "MAX_VIEW_BLOCKS",
    "Problem",
    "check_message_blocks",
    "check_view",
    "validate_payload",
]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_TEXT_CHARS = 24
MAX_PRIVATE_METADATA_CHARS = 3_000
KNOWN_BLOCKS = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
_CONTEXT_ELEMENTS = frozenset({"image", "plain_text", "mrkdwn"})


def _check_section(c: Checker, block: Mapping[str, Any], pointer: str, ids: dict[str, str]) -> None:
    has_text = "text" in block and block["text"] is not None
    fields = c.array(block, "fields", pointer, min_items=1, max_items=10)
    if has_text:
        check_text(c, block["text"], f"{pointer}/text", max_len=3000)
    for index, field_value in enumerate(fields or []):
        check_text(c, field_value, f"{pointer}/fields/{index}", max_len=2000)
    if not has_text and "fields" not in block:
        # Slack's wording and pointer, as seen in real invalid_blocks answers.
        c.add(f"{pointer}/type", "must define either `text` or `fields`")
    if "accessory" in block:
        accessory = check_element(c, block["accessory"], f"{pointer}/accessory", ACCESSORY_ELEMENTS)
        if accessory is not None:
            c.unique(ids, _str(accessory.get("action_id")), f"{pointer}/accessory/action_id")


def _check_actions(c: Checker, block: Mapping[str, Any], pointer: str, ids: dict[str, str]) -> None:
    elements = c.array(block, "elements", pointer, required=True, min_items=1, max_items=25)
    for index, value in enumerate(elements or []):
        where = f"{pointer}/elements/{index}"
        element = check_element(c, value, where, INTERACTIVE_ELEMENTS)
        if element is not None:
            c.unique(ids, _str(element.get("action_id")), f"{where}/action_id")


def _check_context(c: Checker, block: Mapping[str, Any], pointer: str, ids: dict[str, str]) -> None:
    elements = c.array(block, "elements", pointer, required=True, min_items=1, max_items=10)
    for index, value in enumerate(elements or []):
        where = f"{pointer}/elements/{index}"
        element = c.obj(value, where)
        if element is None:
            continue
        kind = c.string(element, "type", where, required=True)
        if kind is None:
            continue
        if kind not in _CONTEXT_ELEMENTS:
            c.add(f"{where}/type", f"unsupported type: {kind}")
        elif kind == "image":
            check_image_element(c, element, where)
        else:
            check_text(c, element, where, max_len=3000)


def _check_header(c: Checker, block: Mapping[str, Any], pointer: str, ids: dict[str, str]) -> None:
    if "text" not in block:
        c.add(f"{pointer}/text", "must provide an object")
        return
    check_text(c, block["text"], f"{pointer}/text", max_len=150, plain_only=True)


def _check_input(c: Checker, block: Mapping[str, Any], pointer: str, ids: dict[str, str]) -> None:
    if "label" not in block:
        c.add(f"{pointer}/label", "must provide an object")
    else:
        check_text(c, block["label"], f"{pointer}/label", max_len=2000, plain_only=True)
    if "hint" in block:
        check_text(c, block["hint"], f"{pointer}/hint", max_len=2000, plain_only=True)
    if "element" not in block:
        c.add(f"{pointer}/element", "must provide an object")
    else:
        check_element(c, block["element"], f"{pointer}/element", INPUT_ELEMENTS)


def _check_image(c: Checker, block: Mapping[str, Any], pointer: str, ids: dict[str, str]) -> None:
    check_image_element(c, block, pointer)
    if "title" in block:
        check_text(c, block["title"], f"{pointer}/title", max_len=2000, plain_only=True)


def _check_context_actions(
    c: Checker, block: Mapping[str, Any], pointer: str, ids: dict[str, str]
) -> None:
    c.array(block, "elements", pointer, required=True, min_items=1, max_items=5)


_BLOCK_RULES = {
    "section": _check_section,
    "actions": _check_actions,
    "context": _check_context,
    "context_actions": _check_context_actions,
    "header": _check_header,
    "input": _check_input,
    "image": _check_image,
}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _check_blocks(
    c: Checker, blocks: Any, pointer: str, *, max_blocks: int, min_blocks: int = 0
) -> list[Mapping[str, Any]]:
    """Every block under ``pointer``; returns the blocks that are objects."""
    if not isinstance(blocks, list):
        c.add(pointer, "must provide an array")
        return []
    if len(blocks) < min_blocks:
        c.add(pointer, f"must provide at least {min_blocks} items", {"minItems": min_blocks})
    if len(blocks) > max_blocks:
        c.add(pointer, f"no more than {max_blocks} items allowed", {"maxItems": max_blocks})
    block_ids: dict[str, str] = {}
    found: list[Mapping[str, Any]] = []
    for index, value in enumerate(blocks):
        where = f"{pointer}/{index}"
        block = c.obj(value, where)
        if block is None:
            continue
        found.append(block)
        block_id = c.string(block, "block_id", where, min_len=1, max_len=255)
        c.unique(block_ids, block_id, f"{where}/block_id")
        kind = c.string(block, "type", where, required=True)
        if kind is None:
            continue
        if kind not in KNOWN_BLOCKS:
            c.add(f"{where}/type", f"unsupported type: {kind}")
            continue
        rule = _BLOCK_RULES.get(kind)
        if rule is not None:
            rule(c, block, where, {})
    return found


def check_message_blocks(blocks: Any, pointer: str = "/blocks") -> list[Problem]:
    """Problems of a message's ``blocks`` (chat.postMessage, chat.update, response URLs)."""
    c = Checker()
    _check_blocks(c, blocks, pointer, max_blocks=MAX_MESSAGE_BLOCKS)
    return c.problems


def _check_view_text(c: Checker, view: Mapping[str, Any], key: str, pointer: str) -> None:
    check_text(c, view[key], f"{pointer}/{key}", max_len=MAX_VIEW_TEXT_CHARS, plain_only=True)


def check_view(
    view: Any, pointer: str = "/view", kinds: tuple[str, ...] = ("modal", "home")
) -> list[Problem]:
    """Problems of a view object; ``kinds`` narrows the allowed ``type`` per method."""
    c = Checker()
    obj = c.obj(view, pointer)
    if obj is None:
        return c.problems
    kind = c.string(obj, "type", pointer, required=True)
    if kind is not None and kind not in kinds:
        c.add(
            f"{pointer}/type",
            f"unsupported type: {kind}",
            {"type": "enum", "expected": list(kinds)},
        )
    c.string(obj, "callback_id", pointer, max_len=255)
    c.string(obj, "private_metadata", pointer, max_len=MAX_PRIVATE_METADATA_CHARS)
    c.string(obj, "external_id", pointer, max_len=255)
    is_modal = kind == "modal"
    blocks = _check_blocks(
        c,
        obj.get("blocks"),
        f"{pointer}/blocks",
        max_blocks=MAX_VIEW_BLOCKS,
        min_blocks=1 if is_modal else 0,
    )
    if kind == "home":
        for key in ("title", "submit", "close"):
            if key in obj:
                # Wording chosen here: Home tabs have no title or buttons (Slack's
                # view reference marks them modal-only); the refusal text is ours.
                c.add(f"{pointer}/{key}", "is only allowed in modal views")
    if not is_modal:
        return c.problems
    if "title" not in obj:
        c.add(f"{pointer}/title", "must provide an object")
    else:
        _check_view_text(c, obj, "title", pointer)
    for key in ("submit", "close"):
        if key in obj and obj[key] is not None:
            _check_view_text(c, obj, key, pointer)
    has_inputs = any(block.get("type") == "input" for block in blocks)
    if has_inputs and obj.get("submit") is None:
        # Slack refuses a modal with input blocks and no submit button; the text is ours.
        c.add(f"{pointer}/submit", "must provide an object when the view has input blocks")
    return c.problems


def validate_payload(args: Mapping[str, Any]) -> tuple[str | None, list[Problem]]:
    """``blocks.validate``: exactly one of ``blocks``, ``view`` or ``message``.

    Returns ``(argument_error, problems)``; pointers are relative to the payload
    itself (``/0/text/type`` for a blocks array), as Slack's reference shows.
    """
    given = [key for key in ("blocks", "view", "message") if args.get(key) not in (None, "")]
    if len(given) != 1:
        return "must provide exactly one of `blocks`, `view`, or `message`", []
    key = given[0]
    if key == "blocks":
        return None, check_message_blocks(args["blocks"], pointer="")
    if key == "view":
        return None, check_view(args["view"], pointer="")
    c = Checker()
    message = c.obj(args["message"], "")
    if message is None:
        return None, c.problems
    if "blocks" in message:
        _check_blocks(c, message["blocks"], "/blocks", max_blocks=MAX_MESSAGE_BLOCKS)
    return None, c.problems
