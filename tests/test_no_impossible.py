"""Issue 24.2: nothing impossible is recorded. A fact dated after today, or before what it depends on,
is refused and changes nothing (the SQLite file byte-identical); schedule record that breaks a rule
writes nothing unless --force --reason; irreversible steps need --yes off a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from qjtitle import idcard, when
from qjtitle.calendar import schedule
from qjtitle.experts import draw_answers
from qjtitle.experts import drawing as draw_store
from qjtitle.intake import corrections
from qjtitle.intake.applicants import import_applicants
from qjtitle.models import AuditEvent, MilestoneRecord
from qjtitle.store import audit
from tests.conftest import applicant_row, expert_row

pytestmark = pytest.mark.both_backends

DRAWERS, SUPERVISORS = ["王明", "李华", "赵强"], ["陈静"]


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch):
    """on_day(date(2023, 11, 20)): from now on the library's today is that day."""

    def fix(day: date) -> None:
        monkeypatch.setattr(when, "today", lambda: day)

    return fix


def _events(store) -> int:
    with store.transaction() as session:
        return len(list(session.exec(select(AuditEvent))))


@contextmanager
def unchanged(store, backend: str, db_path: Path) -> Iterator[None]:
    """What the block refuses leaves the store as it was: byte for byte on SQLite."""
    if backend == "sqlite":
        before: Any = db_path.read_bytes()
    else:
        with store.transaction() as session:
            before = (
                _events(store),
                sorted(repr(r.model_dump()) for r in session.exec(select(MilestoneRecord))),
            )
    yield
    if backend == "sqlite":
        assert db_path.read_bytes() == before
    else:
        with store.transaction() as session:
            after = (
                _events(store),
                sorted(repr(r.model_dump()) for r in session.exec(select(MilestoneRecord))),
            )
        assert after == before
    assert audit.verify_store(store).ok


def test_the_check_lives_in_one_place_and_today_can_be_fixed(on_day):
    on_day(date(2023, 11, 20))
    assert when.today() == date(2023, 11, 20)
    assert when.fact_date(None, "签字") == date(2023, 11, 20)
    with pytest.raises(when.ImpossibleDate, match="在今天（2023-11-20）之后"):
        when.fact_date(date(2023, 11, 21), "签字")
    with pytest.raises(when.ImpossibleDate, match="早于第1号抽取（2023-11-10）"):
        when.fact_date(date(2023, 11, 9), "签字", date(2023, 11, 10), "第1号抽取")


def test_expire_with_a_date_after_today_is_refused(
    store, committee, make_workbook, backend, db_path, on_day, cli
):
    row = applicant_row(联系电话="123", 身份证号码=idcard.make("530302", date(1985, 3, 15), 122))
    import_applicants(store, [make_workbook([row])], "QJ-WS-ZJ", 2023)
    corrections.issue_notices(store, "QJ-WS-ZJ", db_path.parent / "告知书", today=date(2023, 9, 25))
    on_day(date(2023, 10, 9))
    with unchanged(store, backend, db_path):
        with pytest.raises(when.ImpossibleDate, match="2023-10-16"):
            corrections.expire(store, "QJ-WS-ZJ", today=date(2023, 10, 16))
        result = cli("applicants", "expire", "-c", "QJ-WS-ZJ", "--date", "2023-10-16", "--yes")
        assert result.exit_code == 1 and "还没有发生" in result.stderr
        # the impossible date is refused before anything is asked
        result = cli("applicants", "expire", "-c", "QJ-WS-ZJ", "--date", "2023-10-16")
        assert (
            result.exit_code == 1 and "还没有发生" in result.stderr and "--yes" not in result.stderr
        )
        # off a terminal the irreversible step needs --yes; the question names who would be marked
        result = cli("applicants", "expire", "-c", "QJ-WS-ZJ", "--date", "2023-10-09")
        assert result.exit_code == 1 and "--yes" in result.stderr
        assert "把逾期未补正的 张丽 标记为“视为放弃”：" in result.stderr
        # nobody overdue yet: nothing to ask, nothing done
        result = cli("applicants", "expire", "-c", "QJ-WS-ZJ", "--date", "2023-09-26")
        assert result.exit_code == 0, result.output
    assert [w.name for w in corrections.expire(store, "QJ-WS-ZJ")] == ["张丽"]


@pytest.fixture
def drawn(store, expert_pool, draw_meeting) -> tuple[int, int, int]:
    """A meeting on 2023-11-20 whose experts were drawn on 2023-11-10: (meeting, draw, first member)."""
    expert_pool([expert_row(i, 专业="护理" if i % 3 == 0 else "临床医学") for i in range(1, 31)])
    meeting = draw_meeting()
    outcome = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting,
            DRAWERS,
            SUPERVISORS,
            alternates=3,
            specialties=["护理=3", "临床医学"],
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    )
    record = outcome.record
    first = next(p for p in record["picks"] if p["role"] == "member")
    return meeting, record["draw"], first["id"]


