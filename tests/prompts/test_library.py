"""Tests for the prompt library: the shipped data, validation, and the TOML round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.prompts.library import (
    AUDIENCES,
    MAX_CONTENT_NOTE_LENGTH,
    MAX_TEXT_LENGTH,
    THEMES,
    LibraryError,
    Prompt,
    curriculum_key,
    dump_library,
    load_default_library,
    parse_library,
    prompts_for_audience,
)


def entry(**overrides: object) -> str:
    """One [[prompts]] table as TOML text, with valid defaults that a test can override."""
    fields: dict[str, object] = {
        "id": "privilege-01",
        "theme": "privilege",
        "audience": "everyone",
        "order": 1,
        "text": "Who had an easier time in your last meeting?",
    }
    fields.update(overrides)
    lines = ["[[prompts]]"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
    return "\n".join(lines) + "\n"


# --- the shipped library ------------------------------------------------------


def test_shipped_library_is_large_enough_and_ids_are_unique() -> None:
    prompts = load_default_library()
    assert len(prompts) >= 60
    ids = [p.id for p in prompts]
    assert len(ids) == len(set(ids))


def test_shipped_texts_are_within_limits_and_read_as_one_or_two_sentences() -> None:
    for prompt in load_default_library():
        assert 0 < len(prompt.text) < 300, prompt.id
        assert prompt.text.endswith(("?", ".", "!")), prompt.id
        # A rough sentence count: terminators followed by a space (quotes excluded).
        inner_stops = sum(prompt.text.count(mark) for mark in ("? ", ". ", "! "))
        assert inner_stops <= 2, prompt.id
        if prompt.content_note is not None:
            assert len(prompt.content_note) <= MAX_CONTENT_NOTE_LENGTH


def test_shipped_ids_are_stable_theme_slugs() -> None:
    for prompt in load_default_library():
        prefix, _, number = prompt.id.rpartition("-")
        assert prefix == prompt.theme
        assert number.isdigit() and len(number) == 2


@pytest.mark.parametrize("role", ["ally", "colleague"])
def test_every_theme_has_a_rich_curriculum_for_both_roles(role: str) -> None:
    curriculum = prompts_for_audience(load_default_library(), role)
    per_theme = {theme: [p for p in curriculum if p.theme == theme] for theme in THEMES}
    for theme, prompts in per_theme.items():
        assert len(prompts) >= 3, f"{theme} has only {len(prompts)} prompts for {role}"
    assert len(curriculum) >= 35


def test_every_theme_has_dedicated_and_shared_prompts() -> None:
    prompts = load_default_library()
    for theme in THEMES:
        audiences = {p.audience for p in prompts if p.theme == theme}
        assert audiences & {"allies", "everyone"}, theme
        assert audiences & {"colleagues", "everyone"}, theme


def test_load_default_library_returns_an_independent_list() -> None:
    first = load_default_library()
    first.clear()
    assert len(load_default_library()) >= 60


def test_shipped_library_round_trips_through_dump() -> None:
    prompts = load_default_library()
    assert parse_library(dump_library(prompts)) == prompts


# --- round trip of arbitrary libraries ----------------------------------------

texts = st.text(min_size=1, max_size=MAX_TEXT_LENGTH).map(str.strip).filter(bool)
notes = st.none() | st.text(min_size=1, max_size=MAX_CONTENT_NOTE_LENGTH).map(str.strip).filter(
    bool
)
slugs = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)
prompt_strategy = st.builds(
    Prompt,
    id=slugs,
    theme=st.sampled_from(THEMES),
    audience=st.sampled_from(AUDIENCES),
    text=texts,
    order=st.integers(min_value=1, max_value=10_000),
    content_note=notes,
    enabled=st.booleans(),
)
libraries = st.lists(
    prompt_strategy,
    min_size=1,
    max_size=12,
    unique_by=(lambda p: p.id, lambda p: (p.theme, p.order)),
)


@settings(max_examples=150, deadline=None)
@given(libraries)
def test_dump_then_parse_is_the_identity(prompts: list[Prompt]) -> None:
    assert parse_library(dump_library(prompts)) == prompts


@settings(max_examples=100, deadline=None)
@given(libraries, st.sampled_from(["ally", "colleague"]))
def test_prompts_for_audience_filters_by_role_and_enabled(prompts: list[Prompt], role: str) -> None:
    wanted = {"ally": {"allies", "everyone"}, "colleague": {"colleagues", "everyone"}}[role]
    chosen = prompts_for_audience(prompts, role)
    assert {p.id for p in chosen} == {p.id for p in prompts if p.enabled and p.audience in wanted}
    assert chosen == sorted(chosen, key=curriculum_key)


def test_prompts_for_audience_rejects_unknown_role() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        prompts_for_audience(load_default_library(), "allies")


# --- validation errors ----------------------------------------------------------


def test_minimal_entry_parses_with_defaults() -> None:
    [prompt] = parse_library(entry())
    assert prompt == Prompt(
        id="privilege-01",
        theme="privilege",
        audience="everyone",
        text="Who had an easier time in your last meeting?",
        order=1,
    )
    assert prompt.enabled is True
    assert prompt.content_note is None


def test_multiline_text_is_trimmed() -> None:
    toml = entry(text=None) + 'text = """\nWhose idea was repeated by someone else?\n"""\n'
    [prompt] = parse_library(toml)
    assert prompt.text == "Whose idea was repeated by someone else?"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"theme": "privlege"}, "unknown theme 'privlege'"),
        ({"audience": "managers"}, "unknown audience 'managers'"),
        ({"text": ""}, "text is empty"),
        ({"text": "   "}, "text is empty"),
        ({"text": "x" * (MAX_TEXT_LENGTH + 1)}, f"the limit is {MAX_TEXT_LENGTH}"),
        ({"content_note": ""}, "content_note is empty"),
        ({"content_note": "n" * (MAX_CONTENT_NOTE_LENGTH + 1)}, "content_note is"),
        ({"order": 0}, "order must be a positive integer"),
        ({"order": True}, "order must be a positive integer"),
        ({"order": "1"}, "order must be a positive integer"),
        ({"enabled": "yes"}, "enabled must be true or false"),
        ({"id": "Privilege 01"}, "is not a slug"),
        ({"id": "privilege--01"}, "is not a slug"),
        ({"text": 5}, "text must be a string"),
        ({"colour": "red"}, "unknown key"),
        ({"theme": None}, "missing key"),
    ],
)
def test_invalid_entries_are_rejected_with_a_clear_message(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(LibraryError, match=message):
        parse_library(entry(**overrides))


def test_error_names_the_offending_prompt() -> None:
    toml = entry() + "\n" + entry(id="privilege-02", order=2, audience="bosses")
    with pytest.raises(LibraryError, match=r"prompt #2 \('privilege-02'\).*unknown audience"):
        parse_library(toml)


def test_text_of_exactly_the_limit_is_accepted() -> None:
    [prompt] = parse_library(entry(text="y" * MAX_TEXT_LENGTH))
    assert len(prompt.text) == MAX_TEXT_LENGTH == 299


def test_duplicate_ids_are_rejected() -> None:
    toml = entry() + "\n" + entry(order=2)
    with pytest.raises(LibraryError, match="duplicate id 'privilege-01'"):
        parse_library(toml)


def test_duplicate_order_inside_a_theme_is_rejected() -> None:
    toml = entry() + "\n" + entry(id="privilege-02")
    with pytest.raises(LibraryError, match="order 1 is already used in theme 'privilege'"):
        parse_library(toml)


def test_same_order_in_different_themes_is_fine() -> None:
    toml = entry() + "\n" + entry(id="listening-01", theme="listening")
    assert [p.id for p in parse_library(toml)] == ["privilege-01", "listening-01"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("", "no prompts"),
        ("prompts = []\n", "no prompts"),
        ("prompts = 3\n", "array of tables"),
        ("[[prompts]\nid = 1\n", "not valid TOML"),
        ('title = "mine"\n' + entry(), "unknown top-level key"),
        ("prompts = [1]\n", "expected a \\[\\[prompts\\]\\] table"),
    ],
)
def test_malformed_documents_are_rejected(toml: str, message: str) -> None:
    with pytest.raises(LibraryError, match=message):
        parse_library(toml)


def test_dump_refuses_libraries_that_would_not_parse() -> None:
    prompt = Prompt(id="a-01", theme="privilege", audience="allies", text="Why?", order=1)
    with pytest.raises(LibraryError, match="duplicate id"):
        dump_library([prompt, prompt])
    with pytest.raises(LibraryError, match="no prompts"):
        dump_library([])


def test_prompt_constructor_validates() -> None:
    with pytest.raises(LibraryError, match="unknown theme"):
        Prompt(id="x-01", theme="nope", audience="allies", text="Why?", order=1)
    with pytest.raises(LibraryError, match="leading or trailing whitespace"):
        Prompt(id="x-01", theme="privilege", audience="allies", text=" Why?", order=1)


def test_disabled_prompts_round_trip_and_are_not_offered() -> None:
    toml = entry(enabled=False) + "\n" + entry(id="privilege-02", order=2, audience="allies")
    prompts = parse_library(toml)
    assert [p.enabled for p in prompts] == [False, True]
    assert parse_library(dump_library(prompts)) == prompts
    assert [p.id for p in prompts_for_audience(prompts, "ally")] == ["privilege-02"]
    assert prompts_for_audience(prompts, "colleague") == []
