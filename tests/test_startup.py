"""Start-up: --help in Chinese, and cheap (no database, spreadsheet or template library imported)."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from unicodedata import east_asian_width

import pytest

# The modules pyproject's ruff rule bans at module level outside the library.
HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "openpyxl",
    "docxtpl",
    "docx",
    "jinja2",
    "python_calamine",
    "alembic",
    "psycopg",
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )


def panels(out: str) -> dict[str, list[str]]:
    """The root help's panels: title -> the lines inside the box (borders stripped), in order."""
    found: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        if line.startswith("╭─ "):
            current = found.setdefault(line[3:].split(" ─", 1)[0], [])
        elif line.startswith("╰"):
            current = None
        elif current is not None:
            current.append(line[2:-2].rstrip())
    return found


def rows(panel: list[str]) -> dict[str, str]:
    """A command panel's rows: name -> its summary, wrapped lines joined."""
    found: dict[str, str] = {}
    for line in panel:
        if line[:1] != " ":
            name, _, text = line.partition(" ")
            found[name] = text.strip()
        else:
            found[name] += " " + line.strip()
    return found


def test_help_lists_the_commands_in_chinese():
    from qjtitle.cli import COMMANDS

    result = run("-m", "qjtitle", "--help")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "用法：" in out and "[选项] 命令 [参数]..." in out
    assert "曲靖市职称评审委员会办事机构工作工具" in out
    for command, help_start in [
        ("import-applicants", "批量导入各单位报送的申报信息表"),
        ("applicants", "申报人：空白申报表、列表、查看"),
        ("committee", "评委会：新建、列表、查看。"),
        ("demo", "用随附的示例数据演示完整流程"),
    ]:
        assert re.search(rf"│ {re.escape(command)}\s+{re.escape(help_start)}", out), command
    for panel in ("选项", "申报", "评委会", "演示"):
        assert f"─ {panel} ─" in out
    found = panels(out)
    assert list(found) == ["选项", *dict.fromkeys(e.panel for e in COMMANDS.values())]
    options = "\n".join(found["选项"])
    assert re.search(r"--as\s+姓名\s+操作人姓名", options)
    assert "[环境变量 QJTITLE_USER]" in options
    assert re.search(r"--help\s+-h\s+显示本帮助后退出。", options)
    for name, entry in COMMANDS.items():
        assert rows(found[entry.panel])[name] == entry.summary, name  # whole: wrapped, not cut


def test_help_wraps_long_lines_instead_of_cutting_them(cli, monkeypatch):
    from qjtitle.cli import COMMANDS

    monkeypatch.setenv("COLUMNS", "60")
    result = cli("--help")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(sum(1 + (east_asian_width(c) in "WF") for c in line) for line in lines) == 60
    assert all(line.endswith("│") for line in lines if line.startswith("│"))
    assert "…" not in result.stdout
    found = panels(result.stdout)
    for name, entry in COMMANDS.items():
        summary = rows(found[entry.panel])[name]
        assert summary.replace(" ", "") == entry.summary.replace(" ", ""), name
    # no wrapped line starts with closing punctuation
    starts = {line.strip()[0] for part in found.values() for line in part if line[:1] == " "}
    assert not starts & set("，。、；：）")


def test_no_arguments_show_the_help(cli):
    result = cli()
    assert result.exit_code == 2  # as Typer's no_args_is_help
    assert "用法：" in result.stdout and "─ 申报 ─" in result.stdout
    assert "import-applicants" in result.stdout


@pytest.mark.parametrize("name", ["nosuch", "drwa-experts"])
def test_an_unknown_command_is_a_chinese_usage_error(cli, name):
    result = cli(name)
    assert result.exit_code == 2
    assert f"没有 {name} 这个命令" in result.stderr
    if name == "drwa-experts":
        assert "您是不是要用 draw-experts 或" in result.stderr


def test_the_table_is_the_root(cli):
    """Every table entry loads, is what it says (a sub-app or a command) and has help; the root
    lists exactly the table, in order."""
    import typer
    import typer.main
    from typer.core import TyperCommand, TyperGroup

    from qjtitle.cli import COMMANDS, app

    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="qjtitle")
    assert root.list_commands(ctx) == list(COMMANDS)
    assert root.get_command(ctx, "nosuch") is None
    for name, entry in COMMANDS.items():
        module, attribute = entry.target.split(":")
        target = getattr(importlib.import_module(module), attribute)
        command = root.get_command(ctx, name)
        assert command is not None and command.name == name
        if isinstance(target, typer.Typer):
            assert isinstance(command, TyperGroup) and command.commands, name
        else:
            assert callable(target) and isinstance(command, TyperCommand), name
            assert not isinstance(command, TyperGroup), name
        assert command.help and command.help.split("\n\n")[0] == entry.summary, name
        assert command.rich_help_panel == entry.panel, name
        assert root.get_command(ctx, name) is command  # built once
        assert cli(name, "--help").exit_code == 0, name


