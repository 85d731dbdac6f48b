"""The year at a glance as a page model: every committee's meetings and deadlines, gathered.

``gather_year`` (``qjtitle status --html``) and ``gather_meeting`` (``qjtitle schedule N --html``)
collect the plan of each meeting from ``schedule.evaluate`` and the working-day calendar into
typed dataclasses: one timeline per committee and meeting on the calendar-day axis of
``timeline`` (holidays, weekends and 调休 make-up workdays shaded), each milestone's planned
window or deadline beside the recorded dates and a status in words, and a month view of the
coming weeks. ``yearpage.render`` fills the shipped template ``templates/year_view.html.j2``.

The page loads nothing: no script, style, font or image from anywhere (a Content-Security-Policy
``default-src 'none'`` in the page itself says so to the browser); the only script is one inline
line, allowed by its hash, that records the page's width for the layout test. It holds no personal
data: committee, meeting date and place, milestones, rules and dates only.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from datetime import date, timedelta

from qjtitle import meetings
from qjtitle.calendar import findings, milestones
from qjtitle.calendar import schedule as schedules
from qjtitle.calendar.milestones import Item
from qjtitle.calendar.schedule import Schedule
from qjtitle.calendar.timeline import Axis, Shape, make_axis
from qjtitle.logic.workdays import HOLIDAY, MAKEUP, WEEKDAY_NAMES, WorkCalendar
from qjtitle.store import Store

MONTH_VIEW_WEEKS = 5  # the month view shows this many weeks from the Monday of today's week


# Status classes of the page (colour and pattern in the CSS; the words are always beside them).
DONE = "done"
PROBLEM = "problem"
STARTED = "started"
OVERDUE = "overdue"
SOON = "soon"
DUE = "due"
PENDING = "pending"
MEETING = "meeting"

STATUS_CLASS = {
    milestones.DONE: DONE,
    milestones.PROBLEM: PROBLEM,
    milestones.STARTED: STARTED,
    milestones.OVERDUE: OVERDUE,
    milestones.SOON: SOON,
    milestones.TODO: DUE,
    milestones.WAITING: PENDING,
}
LEGEND = (
    (DONE, "已完成（登记日期）"),
    (STARTED, "已开始（公示未登记结束日期）"),
    (DUE, "待办（计划窗口或期限）"),
    (SOON, f"临近（{milestones.SOON_WORKDAYS}个工作日内）"),
    (OVERDUE, "逾期（超过的工作日）"),
    (PROBLEM, "有问题（已登记但不合规则）"),
    (PENDING, "待定（等待其他节点）"),
    (MEETING, "评审会议"),
)

# The page's one script: it stores the document's width so that a test can see overflow at 1280 px.
WIDTH_SCRIPT = (
    "document.documentElement.setAttribute('data-scroll-width',"
    " String(document.documentElement.scrollWidth));"
)


def _script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode(
        "ascii"
    )


CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src '{_script_hash(WIDTH_SCRIPT)}'; base-uri 'none'; form-action 'none'"
)


# --- The data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneView:
    """One milestone of a meeting, as the page shows it."""

    key: str
    label: str
    planned: str  # the window or deadline, short
    planned_full: str  # the same with weekdays (schedule's words)
    recorded: str  # the recorded date(s), or ''
    due: date | None
    status: str  # a status class
    status_text: str  # the status in words: 已完成 2023-11-13, 逾期 3 个工作日, ...
    provisional: bool
    rule: str  # the rule's text, or ''
    source: str  # its clause, or ''
    note: str
    problems: tuple[str, ...]  # what `schedule check` says about this milestone
    shapes: tuple[Shape, ...]

    @property
    def title(self) -> str:
        """The hover text: planned vs recorded, status and rule."""
        parts = [
            self.label,
            f"计划：{self.planned_full or '—'}",
            f"实际：{self.recorded or '未登记'}",
            f"状态：{self.status_text}",
        ]
        if self.rule:
            parts.append(f"依据：{self.rule}（{self.source}）")
        if self.note:
            parts.append(self.note)
        return "\n".join(parts + list(self.problems))


@dataclass(frozen=True)
class MeetingView:
    id: int
    committee: str
    first_day: date
    last_day: date
    heading: str
    year: int
    provisional_warning: str
    errors: int
    warnings: int
    milestones: tuple[MilestoneView, ...]
    next_step: str = ""  # the first milestone still to do, in words, for the overview
    overview: tuple[Shape, ...] = ()  # one mark per milestone on the overview's row

    @property
    def trouble(self) -> str:
        """Overdue and problem milestones in words ('' when none)."""
        late = sum(1 for s in self.milestones if s.status == OVERDUE)
        bad = sum(1 for s in self.milestones if s.status == PROBLEM)
        words = [f"逾期 {late} 项"] if late else []
        return "，".join(words + ([f"有问题 {bad} 项"] if bad else []))


@dataclass(frozen=True)
class CommitteeView:
    number: int  # 1, 2, ...: the committee's mark in the month view
    code: str
    name: str
    level: str
    meetings: tuple[MeetingView, ...]


@dataclass(frozen=True)
class DueEntry:
    """Something due on a day of the month view."""

    day: date
    committee: int  # CommitteeView.number
    committee_name: str
    meeting: int
    label: str  # e.g. 会前备案截止
    status: str
    status_text: str


@dataclass(frozen=True)
class DayCell:
    day: date
    heading: str  # 20 or 12月1日 on the first cell and the 1st of a month
    kind: str  # workdays.WORKDAY | MAKEUP | HOLIDAY | WEEKEND
    label: str  # holiday name or 调休上班
    today: bool
    entries: tuple[DueEntry, ...]


@dataclass(frozen=True)
class CommitteeAgenda:
    """Per committee: what is overdue and what falls due in the month view's weeks."""

    number: int
    name: str
    entries: tuple[DueEntry, ...]


