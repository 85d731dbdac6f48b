"""The calendar, schedule, status and import-plan commands through the CLI, and the demo's meeting."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar

from qjtitle import meetings as meeting
from qjtitle.calendar import milestones, schedule

CLEAN = [
    ("notice", "2023-09-20"),
    ("recommendation-publicity", "2023-10-16", "2023-10-20"),
    ("pre-publicity", "2023-10-30", "2023-11-03"),
    ("draw", "2023-11-08"),
    ("pre-filing", "2023-11-10"),
    ("consent", "2023-11-15"),
    ("result-publicity", "2023-11-21", "2023-11-27"),
    ("post-filing", "2023-12-01"),
    ("appointment", "2023-12-20"),
    ("platform-entry", "2023-12-22"),
]


def flat(text: str) -> str:
    """Output without the table's line breaks and padding."""
    return re.sub(r"[\s│┃]+", "", text)


@pytest.fixture
def monday(store, committee) -> int:
    m, _ = meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, "曲靖市会议中心")
    return m.id or 0


def record(cli, *args: str):  # type: ignore[no-untyped-def]
    key, first, *rest = args
    extra = ["--end", rest[0], *rest[1:]] if rest else []
    return cli("schedule", "record", "1", key, first, *extra, "--today", "2024-01-15")


