"""Sealed means sealed (issue 12): what a sealed meeting decided stays as decided, and any change
made behind the tool's back is found by ``audit verify``."""

from __future__ import annotations

import json
from datetime import date

import pytest
import test_proceedings
from sqlalchemy import text
from sqlmodel import select
from test_proceedings import Sitting, _applicants, _as_held, _attend, _review_all, _vote_all

from qjtitle.errors import InvalidValue
from qjtitle.experts import draw_answers, draw_record
from qjtitle.experts import drawing as draw_store
from qjtitle.findings import Step
from qjtitle.intake import after_seal
from qjtitle.intake.applicants import import_applicants
from qjtitle.meeting import results as meeting_results
from qjtitle.meeting import voting
from qjtitle.meeting.proceedings import ProceedingsError
from qjtitle.meeting.voting import VoteEntry
from qjtitle.models import (
    Applicant,
    ApplicantCorrection,
    Attendance,
    AuditEvent,
    Ballot,
    BallotCount,
    DrawAnswer,
)
from qjtitle.store import audit, sealing, ties
from qjtitle.store.engine import CORRECTION_ACTION

pytestmark = pytest.mark.both_backends

sitting = (
    test_proceedings.sitting
)  # the fixture: six applicants, eleven members confirmed, two alternates


def _sealed(s: Sitting) -> meeting_results.MeetingResults:
    _attend(s, 9)
    _review_all(s)
    _vote_all(s, s.members[:9])
    _as_held(s)
    return meeting_results.seal(s.store, s.meeting)


