"""Slack accepts manifest.yml, and it asks for what the bot uses and nothing more.

Slack refuses a manifest that breaks its published JSON schema, and then the README's first
step fails. `SCHEMA` below is our own transcription of the constraints in
https://github.com/slackapi/manifest-schema, file schemas/manifest.schema.1.0.0.json
(manifest major version 1), checked by a small validator (`check`). Each comment names
where in that file a constraint comes from: `defs:X` stands for `#/definitions/X` and
`(root)` for the top-level object. Every object there that we model has
`additionalProperties: false`, so `Record` refuses keys it does not list.

Keys Slack allows but that this table does not model (the Deno-platform blocks, App
Directory listing, assistant and agent views) are `NotModelled`: a manifest that uses one
fails here until someone adds that key's constraints, so nothing is waved through unchecked.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import pytest
import yaml

from bot import capabilities

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = ROOT / "manifest.yml"


# --- rule kinds --------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A JSON string: lengths in code points, a regex (searched, as JSON Schema does), choices."""

    min_len: int | None = None
    max_len: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flag:
    """A JSON boolean (YAML `true`/`false`; a quoted "true" is a string and is refused)."""


@dataclass(frozen=True)
class Whole:
    """A JSON integer (a boolean is not one, although Python's bool subclasses int)."""


@dataclass(frozen=True)
class Seq:
    """A JSON array."""

    item: Rule
    min_items: int | None = None
    max_items: int | None = None
    unique: bool = False


@dataclass(frozen=True)
class Record:
    """A JSON object with `additionalProperties: false`: only `fields` may appear."""

    fields: dict[str, Rule]
    required: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class NotModelled:
    """A key Slack allows whose constraints this table does not carry (yet)."""

    definition: str


Rule: TypeAlias = Text | Flag | Whole | Seq | Record | NotModelled


# --- the constraint table ----------------------------------------------------------------

HTTP_URL = r"^https?://"  # the schema's "^https?:\/\/" for every request URL
HTTPS_URL = r"^https://"

# defs:app-manifests.v1.display_information.schema
DISPLAY_INFORMATION = Record(
    required=frozenset({"name"}),  # .required
    fields={
        "name": Text(min_len=1, max_len=35),  # .properties.name
        "description": Text(min_len=1, max_len=140),  # .properties.description
        # .properties.background_color: lengths 4-7 and a 3- or 6-digit hex colour. The
        # schema spells the pattern "regex", a keyword draft-07 validators skip; we check it.
        "background_color": Text(
            min_len=4, max_len=7, pattern=r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$"
        ),
        "long_description": Text(min_len=175, max_len=4000),  # .properties.long_description
    },
)

# defs:app-manifests.v1.features.shortcuts.items
SHORTCUT = Record(
    required=frozenset({"name", "type", "callback_id", "description"}),  # .required
    fields={
        "name": Text(min_len=1, max_len=24),  # .properties.name
        "type": Text(choices=("message", "global")),  # .properties.type (enum)
        "callback_id": Text(min_len=1, max_len=255),  # .properties.callback_id
        "description": Text(min_len=1, max_len=150),  # .properties.description
    },
)

# defs:app-manifests.v1.features.slash_commands.items
SLASH_COMMAND = Record(
    required=frozenset({"command", "description"}),  # .required
    fields={
        "command": Text(min_len=2, max_len=32, pattern=r"^/"),  # .properties.command
        "url": Text(max_len=3000, pattern=HTTP_URL),  # .properties.url
        "description": Text(min_len=1, max_len=2000),  # .properties.description
        "usage_hint": Text(min_len=1, max_len=1000),  # .properties.usage_hint
        "should_escape": Flag(),  # .properties.should_escape
    },
)

