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
lists every violation (``Finding``) of the rules and of the logical order that the
notice asks to verify before platform entry (通知 四).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import rules
from qjtitle.calendar import plan as plans
from qjtitle.calendar.workdays import WEEKDAY_NAMES, WorkCalendar
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.meeting import record as meetings
from qjtitle.models import Committee, Meeting, MilestoneRecord
from qjtitle.rules import Rule
from qjtitle.store import Store, audit

# --- Milestones ------------------------------------------------------------------

DATE = "date"  # one day
WINDOW = "window"  # a publicity, first to last day


@dataclass(frozen=True)
class MilestoneDef:
    key: str
    label: str
    kind: str  # DATE | WINDOW
    rule: Rule | None
    aliases: tuple[str, ...] = ()
    recordable: bool = True


MILESTONES: dict[str, MilestoneDef] = {
    m.key: m
    for m in (
        MilestoneDef(
            "pilot-request", "正高级在线评审试点申请", DATE, rules.FULL_SENIOR_PILOT_REQUEST_BEFORE, ("试点申请", "在线评审申请")
        ),
        MilestoneDef(
            "refiling-request", "专家库重新备案申请", DATE, rules.POOL_REFILING_REQUEST_BEFORE, ("重新备案申请", "重新备案")
        ),
        MilestoneDef("notice", "发布评审通知", DATE, rules.NOTICE_BEFORE_MEETING, ("评审通知", "通知")),
        MilestoneDef("recommendation-publicity", "推荐公示", WINDOW, rules.PUBLICITY_MIN, ("recommendation",)),
        MilestoneDef("pre-publicity", "会前公示", WINDOW, rules.PUBLICITY_MIN, ("pre-meeting-publicity",)),
        MilestoneDef("draw", "抽取评委", DATE, rules.DRAW_BEFORE_MEETING, ("抽取", "抽取专家", "专家抽取")),
        MilestoneDef("pre-filing", "会前备案", DATE, rules.PRE_FILING_BEFORE_MEETING, ("pre-meeting-filing",)),
        MilestoneDef(
            "consent", "核准部门同意召开", DATE, rules.CONSENT_BEFORE_MEETING, ("同意召开", "书面同意", "同意意见")
        ),
        MilestoneDef("meeting", "评审会议", DATE, None, ("会议",), recordable=False),
        MilestoneDef("result-publicity", "结果公示", WINDOW, rules.PUBLICITY_MIN, ()),
        MilestoneDef("post-filing", "会后备案", DATE, rules.POST_FILING_AFTER_MEETING, ("post-meeting-filing",)),
        MilestoneDef("appointment", "收到任职文件", DATE, None, ("任职文件",)),
        MilestoneDef(
            "platform-entry", "系统录入", DATE, rules.PLATFORM_ENTRY_AFTER_APPOINTMENT, ("平台录入", "录入")
        ),
    )
}


def resolve_milestone(name: str) -> MilestoneDef:
    """A milestone by its key, its Chinese name or an alias; InvalidValue listing the names otherwise."""
    wanted = name.strip().lower().replace("_", "-")
    for m in MILESTONES.values():
        if wanted in (m.key, m.label.lower(), *(a.lower() for a in m.aliases)):
            return m
    names = "、".join(f"{m.key}（{m.label}）" for m in MILESTONES.values() if m.recordable)
    raise InvalidValue(f"没有名为“{name}”的时间节点；可登记的有：{names}")


# --- Kinds of planned date, and statuses ---------------------------------------------

LATEST = "latest"  # at the latest on ``latest``
RANGE = "range"  # from ``earliest`` to ``latest``
SPAN = "window"  # a publicity laid out from ``earliest`` to ``latest``
DAY = "day"  # the meeting itself
PENDING = "pending"  # no date yet (waits for another milestone)

DONE = "已完成"
PROBLEM = "有问题"
STARTED = "已开始"
OVERDUE = "逾期"
SOON = "临近"
TODO = "待办"
WAITING = "待定"
SOON_WORKDAYS = 3  # a milestone this many working days away or fewer shows as 临近


