"""The annual evaluation plan (附件1): reading it from real workbooks, and the warning it feeds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from qjtitle import committees, rules
from qjtitle import meetings as meeting
from qjtitle.calendar import findings, plan, schedule
from qjtitle.errors import InvalidValue, WorkbookError
from qjtitle.findings import Step
from qjtitle.models import AuditEvent, PlanEntry

TITLE = [["曲靖市2023年度高中级专业技术职称评审计划"]]
HEADERS = ["序号", "评委会名称", "评审级别", "评审系列", "评审时间", "备注"]
WS_ZJ = "曲靖市卫生系列中级职称评审委员会"


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2023年10月", date(2023, 10, 1), date(2023, 10, 31)),
        ("10-11月", date(2023, 10, 1), date(2023, 11, 30)),
        ("2023年10月至11月", date(2023, 10, 1), date(2023, 11, 30)),
        ("2023-10-16至2023-11-30", date(2023, 10, 16), date(2023, 11, 30)),
        ("2023.10.16-2023.11.30", date(2023, 10, 16), date(2023, 11, 30)),
        ("2023年10月15日至25日", date(2023, 10, 15), date(2023, 10, 25)),
        ("１１月", date(2023, 11, 1), date(2023, 11, 30)),
        ("10月中旬", date(2023, 10, 11), date(2023, 10, 20)),
        ("2023年10月下旬至11月上旬", date(2023, 10, 21), date(2023, 11, 10)),
        ("第四季度", date(2023, 10, 1), date(2023, 12, 31)),
        ("2月下旬", date(2023, 2, 21), date(2023, 2, 28)),
    ],
)
def test_parse_period(text: str, first: date, last: date) -> None:
    assert plan.parse_period(text, 2023) == (first, last)


def test_parse_period_refuses_what_it_cannot_read() -> None:
    with pytest.raises(InvalidValue, match="无法识别评审时间“2023年秋季”"):
        plan.parse_period("秋季", 2023)
    with pytest.raises(InvalidValue, match="没有写年份") as refused:
        plan.parse_period("10月", None)
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "year"


def test_import_matches_committees_and_warns_outside_the_plan(
    store, committee, make_workbook
) -> None:
    committees.add(store, "QJ-JY-ZJ", "曲靖市教育系列中级职称评审委员会", "中级", "教育")
    path = make_workbook(
        [
            [1, WS_ZJ, "中级", "卫生", "2023年10月", ""],
            [2, "曲靖市 教育系列中级职称评审委员会", "中级", "教育", "10-11月", ""],
            [3, "曲靖市工程系列中级职称评审委员会", "中级", "工程", "2023年12月", ""],
            ["注：各评委会须在计划时间内完成评审"],
        ],
        name="计划.xlsx",
        title_rows=TITLE,
        headers=HEADERS,
    )
    result = plan.import_plan(store, path)
    assert result.year == 2023 and result.replaced == 0
    assert [(e.committee, e.start, e.end, e.row) for e in result.entries] == [
        ("QJ-WS-ZJ", date(2023, 10, 1), date(2023, 10, 31), 3),
        ("QJ-JY-ZJ", date(2023, 10, 1), date(2023, 11, 30), 4),
        (None, date(2023, 12, 1), date(2023, 12, 31), 5),
    ]
    assert (
        len(result.warnings) == 1
        and "第5行的评委会“曲靖市工程系列中级职称评审委员会”与数据库中的评委会名称、代码都对不上"
        in result.warnings[0].message
    )
    assert result.warnings[0].fix is not None and result.warnings[0].fix.step is Step.ADD_COMMITTEE

    late, _ = meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11)
    s = schedule.evaluate(store, late.id or 0, today=date(2023, 9, 25))
    f = next(f for f in s.findings if f.rule is rules.PLANNED_PERIOD)
    assert (f.level, f.missed_by, f.allowed) == (findings.WARNING, 14, "2023-10-01 至 2023-10-31")
    assert (
        "不在年度评审计划的评审时间（2023-10-01 至 2023-10-31）内，晚于计划 14 个工作日"
        in f.message
    )
    assert (
        next(it for it in s.items if it.key == "meeting").note
        == "计划评审时间：2023-10-01 至 2023-10-31"
    )
    inside, _ = meeting.add(store, "QJ-JY-ZJ", date(2023, 11, 20), 11)
    assert not [
        f
        for f in schedule.evaluate(store, inside.id or 0, today=date(2023, 9, 25)).findings
        if f.rule is rules.PLANNED_PERIOD
    ]


def test_a_committee_missing_from_the_plan_and_one_created_after_the_import(
    store, committee, make_workbook
) -> None:
    path = make_workbook(
        [[1, "曲靖市工程系列中级职称评审委员会", "中级", "工程", "2023年11月", ""]], headers=HEADERS
    )
    plan.import_plan(store, path, year=2023)
    m, _ = meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11)
    f = next(
        f
        for f in schedule.evaluate(store, m.id or 0, today=date(2023, 9, 25)).findings
        if f.rule is rules.PLANNED_PERIOD
    )
    assert "2023年度评审计划中没有本评委会" in f.message
    committees.add(store, "QJ-GC-ZJ", "曲靖市工程系列中级职称评审委员会", "中级", "工程")
    m2, _ = meeting.add(store, "QJ-GC-ZJ", date(2023, 11, 20), 11)
    assert not [
        f
        for f in schedule.evaluate(store, m2.id or 0, today=date(2023, 9, 25)).findings
        if f.rule is rules.PLANNED_PERIOD
    ]


def test_no_plan_no_warning(store, committee) -> None:
    m, _ = meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11)
    assert schedule.evaluate(store, m.id or 0, today=date(2023, 9, 25)).findings == []


def test_start_and_end_columns_and_reimport_replaces_the_year(
    store, committee, make_workbook
) -> None:
    no_period = make_workbook([[1, WS_ZJ, "中级", "卫生"]], name="a.xlsx", headers=HEADERS[:4])
    with pytest.raises(WorkbookError, match="a.xlsx 工作表“Sheet1”：第1行的表头中没有“评审时间”列"):
        plan.import_plan(store, no_period, year=2023)
    path = make_workbook(
        [[WS_ZJ, "中级", "2023-10-16", "2023-11-30"]],
        name="b.xlsx",
        headers=["评委会名称", "级别", "开始时间", "结束时间"],
    )
    assert plan.import_plan(store, path).entries[0].end == date(2023, 11, 30)
    again = plan.import_plan(store, path)
    assert again.replaced == 1
    with store.transaction() as session:
        assert len(session.exec(select(PlanEntry)).all()) == 1
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "plan.imported")).all()
    assert [e.detail["replaced"] for e in events] == [0, 1]


def test_a_bad_row_stops_the_whole_import(store, committee, make_workbook) -> None:
    path = make_workbook(
        [
            [1, WS_ZJ, "中级", "卫生", "2023年10月", ""],
            [2, "另一个评委会", "中级", "卫生", "秋季", ""],
            [3, "", "中级", "卫生", "2023年10月", "有备注"],
        ],
        name="bad.xlsx",
        headers=HEADERS,
    )
    with pytest.raises(WorkbookError) as err:
        plan.import_plan(store, path, year=2023)
    text = str(err.value)
    assert "评审计划有 2 处问题，未导入任何内容" in text
    assert "bad.xlsx 工作表“Sheet1”第3行：E3 无法识别评审时间“2023年秋季”" in text
    assert "第4行：评委会名称为空" in text
    with store.transaction() as session:
        assert session.exec(select(PlanEntry)).all() == []


def test_the_year_comes_from_the_file_or_the_option(store, committee, make_workbook) -> None:
    path = make_workbook(
        [[1, WS_ZJ, "中级", "卫生", "10-11月", ""]], name="plan.xlsx", headers=HEADERS
    )
    with pytest.raises(InvalidValue, match="无法从评审时间或文件名中确定年度") as refused:
        plan.import_plan(store, path)
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "year"
    named = make_workbook(
        [[1, WS_ZJ, "中级", "卫生", "10-11月", ""]],
        name="曲靖市2023年度评审计划.xlsx",
        headers=HEADERS,
    )
    assert plan.import_plan(store, named).year == 2023
    with pytest.raises(WorkbookError, match="不在 2024 年度"):
        plan.import_plan(
            store,
            make_workbook(
                [[1, WS_ZJ, "中级", "卫生", "2023年10月", ""]], name="c.xlsx", headers=HEADERS
            ),
            year=2024,
        )


def test_gbk_csv(store, committee, tmp_path: Path) -> None:
    path = tmp_path / "计划.csv"
    path.write_bytes(
        (f"评委会名称,评审级别,评审系列,评审时间\n{WS_ZJ},中级,卫生,2023年11月\n").encode("gbk")
    )
    result = plan.import_plan(store, path)
    assert (result.year, result.entries[0].committee, result.entries[0].start) == (
        2023,
        "QJ-WS-ZJ",
        date(2023, 11, 1),
    )
