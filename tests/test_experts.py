"""The expert pool: import with every problem of a row, eligibility by reason, expiry check, conflicts."""

from __future__ import annotations

import re
from datetime import date

import pytest

from qjtitle import committees
from qjtitle.cli._findings import say
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.experts import eligible, pool_format, recusal
from qjtitle.experts import pool as experts
from qjtitle.findings import Step
from qjtitle.intake import applicants, lookup
from qjtitle.models import Meeting
from qjtitle.paths import sample_data_dir
from tests.conftest import applicant_row, expert_row

SAMPLE_POOL = sample_data_dir() / "experts" / "专家库_卫生中级.xlsx"


def test_terms_are_read_in_both_usual_forms() -> None:
    assert pool_format.parse_term("2021.07-2024.06") == (date(2021, 7, 1), date(2024, 6, 30), None)
    assert pool_format.parse_term("2021-07-01至2024-06-30") == (
        date(2021, 7, 1),
        date(2024, 6, 30),
        None,
    )
    assert pool_format.parse_term("2021年7月～2024年6月")[:2] == (
        date(2021, 7, 1),
        date(2024, 6, 30),
    )
    assert pool_format.parse_term("长期")[2] == "任期起止“长期”无法识别"


def test_status_words() -> None:
    assert pool_format.status_active("在库") is True
    assert pool_format.status_active("正常") is True
    assert pool_format.status_active("暂停使用") is False
    assert pool_format.status_active("出库") is False
    assert pool_format.status_active("待定") is None


def test_the_sample_pool_imports_whole_and_again_as_updates(store, committee) -> None:
    report = experts.import_experts(store, SAMPLE_POOL, "QJ-WS-ZJ", pool_filed=date(2022, 6, 30))
    assert (report.rows, report.imported, report.updated, report.rejected) == (60, 60, 0, [])
    again = experts.import_experts(store, SAMPLE_POOL, "QJ-WS-ZJ")
    assert (again.imported, again.updated) == (0, 60)
    assert len(experts.list_experts(store, "QJ-WS-ZJ")) == 60
    assert committees.show(store, "QJ-WS-ZJ").pool_filed == date(2022, 6, 30)


def test_every_problem_of_a_row_is_reported_together(expert_pool) -> None:
    good_id = expert_row(2)["身份证号码"]
    bad = expert_row(
        2,
        身份证号码=good_id[:-1] + ("0" if good_id[-1] != "0" else "1"),  # wrong check digit
        任期起止="2020.07-2024.06",  # four years
        状态="待定",
        联系电话="0874-31",
        职称="主任医师",  # 正高级, but the level says 副高级
    )
    report = expert_pool([expert_row(1), bad, expert_row(3, 入库时间="")])
    assert report.imported == 1
    rows = {r.row: r for r in report.rejected}
    assert set(rows) == {3, 4}
    kinds = [p.kind for p in rows[3].problems]
    assert kinds == ["职称级别", "身份证号码", "任期", "联系电话", "选项不规范"]
    assert [p.cell for p in rows[3].problems] == ["F3", "C3", "K3", "I3", "L3"]
    assert (
        "超过3年" in rows[3].problems[2].message and "通知 六（二）" in rows[3].problems[2].message
    )
    assert rows[4].problems[0].message == "“入库时间”为空"


def test_a_duplicate_person_in_the_file_is_refused(expert_pool) -> None:
    report = expert_pool([expert_row(1), expert_row(1, 姓名="重复的人")])
    assert report.imported == 1
    assert "同一身份证号码" in report.rejected[0].problems[0].message


def test_the_level_comes_from_the_title_when_left_blank(expert_pool, store) -> None:
    expert_pool([expert_row(1, 职称级别="", 职称="主任护师", 专业="护理")])
    assert experts.list_experts(store)[0].level == "正高级"


def _meeting(store, committee, day: date = date(2023, 11, 20)) -> Meeting:
    with store.transaction() as session:
        meeting = Meeting(committee_id=committee.id, date=day, place="曲靖市会议中心", size=11)
        session.add(meeting)
        session.flush()
        return meeting


def _eligibility(store, meeting: Meeting, specialties=(), same_unit=True) -> eligible.Eligibility:
    with store.transaction() as session:
        return eligible.eligibility(session, meeting, tuple(specialties), same_unit)


