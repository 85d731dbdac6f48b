"""What is wrong with a meeting's schedule: each finding with its level (error or warning), the rule
it breaks and the fix, from the planned dates, the recorded dates and the year's plan.

A :class:`ScheduleFinding` keeps what ``schedule check`` shows (the milestone, the allowed date, the
working days missed); its :attr:`ScheduleFinding.finding` is the same as a :class:`qjtitle.findings.Finding`,
for the renderers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from qjtitle import rules
from qjtitle.calendar.milestones import (
    LATEST,
    MILESTONES,
    OPEN_ENDED,
    PENDING,
    RANGE,
    SEASON_CHAIN,
    STRICT_AFTER,
    WINDOW,
    Item,
    fmt,
)
from qjtitle.findings import Finding, Fix, Severity, Step
from qjtitle.logic.workdays import WorkCalendar
from qjtitle.rules import Rule

# --- Findings --------------------------------------------------------------------

ERROR = "error"
WARNING = "warning"


@dataclass
class ScheduleFinding:
    """One violation (error) or doubt (warning) found by ``schedule check``."""

    level: str  # ERROR | WARNING
    milestone: str  # key ('' for the whole meeting)
    label: str
    day: date | None  # the recorded date concerned
    rule: Rule | None
    allowed: str  # the allowed date, in words
    missed_by: int | None  # working days by which the date misses (None when not a count)
    message: str  # the fact (no command: see ``fix``)
    related: str = ""  # the other milestone of an order violation
    code: str = ""  # "schedule.…"; by default from the rule broken
    fix: Fix | None = None  # what to do, as data

    @property
    def finding(self) -> Finding:
        """The same, as a :class:`qjtitle.findings.Finding` (its facts: the columns of :meth:`as_dict`)."""
        name = _rule_name(self.rule)
        return Finding(
            self.code or f"schedule.{(name or 'problem').lower()}",
            self.message,
            Severity.WARNING if self.level == WARNING else Severity.ERROR,
            name,
            {
                "milestone": self.milestone,
                "label": self.label,
                "date": self.day.isoformat() if self.day else None,
                "allowed": self.allowed,
                "missed_by": self.missed_by,
                "related": self.related,
            },
            self.fix,
        )

    @property
    def text(self) -> str:
        """The fact and what to do, in words (no command): for pages and documents."""
        hint = self.fix.hint if self.fix else ""
        return f"{self.message}；{hint}" if hint else self.message

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


_Add = Callable[
    ..., None
]  # find_problems' add(level, item, day, rule, allowed, missed_by, message, related="", *, code, fix)


def _rule_name(rule: Rule | None) -> str | None:
    """The name of ``rule`` in :mod:`qjtitle.rules` (a finding cites a rule by its name)."""
    if rule is None:
        return None
    return next((n for n, v in vars(rules).items() if v is rule), None)


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
    meeting: int | None = None,
) -> list[ScheduleFinding]:
    """Every violation of the rules and of the logical order in the recorded dates. ``meeting``:
    the meeting's number, for the fixes."""
    by_key = {it.key: it for it in items}
    found: list[ScheduleFinding] = []

    def add(
        level: str,
        it: Item | None,
        day: date | None,
        rule: Rule | None,
        allowed: str,
        missed: int | None,
        text: str,
        related: str = "",
        *,
        code: str = "",
        step: Step | None = None,
        hint: str = "",
        **args: Any,
    ) -> None:
        label = it.label if it else "评审会议"
        fix = (
            Fix(step, None, {"meeting": meeting, **args}, hint)
            if step is not None or hint
            else None
        )
        found.append(
            ScheduleFinding(
                level,
                it.key if it else "",
                label,
                day,
                rule,
                allowed,
                missed,
                text,
                related,
                code,
                fix,
            )
        )

    def got(key: str, end: bool = False) -> date | None:
        it = by_key.get(key)
        if it is None or it.actual_first is None:
            return None
        return it.actual_last if end else it.actual_first

    filing = got("pre-filing") or by_key["pre-filing"].latest
    assert filing is not None  # pre-filing is a LATEST milestone: it always has a latest day
    for it in items:
        rule = it.rule
        first, last = it.actual_first, it.actual_last
        if first is None:
            _missing(cal, it, first_day, last_day, today, by_key, add)
            continue
        if it.kind in (LATEST, RANGE) and it.latest and rule and first > it.latest:
            n = cal.between(it.latest, first)
            add(
                _level(rule),
                it,
                first,
                rule,
                f"不晚于 {fmt(it.latest)}",
                n,
                f"{it.label}日期 {fmt(first)} 晚于最晚日期 {fmt(it.latest)}，晚了 {n} 个工作日",
            )
        if it.key == "draw":
            if it.earliest and first < it.earliest:
                warn = rules.DRAW_CONFIDENTIALITY_WARNING
                n = cal.between(first, it.earliest)
                add(
                    WARNING,
                    it,
                    first,
                    warn,
                    f"不早于 {fmt(it.earliest)}",
                    n,
                    f"抽取评委日期 {fmt(first)} 比建议的最早日期 {fmt(it.earliest)} 早 {n} 个工作日，专家名单保密期过长",
                )
            if first > filing:
                add(
                    WARNING,
                    it,
                    first,
                    rules.DRAW_WITH_PRE_FILING,
                    f"不晚于会前备案 {fmt(filing)}",
                    cal.between(filing, first),
                    f"抽取评委日期 {fmt(first)} 晚于会前备案 {fmt(filing)}，抽取记录未能随会前备案报送",
                )
        if it.key in ("post-filing", "appointment") and first <= last_day:
            add(
                ERROR,
                it,
                first,
                rules.LOGICAL_ORDER,
                f"晚于会议结束日 {fmt(last_day)}",
                cal.count(first, last_day),
                f"{it.label}日期 {fmt(first)} 不在评审会议（{fmt(last_day)} 结束）之后",
            )
        if MILESTONES[it.key].kind == WINDOW:
            _check_window(cal, it, first, last, first_day, last_day, filing, by_key, add)
        if it.key == "platform-entry" and got("appointment") is None:
            add(
                ERROR,
                it,
                first,
                rule,
                "收到任职文件之后",
                None,
                f"已登记系统录入 {fmt(first)}，但没有登记收到任职文件的日期，无法核对“{rules.PLATFORM_ENTRY_AFTER_APPOINTMENT.text}”",
                code="schedule.appointment_not_recorded",
                step=Step.RECORD_DATE,
                hint="请补登收到任职文件的日期",
                milestone="appointment",
            )
    for before, before_end, after, strict in _ORDER:
        a, b = got(before, before_end), got(after)
        if a is None or b is None or (b > a if strict else b >= a):
            continue
        it = by_key[after]
        n = cal.count(b, a) if strict else cal.between(b, a)
        what = f"{by_key[before].label}{'结束' if before_end else ''}（{fmt(a)}）"
        add(
            ERROR,
            it,
            b,
            rules.LOGICAL_ORDER,
            f"{'晚于' if strict else '不早于'} {fmt(a)}",
            n,
            f"{it.label} {fmt(b)} 在{what}之{'前或同一天' if strict else '前'}，顺序不合逻辑",
            related=before,
        )
    _check_plan(cal, first_day, last_day, planned_period, add)
    warning = cal.provisional_warning(
        first_day, *(d for it in items for d in (it.earliest, it.latest) if d)
    )
    if warning:
        add(WARNING, None, first_day, None, "", None, warning)
    found.sort(key=lambda f: (f.level != ERROR, _order(f.milestone)))
    return found