@dataclass
class Item:
    """One milestone of the plan, as shown in `qjtitle schedule`."""

    key: str
    label: str
    kind: str  # LATEST | RANGE | SPAN | DAY | PENDING
    rule: Rule | None
    earliest: date | None = None
    latest: date | None = None
    due: date | None = None  # the day "working days left" counts to
    note: str = ""
    actual_first: date | None = None
    actual_last: date | None = None
    days_left: int | None = None
    status: str = ""
    provisional: bool = False
    otherwise: str = ""  # a provisional date's window or deadline if the guessed days off turn out otherwise

    @property
    def when(self) -> str:
        """The window or deadline in words."""
        if self.kind == LATEST and self.latest:
            return f"不晚于 {fmt(self.latest)}"
        if self.kind == RANGE and self.latest:
            return f"{fmt(self.earliest)} 至 {fmt(self.latest)}" if self.earliest else f"不晚于 {fmt(self.latest)}"
        if self.kind in (SPAN, DAY) and self.earliest:
            if self.latest and self.latest != self.earliest:
                return f"{fmt(self.earliest)} 至 {fmt(self.latest)}"
            return fmt(self.earliest)
        return self.note

    @property
    def actual(self) -> str:
        if self.actual_first is None:
            return ""
        if self.actual_last and self.actual_last != self.actual_first:
            return f"{self.actual_first} 至 {self.actual_last}"
        return self.actual_first.isoformat() + ("（未登记结束日期）" if MILESTONES[self.key].kind == WINDOW and not self.actual_last else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "earliest": self.earliest,
            "latest": self.latest,
            "due": self.due,
            "when": self.when,
            "note": self.note,
            "rule": self.rule.text if self.rule else "",
            "source": self.rule.source if self.rule else "",
            "actual_first": self.actual_first,
            "actual_last": self.actual_last,
            "days_left": self.days_left,
            "status": self.status,
            "provisional": self.provisional,
            "otherwise": self.otherwise,
        }


def fmt(day: date | None) -> str:
    """2023-11-13（一）: the weekday matters where a weekend day is a make-up workday."""
    if day is None:
        return ""
    return f"{day.isoformat()}（{WEEKDAY_NAMES[day.weekday()][-1]}）"


@dataclass(frozen=True)
class Actual:
    first: date
    last: date | None = None


def pool_refiling_due(pool_filed: date | None, meeting_day: date) -> bool:
    """True when the pool's filing (valid ``POOL_FILING_YEARS``) has run out by the meeting day:
    the same last valid day as the draw's eligibility (``experts.pool_valid_until``)."""
    if pool_filed is None:
        return False
    from qjtitle.experts.pool import pool_valid_until

    return meeting_day > pool_valid_until(pool_filed)


def _wd(rule: Rule) -> int:
    """A rule's number of working days."""
    return int(rule.value)


