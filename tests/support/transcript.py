"""Render what Slack received from the bot as text a person can review.

Every message, ephemeral reply, modal and Home tab is written block by block with its
mrkdwn exactly as sent (inside fences, so Markdown viewers do not reformat it), buttons
with their action ids, inputs with their labels, options and limits. The copy snapshot
(``docs/copy-snapshot.md``) is built from this.

No pytest import here: it is plain rendering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

FENCE = "```"
_REF = re.compile(r"\bref [0-9a-f]{8,16}\b")
_REPLY_REF = re.compile(r"(/ally reply )[0-9a-f]{8,16}\b")


def scrub(text: str) -> str:
    """Replace what is random from run to run (feedback references) with a placeholder."""
    return _REPLY_REF.sub(r"\1REF", _REF.sub("ref REF", text))


def sort_quotes(text: str) -> str:
    """Sort each run of ``>`` quote lines: feedback texts are shuffled on every request,
    and a daily batch of concerns is in no particular order."""
    out: list[str] = []
    run: list[str] = []
    for line in text.split("\n"):
        if line.startswith(">") or line.startswith("&gt;"):
            run.append(line)
            continue
        out += sorted(run)
        run = []
        out.append(line)
    return "\n".join(out + sorted(run))


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def _confirm(element: Mapping[str, Any]) -> str:
    c = element.get("confirm")
    if not isinstance(c, dict):
        return ""
    return (
        f" [asks first: «{_text(c.get('title'))}» {_text(c.get('text'))} "
        f"({_text(c.get('confirm'))} / {_text(c.get('deny'))})]"
    )


def _button(element: Mapping[str, Any]) -> str:
    style = f", {element['style']}" if element.get("style") else ""
    return f"[{_text(element.get('text'))}] ({element.get('action_id')}{style}){_confirm(element)}"


def _options(element: Mapping[str, Any]) -> list[str]:
    """Each option with its value; checkboxes ticked when the view opens show ``[x]``."""
    ticked = {o.get("value") for o in element.get("initial_options") or []}
    lines: list[str] = []
    for option in element.get("options") or []:
        mark = "[x] " if option.get("value") in ticked else ""
        lines.append(f"    - {mark}{_text(option.get('text'))} ({option.get('value')})")
    for group in element.get("option_groups") or []:
        lines.append(f"    {_text(group.get('label'))}:")
        lines += [
            f"      - {_text(o.get('text'))} ({o.get('value')})" for o in group.get("options", [])
        ]
    return lines


def _element(element: Mapping[str, Any]) -> list[str]:
    kind = element.get("type")
    if kind == "static_select":
        chosen = element.get("initial_option")
        now = f", now: {_text(chosen.get('text'))}" if isinstance(chosen, dict) else ""
        placeholder = element.get("placeholder")
        hint = f", placeholder «{_text(placeholder)}»" if placeholder else ""
        return [f"  select{now}{hint}", *_options(element)]
    if kind == "number_input":
        now = f", now {element['initial_value']}" if element.get("initial_value") else ""
        low, high = element.get("min_value"), element.get("max_value")
        decimal = "number" if element.get("is_decimal_allowed") else "whole number"
        return [f"  {decimal} from {low} to {high}{now}"]
    if kind == "timepicker":
        zone = f" ({element['timezone']})" if element.get("timezone") else ""
        return [f"  time picker, now {element.get('initial_time')}{zone}"]
    if kind == "datepicker":
        return [f"  date picker, now {element.get('initial_date')}"]
    if kind == "conversations_select":
        chosen = element.get("initial_conversation")
        kinds = " and ".join((element.get("filter") or {}).get("include") or ["any"])
        now = f", now <#{chosen}>" if chosen else ", nothing chosen"
        return [f"  channel picker ({kinds} channels){now}"]
    if kind == "checkboxes":
        return ["  checkboxes", *_options(element)]
    if kind == "plain_text_input":
        parts = ["multi-line text" if element.get("multiline") else "text"]
        if element.get("max_length"):
            parts.append(f"up to {element['max_length']} characters")
        if element.get("initial_value"):
            parts.append(f"now «{element['initial_value']}»")
        if element.get("placeholder"):
            parts.append(f"placeholder «{_text(element['placeholder'])}»")
        return ["  " + ", ".join(parts)]
    return [f"  {kind}"]


def render_blocks(blocks: Iterable[Mapping[str, Any]]) -> list[str]:
    """Each block as lines: its kind, then its text exactly as sent."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            lines.append("[section]")
            if block.get("text"):
                lines.append(_text(block["text"]))
            for f in block.get("fields") or []:
                lines.append(f"  field: {_text(f)}")
            if isinstance(block.get("accessory"), dict):
                lines.append(f"  beside it: {_button(block['accessory'])}")
        elif kind == "header":
            lines.append(f"[header] {_text(block.get('text'))}")
        elif kind == "divider":
            lines.append("[divider]")
        elif kind == "context":
            lines.append("[context] " + " | ".join(_text(e) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("[buttons] " + " ".join(_button(e) for e in block.get("elements", [])))
        elif kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"[input {block.get('block_id')}] {_text(block.get('label'))}{optional}")
            if block.get("hint"):
                lines.append(f"  hint: {_text(block['hint'])}")
            lines += _element(block.get("element") or {})
        elif kind == "image":
            lines.append(f"[image] {block.get('alt_text')}")
        else:
            lines.append(f"[{kind}]")
    return lines


def render_message(message: Mapping[str, Any]) -> list[str]:
    """A message (or an ephemeral reply): its blocks, or its text when it has none.

    The notification text is shown only when it says something the blocks do not.
    """
    blocks = message.get("blocks") or []
    text = str(message.get("text", ""))
    if not blocks:
        return [text]
    sections = "\n".join(_text(b.get("text")) for b in blocks if b.get("type") == "section")
    if text in (sections, _text(blocks[0].get("text"))):
        return render_blocks(blocks)
    return [
        "notification text:",
        str(message.get("text", "")),
        "----",
        *render_blocks(blocks),
    ]


def render_view(view: Mapping[str, Any]) -> list[str]:
    head = f"«{_text(view.get('title'))}»" if view.get("title") else "Home tab"
    buttons = [f"{name}: {_text(view[name])}" for name in ("submit", "close") if view.get(name)]
    callback = f" ({view['callback_id']})" if view.get("callback_id") else ""
    extra = f" [{' · '.join(buttons)}]" if buttons else ""
    return [f"{head}{callback}{extra}", *render_blocks(view.get("blocks") or [])]


@dataclass
class Transcript:
    """The snapshot being written: headings, then what was received, in order.

    It also keeps what a coverage check needs: every action id shown, every view's
    callback id, and the last Home published for each user.
    """

    lines: list[str] = field(default_factory=list)
    action_ids: set[str] = field(default_factory=set)
    callbacks: set[str] = field(default_factory=set)
    homes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    steps: int = 0
    _step_end: int = -1

    def _close_step(self) -> None:
        """A step after which Slack received nothing says so."""
        if self._step_end == len(self.lines):
            self.lines += ["", "_Nothing is sent._"]
        self._step_end = -1

    def chapter(self, title: str) -> None:
        self._close_step()
        self.lines += ["", f"## {title}"]

    def step(self, title: str) -> None:
        self._close_step()
        self.steps += 1
        self.lines += ["", f"### {self.steps}. {scrub(title)}"]
        self._step_end = len(self.lines)

    def note(self, text: str, *, within_step: bool = False) -> None:
        """A line in italics. Between steps (time passing, setup) it ends the step before
        it, which then says if Slack received nothing; ``within_step`` is part of a step's
        outcome ("The form closes.")."""
        if not within_step:
            self._close_step()
        self.lines += ["", f"_{text}_"]

    def _collect(self, blocks: Iterable[Mapping[str, Any]]) -> None:
        for block in blocks:
            for element in block.get("elements") or []:
                if isinstance(element, dict) and element.get("action_id"):
                    self.action_ids.add(element["action_id"])
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("action_id"):
                self.action_ids.add(accessory["action_id"])

    def entry(self, heading: str, body: list[str]) -> None:
        text = sort_quotes(scrub("\n".join(body)))
        self.lines += ["", f"**{scrub(heading)}**", FENCE, text, FENCE]

    def message(self, heading: str, message: Mapping[str, Any]) -> None:
        self._collect(message.get("blocks") or [])
        self.entry(heading, render_message(message))

    def view(self, heading: str, view: Mapping[str, Any], home_of: str | None = None) -> None:
        self._collect(view.get("blocks") or [])
        if view.get("callback_id"):
            self.callbacks.add(str(view["callback_id"]))
        if home_of is not None:
            self.homes[home_of] = list(view.get("blocks") or [])
        self.entry(heading, render_view(view))

    def text(self) -> str:
        self._close_step()
        return "\n".join(self.lines).strip() + "\n"
