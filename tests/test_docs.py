"""The README and the help stay in step with the commands (the sqlite-utils practice)."""

from __future__ import annotations

import re
from pathlib import Path

import typer
import typer.main
from typer.core import TyperGroup

from qjtitle.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, object]]:
    root = typer.main.get_command(app)
    found = []

    def walk(prefix: str, command, ctx) -> None:  # type: ignore[no-untyped-def]
        # a group (Typer vendors Click): ask it, as the root builds its commands only on demand
        if isinstance(command, TyperGroup):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"{prefix} {name}: listed but not loadable"
                walk(
                    f"{prefix} {name}".strip(), sub, typer.Context(sub, info_name=name, parent=ctx)
                )
        else:
            found.append((prefix, command))

    walk("", root, typer.Context(root, info_name="qjtitle"))
    return found


def test_every_command_has_chinese_help_with_an_example() -> None:
    commands = _commands()
    assert len(commands) >= 8
    for name, command in commands:
        assert command.help, f"{name} has no help"
        assert re.search(r"[\u4e00-\u9fff]", command.help), f"{name}: help is not Chinese"
        assert "示例：" in command.help, f"{name}: help has no 示例 line"


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name, _ in _commands() if f"qjtitle {name}" not in README]
    assert not missing, f"commands not shown in README.md: {missing}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    test_command = ci[-1].strip()
    assert test_command == 'pip install ".[test]" && python -m pytest'
    blocks = re.findall(r"```\n(.*?)\n```", README, flags=re.DOTALL)
    assert blocks[:2] == ["pip install . && qjtitle demo", test_command]
