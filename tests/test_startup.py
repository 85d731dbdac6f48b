"""Start-up: --help in Chinese, and cheap (no database, spreadsheet or template library imported)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

# The modules pyproject's ruff rule bans at module level outside the library.
HEAVY = ("sqlalchemy", "sqlmodel", "openpyxl", "docxtpl", "docx", "jinja2", "python_calamine", "alembic", "psycopg")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, encoding="utf-8", env=env, timeout=60, check=False
    )


def test_help_lists_the_commands_in_chinese():
    result = run("-m", "qjtitle", "--help")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "曲靖市职称评审委员会办事机构工作工具" in out
    for command, help_start in [
        ("import-applicants", "批量导入各单位报送的申报信息表"),
        ("applicants", "申报人：空白申报表、列表、查看"),
        ("committee", "评委会：新建、列表、查看。"),
        ("demo", "用随附的示例数据演示完整流程"),
    ]:
        assert re.search(rf"│ {re.escape(command)}\s+{re.escape(help_start)}", out), command
    for panel in ("申报", "评委会", "演示"):
        assert f"─ {panel} ─" in out


SNIPPET = """
import json, sys
sys.argv = ["qjtitle", *{args!r}]
from qjtitle.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\n@@" + json.dumps({{"code": code, "modules": sorted({{m.split(".")[0] for m in sys.modules}})}}))
"""


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
    result = run("-c", SNIPPET.format(args=args))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.rsplit("@@", 1)[1])
    assert data["code"] in (0, None)
    assert [m for m in HEAVY if m in data["modules"]] == []


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

    from qjtitle.cli import app

    root = typer.main.get_command(app)

    def walk(command, path):
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), command

    commands = dict(walk(root, []))
    assert {"import-applicants", "applicants template", "applicants list", "applicants show", "applicants corrections",
            "applicants expire", "committee add", "committee list", "committee show", "demo"} <= set(commands)
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
    assert "意外错误：ValueError: something odd" in err
    assert "QJTITLE_DEBUG=1" in err
    assert "Traceback" not in err
    monkeypatch.setenv("QJTITLE_DEBUG", "1")
    with pytest.raises(ValueError, match="something odd"):
        cli_mod.main()
