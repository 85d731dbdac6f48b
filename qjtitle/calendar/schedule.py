"""The milestones of a meeting: planned from the meeting date, checked against what happened.

Every milestone of RULES.md gets its latest (or earliest) allowed date in working
days and the rule it comes from. The three publicity windows (推荐/会前/结果公示) are
laid out backwards and forwards from the meeting so that each covers at least
``rules.PUBLICITY_MIN`` working days, the recommendation publicity ends before the
pre-meeting publicity starts, the pre-meeting publicity ends the working day before
the pre-meeting filing, and the result publicity starts after the last meeting day
and ends before the post-meeting filing.

What actually happened is recorded milestone by milestone (``schedule record``);
``evaluate`` lays the plan out, marks each milestone's status as of ``today`` and
lists every violation (``ScheduleFinding``) of the rules and of the logical order that the
notice asks to verify before platform entry (通知 四).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import meetings, when
from qjtitle.calendar import plan as plans
from qjtitle.calendar.findings import (
    ERROR,
    WARNING,
    ScheduleFinding,
    _cite,
    _order,
    find_problems,
    season_chain,
)
from qjtitle.calendar.milestones import (
    CHAIN_LABELS,
    DAY,
    DONE,
    LATEST,
    MILESTONES,
    OVERDUE,
    PROBLEM,
    RANGE,
    SEASON_CHAIN,
    SOON,
    SOON_WORKDAYS,
    SPAN,
    STARTED,
    TODO,
    WAITING,
    WINDOW,
    Actual,
    Item,
    MilestoneDef,
    layout,
    resolve_milestone,
)
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.findings import Finding, Step, finding
from qjtitle.logic.workdays import WorkCalendar
from qjtitle.meetings import MeetingInfo
from qjtitle.models import Committee, CorrectionNotice, Meeting, MilestoneRecord
from qjtitle.store import Store, audit

# --- The store side --------------------------------------------------------------


@dataclass
class Schedule:
    """A meeting's plan and check as of ``today``."""

    meeting: MeetingInfo
    today: date
    items: list[Item]
    findings: list[ScheduleFinding] = field(default_factory=list)
    provisional: str = ""  # the provisional warning, or ''

    @property
    def errors(self) -> list[ScheduleFinding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[ScheduleFinding]:
        return [f for f in self.findings if f.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def next_item(self) -> Item | None:
        """The first milestone still to do (by due date), or None when every dated one is done."""
        todo = [
            it
            for it in self.items
            if it.actual_first is None and it.due is not None and it.key != "meeting"
        ]
        return min(todo, key=lambda it: (it.due, _order(it.key))) if todo else None


def _actuals(session: Session, meeting_id: int, as_of: date | None = None) -> dict[str, Actual]:
    """The recorded dates; with ``as_of``, only what had happened by that day (a publicity
    still running then has no last day yet)."""
    records = session.exec(
        select(MilestoneRecord).where(MilestoneRecord.meeting_id == meeting_id)
    ).all()
    if as_of is None:
        return {r.milestone: Actual(r.first, r.last) for r in records}
    return {
        r.milestone: Actual(r.first, r.last if r.last is not None and r.last <= as_of else None)
        for r in records
        if r.first <= as_of
    }


def _evaluate(
    session: Session, m: Meeting, today: date, cal: WorkCalendar, as_of: bool = False
) -> Schedule:
    committee = session.get(Committee, m.committee_id)
    assert committee is not None
    end = meetings.last_day(m)
    actuals = _actuals(session, m.id or 0, today if as_of else None)
    items = layout(cal, m.date, end, committee.level, committee.pool_filed, actuals)
    guessed = any(cal.guessed_days_off(y) for y in range(m.date.year - 1, end.year + 2))
    if guessed and any(it.provisional for it in items):
        # the same plan with the guessed days off taken one way and then the other: where a date
        # differs from the one shown (the earlier, safe one), say what it would otherwise be
        for guessed_off in (True, False):
            other = layout(
                cal.assuming(guessed_off),
                m.date,
                end,
                committee.level,
                committee.pool_filed,
                actuals,
            )
            for it, alt in zip(items, other, strict=True):
                if alt.when != it.when and not it.otherwise:
                    it.otherwise = alt.when
    has_plan, entries = plans.entries_for(session, committee, meetings.evaluation_year(m))
    findings = find_problems(
        cal, items, m.date, end, today, (has_plan, [(e.start, e.end) for e in entries]), m.id
    )
    findings += _chain_findings(session, m, end, actuals, cal, findings)
    if entries:
        meeting_item = next(it for it in items if it.key == "meeting")
        meeting_item.note = "计划评审时间：" + "、".join(f"{e.start} 至 {e.end}" for e in entries)
    problem_keys = {f.milestone for f in findings if f.level == ERROR}
    for it in items:
        _set_status(cal, it, today, it.key in problem_keys)
    return Schedule(
        MeetingInfo.of(m, committee),
        today,
        items,
        findings,
        cal.provisional_warning(
            m.date, *(d for it in items for d in (it.earliest, it.latest) if d)
        ),
    )


def chain_steps(
    session: Session, m: Meeting, end: date, actuals: dict[str, Actual]
) -> dict[str, tuple[date, date | None]]:
    """The season's steps as recorded (SEASON_CHAIN): the milestones, the meeting, and the correction
    notices the committee issued for the meeting's year (their first and last day of issue)."""
    steps: dict[str, tuple[date, date | None]] = {
        k: (a.first, a.last) for k, a in actuals.items() if k in SEASON_CHAIN
    }
    steps["meeting"] = (m.date, end)
    year = meetings.evaluation_year(m)
    issued = sorted(
        n.issued_on
        for n in session.exec(
            select(CorrectionNotice).where(CorrectionNotice.committee_id == m.committee_id)
        )
        if year - 1 <= n.issued_on.year <= year and n.issued_on <= m.date
    )
    if issued:
        steps["corrections"] = (issued[0], issued[-1])
    return steps


def notices_out_of_order(
    session: Session, committee_id: int, day: date, cal: WorkCalendar
) -> list[str]:
    """Why correction notices dated ``day`` would break the season's order (findings.season_chain) of a
    meeting of the committee not yet held: each step before the notices (call for applications,
    推荐公示, submission) that ends after ``day``, each step after them (资格审查, 会前公示 …) that began
    before ``day``. Empty when they may be issued that day. The same check as the filing's."""
    labels = {k: MILESTONES[k].label if k in MILESTONES else CHAIN_LABELS[k] for k in SEASON_CHAIN}
    out: list[str] = []
    ms = session.exec(
        select(Meeting)
        .where(Meeting.committee_id == committee_id, col(Meeting.date) >= day)
        .order_by(col(Meeting.date), col(Meeting.id))
    ).all()
    for m in ms:
        if not day.year <= meetings.evaluation_year(m) <= day.year + 1:
            continue
        end = meetings.last_day(m)
        steps = chain_steps(session, m, end, _actuals(session, m.id or 0))
        steps["corrections"] = (day, day)  # the notices about to be dated, on their own
        for f in season_chain(cal, steps, labels):
            if "corrections" in (f.milestone, f.related):
                basis = f"（{_cite(f.rule)}）" if f.rule else ""
                out.append(f"第{m.id}号会议（{m.date}）：{f.message}{basis}")
    return out


def _chain_findings(
    session: Session,
    m: Meeting,
    end: date,
    actuals: dict[str, Actual],
    cal: WorkCalendar,
    found: list[ScheduleFinding],
) -> list[ScheduleFinding]:
    """The season's order (findings.season_chain), less what the milestone checks already said."""
    wrong = {f.milestone for f in found if f.level == ERROR}  # already said, by their own rule
    labels = {k: MILESTONES[k].label if k in MILESTONES else CHAIN_LABELS[k] for k in SEASON_CHAIN}
    return [
        f
        for f in season_chain(cal, chain_steps(session, m, end, actuals), labels)
        if f.milestone not in wrong and f.related not in wrong
    ]


def _set_status(cal: WorkCalendar, it: Item, today: date, problem: bool) -> None:
    if it.due is not None:
        it.days_left = cal.between(today, it.due)
    if it.key == "meeting":
        assert it.earliest and it.latest
        it.status = (
            "待召开" if today < it.earliest else ("进行中" if today <= it.latest else "已召开")
        )
    elif it.actual_first is not None:
        unfinished = MILESTONES[it.key].kind == WINDOW and it.actual_last is None
        it.status = PROBLEM if problem else (STARTED if unfinished else DONE)
        it.days_left = None
    elif it.due is None:
        it.status = WAITING
    elif it.due < today:
        it.status = OVERDUE
    else:
        it.status = SOON if (it.days_left or 0) <= SOON_WORKDAYS else TODO


def evaluate(
    store: Store,
    meeting_id: int,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
    as_of: bool = False,
) -> Schedule:
    """The plan of a meeting with each milestone's status as of ``today`` and every problem found.
    ``as_of``: what a document dated ``today`` may state, records of later days left out."""
    today = today or date.today()
    cal = calendar or WorkCalendar.load(store_dir=store.directory)
    with store.transaction() as session:
        return _evaluate(session, meetings.get(session, meeting_id), today, cal, as_of)


@dataclass
class Recorded:
    meeting_id: int
    milestone: MilestoneDef
    first: date
    last: date | None
    previous: dict[str, Any] | None  # the record this one replaced
    findings: list[ScheduleFinding]  # what `schedule check` now says about this milestone


class RuleBroken(InvalidValue):
    """``schedule record`` found a rule broken by the date: nothing was written (``findings`` say which)."""

    def __init__(self, label: str, findings: list[ScheduleFinding], **args: Any) -> None:
        super().__init__(
            finding(
                "schedule.rule_broken",
                f"登记的{label}日期违反规则（见上），未登记；请核对日期",
                step=Step.RECORD_ANYWAY,
                hint="确属实情（如已经发生的延误）可照实登记，理由记入审计日志",
                **args,
            )
        )
        self.findings = findings


AFTER_THE_MEETING = ("result-publicity", "post-filing")  # cannot begin before the meeting is held


def record(
    store: Store,
    meeting_id: int,
    milestone: str,
    first: date,
    last: date | None = None,
    note: str = "",
    today: date | None = None,
    calendar: WorkCalendar | None = None,
    user: str | None = None,
    force_reason: str | None = None,
) -> Recorded:
    """Store the actual date (or publicity span) of a milestone; a later record replaces an earlier one.
    A date after today, or one before the meeting it follows, is refused; a date that breaks a rule
    (an error of ``schedule check``) is refused too (:class:`RuleBroken`, nothing written) unless
    ``force_reason`` says why it is recorded as it happened."""
    m = resolve_milestone(milestone)
    _check_recordable(m, first, last)
    when.not_future(first, m.label)
    if force_reason is not None and not force_reason.strip():
        raise InvalidValue(
            finding(
                "schedule.force_needs_reason",
                "照实登记违反规则的日期须写明理由（记入审计日志）",
                field="force_reason",
                hint="写明照实登记的理由",
            )
        )
    today = today or date.today()
    cal = calendar or WorkCalendar.load(store_dir=store.directory)
    with store.transaction() as session:
        meeting = meetings.get(session, meeting_id)
        if m.key in AFTER_THE_MEETING:
            when.not_before(first, m.label, meetings.last_day(meeting), "评审会议")
        previous = _store_record(
            session, meeting, m, first, last, note, user, "schedule record", force_reason or ""
        )
        schedule = _evaluate(session, meeting, today, cal)
        findings = [f for f in schedule.findings if m.key in (f.milestone, f.related)]
        broken = [f for f in findings if f.level == ERROR]
        if broken and force_reason is None:
            # the transaction is rolled back: nothing written
            raise RuleBroken(
                m.label, broken, meeting=meeting_id, milestone=m.key, first=first.isoformat()
            )
    return Recorded(meeting_id, m, first, last, previous, findings)


def record_step(
    session: Session,
    meeting_id: int,
    milestone: str,
    first: date,
    command: str,
    user: str | None = None,
) -> None:
    """Record a milestone that a qjtitle command performs (the draw, a filing export) inside its transaction."""
    m = resolve_milestone(milestone)
    _store_record(session, meetings.get(session, meeting_id), m, first, None, "", user, command)


def _check_recordable(m: MilestoneDef, first: date, last: date | None) -> None:
    if not m.recordable:
        raise InvalidValue(
            finding(
                "schedule.meeting_not_recordable",
                "评审会议的日期在新建会议时已经登记，不需要再登记",
                step=Step.ADD_MEETING,
                hint="如会议改期，请新建会议",
            )
        )
    if last is not None and m.kind != WINDOW:
        raise InvalidValue(
            finding(
                "schedule.no_end_date_here",
                f"{m.label}只有一个日期，没有结束日期；只有推荐公示、会前公示、结果公示有结束日期",
                field="last",
                milestone=m.key,
            )
        )
    if last is not None and last < first:
        raise InvalidValue(f"{m.label}结束日期 {last} 早于开始日期 {first}；请核对")


def _store_record(
    session: Session,
    meeting: Meeting,
    m: MilestoneDef,
    first: date,
    last: date | None,
    note: str,
    user: str | None,
    command: str,
    forced: str = "",
) -> dict[str, Any] | None:
    """Write (or replace) the record of one milestone and its audit event; the record replaced, if any."""
    existing = session.exec(
        select(MilestoneRecord).where(
            MilestoneRecord.meeting_id == meeting.id, MilestoneRecord.milestone == m.key
        )
    ).first()
    previous = None
    if existing is None:
        existing = MilestoneRecord(meeting_id=meeting.id or 0, milestone=m.key, first=first)
    else:
        previous = {"first": existing.first, "last": existing.last, "note": existing.note}
    existing.first, existing.last, existing.note = first, last, note.strip()
    existing.user = user or audit.current_user()
    existing.recorded_at = datetime.now(UTC)
    session.add(existing)
    session.flush()
    audit.record(
        session,
        command,
        "milestone.recorded",
        {
            "meeting": meeting.id,
            "milestone": m.key,
            "first": first,
            "last": last,
            "note": note,
            "previous": previous,
            **({"forced_reason": forced.strip()} if forced else {}),
        },
        user=user,
    )
    return previous


@dataclass(frozen=True)
class MeetingStatus:
    """One meeting of the year at a glance (``qjtitle status``): its next milestone and troubles."""

    meeting: MeetingInfo
    next: str  # the next milestone's label, or ''
    next_when: str
    due: date | None
    days_left: int | None
    overdue: tuple[str, ...]  # labels of overdue milestones
    errors: tuple[str, ...]  # the errors, in words
    warnings: int
    provisional: bool
    findings: tuple[Finding, ...] = ()  # the errors, as findings

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.meeting.as_dict(),
            "next": self.next,
            "next_when": self.next_when,
            "due": self.due,
            "days_left": self.days_left,
            "overdue": list(self.overdue),
            "errors": list(self.errors),
            "warnings": self.warnings,
            "provisional": self.provisional,
            "findings": [f.as_json() for f in self.findings],
        }


def status(
    store: Store,
    year: int | None = None,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
) -> list[MeetingStatus]:
    """Every meeting of ``year`` (default: this year) with its next milestone, most urgent first."""
    today = today or date.today()
    year = year or today.year
    cal = calendar or WorkCalendar.load(store_dir=store.directory)
    rows = []
    with store.transaction() as session:
        found = session.exec(
            select(Meeting)
            .where(Meeting.date >= date(year, 1, 1), Meeting.date <= date(year, 12, 31))
            .order_by(col(Meeting.date), col(Meeting.id))
        ).all()
        for m in found:
            s = _evaluate(session, m, today, cal)
            nxt = s.next_item()
            overdue = [it.label for it in s.items if it.status == OVERDUE]
            rows.append(
                MeetingStatus(
                    s.meeting,
                    nxt.label if nxt else "",
                    nxt.when if nxt else "",
                    nxt.due if nxt else None,
                    nxt.days_left if nxt else None,
                    tuple(overdue),
                    tuple(f.text for f in s.errors),
                    len(s.warnings),
                    bool(s.provisional),
                    tuple(f.finding for f in s.errors),
                )
            )
    # Most urgent first: errors and overdue items, then the nearest next milestone; finished meetings last.
    rows.sort(
        key=lambda r: (
            not (r.errors or r.overdue),
            r.days_left is None,
            r.days_left if r.days_left is not None else 0,
            r.meeting.date,
        )
    )
    return rows


# --- iCalendar -------------------------------------------------------------------


def write_ics(schedule: Schedule, out: Path, stamp: datetime | None = None) -> int:
    """Write the milestones with a date as all-day events of an .ics file; return how many."""
    from icalendar import Calendar, Event

    meeting = schedule.meeting
    prefix = f"{meeting.committee} 会议{meeting.id}"
    cal = Calendar()
    cal.add("prodid", "-//qjtitle//评审会议时间节点//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{prefix} 时间节点")
    stamp = stamp or datetime.now(UTC)
    count = 0
    for it in schedule.items:
        start = it.earliest if it.kind in (SPAN, DAY) else it.latest
        end = it.latest if it.kind in (SPAN, DAY) else start
        if start is None or end is None:
            continue
        event = Event()
        event.add("uid", f"qjtitle-meeting{meeting.id}-{it.key}@qjtitle")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", end + timedelta(days=1))  # all-day events end the day after
        suffix = {LATEST: "（最晚）", RANGE: "（最晚）", SPAN: "", DAY: ""}.get(it.kind, "")
        event.add("summary", f"{'【暂定】' if it.provisional else ''}{prefix}：{it.label}{suffix}")
        lines = [f"时间：{it.when}"]
        if it.rule:
            lines.append(f"依据：{_cite(it.rule)}")
        if it.note:
            lines.append(it.note)
        if it.provisional and schedule.provisional:
            lines.append(schedule.provisional)
        lines.append(
            f"评审会议：{meeting.committee_name}，{meeting.date.isoformat()}，{meeting.place}"
        )
        event.add("description", "\n".join(lines))
        if it.key == "meeting" and meeting.place:
            event.add("location", meeting.place)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
        count += 1
    path = Path(out)
    if not path.parent.is_dir():
        raise NotFound(
            finding(
                "schedule.no_folder",
                f"文件夹 {path.parent} 不存在；请先创建",
                field="out",
                hint="换一个路径",
                folder=str(path.parent),
            )
        )
    try:
        path.write_bytes(cal.to_ical())
    except OSError as exc:
        raise InvalidValue(
            finding(
                "schedule.ics_not_written",
                f"无法写入日历文件 {path}：{exc.strerror}；请关闭正在使用它的程序",
                field="out",
                hint="换一个路径",
                file=str(path),
            )
        ) from None
    return count