def test_a_signature_or_an_answer_after_today_or_before_the_draw_is_refused(
    store, drawn, backend, db_path, on_day, tmp_path
):
    _, draw_id, expert = drawn
    scan = tmp_path / "签字.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    on_day(date(2023, 11, 13))
    with unchanged(store, backend, db_path):
        with pytest.raises(when.ImpossibleDate, match="早于第.*号抽取"):
            draw_answers.sign(store, draw_id, scan, signed_on=date(2023, 11, 9))
        with pytest.raises(when.ImpossibleDate, match="之后"):
            draw_answers.sign(store, draw_id, scan, signed_on=date(2023, 11, 14))
        with pytest.raises(when.ImpossibleDate, match="早于第.*号抽取"):
            draw_answers.confirm(store, draw_id, expert, True, answered_on=date(2023, 11, 1))
        with pytest.raises(when.ImpossibleDate, match="之后"):
            draw_answers.confirm(store, draw_id, expert, True, answered_on=date(2023, 11, 15))
    draw_answers.sign(store, draw_id, scan)  # today, 2023-11-13
    draw_answers.confirm(store, draw_id, expert, True, answered_on=date(2023, 11, 10))
    assert audit.verify_store(store).ok


def test_a_draw_dated_after_today_is_refused_and_the_rehearsal_says_so(
    store, expert_pool, draw_meeting, backend, db_path, on_day
):
    expert_pool([expert_row(i, 专业="护理" if i % 3 == 0 else "临床医学") for i in range(1, 31)])
    meeting = draw_meeting()
    on_day(date(2023, 11, 9))
    request = draw_store.DrawRequest(
        meeting,
        DRAWERS,
        SUPERVISORS,
        alternates=3,
        specialties=["护理=3", "临床医学"],
        seed=["4721", "9903", "1586"],
        drawn_on=date(2023, 11, 10),
    )
    with (
        unchanged(store, backend, db_path),
        pytest.raises(when.ImpossibleDate, match="抽取的日期 2023-11-10 在今天（2023-11-09）之后"),
    ):
        draw_store.draw_experts(store, request)
    rehearsal = draw_store.rehearse(store, request)
    failed = [c for c in rehearsal.checks if c.what == "抽取日期"]
    assert len(failed) == 1 and failed[0].ok is False
    on_day(date(2023, 11, 10))
    assert draw_store.draw_experts(store, request).record["drawn_on"] == "2023-11-10"


def test_schedule_record_refuses_the_impossible_and_a_broken_rule_unless_forced(
    store, draw_meeting, backend, db_path, on_day, cli
):
    meeting = draw_meeting()  # 2023-11-20
    on_day(date(2023, 11, 22))
    with unchanged(store, backend, db_path):
        with pytest.raises(when.ImpossibleDate, match="之后"):
            schedule.record(store, meeting, "notice", date(2023, 11, 23))
        with pytest.raises(when.ImpossibleDate, match="结果公示的日期 2023-11-17 早于评审会议"):
            schedule.record(
                store, meeting, "result-publicity", date(2023, 11, 17), date(2023, 11, 21)
            )
        # the notice must be out 30 working days before the meeting: 2023-11-01 is too late
        with pytest.raises(schedule.RuleBroken) as refused:
            schedule.record(store, meeting, "notice", date(2023, 11, 1))
        assert refused.value.findings and all(f.level == "error" for f in refused.value.findings)
        result = cli("schedule", "record", str(meeting), "notice", "2023-11-01")
        assert result.exit_code == 1
        assert "违反规则的问题" in result.output and "--force --reason" in result.stderr
        with pytest.raises(Exception, match="照实登记违反规则的日期须写明理由"):
            schedule.record(store, meeting, "notice", date(2023, 11, 1), force_reason=" ")
        # a reason without --force was dropped without a word: now refused, nothing written
        result = cli("schedule", "record", str(meeting), "notice", "2023-09-20", "--reason", "迟了")
        assert result.exit_code == 2 and "--reason 只和 --force 一起用" in result.stderr
    done = schedule.record(
        store, meeting, "notice", date(2023, 11, 1), force_reason="通知实际于11月1日发布，照实登记"
    )
    assert done.findings  # still said
    with store.transaction() as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert event is not None and event.detail["forced_reason"] == "通知实际于11月1日发布，照实登记"
    result = cli(
        "schedule", "record", str(meeting), "notice", "2023-11-02", "--force", "--reason", "照实"
    )
    assert result.exit_code == 0, result.output
    assert audit.verify_store(store).ok


def test_seal_and_votes_before_the_meeting_are_refused(filing_builds, tmp_path, on_day, cli):
    from qjtitle.meeting import results
    from tests.conftest import copy_filing_meeting

    fm = copy_filing_meeting(filing_builds("unsealed"), tmp_path / "m")
    db_file = tmp_path / "m" / "qjtitle.db"
    try:
        on_day(date(2023, 11, 19))
        with unchanged(fm.store, "sqlite", db_file):
            with pytest.raises(
                when.ImpossibleDate,
                match=r"评审会议（2023-11-20）还没有开过（今天是 2023-11-19），不能封存；请在会后再封存",
            ):
                results.seal(fm.store, fm.meeting)
            from qjtitle.meeting.voting import record_votes

            with pytest.raises(when.ImpossibleDate, match="不能录入表决结果；请在会后再录入"):
                record_votes(fm.store, fm.meeting, [])
            result = cli("meeting", "seal", str(fm.meeting), "--db", str(db_file))
            assert result.exit_code == 1 and "--yes" in result.stderr
        on_day(date(2023, 11, 20))
        result = cli("meeting", "seal", str(fm.meeting), "--yes", "--db", str(db_file))
        assert result.exit_code == 0, result.output
        assert audit.verify_store(fm.store).ok
    finally:
        fm.store.close()
