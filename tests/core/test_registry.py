"""The registry assembles capabilities in order and refuses clashes."""

from __future__ import annotations

import pytest

from bot.core.blocks import text_reply
from bot.core.registry import Button, Capability, Command, Forgetter, HomeButton, Registry, Task


def _cmd(name: str) -> Command:
    return Command(name, f"/ally {name}", name, lambda s, a, args: text_reply(name))


def test_order_is_capability_order_and_forgetters_run_in_reverse() -> None:
    first = Capability(
        "first",
        "First",
        commands=(_cmd("b"), _cmd("a")),
        tasks=(Task("t1", lambda s: 1),),
        forgetters=(Forgetter("f1", lambda s, t, u: 1),),
    )
    second = Capability(
        "second",
        "Second",
        commands=(_cmd("c"),),
        tasks=(Task("t2", lambda s: 2),),
        forgetters=(Forgetter("f2", lambda s, t, u: 2),),
    )
    registry = Registry([first, second])
    assert list(registry.commands) == ["b", "a", "c"]
    assert list(registry.tasks) == ["t1", "t2"]
    assert [f.name for f in registry.forgetters] == ["f2", "f1"]
    assert [(title, [c.name for c in cmds]) for title, cmds in registry.help_groups()] == [
        ("First", ["b", "a"]),
        ("Second", ["c"]),
    ]


def test_hidden_commands_stay_out_of_help() -> None:
    hidden = Command("secret", "/ally secret", "x", _cmd("secret").run, hidden=True)
    registry = Registry([Capability("only", "Only", commands=(_cmd("shown"), hidden))])
    assert [c.name for _t, cmds in registry.help_groups() for c in cmds] == ["shown"]
    assert "secret" in registry.commands


@pytest.mark.parametrize(
    "capabilities",
    [
        [Capability("x", "X", commands=(_cmd("a"),)), Capability("y", "Y", commands=(_cmd("a"),))],
        [Capability("x", "X"), Capability("x", "Again")],
        [Capability("x", "X", tasks=(Task("t", lambda s: 0), Task("t", lambda s: 0)))],
    ],
)
def test_a_name_twice_is_a_programming_error(capabilities: list[Capability]) -> None:
    with pytest.raises(ValueError, match="contributed twice"):
        Registry(capabilities)


def test_home_buttons_and_message_buttons_do_not_mix() -> None:
    with pytest.raises(ValueError, match="home_"):
        Registry([Capability("x", "X", buttons=(Button("home_x", lambda s, a, v: None),))])
    with pytest.raises(ValueError, match="must start with home_"):
        Registry([Capability("x", "X", home_buttons=(HomeButton("other", lambda s, a, v: 0),))])
