"""Meeting day through the command line: names where numbers were, batch confirmation, the sheets
that `meeting sheets` writes read back by `meeting attend`, `meeting review` and `record-votes`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import (
    FILING_DRAWERS,
    FILING_SUPERVISORS,
    docx_text,
    expert_row,
    filing_applicant_rows,
)

from qjtitle.experts import draw_record
from qjtitle.experts import drawing as draw_store
from qjtitle.meeting import results as meeting_results


def audit_events(store, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The details of the audit events of ``action``, oldest first."""
    from sqlmodel import col, select

    from qjtitle.models import AuditEvent

    with store.transaction() as session:
        return [
            e.detail
            for e in session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
            )
        ]


@pytest.fixture
def drawn(store, committee, expert_pool, draw_meeting, make_workbook):
    """QJ-WS-ZJ with applicants, a pool of 15 (two called 王明) and a drawn meeting: (meeting, draw)."""
    from qjtitle.intake.applicants import import_applicants

    import_applicants(store, [make_workbook(filing_applicant_rows())], "QJ-WS-ZJ", 2023)
    pool = [expert_row(i, 专业="护理") for i in range(1, 16)]
    pool[13]["姓名"] = pool[14]["姓名"] = "王明"
    expert_pool(pool)
    meeting = draw_meeting()
    outcome = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            FILING_DRAWERS,
            FILING_SUPERVISORS,
            alternates=2,
            seed=["1111", "2222", "3333"],
            drawn_on=date(2023, 11, 10),
        ),
    )
    return meeting, outcome.record["draw"], outcome.record["picks"]


def test_a_drawn_expert_is_named_by_name(cli, drawn):
    _meeting, draw, picks = drawn
    member = next(p for p in picks if p["role"] == "member" and p["name"] != "王明")
    result = cli(
        "draw", "confirm", str(draw), member["name"], "--accepted", "--date", "2023年11月13日"
    )
    assert result.exit_code == 0, result.output
    assert f"已记录：{member['name']}（编号 {member['id']}）同意参会" in result.stdout
    shown = cli("draw", "show", str(draw), "--sealed")
    assert (
        "专家编号" in shown.stdout
        and str(member["id"]) in shown.stdout
        and member["name"] not in shown.stdout
    )


def test_a_shared_name_is_answered_with_a_question(cli, drawn):
    result = cli(
        "conflicts", "add", "--expert", "王明", "--applicant", "王芳", "--reason", "近亲属"
    )
    assert result.exit_code == 1
    assert "有 2 位专家叫“王明”，是哪一位？编号 14：王明（" in result.stderr
    assert "编号 15：王明（" in result.stderr and "请改用编号再输入一次" in result.stderr
    named = cli("conflicts", "add", "--expert", "14", "--applicant", "王芳", "--reason", "近亲属")
    assert named.exit_code == 0, named.output
    assert "已登记回避：专家 王明（编号 14）— 申报人 王芳" in named.stdout


def test_confirm_a_whole_panel_at_once(cli, drawn):
    _meeting, draw, picks = drawn
    result = cli("draw", "confirm", str(draw), "--all-accepted")
    assert result.exit_code == 0, result.output
    members = [p for p in picks if p["role"] == "member"]
    assert result.stdout.count("同意参会") == len(members) == 11
    again = cli("draw", "confirm", str(draw), "--all-accepted")
    assert again.exit_code == 1 and "都已答复" in again.stderr


def test_confirm_from_an_answer_sheet(cli, drawn, make_workbook):
    _meeting, draw, picks = drawn
    members = [p for p in picks if p["role"] == "member"]
    sheet = make_workbook(
        [
            [members[0]["id"], members[0]["name"], "谢绝", "出差"],
            ["", members[1]["name"], "同意", ""],
        ],
        name="答复.xlsx",
        headers=["专家编号", "姓名", "答复", "理由"],
    )
    result = cli("draw", "confirm", str(draw), "--from-sheet", str(sheet))
    assert result.exit_code == 0, result.output
    assert f"{members[0]['name']}（编号 {members[0]['id']}）谢绝（出差）" in result.stdout
    assert (
        "替补" in result.stdout
        and f"{members[1]['name']}（编号 {members[1]['id']}）同意参会" in result.stdout
    )


