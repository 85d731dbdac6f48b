"""Correction notices (一次性告知补正), their working-day deadline, and 视为放弃 after it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from qjtitle import idcard
from qjtitle.errors import InvalidValue
from qjtitle.intake import corrections
from qjtitle.intake.applicants import import_applicants
from qjtitle.models import Applicant, AuditEvent, CorrectionNotice
from tests.conftest import applicant_row, docx_text

YEAR = 2023
ISSUED = date(2023, 9, 25)  # + 5 working days = Sun 2023-10-08, a make-up workday


def person(name: str, seq: int, **overrides):
    return applicant_row(
        姓名=name, 身份证号码=idcard.make("530302", date(1985, 3, 15), seq), **overrides
    )


def table_rows(path: Path) -> list[list[str]]:
    import docx

    (t,) = docx.Document(str(path)).tables
    return [[c.text for c in row.cells] for row in t.rows]


def applicants(store) -> dict[str, Applicant]:
    with store.transaction() as session:
        return {a.name: a for a in session.exec(select(Applicant))}


@pytest.fixture
def imported(store, committee, make_workbook):
    """Two employers: 一院 with two applicants to correct and one rejected duplicate, 宣威 with one."""
    first = make_workbook(
        [
            person("张丽", 2),
            person("王芳", 4, 性别="男", 联系电话="0874-31234"),
            person("李娜", 6, 毕业院校=""),
            person("张丽", 2),
        ],
        name="01_一院.xlsx",
    )
    second = make_workbook(
        [
            person("赵敏", 8, 工作单位="宣威市人民医院", county="宣威市", 现职取得时间=2015.1),
            person("刘洋", 10, 工作单位="宣威市人民医院", county="宣威市"),
        ],
        name="02_宣威.xlsx",
    )
    report = import_applicants(store, [first, second], "QJ-WS-ZJ", YEAR)
    assert [f.needs_correction for f in report.files] == [2, 1]
    return report


def test_one_notice_per_employer_with_every_problem(store, imported, tmp_path):
    out = tmp_path / "补正告知书"
    written = corrections.issue_notices(
        store, "QJ-WS-ZJ", out, 5, today=ISSUED, contact="李老师", contact_phone="0874-3123456"
    )
    assert [
        (w.unit, w.path.name, w.applicants, w.problems, w.rejected, w.deadline) for w in written
    ] == [
        ("宣威市人民医院", "01_补正告知书_宣威市人民医院.docx", 1, 1, 0, date(2023, 10, 8)),
        ("曲靖市第一人民医院", "02_补正告知书_曲靖市第一人民医院.docx", 2, 3, 1, date(2023, 10, 8)),
    ]
    assert sorted(p.name for p in out.iterdir()) == [w.path.name for w in written]

    rows = table_rows(written[1].path)
    assert rows[0] == ["序号", "姓名", "原表位置", "栏目", "存在问题", "更正方法"]
    assert rows[1:] == [
        [
            "1",
            "王芳",
            "申报信息表第3行",
            "性别",
            "性别填“男”，身份证号码显示为“女”",
            "请核对性别或身份证号码",
        ],
        [
            "2",
            "王芳",
            "申报信息表第3行",
            "联系电话",
            "联系电话“0874-31234”格式不对",
            "请填写11位手机号码，或带区号的固定电话（如 0874-3123456）",
        ],
        [
            "3",
            "李娜",
            "申报信息表第4行",
            "毕业院校",
            "“毕业院校”为空",
            "请填写毕业院校（如 昆明医科大学）",
        ],
    ]
    text = docx_text(written[1].path)
    assert "曲靖市第一人民医院：" in text
    assert "曲靖职评补〔2023〕2号" in text  # 发文机关代字 from the organizer, 补 for corrections
    for jargon in (".xlsx", "Sheet1", "Excel", "C3", "QJ-WS-ZJ"):
        assert jargon not in text, jargon
    assert (
        "你单位报送的2023年度曲靖市卫生系列中级职称评审委员会申报材料，经资格审查，共有 2 名申报人的 3 处内容需要补充更正。"
        in text
    )
    assert "根据《通知》六（五）" in text
    assert "以下申报未予受理：" in text
    assert "1. 张丽（申报信息表第5行）：与本表第2行是同一身份证号码，重复申报；" in text
    assert "请于 2023年10月8日（星期日，调休上班）（5个工作日内）前将补正后的申报信息表" in text
    assert "逾期未补正的，视为放弃本年度申报。" in text
    assert "联系人：李老师" in text and "联系电话：0874-3123456" in text
    assert "曲靖市卫生健康委员会（盖章）" in text
    assert "2023年9月25日" in text
    assert "调休安排尚未公布" not in text
    assert "{{" not in text and "{%" not in text

    xuanwei = docx_text(written[0].path)
    assert "“现职取得时间”“2015.1”有歧义" in xuanwei
    assert "申报信息表第2行" in xuanwei and "Excel" not in xuanwei and "N2" not in xuanwei
    assert "以下申报未予受理" not in xuanwei
    assert "王芳" not in xuanwei and "刘洋" not in xuanwei


def test_problems_stored_before_findings_give_the_same_notice(store, imported, tmp_path):
    """A store restored from an old backup keeps the flat problems of revision 0012 until it is
    upgraded: the notice reads them as it reads findings."""
    from qjtitle.intake.roster_checks import Problem

    with store.transaction() as session:
        for a in session.exec(select(Applicant)):
            assert all(p["code"].startswith("intake.") and "facts" in p for p in a.problems)
            a.problems = [Problem.from_stored(p).as_dict() for p in a.problems]
            session.add(a)
    written = corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED)
    rows = table_rows(written[1].path)
    assert [r[1:4] for r in rows[1:]] == [
        ["王芳", "申报信息表第3行", "性别"],
        ["王芳", "申报信息表第3行", "联系电话"],
        ["李娜", "申报信息表第4行", "毕业院校"],
    ]
    assert rows[3][5] == "请填写毕业院校（如 昆明医科大学）"


def test_notices_record_the_deadline(store, imported, tmp_path):
    corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED, user="tester")
    found = applicants(store)
    assert {n: a.correction_deadline for n, a in found.items()} == {
        "张丽": None,
        "王芳": date(2023, 10, 8),
        "李娜": date(2023, 10, 8),
        "赵敏": date(2023, 10, 8),
        "刘洋": None,
    }
    with store.transaction() as session:
        notices = session.exec(select(CorrectionNotice).order_by(CorrectionNotice.id)).all()
        assert [
            (n.unit, n.issued_on, n.deadline, n.problem_count, len(n.applicant_ids))
            for n in notices
        ] == [
            ("宣威市人民医院", ISSUED, date(2023, 10, 8), 1, 1),
            ("曲靖市第一人民医院", ISSUED, date(2023, 10, 8), 3, 2),
        ]
        assert all(len(n.sha256) == 64 for n in notices)
        event = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.user, event.detail["deadline"]) == (
            "corrections.issued",
            "tester",
            "2023-10-08",
        )


def test_deadline_in_working_days_over_a_holiday(store, imported, tmp_path):
    # 2023-09-28 (Thu) + 3 working days: 09-29 to 10-06 are the Mid-Autumn/National Day holiday,
    # 10-07 (Sat) and 10-08 (Sun) are make-up workdays, so: 09-28 → 10-07, 10-08, 10-09.
    (w, *_) = corrections.issue_notices(
        store, "QJ-WS-ZJ", tmp_path / "out", 3, today=date(2023, 9, 28)
    )
    assert w.deadline == date(2023, 10, 9)
    assert "请于 2023年10月9日（星期一）（3个工作日内）前" in docx_text(w.path)


def test_deadline_in_a_year_without_a_published_schedule_is_marked_provisional(
    store, imported, tmp_path
):
    from qjtitle.logic.workdays import OFFICIAL_YEARS

    year = max(OFFICIAL_YEARS) + 2
    (w, *_) = corrections.issue_notices(
        store, "QJ-WS-ZJ", tmp_path / "out", 5, today=date(year, 3, 2)
    )
    assert f"{year}年的调休安排尚未公布，期限按周末和法定节假日推算，仅供参考" in docx_text(w.path)


def test_names_with_markup_characters_render_literally(store, committee, make_workbook, tmp_path):
    path = make_workbook(
        [person("A&B<张>", 2, 工作单位="R&D <研究> 中心", 毕业院校="")], name="特殊.xlsx"
    )
    import_applicants(store, [path], "QJ-WS-ZJ", YEAR)
    (w,) = corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED)
    assert w.path.name == "01_补正告知书_R&D _研究_ 中心.docx"
    text = docx_text(w.path)
    assert "R&D <研究> 中心：" in text
    assert "| A&B<张> |" in text
    assert "&amp;" not in text and "&lt;" not in text


def test_no_pending_applicants_no_notices(store, committee, make_workbook, tmp_path):
    import_applicants(store, [make_workbook([person("张丽", 2)])], "QJ-WS-ZJ", YEAR)
    assert corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED) == []
    assert not (tmp_path / "out").exists()


def test_deadline_must_be_positive(store, imported, tmp_path):
    with pytest.raises(InvalidValue, match="补正期限 0 个工作日无效；应为正整数"):
        corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 0, today=ISSUED)


# --- 视为放弃 -----------------------------------------------------------------------


def test_expire_marks_overdue_applications_and_leaves_the_others(
    store, imported, tmp_path, make_workbook
):
    corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED)
    # A later notice: 刘洋 gets a problem after the first notice and a later deadline.
    path = make_workbook(
        [
            person("赵敏", 8, 工作单位="宣威市人民医院", county="宣威市", 现职取得时间=2015.1),
            person("刘洋", 10, 工作单位="宣威市人民医院", county="宣威市", 联系电话="1"),
        ],
        name="02_宣威.xlsx",
    )
    import_applicants(store, [path], "QJ-WS-ZJ", YEAR, today=date(2023, 10, 1))
    with store.transaction() as session:
        liu = session.exec(select(Applicant).where(Applicant.name == "刘洋")).one()
        liu.correction_deadline = date(2023, 10, 20)
        session.add(liu)
    assert (
        corrections.expire(store, "QJ-WS-ZJ", today=date(2023, 10, 8)) == []
    )  # the deadline day itself
    result = corrections.expire(store, "QJ-WS-ZJ", today=date(2023, 10, 9))
    assert sorted((r.name, r.deadline) for r in result) == [
        ("李娜", date(2023, 10, 8)),
        ("王芳", date(2023, 10, 8)),
        ("赵敏", date(2023, 10, 8)),
    ]
    assert {n: a.status for n, a in applicants(store).items()} == {
        "张丽": "已受理",
        "王芳": "视为放弃",
        "李娜": "视为放弃",
        "赵敏": "视为放弃",
        "刘洋": "待补正",
    }
    assert corrections.expire(store, "QJ-WS-ZJ", today=date(2023, 10, 9)) == []


def test_a_withdrawn_application_is_not_revived_by_a_late_correction(
    store, imported, tmp_path, make_workbook
):
    corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED)
    corrections.expire(store, "QJ-WS-ZJ", today=date(2023, 10, 9))
    late = make_workbook(
        [person("张丽", 2), person("王芳", 4), person("李娜", 6)], name="01_一院.xlsx"
    )
    report = import_applicants(store, [late], "QJ-WS-ZJ", YEAR)
    f = report.files[0]
    assert (f.updated, len(f.rejected)) == (1, 2)
    assert (
        f.rejected[0].reason
        == "王芳逾期未补正（补正期限 2023-10-08），已视为放弃（通知 六（五）），本年度不再受理"
    )
    assert applicants(store)["王芳"].status == "视为放弃"


# --- Through the CLI ----------------------------------------------------------------


def test_cli_corrections_and_expire(cli, store, imported, tmp_path):
    out = tmp_path / "告知书"
    result = cli(
        "applicants",
        "corrections",
        "-c",
        "QJ-WS-ZJ",
        "--out",
        str(out),
        "--date",
        "2023-09-25",
        "--contact",
        "李老师",
        "--contact-phone",
        "0874-3123456",
    )
    assert result.exit_code == 0, result.output
    assert "已生成 2 份补正告知书（补正期限 2023-10-08）" in result.output
    assert len(list(out.glob("*.docx"))) == 2

    result = cli("applicants", "expire", "-c", "QJ-WS-ZJ", "--date", "2023-10-08", "--yes")
    assert result.exit_code == 0, result.output
    assert "没有逾期未补正的申报。" in result.output
    result = cli(
        "applicants", "expire", "-c", "QJ-WS-ZJ", "--date", "2023-10-09", "--json", "--yes"
    )
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert sorted(r["name"] for r in data) == ["李娜", "王芳", "赵敏"]
    assert {r["deadline"] for r in data} == {"2023-10-08"}


def test_cli_corrections_with_nothing_to_correct(cli, store, committee, tmp_path):
    result = cli(
        "applicants",
        "corrections",
        "-c",
        "QJ-WS-ZJ",
        "--out",
        str(tmp_path / "o"),
        "--date",
        "2023-09-25",
    )
    assert result.exit_code == 0
    assert "没有待补正的申报人，无需告知。" in result.output


def test_cli_corrections_with_a_broken_template_leaves_the_store_unchanged(
    cli, store, imported, tmp_path
):
    templates = tmp_path / "my_templates"
    templates.mkdir()
    (templates / "correction_notice.docx").write_bytes(b"not a docx")
    result = cli(
        "applicants",
        "corrections",
        "-c",
        "QJ-WS-ZJ",
        "--out",
        str(tmp_path / "o"),
        "--date",
        "2023-09-25",
        "--templates",
        str(templates),
    )
    assert result.exit_code == 1
    assert "模板" in result.stderr and "correction_notice.docx 无法使用" in result.stderr
    assert all(a.correction_deadline is None for a in applicants(store).values())
    with store.transaction() as session:
        assert session.exec(select(CorrectionNotice)).all() == []
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.action == "corrections.issued")).all()
            == []
        )


def test_a_correction_after_the_deadline_counts_as_withdrawn(
    store, imported, tmp_path, make_workbook
):
    corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED)
    late = make_workbook([person("王芳", 4)], name="01_一院.xlsx")
    report = import_applicants(store, [late], "QJ-WS-ZJ", YEAR, today=date(2023, 10, 9))
    assert (
        report.files[0]
        .rejected[0]
        .reason.startswith("王芳逾期未补正（补正期限 2023-10-08），已视为放弃")
    )
    assert applicants(store)["王芳"].status == "视为放弃"


def test_notices_are_issued_once_per_applicant(store, imported, tmp_path):
    first = corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED)
    assert first
    again = corrections.issue_notices(
        store, "QJ-WS-ZJ", tmp_path / "again", 5, today=date(2023, 9, 28)
    )
    assert all(w.applicants == 0 for w in again)
    assert {a.correction_deadline for a in applicants(store).values() if a.status == "待补正"} == {
        date(2023, 10, 8)
    }


def test_a_second_run_numbers_after_the_first_and_keeps_the_contact(
    store, imported, tmp_path, make_workbook
):
    out = tmp_path / "out"
    first = corrections.issue_notices(
        store, "QJ-WS-ZJ", out, 5, today=ISSUED, contact="周敏", contact_phone="0874-3123456"
    )
    assert [w.path.name[:3] for w in first] == ["01_", "02_"]
    nothing_new = corrections.issue_notices(store, "QJ-WS-ZJ", out, 5, today=date(2023, 9, 26))
    assert nothing_new == []  # the refused duplicate of 一院 was told in the first notice already
    later = make_workbook(
        [person("孙倩", 12, 工作单位="会泽县人民医院", county="会泽县", 毕业院校="")],
        name="03_会泽.xlsx",
    )
    import_applicants(store, [later], "QJ-WS-ZJ", YEAR)
    (again,) = corrections.issue_notices(store, "QJ-WS-ZJ", out, 5, today=date(2023, 9, 27))
    assert again.path.name.startswith("03_补正告知书_会泽县人民医院")
    assert sorted(f.name[:3] for f in out.glob("*.docx")) == ["01_", "02_", "03_"]
    text = docx_text(again.path)
    assert "周敏" in text and "0874-3123456" in text
    assert "曲靖职评补〔2023〕3号" in text
    assert (again.contact, again.contact_phone) == ("周敏", "0874-3123456")


def test_cli_says_the_contact_is_taken_over(cli, store, imported, tmp_path, make_workbook):
    out = tmp_path / "告知书"
    args = [
        "applicants",
        "corrections",
        "--committee",
        "QJ-WS-ZJ",
        "--out",
        str(out),
        "--date",
        "2023-09-25",
    ]
    assert cli(*args, "--contact", "周敏", "--contact-phone", "0874-3123456").exit_code == 0
    later = make_workbook(
        [person("孙倩", 12, 工作单位="会泽县人民医院", county="会泽县", 毕业院校="")],
        name="03_会泽.xlsx",
    )
    import_applicants(store, [later], "QJ-WS-ZJ", YEAR)
    result = cli(*args[:-1], "2023-09-27")
    assert result.exit_code == 0, result.output
    assert "联系人沿用上次的告知书：周敏 0874-3123456" in result.stdout
    assert (out / "03_补正告知书_会泽县人民医院.docx").exists()


def test_status_reminds_of_corrections_past_their_deadline(store, imported, tmp_path):
    from qjtitle.calendar import reminders

    corrections.issue_notices(store, "QJ-WS-ZJ", tmp_path / "out", 5, today=ISSUED)
    assert reminders.overdue_corrections(store, date(2023, 10, 8)) == []  # the last day itself
    (item,) = reminders.overdue_corrections(store, date(2023, 10, 9))
    assert (item.committee, item.count, item.earliest) == ("QJ-WS-ZJ", 3, date(2023, 10, 8))