def layout(
    cal: WorkCalendar,
    first_day: date,
    last_day: date,
    level: str,
    pool_filed: date | None,
    actual: dict[str, Actual] | None = None,
) -> list[Item]:
    """The planned milestones of a meeting held from ``first_day`` to ``last_day``, in order.

    ``actual`` (recorded dates) moves the milestones that depend on another one:
    the pilot request on the real notice date, the post-meeting filing's earliest
    day on the real end of the result publicity, platform entry on the appointment.
    """
    actual = actual or {}
    publicity = _wd(rules.PUBLICITY_MIN)
    items: dict[str, Item] = {}

    def item(key: str, kind: str, **values: Any) -> Item:
        m = MILESTONES[key]
        items[key] = Item(key, m.label, kind, m.rule, **values)
        return items[key]

    notice_latest = cal.nth_before(first_day, _wd(rules.NOTICE_BEFORE_MEETING))
    # 正高级 committees apply for the online pilot; a committee whose pool filing ran out re-files.
    # Either milestone also shows when it was recorded (附件4 may list a committee whose filing date is not stored).
    if level == rules.LEVELS[0] or "pilot-request" in actual:
        notice_day = actual["notice"].first if "notice" in actual else notice_latest
        item("pilot-request", LATEST, latest=cal.nth_before(notice_day, _wd(rules.FULL_SENIOR_PILOT_REQUEST_BEFORE)),
             note="原则上没有申报评审信息系统的正高级评委会均纳入试点")
    if pool_refiling_due(pool_filed, first_day) or "refiling-request" in actual:
        expired = f"专家库备案已满{_wd(rules.POOL_FILING_YEARS)}年（{pool_filed}）" if pool_filed else "专家库须重新备案"
        item("refiling-request", LATEST, latest=cal.nth_before(first_day, _wd(rules.POOL_REFILING_REQUEST_BEFORE)),
             note=expired)
    item("notice", LATEST, latest=notice_latest)
    filing_latest = cal.nth_before(first_day, _wd(rules.PRE_FILING_BEFORE_MEETING))
    pre_last = cal.nth_before(filing_latest, 1)
    pre_first = cal.nth_before(pre_last, publicity - 1)
    rec_last = cal.nth_before(pre_first, 1)
    rec_first = cal.nth_before(rec_last, publicity - 1)
    item("recommendation-publicity", SPAN, earliest=rec_first, latest=rec_last, note="最晚的安排：须在会前公示开始前结束")
    item("pre-publicity", SPAN, earliest=pre_first, latest=pre_last, note="最晚的安排：须在会前备案前结束")
    item(
        "draw", RANGE, earliest=cal.nth_before(first_day, _wd(rules.DRAW_CONFIDENTIALITY_WARNING)),
        latest=cal.nth_before(first_day, _wd(rules.DRAW_BEFORE_MEETING)),
        note=f"早于会前{_wd(rules.DRAW_CONFIDENTIALITY_WARNING)}个工作日抽取会提示保密期过长",
    )
    item("pre-filing", LATEST, latest=filing_latest, note="须取得核准组建部门同意召开的书面意见")
    item("consent", LATEST, latest=first_day, note="会前备案之后、会议召开之前取得")
    item("meeting", DAY, earliest=first_day, latest=last_day)
    result_first = cal.nth_after(last_day, 1)
    result_last = cal.span_end(result_first, publicity)
    item("result-publicity", SPAN, earliest=result_first, latest=result_last, note="会后最早的安排：须在会后备案前结束")
    publicity_end = actual["result-publicity"].last if "result-publicity" in actual else None
    item(
        "post-filing", RANGE, earliest=cal.nth_after(publicity_end or result_last, 1),
        latest=cal.nth_after(last_day, _wd(rules.POST_FILING_AFTER_MEETING)), note="结果公示结束后",
    )
    item("appointment", PENDING, note="待人社部门印发任职文件")
    if "appointment" in actual:
        item("platform-entry", LATEST, latest=cal.nth_after(actual["appointment"].first, _wd(rules.PLATFORM_ENTRY_AFTER_APPOINTMENT)))
    else:
        item("platform-entry", PENDING, note=f"收到任职文件后{_wd(rules.PLATFORM_ENTRY_AFTER_APPOINTMENT)}个工作日内")
    for it in items.values():
        it.due = it.earliest if it.kind == SPAN else it.latest
        it.provisional = bool(cal.provisional_years(first_day, *(d for d in (it.earliest, it.latest) if d)))
        if it.key in actual:
            it.actual_first, it.actual_last = actual[it.key].first, actual[it.key].last
    return list(items.values())


# --- Findings --------------------------------------------------------------------

ERROR = "error"
WARNING = "warning"


@dataclass
class Finding:
    """One violation (error) or doubt (warning) found by ``schedule check``."""

    level: str  # ERROR | WARNING
    milestone: str  # key ('' for the whole meeting)
    label: str
    day: date | None  # the recorded date concerned
    rule: Rule | None
    allowed: str  # the allowed date, in words
    missed_by: int | None  # working days by which the date misses (None when not a count)
    message: str
    related: str = ""  # the other milestone of an order violation

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "milestone": self.milestone,
            "label": self.label,
            "date": self.day,
            "rule": self.rule.text if self.rule else "",
            "source": self.rule.source if self.rule else "",
            "allowed": self.allowed,
            "missed_by": self.missed_by,
            "message": self.message,
            "related": self.related,
        }


_Add = Callable[..., None]  # find_problems' add(level, item, day, rule, allowed, missed_by, message, related="")