# defs:app-manifests.v1.features.schema
FEATURES = Record(
    fields={
        # defs:app-manifests.v1.features.app_home
        "app_home": Record(
            fields={
                "home_tab_enabled": Flag(),
                "messages_tab_enabled": Flag(),
                "messages_tab_read_only_enabled": Flag(),
            }
        ),
        # defs:app-manifests.v1.features.bot_user (.required, .properties)
        "bot_user": Record(
            required=frozenset({"display_name"}),
            fields={"display_name": Text(min_len=1, max_len=80), "always_online": Flag()},
        ),
        "functions": NotModelled("defs:app-manifests.v1.features.functions"),
        # defs:app-manifests.v1.features.shortcuts (.minItems 1, .maxItems 10)
        "shortcuts": Seq(SHORTCUT, min_items=1, max_items=10),
        # defs:app-manifests.v1.features.slash_commands (.minItems 1, .maxItems 50)
        "slash_commands": Seq(SLASH_COMMAND, min_items=1, max_items=50),
        # defs:app-manifests.v1.features.workflow_steps (items .required, .properties; 1-10)
        "workflow_steps": Seq(
            Record(
                required=frozenset({"name", "callback_id"}),
                fields={
                    "name": Text(min_len=1, max_len=50),
                    "callback_id": Text(min_len=1, max_len=50),
                },
            ),
            min_items=1,
            max_items=10,
        ),
        # defs:app-manifests.v1.features.unfurl_domains (items pattern, maxLength; 1-5, unique)
        "unfurl_domains": Seq(
            Text(max_len=255, pattern=r"^(?![.\-])[-a-z0-9.]+[a-z0-9]$"),
            min_items=1,
            max_items=5,
            unique=True,
        ),
        "assistant_view": NotModelled("defs:app-manifests.v1.features.assistant_view"),
        "agent_view": NotModelled("defs:app-manifests.v1.features.agent_view"),
    }
)

# defs:app-manifests.v1.oauth_config.scopes: each list at most 255 scopes of <= 50 chars
SCOPE_LIST = Seq(Text(max_len=50), max_items=255)

# defs:app-manifests.v1.oauth_config.schema
OAUTH_CONFIG = Record(
    fields={
        # defs:app-manifests.v1.oauth_config.redirect_urls (items maxLength, maxItems, unique)
        "redirect_urls": Seq(Text(max_len=2500), max_items=1000, unique=True),
        "scopes": Record(
            fields={
                "user": SCOPE_LIST,
                "bot": SCOPE_LIST,
                "user_optional": SCOPE_LIST,
                "bot_optional": SCOPE_LIST,
            }
        ),
        "token_management_enabled": Flag(),  # .properties.token_management_enabled
        "pkce_enabled": Flag(),  # .properties.pkce_enabled
    }
)

# defs:app-manifests.v1.settings.event_subscriptions: event lists <= 100 unique names <= 50
EVENT_LIST = Seq(Text(max_len=50), max_items=100, unique=True)

# defs:app-manifests.v1.settings.schema
SETTINGS = Record(
    fields={
        "allowed_ip_address_ranges": NotModelled(
            "defs:app-manifests.v1.settings.allowed_ip_address_ranges"
        ),
        # defs:app-manifests.v1.settings.event_subscriptions
        "event_subscriptions": Record(
            fields={
                "request_url": Text(max_len=3500, pattern=HTTP_URL),  # .properties.request_url
                "user_events": EVENT_LIST,  # .properties.user_events
                "bot_events": EVENT_LIST,  # .properties.bot_events
                "metadata_subscriptions": NotModelled(
                    "defs:app-manifests.v1.settings.event_subscriptions"
                    ".properties.metadata_subscriptions"
                ),
            }
        ),
        # defs:app-manifests.v1.settings.incoming_webhooks
        "incoming_webhooks": Record(fields={"incoming_webhooks_enabled": Flag()}),
        # defs:app-manifests.v1.settings.interactivity (.required is_enabled, .properties)
        "interactivity": Record(
            required=frozenset({"is_enabled"}),
            fields={
                "is_enabled": Flag(),
                "request_url": Text(max_len=3500, pattern=HTTP_URL),
                "message_menu_options_url": Text(max_len=3500, pattern=HTTP_URL),
            },
        ),
        "org_deploy_enabled": Flag(),  # .properties.org_deploy_enabled
        "socket_mode_enabled": Flag(),  # .properties.socket_mode_enabled
        "is_hosted": Flag(),  # .properties.is_hosted
        "token_rotation_enabled": Flag(),  # .properties.token_rotation_enabled
        # defs:app-manifests.v1.settings.siws_links
        "siws_links": Record(fields={"initiate_uri": Text(max_len=3500, pattern=HTTPS_URL)}),
        "hermes_app_type": Text(),  # .properties.hermes_app_type
        "function_runtime": Text(),  # .properties.function_runtime
        "is_mcp_enabled": Flag(),  # .properties.is_mcp_enabled
    }
)

