"""Which reflection prompt a member gets next.

The rule set, and why:

* **Cycles.** No prompt is repeated until every enabled candidate has been sent,
  so nobody sees the same question twice while others are still unread. Walking
  the history oldest first, a cycle closes the moment every *current* enabled
  candidate has appeared in it; a new cycle then starts. Ids in the history that
  are no longer candidates (retired or disabled prompts), and repeats of an id
  already sent in the open cycle, do not count towards closing it. Adding a
  prompt to the library therefore just extends the open cycle.
* **Curriculum walk.** Themes are visited in :data:`bot.prompt_library.THEMES`
  order and, inside a theme, prompts go out by ``order`` (then id). To keep two
  consecutive prompts on different themes, the walk takes one step per theme:
  the next prompt comes from the first theme *after* the previous prompt's theme
  (wrapping round) that still has unsent prompts in the open cycle. The previous
  theme is only reused when no other theme has anything left.
* **The previous prompt** is the most recent history entry whose theme is known
  from ``candidates`` (disabled candidates included, since they still know their
  theme). An unknown trailing id cannot be placed, so the walk continues from the
  last prompt it can place; with no placeable history the walk starts at the
  first theme.
* **Deterministic.** The answer depends only on the set of candidates and the
  history, never on the order candidates are passed in, so a retry after a crash
  picks the same prompt.

Pure module: no Slack and no database imports.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.prompts.library import THEMES, Prompt, curriculum_key


def open_cycle_sent(candidates: Sequence[Prompt], sent_history: Sequence[str]) -> set[str]:
    """Ids of enabled candidates already sent in the cycle that is still open.

    Exposed so callers (and the progress view) can show "n of m this round"
    with exactly the rule :func:`next_prompt` uses.
    """
    enabled_ids = {p.id for p in candidates if p.enabled}
    sent: set[str] = set()
    for prompt_id in sent_history:
        if prompt_id not in enabled_ids:
            continue
        sent.add(prompt_id)
        if sent == enabled_ids:
            sent = set()
    return sent


def _previous_theme(candidates: Sequence[Prompt], sent_history: Sequence[str]) -> str | None:
    """Theme of the most recent history entry we can place; see the module docstring."""
    theme_of = {p.id: p.theme for p in candidates}
    for prompt_id in reversed(sent_history):
        theme = theme_of.get(prompt_id)
        if theme is not None:
            return theme
    return None


def next_prompt(candidates: Sequence[Prompt], sent_history: Sequence[str]) -> Prompt | None:
    """The prompt to send next, or ``None`` when no candidate is enabled.

    ``candidates`` is the member's audience curriculum (usually
    :func:`bot.prompt_library.prompts_for_audience`); disabled ones are never
    returned. ``sent_history`` is the member's previously sent prompt ids,
    oldest first. The rules are in the module docstring.
    """
    enabled: dict[str, Prompt] = {}
    for prompt in sorted((p for p in candidates if p.enabled), key=curriculum_key):
        # A duplicated id keeps its curriculum-first entry, so order of input never matters.
        enabled.setdefault(prompt.id, prompt)
    if not enabled:
        return None

    sent = open_cycle_sent(list(enabled.values()), sent_history)
    unsent_by_theme: dict[str, list[Prompt]] = {}
    for prompt in enabled.values():  # already in curriculum order
        if prompt.id not in sent:
            unsent_by_theme.setdefault(prompt.theme, []).append(prompt)

    previous = _previous_theme(candidates, sent_history)
    start = THEMES.index(previous) + 1 if previous is not None else 0
    for step in range(len(THEMES)):
        theme = THEMES[(start + step) % len(THEMES)]
        if theme in unsent_by_theme:
            return unsent_by_theme[theme][0]
    # Unreachable: the open cycle always has at least one unsent enabled prompt.
    raise AssertionError("open cycle has no unsent prompt")
