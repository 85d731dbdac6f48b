"""The year view's calendar-day axis: non-working days shaded, months, weeks and holidays labelled."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from qjtitle.logic.workdays import HOLIDAY, MAKEUP, WEEKEND, DayInfo, WorkCalendar

AXIS_PAD_DAYS = 5  # calendar days of margin on each side of the earliest and latest date
WEEK_LABELS_MAX_DAYS = 200  # beyond this axis length, Mondays are not numbered (too dense)


@dataclass(frozen=True)
class Shape:
    """One rectangle of a milestone's row, in days from the axis start (the SVG's user units)."""

    cls: str
    x: int
    width: int
    title: str = ""


@dataclass(frozen=True)
class Band:
    """A labelled stretch of the axis header, in percent of its width."""

    cls: str
    left: str
    width: str
    label: str
    title: str = ""


@dataclass(frozen=True)
class Axis:
    """Calendar days from ``first`` to ``last`` (both shown), non-working days shaded."""

    first: date
    last: date
    today: date
    shades: tuple[Shape, ...]  # weekends, holidays and make-up workdays
    months: tuple[Band, ...]
    weeks: tuple[Band, ...]  # Mondays, numbered
    holidays: tuple[Band, ...]  # named holidays and 调休 workdays over the axis
    provisional: tuple[Band, ...]  # years whose 调休 schedule is not published

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def x(self, day: date) -> int:
        return (day - self.first).days

    def pct(self, day: date) -> str:
        return f"{100 * self.x(day) / self.days:.3f}%"

    @property
    def today_x(self) -> int | None:
        return self.x(self.today) if self.first <= self.today <= self.last else None


def _breaks(infos: Iterable[DayInfo]) -> list[tuple[date, date, str, str]]:
    """Runs of days off (kind HOLIDAY when the run holds a holiday, else WEEKEND, with the holidays'
    names) and runs of make-up workdays (MAKEUP), as (first, last, kind, label)."""
    runs: list[tuple[date, date, str, list[str]]] = []
    for info in infos:
        kind = MAKEUP if info.kind == MAKEUP else (None if info.workday else WEEKEND)
        if kind is None:
            continue
        name = re.sub(r"（.*?）", "", info.label) if info.kind == HOLIDAY else ""
        if (
            runs
            and runs[-1][1] + timedelta(days=1) == info.day
            and (runs[-1][2] == MAKEUP) == (kind == MAKEUP)
        ):
            first, _last, run_kind, names = runs[-1]
            runs[-1] = (first, info.day, HOLIDAY if info.kind == HOLIDAY else run_kind, names)
        else:
            runs.append((info.day, info.day, HOLIDAY if info.kind == HOLIDAY else kind, []))
        if name and name != "休息日" and name not in runs[-1][3]:
            runs[-1][3].append(name)
    return [
        (a, b, kind, "、".join(names) or ("放假" if kind == HOLIDAY else ""))
        for a, b, kind, names in runs
    ]


def _main_name(label: str) -> str:
    """The last-named holiday of a break (国庆节 of 中秋节、国庆节): the band is narrow."""
    return label.split("、")[-1]


def make_axis(cal: WorkCalendar, first: date, last: date, today: date) -> Axis:
    """A calendar-day axis covering ``first`` to ``last`` (whole weeks, with a margin)."""
    start = first - timedelta(days=AXIS_PAD_DAYS)
    start -= timedelta(days=start.weekday())
    end = last + timedelta(days=AXIS_PAD_DAYS)
    end += timedelta(days=6 - end.weekday())
    draft = Axis(start, end, today, (), (), (), (), ())
    infos = [cal.info(start + timedelta(days=i)) for i in range(draft.days)]

    def width(a: date, b: date) -> str:
        return f"{100 * ((b - a).days + 1) / draft.days:.3f}%"

    shades: list[Shape] = []
    named: list[Band] = []
    for a, b, kind, label in _breaks(infos):
        span = f"{a.isoformat()}" + (f" 至 {b.isoformat()}" if b != a else "")
        words = {HOLIDAY: f"放假：{label}", MAKEUP: "调休上班", WEEKEND: "周末"}[kind]
        shades.append(Shape(kind, draft.x(a), (b - a).days + 1, f"{span} {words}"))
        if kind == HOLIDAY:
            named.append(
                Band("holiday", draft.pct(a), width(a, b), _main_name(label), f"{span} {words}")
            )
        elif kind == MAKEUP:
            named.append(
                Band("makeup", draft.pct(a), width(a, b), "班", f"{span} 调休上班（周末上班）")
            )
    months = []
    day = start
    while day <= end:
        month_end = min(
            end, (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        )
        label = f"{day.year}年{day.month}月" if day == start or day.month == 1 else f"{day.month}月"
        months.append(Band("month", draft.pct(day), width(day, month_end), label))
        day = month_end + timedelta(days=1)
    weeks = []
    if draft.days <= WEEK_LABELS_MAX_DAYS:
        weeks = [
            Band(
                "week",
                draft.pct(d),
                width(d, d + timedelta(days=6)),
                str(d.day),
                f"{d.isoformat()}（一）起的一周",
            )
            for d in (start + timedelta(days=7 * i) for i in range(draft.days // 7))
        ]
    provisional = []
    for y in cal.provisional_years(start, end):
        a, b = max(start, date(y, 1, 1)), min(end, date(y, 12, 31))
        provisional.append(
            Band(
                "provisional",
                draft.pct(a),
                width(a, b),
                f"{y}年调休未公布：暂定",
                cal.provisional_warning(a),
            )
        )
    return Axis(
        start,
        end,
        today,
        tuple(shades),
        tuple(months),
        tuple(weeks),
        tuple(named),
        tuple(provisional),
    )
