"""Findings (DESIGN.md › Findings): the library states facts, the edges word them.

- Every step a fix can point to has a command line in the CLI and a phrase for documents.
- No string in the library outside ``qjtitle/cli/`` spells a command line (``qjtitle …``) or an
  ``--option`` (the demo and the standalone verifier excepted: they are programs of their own).
- The CLI words a finding's field as the running command's option, a step as its command line.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import qjtitle
from qjtitle.cli._findings import COMMANDS, command_line, say
from qjtitle.documents.findings import PHRASES, officer_text
from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.findings import Finding, Severity, Step, finding

PACKAGE = Path(qjtitle.__file__).parent
EXEMPT = ("cli/", "demo.py", "verify_record.py", "store/migrations/")
SPELLING = re.compile(r"qjtitle [a-z]|(?<![\w-])--[a-z][a-z-]+")

# Library modules that still spell commands or options, with how many strings do. Issue 26 moves
# them to findings; the counts may only go down, and a module leaves this table at zero.
STILL_SPELLING: dict[str, int] = {
    "experts/drawing.py": 1,  # the audit log's command name "draw-experts --fill" (stored)
    "filing/package.py": 4,  # the argv of LibreOffice (soffice --headless …), not text
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def spelled(path: Path) -> list[str]:
    """The string literals of ``path`` (not docstrings) that spell a command line or an option."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and SPELLING.search(node.value)
        ):
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value[:60]}")
    return found


def library_spelling() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(EXEMPT):
            continue
        hits = spelled(path)
        if hits:
            out[rel] = hits
    return out


def test_no_command_line_or_option_in_library_text() -> None:
    found = library_spelling()
    grown = {rel: hits for rel, hits in found.items() if len(hits) > STILL_SPELLING.get(rel, 0)}
    assert grown == {}, "word these as findings (qjtitle.findings): the CLI spells commands"
    stale = {rel: n for rel, n in STILL_SPELLING.items() if len(found.get(rel, [])) < n}
    assert stale == {}, "lower these counts in STILL_SPELLING (remove a module at zero)"


def test_every_step_has_a_command_line_and_a_phrase() -> None:
    assert set(COMMANDS) == set(Step)
    assert set(PHRASES) == set(Step)
    for step in Step:
        assert command_line(step).startswith("qjtitle ")
        assert "qjtitle" not in PHRASES[step] and "--" not in PHRASES[step]


def test_a_step_is_a_command_line_for_the_terminal_and_a_phrase_for_a_document() -> None:
    found = finding(
        "draw.none",
        "评审会议 7 还没有有效的抽取记录",
        step=Step.DRAW_EXPERTS,
        hint="请先抽取",
        meeting=7,
    )
    assert say(found) == "评审会议 7 还没有有效的抽取记录；请先抽取：qjtitle draw-experts 7 …"
    assert officer_text(found) == "评审会议 7 还没有有效的抽取记录；请先抽取"
    bare = finding("draw.none", "没有记录", step=Step.LIST_DRAWS)
    assert say(bare) == "没有记录；请运行 qjtitle draw list --meeting 评审会议编号"
    assert officer_text(bare) == "没有记录；请核对抽取记录"


def test_a_field_is_the_running_commands_option() -> None:
    found = finding(
        "draw.no_supervisor", "抽取须有监督人员", field="supervisors", hint="写明监督人员"
    )
    assert (
        say(found, {"supervisors": "--supervisor"})
        == "抽取须有监督人员；请用 --supervisor 写明监督人员"
    )
    assert say(found) == "抽取须有监督人员；请用 --supervisors 写明监督人员"
    assert officer_text(found) == "抽取须有监督人员；请写明监督人员"