def record_chain(store, change: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """CLEAN recorded through the library (fast), with ``change`` replacing one milestone."""
    for args in CLEAN:
        key, first, *rest = change if change and args[0] == change[0] else args
        last = date.fromisoformat(rest[0]) if rest else None
        schedule.record(
            store,
            1,
            key,
            date.fromisoformat(first),
            last,
            today=date(2024, 1, 15),
            force_reason="照实登记（测试核对规则）",
        )


# --- schedule ---------------------------------------------------------------------------------


def test_schedule_meeting_prints_the_plan_table(cli, monday) -> None:
    result = cli("schedule", "1", "--today", "2023-09-25")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "会议1：曲靖市卫生系列中级职称评审委员会，2023-11-20，曲靖市会议中心，11人" in out
    assert "会前备案不晚于2023-11-13（一）31待办通知二" in out
    assert "会前公示2023-11-06（一）至2023-11-10（五）26待办通知三（一）" in out
    assert "剩余工作日自2023-09-25起算（当日不计）" in out
    assert result.stdout == cli("schedule", "show", "1", "--today", "2023-09-25").stdout


def test_schedule_json_and_ics(cli, monday, tmp_path: Path) -> None:
    ics = tmp_path / "会议.ics"
    result = cli("schedule", "1", "--json", "--today", "2023-09-25", "--ics", str(ics))
    assert result.exit_code == 0, result.output
    items = {i["key"]: i for i in json.loads(result.stdout)}
    assert (
        items["pre-filing"]["latest"],
        items["pre-filing"]["days_left"],
        items["pre-filing"]["source"],
    ) == ("2023-11-13", 31, "通知 二")
    assert items["platform-entry"]["status"] == "待定" and items["pre-filing"]["warning"] == ""
    assert "已写入日历文件" in result.stderr and "（9 个日程）" in result.stderr
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert sorted(str(e["UID"]).split("-", 2)[2].split("@")[0] for e in events) == sorted(
        k for k in items if k not in ("appointment", "platform-entry")
    )


def test_schedule_of_an_unknown_meeting(cli, committee) -> None:
    result = cli("schedule", "5")
    assert result.exit_code == 1 and "没有编号为 5 的评审会议" in result.stderr


def test_schedule_help_lists_the_subcommands(cli) -> None:
    result = cli("schedule", "--help")
    assert result.exit_code == 0
    for name in ("show", "record", "check"):
        assert re.search(rf"│ {name}\s", result.stdout), name


def test_a_2027_meeting_is_provisional_until_an_override_file(
    cli, store, committee, tmp_path: Path
) -> None:
    meeting.add(store, "QJ-WS-ZJ", date(2027, 11, 22), 11, "曲靖市会议中心")
    result = cli("schedule", "1", "--today", "2027-01-04")
    assert "（暂定）" in result.stdout
    assert "2027年的调休安排尚未公布" in flat(result.stderr)
    as_json = json.loads(cli("schedule", "1", "--json", "--today", "2027-01-04").stdout)
    assert all(i["provisional"] and "2027年" in i["warning"] for i in as_json if i["latest"])
    check = cli("schedule", "check", "1", "--today", "2027-01-04")
    assert check.exit_code == 0 and "核对通过：0个错误，1个提示" in flat(check.output)
    override = tmp_path / "2027.toml"
    override.write_text(
        'complete_years = [2027]\n[holidays]\n2027-10-06 = "国庆节"\n', encoding="utf-8"
    )
    covered = cli("schedule", "1", "--today", "2027-01-04", "--calendar", str(override))
    assert "暂定" not in covered.output
    assert "核对通过：0个错误，0个提示" in flat(
        cli("schedule", "check", "1", "--today", "2027-01-04", "--calendar", str(override)).output
    )


# --- record and check -------------------------------------------------------------------------


def test_record_then_check_a_clean_chain_exits_0(cli, monday) -> None:
    for args in CLEAN:
        result = record(cli, *args)
        assert result.exit_code == 0, result.output
    assert "已登记 会议 1 的系统录入：2023-12-22" in result.stdout
    check = cli("schedule", "check", "1", "--today", "2024-01-15")
    assert check.exit_code == 0, check.output
    assert "核对通过：0 个错误，0 个提示（以 2024-01-15 为今天）" in check.stdout
    shown = flat(cli("schedule", "1", "--today", "2024-01-15").stdout)
    assert (
        "会前公示2023-11-06（一）至2023-11-10（五）已完成2023-10-30至2023-11-03通知三（一）"
        in shown
    )


def test_record_shows_the_problem_at_once_and_replacing_it(cli, monday) -> None:
    refused = record(cli, "会前公示", "2023-11-06", "2023-11-09")
    assert refused.exit_code == 1  # a broken rule: nothing recorded, the problem shown at once
    out = flat(refused.stdout)
    assert "已登记" not in out
    assert (
        "错误会前公示（2023-11-06）：会前公示2023-11-06至2023-11-09只有4个工作日，少1个工作日"
        in out
    )
    assert (
        "依据：推荐公示、会前公示、结果公示时间不少于5个工作日（通知三（一））；允许：至少到2023-11-10（五）；相差1个工作日"
        in out
    )
    assert "未登记" in refused.stderr and "--force --reason" in refused.stderr
    first = record(cli, "会前公示", "2023-11-06", "2023-11-09", "--force", "--reason", "照实")
    assert first.exit_code == 0
    assert "已登记会议1的会前公示：2023-11-06至2023-11-09" in flat(first.stdout)
    again = record(cli, "pre-publicity", "2023-11-06", "2023-11-10")
    assert "（替换了原登记的 2023-11-06 至 2023-11-09）" in again.stdout
    wrong = record(cli, "notice", "2023-09-20", "2023-09-21")
    assert wrong.exit_code == 1 and "发布评审通知只有一个日期，没有结束日期" in wrong.stderr
    assert "请核对 --end" in wrong.stderr
    bad_date = cli("schedule", "record", "1", "notice", "20/09/2023")
    assert bad_date.exit_code == 2 and "请把4位年份写在前面" in bad_date.stderr


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            ("notice", "2023-10-11"),
            "错误发布评审通知（2023-10-11）：发布评审通知日期2023-10-11（三）晚于最晚日期2023-10-09（一），晚了2个工作日",
        ),
        (
            ("draw", "2023-11-14"),
            "错误抽取评委（2023-11-14）：抽取评委日期2023-11-14（二）晚于最晚日期2023-11-13（一），晚了1个工作日",
        ),
        (
            ("pre-filing", "2023-11-14"),
            "依据：评委会在召开评审会议前5个工作日向核准组建部门进行会前备案（通知二）；允许：不晚于2023-11-13（一）；相差1个工作日",
        ),
        (("consent", "2023-11-21"), "错误核准部门同意召开（2023-11-21）"),
        (("pre-publicity", "2023-11-14", "2023-11-20"), "没有在评审会议2023-11-20（一）之前结束"),
        (
            ("result-publicity", "2023-11-27", "2023-12-01"),
            "没有在会后备案2023-12-01（五）之前结束",
        ),
        (
            ("post-filing", "2023-12-12"),
            "会后备案日期2023-12-12（二）晚于最晚日期2023-12-11（一），晚了1个工作日",
        ),
        (
            ("platform-entry", "2023-12-28"),
            "系统录入日期2023-12-28（四）晚于最晚日期2023-12-27（三），晚了1个工作日",
        ),
        (
            ("recommendation-publicity", "2023-10-26", "2023-11-01"),
            "会前公示2023-10-30（一）在推荐公示结束（2023-11-01（三））之前或同一天，顺序不合逻辑",
        ),
    ],
)
def test_check_exits_1_on_each_kind_of_error(
    cli, store, monday, change: tuple[str, ...], fragment: str
) -> None:
    record_chain(store, change)
    result = cli("schedule", "check", "1", "--today", "2024-01-15")
    assert result.exit_code == 1, result.output
    assert fragment in flat(result.stdout)
    assert "核对未通过" in result.stderr
    as_json = cli("schedule", "check", "1", "--today", "2024-01-15", "--json")
    assert as_json.exit_code == 1
    assert any(f["level"] == "error" and f["milestone"] for f in json.loads(as_json.stdout))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("draw", "2023-10-30"), "比建议的最早日期2023-11-06（一）早5个工作日，专家名单保密期过长"),
        (
            ("pre-publicity", "2023-11-06", "2023-11-13"),
            "会前公示到2023-11-13（一）结束，会前备案（2023-11-10（五））时尚未结束",
        ),
    ],
)
def test_warnings_alone_do_not_fail_the_check(
    cli, store, monday, change: tuple[str, ...], fragment: str
) -> None:
    record_chain(store, change)
    result = cli("schedule", "check", "1", "--today", "2024-01-15")
    assert result.exit_code == 0, result.output
    assert "提示" in result.stdout and fragment in flat(result.stdout)
    assert "核对通过：0 个错误，1 个提示" in result.stdout


