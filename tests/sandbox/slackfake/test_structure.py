"""The fake's package shape: small modules, no import cycles, standard library only.

Why test it: the fake is shipped to the sandbox, where neither pytest nor
slack_sdk is installed, and it is read by people debugging a refusal, so the
layout is a contract rather than a preference.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import bot.sandbox.slackfake as package

PACKAGE_DIR = Path(package.__file__).parent
MODULES = sorted(PACKAGE_DIR.glob("*.py"))


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(sibling modules, top-level external packages) imported by ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    siblings: set[str] = set()
    external: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                siblings.add(node.module.split(".")[0])
            elif node.level == 1:
                siblings.update(alias.name for alias in node.names)
            elif node.module:
                external.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            external.update(alias.name.split(".")[0] for alias in node.names)
    return siblings, external


def test_every_module_is_under_600_lines() -> None:
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in MODULES}
    assert len(sizes) > 5
    assert {name: size for name, size in sizes.items() if size >= 600} == {}


def test_only_the_standard_library_is_imported() -> None:
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    for path in MODULES:
        _, external = _imports(path)
        assert external <= allowed, (path.name, external - allowed)


def test_sibling_imports_form_no_cycle() -> None:
    graph = {path.stem: _imports(path)[0] for path in MODULES}
    graph.pop("__init__")
    state: dict[str, str] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        assert state.get(name) != "open", " -> ".join((*trail, name))
        state[name] = "open"
        for child in graph.get(name, set()):
            visit(child, (*trail, name))
        state[name] = "done"

    for name in graph:
        visit(name, ())


def test_public_names_are_re_exported() -> None:
    assert sorted(package.__all__) == sorted(
        [
            "DEFAULT_TOKEN",
            "RESPONSE_URL_METHOD",
            "UPLOAD_METHOD",
            "Call",
            "FakeFile",
            "FakeUser",
            "ManualClock",
            "SlackFake",
        ]
    )
    for name in package.__all__:
        assert getattr(package, name) is not None