def _level(rule: Rule | None) -> str:
    return WARNING if rule is not None and rule.soft else ERROR


def _cite(rule: Rule) -> str:
    return f"{rule.text}（{rule.source}）"


# Recorded milestones that must come in this order: (earlier, use its last day?, later (its first day), strictly?).
_ORDER: tuple[tuple[str, bool, str, bool], ...] = (
    ("notice", False, "recommendation-publicity", False),
    ("notice", False, "pre-publicity", False),
    ("recommendation-publicity", True, "pre-publicity", True),
    ("pre-filing", False, "consent", False),
    ("result-publicity", True, "appointment", False),
    ("appointment", False, "platform-entry", False),
    ("post-filing", False, "platform-entry", False),
)


def find_problems(
    cal: WorkCalendar,
    items: list[Item],
    first_day: date,
    last_day: date,
    today: date,
    planned_period: tuple[bool, list[tuple[date, date]]] = (False, []),
) -> list[Finding]:
    """Every violation of the rules and of the logical order in the recorded dates."""
    by_key = {it.key: it for it in items}
    found: list[Finding] = []

    def add(
        level: str, it: Item | None, day: date | None, rule: Rule | None, allowed: str, missed: int | None, text: str,
        related: str = "",
    ) -> None:
        label = it.label if it else "评审会议"
        found.append(Finding(level, it.key if it else "", label, day, rule, allowed, missed, text, related))

    def got(key: str, end: bool = False) -> date | None:
        it = by_key.get(key)
        if it is None or it.actual_first is None:
            return None
        return it.actual_last if end else it.actual_first

    filing = got("pre-filing") or by_key["pre-filing"].latest
    for it in items:
        rule = it.rule
        first, last = it.actual_first, it.actual_last
        if first is None:
            _missing(cal, it, first_day, last_day, today, by_key, add)
            continue
        if it.kind in (LATEST, RANGE) and it.latest and rule and first > it.latest:
            n = cal.between(it.latest, first)
            add(_level(rule), it, first, rule, f"不晚于 {fmt(it.latest)}", n,
                f"{it.label}日期 {fmt(first)} 晚于最晚日期 {fmt(it.latest)}，晚了 {n} 个工作日")
        if it.key == "draw":
            if it.earliest and first < it.earliest:
                warn = rules.DRAW_CONFIDENTIALITY_WARNING
                n = cal.between(first, it.earliest)
                add(WARNING, it, first, warn, f"不早于 {fmt(it.earliest)}", n,
                    f"抽取评委日期 {fmt(first)} 比建议的最早日期 {fmt(it.earliest)} 早 {n} 个工作日，专家名单保密期过长")
            if first > filing:
                add(WARNING, it, first, rules.DRAW_WITH_PRE_FILING, f"不晚于会前备案 {fmt(filing)}", cal.between(filing, first),
                    f"抽取评委日期 {fmt(first)} 晚于会前备案 {fmt(filing)}，抽取记录未能随会前备案报送")
        if it.key in ("post-filing", "appointment") and first <= last_day:
            add(ERROR, it, first, rules.LOGICAL_ORDER, f"晚于会议结束日 {fmt(last_day)}", cal.count(first, last_day),
                f"{it.label}日期 {fmt(first)} 不在评审会议（{fmt(last_day)} 结束）之后")
        if MILESTONES[it.key].kind == WINDOW:
            _check_window(cal, it, first, last, first_day, last_day, filing, by_key, add)
        if it.key == "platform-entry" and got("appointment") is None:
            add(ERROR, it, first, rule, "收到任职文件之后", None,
                f"已登记系统录入 {fmt(first)}，但没有登记收到任职文件的日期，无法核对“{rules.PLATFORM_ENTRY_AFTER_APPOINTMENT.text}”；"
                "请用 qjtitle schedule record 会议编号 appointment 日期 补登")
    for before, before_end, after, strict in _ORDER:
        a, b = got(before, before_end), got(after)
        if a is None or b is None or (b > a if strict else b >= a):
            continue
        it = by_key[after]
        n = cal.count(b, a) if strict else cal.between(b, a)
        what = f"{by_key[before].label}{'结束' if before_end else ''}（{fmt(a)}）"
        add(ERROR, it, b, rules.LOGICAL_ORDER, f"{'晚于' if strict else '不早于'} {fmt(a)}", n,
            f"{it.label} {fmt(b)} 在{what}之{'前或同一天' if strict else '前'}，顺序不合逻辑",
            related=before)
    _check_plan(cal, first_day, last_day, planned_period, add)
    warning = cal.provisional_warning(first_day, *(d for it in items for d in (it.earliest, it.latest) if d))
    if warning:
        add(WARNING, None, first_day, None, "", None, warning)
    found.sort(key=lambda f: (f.level != ERROR, _order(f.milestone)))
    return found