def _drop_triggers(store, backend: str, table: str) -> None:
    with store.engine.begin() as conn:
        if backend == "sqlite":
            for op in ("update", "delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        if table == "ballot":  # a forger who also drops the secret ballot's guard (revision 0006)
            on = "" if backend == "sqlite" else " ON ballot"
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS ballot_no_insert{on}")


def _ballot_count(store) -> tuple[int, int]:
    with store.transaction() as session:
        return len(list(session.exec(select(Ballot.id)))), len(
            list(session.exec(select(BallotCount.id)))
        )


# --- 1. freeze what was decided ------------------------------------------------------------------


def test_reimport_after_seal_keeps_the_results_and_names_the_frozen_rows(
    sitting: Sitting, store, make_workbook, cli
) -> None:
    _sealed(sitting)
    before = meeting_results.results(store, sitting.meeting)
    shown_before = cli("meeting", "results", str(sitting.meeting)).stdout
    # the same folder again: nothing "updated"
    report = import_applicants(
        store, [make_workbook(_applicants(6), name="roster.xlsx")], "QJ-WS-ZJ", 2023
    )
    f = report.files[0]
    assert (f.imported, f.updated, f.unchanged, f.frozen, f.harmless) == (0, 0, 6, [], [])
    # one row moved to another specialty and title, one with a new phone number, one new applicant
    rows = _applicants(7)
    rows[0].update({"申报专业": "临床医学", "申报资格名称": "主治医师"})
    rows[1]["联系电话"] = "13900001111"
    report = import_applicants(store, [make_workbook(rows, name="roster.xlsx")], "QJ-WS-ZJ", 2023)
    f = report.files[0]
    first, second = rows[0]["姓名"], rows[1]["姓名"]
    ids = {name: aid for aid, name in sitting.names.items()}
    assert f.imported == 1 and f.unchanged == 4
    assert f.frozen == [f"{first}（第{sitting.meeting}号评审会议（2023-11-20））"]
    assert f.harmless == [
        f"{second}（第{sitting.meeting}号评审会议（2023-11-20），仅更新联系电话/备注）"
    ]
    (refused,) = f.rejected
    assert refused.row == 2 and f"已由第{sitting.meeting}号评审会议" in refused.reason
    assert "专业 护理 → 临床医学" in refused.reason and "本行未导入" in refused.reason
    # the way on is data (the reason, kept with the run and told to employers, names no command)
    assert refused.fix is not None and refused.fix.step == Step.CORRECT_APPLICANT
    assert refused.fix.args["key"] == ids[first] and "qjtitle" not in refused.reason
    with store.transaction() as session:
        a = session.get(Applicant, ids[first])
        b = session.get(Applicant, ids[second])
        assert (a.specialty, a.title_name) == ("护理", "主管护师") and b.phone == "13900001111"
    result = cli(
        "import-applicants",
        str(make_workbook(rows, name="roster.xlsx")),
        "-c",
        "QJ-WS-ZJ",
        "-y",
        "2023",
    )
    assert result.exit_code == 0, result.output
    assert (
        "已封存会议评审过的申报人：未变 5，仅更新联系电话/备注 0，因会更改评审认定的事项而未导入 1"
        in result.stdout
    )
    assert (
        f"{first}（编号 {ids[first]}）已由第{sitting.meeting}号评审会议（2023-11-20）评审并封存"
        in result.stdout
    )
    assert (
        f"该申报人的记录保持不变；确属更正请用：qjtitle applicants correct {ids[first]} --set"
        in "".join(result.stdout.split("\n"))
    )
    after = meeting_results.results(store, sitting.meeting)
    assert json.dumps(after.as_dict(), sort_keys=True) == json.dumps(
        before.as_dict(), sort_keys=True
    )  # the new applicant is not in it
    assert cli("meeting", "results", str(sitting.meeting)).stdout == shown_before
    assert audit.verify_store(store).ok


def test_the_database_keeps_frozen_facts_and_a_correction_is_recorded(
    sitting: Sitting, store, cli, make_workbook
) -> None:
    _sealed(sitting)
    aid = sitting.applicants[0]
    with pytest.raises(Exception, match="已由封存的评审会议认定"), store.transaction() as session:
        session.exec(text(f"UPDATE applicant SET specialty = '临床医学' WHERE id = {aid}"))
    with (
        pytest.raises(Exception, match="已由封存的评审会议认定") as refused,
        store.transaction() as session,
    ):
        session.exec(text(f"DELETE FROM applicant WHERE id = {aid}"))
    # issue 26: the store's refusal is a finding whose step is the correction (the CLI spells it)
    from qjtitle.errors import StoreError
    from qjtitle.findings import Step

    assert isinstance(refused.value, StoreError) and refused.value.finding.code == "store.frozen"
    fix = refused.value.finding.fix
    assert fix is not None and fix.step is Step.CORRECT_APPLICANT
    assert "qjtitle" not in str(refused.value)
    with store.transaction() as session:  # contact details are not what the meeting decided on
        session.exec(text(f"UPDATE applicant SET phone = '13800000000' WHERE id = {aid}"))
    result = cli("applicants", "correct", str(aid), "--set", "工作单位=曲靖市第一人民医院")
    assert result.exit_code != 0 and "--reason" in result.output
    result = cli(
        "applicants",
        "correct",
        str(aid),
        "--set",
        "工作单位=曲靖市第一人民医院",
        "--reason",
        "单位名称笔误",
    )
    assert result.exit_code == 0, result.output
    assert "已登记更正" in result.stdout and "曲靖市第一人民医院" in result.stdout
    # the same correction again changes nothing: the refusal names --set (it had no next step)
    again = cli(
        "applicants",
        "correct",
        str(aid),
        "--set",
        "工作单位=曲靖市第一人民医院",
        "--reason",
        "重复",
    )
    assert again.exit_code != 0
    assert "与现有内容相同，没有可更正的；请用 --set 写明与现有内容不同的新内容" in again.output
    summary = meeting_results.results(store, sitting.meeting)
    assert summary.after_seal[-1].what.endswith("的工作单位：申报单位0 → 曲靖市第一人民医院")
    assert summary.after_seal[-1].reason == "单位名称笔误"
    assert audit.verify_store(store).ok
    with pytest.raises(Exception, match="只能追加"), store.transaction() as session:
        session.exec(text("DELETE FROM applicant_correction"))
    # an applicant imported after the seal was never decided on: corrected by importing again
    rows = _applicants(7)
    import_applicants(store, [make_workbook(rows, name="roster.xlsx")], "QJ-WS-ZJ", 2023)
    with pytest.raises(sealing.SealError, match="不属于任何已封存的评审会议"):
        after_seal.correct_applicant(store, rows[6]["姓名"], {"专业": "临床医学"}, "理由")


def test_no_draw_after_the_seal(sitting: Sitting, store, cli) -> None:
    _sealed(sitting)
    with pytest.raises(
        InvalidValue, match="已于 .* 封存，参会专家已是会议认定的事实，不能再抽取或重新抽取"
    ):
        draw_store.draw_experts(
            store,
            draw_store.DrawRequest(
                sitting.meeting,
                ["王明", "李华", "赵强"],
                ["陈静"],
                seed=["1", "2", "3"],
                voids=sitting.draw,
                void_reason="测试",
                drawn_on=date(2023, 11, 10),
            ),
        )
    result = cli(
        "draw-experts",
        str(sitting.meeting),
        "--drawer",
        "王明",
        "--drawer",
        "李华",
        "--drawer",
        "赵强",
        "--supervisor",
        "陈静",
        "--seed",
        "1",
        "--seed",
        "2",
        "--seed",
        "3",
        "--voids",
        str(sitting.draw),
        "--reason",
        "测试",
        "--date",
        "2023-11-10",
    )
    assert result.exit_code == 1 and "不能再抽取或重新抽取" in result.stderr
    assert len(draw_record.list_draws(store, sitting.meeting)) == 1
    # nor an answer that would take an attending expert off the panel
    with pytest.raises(InvalidValue, match="不能再记录专家的答复或替补"):
        draw_answers.confirm(
            store, sitting.draw, sitting.members[0], False, "生病", answered_on=date(2023, 11, 25)
        )
    assert audit.verify_store(store).ok


def test_the_experts_of_a_sealed_meeting_keep_what_they_were(
    sitting: Sitting, store, expert_pool
) -> None:
    from conftest import expert_row

    _sealed(sitting)
    seated = sitting.members[0]
    with store.transaction() as session:
        from qjtitle.models import Expert

        name = session.get(Expert, seated).name
        number = next(i for i in range(1, 16) if expert_row(i, 专业="护理")["姓名"] == name)
    with pytest.raises(Exception, match="已由封存的评审会议认定"), store.transaction() as session:
        session.exec(text(f"UPDATE expert SET unit = '别的医院' WHERE id = {seated}"))
    with pytest.raises(Exception, match="已由封存的评审会议认定"), store.transaction() as session:
        session.exec(text(f"DELETE FROM expert WHERE id = {seated}"))
    rows = [expert_row(i, 专业="护理") for i in range(1, 16)]
    rows[number - 1]["工作单位"] = "曲靖市另一家医院"
    report = expert_pool(rows, pool_filed=None, name="pool2.xlsx")
    (refused,) = report.rejected
    assert refused.name == name and "已封存" in refused.problems[0].message
    assert (
        f"第{sitting.meeting}号评审会议" in refused.problems[0].message
        and "本行未导入" in refused.problems[0].message
    )
    assert report.updated == 14
    assert audit.verify_store(store).ok


# --- 2. ballots that cannot be doubled ---------------------------------------------------------------


def test_the_named_ballot_is_gone_from_the_command(sitting: Sitting, store, cli) -> None:
    _attend(sitting, 9)
    a, e = sitting.applicants[0], sitting.members[0]
    result = cli("record-votes", str(sitting.meeting), "--applicant", str(a), f"--ballot={e}=同意")
    assert result.exit_code == 2  # no such option: the vote is a secret ballot
    assert _ballot_count(store) == (0, 0)


def test_duplicate_rows_in_tally_sheets_are_refused(sitting: Sitting, store, make_workbook) -> None:
    _attend(sitting, 9)
    a, b = sitting.applicants[:2]
    counts = make_workbook(
        [[sitting.names[a], 9, 0, 0], [sitting.names[b], 9, 0, 0], [sitting.names[a], 0, 9, 0]],
        name="票数.xlsx",
        headers=["申报人", "同意", "不同意", "弃权"],
    )
    with pytest.raises(ProceedingsError) as err:
        voting.record_votes(store, sitting.meeting, voting.vote_sheet(counts))
    assert f"{sitting.names[a]} 的投票重复：票数.xlsx Sheet1 第2行已有其投票" in str(err.value)
    assert _ballot_count(store) == (0, 0)


def test_invalid_ballots_are_recorded_counted_as_not_agreeing_and_shown(
    sitting: Sitting, store, cli, make_workbook
) -> None:
    _attend(sitting, 9)
    a, b = sitting.applicants[:2]
    voting.record_votes(store, sitting.meeting, [VoteEntry(str(a), counts=(6, 0, 0), invalid=3)])
    sheet = make_workbook(
        [[sitting.names[b], 6, 0, 1, 2]],
        name="票数.xlsx",
        headers=["申报人", "同意", "不同意", "弃权", "无效"],
    )
    rows = {
        r.id: r.as_dict()
        for r in voting.record_votes(store, sitting.meeting, voting.vote_sheet(sheet)).applicants
    }
    assert (rows[a]["agree"], rows[a]["invalid"], rows[a]["result"]) == (
        6,
        3,
        "通过",
    )  # 6 of 9: 2/3 reached
    assert (rows[b]["agree"], rows[b]["abstain"], rows[b]["invalid"], rows[b]["result"]) == (
        6,
        1,
        2,
        "通过",
    )
    with store.transaction() as session:
        assert [
            (x.agree, x.invalid)
            for x in session.exec(select(BallotCount).where(BallotCount.applicant_id == a))
        ] == [(6, 3)]
    result = cli(
        "record-votes",
        str(sitting.meeting),
        "--applicant",
        str(sitting.applicants[2]),
        "--agree",
        "5",
        "--disagree",
        "0",
        "--abstain",
        "0",
        "--invalid",
        "4",
    )
    assert result.exit_code == 0, result.output
    assert "废票" in result.stdout
    row = next(
        r.as_dict()
        for r in meeting_results.results(store, sitting.meeting).applicants
        if r.id == sitting.applicants[2]
    )
    assert (row["invalid"], row["result"]) == (
        4,
        "未通过",
    )  # 5 of 9 agree: invalid ballots do not agree


# --- 3. late sign-ins -------------------------------------------------------------------------------


def test_a_sign_in_after_the_votes_needs_a_reason_and_marks_the_votes_to_retake(
    sitting: Sitting, store, cli
) -> None:
    _attend(sitting, 9)
    a = sitting.applicants[0]
    agree = {a: 6}
    _vote_all(sitting, sitting.members[:9], agree)
    assert (
        next(
            r for r in meeting_results.results(store, sitting.meeting).applicants if r.id == a
        ).result
        == "通过"
    )
    late = [str(e) for e in sitting.members[9:11]]
    with pytest.raises(ProceedingsError, match="(?s)已录入投票.*均未写入") as err:
        voting.attend(store, sitting.meeting, late)
    assert err.value.finding.fix is not None and err.value.finding.fix.field == "reason"
    assert f"{sitting.names[a]}（同意6，不同意3，弃权0）：通过 → 须重新表决" in str(err.value)
    result = cli("meeting", "attend", str(sitting.meeting), *late)
    assert result.exit_code == 1 and "--reason" in result.stderr
    voting.attend(store, sitting.meeting, late, reason="两位专家签到表漏录")
    summary = meeting_results.results(store, sitting.meeting)
    rows = {r.id: r for r in summary.applicants}
    assert all(r.result == "须重新表决" and r.retake for r in rows.values())
    assert "表决后签到有变动" in rows[a].problems[0]
    assert list(rows[a].as_dict())[-3:] == ["result", "retake", "problems"]  # as before the types
    assert any("须重新表决" in w for w in summary.warnings)
    shown = cli("meeting", "results", str(sitting.meeting)).output
    assert "须重新表决" in shown and "未通过" not in shown
    with pytest.raises(ProceedingsError, match="须由现出席专家重新表决"):
        meeting_results.seal(store, sitting.meeting)
    rows = {r.id: r for r in _vote_all(sitting, sitting.members[:11])}
    assert all(r.result == "通过" for r in rows.values())


# --- 4. the seal's digest -----------------------------------------------------------------------------


INSERT_BALLOT = (
    "INSERT INTO ballot_count (meeting_id, applicant_id, agree, disagree, abstain, invalid, reason,"
    ' after_seal, recorded_at, "user") '
    "SELECT meeting_id, applicant_id, 0, disagree + agree, abstain, invalid, '', after_seal,"
    ' recorded_at, "user" FROM ballot_count WHERE id = (SELECT min(id) FROM ballot_count)'
)


@pytest.mark.parametrize("edit", ["ballot", "attendance", "summary", "applicant", "inserted"])
def test_an_edit_of_a_sealed_row_fails_audit_verify(
    sitting: Sitting, store, backend, cli, edit
) -> None:
    _sealed(sitting)
    assert audit.verify_store(store).ok
    statements = {
        "ballot": (
            "ballot_count",
            "UPDATE ballot_count SET agree = 0 WHERE id = (SELECT min(id) FROM ballot_count)",
            "无记名票数（ballot_count 表）第1号记录被改动过",
        ),
        "attendance": (
            "attendance",
            "DELETE FROM attendance WHERE id = (SELECT min(id) FROM attendance)",
            "签到记录（attendance 表）第1号记录已被删除",
        ),
        "summary": (
            "meeting_seal",
            "UPDATE meeting_seal SET summary = '{\"passed\": 0}'",
            "封存摘要与封存时记入审计日志",
        ),
        "applicant": (
            None,
            "UPDATE applicant SET specialty = '临床医学' WHERE id = (SELECT min(id) FROM applicant)",
            "的专业与封存时不同，且没有登记更正",
        ),
        "inserted": ("ballot_count", INSERT_BALLOT, "是封存后绕过本程序插入的"),
    }
    table, statement, message = statements[edit]
    if table:
        _drop_triggers(store, backend, table)
    else:
        with store.engine.begin() as conn:
            for name in (
                ("applicant_frozen_update", "applicant_frozen_delete")
                if backend == "sqlite"
                else ()
            ):
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
            if backend != "sqlite":
                conn.exec_driver_sql("DROP TRIGGER applicant_frozen ON applicant")
    with store.engine.begin() as conn:
        conn.exec_driver_sql(statement)
    check = audit.verify_store(store)
    assert not check.ok and check.kind == audit.SEALED_CHANGED
    assert any(f"第{sitting.meeting}号会议" in p and message in p for p in check.sealed_problems), (
        check.sealed_problems
    )
    result = cli("audit", "verify")
    assert (
        result.exit_code == 1
        and "已封存的会议记录被改动" in result.stderr
        and message in result.stderr
    )


# --- 4b. nothing after the seal without its event (issue 23.3) -------------------------------------


def _sql(store, *statements: str) -> None:
    with store.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _drop_frozen(store, backend: str) -> None:
    if backend == "sqlite":
        _sql(store, "DROP TRIGGER applicant_frozen_update", "DROP TRIGGER applicant_frozen_delete")
    else:
        _sql(store, "DROP TRIGGER applicant_frozen ON applicant")


def _findings(store) -> list[str]:
    check = audit.verify_store(store)
    assert not check.ok and check.kind == audit.SEALED_CHANGED
    return check.sealed_problems


def test_what_the_tool_writes_after_the_seal_is_tied_to_its_event(
    sitting: Sitting, store, cli
) -> None:
    _sealed(sitting)
    aid, late = sitting.applicants[0], sitting.members[9]
    voting.attend(store, sitting.meeting, [str(late)], reason="签到表漏录")
    after_seal.correct_applicant(store, str(aid), {"专业": "内科护理"}, "专业笔误")
    assert audit.verify_store(store).ok
    with store.transaction() as session:
        for model in (Attendance, ApplicantCorrection, BallotCount, DrawAnswer):
            rows = list(session.exec(select(model)))
            assert rows and all(r.event_id and len(r.event_digest) == 32 for r in rows), model
            for r in rows:
                event = session.get(AuditEvent, r.event_id)
                assert r.event_digest in event.detail["tied_rows"][model.__tablename__]
        correction = session.exec(select(ApplicantCorrection)).one()
        assert session.get(AuditEvent, correction.event_id).action == CORRECTION_ACTION
    # a tie is set once: the store refuses to move a row to another event
    with pytest.raises(Exception, match="只能追加"), store.transaction() as session:
        session.exec(
            text("UPDATE attendance SET event_id = 1 WHERE id = (SELECT max(id) FROM attendance)")
        )
    with pytest.raises(Exception, match="只能追加"), store.transaction() as session:
        session.exec(
            text("UPDATE attendance SET reason = 'x' WHERE id = (SELECT max(id) FROM attendance)")
        )


FORGED_CORRECTION = (
    'INSERT INTO applicant_correction (applicant_id, meeting_id, fact, old_value, new_value, reason, recorded_at, "user", event_digest) '
    "SELECT id, {meeting}, 'specialty', specialty, '临床医学', '伪造', CURRENT_TIMESTAMP, 'x', '' FROM applicant WHERE id = {aid}"
)


def test_a_correction_inserted_by_sql_lets_nothing_through(
    sitting: Sitting, store, backend, cli
) -> None:
    _sealed(sitting)
    aid = sitting.applicants[0]
    _sql(store, FORGED_CORRECTION.format(meeting=sitting.meeting, aid=aid))
    change = f"UPDATE applicant SET specialty = '临床医学' WHERE id = {aid}"
    with pytest.raises(Exception, match="已由封存的评审会议认定"):
        _sql(store, change)  # the trigger wants the correction's audit event
    problems = _findings(store)
    assert (
        "封存后的更正（applicant_correction 表）第1号记录没有写入它的审计事件：是绕过本程序插入的"
        in problems
    )
    _drop_frozen(store, backend)
    _sql(store, change)
    problems = _findings(store)
    assert any(
        f"第{sitting.meeting}号会议封存认定的申报人" in p
        and "的专业与封存时不同，且没有登记更正" in p
        for p in problems
    ), problems
    result = cli("audit", "verify")
    assert result.exit_code == 1 and "applicant_correction 表" in result.stderr


def test_a_deleted_correction_is_named_by_its_event(sitting: Sitting, store, backend) -> None:
    _sealed(sitting)
    aid = sitting.applicants[0]
    after_seal.correct_applicant(store, str(aid), {"专业": "内科护理"}, "专业笔误")
    _drop_triggers(store, backend, "applicant_correction")
    _sql(store, "DELETE FROM applicant_correction")
    problems = _findings(store)
    assert any(
        p.startswith("第")
        and "（applicant.corrected_after_seal）写入的封存后的更正（applicant_correction 表）少了一条"
        in p
        for p in problems
    ), problems
    assert any("的专业与封存时不同，且没有登记更正" in p for p in problems), problems


AFTER_SEAL_ROWS = {
    "ballot_count": 'INSERT INTO ballot_count (meeting_id, applicant_id, agree, disagree, abstain, invalid, reason, after_seal, recorded_at, "user", event_digest) '
    "VALUES ({meeting}, {aid}, 0, 9, 0, 0, '补录', {true}, CURRENT_TIMESTAMP, 'x', '')",
    "attendance": 'INSERT INTO attendance (meeting_id, expert_id, present, source, reason, after_seal, recorded_at, "user", event_digest) '
    "VALUES ({meeting}, {eid}, {true}, '', '补录', {true}, CURRENT_TIMESTAMP, 'x', '')",
    "review": 'INSERT INTO review (meeting_id, applicant_id, expert_id, opinion, recommendation, reason, after_seal, recorded_at, "user", event_digest) '
    "VALUES ({meeting}, {aid}, {eid}, '不合格', '不同意', '补录', {true}, CURRENT_TIMESTAMP, 'x', '')",
    "ballot": 'INSERT INTO ballot (meeting_id, applicant_id, expert_id, choice, reason, after_seal, recorded_at, "user", event_digest) '
    "VALUES ({meeting}, {aid}, {eid}, '不同意', '补录', {true}, CURRENT_TIMESTAMP, 'x', '')",
}


@pytest.mark.parametrize("table", list(AFTER_SEAL_ROWS))
def test_rows_marked_after_the_seal_without_an_event_are_named(
    sitting: Sitting, store, backend, cli, table
) -> None:
    _sealed(sitting)
    true = "1" if backend == "sqlite" else "true"
    statement = AFTER_SEAL_ROWS[table].format(
        meeting=sitting.meeting, aid=sitting.applicants[0], eid=sitting.members[9], true=true
    )
    if table == "ballot":  # new named ballots are refused outright (revision 0006): drop that too
        _drop_triggers(store, backend, table)
    _sql(store, statement)
    with store.transaction() as session:
        last = session.exec(text(f"SELECT max(id) FROM {table}")).one()[0]
    label = ties.TIED[table][1]
    problems = _findings(store)
    assert any(
        p.startswith(f"{label}（{table} 表）第{last}号记录没有写入它的审计事件") for p in problems
    ), problems
    result = cli("audit", "verify")
    assert result.exit_code == 1 and f"{table} 表）第{last}号记录" in result.stderr


def test_deleting_the_seal_does_not_unseal_the_meeting_unseen(
    sitting: Sitting, store, backend, cli
) -> None:
    _sealed(sitting)
    for table in ("meeting_seal", "sealed_row"):
        _drop_triggers(store, backend, table)
    _drop_frozen(store, backend)
    _sql(store, "DELETE FROM sealed_row", "DELETE FROM meeting_seal")
    problems = _findings(store)
    assert any(
        p.startswith(f"第{sitting.meeting}号会议已于第") and "会议被悄悄解封了" in p
        for p in problems
    ), problems
    result = cli("audit", "verify")
    assert result.exit_code == 1 and "悄悄解封" in result.stderr


def test_a_changed_replacement_is_named(sitting: Sitting, store, backend) -> None:
    declined = sitting.members[10]
    draw_answers.confirm(
        store, sitting.draw, declined, False, reason="出差", answered_on=date(2023, 11, 14)
    )
    _sealed(sitting)
    assert audit.verify_store(store).ok
    _drop_triggers(store, backend, "draw_replacement")
    _sql(store, f"UPDATE draw_replacement SET in_expert_id = {sitting.alternates[1]}")
    problems = _findings(store)
    assert (
        f"第{sitting.meeting}号会议封存的递补记录（draw_replacement 表）第1号记录被改动过"
        in problems
    )
    assert any(
        p.startswith("递补记录（draw_replacement 表）第1号记录的内容与第") for p in problems
    ), problems


@pytest.mark.parametrize(
    "statement, finding",
    [
        (
            "UPDATE meeting SET size = 9",
            "的评委会人数（出席法定人数由此而定）与封存时不同（封存时 11，现在 9）",
        ),
        (
            "UPDATE committee SET pass_rate_cap = 0.5",
            "的通过率上限与封存时不同（封存时 （空），现在 0.5）",
        ),
        (
            "UPDATE committee SET vote_denominator = 'not_recused'",
            "的表决通过的计算口径（回避者是否计入）与封存时不同",
        ),
    ],
)
def test_the_seal_covers_the_meetings_settings(sitting: Sitting, store, statement, finding) -> None:
    _sealed(sitting)
    _sql(store, statement)
    problems = _findings(store)
    assert any(p.startswith(f"第{sitting.meeting}号会议{finding}") for p in problems), problems


def test_an_inserted_conflict_is_named(sitting: Sitting, store, backend) -> None:
    _sealed(sitting)
    _sql(
        store,
        'INSERT INTO conflict (expert_id, applicant_id, reason, declared_on, "user", created_at, event_digest) '
        f"VALUES ({sitting.members[0]}, {sitting.applicants[0]}, '同事', '2023-11-19', 'x', CURRENT_TIMESTAMP, '')",
    )
    problems = _findings(store)
    assert any(
        p.startswith("回避登记（conflict 表）第") and "没有写入它的审计事件" in p for p in problems
    ), problems


# --- 5. the anchor outside the store ----------------------------------------------------------------------


def test_events_cut_from_the_end_fail_the_anchor(sitting: Sitting, store, backend, cli) -> None:
    _sealed(sitting)
    with store.transaction() as session:
        head = audit.head(session).as_dict()
    assert head["events"] >= 5 and len(head["hash"]) == 64
    result = cli("audit", "verify", "--anchor", head["hash"])
    assert result.exit_code == 0 and f"第{head['event_id']}号事件" in result.stdout
    _drop_triggers(store, backend, "audit_event")
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "DELETE FROM audit_event WHERE id >= (SELECT max(id) - 1 FROM audit_event)"
        )
    check = audit.verify_store(store, head["hash"])
    assert not check.ok and check.kind == audit.ANCHOR_MISSING
    assert (
        audit.verify_store(store).kind != audit.ANCHOR_MISSING
    )  # without the anchor the cut chain looks whole
    result = cli("audit", "verify", "--anchor", head["hash"])
    assert result.exit_code == 1 and "不在日志中" in result.stderr
    with store.transaction() as session:
        assert len(list(session.exec(select(AuditEvent.id)))) == head["events"] - 2


