"""Commands declare themselves (``@writes``/``@creates`` in qjtitle/cli/_options.py): a command
that changes the store says so where it is defined, and names the store it changed."""

from __future__ import annotations

import ast
from pathlib import Path

import typer.main

import qjtitle
from qjtitle.cli import app
from qjtitle.cli._options import declared

PACKAGE = Path(qjtitle.__file__).parent


def _commands() -> dict[str, object]:
    """Every leaf command by its name after ``qjtitle``, with its callback."""
    root = typer.main.get_command(app)
    found: dict[str, object] = {}
    stack = [("", root)]
    while stack:
        prefix, command = stack.pop()
        subs = getattr(command, "commands", None)
        if subs is None:
            found[prefix] = command.callback  # type: ignore[attr-defined]
            continue
        for name in list(subs.keys()):
            stack.append((f"{prefix} {name}".strip(), subs[name]))
    return found


COMMANDS = _commands()


def _recorded_commands() -> set[str]:
    """The commands the library names when it writes an audit event (``audit.record(session,
    "draw confirm", …)``): each is a command that changes the store."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                words = node.args[1].value.split(" --")[0]
                if words in COMMANDS:
                    names.add(words)
    return names


def test_every_command_that_writes_an_audit_event_declares_it_writes() -> None:
    recorded = _recorded_commands()
    assert len(recorded) >= 25  # the checker finds the library's writes
    undeclared = sorted(n for n in recorded if not declared(COMMANDS[n]).writes)
    assert undeclared == []


def test_only_the_commands_that_may_start_a_store_create_it() -> None:
    creating = sorted(n for n, cb in COMMANDS.items() if declared(cb).creates)
    assert creating == ["committee add", "db restore", "db upgrade", "import-plan"]
    assert not declared(COMMANDS["applicants list"]).writes


def test_a_correction_names_the_store_it_changed(filing_meeting, cli) -> None:  # type: ignore[no-untyped-def]
    """``applicants correct``, the most sensitive write, prints which store it changed."""
    key = next(iter(filing_meeting.applicants))
    result = cli(
        "applicants",
        "correct",
        key,
        "--set",
        "备注=复核",
        "--reason",
        "复核更正",
        "--db",
        str(filing_meeting.store.path),
    )
    assert f"数据库：{filing_meeting.store.path}" in result.stderr.replace("\n", "")