def test_an_error_carries_its_finding_and_json_gives_it_as_it_is() -> None:
    exc = InvalidValue(
        finding("x.y", "事实", field="date", hint="核对日期", rule="DRAWERS", day="2026-01-02")
    )
    assert str(exc) == "事实"
    data = json.loads(json.dumps(exc.finding.as_json(), ensure_ascii=False))
    assert data["code"] == "x.y" and data["severity"] == "error"
    assert data["rule"]["name"] == "DRAWERS" and data["rule"]["source"]
    assert data["facts"] == {"day": "2026-01-02"}
    assert data["fix"] == {
        "step": None,
        "field": "date",
        "args": {"day": "2026-01-02"},
        "hint": "核对日期",
    }
    plain = QjtitleError("只有文字")
    assert (
        plain.finding == Finding("error", "只有文字") and plain.finding.severity is Severity.ERROR
    )


def test_the_cli_finds_the_running_commands_options_by_parameter_name() -> None:
    """drawing.py names the field ``supervisors``; draw-experts spells it --supervisor, and a
    sub-command's options are found through its group."""
    import typer.main

    from qjtitle.cli import app
    from qjtitle.cli._lazy import options_of

    root = typer.main.get_command(app)
    draw = options_of(root, ["draw-experts", "1", "--drawer", "甲"])  # type: ignore[arg-type]
    assert draw["supervisors"] == "--supervisor" and draw["drawers"] == "--drawer"
    confirm = options_of(root, ["draw", "confirm", "3"])  # type: ignore[arg-type]
    assert confirm["reason"] == "--reason"


def test_errors_are_mapped_in_one_place() -> None:
    """One table (qjtitle/cli/_errors.py) words every error; no command catches errors to word them
    itself. Option callbacks (_options.py) turn a library error into Click's bad-value error, and a
    command may re-raise after adding a hint, but nothing else catches QjtitleError."""
    catching = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        if path.name in ("_errors.py", "_options.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "friendly_errors" not in text, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                reraises = any(isinstance(n, ast.Raise) and n.exc is None for n in ast.walk(node))
                if "QjtitleError" in names and not reraises:
                    catching.append(path.name)
    assert catching == ["meeting.py"]  # meeting show: no draw yet is not an error there


def test_every_command_line_names_a_real_command_its_options_and_its_arguments() -> None:
    """A step's command line runs as typed: the command exists, each option is one of its options, and
    every required argument has a word (``qjtitle db backup`` lacked the file it requires)."""
    from typing import Any

    import typer.main
    from typer._click import Context

    from qjtitle.cli import app

    root: Any = typer.main.get_command(app)
    for step in Step:
        words = command_line(step).split()[1:]
        command = root
        while hasattr(command, "get_command"):  # a group: the next word is its sub-command
            command = command.get_command(Context(root), words.pop(0))
            assert command is not None, (step, command_line(step))
        params = command.params
        opts = {o for p in params for o in (*p.opts, *p.secondary_opts)}
        positional: list[str] = []
        for word, before in zip(words, [None, *words], strict=False):
            if word.startswith("--"):
                assert word in opts, (step, word)
                continue
            option = next((p for p in params if before in p.opts), None)
            if word == "…" or (option is not None and not getattr(option, "is_flag", True)):
                continue  # the value of the option before it
            positional.append(word)
        required = [p.name for p in params if p.param_type_name == "argument" and p.required]
        assert len(positional) >= len(required), (step, command_line(step), required)
        for p in params:  # a required option is written too (corrections needs --out)
            if p.param_type_name == "option" and p.required:
                assert set(p.opts) & set(words), (step, command_line(step), p.opts)


def test_a_confirmation_names_the_record_and_the_expert_it_knows() -> None:
    """draw confirm takes the record and then the expert: a fix that knows both fills both (the
    attendance check printed "draw confirm 抽取记录编号 3" with the expert's number in the record's place)."""
    known = finding(
        "meeting.not_confirmed",
        "罗志军 尚未确认参会",
        step=Step.CONFIRM_DRAW,
        hint="请先记录其答复",
        record=1,
        expert="罗志军",
    )
    assert (
        say(known)
        == "罗志军 尚未确认参会；请先记录其答复：qjtitle draw confirm 1 罗志军 --accepted"
    )
    assert command_line(Step.CONFIRM_DRAW) == "qjtitle draw confirm 抽取记录编号 专家 --accepted"
    assert command_line(Step.CHOOSE_CHAIR, {"meeting": 2}) == "qjtitle meeting chair 2 专家"
