"""Planning a meeting's milestones in working days, recording what happened, and checking the chain."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlmodel import select

from qjtitle import committees, rules
from qjtitle import meetings as meeting
from qjtitle.calendar import findings, milestones, schedule
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.logic.workdays import WorkCalendar
from qjtitle.models import AuditEvent, MilestoneRecord

CAL = WorkCalendar()
MONDAY = date(2023, 11, 20)
LATER = date(2024, 1, 15)  # "today" once the whole chain is over

# A chain that keeps every rule for the meeting on Mon 2023-11-20.
CLEAN = {
    "notice": (date(2023, 9, 20), None),
    "recommendation-publicity": (date(2023, 10, 16), date(2023, 10, 20)),
    "pre-publicity": (date(2023, 10, 30), date(2023, 11, 3)),
    "draw": (date(2023, 11, 8), None),
    "pre-filing": (date(2023, 11, 10), None),
    "consent": (date(2023, 11, 15), None),
    "result-publicity": (date(2023, 11, 21), date(2023, 11, 27)),
    "post-filing": (date(2023, 12, 1), None),
    "appointment": (date(2023, 12, 20), None),
    "platform-entry": (date(2023, 12, 22), None),
}


def add_meeting(store, day: date = MONDAY, code: str = "QJ-WS-ZJ", **kw) -> int:  # type: ignore[no-untyped-def]
    m, _ = meeting.add(store, code, day, kw.pop("size", 11), "曲靖市会议中心", **kw)
    return m.id


FORCED = "照实登记（本文件测试核对规则，故意登记违反规则的日期）"


def record_all(store, meeting_id: int, chain: dict, **changes) -> None:  # type: ignore[no-untyped-def]
    for key, (first, last) in {**chain, **changes}.items():
        if first is not None:
            schedule.record(
                store, meeting_id, key, first, last, today=LATER, calendar=CAL, force_reason=FORCED
            )


def check(store, meeting_id: int, today: date = LATER) -> schedule.Schedule:  # type: ignore[no-untyped-def]
    return schedule.evaluate(store, meeting_id, today=today, calendar=CAL)


def by_key(s: schedule.Schedule) -> dict[str, milestones.Item]:
    return {it.key: it for it in s.items}


def only(s: schedule.Schedule, level: str = findings.ERROR) -> findings.Finding:
    found = [f for f in s.findings if f.level == level]
    assert len(found) == 1, [f.message for f in s.findings]
    return found[0]


# --- The plan ---------------------------------------------------------------------------


def test_plan_of_a_monday_meeting(store, committee) -> None:
    s = check(store, add_meeting(store), today=date(2023, 9, 25))
    items = by_key(s)
    assert list(items) == [
        "notice",
        "recommendation-publicity",
        "pre-publicity",
        "draw",
        "pre-filing",
        "consent",
        "meeting",
        "result-publicity",
        "post-filing",
        "appointment",
        "platform-entry",
    ]
    assert items["draw"].latest == items["pre-filing"].latest == date(2023, 11, 13)
    assert items["draw"].earliest == date(2023, 11, 6)
    assert items["notice"].latest == date(2023, 10, 9)  # 30 working days, counting 10-07 and 10-08
    assert (
        items["recommendation-publicity"].earliest,
        items["recommendation-publicity"].latest,
    ) == (date(2023, 10, 30), date(2023, 11, 3))
    assert (items["pre-publicity"].earliest, items["pre-publicity"].latest) == (
        date(2023, 11, 6),
        date(2023, 11, 10),
    )
    assert (items["result-publicity"].earliest, items["result-publicity"].latest) == (
        date(2023, 11, 21),
        date(2023, 11, 27),
    )
    assert (items["post-filing"].earliest, items["post-filing"].latest) == (
        date(2023, 11, 28),
        date(2023, 12, 11),
    )
    assert (
        items["platform-entry"].kind == milestones.PENDING
        and items["platform-entry"].note == "收到任职文件后5个工作日内"
    )
    assert items["pre-filing"].rule is rules.PRE_FILING_BEFORE_MEETING
    assert items["notice"].days_left == 6 and items["notice"].status == milestones.TODO
    assert items["meeting"].status == "待召开"
    assert s.provisional == ""


def test_plan_of_a_tuesday_meeting_after_national_day(store, committee) -> None:
    items = by_key(check(store, add_meeting(store, date(2023, 10, 10)), today=date(2023, 9, 1)))
    assert items["draw"].latest == items["pre-filing"].latest == date(2023, 9, 27)


def test_post_filing_deadline_over_national_day(store, committee) -> None:
    items = by_key(
        check(
            store,
            add_meeting(store, date(2023, 9, 27), end_date=date(2023, 9, 28)),
            today=date(2023, 9, 1),
        )
    )
    assert items["post-filing"].latest == date(2023, 10, 25)
    assert items["meeting"].when == "2023-09-27（三） 至 2023-09-28（四）"
    # The result publicity after the meeting covers the make-up weekend: 10-07, 08, 09, 10, 11.
    assert (items["result-publicity"].earliest, items["result-publicity"].latest) == (
        date(2023, 10, 7),
        date(2023, 10, 11),
    )


def test_committees_that_need_them_get_the_refiling_and_pilot_requests(store) -> None:
    committees.add(
        store, "QJ-ZG", "曲靖市正高级评委会", "正高级", "卫生", pool_filed=date(2020, 6, 30)
    )
    items = by_key(check(store, add_meeting(store, code="QJ-ZG", size=25), today=date(2023, 6, 1)))
    assert items["refiling-request"].latest == CAL.nth_before(MONDAY, 20) == date(2023, 10, 23)
    assert items["refiling-request"].note == "专家库备案已满3年（2020-06-30）"
    assert items["pilot-request"].latest == CAL.nth_before(date(2023, 10, 9), 30)
    assert list(items)[:3] == ["pilot-request", "refiling-request", "notice"]


def test_pool_filed_less_than_three_years_ago_needs_no_refiling() -> None:
    assert not milestones.pool_refiling_due(date(2020, 11, 20), MONDAY)
    assert milestones.pool_refiling_due(date(2020, 11, 19), MONDAY)
    assert milestones.pool_refiling_due(date(2020, 2, 29), date(2023, 3, 1))
    assert not milestones.pool_refiling_due(None, MONDAY)


@settings(max_examples=examples(60), deadline=None)
@given(
    st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=0, max_value=2),
)
def test_publicity_windows_cover_five_working_days_and_keep_their_order(
    day: date, extra_days: int
) -> None:
    end = CAL.shift(day, extra_days) if extra_days else day
    items = {it.key: it for it in milestones.layout(CAL, day, end, "中级", None)}
    for key in ("recommendation-publicity", "pre-publicity", "result-publicity"):
        it = items[key]
        assert it.earliest and it.latest and CAL.count(it.earliest, it.latest) >= 5
    assert items["notice"].latest < items["recommendation-publicity"].earliest  # type: ignore[operator]
    assert items["recommendation-publicity"].latest < items["pre-publicity"].earliest  # type: ignore[operator]
    assert items["pre-publicity"].latest < items["pre-filing"].latest < day  # type: ignore[operator]
    assert end < items["result-publicity"].earliest  # type: ignore[operator]
    assert (
        items["result-publicity"].latest
        < items["post-filing"].earliest
        <= items["post-filing"].latest
    )  # type: ignore[operator]
    assert all(
        CAL.is_workday(d)
        for it in items.values()
        for d in (it.earliest, it.latest)
        if d and it.key not in ("meeting", "consent")
    )


# --- Recording ---------------------------------------------------------------------------


def test_record_replaces_and_audits(store, committee) -> None:
    mid = add_meeting(store)
    first = schedule.record(
        store,
        mid,
        "会前公示",
        date(2023, 11, 6),
        date(2023, 11, 9),
        today=LATER,
        calendar=CAL,
        force_reason=FORCED,
    )
    assert first.milestone.key == "pre-publicity" and first.previous is None
    assert [f.missed_by for f in first.findings] == [1]  # 4 working days only
    again = schedule.record(
        store,
        mid,
        "pre-publicity",
        date(2023, 11, 6),
        date(2023, 11, 10),
        note="公告第3号",
        today=LATER,
        calendar=CAL,
        force_reason=FORCED,
    )
    assert again.previous == {"first": date(2023, 11, 6), "last": date(2023, 11, 9), "note": ""}
    assert again.findings == []
    with store.transaction() as session:
        records = session.exec(select(MilestoneRecord)).all()
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "milestone.recorded")
        ).all()
    assert [(r.milestone, r.last, r.note) for r in records] == [
        ("pre-publicity", date(2023, 11, 10), "公告第3号")
    ]
    assert len(events) == 2 and events[1].detail["previous"]["last"] == "2023-11-09"


def test_record_refuses_what_it_cannot_store(store, committee) -> None:
    mid = add_meeting(store)
    with pytest.raises(
        InvalidValue,
        match="没有名为“公示”的时间节点；可登记的有：pilot-request（正高级在线评审试点申请）",
    ):
        schedule.record(store, mid, "公示", date(2023, 11, 6))
    with pytest.raises(InvalidValue, match="发布评审通知只有一个日期，没有结束日期"):
        schedule.record(store, mid, "notice", date(2023, 9, 20), date(2023, 9, 21))
    with pytest.raises(InvalidValue, match="结束日期 2023-11-01 早于开始日期 2023-11-06"):
        schedule.record(store, mid, "pre-publicity", date(2023, 11, 6), date(2023, 11, 1))
    with pytest.raises(InvalidValue, match="在新建会议时已经登记"):
        schedule.record(store, mid, "meeting", date(2023, 11, 6))
    with pytest.raises(NotFound, match="没有编号为 9 的评审会议"):
        schedule.record(store, 9, "notice", date(2023, 9, 20))


# --- Checking: a clean chain, then each kind of violation ---------------------------------


def test_a_clean_chain_passes_without_warnings(store, committee) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN)
    s = check(store, mid)
    assert s.findings == [] and s.ok
    items = by_key(s)
    assert items["platform-entry"].latest == date(2023, 12, 27)
    assert {it.status for it in s.items} == {milestones.DONE, "已召开"}
    assert s.next_item() is None


@pytest.mark.parametrize(
    ("key", "first", "latest", "missed"),
    [
        ("notice", date(2023, 10, 11), date(2023, 10, 9), 2),
        ("pre-filing", date(2023, 11, 14), date(2023, 11, 13), 1),
        ("post-filing", date(2023, 12, 12), date(2023, 12, 11), 1),
        ("platform-entry", date(2023, 12, 28), date(2023, 12, 27), 1),
    ],
)
def test_late_deadlines_are_errors(
    store, committee, key: str, first: date, latest: date, missed: int
) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN, **{key: (first, None)})
    f = only(check(store, mid))
    assert (f.milestone, f.day, f.missed_by, f.allowed) == (
        key,
        first,
        missed,
        f"不晚于 {milestones.fmt(latest)}",
    )
    assert f.rule is milestones.MILESTONES[key].rule
    assert "晚于最晚日期" in f.message and f"晚了 {missed} 个工作日" in f.message


def test_draw_too_late_is_an_error_and_too_early_a_warning(store, committee) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN, draw=(date(2023, 11, 14), None))
    s = check(store, mid)
    assert [(f.milestone, f.missed_by, f.rule) for f in s.errors] == [
        ("draw", 1, rules.DRAW_BEFORE_MEETING)
    ]
    assert [(f.milestone, f.rule) for f in s.warnings] == [("draw", rules.DRAW_WITH_PRE_FILING)]
    assert by_key(s)["draw"].status == milestones.PROBLEM
    schedule.record(
        store, mid, "draw", date(2023, 10, 30), today=LATER, calendar=CAL, force_reason=FORCED
    )
    s = check(store, mid)
    assert s.ok
    f = only(s, findings.WARNING)
    assert (f.milestone, f.missed_by, f.rule) == ("draw", 5, rules.DRAW_CONFIDENTIALITY_WARNING)
    assert "早 5 个工作日，专家名单保密期过长" in f.message


def test_short_publicity_across_national_day(store, committee) -> None:
    mid = add_meeting(store, date(2023, 10, 30))
    chain = {
        "notice": (date(2023, 8, 1), None),
        "recommendation-publicity": (date(2023, 9, 27), date(2023, 10, 8)),
    }
    record_all(store, mid, chain)
    f = next(
        f
        for f in check(store, mid, today=date(2023, 10, 9)).findings
        if f.milestone == "recommendation-publicity"
    )
    assert (f.level, f.missed_by, f.allowed) == (findings.ERROR, 1, "至少到 2023-10-09（一）")
    assert "2023-09-27 至 2023-10-08 只有 4 个工作日，少 1 个工作日" in f.message
    schedule.record(
        store,
        mid,
        "recommendation-publicity",
        date(2023, 9, 26),
        date(2023, 10, 8),
        today=LATER,
        calendar=CAL,
        force_reason=FORCED,
    )
    assert not [
        f
        for f in check(store, mid, today=date(2023, 10, 9)).findings
        if f.milestone == "recommendation-publicity"
    ]


def test_pre_publicity_unfinished_at_filing_warns_and_running_into_the_meeting_fails(
    store, committee
) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN, **{"pre-publicity": (date(2023, 11, 6), date(2023, 11, 13))})
    f = only(check(store, mid), findings.WARNING)
    assert (f.milestone, f.rule, f.missed_by) == (
        "pre-publicity",
        rules.PRE_PUBLICITY_BEFORE_FILING,
        1,
    )
    assert check(store, mid).ok
    schedule.record(
        store,
        mid,
        "pre-publicity",
        date(2023, 11, 14),
        date(2023, 11, 20),
        today=LATER,
        calendar=CAL,
        force_reason=FORCED,
    )
    s = check(store, mid)
    f = next(f for f in s.errors if f.rule is rules.PRE_PUBLICITY_BEFORE_MEETING)
    assert (f.day, f.missed_by) == (date(2023, 11, 20), 1)


def test_consent_after_the_meeting_and_before_the_filing(store, committee) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN, consent=(date(2023, 11, 21), None))
    f = only(check(store, mid))
    assert (f.milestone, f.rule, f.missed_by) == ("consent", rules.CONSENT_BEFORE_MEETING, 1)
    schedule.record(
        store, mid, "consent", date(2023, 11, 9), today=LATER, calendar=CAL, force_reason=FORCED
    )
    f = only(check(store, mid))
    assert (f.milestone, f.related, f.rule, f.missed_by) == (
        "consent",
        "pre-filing",
        rules.LOGICAL_ORDER,
        1,
    )
    assert "在会前备案（2023-11-10（五））之前，顺序不合逻辑" in f.message


def test_result_publicity_must_follow_the_meeting_and_end_before_post_filing(
    store, committee
) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN, **{"result-publicity": (date(2023, 11, 27), date(2023, 12, 1))})
    f = only(check(store, mid))
    assert (f.milestone, f.rule, f.day, f.missed_by) == (
        "result-publicity",
        rules.RESULT_PUBLICITY_BEFORE_POST_FILING,
        date(2023, 12, 1),
        1,
    )
    schedule.record(
        store,
        mid,
        "result-publicity",
        date(2023, 11, 20),
        date(2023, 11, 24),
        today=LATER,
        calendar=CAL,
        force_reason=FORCED,
    )
    f = only(check(store, mid))
    assert (f.milestone, f.rule, f.day) == (
        "result-publicity",
        rules.LOGICAL_ORDER,
        date(2023, 11, 20),
    )
    assert "早于评审会议结束" in f.message


def test_recommendation_overlapping_pre_publicity_and_before_the_notice(store, committee) -> None:
    mid = add_meeting(store)
    record_all(
        store, mid, CLEAN, **{"recommendation-publicity": (date(2023, 10, 26), date(2023, 11, 1))}
    )
    f = only(check(store, mid))
    assert (f.milestone, f.related, f.missed_by) == (
        "pre-publicity",
        "recommendation-publicity",
        3,
    )  # 10-30, 10-31, 11-01
    schedule.record(
        store,
        mid,
        "recommendation-publicity",
        date(2023, 9, 11),
        date(2023, 9, 15),
        today=LATER,
        calendar=CAL,
        force_reason=FORCED,
    )
    f = only(check(store, mid))
    assert (f.milestone, f.related, f.missed_by) == (
        "recommendation-publicity",
        "notice",
        7,
    )  # 09-12 .. 09-20


def test_platform_entry_needs_the_appointment_first(store, committee) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN, appointment=(None, None))
    f = only(check(store, mid))
    assert f.milestone == "platform-entry" and "没有登记收到任职文件的日期" in f.message
    schedule.record(
        store,
        mid,
        "appointment",
        date(2023, 12, 26),
        today=LATER,
        calendar=CAL,
        force_reason=FORCED,
    )
    f = only(check(store, mid))
    assert (f.milestone, f.related, f.missed_by) == ("platform-entry", "appointment", 2)


def test_missing_milestones_are_errors_once_their_day_has_passed(store, committee) -> None:
    mid = add_meeting(store)
    before = check(store, mid, today=date(2023, 10, 9))
    assert before.findings == []
    assert by_key(before)["notice"].status == milestones.SOON
    s = check(store, mid, today=date(2023, 10, 10))
    f = only(s)
    assert (f.milestone, f.day, f.missed_by) == ("notice", None, 1)
    assert by_key(s)["notice"].status == milestones.OVERDUE
    assert "至今（2023-10-10（二））未登记，已过 1 个工作日" in f.message
    late = check(store, mid, today=LATER)
    assert [f.milestone for f in late.errors] == [
        "notice",
        "recommendation-publicity",
        "pre-publicity",
        "draw",
        "pre-filing",
        "consent",
        "result-publicity",
        "post-filing",
    ]


def test_missing_pilot_request_is_only_a_warning(store) -> None:
    committees.add(store, "QJ-ZG", "曲靖市正高级评委会", "正高级", "卫生")
    mid = add_meeting(store, code="QJ-ZG", size=25)
    record_all(store, mid, CLEAN)
    s = check(store, mid)
    f = only(s, findings.WARNING)
    assert f.milestone == "pilot-request" and "不在试点范围内，可忽略" in f.message
    assert s.ok


def test_unfinished_publicity_warns(store, committee) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN, **{"result-publicity": (date(2023, 11, 21), None)})
    s = check(store, mid)
    f = only(s, findings.WARNING)
    assert f.milestone == "result-publicity" and "没有登记结束日期" in f.message
    assert by_key(s)["result-publicity"].status == milestones.STARTED


# --- Provisional years ---------------------------------------------------------------------


def test_a_2027_meeting_is_provisional_until_an_override_covers_the_year(
    store, committee, tmp_path: Path
) -> None:
    mid = add_meeting(store, date(2027, 11, 22))
    s = schedule.evaluate(store, mid, today=date(2027, 1, 4))
    assert "2027年的调休安排尚未公布" in s.provisional
    assert all(it.provisional for it in s.items if it.earliest or it.latest)
    f = only(s, findings.WARNING)
    assert f.milestone == "" and f.label == "评审会议" and "暂定" in f.message
    (tmp_path / "qjtitle.calendar.toml").write_text(
        'complete_years = [2027]\n[holidays]\n2027-10-06 = "国庆节"\n[workdays]\n2027-09-26 = "国庆调休上班"\n',
        encoding="utf-8",
    )  # beside the store
    s = schedule.evaluate(store, mid, today=date(2027, 1, 4))
    assert s.provisional == "" and s.findings == []
    assert not any(it.provisional for it in s.items)


# --- iCalendar ------------------------------------------------------------------------------


def test_ics_parses_with_one_event_per_dated_milestone(store, committee, tmp_path: Path) -> None:
    s = check(store, add_meeting(store), today=date(2023, 9, 25))
    path = tmp_path / "会议.ics"
    assert (
        schedule.write_ics(s, path, stamp=datetime(2023, 9, 25, tzinfo=UTC)) == 9
    )  # not the two still undated
    cal = Calendar.from_ical(path.read_bytes())
    assert str(cal["X-WR-CALNAME"]) == "QJ-WS-ZJ 会议1 时间节点"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 9
    filing = events["qjtitle-meeting1-pre-filing@qjtitle"]
    assert filing.decoded("DTSTART") == date(2023, 11, 13) and filing.decoded("DTEND") == date(
        2023, 11, 14
    )
    assert str(filing["SUMMARY"]) == "QJ-WS-ZJ 会议1：会前备案（最晚）"
    assert "依据：评委会在召开评审会议前5个工作日向核准组建部门进行会前备案（通知 二）" in str(
        filing["DESCRIPTION"]
    )
    pre = events["qjtitle-meeting1-pre-publicity@qjtitle"]
    assert (pre.decoded("DTSTART"), pre.decoded("DTEND")) == (date(2023, 11, 6), date(2023, 11, 11))
    held = events["qjtitle-meeting1-meeting@qjtitle"]
    assert str(held["LOCATION"]) == "曲靖市会议中心"
    assert all(e.decoded("DTSTAMP") == datetime(2023, 9, 25, tzinfo=UTC) for e in events.values())


def test_ics_of_a_provisional_year_says_so(store, committee, tmp_path: Path) -> None:
    s = check(store, add_meeting(store, date(2027, 11, 22)), today=date(2027, 1, 4))
    path = tmp_path / "x.ics"
    schedule.write_ics(s, path)
    events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert all(str(e["SUMMARY"]).startswith("【暂定】") for e in events)
    assert "2027年的调休安排尚未公布" in str(events[0]["DESCRIPTION"])


# --- Status -----------------------------------------------------------------------------------


def test_status_lists_the_most_urgent_meeting_first(store, committee) -> None:
    done = add_meeting(store, date(2023, 6, 5))
    record_all(
        store,
        done,
        {
            "notice": (date(2023, 4, 3), None),
            "recommendation-publicity": (date(2023, 4, 24), date(2023, 4, 28)),
            "pre-publicity": (date(2023, 5, 15), date(2023, 5, 19)),
            "draw": (date(2023, 5, 24), None),
            "pre-filing": (date(2023, 5, 25), None),
            "consent": (date(2023, 5, 30), None),
            "result-publicity": (date(2023, 6, 6), date(2023, 6, 12)),
            "post-filing": (date(2023, 6, 16), None),
            "appointment": (date(2023, 7, 3), None),
            "platform-entry": (date(2023, 7, 5), None),
        },
    )
    soon = add_meeting(store, date(2023, 12, 18))
    late = add_meeting(store, MONDAY)
    add_meeting(store, date(2024, 1, 8))  # another year
    rows = schedule.status(store, 2023, today=date(2023, 10, 10), calendar=CAL)
    assert [r.meeting.id for r in rows] == [late, soon, done]
    assert rows[0].overdue == ("发布评审通知",) and rows[0].days_left == -1
    assert rows[0].errors and "发布评审通知应不晚于" in rows[0].errors[0]
    assert (rows[1].next, rows[1].due, rows[1].overdue) == ("发布评审通知", date(2023, 11, 6), ())
    assert rows[2].next == "" and rows[2].days_left is None and rows[2].errors == ()


def test_a_recorded_refiling_request_is_checked_even_without_a_filing_date(
    store, committee
) -> None:
    mid = add_meeting(store)
    record_all(store, mid, CLEAN, **{"refiling-request": (date(2023, 10, 24), None)})
    items = by_key(check(store, mid))
    assert items["refiling-request"].note == "专家库须重新备案"
    f = only(check(store, mid))
    assert (f.milestone, f.allowed, f.missed_by) == (
        "refiling-request",
        "不晚于 2023-10-23（一）",
        1,
    )


def test_post_meeting_milestones_dated_before_the_meeting_ended(store, committee) -> None:
    mid = add_meeting(store, end_date=date(2023, 11, 21))
    record_all(
        store,
        mid,
        CLEAN,
        **{
            "result-publicity": (date(2023, 11, 22), date(2023, 11, 28)),
            "appointment": (date(2023, 11, 21), None),
        },
    )
    s = check(store, mid)
    assert [(f.milestone, f.related, f.rule) for f in s.errors] == [
        ("appointment", "", rules.LOGICAL_ORDER),
        ("appointment", "result-publicity", rules.LOGICAL_ORDER),
        (
            "platform-entry",
            "",
            rules.PLATFORM_ENTRY_AFTER_APPOINTMENT,
        ),  # 12-22 is long after 11-21 + 5 working days
    ]
    assert (
        "收到任职文件日期 2023-11-21（二） 不在评审会议（2023-11-21（二） 结束）之后"
        in s.errors[0].message
    )


# --- The season's chain of dates (issue 22.6) -------------------------------------------------


def test_the_whole_season_follows_one_chain_of_dates(store, committee) -> None:
    """call → 推荐公示 → submission → correction notices → 资格审查 → 会前公示 → draw → pre-filing →
    consent → meeting → 结果公示 → post-filing: each step out of order is an error naming the step
    before it; the chain as the demo now keeps it is clean."""
    from qjtitle.models import CorrectionNotice

    mid = add_meeting(store)
    in_order = {
        **CLEAN,
        "submission": (date(2023, 10, 23), None),
        "eligibility": (date(2023, 10, 27), None),
    }
    record_all(store, mid, in_order)
    assert check(store, mid).ok
    with store.transaction() as session:  # a correction notice issued before the submission
        session.add(
            CorrectionNotice(
                committee_id=1,
                unit="曲靖市第一人民医院",
                issued_on=date(2023, 9, 25),
                deadline=date(2023, 10, 8),
            )
        )
    f = only(check(store, mid))
    assert (f.milestone, f.related, f.rule) == ("corrections", "submission", rules.LOGICAL_ORDER)
    assert f.message == (
        "一次性告知补正 2023-09-25（一） 在单位报送申报材料（2023-10-23（一））之前，顺序不合逻辑"
    )


def test_the_eligibility_review_after_the_publicity_that_publishes_it_is_refused(
    store, committee
) -> None:
    mid = add_meeting(store)
    # the demo's old dates: 推荐公示 after the submission, 资格审查 after the 会前公示 of its result
    record_all(
        store,
        mid,
        CLEAN,
        submission=(date(2023, 10, 18), None),
        eligibility=(date(2023, 11, 6), None),
    )
    found = {(f.milestone, f.related) for f in check(store, mid).errors}
    assert found == {("submission", "recommendation-publicity"), ("pre-publicity", "eligibility")}
    messages = " ".join(f.message for f in check(store, mid).errors)
    assert (
        "单位报送申报材料 2023-10-18（三） 在推荐公示结束（2023-10-20（五））之前或同一天"
        in messages
    )