_POSITION = {key: i for i, key in enumerate(MILESTONES)}


def _order(key: str) -> int:
    """Where a milestone stands in the procedure (-1 for the meeting as a whole)."""
    return _POSITION.get(key, -1)


def season_chain(
    cal: WorkCalendar, steps: dict[str, tuple[date, date | None]], labels: dict[str, str]
) -> list[ScheduleFinding]:
    """Every step of the season (``SEASON_CHAIN``: call for applications → 推荐公示 → submission →
    correction notices → 资格审查 → 会前公示 → draw → pre-filing → consent → meeting → 结果公示 →
    post-filing) whose first day comes before the end of a step before it. ``steps``: the recorded
    (first, last) of each step; ``labels``: each step's name."""
    found: list[ScheduleFinding] = []
    latest: tuple[date, str] | None = None  # the latest end so far, and its step
    for key in SEASON_CHAIN:
        if key not in steps:
            continue
        first, last = steps[key]
        if latest is not None:
            before_end, before = latest
            strict = before in STRICT_AFTER
            if first < before_end or (strict and first == before_end):
                what = labels[before] + ("结束" if strict or before == "corrections" else "")
                n = cal.count(first, before_end) if strict else cal.between(first, before_end)
                found.append(
                    ScheduleFinding(
                        ERROR,
                        key,
                        labels[key],
                        first,
                        rules.LOGICAL_ORDER,
                        f"{'晚于' if strict else '不早于'} {fmt(before_end)}",
                        n,
                        f"{labels[key]} {fmt(first)} 在{what}（{fmt(before_end)}）之"
                        f"{'前或同一天' if strict else '前'}，顺序不合逻辑",
                        related=before,
                    )
                )
        end = first if key in OPEN_ENDED else last or first
        if latest is None or end >= latest[0]:
            latest = (end, key)
    return found