_POSITION = {key: i for i, key in enumerate(MILESTONES)}


def _order(key: str) -> int:
    """Where a milestone stands in the procedure (-1 for the meeting as a whole)."""
    return _POSITION.get(key, -1)


def _check_window(
    cal: WorkCalendar, it: Item, first: date, last: date | None, first_day: date, last_day: date, filing: date,
    by_key: dict[str, Item], add: _Add,
) -> None:
    rule = rules.PUBLICITY_MIN
    need = int(rule.value)
    if last is None:
        add(WARNING, it, first, rule, f"至少到 {fmt(cal.span_end(first, need))}", None,
            f"{it.label}从 {fmt(first)} 开始，但没有登记结束日期，无法核对是否满{need}个工作日；"
            f"请在公示结束后用 qjtitle schedule record 会议编号 {it.key} {first} --end 结束日期 补登")
        return
    covered = cal.count(first, last)
    if covered < need:
        add(ERROR, it, first, rule, f"至少到 {fmt(cal.span_end(first, need))}", need - covered,
            f"{it.label} {first} 至 {last} 只有 {covered} 个工作日，少 {need - covered} 个工作日")
    if it.key == "pre-publicity":
        if last >= first_day:
            r = rules.PRE_PUBLICITY_BEFORE_MEETING
            add(ERROR, it, last, r, f"在会议 {fmt(first_day)} 之前结束", cal.count(first_day, last),
                f"会前公示到 {fmt(last)} 才结束，没有在评审会议 {fmt(first_day)} 之前结束")
        elif last > filing:
            r = rules.PRE_PUBLICITY_BEFORE_FILING
            add(WARNING, it, last, r, f"不晚于会前备案 {fmt(filing)}", cal.between(filing, last),
                f"会前公示到 {fmt(last)} 结束，会前备案（{fmt(filing)}）时尚未结束")
    if it.key == "result-publicity":
        if first <= last_day:
            add(ERROR, it, first, rules.LOGICAL_ORDER, f"晚于会议结束日 {fmt(last_day)}", cal.count(first, last_day),
                f"结果公示从 {fmt(first)} 开始，早于评审会议结束（{fmt(last_day)}）")
        post = by_key["post-filing"].actual_first
        if post is not None and last >= post:
            r = rules.RESULT_PUBLICITY_BEFORE_POST_FILING
            add(ERROR, it, last, r, f"在会后备案 {fmt(post)} 之前结束", cal.count(post, last),
                f"结果公示到 {fmt(last)} 才结束，没有在会后备案 {fmt(post)} 之前结束")


def _missing(
    cal: WorkCalendar, it: Item, first_day: date, last_day: date, today: date, by_key: dict[str, Item], add: _Add
) -> None:
    """A milestone not recorded although the day by which it had to happen has passed."""
    if it.key == "meeting" or it.kind == PENDING:
        return
    if it.key == "recommendation-publicity" or it.key == "pre-publicity":
        limit = first_day - timedelta(days=1)  # must have ended before the meeting
    elif it.key == "result-publicity":
        limit = by_key["post-filing"].latest
    else:
        limit = it.latest
    if limit is None or limit >= today:
        return
    soft = it.key == "pilot-request"  # 原则上: a committee with its own system is not in the pilot
    n = cal.between(limit, today)
    hint = "；如本评委会已有申报评审信息系统、不在试点范围内，可忽略" if soft else ""
    add(WARNING if soft else ERROR, it, None, it.rule, f"不晚于 {fmt(limit)}", n,
        f"{it.label}应不晚于 {fmt(limit)}，至今（{fmt(today)}）未登记，已过 {n} 个工作日；"
        f"完成后请用 qjtitle schedule record 会议编号 {it.key} 日期 登记{hint}")


