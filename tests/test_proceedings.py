"""The meeting: attendance, reviewer assignment, reviews, votes, results and seal (issue 5)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest
from conftest import applicant_row, expert_row
from sqlalchemy import text

from qjtitle import idcard
from qjtitle.errors import InvalidValue
from qjtitle.experts import draw_answers, draw_record, recusal
from qjtitle.experts import drawing as draw_store
from qjtitle.experts import pool as experts
from qjtitle.findings import Step
from qjtitle.meeting import proceedings, voting
from qjtitle.meeting import results as meeting_results
from qjtitle.meeting.proceedings import ProceedingsError
from qjtitle.meeting.voting import ReviewEntry, VoteEntry

# Store-level tests run on SQLite and, when configured, on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_backends


@dataclass
class Sitting:
    store: object
    meeting: int
    draw: int
    members: list[int]  # expert ids, in position order
    alternates: list[int]
    applicants: list[int]  # ids of the 已受理 applicants, in the meeting's order
    names: dict[int, str]  # applicant id → name


def _applicants(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        number = idcard.make("530302", date(1985, 3, 1 + i), 120 + i * 2)
        rows.append(
            applicant_row(
                序号=i + 1,
                姓名=f"申报人{i + 1}",
                身份证号码=number,
                出生年月="1985.03",
                性别=idcard.gender_of(number),
                工作单位=f"申报单位{i % 3}",
            )
        )
    return rows


@pytest.fixture
def sitting(store, committee, make_workbook, expert_pool, draw_meeting) -> Sitting:
    from qjtitle.intake.applicants import import_applicants

    import_applicants(store, [make_workbook(_applicants(6), name="roster.xlsx")], "QJ-WS-ZJ", 2023)
    expert_pool([expert_row(i, 专业="护理") for i in range(1, 16)])
    meeting_id = draw_meeting(size=11)
    outcome = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting_id,
            ["王明", "李华", "赵强"],
            ["陈静"],
            alternates=2,
            specialties=[],
            seed=["1111", "2222", "3333"],
            drawn_on=date(2023, 11, 10),
            place="会议室",
        ),
    )
    picks = outcome.record["picks"]
    members = [p["id"] for p in picks if p["role"] == "member"]
    alternates = [p["id"] for p in picks if p["role"] == "alternate"]
    for expert_id in members:
        draw_answers.confirm(
            store, outcome.record["draw"], expert_id, True, answered_on=date(2023, 11, 13)
        )
    with store.transaction() as session:
        ctx = proceedings.load(session, meeting_id)
        applicants = [a.id for a in ctx.applicants]
        names = {a.id: a.name for a in ctx.applicants}
    return Sitting(
        store, meeting_id, outcome.record["draw"], members, alternates, applicants, names
    )


def _attend(s: Sitting, n: int) -> None:
    voting.attend(s.store, s.meeting, [str(e) for e in s.members[:n]])


def _review_all(s: Sitting, recommendation: str = "同意") -> None:
    plan = proceedings.assign_reviewers(s.store, s.meeting, seed="seed")
    entries = [
        ReviewEntry(str(a), str(e), "材料齐全，业绩突出。", recommendation)
        for a, reviewers in plan.reviewers.items()
        for e in reviewers
    ]
    voting.record_reviews(s.store, s.meeting, entries)


def _vote_all(
    s: Sitting, attending: list[int], agree_count: dict[int, int] | None = None
) -> list[dict]:
    """The counts of a secret ballot: ``agree_count`` agree (default all), the others disagree."""
    agree_count = agree_count or {}
    entries = []
    for a in s.applicants:
        k = agree_count.get(a, len(attending))
        entries.append(VoteEntry(str(a), counts=(k, len(attending) - k, 0)))
    return list(voting.record_votes(s.store, s.meeting, entries).applicants)


def _as_held(s: Sitting, chair: int | None = None) -> None:
    """The chair (the first attending member by default) and the methods used: what a seal needs."""
    proceedings.record_chair(s.store, s.meeting, str(chair or s.members[0]))
    proceedings.record_methods(s.store, s.meeting, ["审阅材料"])


# --- attendance and quorum -------------------------------------------------------------


def test_quorum_boundary_for_eleven(sitting: Sitting) -> None:
    _attend(sitting, 7)
    result = meeting_results.results(sitting.store, sitting.meeting)
    q = result.quorum
    assert (q.size, q.attending, q.needed, q.met) == (11, 7, 8, False)
    with pytest.raises(ProceedingsError, match="出席7人，至少需8人"):
        _vote_all(sitting, sitting.members[:7])
    outcome = voting.attend(sitting.store, sitting.meeting, [str(sitting.members[7])])
    assert outcome.quorum.met and outcome.quorum.attending == 8


def test_only_drawn_and_confirmed_experts_attend(sitting: Sitting, store) -> None:
    outsider = experts.list_experts(store, "QJ-WS-ZJ")
    not_drawn = next(e.id for e in outsider if e.id not in sitting.members)
    with pytest.raises(Exception, match="不是本次会议抽取并确认的专家"):
        voting.attend(store, sitting.meeting, [str(not_drawn)])
    # a declined member is replaced; the alternate who replaced them may attend, the decliner may not
    answer = draw_answers.confirm(
        store, sitting.draw, sitting.members[0], False, "生病", answered_on=date(2023, 11, 14)
    )
    substitute = answer.replacement.id
    with pytest.raises(Exception, match="已谢绝参会"):
        voting.attend(store, sitting.meeting, [str(sitting.members[0])])
    with pytest.raises(Exception, match="尚未确认参会"):
        voting.attend(store, sitting.meeting, [str(substitute)])
    draw_answers.confirm(store, sitting.draw, substitute, True, answered_on=date(2023, 11, 15))
    result = voting.attend(store, sitting.meeting, [str(substitute)])
    assert [eid for eid, _ in result.attending] == [substitute]


def test_attendance_by_name_and_from_a_sign_in_sheet(
    sitting: Sitting, store, make_workbook
) -> None:
    with store.transaction() as session:
        ctx = proceedings.load(session, sitting.meeting)
        names = [ctx.expert_name(e) for e in sitting.members]
    rows = [[names[0], "√"], [names[1], "缺席"], [names[2], "张三（签名）"]]
    # why someone was away, written in the sign-in column, is an absence, not a signature
    rows += [[names[3], "缺席（病假）"], [names[4], "出差"], [names[5], "请假 "]]
    sheet = make_workbook(
        rows, name="签到表.xlsx", headers=["姓名", "签到"], title_rows=[["评审会议签到表"]]
    )
    present = proceedings.sign_in_sheet(sheet)
    assert present == [names[0], names[2]]
    result = voting.attend(store, sitting.meeting, present, source=sheet.name)
    assert [n for _, n in result.attending] == [names[0], names[2]]


def test_withdrawing_a_sign_in_needs_a_reason(sitting: Sitting) -> None:
    _attend(sitting, 9)
    with pytest.raises(InvalidValue, match="撤销签到须写明理由") as refused:
        voting.attend(sitting.store, sitting.meeting, absent=[str(sitting.members[0])])
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "reason"
    result = voting.attend(
        sitting.store, sitting.meeting, absent=[str(sitting.members[0])], reason="误签"
    )
    assert len(result.attending) == 8


# --- reviewer assignment ------------------------------------------------------------------


def test_assignment_gives_three_non_recused_reviewers(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    conflicted, applicant = sitting.members[0], sitting.applicants[0]
    recusal.add_conflict(store, conflicted, applicant, "近亲属", declared_on=date(2023, 11, 15))
    plan = proceedings.assign_reviewers(store, sitting.meeting, seed="abc")
    assert set(plan.reviewers) == set(sitting.applicants)
    for reviewers in plan.reviewers.values():
        assert len(set(reviewers)) == 3
        assert set(reviewers) <= set(sitting.members[:9])
    assert conflicted not in plan.reviewers[applicant]
    assert max(plan.load.values()) - min(plan.load.values()) <= 1
    again = proceedings.assign_reviewers(store, sitting.meeting, seed="abc")
    assert again.reviewers == plan.reviewers and again.version == 2


def test_manual_assignment_is_checked(sitting: Sitting) -> None:
    _attend(sitting, 9)
    proceedings.assign_reviewers(sitting.store, sitting.meeting, seed="abc")
    a = sitting.applicants[0]
    with pytest.raises(ProceedingsError, match="只安排了2名专家，至少需要3名"):
        proceedings.assign_reviewers(
            sitting.store,
            sitting.meeting,
            overrides={str(a): [str(sitting.members[0]), str(sitting.members[1])]},
        )
    plan = proceedings.assign_reviewers(
        sitting.store,
        sitting.meeting,
        overrides={str(a): [str(e) for e in sitting.members[:3]]},
        reason="专业对口",
    )
    assert plan.reviewers[a] == sorted(sitting.members[:3])


def test_assignment_impossible_is_explained(sitting: Sitting, store) -> None:
    _attend(sitting, 3)
    recusal.add_conflict(
        store, sitting.members[0], sitting.applicants[0], "师生关系", declared_on=date(2023, 11, 15)
    )
    with pytest.raises(Exception) as err:
        proceedings.assign_reviewers(store, sitting.meeting, seed="s")
    assert (
        f"{sitting.names[sitting.applicants[0]]}：出席专家3人，声明回避（师生关系）1人，可审阅者仅2人，少于3人"
        in str(err.value)
    )


# --- reviews --------------------------------------------------------------------------------


def test_reviews_are_checked_and_missing_ones_listed(sitting: Sitting) -> None:
    _attend(sitting, 9)
    plan = proceedings.assign_reviewers(sitting.store, sitting.meeting, seed="abc")
    a = sitting.applicants[0]
    first, *_ = plan.reviewers[a]
    not_assigned = next(e for e in sitting.members[:9] if e not in plan.reviewers[a])
    with pytest.raises(ProceedingsError) as err:
        voting.record_reviews(
            sitting.store,
            sitting.meeting,
            [
                ReviewEntry(str(a), str(not_assigned), "意见", "同意"),
                ReviewEntry(str(a), str(first), "", "也许"),
            ],
        )
    message = str(err.value)
    assert (
        "未被安排审阅" in message
        and "评审建议“也许”应为 同意 或 不同意" in message
        and "评议意见为空" in message
    )
    outcome = voting.record_reviews(
        sitting.store, sitting.meeting, [ReviewEntry(str(a), str(first), "同意晋升。", "同意")]
    )
    assert outcome.recorded == 1
    assert len(outcome.missing) == 3 * len(sitting.applicants) - 1


# --- votes and results ---------------------------------------------------------------------------


def test_pass_boundary_with_nine_attending(sitting: Sitting) -> None:
    _attend(sitting, 9)
    _review_all(sitting)
    a, b = sitting.applicants[:2]
    rows = _vote_all(sitting, sitting.members[:9], {a: 6, b: 5})
    by_id = {r.id: r for r in rows}
    ca, cb = by_id[a].counted, by_id[b].counted
    assert ca is not None and cb is not None
    assert (ca.agree, ca.needed, by_id[a].result, ca.margin) == (6, 6, "通过", 0)
    assert (cb.agree, by_id[b].result, cb.margin) == (5, "未通过", -1)


def test_counts_larger_than_the_experts_present_are_refused_and_nothing_written(
    sitting: Sitting,
) -> None:
    _attend(sitting, 9)
    a = sitting.applicants[0]
    with pytest.raises(ProceedingsError, match="与应投票专家9人（出席9人）不符"):
        voting.record_votes(sitting.store, sitting.meeting, [VoteEntry(str(a), counts=(10, 0, 0))])
    with sitting.store.transaction() as session:
        assert session.exec(text("select count(*) from ballot_count")).one()[0] == 0


def test_recused_experts_are_not_counted_among_the_voters(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    a = sitting.applicants[0]
    recusal.add_conflict(store, sitting.members[0], a, "近亲属", declared_on=date(2023, 11, 15))
    with pytest.raises(ProceedingsError, match="与应投票专家8人（出席9人，回避1人）不符"):
        voting.record_votes(store, sitting.meeting, [VoteEntry(str(a), counts=(9, 0, 0))])
    rows = voting.record_votes(
        store, sitting.meeting, [VoteEntry(str(a), counts=(6, 1, 0), invalid=1)]
    )
    row = next(r for r in rows.applicants if r.id == a)
    assert row.counted is not None
    assert (row.counted.recused, row.counted.invalid, row.counted.needed, row.result) == (
        1,
        1,
        6,
        "通过",
    )


def test_no_vote_is_ever_tied_to_an_expert(sitting: Sitting, store) -> None:
    """The secret ballot: the library takes counts only, and the store refuses a named ballot."""
    assert not hasattr(voting, "attending_names")
    assert "ballots" not in VoteEntry.__dataclass_fields__
    _attend(sitting, 9)
    with pytest.raises(Exception, match="无记名投票"), store.transaction() as session:
        session.exec(
            text(
                "insert into ballot (meeting_id, applicant_id, expert_id, choice, reason,"
                " after_seal, recorded_at, \"user\") values (:m, :a, :e, '同意', '', false,"
                " CURRENT_TIMESTAMP, '')"
            ).bindparams(m=sitting.meeting, a=sitting.applicants[0], e=sitting.members[0])
        )


def test_secret_ballot_counts_must_add_up(sitting: Sitting) -> None:
    _attend(sitting, 9)
    a = sitting.applicants[0]
    with pytest.raises(ProceedingsError, match="同意6\\+不同意2\\+弃权0=8票，与应投票专家9人"):
        voting.record_votes(sitting.store, sitting.meeting, [VoteEntry(str(a), counts=(6, 2, 0))])
    rows = voting.record_votes(
        sitting.store, sitting.meeting, [VoteEntry(str(a), counts=(5, 0, 4))]
    ).applicants
    row = next(r for r in rows if r.id == a)
    assert row.counted is not None
    assert (row.counted.abstain, row.result) == (4, "未通过")  # abstaining counts as not agreeing


def test_vote_sheet_is_read_as_counts(sitting: Sitting, make_workbook) -> None:
    _attend(sitting, 9)
    a, b = sitting.applicants[:2]
    secret = make_workbook(
        [[sitting.names[a], 6, 2, 1, 0], [sitting.names[b], 5, 3, 0, 1]],
        name="票数.xlsx",
        headers=["申报人", "同意", "不同意", "弃权", "废票"],
    )
    entries = voting.vote_sheet(secret)
    assert [(e.counts, e.invalid) for e in entries] == [((6, 2, 1), 0), ((5, 3, 0), 1)]
    rows = {
        r.id: r.as_dict()
        for r in voting.record_votes(sitting.store, sitting.meeting, entries).applicants
    }
    assert (rows[a]["mode"], rows[a]["agree"], rows[a]["result"]) == ("无记名", 6, "通过")
    assert (rows[b]["invalid"], rows[b]["result"]) == (1, "未通过")


def test_every_count_that_is_not_a_whole_number_is_listed(sitting: Sitting, make_workbook) -> None:
    rows = [
        [sitting.names[sitting.applicants[0]], "七", 0, 0, 0],
        [sitting.names[sitting.applicants[1]], 7.5, 1, 0, 0],
        [sitting.names[sitting.applicants[2]], "9", None, "", 0],
    ]
    sheet = make_workbook(
        rows, name="计票表.xlsx", headers=["申报人", "同意", "不同意", "弃权", "废票"]
    )
    with pytest.raises(InvalidValue) as err:
        voting.vote_sheet(sheet)
    message = str(err.value)
    assert "第2行：同意“七”应为整数票数" in message and "第3行：同意“7.5”应为整数票数" in message
    assert "第4行" not in message  # "9" and empty cells are counts


def test_a_named_tally_sheet_is_refused(sitting: Sitting, make_workbook) -> None:
    _attend(sitting, 9)
    with sitting.store.transaction() as session:
        ctx = proceedings.load(session, sitting.meeting)
        names = [ctx.expert_name(e) for e in ctx.attending]
    named = make_workbook(
        [[sitting.names[sitting.applicants[0]]] + ["同意"] * 9],
        name="计票表.xlsx",
        headers=["申报人", *names],
    )
    with pytest.raises(InvalidValue, match="表决为无记名投票"):
        voting.vote_sheet(named)


PERSON_KEYS = ["id", "name", "unit", "specialty", "title", "voted"]
COUNT_KEYS = ["mode", "agree", "disagree", "abstain", "invalid", "denominator", "needed", "margin"]


def test_results_as_json_keep_their_keys_in_order(sitting: Sitting, store) -> None:
    """``meeting results --json`` (and the filing contexts) read these dicts: same keys, same order."""
    _attend(sitting, 9)
    row = meeting_results.results(store, sitting.meeting).applicants[0].as_dict()
    assert list(row) == [*PERSON_KEYS, "result", "problems"]
    assert (row["voted"], row["result"], row["problems"]) == (False, "未投票", ["尚未录入投票"])
    _review_all(sitting)
    _vote_all(sitting, sitting.members[:9])
    summary = meeting_results.results(store, sitting.meeting).as_dict()
    assert list(summary) == [
        "meeting",
        "committee",
        "quorum",
        "denominator",
        "denominator_text",
        "applicants",
        "passed",
        "voted",
        "pass_rate",
        "missing_reviews",
        "warnings",
        "sealed_at",
        "after_seal",
    ]
    assert summary["quorum"] == {"size": 11, "attending": 9, "needed": 8, "met": True}
    assert list(summary["applicants"][0]) == [
        *PERSON_KEYS,
        *COUNT_KEYS,
        "recused",
        "result",
        "problems",
        "retake",
    ]
    _as_held(sitting)
    sealed = meeting_results.seal(store, sitting.meeting).as_dict()
    assert list(sealed)[-1] == "seal_digest" and len(sealed["seal_digest"]) == 64
    assert sealed["sealed_at"] and sealed["passed"] == len(sitting.applicants)


def test_pass_rate_cap_warns(sitting: Sitting, store) -> None:
    from qjtitle import committees

    committees.configure(store, "QJ-WS-ZJ", pass_rate_cap=0.5)
    _attend(sitting, 9)
    _vote_all(sitting, sitting.members[:9])
    result = meeting_results.results(store, sitting.meeting)
    assert result.pass_rate == 1.0
    assert any("超过评委会设定的上限 50%" in w for w in result.warnings)
    (cap,) = [f for f in result.findings if f.code == "meeting.pass_rate_over_cap"]
    assert cap.rule == "PASS_RATE_CONTROL" and cap.severity == "warning"
    assert cap.facts == {"pass_rate": 1.0, "cap": 0.5}


def test_outcomes_and_statuses_are_enums_equal_to_their_stored_words(
    sitting: Sitting, store
) -> None:
    from qjtitle import rules
    from qjtitle.meeting.results import Outcome, VoteMode

    _attend(sitting, 9)
    _vote_all(sitting, sitting.members[:9])
    row = meeting_results.results(store, sitting.meeting).applicants[0]
    assert row.result is Outcome.PASSED and row.result == "通过"
    assert row.counted is not None and row.counted.mode is VoteMode.SECRET
    assert json.dumps(row.as_dict()["result"], ensure_ascii=False) == '"通过"'
    assert rules.STATUSES == ("已受理", "待补正", "视为放弃", "已撤回")
    assert rules.Status("已受理") is rules.STATUS_ACCEPTED


# --- seal ------------------------------------------------------------------------------------


def test_seal_refused_while_reviews_or_votes_are_missing(sitting: Sitting) -> None:
    _attend(sitting, 9)
    proceedings.assign_reviewers(sitting.store, sitting.meeting, seed="s")
    with pytest.raises(ProceedingsError) as err:
        meeting_results.seal(sitting.store, sitting.meeting)
    assert "评议意见未录入" in str(err.value) and "尚未录入投票" in str(err.value)


def test_sealed_meeting_refuses_edits_without_a_reason(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    _review_all(sitting)
    _vote_all(sitting, sitting.members[:9])
    _as_held(sitting)
    summary = meeting_results.seal(store, sitting.meeting)
    assert summary.passed == len(sitting.applicants) and summary.sealed_at and summary.seal_digest
    with store.transaction() as session:
        kept = proceedings.load(session, sitting.meeting).sealed
        assert kept is not None
        assert (kept.summary["chair"], kept.summary["methods"]) == (
            [sitting.members[0], "主任委员"],
            ["审阅材料"],
        )
    with pytest.raises(ProceedingsError, match="已于 .* 封存"):
        meeting_results.seal(store, sitting.meeting)
    a = sitting.applicants[0]
    correction = VoteEntry(str(a), counts=(5, 4, 0))
    with pytest.raises(ProceedingsError, match="封存后的更正须写明理由") as refused:
        voting.record_votes(store, sitting.meeting, [correction])
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "reason"
    with pytest.raises(ProceedingsError, match="封存后的更正须写明理由"):
        voting.attend(store, sitting.meeting, [str(sitting.members[9])])
    voting.record_votes(
        store, sitting.meeting, [correction], reason="计票员录入错误，按原始选票更正"
    )
    result = meeting_results.results(store, sitting.meeting)
    row = next(r for r in result.applicants if r.id == a)
    assert row.counted is not None and row.counted.agree == 5 and row.result == "未通过"
    assert list(result.after_seal[0].as_dict()) == ["what", "reason", "recorded_at", "user"]
    assert [(c.what, c.reason) for c in result.after_seal] == [
        ("票数", "计票员录入错误，按原始选票更正")
    ]


def test_database_refuses_to_change_votes(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    _vote_all(sitting, sitting.members[:9])
    _as_held(sitting)
    for statement in (
        "update ballot_count set agree = 0",
        "delete from ballot_count",
        "delete from attendance",
        "update meeting_chair set role = '副主任委员'",
        "delete from meeting_method",
    ):
        with pytest.raises(Exception, match="只能追加"), store.transaction() as session:
            session.exec(text(statement))


# --- CLI ---------------------------------------------------------------------------------------------


def test_cli_meeting_procedure(sitting: Sitting, cli, make_workbook) -> None:
    m = str(sitting.meeting)
    result = cli("meeting", "attend", m, *[str(e) for e in sitting.members[:7]])
    assert result.exit_code == 0, result.output
    assert "未达到法定人数" in result.output
    result = cli("meeting", "attend", m, str(sitting.members[7]), str(sitting.members[8]))
    assert "出席9人，至少需8人" in result.output and "达到法定人数" in result.output
    result = cli("meeting", "assign", m, "--seed", "x", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert all(len(item["reviewers"]) == 3 for item in plan)
    rows = [
        [item["name"], r["name"], "同意晋升。", "同意"] for item in plan for r in item["reviewers"]
    ]
    sheet = make_workbook(
        rows, name="评议.xlsx", headers=["申报人", "评审专家", "评议意见", "评审建议"]
    )
    result = cli("meeting", "review", m, "--from-sheet", str(sheet))
    assert result.exit_code == 0, result.output
    assert "全部评议意见已录入" in result.output
    for a in sitting.applicants:
        result = cli(
            "record-votes",
            m,
            "--applicant",
            str(a),
            "--agree",
            "7",
            "--disagree",
            "1",
            "--abstain",
            "1",
        )
        assert result.exit_code == 0, result.output
    result = cli(
        "record-votes",
        m,
        "--applicant",
        str(sitting.applicants[0]),
        "--agree",
        "7",
        "--disagree",
        "1",
        "--abstain",
        "0",
    )
    assert result.exit_code == 1 and "与应投票专家9人" in result.output
    result = cli("meeting", "seal", m, "--yes")
    assert result.exit_code == 1
    assert "尚未记录主持会议的主任委员" in result.output and "meeting chair" in result.output
    assert "尚未记录本次会议实际采用的评审方式" in result.output
    result = cli("meeting", "chair", m, str(sitting.members[10]))
    assert result.exit_code == 1 and "没有签到出席本次会议" in result.output
    result = cli("meeting", "chair", m, str(sitting.members[1]), "--role", "副主任委员")
    assert result.exit_code == 0 and "（副主任委员）" in result.output, result.output
    result = cli("meeting", "methods", m, "审阅材料", "答辩")
    assert result.exit_code == 1 and "评审方式 答辩 无效" in result.output
    result = cli("meeting", "methods", m, "审阅材料", "个人述职")
    assert result.exit_code == 0 and "审阅材料、个人述职" in result.output, result.output
    result = cli("meeting", "seal", m, "--yes")
    assert result.exit_code == 0, result.output
    assert (
        "会议记录已封存" in result.output and f"通过 {len(sitting.applicants)} 人" in result.output
    )
    result = cli("meeting", "results", m, "--json")
    summary = json.loads(result.stdout)[0]
    assert summary["quorum"]["attending"] == 9 and summary["passed"] == len(sitting.applicants)


def test_cli_committee_set(cli, committee) -> None:
    result = cli(
        "committee", "set", "QJ-WS-ZJ", "--vote-denominator", "eligible", "--pass-rate-cap", "0.7"
    )
    assert result.exit_code == 0, result.output
    assert "出席且无须回避的专家" in result.output and "70%" in result.output
    result = cli("committee", "set", "QJ-WS-ZJ", "--vote-denominator", "half")
    assert result.exit_code == 1 and "表决基数“half”无效" in result.output


def test_no_draw_yet_is_explained(store, committee, draw_meeting) -> None:
    meeting_id = draw_meeting()
    with pytest.raises(ProceedingsError, match=f"第{meeting_id}号会议还没有抽取专家"):
        meeting_results.results(store, meeting_id)


# --- regressions from review ---------------------------------------------------------------------


def test_seal_refused_when_an_applicant_has_no_reviewers(sitting: Sitting, store) -> None:
    from sqlmodel import select

    from qjtitle.models import Applicant

    _attend(sitting, 9)
    _review_all(sitting)
    # an application accepted after the assignment was made
    with store.transaction() as session:
        late = Applicant(
            year=2023, committee_id=1, person_key="late", name="后补", status="已受理", unit_key="x"
        )
        session.add(late)
    _vote_all(sitting, sitting.members[:9])
    with store.transaction() as session:
        late_id = session.exec(select(Applicant.id).where(Applicant.name == "后补")).one()
    voting.record_votes(
        store,
        sitting.meeting,
        [VoteEntry(str(late_id), counts=(9, 0, 0))],
    )
    with pytest.raises(ProceedingsError) as err:
        meeting_results.seal(store, sitting.meeting)
    assert "后补：尚未安排审阅专家" in str(err.value)
    assert "以下申报人没有安排审阅专家：后补" in str(err.value)


def test_an_expert_who_signed_in_cannot_be_recorded_as_declining(sitting: Sitting, store) -> None:
    from qjtitle.errors import InvalidValue

    _attend(sitting, 9)
    with pytest.raises(InvalidValue, match="已在第1号会议签到，不能记录为谢绝"):
        draw_answers.confirm(
            store,
            sitting.draw,
            sitting.members[0],
            False,
            "临时有事",
            answered_on=date(2023, 11, 20),
        )
    voting.attend(store, sitting.meeting, absent=[str(sitting.members[0])], reason="会议中途离开")
    answer = draw_answers.confirm(
        store, sitting.draw, sitting.members[0], False, "临时有事", answered_on=date(2023, 11, 20)
    )
    assert answer.replacement is not None
    result = meeting_results.results(store, sitting.meeting)
    assert result.quorum.attending == 8


def test_a_sealed_meeting_keeps_its_vote_denominator(sitting: Sitting, store) -> None:
    from qjtitle import committees

    _attend(sitting, 10)
    a = sitting.applicants[0]
    recusal.add_conflict(store, sitting.members[0], a, "近亲属", declared_on=date(2023, 11, 15))
    _review_all(sitting)
    # 9 vote on the recused applicant: 6 agree of 10 attending fails, of 9 passes
    entries = [VoteEntry(str(a), counts=(6, 3, 0))]
    entries += [VoteEntry(str(x), counts=(10, 0, 0)) for x in sitting.applicants[1:]]
    voting.record_votes(store, sitting.meeting, entries)
    _as_held(sitting, sitting.members[1])
    summary = meeting_results.seal(store, sitting.meeting)
    row = next(r.as_dict() for r in summary.applicants if r.id == a)
    assert (row["denominator"], row["result"]) == (10, "未通过")
    committees.configure(store, "QJ-WS-ZJ", vote_denominator="eligible")
    row = next(
        r.as_dict() for r in meeting_results.results(store, sitting.meeting).applicants if r.id == a
    )
    assert (row["denominator"], row["result"]) == (10, "未通过")


def test_evaluation_year_can_differ_from_the_meeting_date(store, committee, make_workbook) -> None:
    from qjtitle import meetings as meeting
    from qjtitle.intake.applicants import import_applicants

    import_applicants(store, [make_workbook(_applicants(2))], "QJ-WS-ZJ", 2023)
    m, _ = meeting.add(store, "QJ-WS-ZJ", date(2024, 1, 10), 11, "会议室", year=2023)
    with store.transaction() as session:
        assert meeting.evaluation_year(m) == 2023
        assert len(meeting.meeting_applicants(session, m)) == 2
    with pytest.raises(Exception, match="评审年度 2021 与会议日期 2024-01-11 不符"):
        meeting.add(store, "QJ-WS-ZJ", date(2024, 1, 11), 11, "会议室", year=2021)


def test_a_conflict_declared_after_the_draw_does_not_break_its_verification(
    sitting: Sitting, store
) -> None:
    recusal.add_conflict(
        store, sitting.members[0], sitting.applicants[0], "近亲属", declared_on=date(2023, 11, 15)
    )
    check = draw_record.verify_draw(store, sitting.draw)
    assert check.ok, check.as_dict()
    # declared before the draw, the same conflict would have excluded the expert: the pool no longer matches
    recusal.add_conflict(
        store, sitting.members[1], sitting.applicants[0], "师生关系", declared_on=date(2023, 11, 1)
    )
    assert not draw_record.verify_draw(store, sitting.draw).pool_ok


# --- the meeting as held (issue 22) and re-entry (issue 24.4) ------------------------------------------


def _audit(store, action: str) -> list[dict]:
    from sqlmodel import col, select

    from qjtitle.models import AuditEvent

    with store.transaction() as session:
        return [
            e.detail
            for e in session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
            )
        ]


def test_an_absence_is_recorded_with_its_reason(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    away = str(sitting.members[9])
    with pytest.raises(InvalidValue, match="须写明理由") as refused:
        voting.attend(store, sitting.meeting, absent=[away])
    assert refused.value.finding.code == "meeting.absence_needs_reason"
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "reason"
    result = voting.attend(store, sitting.meeting, absent=[away], reason="病假")
    assert result.absent and not result.removed and result.quorum.attending == 9
    again = voting.attend(store, sitting.meeting, absent=[away], reason="病假")
    assert again.absent == []  # the same absence entered twice is recorded once
    with store.transaction() as session:
        ctx = proceedings.load(session, sitting.meeting)
        assert ctx.absences == {sitting.members[9]: "病假"}
        assert (
            session.exec(text("select count(*) from attendance where present = false")).one()[0]
            == 1
        )
    # an absence recorded after the votes changes no result: no reason asked beyond the absence's own
    _vote_all(sitting, sitting.members[:9])
    voting.attend(store, sitting.meeting, absent=[str(sitting.members[10])], reason="因公出差")
    assert all(
        r.result == "通过" for r in meeting_results.results(store, sitting.meeting).applicants
    )


def test_the_chair_must_be_present_and_a_change_is_kept(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    with pytest.raises(ProceedingsError, match="没有签到出席本次会议"):
        proceedings.record_chair(store, sitting.meeting, str(sitting.members[10]))
    with pytest.raises(InvalidValue, match="应为 主任委员 或 副主任委员"):
        proceedings.record_chair(store, sitting.meeting, str(sitting.members[0]), "秘书长")
    proceedings.record_chair(store, sitting.meeting, str(sitting.members[0]))
    second = proceedings.record_chair(store, sitting.meeting, str(sitting.members[1]), "副主任委员")
    assert second.before.endswith("（主任委员）") and second.role == "副主任委员"
    # the chair leaves: the seal is refused until a present chair is recorded
    voting.attend(store, sitting.meeting, absent=[str(sitting.members[1])], reason="中途离会")
    with store.transaction() as session:
        ctx = proceedings.load(session, sitting.meeting)
        assert ctx.presiding is None
        problems = meeting_results.as_held_problems(ctx)
    assert "现未在出席名单中" in problems[0].message
    assert problems[0].fix is not None and problems[0].fix.step is Step.CHOOSE_CHAIR
    assert "尚未记录本次会议实际采用的评审方式" in problems[1].message


def test_a_review_entered_again_differently_needs_a_reason(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    _review_all(sitting)
    plan = proceedings.assign_reviewers(sitting.store, sitting.meeting, seed="seed")
    a = sitting.applicants[0]
    e = plan.reviewers[a][0]
    same = voting.record_reviews(
        store, sitting.meeting, [ReviewEntry(str(a), str(e), "材料齐全，业绩突出。", "同意")]
    )
    assert (same.recorded, same.unchanged) == (0, 1)
    changed = ReviewEntry(str(a), str(e), "材料齐全，业绩突出。", "不同意")
    with pytest.raises(ProceedingsError, match="(?s)评审建议 同意 → 不同意.*均未写入") as refused:
        voting.record_reviews(store, sitting.meeting, [changed])
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "reason"
    outcome = voting.record_reviews(store, sitting.meeting, [changed], reason="专家更正建议")
    assert outcome.recorded == 1 and "评审建议 同意 → 不同意" in outcome.changes[0]
    assert _audit(store, "meeting.reviews")[-1]["changes"] == list(outcome.changes)


def test_votes_entered_again_that_flip_a_result_need_a_reason(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    a, b = sitting.applicants[:2]
    _vote_all(sitting, sitting.members[:9])
    before = _audit(store, "meeting.votes")
    flip = [VoteEntry(str(a), counts=(5, 4, 0)), VoteEntry(str(b), counts=(8, 1, 0))]
    with pytest.raises(ProceedingsError) as err:
        voting.record_votes(store, sitting.meeting, flip)
    message = str(err.value)
    assert (
        f"{sitting.names[a]}：同意9，不同意0，弃权0：通过 → 同意5，不同意4，弃权0：未通过"
        in message
    )
    assert (
        f"{sitting.names[b]}：同意9，不同意0，弃权0：通过 → 同意8，不同意1，弃权0：通过" in message
    )
    assert _audit(store, "meeting.votes") == before  # nothing written
    assert meeting_results.results(store, sitting.meeting).passed == len(sitting.applicants)
    voting.record_votes(store, sitting.meeting, flip, reason="复核选票：计票有误")
    event = _audit(store, "meeting.votes")[-1]
    assert event["reason"] == "复核选票：计票有误" and len(event["changes"]) == 2
    rows = {r.id: r.result for r in meeting_results.results(store, sitting.meeting).applicants}
    assert (rows[a], rows[b]) == ("未通过", "通过")
    # the same counts again: no change, no reason needed
    voting.record_votes(store, sitting.meeting, flip)


def test_the_same_tally_entered_twice_is_recorded_once(sitting: Sitting, store) -> None:
    _attend(sitting, 9)
    _vote_all(sitting, sitting.members[:9])
    count = "select count(*) from ballot_count"
    with store.transaction() as session:
        rows = session.exec(text(count)).one()[0]
    assert rows == len(sitting.applicants)
    a, b = sitting.applicants[:2]
    again = voting.record_votes(
        store,
        sitting.meeting,
        [VoteEntry(str(a), counts=(9, 0, 0)), VoteEntry(str(b), counts=(8, 0, 0), invalid=1)],
        reason="复核计票表",
    )
    # a's counts as recorded: not written again; b's 废票 corrected: written, and the change told
    assert again.unchanged == (sitting.names[a],)
    assert again.changes == (
        f"{sitting.names[b]}：同意9，不同意0，弃权0：通过 → 同意8，不同意0，弃权0，废票1：通过",
    )
    with store.transaction() as session:
        assert session.exec(text(count)).one()[0] == rows + 1
    event = _audit(store, "meeting.votes")[-1]
    assert (event["applicants"], event["unchanged"]) == (1, 1)


def test_cli_tells_what_a_vote_entry_changed_and_what_it_left(sitting: Sitting, cli) -> None:
    m = str(sitting.meeting)
    _attend(sitting, 9)
    a = str(sitting.applicants[0])
    counts = ["--agree", "9", "--disagree", "0", "--abstain", "0"]
    assert cli("record-votes", m, "--applicant", a, *counts).exit_code == 0
    result = cli("record-votes", m, "--applicant", a, *counts)
    assert result.exit_code == 0, result.output
    assert (
        f"1 名申报人的票数与已录入的相同，未重复写入：{sitting.names[sitting.applicants[0]]}"
        in (result.output)
    )
    flip = ["--agree", "5", "--disagree", "4", "--abstain", "0"]
    result = cli("record-votes", m, "--applicant", a, *flip)
    assert result.exit_code == 1 and "未写入" in result.output
    result = cli("record-votes", m, "--applicant", a, *flip, "--reason", "复核计票表")
    assert result.exit_code == 0, result.output
    assert "表决结果改变：" in result.output and "通过 → 同意5，不同意4，弃权0：未通过" in (
        result.output
    )
    assert "（复核计票表）" in result.output


def test_cli_names_who_is_neither_signed_in_nor_excused(sitting: Sitting, cli) -> None:
    m = str(sitting.meeting)
    result = cli("meeting", "attend", m, *[str(e) for e in sitting.members[:9]])
    assert result.exit_code == 0, result.output
    away = [str(e) for e in sitting.members[9:]]
    assert "尚未签到、也未登记缺席理由" in result.output
    assert f"qjtitle meeting attend {m} --absent " in result.output
    result = cli(
        "meeting", "attend", m, "--absent", away[0], "--absent", away[1], "--reason", "病假"
    )
    assert result.exit_code == 0, result.output
    assert "尚未签到、也未登记缺席理由" not in result.output
    proceedings.assign_reviewers(sitting.store, sitting.meeting, seed="seed")
    _vote_all(sitting, sitting.members[:9], {sitting.applicants[0]: 5})
    shown = cli("meeting", "show", m).output
    assert shown.count("缺席（病假）") == 2
    assert "表决：同意/不同意/弃权/废票" in shown and "5/4/0/0 未通过" in shown


def test_an_applicant_of_a_specialty_nobody_present_has_gets_the_reason(
    sitting: Sitting, store, make_workbook, cli
) -> None:
    from qjtitle.intake.applicants import import_applicants

    number = idcard.make("530302", date(1986, 4, 2), 300)
    row = applicant_row(
        序号=1,
        姓名="药学申报人",
        身份证号码=number,
        出生年月="1986.04",
        性别=idcard.gender_of(number),
        申报专业="药学",
        工作单位="另一单位",
    )
    import_applicants(store, [make_workbook([row], name="pharmacy.xlsx")], "QJ-WS-ZJ", 2023)
    _attend(sitting, 9)
    result = cli("meeting", "assign", str(sitting.meeting), "--seed", "s")
    assert result.exit_code == 0, result.output
    assert "药学申报人：未安排同专业专家审阅，因为出席专家中没有药学专业的专家" in result.stderr
    with store.transaction() as session:
        current = proceedings._current_assignment(session, sitting.meeting)
        assert current is not None and list(current.specialty_gaps.values()) == [
            "出席专家中没有药学专业的专家"
        ]


def test_cli_tells_when_the_recorded_chair_leaves(sitting: Sitting, cli) -> None:
    m = str(sitting.meeting)
    _attend(sitting, 10)
    assert cli("meeting", "chair", m, str(sitting.members[8])).exit_code == 0
    result = cli(
        "meeting", "attend", m, "--absent", str(sitting.members[8]), "--reason", "中途离会"
    )
    assert result.exit_code == 0, result.output
    assert "记录的主持人" in result.output and "已不在出席名单中" in result.output
    assert f"qjtitle meeting chair {m} 专家" in result.output
    # someone else leaving says nothing about the chair
    assert cli("meeting", "chair", m, str(sitting.members[0])).exit_code == 0
    result = cli("meeting", "attend", m, "--absent", str(sitting.members[1]), "--reason", "病假")
    assert result.exit_code == 0 and "记录的主持人" not in result.output