def test_check_reports_missing_milestones(cli, monday) -> None:
    result = cli("schedule", "check", "1", "--today", "2023-10-10")
    assert result.exit_code == 1
    assert (
        "发布评审通知应不晚于2023-10-09（一），至今（2023-10-10（二））未登记，已过1个工作日"
        in flat(result.stdout)
    )
    assert "完成后请登记：qjtitle schedule record 1 notice 日期" in result.stdout
    rows = json.loads(cli("schedule", "check", "1", "--today", "2023-10-10", "--json").stdout)
    notice = next(r for r in rows if r["milestone"] == "notice")
    assert notice["message"].endswith("；完成后请登记：qjtitle schedule record 1 notice 日期")
    found = notice["finding"]
    assert (
        found["code"] == "schedule.not_recorded"
        and found["rule"]["name"] == "NOTICE_BEFORE_MEETING"
    )
    assert (
        found["fix"]["step"] == "schedule.record" and found["fix"]["args"]["milestone"] == "notice"
    )
    assert "qjtitle" not in found["message"]


# --- status ----------------------------------------------------------------------------------


def test_status_table_and_json(cli, store, committee) -> None:
    meeting.add(store, "QJ-WS-ZJ", date(2023, 12, 18), 11, "第二会议室")
    meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, "曲靖市会议中心")
    result = cli("status", "--year", "2023", "--today", "2023-10-10")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "2023年度评审会议（以2023-10-10为今天）" in out
    assert out.index("曲靖市会议中心") < out.index("第二会议室")
    assert "逾期：发布评审通知" in out
    rows = json.loads(cli("status", "--year", "2023", "--today", "2023-10-10", "--json").stdout)
    assert [(r["id"], r["next"], r["days_left"]) for r in rows] == [
        (2, "发布评审通知", -1),
        (1, "发布评审通知", 19),
    ]


# --- calendar ------------------------------------------------------------------------------------


def test_calendar_show_marks_holidays_and_make_up_days(cli) -> None:
    result = cli("calendar", "show", "2023-10")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "2023年10月工作日历" in out and "本月19个工作日" in out
    assert "6休7班8班" in out
    assert "2023-10-07星期六调休上班调休上班官方" in out
    days = json.loads(cli("calendar", "show", "2023-10", "--json").stdout)
    assert [d["date"] for d in days if d["kind"] == "makeup"] == ["2023-10-07", "2023-10-08"]
    assert not cli("calendar", "show", "2023-10").stderr