def _check_plan(
    cal: WorkCalendar, first_day: date, last_day: date, planned_period: tuple[bool, list[tuple[date, date]]], add: _Add
) -> None:
    has_plan, periods = planned_period
    if not has_plan:
        return
    rule = rules.PLANNED_PERIOD
    if not periods:
        add(WARNING, None, first_day, rule, "评审计划中的时间", None,
            f"{first_day.year}年度评审计划中没有本评委会；请核对评审计划，或用 qjtitle import-plan 重新导入")
        return
    if any(start <= first_day and last_day <= end for start, end in periods):
        return
    shown = "、".join(f"{s} 至 {e}" for s, e in periods)
    after = [e for _, e in periods if e < last_day]
    n = cal.between(max(after), last_day) if after else None
    late = f"，晚于计划 {n} 个工作日" if n else ""
    add(WARNING, None, first_day, rule, shown, n,
        f"评审会议 {fmt(first_day)} 不在年度评审计划的评审时间（{shown}）内{late}；如有正当理由请在会前备案中说明")


# --- The store side --------------------------------------------------------------


@dataclass
class Schedule:
    """A meeting's plan and check as of ``today``."""

    meeting: dict[str, Any]
    today: date
    items: list[Item]
    findings: list[Finding] = field(default_factory=list)
    provisional: str = ""  # the provisional warning, or ''

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def next_item(self) -> Item | None:
        """The first milestone still to do (by due date), or None when every dated one is done."""
        todo = [it for it in self.items if it.actual_first is None and it.due is not None and it.key != "meeting"]
        return min(todo, key=lambda it: (it.due, _order(it.key))) if todo else None


def _actuals(session: Session, meeting_id: int, as_of: date | None = None) -> dict[str, Actual]:
    """The recorded dates; with ``as_of``, only what had happened by that day (a publicity
    still running then has no last day yet)."""
    records = session.exec(select(MilestoneRecord).where(MilestoneRecord.meeting_id == meeting_id)).all()
    if as_of is None:
        return {r.milestone: Actual(r.first, r.last) for r in records}
    return {
        r.milestone: Actual(r.first, r.last if r.last is not None and r.last <= as_of else None)
        for r in records
        if r.first <= as_of
    }


def _evaluate(session: Session, m: Meeting, today: date, cal: WorkCalendar, as_of: bool = False) -> Schedule:
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
            other = layout(cal.assuming(guessed_off), m.date, end, committee.level, committee.pool_filed, actuals)
            for it, alt in zip(items, other, strict=True):
                if alt.when != it.when and not it.otherwise:
                    it.otherwise = alt.when
    has_plan, entries = plans.entries_for(session, committee, meetings.evaluation_year(m))
    findings = find_problems(cal, items, m.date, end, today, (has_plan, [(e.start, e.end) for e in entries]))
    if entries:
        meeting_item = next(it for it in items if it.key == "meeting")
        meeting_item.note = "计划评审时间：" + "、".join(f"{e.start} 至 {e.end}" for e in entries)
    problem_keys = {f.milestone for f in findings if f.level == ERROR}
    for it in items:
        _set_status(cal, it, today, it.key in problem_keys)
    return Schedule(
        meetings.as_dict(m, committee),
        today,
        items,
        findings,
        cal.provisional_warning(m.date, *(d for it in items for d in (it.earliest, it.latest) if d)),
    )