def fill(path: Path, column: str, value) -> None:  # type: ignore[no-untyped-def]
    """Type ``value`` into every data row of ``column`` (a callable gets the row's 申报人 and header)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.active
    top = next(
        r for r in range(1, 10) if ws.cell(row=r, column=2).value not in (None, "")
    )  # the header
    header = [c.value for c in ws[top]]
    for row in ws.iter_rows(min_row=top + 1):
        if row[0].value in (None, ""):
            continue
        for c, label in enumerate(header):
            if label == column or (column == "*" and label not in ("申报人", "单位", "申报专业")):
                row[c].value = value(row[0].value, label) if callable(value) else value
    wb.save(path)


def test_meeting_sheets_are_read_back_unchanged(cli, drawn, tmp_path, store):
    from qjtitle.meeting.sheets import picture

    meeting, draw, _picks = drawn
    assert cli("draw", "confirm", str(draw), "--all-accepted").exit_code == 0
    out = tmp_path / "会议用表"
    made = cli("meeting", "sheets", str(meeting), "--out", str(out))
    assert made.exit_code == 0, made.output
    assert "评议表：尚未安排审阅专家" in made.stderr
    assert f"再重新生成：qjtitle meeting assign {meeting}" in " ".join(made.stderr.split())
    assert {p.name for p in out.iterdir()} == {
        f"{stem}.{kind}" for stem in ("签到表", "计票表") for kind in ("xlsx", "docx")
    }
    printed = docx_text(out / "签到表.docx")  # the same sheet to print from Word
    assert "评审会议签到表" in printed and "编号 | 姓名 | 单位 | 专业 | 签到" in printed
    assert all(p["name"] in printed for p in _picks if p["role"] == "member")
    assert f"评审会议：第{meeting}号" in printed and f"表号：第{meeting}号会议·表01" in printed
    assert (
        "qjtitle" not in printed and "-" not in printed.split("表号")[0]
    )  # no ISO date, no command

    sign_in = out / "签到表.xlsx"
    fill(sign_in, "签到", "√")
    attended = cli("meeting", "attend", str(meeting), "--from-sheet", str(sign_in))
    assert attended.exit_code == 0, attended.output
    assert "新签到 11 人" in attended.stdout
    assert cli("meeting", "assign", str(meeting)).exit_code == 0

    filled = sign_in.read_bytes()
    refused = cli("meeting", "sheets", str(meeting), "--out", str(out))
    assert refused.exit_code == 1  # the sheets typed by hand are never written over silently
    assert "已有会议用表：签到表.docx、签到表.xlsx" in " ".join(refused.stderr.split())
    assert "--force" in refused.stderr and sign_in.read_bytes() == filled
    again = cli("meeting", "sheets", str(meeting), "--out", str(out), "--force")
    assert again.exit_code == 0, again.output
    forms = sorted((out / "评议表").glob("评议表_*.xlsx"))
    assert forms and len(list((out / "评议表").glob("评议表_*.docx"))) == len(forms)
    for form in forms:
        fill(form, "评审建议", "同意")
        fill(form, "评议意见", "材料齐全，业绩突出。")
        reviewed = cli("meeting", "review", str(meeting), "--from-sheet", str(form))
        assert reviewed.exit_code == 0, reviewed.output
    assert "全部评议意见已录入" in reviewed.stdout

    pic = picture(store, meeting)
    tally = out / "计票表.xlsx"  # a secret ballot: counts only, no column per expert
    printed = docx_text(out / "计票表.docx")
    assert (
        "无记名投票" in printed and "申报人 | 应投票人数 | 同意 | 不同意 | 弃权 | 废票" in printed
    )
    assert not any(p.name in printed for p in pic.panel)
    voters = {
        a.key: 11 - sum(1 for e in pic.recused.get(a.id, {}) if e in pic.attending)
        for a in pic.applicants
    }
    fill(tally, "同意", lambda who, _label: voters[str(who)])
    for label in ("不同意", "弃权", "废票"):
        fill(tally, label, 0)
    voted = cli("record-votes", str(meeting), "--from-sheet", str(tally))
    assert voted.exit_code == 0, voted.output
    assert f"通过 {len(pic.applicants)} 人 / 已表决 {len(pic.applicants)} 人" in voted.stdout
    again = cli("record-votes", str(meeting), tally.as_posix())  # the old spelling: a bare file
    assert again.exit_code == 0, again.output  # the same counts again change nothing

    first = pic.applicants[0]
    fill(tally, "同意", lambda who, _label: 1 if str(who) == first.key else voters[str(who)])
    fill(tally, "不同意", lambda who, _label: voters[str(who)] - 1 if str(who) == first.key else 0)
    flipped = cli("record-votes", str(meeting), "--from-sheet", str(tally))
    assert flipped.exit_code == 1
    change = (
        f"{first.name}：同意{voters[first.key]}，不同意0，弃权0：通过 → "
        f"同意1，不同意{voters[first.key] - 1}，弃权0：未通过"
    )
    assert change in flipped.stderr and "--reason" in flipped.stderr
    assert meeting_results.results(store, meeting).passed == len(pic.applicants)  # nothing written
    flipped = cli(
        "record-votes", str(meeting), "--from-sheet", str(tally), "--reason", "复核选票，计票有误"
    )
    assert flipped.exit_code == 0, flipped.output
    events = audit_events(store, "meeting.votes")
    assert events[-1]["changes"] == [change] and events[-1]["reason"] == "复核选票，计票有误"
    shown = cli("meeting", "show", str(meeting))
    assert shown.exit_code == 0
    assert "已签到 11/11 人" in " ".join(shown.stdout.split()) and "审阅安排第1版" in shown.stdout
    assert "主持会议：尚未记录" in shown.stdout and "评审方式：尚未记录" in shown.stdout
    assert (
        "审阅安排第2版" not in cli("meeting", "show", str(meeting)).stdout
    )  # showing changes nothing


def test_attendance_reports_every_problem_at_once(cli, drawn):
    meeting, draw, picks = drawn
    assert cli("draw", "confirm", str(draw), "--all-accepted").exit_code == 0
    member = next(p for p in picks if p["role"] == "member")
    result = cli("meeting", "attend", str(meeting), member["name"], "张三", "李四")
    assert result.exit_code == 1
    text = " ".join(result.stderr.split())
    assert (
        "签到有以下问题，均未写入" in text
        and "“张三”不是本次会议" in text
        and "“李四”不是本次会议" in text
    )
    shown = cli("meeting", "show", str(meeting))
    assert "已签到 0/11 人" in " ".join(shown.stdout.split())


def test_an_answer_sheet_is_recorded_whole_or_not_at_all(cli, drawn, make_workbook, store):
    _meeting, draw, picks = drawn
    members = [p for p in picks if p["role"] == "member"]
    sheet = make_workbook(
        [
            [members[0]["id"], "", "同意", ""],
            [members[1]["id"], "", "谢绝", ""],
        ],  # a decline without a reason
        name="答复.xlsx",
        headers=["专家编号", "姓名", "答复", "理由"],
    )
    result = cli("draw", "confirm", str(draw), "--from-sheet", str(sheet))
    assert result.exit_code == 1 and "谢绝参会须写明理由" in result.stderr
    assert (
        draw_record.show_draw(store, draw)["answers"] == []
    )  # the first answer was rolled back too