def test_calendar_show_of_a_provisional_month_and_its_override(cli, tmp_path: Path) -> None:
    result = cli("calendar", "show", "2027-02")
    assert "2027年的调休安排尚未公布" in flat(result.stderr)
    f = tmp_path / "cal.toml"
    f.write_text(
        'complete_years = [2027]\n[workdays]\n2027-02-20 = "春节调休上班"\n', encoding="utf-8"
    )
    covered = cli("calendar", "show", "2027-02", "--calendar", str(f))
    assert covered.stderr == "" and "2027-02-20星期六调休上班春节调休上班自定义" in flat(
        covered.stdout
    )
    bad = cli("calendar", "show", "2027-2x")
    assert bad.exit_code == 1 and "不是月份" in bad.stderr


def test_calendar_check(cli, tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[holidays]\n2028-02-08 = "春节"\n', encoding="utf-8")
    result = cli("calendar", "check", str(good))
    assert result.exit_code == 0
    assert "格式正确。休息日 1 个，调休上班日 0 个，完整年份 （无）。" in result.stdout
    assert "2028不在complete_years中" in flat(result.stderr)
    bad = tmp_path / "bad.toml"
    bad.write_text("[holidays]\n2028-02-30 = 'x'\n", encoding="utf-8")
    refused = cli("calendar", "check", str(bad))
    assert refused.exit_code == 1 and "不是日期，应写成 2027-02-08 的形式" in refused.stderr


# --- import-plan -----------------------------------------------------------------------------------


def test_import_plan_then_check_warns(cli, store, monday, make_workbook) -> None:
    path = make_workbook(
        [
            [1, "曲靖市卫生系列中级职称评审委员会", "中级", "卫生", "2023年10月"],
            [2, "曲靖市工程系列中级职称评审委员会", "中级", "工程", "11月"],
        ],
        name="plan.xlsx",
        headers=["序号", "评委会名称", "评审级别", "评审系列", "评审时间"],
    )
    result = cli("import-plan", str(path), "--year", "2023")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "2023年度评审计划：2个评委会" in out and "QJ-WS-ZJ" in out and "2023-10-31" in out
    assert "曲靖市工程系列中级职称评审委员会”与数据库中的评委会名称、代码都对不上" in flat(
        result.stderr
    )
    record_chain(store)
    check = cli("schedule", "check", "1", "--today", "2024-01-15")
    assert check.exit_code == 0
    assert (
        "评审会议2023-11-20（一）不在年度评审计划的评审时间（2023-10-01至2023-10-31）内，晚于计划14个工作日"
        in flat(check.stdout)
    )


# --- start-up and the demo -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["schedule", "--help"],
        ["schedule", "record", "--help"],
        ["calendar", "show", "--help"],
        ["meeting", "add", "--help"],
        ["status", "--help"],
        ["import-plan", "--help"],
    ],
)
def test_help_of_these_commands_imports_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['qjtitle', *{args!r}]\n"
        "from qjtitle.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'openpyxl', 'docxtpl', 'jinja2', 'icalendar', 'holidays')\n"
        "print('@@', sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rsplit("@@", 1)[1].strip() == "[]"


def test_demo_plans_its_sample_meeting(demo_run, demo_cli) -> None:
    result = demo_run  # built once per session (conftest.py), and run once through the CLI
    s = result.meeting_schedule
    assert s is not None and s.today == date(2023, 9, 25)
    items = {it.key: it for it in s.items}
    assert items["pre-filing"].latest == date(2023, 11, 13) and items["notice"].days_left == 6
    ics = result.out / "评审会议时间节点.ics"
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert len(events) == 9
    folder, shown = demo_cli
    assert shown.exit_code == 0, shown.output
    # another run writes the same calendar, byte for byte
    assert ics.read_bytes() == (folder / "评审会议时间节点.ics").read_bytes()
    out = flat(shown.stdout)
    assert "会议1：曲靖市卫生系列中级职称评审委员会，2023-11-20，曲靖市会议中心，11人" in out
    assert "会前备案不晚于2023-11-13（一）31待办通知二" in out
    assert "评审会议时间节点：qjtitleschedule1--db" in out
    assert milestones.MILESTONES["pre-filing"].label == "会前备案"