def test_exclusions_are_counted_by_their_first_reason(
    store, committee, expert_pool, make_workbook
) -> None:
    applicants.import_applicants(
        store, [make_workbook([applicant_row()], name="roster.xlsx")], "QJ-WS-ZJ", 2023
    )
    rows = [
        expert_row(1),
        expert_row(2),
        expert_row(
            3, 状态="停用", 任期起止="2019.07-2022.06"
        ),  # inactive first, though the term ended too
        expert_row(4, 任期起止="2020.07-2023.06"),
        expert_row(5, 职称="主治医师", 职称级别="中级"),
        expert_row(6, 专业="药学", 职称="副主任药师"),
        expert_row(
            7, 工作单位="曲靖市第一人民医院 "
        ),  # the applicant's unit, with a trailing space
        expert_row(8, 工作单位="曲靖市 第一人民医院"),
        expert_row(9),
    ]
    expert_pool(rows)
    meeting = _meeting(store, committee)
    ninth = experts.show_expert(store, "专家009")[0].id
    applicant = lookup.list_applicants(store)[0].id
    recusal.add_conflict(store, ninth, applicant, "近亲属", date(2023, 11, 1))
    result = _eligibility(store, meeting, ["临床医学"])
    assert [c.name for c in result.eligible] == ["专家001", "专家002"]
    assert result.counts() == {
        "inactive": 1,
        "term": 1,
        "pool_filing": 0,
        "level": 1,
        "specialty": 1,
        "same_unit": 2,
        "conflict": 1,
    }
    assert result.summary() == (
        "已停用 1 人，任期未覆盖会议日期 1 人，职称级别不符 1 人，专业不在所需范围 1 人，"
        "与申报人同单位（回避） 2 人，与申报人有利害关系（已登记回避） 1 人"
    )
    relaxed = _eligibility(store, meeting, [], same_unit=False)
    assert relaxed.counts()["same_unit"] == 0 and relaxed.counts()["specialty"] == 0
    assert len(relaxed.eligible) == 5  # 1, 2, 6, 7, 8
    with store.transaction() as session:
        pairs = recusal.recusals(session, meeting)
    assert (ninth, applicant, "近亲属") in pairs
    assert sum(1 for _, _, why in pairs if why == recusal.SAME_UNIT_REASON) == 2


def test_withdrawn_applicants_and_other_years_do_not_recuse(
    store, committee, expert_pool, make_workbook
) -> None:
    applicants.import_applicants(
        store, [make_workbook([applicant_row()], name="roster.xlsx")], "QJ-WS-ZJ", 2022
    )
    expert_pool([expert_row(1, 工作单位="曲靖市第一人民医院")])
    meeting = _meeting(store, committee)
    assert len(_eligibility(store, meeting).eligible) == 1


def test_the_pool_filing_must_cover_the_meeting(store, committee, expert_pool) -> None:
    expert_pool([expert_row(1), expert_row(2)], pool_filed=None)
    meeting = _meeting(store, committee)
    result = _eligibility(store, meeting)
    assert result.counts()["pool_filing"] == 2
    assert "未登记专家库备案日期" in result.excluded["pool_filing"][0]["detail"]
    last_day = _meeting(store, committee, date(2025, 6, 30))
    late = _meeting(store, committee, date(2025, 7, 1))
    report = expert_pool(
        [expert_row(n, 任期起止="2023.07-2026.06") for n in (1, 2)], pool_filed="2022-06-30"
    )
    assert report.pool_filed == date(2022, 6, 30)
    assert len(_eligibility(store, meeting).eligible) == 2
    assert (
        len(_eligibility(store, last_day).eligible) == 2
    )  # valid through 2025-06-30 (民法典 201, 203)
    assert _eligibility(store, late).counts()["pool_filing"] == 2