# (root): .required display_information, .additionalProperties false
SCHEMA = Record(
    required=frozenset({"display_information"}),
    fields={
        "$schema": Text(),  # (root).properties.$schema (its "format: uri" is not checked)
        # defs:app-manifests.metadata
        "_metadata": Record(
            fields={
                "schema_version": Whole(),
                "min_version": Whole(),
                "major_version": Whole(),
                "minor_version": Whole(),
            }
        ),
        "app_directory": NotModelled("defs:app-manifests.v1.app_directory.schema"),
        "display_information": DISPLAY_INFORMATION,
        "features": FEATURES,
        "oauth_config": OAUTH_CONFIG,
        "settings": SETTINGS,
        "functions": NotModelled("defs:app-manifests.v1.hermes.functions"),
        "workflows": NotModelled("defs:app-manifests.v1.hermes.workflows"),
        "datastores": NotModelled("defs:app-manifests.v1.hermes.datastores"),
        "outgoing_domains": NotModelled("defs:app-manifests.v1.hermes.outgoing_domains"),
        "types": NotModelled("defs:app-manifests.v1.hermes.types"),
        "external_auth_providers": NotModelled(
            "defs:app-manifests.v1.hermes.third_party_auth.providers"
        ),
        "mcp_servers": NotModelled("defs:app-manifests.v1.mcp_servers"),
    },
)


# --- the validator -----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: str  # "" is the whole manifest; otherwise like "features.shortcuts[0].name"
    kind: str  # type, required, unknown-key, min-length, max-length, pattern, enum,
    # min-items, max-items, unique, not-modelled
    detail: str

    def __str__(self) -> str:
        return f"{self.path or '(manifest)'}: {self.detail}"


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def check(value: object, rule: Rule, path: str = "") -> list[Problem]:
    """Every way `value` breaks `rule`, with the path to each offending value."""
    if isinstance(rule, NotModelled):
        detail = f"allowed by Slack ({rule.definition}) but not checked here: model it"
        return [Problem(path, "not-modelled", detail)]
    if isinstance(rule, Flag):
        if isinstance(value, bool):
            return []
        return [Problem(path, "type", f"expected a boolean, got {_type_name(value)}")]
    if isinstance(rule, Whole):
        if isinstance(value, int) and not isinstance(value, bool):
            return []
        return [Problem(path, "type", f"expected an integer, got {_type_name(value)}")]
    if isinstance(rule, Text):
        return _check_text(value, rule, path)
    if isinstance(rule, Seq):
        return _check_seq(value, rule, path)
    return _check_record(value, rule, path)


def _check_text(value: object, rule: Text, path: str) -> list[Problem]:
    if not isinstance(value, str):
        return [Problem(path, "type", f"expected a string, got {_type_name(value)}")]
    found: list[Problem] = []
    if rule.min_len is not None and len(value) < rule.min_len:
        found.append(
            Problem(path, "min-length", f"{len(value)} characters, at least {rule.min_len}")
        )
    if rule.max_len is not None and len(value) > rule.max_len:
        found.append(
            Problem(path, "max-length", f"{len(value)} characters, at most {rule.max_len}")
        )
    if rule.pattern is not None and not re.search(rule.pattern, value):
        found.append(Problem(path, "pattern", f"{value!r} does not match {rule.pattern}"))
    if rule.choices and value not in rule.choices:
        found.append(Problem(path, "enum", f"{value!r} is not one of {list(rule.choices)}"))
    return found