# --- 6. seeds per drawer ------------------------------------------------------------------------------------


def test_each_drawer_enters_a_seed_part(store, committee, expert_pool, draw_meeting, cli) -> None:
    from conftest import expert_row

    expert_pool([expert_row(i, 专业="护理") for i in range(1, 16)])
    meeting = draw_meeting(size=11)
    people = [
        "--drawer",
        "王明",
        "--drawer",
        "李华",
        "--drawer",
        "赵强",
        "--supervisor",
        "陈静",
        "--date",
        "2023-11-10",
    ]
    for seed in (["--seed", "12/"], ["--seed", "4721", "--seed", "9903"], []):
        result = cli("draw-experts", str(meeting), *people, *seed)
        assert (
            result.exit_code == 1
            and "少于抽取人员 3 人" in result.stderr
            and "请用 --seed 每人写一组" in result.stderr
            and "或改由程序生成随机种子" in result.stderr
        )
    result = cli("draw-experts", str(meeting), *people, "--seed", "1", "--generate-seed")
    assert result.exit_code == 1 and "请二选一" in result.stderr
    assert draw_record.list_draws(store, meeting) == []
    result = cli("draw-experts", str(meeting), *people, "--generate-seed")
    assert result.exit_code == 0, result.output
    assert "程序生成（操作系统安全随机数）" in result.stdout
    with store.transaction() as session:
        from qjtitle.models import DrawRecord

        assert [d.seed_source for d in session.exec(select(DrawRecord))] == ["secrets"]