SNIPPET = """
import json, sys
sys.argv = ["qjtitle", *{args!r}]
from qjtitle.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\n@@" + json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def modules_after(args: list[str]) -> tuple[int | None, list[str]]:
    """Run qjtitle with ``args`` in a fresh interpreter: its exit code and every module imported."""
    result = run("-c", SNIPPET.format(args=args))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.rsplit("@@", 1)[1])
    return data["code"], data["modules"]


@pytest.mark.parametrize(
    ("args", "exit_code"), [(["--help"], 0), (["-h"], 0), ([], 2), (["--version"], 0)]
)
def test_root_help_imports_no_command_module_nor_rich(args, exit_code):
    """The root help is drawn from the table: no command's module, and neither Typer's Rich help
    (typer.rich_utils: markdown-it, Pygments) nor Rich itself, which alone would cost about the
    whole start-up budget (0.5 x import typer; benchmarks/bench_startup.py)."""
    code, modules = modules_after(args)
    assert code == exit_code  # no command: the help, as a usage error (Click's convention)
    assert {m for m in modules if m.startswith("qjtitle.")} <= {
        "qjtitle.cli",
        "qjtitle.cli._lazy",
        "qjtitle.cli._zh",
    }
    assert [m for m in modules if m.split(".")[0] in ("rich", "markdown_it", "pygments")] == []
    assert "typer.rich_utils" not in modules


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["applicants", "--help"],
        ["import-applicants", "--help"],
        ["committee", "add", "--help"],
        ["applicants", "corrections", "--help"],
        ["demo", "--help"],
        ["--version"],
    ],
)
def test_help_imports_no_heavy_library(args):
    code, modules = modules_after(args)
    assert code in (0, None)
    assert [m for m in HEAVY if m in {m.split(".")[0] for m in modules}] == []


@pytest.mark.parametrize(
    "args",
    [
        ["applicants", "list"],
        ["applicants", "list", "--json"],
        ["committee", "list"],
        ["audit", "list"],
        ["audit", "list", "--json", "--command", "import"],
        ["imports", "list"],
        ["imports", "list", "--json", "--committee", "QJ-WS-ZJ"],
    ],
)
def test_a_listing_loads_only_what_it_reads(store, committee, make_workbook, args):
    """On an SQLite store at the current schema (qjtitle.store.read_store): no SQLAlchemy, models,
    Alembic, spreadsheet, template or holiday library, nor python-stdnum, nor Typer's Pydantic
    coercion for options not given (qjtitle.cli._lazy.defer_coercion)."""
    from qjtitle.intake.applicants import import_applicants
    from tests.conftest import applicant_row

    rows = [
        applicant_row(),
        applicant_row(序号=2, 姓名="王芳", 身份证号码="x", 工作单位="富源县人民医院"),
    ]
    import_applicants(store, [make_workbook(rows)], "QJ-WS-ZJ", 2023)  # one with a problem
    store.close()
    code, modules = modules_after(args)
    assert code in (0, None)
    tops = {m.split(".")[0] for m in modules}
    assert sorted(tops & {*HEAVY, "holidays", "pydantic", "stdnum"}) == []
    assert "qjtitle.models" not in modules and "qjtitle.store.engine" not in modules


def test_importtime_of_help():
    result = run("-X", "importtime", "-m", "qjtitle", "--help")
    assert result.returncode == 0
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "qjtitle" in imported and "typer" in imported
    assert sorted(imported & set(HEAVY)) == []


def test_version(cli):
    from qjtitle import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"qjtitle {__version__}\n"


def test_every_command_has_chinese_help_with_an_example():
    import typer
    from typer.core import TyperGroup

    from qjtitle.cli import app

    root = typer.main.get_command(app)

    def walk(command, path, ctx):
        # through list_commands/get_command: the root's commands are built only when asked for
        if isinstance(command, TyperGroup):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                yield from walk(sub, [*path, name], typer.Context(sub, info_name=name, parent=ctx))
        else:
            yield " ".join(path), command

    commands = dict(walk(root, [], typer.Context(root, info_name="qjtitle")))
    assert {
        "import-applicants",
        "applicants template",
        "applicants list",
        "applicants show",
        "applicants corrections",
        "applicants expire",
        "committee add",
        "committee list",
        "committee show",
        "demo",
    } <= set(commands)
    for name, command in commands.items():
        assert re.search(r"[\u4e00-\u9fff]", command.help or ""), name
        assert "示例：qjtitle " in (command.help or ""), name


def test_unexpected_errors_become_one_chinese_line(monkeypatch, capsys):
    import qjtitle.cli as cli_mod

    def broken():
        raise ValueError("something odd")

    monkeypatch.setattr(cli_mod, "app", broken)
    with pytest.raises(SystemExit) as info:
        cli_mod.main()
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "意外错误（ValueError）" in err and "something odd" not in err  # no library text
    assert "QJTITLE_DEBUG=1" in err
    assert "Traceback" not in err
    monkeypatch.setenv("QJTITLE_DEBUG", "1")
    with pytest.raises(ValueError, match="something odd"):
        cli_mod.main()


@pytest.mark.parametrize("columns", ["²", "0", "abc", "-5", "9999999999"])
def test_odd_terminal_widths_still_give_the_help(cli, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    result = cli("--help")
    assert result.exit_code == 0
    assert "─ 申报 ─" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 1000