def _check_seq(value: object, rule: Seq, path: str) -> list[Problem]:
    if not isinstance(value, list):
        return [Problem(path, "type", f"expected a list, got {_type_name(value)}")]
    found: list[Problem] = []
    if rule.min_items is not None and len(value) < rule.min_items:
        found.append(Problem(path, "min-items", f"{len(value)} items, at least {rule.min_items}"))
    if rule.max_items is not None and len(value) > rule.max_items:
        found.append(Problem(path, "max-items", f"{len(value)} items, at most {rule.max_items}"))
    if rule.unique:
        seen: list[object] = []
        for item in value:
            if item in seen:
                found.append(Problem(path, "unique", f"{item!r} appears more than once"))
            else:
                seen.append(item)
    for index, item in enumerate(value):
        found.extend(check(item, rule.item, f"{path}[{index}]"))
    return found


def _check_record(value: object, rule: Record, path: str) -> list[Problem]:
    if not isinstance(value, dict):
        return [Problem(path, "type", f"expected a mapping, got {_type_name(value)}")]
    found = [
        Problem(path, "required", f"missing required key {key!r}")
        for key in sorted(rule.required - value.keys())
    ]
    for key, item in value.items():
        if key not in rule.fields:
            allowed = ", ".join(sorted(rule.fields))
            found.append(Problem(path, "unknown-key", f"unknown key {key!r}; allowed: {allowed}"))
        else:
            found.extend(check(item, rule.fields[key], _key(path, str(key))))
    return found


# --- loading manifest.yml ----------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def parse_manifest(text: str) -> dict[str, Any]:
    loaded = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    assert isinstance(loaded, dict), "manifest.yml must be a YAML mapping"
    return loaded


def load_manifest() -> dict[str, Any]:
    return parse_manifest(MANIFEST_PATH.read_text(encoding="utf-8"))