@pytest.fixture
def sealed_filing(backend: str, store_url: str, filing_builds, tmp_path):
    """The sealed filing meeting (see conftest.build_filing_meeting) on this test's backend: a copy of
    the session's SQLite build, or built afresh in this test's PostgreSQL schema; and its --db value."""
    from conftest import build_filing_meeting, copy_filing_meeting

    if backend == "sqlite":
        fm = copy_filing_meeting(filing_builds("sealed"), tmp_path / "filing")
        db = str(fm.store.path)
    else:
        fm = build_filing_meeting(tmp_path / "filing", url=store_url)
        db = store_url
    yield fm, db
    fm.store.close()


def test_manifest_records_the_audit_head(sealed_filing, backend, tmp_path, cli) -> None:
    """The post-meeting package's manifest names the chain's end; cutting the tail fails --anchor with it."""
    pytest.importorskip("docxtpl")
    from qjtitle.filing import export as filing

    filing_meeting, db = sealed_filing
    result = filing.export_filing(
        filing_meeting.store, filing_meeting.meeting, filing.POST, tmp_path / "out", force=True
    )
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    head = manifest["audit_head"]
    with filing_meeting.store.transaction() as session:
        last = session.exec(select(AuditEvent).where(AuditEvent.id == head["event_id"])).one()
    assert last.hash == head["hash"] and head["events"] == head["event_id"]
    assert cli("audit", "verify", "--anchor", head["hash"], "--db", db).exit_code == 0
    _drop_triggers(filing_meeting.store, backend, "audit_event")
    with filing_meeting.store.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM audit_event WHERE id >= {head['event_id']}")
    result = cli("audit", "verify", "--anchor", head["hash"], "--db", db)
    assert result.exit_code == 1 and "不在日志中" in result.stderr