def _check_window(
    cal: WorkCalendar,
    it: Item,
    first: date,
    last: date | None,
    first_day: date,
    last_day: date,
    filing: date,
    by_key: dict[str, Item],
    add: _Add,
) -> None:
    rule = rules.PUBLICITY_MIN
    need = int(rule.value)
    if last is None:
        add(
            WARNING,
            it,
            first,
            rule,
            f"至少到 {fmt(cal.span_end(first, need))}",
            None,
            f"{it.label}从 {fmt(first)} 开始，但没有登记结束日期，无法核对是否满{need}个工作日",
            code="schedule.no_end_date",
            step=Step.RECORD_END,
            hint="请在公示结束后补登结束日期",
            milestone=it.key,
            first=first.isoformat(),
        )
        return
    covered = cal.count(first, last)
    if covered < need:
        add(
            ERROR,
            it,
            first,
            rule,
            f"至少到 {fmt(cal.span_end(first, need))}",
            need - covered,
            f"{it.label} {first} 至 {last} 只有 {covered} 个工作日，少 {need - covered} 个工作日",
        )
    if it.key == "pre-publicity":
        if last >= first_day:
            r = rules.PRE_PUBLICITY_BEFORE_MEETING
            add(
                ERROR,
                it,
                last,
                r,
                f"在会议 {fmt(first_day)} 之前结束",
                cal.count(first_day, last),
                f"会前公示到 {fmt(last)} 才结束，没有在评审会议 {fmt(first_day)} 之前结束",
            )
        elif last > filing:
            r = rules.PRE_PUBLICITY_BEFORE_FILING
            add(
                WARNING,
                it,
                last,
                r,
                f"不晚于会前备案 {fmt(filing)}",
                cal.between(filing, last),
                f"会前公示到 {fmt(last)} 结束，会前备案（{fmt(filing)}）时尚未结束",
            )
    if it.key == "result-publicity":
        if first <= last_day:
            add(
                ERROR,
                it,
                first,
                rules.LOGICAL_ORDER,
                f"晚于会议结束日 {fmt(last_day)}",
                cal.count(first, last_day),
                f"结果公示从 {fmt(first)} 开始，早于评审会议结束（{fmt(last_day)}）",
            )
        post = by_key["post-filing"].actual_first
        if post is not None and last >= post:
            r = rules.RESULT_PUBLICITY_BEFORE_POST_FILING
            add(
                ERROR,
                it,
                last,
                r,
                f"在会后备案 {fmt(post)} 之前结束",
                cal.count(post, last),
                f"结果公示到 {fmt(last)} 才结束，没有在会后备案 {fmt(post)} 之前结束",
            )


def _missing(
    cal: WorkCalendar,
    it: Item,
    first_day: date,
    last_day: date,
    today: date,
    by_key: dict[str, Item],
    add: _Add,
) -> None:
    """A milestone not recorded although the day by which it had to happen has passed."""
    if it.key == "meeting" or it.kind == PENDING:
        return
    limit: date | None
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
    ignore = "；如本评委会已有申报评审信息系统、不在试点范围内，可忽略" if soft else ""
    add(
        WARNING if soft else ERROR,
        it,
        None,
        it.rule,
        f"不晚于 {fmt(limit)}",
        n,
        f"{it.label}应不晚于 {fmt(limit)}，至今（{fmt(today)}）未登记，已过 {n} 个工作日{ignore}",
        code="schedule.not_recorded",
        step=Step.RECORD_DATE,
        hint="完成后请登记",
        milestone=it.key,
    )


def _check_plan(
    cal: WorkCalendar,
    first_day: date,
    last_day: date,
    planned_period: tuple[bool, list[tuple[date, date]]],
    add: _Add,
) -> None:
    has_plan, periods = planned_period
    if not has_plan:
        return
    rule = rules.PLANNED_PERIOD
    if not periods:
        add(
            WARNING,
            None,
            first_day,
            rule,
            "评审计划中的时间",
            None,
            f"{first_day.year}年度评审计划中没有本评委会",
            code="schedule.not_in_plan",
            step=Step.IMPORT_PLAN,
            hint="请核对评审计划，或重新导入",
        )
        return
    if any(start <= first_day and last_day <= end for start, end in periods):
        return
    shown = "、".join(f"{s} 至 {e}" for s, e in periods)
    after = [e for _, e in periods if e < last_day]
    n = cal.between(max(after), last_day) if after else None
    late = f"，晚于计划 {n} 个工作日" if n else ""
    add(
        WARNING,
        None,
        first_day,
        rule,
        shown,
        n,
        f"评审会议 {fmt(first_day)} 不在年度评审计划的评审时间（{shown}）内{late}；如有正当理由请在会前备案中说明",
    )