@dataclass(frozen=True)
class YearView:
    title: str
    year: int
    today: date
    committees: tuple[CommitteeView, ...]
    axis: Axis | None  # None when there is no meeting
    weeks: tuple[tuple[DayCell, ...], ...]
    agenda: tuple[CommitteeAgenda, ...]
    counts: tuple[tuple[str, str, int], ...]  # (class, words, how many)
    provisional_warnings: tuple[str, ...]
    legend: tuple[tuple[str, str], ...] = LEGEND
    weekday_names: tuple[str, ...] = tuple(n[-1] for n in WEEKDAY_NAMES)
    csp: str = CSP
    script: str = WIDTH_SCRIPT
    months_shown: str = ""

    @property
    def milestones(self) -> list[tuple[CommitteeView, MeetingView, MilestoneView]]:
        return [(c, m, s) for c in self.committees for m in c.meetings for s in m.milestones]


# --- Gathering ---------------------------------------------------------------------------------


def gather_year(
    store: Store,
    year: int | None = None,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
) -> YearView:
    """Every meeting held in ``year`` (default: today's year), grouped by committee."""
    today = today or date.today()
    year = year or today.year
    cal = calendar or WorkCalendar.load(store_dir=store.directory)
    plans = [
        schedules.evaluate(store, m.id, today, cal) for m in meetings.list_all(store, year=year)
    ]
    return build(plans, cal, today, year, f"{year}年度职称评审工作进度")


def gather_meeting(
    store: Store, meeting_id: int, today: date | None = None, calendar: WorkCalendar | None = None
) -> YearView:
    """One meeting's page (``qjtitle schedule N --html``)."""
    today = today or date.today()
    cal = calendar or WorkCalendar.load(store_dir=store.directory)
    plan = schedules.evaluate(store, meeting_id, today, cal)
    m = plan.meeting
    return build([plan], cal, today, m.year, f"评审会议 {m.id} 时间节点：{m.committee_name}")


def _dates(item: Item) -> list[date]:
    return [d for d in (item.earliest, item.latest, item.actual_first, item.actual_last) if d]


def build(plans: list[Schedule], cal: WorkCalendar, today: date, year: int, title: str) -> YearView:
    """The page's data from evaluated schedules (pure: no store)."""
    all_days = [d for p in plans for it in p.items for d in _dates(it)]
    axis = make_axis(cal, min(all_days), max(all_days), today) if all_days else None
    by_committee: dict[str, list[Schedule]] = {}
    for p in sorted(plans, key=lambda p: (p.meeting.date, p.meeting.id)):
        by_committee.setdefault(p.meeting.committee, []).append(p)
    committees = []
    for number, (code, group) in enumerate(by_committee.items(), start=1):
        first = group[0].meeting
        views = tuple(_meeting_view(axis, p) for p in group) if axis else ()
        committees.append(CommitteeView(number, code, first.committee_name, first.level, views))
    weeks, agenda = _month_view(cal, committees, today)
    counts: dict[str, int] = {}
    provisional = 0
    for c in committees:
        for m in c.meetings:
            for s in m.milestones:
                counts[s.status] = counts.get(s.status, 0) + 1
                provisional += s.provisional
    count_rows = [
        (cls, words.split("（")[0], counts.get(cls, 0)) for cls, words in LEGEND if cls != MEETING
    ]
    count_rows.append(("provisional", "暂定", provisional))
    warnings = (cal.provisional_warning(*all_days),) if any(p.provisional for p in plans) else ()
    shown = ""
    if weeks:
        shown = f"{weeks[0][0].day.isoformat()} 至 {weeks[-1][-1].day.isoformat()}"
    return YearView(
        title=title,
        year=year,
        today=today,
        committees=tuple(committees),
        axis=axis,
        weeks=weeks,
        agenda=agenda,
        counts=tuple(count_rows),
        provisional_warnings=warnings,
        months_shown=shown,
    )


