"""The command line speaks Chinese end to end: common mistakes, every help page at 80 columns,
dates as people type them."""

from __future__ import annotations

import re
from pathlib import Path
from unicodedata import east_asian_width

import pytest

ENGLISH_FRAME = re.compile(
    r"Usage|Error|Try |Options|Arguments|Commands|required\]|default:|env var|Show this message|"
    r"No such|Missing|Invalid|Did you mean|unexpected|Traceback|<int>|<str>|<bool>|<path>|list\[|%Y"
)
ADD = [
    "committee",
    "add",
    "QJ-WS-ZJ",
    "--name",
    "曲靖市卫生系列中级评委会",
    "--level",
    "中级",
    "--series",
    "卫生",
]
MEETING = ["meeting", "add", "--committee", "QJ-WS-ZJ", "--place", "会议中心", "--size", "11"]

# (what was typed, what the answer must say)
MISTAKES = [
    (["committee", "list", "--bogus"], "没有 --bogus 这个选项"),
    (["committee", "show"], "缺少参数「代码」"),
    (["comittee", "list"], "没有 comittee 这个命令；您是不是要用 committee"),
    (["draw", "confrim", "1", "2"], "没有 confrim 这个命令；您是不是要用 confirm"),
    ([*MEETING, "--date", "2023-13-01"], "不是存在的日期"),
    ([*MEETING, "--date", "11/20/2023"], "请把4位年份写在前面"),
    ([*MEETING, "--date", "23-11-20"], "请写4位年份"),
    ([*MEETING, "--date", "2023-11"], "只写到月；请写到日"),
    ([*MEETING, "--date", "下周一"], "请写成 2023-11-20、2023/11/20"),
    (
        [
            "meeting",
            "add",
            "--committee",
            "QJ-WS-ZJ",
            "--date",
            "2023-11-20",
            "--place",
            "x",
            "--size",
            "十一",
        ],
        "选项 --size 要写数字",
    ),
    (["meeting", "add", "--date", "2023-11-20"], "缺少选项 --committee"),
    (["committee", "show", "QJ-NONE"], "QJ-NONE"),
    (["import-experts", "不存在的专家库.xlsx", "--committee", "QJ-WS-ZJ"], "不存在的专家库.xlsx"),
    (
        ["import-experts", "专家库.xlsx", "--committee", "QJ-WS-ZJ", "--dry-run", "true"],
        "开关选项后面不用写 true/false",
    ),
    (["committee", "list", "多余"], "多出了 多余"),
    (["committee", "list", "--db"], "选项 --db 后面要写一个值"),
    (["meeting", "show", "99"], "99"),
    (["db", "restore", "."], "是文件夹；这里要一个文件"),
    (["committee", "list", "--json", "yes"], "开关选项后面不用写"),
]


@pytest.fixture
def with_committee(cli):
    assert cli(*ADD).exit_code == 0


@pytest.mark.parametrize(
    ("args", "expected"), MISTAKES, ids=[" ".join(a)[:40] for a, _ in MISTAKES]
)
def test_common_mistakes_are_answered_in_chinese(
    cli, with_committee, tmp_path, monkeypatch, args, expected
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "专家库.xlsx").write_bytes(b"")
    result = cli(*args)
    assert result.exit_code != 0
    assert expected in " ".join(result.stderr.split()), result.stderr
    assert "错误：" in result.stderr
    assert not ENGLISH_FRAME.search(result.output), result.output
    if (
        result.exit_code == 2
    ):  # a usage error shows how the command is written and where to read more
        assert "用法：qjtitle " in result.stderr or "后面要写一个值" in result.stderr


def all_commands():
    import typer.main

    from qjtitle.cli import app

    root = typer.main.get_command(app)
    found = []
    stack = [([], root)]
    while stack:
        path, command = stack.pop()
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            stack.append(([*path, name], sub))
    return sorted(found)


