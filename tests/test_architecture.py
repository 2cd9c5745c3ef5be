"""The layout holds by test, not by review: no import cycles (imports inside functions
included), no runtime module over 600 lines, importing registers nothing, and every
contribution lives in the package of the capability that contributes it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.capabilities import CAPABILITIES, registry
from bot.core.registry import Capability

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ("bot", "handlers", "storage")
MAX_LINES = 600


def runtime_modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for top in RUNTIME:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import executed at run time, at any depth (``if TYPE_CHECKING`` excluded)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            yield from (n for child in node.orelse for n in _imports_in(child))
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    yield from _imports(node)


def import_graph() -> dict[str, set[str]]:
    modules = runtime_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif node.level == 0 and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                # Importing a.b.c runs a and a.b too; count the deepest module we own.
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    graph = import_graph()
    assert len(graph) > 60
    assert "bot.core.registry" in graph["bot.core.capability"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_cycles_inside_functions(tmp_path: Path) -> None:
    tree = ast.parse("def f():\n    from bot.core import admin\n")
    assert [type(n).__name__ for n in _imports(tree)] == ["ImportFrom"]
    guarded = ast.parse("if TYPE_CHECKING:\n    import bot.app\nelse:\n    import bot.cli\n")
    assert [a.name for n in _imports(guarded) for a in n.names] == ["bot.cli"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_runtime_module_over_600_lines() -> None:
    too_long = {
        name: n
        for name, path in runtime_modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}


ALLOWED_DECORATORS = {
    "dataclass",
    "staticmethod",
    "classmethod",
    "property",
    "contextmanager",
    "cache",
    "lru_cache",
    "cached_property",
    "overload",
    "override",
    "wraps",
}


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else "?"


def side_effects(tree: ast.Module) -> list[str]:
    """Top-level statements that could register something somewhere when imported."""
    found: list[str] = []
    for node in tree.body:
        where = f"line {node.lineno}"
        if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
            found.append(f"{where}: a call at import time")
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(node, ast.AugAssign) or any(
                not isinstance(t, ast.Name | ast.Tuple) for t in targets
            ):
                found.append(f"{where}: assigns into another object")
        elif isinstance(node, ast.For | ast.While | ast.With | ast.Try):
            found.append(f"{where}: a loop or block at import time")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found += [
                f"{where}: decorator @{_decorator_name(d)}"
                for d in node.decorator_list
                if _decorator_name(d) not in ALLOWED_DECORATORS
            ]
        elif (
            isinstance(node, ast.If)
            and not _type_checking_only(node)
            and not ast.unparse(node.test).startswith("__name__ ==")
        ):
            found.append(f"{where}: a conditional at import time")
    return found


#: Entry points exist to do something when run: ``python -m bot`` and the WSGI module.
ENTRY_POINTS = {"bot.__main__", "bot.wsgi"}


def test_importing_a_module_registers_nothing() -> None:
    offenders = {
        name: problems
        for name, path in runtime_modules().items()
        if "migrations" not in name
        and name not in ENTRY_POINTS
        and (problems := side_effects(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}


def test_the_side_effect_check_can_fail() -> None:
    bad = ast.parse(
        "home.ACTIONS['x'] = f\nscheduler.TASKS.append(t)\n"
        "@command('x')\ndef f(): pass\nfor r in R: register(r)\n"
    )
    assert len(side_effects(bad)) == 4
    good = ast.parse('"""doc"""\nX = 1\n@dataclass(frozen=True)\nclass A: pass\n')
    assert side_effects(good) == []


def _owner_package(capability: Capability) -> str:
    return f"bot.{capability.name}"


CONTRIBUTIONS = {
    "commands": "run",
    "admin_actions": ("run", "standalone"),
    "buttons": "run",
    "home_buttons": "run",
    "modals": "run",
    "shortcuts": "run",
    "events": "run",
    "tasks": "run",
    "home_sections": "render",
    "summary_sources": "cells",
    "forgetters": "run",
    "cli_verbs": ("configure", "run"),
}


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.name)
def test_every_contribution_is_defined_in_its_capability_package(capability: Capability) -> None:
    package = _owner_package(capability)
    seen = 0
    for kind, attrs in CONTRIBUTIONS.items():
        for item in getattr(capability, kind):
            for attr in (attrs,) if isinstance(attrs, str) else attrs:
                fn = getattr(item, attr)
                if fn is None:
                    continue
                seen += 1
                module = getattr(fn, "__module__", "") or ""
                assert module == package or module.startswith(package + "."), (
                    f"{capability.name}.{kind}: {item!r} is defined in {module}"
                )
    for hook in (*capability.member_changed, *capability.member_departed):
        assert hook.__module__.startswith(package + ".")
    assert seen > 0


def test_help_order_is_the_capability_order() -> None:
    r = registry()
    assert [c.name for c in CAPABILITIES] == [
        "core",
        "membership",
        "programmes",
        "pairing",
        "prompts",
        "feedback",
        "reporting",
    ]
    assert [name for _title, cmds in r.help_groups() for name in (c.name for c in cmds)] == [
        "help",
        "forget",
        "admin",
        "join",
        "status",
        "hours",
        "pause",
        "resume",
        "leave",
        "programmes",
        "checkin",
        "end-pairing",
        "never",
        "reflect",
        "journal",
        "prompts",
        "feedback",
        "uncomfortable",
        "reply",
        "summary",
    ]


def test_scheduler_task_order_is_pinned() -> None:
    assert list(registry().tasks) == [
        "prune-events",
        "resume-paused",
        "refresh-timezones",
        "reconcile-accounts",
        "channel-invitations",
        "pairing-rounds",
        "checkin-nudges",
        "prompts",
        "close-feedback-weeks",
        "concern-batch",
        "feedback-answers",
        "snapshot-weeks",
        "lead-digest",
    ]


def test_a_name_contributed_twice_is_refused() -> None:
    from bot.core.registry import Registry

    with pytest.raises(ValueError, match="contributed twice"):
        Registry(
            [
                *CAPABILITIES,
                CAPABILITIES[1].__class__(
                    name="again", title="x", commands=CAPABILITIES[1].commands
                ),
            ]
        )