def _span_text(first: date | None, last: date | None) -> str:
    """2023-10-30 至 11-03 (the end's year only when it differs); one day with its weekday."""
    if first is None:
        return ""
    if last is None or last == first:
        return milestones.fmt(first)
    end = last.strftime("%m-%d") if last.year == first.year else last.isoformat()
    return f"{first.isoformat()} 至 {end}"


def _planned_text(item: Item) -> str:
    """The planned window or deadline, short enough for its column (the hover text has weekdays)."""
    if item.kind == milestones.LATEST and item.latest:
        # A provisional row carries a 暂定 tag instead of the weekday (the column is narrow).
        return (
            f"不晚于 {item.latest.isoformat() if item.provisional else milestones.fmt(item.latest)}"
        )
    if item.kind in (milestones.RANGE, milestones.SPAN, milestones.DAY) and item.latest:
        return _span_text(item.earliest or item.latest, item.latest)
    return item.note


def _recorded_text(item: Item) -> str:
    if item.actual_first is None:
        return ""
    if item.actual_last is None and milestones.MILESTONES[item.key].kind == milestones.WINDOW:
        return f"{item.actual_first.isoformat()} 起（未登记结束日期）"
    if item.actual_last is None or item.actual_last == item.actual_first:
        return item.actual_first.isoformat()
    return _span_text(item.actual_first, item.actual_last)


def _status(item: Item, problems: list[findings.ScheduleFinding]) -> tuple[str, str]:
    """(status class, status in words) of a milestone."""
    if item.key == "meeting":
        return MEETING, item.status
    cls = STATUS_CLASS.get(item.status, PENDING)
    left = item.days_left
    if cls == DONE:
        return cls, f"已完成 {_recorded_text(item)}"
    if cls == PROBLEM:
        missed = next(
            (f.missed_by for f in problems if f.level == findings.ERROR and f.missed_by), None
        )
        return cls, f"有问题 {_recorded_text(item)}" + (
            f"（差 {missed} 个工作日）" if missed else ""
        )
    if cls == STARTED:
        return cls, f"已开始 {item.actual_first}，未登记结束日期"
    if cls == OVERDUE:
        late = -(left or 0)
        return cls, f"逾期 {late} 个工作日" if late > 0 else "逾期（期限已过）"
    if cls in (SOON, DUE):
        if left == 0:
            return cls, "今天到期"
        return cls, f"{'临近' if cls == SOON else '待办'}，还有 {left} 个工作日"
    return cls, "待定" + (f"：{item.note}" if item.note else "")


def _shapes(axis: Axis, item: Item, view: MilestoneView, today: date) -> list[Shape]:
    """The milestone's rectangles (planned window or deadline, recorded dates, overdue stretch),
    each with a short hover text; the row's own hover text has the rest."""
    shapes: list[Shape] = []
    cls = view.status

    def box(kind: str, a: date, b: date, title: str) -> None:
        a, b = max(a, axis.first), min(b, axis.last)
        if a <= b:
            shapes.append(Shape(kind, axis.x(a), (b - a).days + 1, f"{item.label} {title}"))

    if item.key == "meeting" and item.earliest and item.latest:
        box("meeting", item.earliest, item.latest, view.planned_full)
        return shapes
    plan = "plan-" + cls
    if item.kind in (milestones.RANGE, milestones.SPAN) and item.earliest and item.latest:
        box(plan, item.earliest, item.latest, f"计划：{view.planned_full}")
    if item.kind in (milestones.LATEST, milestones.RANGE) and item.latest:
        box("deadline " + plan, item.latest, item.latest, f"期限：{milestones.fmt(item.latest)}")
    if item.actual_first:
        box(
            "actual-" + cls,
            item.actual_first,
            item.actual_last or item.actual_first,
            f"实际：{view.recorded}",
        )
    if cls == OVERDUE and item.due:
        box("late", item.due + timedelta(days=1), today, view.status_text)
    return shapes