def cells(line: str) -> int:
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in line)


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "qjtitle")
def test_every_help_is_chinese_and_wraps_at_80_columns(cli, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "80")
    result = cli(*path, "--help")
    assert result.exit_code == 0
    out = result.stdout
    assert "用法：" in out and "选项" in out and "显示本帮助后退出。" in out
    assert "…" not in out
    assert not ENGLISH_FRAME.search(out), out
    assert max(cells(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize(
    "typed", ["2023-11-20", "2023/11/20", "20231120", "2023.11.20", "2023年11月20日"]
)
def test_five_date_spellings_are_accepted(cli, with_committee, typed):
    result = cli(*MEETING, "--date", typed)
    assert result.exit_code == 0, result.output
    shown = cli("meeting", "list", "--json")
    assert '"date": "2023-11-20"' in shown.stdout


def test_a_flag_is_not_labelled_with_its_type(cli):
    out = cli("import-applicants", "--help").stdout
    assert re.search(r"--dry-run\s{2,}\S", out)  # no value word between the flag and its help
    assert "<bool>" not in out and "文件" in out


def test_usage_errors_stay_in_english_only_for_debugging(cli, monkeypatch):
    monkeypatch.setenv("QJTITLE_DEBUG", "1")
    result = cli("committee", "list", "--bogus")
    assert result.exit_code == 2 and "[QJTITLE_DEBUG] NoSuchOption" in result.stderr


def test_no_library_text_in_a_bad_store_address(cli):
    result = cli("committee", "list", "--db", "postgresql+psycopg://u@h:notaport/db")
    assert result.exit_code == 1
    assert "Could not parse" not in result.stderr and "Traceback" not in result.stderr


def test_chinese_file_names_in_a_missing_file(cli, with_committee, tmp_path):
    missing = Path(tmp_path) / "收件" / "第一人民医院.xlsx"
    result = cli("import-applicants", str(missing), "--committee", "QJ-WS-ZJ", "--year", "2023")
    assert result.exit_code != 0 and "第一人民医院.xlsx" in result.stderr
    assert not ENGLISH_FRAME.search(result.output)


def test_help_in_colour_keeps_its_columns(cli, monkeypatch):
    """Colour codes take no room on the screen: a coloured help is as wide as a plain one."""
    monkeypatch.setenv("COLUMNS", "80")
    plain = cli("meeting", "add", "--help").stdout
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("TERM")
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = cli("meeting", "add", "--help").stdout
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_old_spellings_still_work_but_are_not_shown(cli, with_committee):
    added = cli(*MEETING, "--date", "2023-11-20", "--end-date", "2023-11-21")
    assert added.exit_code == 0, added.output
    assert "2023-11-20 至 2023-11-21" in added.stdout
    assert "--end-date" not in cli("meeting", "add", "--help").stdout
    shown = cli("schedule", "1", "--today", "2023-09-25")
    assert shown.exit_code == 0, shown.output
    help_text = cli("schedule", "show", "--help").stdout
    assert "--today" not in help_text and "--ics" not in help_text and "--date" in help_text


def test_status_names_the_store_and_points_to_the_years_with_meetings(cli, with_committee, db_path):
    assert cli(*MEETING, "--date", "2023-11-20").exit_code == 0
    result = cli("status", "--year", "2030")
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert f"数据库：{db_path}" in flat
    assert (
        "2030年度没有评审会议。有会议的年度：2023年度（1次）；查看：qjtitle status --year 2023"
        in flat
    )


def test_a_missing_file_is_missing_not_corrupt(cli, with_committee):
    result = cli("import-plan", "没有这个文件.xlsx", "--year", "2023")
    assert result.exit_code == 1
    assert (
        "找不到文件 没有这个文件.xlsx" in " ".join(result.stderr.split())
        and "损坏" not in result.stderr
    )
    sheet = cli("meeting", "review", "1", "--from-sheet", "没有.xlsx")
    assert (
        "找不到文件 没有.xlsx" in " ".join(sheet.stderr.split())
        and "does not exist" not in sheet.stderr
    )


def test_a_backup_makes_its_folder(cli, with_committee, tmp_path):
    target = tmp_path / "备份" / "2023" / "qjtitle.db"
    result = cli("db", "backup", str(target))
    assert result.exit_code == 0, result.output
    assert target.is_file()


def test_a_meeting_on_a_public_holiday_is_warned(cli, with_committee):
    result = cli(*MEETING, "--date", "2023-10-01")
    assert result.exit_code == 0
    assert "2023-10-01（日）是法定节假日（国庆节），不是工作日" in " ".join(result.stderr.split())


def test_a_provisional_deadline_shows_the_other_possible_date(cli, with_committee):
    """2027-10-04/05 are guessed substitute days off: the pre-meeting filing is due 09-29 if they are
    off (shown, the safe one) and 10-04 if they are worked (shown beside it)."""
    assert cli(*MEETING, "--date", "2027-10-11").exit_code == 0
    out = " ".join(cli("schedule", "1", "--date", "2027-01-04").stdout.split())
    assert (
        "不晚于 2027-09-29（三）（暂定）；补假若与推测不同：不晚于 2027-10-04（一）"
        in out.replace("│ ", "")
    )
    published = cli(*MEETING, "--date", "2023-10-16")
    assert published.exit_code == 0
    assert "补假若与推测不同" not in cli("schedule", "2", "--date", "2023-09-01").stdout


def test_operating_system_errors_are_told_in_chinese(cli, with_committee, tmp_path, monkeypatch):
    from qjtitle.cli._errors import os_error_text

    assert os_error_text(PermissionError(13, "Permission denied", "名册.xlsx")).startswith(
        "没有权限读写 名册.xlsx"
    )
    assert os_error_text(OSError(28, "No space left on device")) == "磁盘已满；请清理磁盘空间后重试"
    out = tmp_path / "只读"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = cli("applicants", "template", "--out", str(out / "空白.xlsx"))
    finally:
        out.chmod(0o700)
    if result.exit_code:  # root may write anyway
        assert "Errno" not in result.stderr and "Permission denied" not in result.stderr
        assert "错误：" in result.stderr