def test_reimport_after_seal_keeps_the_pass_roster(
    sealed_filing, tmp_path, make_workbook, cli
) -> None:
    """The post-meeting pass roster (09, .xlsx and .docx) says the same after a re-import that would
    move a passed applicant to another specialty and title."""
    pytest.importorskip("docxtpl")
    from conftest import LABELS, docx_text, filing_applicant_rows
    from openpyxl import load_workbook

    from qjtitle.filing import export as filing

    filing_meeting, db = sealed_filing
    store = filing_meeting.store

    def roster(out: str) -> tuple[list, str]:
        result = filing.export_filing(
            store, filing_meeting.meeting, filing.POST, tmp_path / out, force=True
        )
        wb = load_workbook(result.folder / "09_评审通过人员名册.xlsx", read_only=True)
        cells = [list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
        wb.close()
        return cells, docx_text(result.folder / "09_评审通过人员名册.docx")

    before = roster("before")
    shown = cli("meeting", "results", str(filing_meeting.meeting), "--db", db).stdout
    rows = filing_applicant_rows()
    rows[1].update({"申报专业": "临床医学", "申报资格名称": "主治医师"})  # 王芳, who passed
    from qjtitle.intake.applicants import import_applicants

    report = import_applicants(
        store, [make_workbook(rows, name="roster.xlsx", headers=LABELS)], "QJ-WS-ZJ", 2023
    )
    assert report.files[0].frozen == [f"王芳（第{filing_meeting.meeting}号评审会议（2023-11-20））"]
    assert roster("after") == before
    assert cli("meeting", "results", str(filing_meeting.meeting), "--db", db).stdout == shown