def _render(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


# --- manifest.yml passes -----------------------------------------------------------------


def test_manifest_satisfies_slacks_schema() -> None:
    problems = check(load_manifest(), SCHEMA)
    assert not problems, "Slack would refuse manifest.yml:\n" + _render(problems)


def test_readmes_http_mode_variant_also_passes() -> None:
    # README: "turn Socket Mode off and set the three URLs below to https://YOUR-HOST/..."
    manifest = load_manifest()
    url = "https://YOUR-HOST/slack/events"
    manifest["settings"]["socket_mode_enabled"] = False
    manifest["settings"]["event_subscriptions"]["request_url"] = url
    manifest["settings"]["interactivity"]["request_url"] = url
    for command in manifest["features"]["slash_commands"]:
        command["url"] = url
    assert check(manifest, SCHEMA) == []


def test_duplicate_yaml_keys_are_refused() -> None:
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'name'"):
        parse_manifest("display_information:\n  name: a\n  name: b\n")


# --- the validator can fail: one mutation of manifest.yml per constraint ----------------

Mutation: TypeAlias = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Broken:
    """A change to manifest.yml, and the problem the validator must report for it."""

    mutate: Mutation
    path: str
    kind: str


def _steps(dotted: str) -> list[str | int]:
    return [int(step) if step.isdigit() else step for step in dotted.split(".")]


def _shown(dotted: str) -> str:
    """Dotted steps as the validator shows them: shortcuts.0.name -> shortcuts[0].name."""
    return re.sub(r"\.(\d+)", r"[\1]", dotted)


def _parent(dotted: str) -> str:
    return _shown(dotted.rpartition(".")[0])


def _edit(dotted: str, change: Callable[[Any, str | int], None]) -> Mutation:
    def mutate(manifest: dict[str, Any]) -> None:
        *steps, last = _steps(dotted)
        node: Any = manifest
        for step in steps:
            node = node[step]
        change(node, last)

    return mutate


def bad(dotted: str, value: object, kind: str, at: str | None = None) -> Broken:
    """Set `dotted` to `value`; expect `kind` at that value (or at `at`)."""

    def change(node: Any, last: str | int) -> None:
        node[last] = value

    return Broken(_edit(dotted, change), at if at is not None else _shown(dotted), kind)


def missing(dotted: str) -> Broken:
    """Delete a required key; expect "required" at the mapping that lost it."""

    def change(node: Any, last: str | int) -> None:
        del node[last]

    return Broken(_edit(dotted, change), _parent(dotted), "required")


def unknown(dotted: str, value: object) -> Broken:
    """Add a key the schema does not allow; expect "unknown-key" at its mapping."""
    return bad(dotted, value, "unknown-key", at=_parent(dotted))


def copies(dotted: str, count: int, kind: str) -> Broken:
    """Make the list at `dotted` hold `count` copies of its first item."""

    def change(node: Any, last: str | int) -> None:
        node[last] = [copy.deepcopy(node[last][0]) for _ in range(count)]

    return Broken(_edit(dotted, change), _shown(dotted), kind)


DI = "display_information"
COLOUR = f"{DI}.background_color"
LONG = f"{DI}.long_description"
HOME = "features.app_home"
FIRST_SHORTCUT = "features.shortcuts.0"
FIRST_COMMAND = "features.slash_commands.0"
SCOPES = "oauth_config.scopes"
EVENTS = "settings.event_subscriptions.bot_events"
INTERACTIVITY = "settings.interactivity"

BROKEN: dict[str, Broken] = {
    # (root)
    "no display_information": missing(DI),
    "unknown top-level key": unknown("colour", "#4a154b"),
    "unmodelled top-level key": bad("functions", {}, "not-modelled"),
    "major_version a string": bad(
        "_metadata", {"major_version": "1"}, "type", at="_metadata.major_version"
    ),
    "major_version a bool": bad(
        "_metadata", {"major_version": True}, "type", at="_metadata.major_version"
    ),
    # display_information
    "display_information a list": bad(DI, [], "type"),
    "no app name": missing(f"{DI}.name"),
    "empty app name": bad(f"{DI}.name", "", "min-length"),
    "36-char app name": bad(f"{DI}.name", "A" * 36, "max-length"),
    "numeric app name": bad(f"{DI}.name", 123, "type"),
    "empty description": bad(f"{DI}.description", "", "min-length"),
    "141-char description": bad(f"{DI}.description", "d" * 141, "max-length"),
    "colour by name": bad(COLOUR, "purple", "pattern"),
    "colour without #": bad(COLOUR, "4a154b", "pattern"),
    "5-digit colour": bad(COLOUR, "#4a154", "pattern"),
    "non-hex colour": bad(COLOUR, "#4g154b", "pattern"),
    "8-char colour": bad(COLOUR, "#4a154bb", "max-length"),
    "3-char colour": bad(COLOUR, "#4a", "min-length"),
    "174-char long_description": bad(LONG, "x" * 174, "min-length"),
    "4001-char long_description": bad(LONG, "x" * 4001, "max-length"),
    "unknown display key": unknown(f"{DI}.icon", "ally.png"),
    # features
    "features a list": bad("features", [], "type"),
    "unknown feature": unknown("features.workflows", []),
    "unmodelled feature": bad("features.assistant_view", {}, "not-modelled"),
    "home tab a string": bad(f"{HOME}.home_tab_enabled", "true", "type"),
    "messages tab an int": bad(f"{HOME}.messages_tab_enabled", 1, "type"),
    "unknown app_home key": unknown(f"{HOME}.home_tab", True),
    "read-only messages tab a string": bad(f"{HOME}.messages_tab_read_only_enabled", "on", "type"),
    "no bot display name": missing("features.bot_user.display_name"),
    "81-char bot name": bad("features.bot_user.display_name", "b" * 81, "max-length"),
    "empty bot name": bad("features.bot_user.display_name", "", "min-length"),
    "always_online a string": bad("features.bot_user.always_online", "yes", "type"),
    # features.shortcuts
    "28-char shortcut name": bad(
        f"{FIRST_SHORTCUT}.name", "Anonymous programme feedback", "max-length"
    ),
    "empty shortcut name": bad(f"{FIRST_SHORTCUT}.name", "", "min-length"),
    "channel shortcut type": bad(f"{FIRST_SHORTCUT}.type", "channel", "enum"),
    "256-char callback_id": bad(f"{FIRST_SHORTCUT}.callback_id", "c" * 256, "max-length"),
    "empty callback_id": bad(f"{FIRST_SHORTCUT}.callback_id", "", "min-length"),
    "151-char shortcut description": bad(f"{FIRST_SHORTCUT}.description", "d" * 151, "max-length"),
    "shortcut without callback_id": missing(f"{FIRST_SHORTCUT}.callback_id"),
    "shortcut without type": missing(f"{FIRST_SHORTCUT}.type"),
    "shortcut without name": missing(f"{FIRST_SHORTCUT}.name"),
    "empty shortcut description": bad(f"{FIRST_SHORTCUT}.description", "", "min-length"),
    "unknown shortcut key": unknown(f"{FIRST_SHORTCUT}.emoji", ":wave:"),
    "11 shortcuts": copies("features.shortcuts", 11, "max-items"),
    "no shortcuts": bad("features.shortcuts", [], "min-items"),
    "shortcuts a mapping": bad("features.shortcuts", {}, "type"),
    # features.slash_commands
    "33-char command": bad(f"{FIRST_COMMAND}.command", "/" + "a" * 32, "max-length"),
    "command without slash": bad(f"{FIRST_COMMAND}.command", "ally", "pattern"),
    "bare slash command": bad(f"{FIRST_COMMAND}.command", "/", "min-length"),
    "2001-char command description": bad(f"{FIRST_COMMAND}.description", "d" * 2001, "max-length"),
    "empty usage_hint": bad(f"{FIRST_COMMAND}.usage_hint", "", "min-length"),
    "1001-char usage_hint": bad(f"{FIRST_COMMAND}.usage_hint", "u" * 1001, "max-length"),
    "should_escape a string": bad(f"{FIRST_COMMAND}.should_escape", "true", "type"),
    "ftp command url": bad(f"{FIRST_COMMAND}.url", "ftp://host/slack/events", "pattern"),
    "command without description": missing(f"{FIRST_COMMAND}.description"),
    "command without command": missing(f"{FIRST_COMMAND}.command"),
    "empty command description": bad(f"{FIRST_COMMAND}.description", "", "min-length"),
    "no slash commands": bad("features.slash_commands", [], "min-items"),
    "unknown command key": unknown(f"{FIRST_COMMAND}.escape", True),
    "51 slash commands": copies("features.slash_commands", 51, "max-items"),
    # oauth_config
    "unknown scopes key": unknown(f"{SCOPES}.bots", ["commands"]),
    "51-char scope": bad(f"{SCOPES}.bot.0", "s" * 51, "max-length"),
    "256 scopes": bad(f"{SCOPES}.bot", [f"s{i}" for i in range(256)], "max-items"),
    "scopes a string": bad(f"{SCOPES}.bot", "commands", "type"),
    "repeated redirect url": bad(
        "oauth_config.redirect_urls", ["https://a", "https://a"], "unique"
    ),
    "token_management a string": bad("oauth_config.token_management_enabled", "no", "type"),
    # settings
    "unknown settings key": unknown("settings.socket_mode", True),
    "socket mode a string": bad("settings.socket_mode_enabled", "true", "type"),
    "org deploy null": bad("settings.org_deploy_enabled", None, "type"),
    "token rotation an int": bad("settings.token_rotation_enabled", 0, "type"),
    "101 bot events": bad(EVENTS, [f"event_{i}" for i in range(101)], "max-items"),
    "repeated bot event": bad(EVENTS, ["user_change", "user_change"], "unique"),
    "bot events a string": bad(EVENTS, "user_change", "type"),
    "51-char bot event": bad(f"{EVENTS}.0", "e" * 51, "max-length"),
    "relative event url": bad(
        "settings.event_subscriptions.request_url", "/slack/events", "pattern"
    ),
    "unknown event_subscriptions key": unknown("settings.event_subscriptions.events", []),
    "interactivity without is_enabled": missing(f"{INTERACTIVITY}.is_enabled"),
    "is_enabled an int": bad(f"{INTERACTIVITY}.is_enabled", 1, "type"),
    "3501-char interactivity url": bad(
        f"{INTERACTIVITY}.request_url", "https://" + "h" * 3493, "max-length"
    ),
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
def test_validator_reports_each_broken_constraint(broken: Broken) -> None:
    manifest = load_manifest()
    broken.mutate(manifest)
    problems = check(manifest, SCHEMA)
    assert any(p.path == broken.path and p.kind == broken.kind for p in problems), (
        f"expected {broken.kind} at {broken.path!r}, got:\n{_render(problems)}"
    )
    # One change breaks one value, so every problem reported is about that value.
    assert all(p.path.startswith(broken.path) for p in problems), _render(problems)


@pytest.mark.parametrize("colour", ["#4a154b", "#4A154B", "#fff", "#FFF"])
def test_hex_colours_in_three_or_six_digits_pass(colour: str) -> None:
    manifest = load_manifest()
    manifest["display_information"]["background_color"] = colour
    assert check(manifest, SCHEMA) == []


def test_boundary_lengths_pass() -> None:
    manifest = load_manifest()
    manifest["display_information"]["name"] = "n" * 35
    manifest["display_information"]["long_description"] = "x" * 175
    manifest["features"]["shortcuts"][0]["name"] = "s" * 24
    manifest["features"]["slash_commands"][0]["command"] = "/" + "c" * 31
    manifest["features"]["shortcuts"] = manifest["features"]["shortcuts"] * 10
    manifest["settings"]["event_subscriptions"]["bot_events"] = [f"e{i}" for i in range(100)]
    assert check(manifest, SCHEMA) == []


# --- least privilege and the settings the bot relies on ----------------------------------


def test_scopes_are_least_privilege() -> None:
    scopes = load_manifest()["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}, "the bot needs no user or optional scopes"
    assert sorted(scopes["bot"]) == sorted(
        [
            "commands",
            "chat:write",
            "im:write",
            "mpim:write",
            "users:read",
            "files:write",
            # Channel-linked programmes read who joins, leaves or is in a channel.
            "channels:read",
            "groups:read",
        ]
    )
    every_scope = [scope for listed in scopes.values() for scope in listed]
    assert not [scope for scope in every_scope if "history" in scope]


def test_command_events_and_modes() -> None:
    manifest = load_manifest()
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/ally"
    assert command["should_escape"] is True
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "app_home_opened",
        "user_change",
        "member_joined_channel",
        "member_left_channel",
    }
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


# --- the manifest declares what the code listens to, and no more -------------------------

LISTENER_SOURCES: list[Path] = sorted((ROOT / "handlers").glob("*.py")) + sorted(
    (ROOT / "bot").rglob("*.py")
)
_LISTENER = re.compile(r"""\.(event|shortcut|command)\(\s*(["'])([^"']+)\2""")


def registered(kind: str) -> set[str]:
    """What the assembled app listens to: events and shortcuts come from the capability
    registry (what ``create_app`` registers with Bolt); the slash command is the
    literal ``app.command("...")`` in ``handlers/``."""
    if kind == "event":
        return set(capabilities.registry().events)
    if kind == "shortcut":
        return set(capabilities.registry().shortcuts)
    names: set[str] = set()
    for source in LISTENER_SOURCES:
        for match in _LISTENER.finditer(source.read_text(encoding="utf-8")):
            if match.group(1) == kind:
                names.add(match.group(3))
    return names


def test_listener_lookup_sees_the_app() -> None:
    assert ROOT / "handlers" / "commands.py" in LISTENER_SOURCES
    assert {"app_home_opened", "user_change"} <= registered("event")
    assert registered("command") == {"/ally"}


def test_every_event_the_app_listens_to_is_subscribed() -> None:
    listened = registered("event")
    subscribed = set(load_manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert listened - subscribed == set(), "listened to but not subscribed in manifest.yml"
    assert subscribed - listened == set(), "subscribed in manifest.yml but nothing listens"


def test_shortcuts_and_commands_match_their_listeners() -> None:
    features = load_manifest()["features"]
    assert {s["callback_id"] for s in features["shortcuts"]} == registered("shortcut")
    assert {c["command"] for c in features["slash_commands"]} == registered("command")
    assert "ally_feedback" in registered("shortcut")