def _set_status(cal: WorkCalendar, it: Item, today: date, problem: bool) -> None:
    if it.due is not None:
        it.days_left = cal.between(today, it.due)
    if it.key == "meeting":
        assert it.earliest and it.latest
        it.status = "待召开" if today < it.earliest else ("进行中" if today <= it.latest else "已召开")
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
    store: Store, meeting_id: int, today: date | None = None, calendar: WorkCalendar | None = None, as_of: bool = False
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
    findings: list[Finding]  # what `schedule check` now says about this milestone


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
) -> Recorded:
    """Store the actual date (or publicity span) of a milestone; a later record replaces an earlier one."""
    m = resolve_milestone(milestone)
    _check_recordable(m, first, last)
    today = today or date.today()
    cal = calendar or WorkCalendar.load(store_dir=store.directory)
    with store.transaction() as session:
        meeting = meetings.get(session, meeting_id)
        previous = _store_record(session, meeting, m, first, last, note, user, "schedule record")
        schedule = _evaluate(session, meeting, today, cal)
    findings = [f for f in schedule.findings if m.key in (f.milestone, f.related)]
    return Recorded(meeting_id, m, first, last, previous, findings)


def record_step(session: Session, meeting_id: int, milestone: str, first: date, command: str, user: str | None = None) -> None:
    """Record a milestone that a qjtitle command performs (the draw, a filing export) inside its transaction."""
    m = resolve_milestone(milestone)
    _store_record(session, meetings.get(session, meeting_id), m, first, None, "", user, command)


def _check_recordable(m: MilestoneDef, first: date, last: date | None) -> None:
    if not m.recordable:
        raise InvalidValue("评审会议的日期在 qjtitle meeting add 时已经登记，不需要再登记；如会议改期，请新建会议")
    if last is not None and m.kind != WINDOW:
        raise InvalidValue(f"{m.label}只有一个日期，不能加 --end；只有推荐公示、会前公示、结果公示有结束日期")
    if last is not None and last < first:
        raise InvalidValue(f"{m.label}结束日期 {last} 早于开始日期 {first}；请核对")


def _store_record(
    session: Session, meeting: Meeting, m: MilestoneDef, first: date, last: date | None, note: str, user: str | None, command: str
) -> dict[str, Any] | None:
    """Write (or replace) the record of one milestone and its audit event; the record replaced, if any."""
    existing = session.exec(
        select(MilestoneRecord).where(MilestoneRecord.meeting_id == meeting.id, MilestoneRecord.milestone == m.key)
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
        {"meeting": meeting.id, "milestone": m.key, "first": first, "last": last, "note": note, "previous": previous},
        user=user,
    )
    return previous


def status(
    store: Store, year: int | None = None, today: date | None = None, calendar: WorkCalendar | None = None
) -> list[dict[str, Any]]:
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
                {
                    **s.meeting,
                    "next": nxt.label if nxt else "",
                    "next_when": nxt.when if nxt else "",
                    "due": nxt.due if nxt else None,
                    "days_left": nxt.days_left if nxt else None,
                    "overdue": overdue,
                    "errors": [f.message for f in s.errors],
                    "warnings": len(s.warnings),
                    "provisional": bool(s.provisional),
                }
            )
    # Most urgent first: errors and overdue items, then the nearest next milestone; finished meetings last.
    rows.sort(
        key=lambda r: (
            not (r["errors"] or r["overdue"]),
            r["days_left"] is None,
            r["days_left"] if r["days_left"] is not None else 0,
            r["date"],
        )
    )
    return rows


# --- iCalendar -------------------------------------------------------------------


def write_ics(schedule: Schedule, path: Path, stamp: datetime | None = None) -> int:
    """Write the milestones with a date as all-day events of an .ics file; return how many."""
    from icalendar import Calendar, Event

    meeting = schedule.meeting
    prefix = f"{meeting['committee']} 会议{meeting['id']}"
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
        event.add("uid", f"qjtitle-meeting{meeting['id']}-{it.key}@qjtitle")
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
        lines.append(f"评审会议：{meeting['committee_name']}，{meeting['date']}，{meeting['place']}")
        event.add("description", "\n".join(lines))
        if it.key == "meeting" and meeting["place"]:
            event.add("location", meeting["place"])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
        count += 1
    path = Path(path)
    if not path.parent.is_dir():
        raise NotFound(f"文件夹 {path.parent} 不存在；请先创建，或换一个 --ics 路径")
    try:
        path.write_bytes(cal.to_ical())
    except OSError as exc:
        raise InvalidValue(f"无法写入日历文件 {path}：{exc.strerror}；请关闭正在使用它的程序，或换一个 --ics 路径") from None
    return count