def _meeting_view(axis: Axis | None, plan: Schedule) -> MeetingView:
    m = plan.meeting
    first_day = m.date
    last_day = m.last_day
    when = milestones.fmt(first_day) + (
        f" 至 {milestones.fmt(last_day)}" if last_day != first_day else ""
    )
    heading = f"会议 {m.id}：{when}，{m.place}，{m.size}人"
    views = []
    for it in plan.items:
        found = [f for f in plan.findings if f.milestone == it.key]
        cls, words = _status(it, found)
        view = MilestoneView(
            key=it.key,
            label=it.label,
            planned=_planned_text(it),
            planned_full=it.when,
            recorded=_recorded_text(it),
            due=it.due,
            status=cls,
            status_text=words,
            provisional=it.provisional,
            rule=it.rule.text if it.rule else "",
            source=it.rule.source if it.rule else "",
            note=it.note,
            problems=tuple(
                f"{'错误' if f.level == findings.ERROR else '提示'}：{f.text}" for f in found
            ),
            shapes=(),
        )
        views.append(
            replace(view, shapes=tuple(_shapes(axis, it, view, plan.today)) if axis else ())
        )
    nxt = plan.next_item()
    next_view = next((v for v in views if nxt is not None and v.key == nxt.key), None)
    next_step = (
        f"下一步：{next_view.label} {next_view.planned}（{next_view.status_text}）"
        if next_view
        else "已登记的节点全部完成"
    )
    return MeetingView(
        m.id,
        m.committee,
        first_day,
        last_day,
        heading,
        m.year,
        plan.provisional,
        len(plan.errors),
        len(plan.warnings),
        tuple(views),
        next_step,
        tuple(_overview_marks(axis, plan.items, views)) if axis else (),
    )


def _overview_marks(axis: Axis, items: list[Item], views: list[MilestoneView]) -> list[Shape]:
    """The overview's row of a meeting: a thin line over its whole span, one mark per milestone
    (on its recorded day when done, else on its due day) and the meeting days."""
    days = [d for it in items for d in _dates(it)]
    first, last = max(min(days), axis.first), min(max(days), axis.last)
    marks = [Shape("span", axis.x(first), (last - first).days + 1)]
    for it, v in zip(items, views, strict=True):
        day = it.actual_first or it.due
        if it.key == "meeting" and it.earliest and it.latest:
            marks.append(
                Shape(
                    "meeting",
                    axis.x(it.earliest),
                    (it.latest - it.earliest).days + 1,
                    f"{it.label} {v.planned_full}",
                )
            )
        elif day is not None and axis.first <= day <= axis.last:
            marks.append(
                Shape(f"mark mark-{v.status}", axis.x(day), 1, f"{it.label}：{v.status_text}")
            )
    return marks


def _due_entries(committee: CommitteeView) -> list[DueEntry]:
    """Every dated step still to do (and each meeting day) of a committee."""
    out = []
    for m in committee.meetings:
        for s in m.milestones:
            if s.key == "meeting":
                day = m.first_day
                while day <= m.last_day:
                    out.append(
                        DueEntry(
                            day,
                            committee.number,
                            committee.name,
                            m.id,
                            "评审会议",
                            MEETING,
                            s.status_text,
                        )
                    )
                    day += timedelta(days=1)
                continue
            if s.status not in (DUE, SOON, OVERDUE, STARTED) or s.due is None:
                continue
            what = "开始" if s.key.endswith("publicity") else "截止"
            out.append(
                DueEntry(
                    s.due,
                    committee.number,
                    committee.name,
                    m.id,
                    s.label + what,
                    s.status,
                    s.status_text,
                )
            )
    return out


def _month_view(
    cal: WorkCalendar, committees: list[CommitteeView], today: date
) -> tuple[tuple[tuple[DayCell, ...], ...], tuple[CommitteeAgenda, ...]]:
    start = today - timedelta(days=today.weekday())
    end = start + timedelta(days=7 * MONTH_VIEW_WEEKS - 1)
    entries = [e for c in committees for e in _due_entries(c)]
    weeks = []
    for w in range(MONTH_VIEW_WEEKS):
        cells = []
        for d in range(7):
            day = start + timedelta(days=7 * w + d)
            info = cal.info(day)
            heading = (
                f"{day.month}月{day.day}日" if (day == start or day.day == 1) else str(day.day)
            )
            label = (
                "调休上班" if info.kind == MAKEUP else (info.label if info.kind == HOLIDAY else "")
            )
            todays = tuple(
                sorted((e for e in entries if e.day == day), key=lambda e: (e.committee, e.meeting))
            )
            cells.append(DayCell(day, heading, info.kind, label, day == today, todays))
        weeks.append(tuple(cells))
    agenda = []
    for c in committees:
        mine = [
            e
            for e in _due_entries(c)
            if (start <= e.day <= end and e.day >= today) or e.status == OVERDUE
        ]
        agenda.append(
            CommitteeAgenda(c.number, c.name, tuple(sorted(mine, key=lambda e: (e.day, e.meeting))))
        )
    return tuple(weeks), tuple(agenda)
