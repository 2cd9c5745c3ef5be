"""Tests for prompt rotation: cycles, the theme-by-theme walk, and determinism."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.prompts.library import THEMES, Prompt, load_default_library, prompts_for_audience
from bot.prompts.rotation import next_prompt, open_cycle_sent


def make(prompt_id: str, theme: str, order: int, *, enabled: bool = True) -> Prompt:
    return Prompt(
        id=prompt_id,
        theme=theme,
        audience="everyone",
        text=f"Reflect on {prompt_id}.",
        order=order,
        enabled=enabled,
    )


def simulate(candidates: Sequence[Prompt], steps: int, history: Sequence[str] = ()) -> list[Prompt]:
    """Send ``steps`` prompts in a row, feeding each one back into the history."""
    history = list(history)
    sent: list[Prompt] = []
    for _ in range(steps):
        chosen = next_prompt(candidates, history)
        assert chosen is not None
        sent.append(chosen)
        history.append(chosen.id)
    return sent


@st.composite
def candidate_sets(draw: st.DrawFn, *, min_enabled: int = 1) -> list[Prompt]:
    """A small library: a few themes, unique orders per theme, some prompts disabled."""
    themes = draw(st.lists(st.sampled_from(THEMES), min_size=1, max_size=5, unique=True))
    prompts: list[Prompt] = []
    for theme in themes:
        count = draw(st.integers(min_value=1, max_value=4))
        orders = draw(
            st.lists(
                st.integers(min_value=1, max_value=50), min_size=count, max_size=count, unique=True
            )
        )
        for order in orders:
            prompts.append(make(f"{theme}-{order:02d}", theme, order, enabled=draw(st.booleans())))
    # Guarantee enough to rotate over without discarding most examples.
    for index in range(min(min_enabled, len(prompts))):
        prompts[index] = make(prompts[index].id, prompts[index].theme, prompts[index].order)
    assume(sum(p.enabled for p in prompts) >= min_enabled)
    return draw(st.permutations(prompts))


def enabled_ids(candidates: Sequence[Prompt]) -> set[str]:
    return {p.id for p in candidates if p.enabled}


# --- basics -------------------------------------------------------------------------


def test_no_candidates_or_all_disabled_gives_none() -> None:
    assert next_prompt([], []) is None
    assert next_prompt([make("privilege-01", "privilege", 1, enabled=False)], []) is None


def test_walk_takes_one_step_per_theme_in_curriculum_order() -> None:
    candidates = [
        make("listening-02", "listening", 2),
        make("privilege-02", "privilege", 2),
        make("listening-01", "listening", 1),
        make("privilege-01", "privilege", 1),
        make("privilege-03", "privilege", 3),
        make("sponsorship-01", "sponsorship", 1),
    ]
    assert [p.id for p in simulate(candidates, 6)] == [
        "privilege-01",
        "listening-01",
        "sponsorship-01",
        "privilege-02",
        "listening-02",
        "privilege-03",
    ]


def test_only_remaining_theme_may_repeat() -> None:
    candidates = [make("privilege-01", "privilege", 1), make("privilege-02", "privilege", 2)]
    assert [p.id for p in simulate(candidates, 4)] == [
        "privilege-01",
        "privilege-02",
        "privilege-01",
        "privilege-02",
    ]


def test_new_cycle_does_not_start_on_the_theme_just_sent() -> None:
    candidates = [make("privilege-01", "privilege", 1), make("listening-01", "listening", 1)]
    # privilege-01 then listening-01 completes the cycle; listening was last, so the
    # next cycle starts with privilege, and vice versa if the history is reversed.
    assert next_prompt(candidates, ["privilege-01", "listening-01"]).id == "privilege-01"
    assert next_prompt(candidates, ["listening-01", "privilege-01"]).id == "listening-01"


def test_retired_ids_in_history_are_ignored() -> None:
    candidates = [make("privilege-01", "privilege", 1), make("listening-01", "listening", 1)]
    history = ["privilege-01", "gone-07", "gone-08"]
    assert next_prompt(candidates, history).id == "listening-01"
    assert open_cycle_sent(candidates, history) == {"privilege-01"}


def test_disabled_prompt_still_places_the_previous_theme_but_is_never_sent() -> None:
    candidates = [
        make("privilege-01", "privilege", 1, enabled=False),
        make("privilege-02", "privilege", 2),
        make("listening-01", "listening", 1),
    ]
    # The member last got privilege-01 (since disabled): avoid privilege next.
    assert next_prompt(candidates, ["privilege-01"]).id == "listening-01"
    sent = simulate(candidates, 6, ["privilege-01"])
    assert "privilege-01" not in {p.id for p in sent}


def test_shipped_curricula_cycle_completely_for_both_roles() -> None:
    for role in ("ally", "colleague"):
        curriculum = prompts_for_audience(load_default_library(), role)
        sent = simulate(curriculum, len(curriculum))
        assert sorted(p.id for p in sent) == sorted(p.id for p in curriculum)
        repeats = sum(1 for a, b in itertools.pairwise(sent) if a.theme == b.theme)
        # The shipped themes differ in size by at most one prompt per role, so the
        # round-robin walk never has to send two prompts of one theme in a row.
        assert repeats == 0, role


# --- properties ---------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(candidate_sets())
def test_cycles_cover_every_candidate_exactly_once(candidates: list[Prompt]) -> None:
    wanted = enabled_ids(candidates)
    n = len(wanted)
    sent = simulate(candidates, 3 * n)
    for cycle in range(3):
        block = [p.id for p in sent[cycle * n : (cycle + 1) * n]]
        assert len(block) == len(set(block)), "repeated before the cycle was exhausted"
        assert set(block) == wanted


@settings(max_examples=150, deadline=None)
@given(candidate_sets())
def test_consecutive_same_theme_only_when_unavoidable(candidates: list[Prompt]) -> None:
    enabled = [p for p in candidates if p.enabled]
    n = len(enabled)
    sent = simulate(candidates, 2 * n)
    for k in range(1, len(sent)):
        if sent[k].theme != sent[k - 1].theme:
            continue
        start = (k // n) * n
        already = {p.id for p in sent[start:k]}
        unsent_themes = {p.theme for p in enabled if p.id not in already}
        assert unsent_themes == {sent[k].theme}, f"step {k} repeated {sent[k].theme} needlessly"


@settings(max_examples=150, deadline=None)
@given(candidate_sets())
def test_each_theme_is_walked_in_order_within_a_cycle(candidates: list[Prompt]) -> None:
    n = len(enabled_ids(candidates))
    sent = simulate(candidates, 2 * n)
    for cycle in (sent[:n], sent[n:]):
        for theme in THEMES:
            orders = [p.order for p in cycle if p.theme == theme]
            assert orders == sorted(orders)


id_noise = st.lists(st.from_regex(r"zz-[a-z]{1,6}", fullmatch=True), max_size=5)


@settings(max_examples=150, deadline=None)
@given(candidate_sets(), st.data())
def test_any_history_continues_without_repeats_then_in_full_cycles(
    candidates: list[Prompt], data: st.DataObject
) -> None:
    all_ids = [p.id for p in candidates]
    history = data.draw(
        st.lists(st.sampled_from(all_ids) | st.sampled_from(["zz-gone"]), max_size=40)
    )
    wanted = enabled_ids(candidates)
    n = len(wanted)
    already = open_cycle_sent(candidates, history)
    assert already < wanted  # the open cycle always has something left

    sent = [p.id for p in simulate(candidates, len(wanted - already) + 2 * n, history)]
    rest, later = sent[: len(wanted - already)], sent[len(wanted - already) :]
    assert set(rest) == wanted - already and len(rest) == len(set(rest))
    assert set(later[:n]) == wanted and set(later[n:]) == wanted
    assert all(p in wanted for p in sent)  # disabled prompts are never returned


@settings(max_examples=150, deadline=None)
@given(candidate_sets(), st.data())
def test_result_ignores_input_order_and_unknown_ids(
    candidates: list[Prompt], data: st.DataObject
) -> None:
    all_ids = [p.id for p in candidates]
    history = data.draw(st.lists(st.sampled_from(all_ids), max_size=20))
    noise = data.draw(id_noise)
    noisy = list(history)
    for junk in noise:
        noisy.insert(data.draw(st.integers(min_value=0, max_value=len(noisy))), junk)
    shuffled = data.draw(st.permutations(candidates))

    expected = next_prompt(candidates, history)
    assert next_prompt(shuffled, history) == expected
    assert next_prompt(candidates, noisy) == expected
    assert next_prompt(candidates, history) == expected  # same input, same answer


@settings(max_examples=100, deadline=None)
@given(candidate_sets(min_enabled=2), st.data())
def test_prompt_added_mid_cycle_is_sent_before_any_repeat(
    candidates: list[Prompt], data: st.DataObject
) -> None:
    wanted = enabled_ids(candidates)
    k = data.draw(st.integers(min_value=0, max_value=len(wanted) - 1))
    history = [p.id for p in simulate(candidates, k)]
    used = {(p.theme, p.order) for p in candidates}
    theme = data.draw(st.sampled_from(THEMES))
    order = data.draw(
        st.integers(min_value=1, max_value=60).filter(lambda o: (theme, o) not in used)
    )
    added = make(f"new-{theme}-{order:02d}", theme, order)

    extended = [*candidates, added]
    remaining = len(wanted) - k + 1
    cont = [p.id for p in simulate(extended, remaining, history)]
    assert added.id in cont
    assert len(set(cont)) == remaining
    assert not set(cont) & set(history)


@pytest.mark.parametrize("role", ["ally", "colleague"])
def test_disabling_a_sent_prompt_mid_cycle_keeps_the_cycle(role: str) -> None:
    curriculum = prompts_for_audience(load_default_library(), role)
    history = [p.id for p in simulate(curriculum, 5)]
    retired = history[2]
    changed = [
        make(p.id, p.theme, p.order, enabled=False) if p.id == retired else p for p in curriculum
    ]
    rest = [p.id for p in simulate(changed, len(curriculum) - 5, history)]
    assert set(rest) == {p.id for p in curriculum} - set(history)