def test_refiling_checks_the_share_of_new_experts(store, committee, expert_pool) -> None:
    old = [expert_row(i, 入库时间="2019.07", 任期起止="2022.07-2025.06") for i in range(1, 10)]
    expert_pool(old, pool_filed="2022-06-30")
    new = [expert_row(i, 入库时间="2025.06", 任期起止="2025.07-2028.06") for i in range(10, 13)]
    renewed = [expert_row(i, 入库时间="2019.07", 任期起止="2025.07-2028.06") for i in range(1, 10)]
    report = expert_pool(renewed + new, pool_filed="2025-07-01", name="refile.xlsx")
    assert report.refiling is not None
    assert (
        report.refiling.new,
        report.refiling.total,
        report.refiling.ok,
        report.refiling.needed,
    ) == (3, 12, False, 2)
    assert (
        "低于三分之一" in report.refiling.message() and "通知 六（二）" in report.refiling.message()
    )
    with pytest.raises(InvalidValue, match="早于已登记的备案日期"):
        expert_pool(new, pool_filed="2022-01-01", name="older.xlsx")


def test_check_reports_what_is_about_to_expire(store, committee, expert_pool) -> None:
    expert_pool(
        [
            expert_row(1, 任期起止="2022.07-2025.06"),
            expert_row(2, 任期起止="2023.01-2025.12"),
            expert_row(3, 任期起止="2020.07-2023.06"),
            expert_row(4, 入库时间="2023.01"),
        ]
    )
    result = experts.check_pool(store, "QJ-WS-ZJ", date(2025, 3, 1), within_days=180)
    assert result.pool_filing == "即将到期" and result.pool_valid_until == date(2025, 6, 30)
    assert [e.name for e in result.expiring_terms] == ["专家001", "专家004"]
    assert [e.name for e in result.ended_terms] == ["专家003"]
    assert result.refiling is not None
    assert result.refiling.as_dict() == {
        "previous": "2022-06-30",
        "new": 1,
        "total": 3,
        "ok": True,
        "needed": 0,
    }
    assert any("20个工作日前" in w.message for w in result.warnings)
    assert {w.code for w in result.warnings} >= {"pool.filing_expiring"}
    quiet = experts.check_pool(store, "QJ-WS-ZJ", date(2023, 3, 1), within_days=30)
    assert quiet.pool_filing == "有效" and quiet.expiring_terms == () and quiet.refiling is None


def test_conflicts_are_declared_once_within_a_committee(
    store, committee, expert_pool, make_workbook
) -> None:
    applicants.import_applicants(
        store, [make_workbook([applicant_row()], name="roster.xlsx")], "QJ-WS-ZJ", 2023
    )
    expert_pool([expert_row(1)])
    expert_id = experts.list_experts(store)[0].id
    applicant_id = lookup.list_applicants(store)[0].id
    with pytest.raises(InvalidValue, match="回避理由"):
        recusal.add_conflict(store, expert_id, applicant_id, " ")
    item = recusal.add_conflict(store, expert_id, applicant_id, "师生关系", date(2023, 11, 1))
    assert (item.expert, item.applicant, item.reason) == ("专家001", "张丽", "师生关系")
    with pytest.raises(InvalidValue, match="已登记过"):
        recusal.add_conflict(store, expert_id, applicant_id, "师生关系")
    with pytest.raises(NotFound, match="没有编号为 999 的专家"):
        recusal.add_conflict(store, 999, applicant_id, "x")
    assert [c.reason for c in recusal.list_conflicts(store, "QJ-WS-ZJ")] == ["师生关系"]


def test_lookups_mask_personal_numbers_unless_asked(store, expert_pool) -> None:
    expert_pool([expert_row(1)])
    shown = experts.show_expert(store, "专家001")[0]
    assert "*" in shown.id_number and "*" in shown.phone
    assert len(experts.show_expert(store, "1", show_pii=True)[0].id_number) == 18
    with pytest.raises(NotFound, match="找不到专家"):
        experts.show_expert(store, "无此人")


def test_check_of_an_empty_pool_says_to_import_experts(cli, store, committee) -> None:
    """Not "0/0，达到三分之一": an empty pool is named as such, with the command that fills it."""
    with store.transaction() as session:
        committees.get(session, "QJ-WS-ZJ").pool_filed = date(2020, 6, 30)  # due for re-filing
    result = experts.check_pool(store, "QJ-WS-ZJ", date(2025, 3, 1))
    empty = result.warnings[0]
    assert empty.code == "pool.empty" and empty.fix is not None
    assert empty.fix.step is Step.IMPORT_EXPERTS and empty.fix.args["committee"] == "QJ-WS-ZJ"
    assert say(empty).startswith(
        "专家库是空的：评委会 QJ-WS-ZJ 还没有导入评审专家；请先导入专家库："
    )
    assert "qjtitle import-experts 专家库.xlsx --committee QJ-WS-ZJ" in say(empty)
    assert (
        "三分之一" not in result.refiling_message and "还没有在库的专家" in result.refiling_message
    )
    shown = cli("experts", "check", "--committee", "QJ-WS-ZJ", "--date", "2025-03-01")
    assert shown.exit_code == 0, shown.output
    said = "".join(shown.output.split())
    assert "专家库是空的" in said and "达到三分之一" not in said and "0/0，" not in said
    assert "qjtitleimport-experts专家库.xlsx--committeeQJ-WS-ZJ" in said


# --- A pool file that leaves experts out ---------------------------------------------------


def _pool_file(make_workbook, rows, name):
    from tests.conftest import EXPERT_LABELS

    return make_workbook(rows, name=name, headers=EXPERT_LABELS)


def test_experts_left_out_of_a_new_pool_file_are_listed_and_still_drawable(
    cli, store, committee, make_workbook
) -> None:
    first = _pool_file(make_workbook, [expert_row(n) for n in (1, 2, 3)], "pool_2022.xlsx")
    assert cli("import-experts", str(first), "-c", "QJ-WS-ZJ").exit_code == 0
    second = _pool_file(make_workbook, [expert_row(n) for n in (1, 3, 4)], "pool_2023.xlsx")
    result = cli("import-experts", str(second), "-c", "QJ-WS-ZJ")
    assert result.exit_code == 0, result.output
    out = re.sub(r"\s+", "", result.stdout)
    assert "库中在库、但不在本文件中的专家（1人，仍可被抽取）" in out
    assert "专家002" in out
    assert "请加--replace重新导入，让他们出库" in re.sub(r"\s+", "", result.stderr)
    listed = {e.name: e.active for e in experts.list_experts(store)}
    assert listed == {"专家001": True, "专家002": True, "专家003": True, "专家004": True}


def test_replace_takes_experts_left_out_of_the_pool_out_of_the_draw(
    cli, store, committee, make_workbook
) -> None:
    from qjtitle.store import audit

    first = _pool_file(make_workbook, [expert_row(n) for n in (1, 2, 3)], "pool_2022.xlsx")
    experts.import_experts(store, first, "QJ-WS-ZJ")
    second = _pool_file(make_workbook, [expert_row(n) for n in (1, 3, 4)], "pool_2023.xlsx")
    dry = experts.import_experts(store, second, "QJ-WS-ZJ", dry_run=True, replace=True)
    assert dry.retired and [a.name for a in dry.absent] == ["专家002"]
    assert {e.name: e.active for e in experts.list_experts(store)}["专家002"] is True  # dry run

    result = cli("import-experts", str(second), "-c", "QJ-WS-ZJ", "--replace")
    assert result.exit_code == 0, result.output
    assert "改为出库、不再参加抽取的专家（1人，不在本文件中）" in re.sub(r"\s+", "", result.stdout)
    shown = {e.name: (e.active, e.status) for e in experts.list_experts(store)}
    assert shown["专家002"] == (False, "出库")
    assert shown["专家004"] == (True, "在库")
    events = [e for e in audit.list_events(store) if e.action == "experts.imported"]
    assert events[-1].detail["retired"] == [experts.show_expert(store, "专家002")[0].id]
    meeting = _meeting(store, committee)
    assert "专家002" not in [c.name for c in _eligibility(store, meeting, ["临床医学"]).eligible]


def test_replace_is_refused_while_a_row_of_the_file_is_rejected(
    cli, store, committee, make_workbook
) -> None:
    first = _pool_file(make_workbook, [expert_row(n) for n in (1, 2, 3)], "pool_2022.xlsx")
    experts.import_experts(store, first, "QJ-WS-ZJ")
    second = _pool_file(
        make_workbook, [expert_row(1), expert_row(3, 身份证号码="53030219700103001X")], "pool.xlsx"
    )
    result = cli("import-experts", str(second), "-c", "QJ-WS-ZJ", "--replace")
    assert result.exit_code == 1
    assert "有1行未导入" in re.sub(r"\s+", "", result.stderr)
    assert "本次未作任何改动" in re.sub(r"\s+", "", result.stderr)
    assert all(e.active for e in experts.list_experts(store))
