"""The Chinese working-day calendar (工作日) and the counting rules of DESIGN.md.

A working day is a Monday-to-Friday that is not a statutory holiday, or a weekend
day the State Council made a make-up workday (调休). ``holidays.China`` knows both
for every year whose schedule has been published; a user override file adds years
not yet published and local closures. For a year the calendar does not know, the
calendar counts weekends and statutory holidays (with the substitute days the law
gives for those falling on a weekend) only and says so: every result that depends
on such a year is *provisional*.

Counting (民法典 第二百零一条): the day a period starts from is not counted.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.paths import CALENDAR_FILE_NAME


# Years whose 调休 schedule the holidays package has (the State Council notice of each).
@cache
def official_years() -> frozenset[int]:
    """The years whose 调休 the holidays package knows (the State Council's published notices).
    holidays is imported here, on first use, not with the module: a command that only words a
    milestone (audit list) does not pay for it."""
    from holidays.countries.china import ChinaStaticHolidays

    return frozenset(ChinaStaticHolidays.special_public_holidays)


def last_official_year() -> int:
    return max(official_years())


def __getattr__(name: str) -> Any:
    if name == "OFFICIAL_YEARS":
        return official_years()
    if name == "LAST_OFFICIAL_YEAR":
        return last_official_year()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_SEARCH_LIMIT_DAYS = 3660  # no period of the notice reaches ten years

WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# Kinds of day, for `calendar show`.
WORKDAY = "workday"  # an ordinary Monday-to-Friday
MAKEUP = "makeup"  # a weekend day worked (调休上班)
HOLIDAY = "holiday"  # a holiday or substitute day off on a weekday (or a weekend holiday)
WEEKEND = "weekend"  # an ordinary Saturday or Sunday


class CalendarFileError(QjtitleError):
    """The override file is malformed."""


@dataclass
class Overrides:
    """What a user's calendar file adds to the official calendar."""

    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    complete_years: set[int] = field(default_factory=set)  # years fully described by the file
    source: Path | None = None


def load_overrides(path: Path) -> Overrides:
    """Read a TOML override file.

    Format::

        complete_years = [2027]          # the file holds the whole 调休 schedule of these years
        [holidays]                        # extra days off
        2027-02-08 = "春节"
        [workdays]                        # make-up workdays (weekend days worked)
        2027-02-20 = "春节调休上班"
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CalendarFileError(
            finding(
                "calendar.file_missing",
                f"找不到日历文件 {path}",
                field="calendar",
                hint="核对路径，或不指定日历文件，只用国务院公布的安排",
                path=str(path),
            )
        ) from None
    except IsADirectoryError:
        raise CalendarFileError(f"{path} 是文件夹，不是日历文件；请指定 .toml 文件") from None
    except UnicodeDecodeError:
        raise CalendarFileError(
            f"日历文件 {path} 不是 UTF-8 编码；请用记事本“另存为 UTF-8”后重试"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarFileError(
            f"日历文件 {path} 格式错误：{exc}；请对照 README 中的示例修改"
        ) from None
    known = {"holidays", "workdays", "complete_years"}
    unknown = set(data) - known
    if unknown:
        raise CalendarFileError(
            f"日历文件 {path} 有无法识别的项：{'、'.join(sorted(unknown))}；只允许 {'、'.join(sorted(known))}"
        )
    result = Overrides(source=Path(path))
    for section, target in (("holidays", result.holidays), ("workdays", result.workdays)):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise CalendarFileError(f"日历文件 {path}：[{section}] 应为“日期 = 说明”的列表")
        for key, label in table.items():
            day = _parse_key_date(key, path, section)
            target[day] = str(label)
    clash = set(result.holidays) & set(result.workdays)
    if clash:
        days = "、".join(d.isoformat() for d in sorted(clash))
        raise CalendarFileError(
            f"日历文件 {path}：{days} 同时出现在 [holidays] 和 [workdays] 中，请删去其一"
        )
    years = data.get("complete_years", [])
    if not isinstance(years, list) or not all(
        isinstance(y, int) and not isinstance(y, bool) for y in years
    ):
        raise CalendarFileError(f"日历文件 {path}：complete_years 应为年份列表，例如 [2027]")
    result.complete_years = set(years)
    return result


def _parse_key_date(key: object, path: Path, section: str) -> date:
    if isinstance(key, date):
        return key
    try:
        return date.fromisoformat(str(key).strip().strip('"'))
    except ValueError:
        raise CalendarFileError(
            f"日历文件 {path}：[{section}] 中的“{key}”不是日期，应写成 2027-02-08 的形式"
        ) from None


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) from 2023-10, 2023/10, 2023.10, 202310 or 2023年10月."""
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-./年]\s*)?(\d{1,2})\s*月?\s*", text)
    if match and 1 <= int(match[2]) <= 12:
        return int(match[1]), int(match[2])
    raise InvalidValue(f"“{text}”不是月份；请写成 2023-10 的形式")


@dataclass(frozen=True)
class DayInfo:
    """One day as `calendar show` prints it."""

    day: date
    workday: bool
    kind: str  # WORKDAY | MAKEUP | HOLIDAY | WEEKEND
    label: str  # the holiday's name, "调休上班", or the override's text; "" for an ordinary day
    source: str  # "官方" | "暂定" (year not published) | "自定义" (override file)

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "weekday": WEEKDAY_NAMES[self.day.weekday()],
            "workday": self.workday,
            "kind": self.kind,
            "label": self.label,
            "source": self.source,
        }


class WorkCalendar:
    """Working days per the official calendar plus the user's overrides."""

    def __init__(self, overrides: Overrides | None = None):
        self.overrides = overrides or Overrides()
        from holidays import country_holidays

        self._cn = country_holidays("CN", language="zh_CN")  # years are populated lazily on lookup
        self._memo: dict[date, bool] = {}
        self.assume: bool | None = None  # see assuming()

    def assuming(self, guessed_off: bool) -> WorkCalendar:
        """This calendar with one assumption about guessed substitute days off for every count, in
        both directions (to show the other possible date beside a provisional one)."""
        other = WorkCalendar(self.overrides)
        other.assume = guessed_off
        return other

    @classmethod
    def load(cls, path: Path | None = None, store_dir: Path | None = None) -> WorkCalendar:
        """The calendar with ``path``'s overrides, or those of ``qjtitle.calendar.toml`` in ``store_dir``."""
        if path is not None:
            return cls(load_overrides(path))
        if store_dir is not None and (store_dir / CALENDAR_FILE_NAME).is_file():
            return cls(load_overrides(store_dir / CALENDAR_FILE_NAME))
        return cls()

    def is_known_year(self, year: int) -> bool:
        """True when the year's make-up workdays are known (published, or in the override file)."""
        return year <= last_official_year() or year in self.overrides.complete_years

    def provisional_years(self, *days: date) -> list[int]:
        """The years from the earliest to the latest of ``days`` whose 调休 schedule is not known yet."""
        if not days:
            return []
        first, last = min(days).year, max(days).year
        return [y for y in range(first, last + 1) if not self.is_known_year(y)]

    def provisional_warning(self, *days: date) -> str:
        """The Chinese warning for results that depend on unknown years, or '' when there is none
        (:meth:`provisional_finding` as one line, without its step)."""
        found = self.provisional_finding(*days)
        if found is None:
            return ""
        return f"{found.message}；{found.fix.hint}" if found.fix else found.message

    def provisional_finding(self, *days: date) -> Finding | None:
        """The warning for results that depend on unknown years (None when there is none): what
        was assumed, day by day, and which way each kind of deadline leans."""
        years = self.provisional_years(*days)
        if not years:
            return None
        listed = "、".join(f"{y}年" for y in years)
        guessed = [d for y in years for d in self.guessed_days_off(y)]
        if guessed:
            shown = "、".join(f"{d:%m-%d}" if len(years) == 1 else f"{d}" for d in guessed)
            assumed = (
                f"按周末和法定节假日推算；另有 {shown} 是按往年惯例推测的补假（未公布），"
                "往前数的期限（会前各节点）按这些日子放假算，往后数的期限（会后各节点）按这些日子上班算，"
                "两种情况都取较早、较稳妥的日期"
            )
        else:
            assumed = "只按周末和法定节假日推算（未假设任何补假或调休上班）"
        return finding(
            "calendar.provisional",
            f"{listed}的调休安排尚未公布，相关日期为暂定：{assumed}",
            step=Step.CHECK_CALENDAR,
            hint="国务院公布后，请在日历补充文件中补上该年的调休，并写明该年已完整",
            severity=Severity.WARNING,
            years=years,
        )

    def guessed_days_off(self, year: int) -> list[date]:
        """Weekdays of a year whose schedule is not published that the holidays library guesses are
        substitute days off (补假); none for a known year."""
        if self.is_known_year(year):
            return []
        _ = date(year, 1, 1) in self._cn  # populate the year
        return sorted(
            d
            for d, name in self._cn.items()
            if d.year == year
            and "补假" in name
            and d.weekday() < 5
            and d not in self.overrides.workdays
            and d not in self.overrides.holidays
        )

    def _guessed_off(self, day: date) -> bool:
        if self.is_known_year(day.year) or day.weekday() >= 5:
            return False
        if day in self.overrides.workdays or day in self.overrides.holidays:
            return False
        return "补假" in (self._cn.get(day) or "")

    def describe(self, day: date) -> str:
        """Why ``day`` is or is not a working day ('' for an ordinary one)."""
        return self.info(day).label

    def info(self, day: date) -> DayInfo:
        """What kind of day ``day`` is, why, and on whose authority."""
        weekend = day.weekday() >= 5
        if day in self.overrides.workdays:
            return DayInfo(
                day, True, MAKEUP if weekend else WORKDAY, self.overrides.workdays[day], "自定义"
            )
        if day in self.overrides.holidays:
            return DayInfo(day, False, HOLIDAY, self.overrides.holidays[day], "自定义")
        if day.year <= last_official_year():
            source = "官方"
        else:
            source = "自定义" if day.year in self.overrides.complete_years else "暂定"
        name = self._cn.get(day)  # populates the year once, including its weekend_workdays
        if name:
            if source == "暂定" and "补假" in name and not weekend:
                name = name.replace("补假", "补假，推测")
            return DayInfo(day, False, HOLIDAY, name, source)
        if weekend:
            if day in self._cn.weekend_workdays:
                return DayInfo(day, True, MAKEUP, "调休上班", source)
            return DayInfo(day, False, WEEKEND, "", source)
        return DayInfo(day, True, WORKDAY, "", source)

    def month(self, year: int, month: int) -> list[DayInfo]:
        """Every day of a month."""
        _, days = _stdlib_calendar.monthrange(year, month)
        return [self.info(date(year, month, d)) for d in range(1, days + 1)]

    def is_workday(self, day: date, guessed_off: bool = True) -> bool:
        """Whether ``day`` is worked. ``guessed_off=False``: a guessed substitute day off of a year not
        published yet counts as worked (see :meth:`nth_after`)."""
        if self.assume is not None:
            guessed_off = self.assume
        if not guessed_off and self._guessed_off(day):
            return True
        known = self._memo.get(day)
        if known is None:
            if day in self.overrides.workdays:
                known = True
            elif day in self.overrides.holidays:
                known = False
            else:
                known = self._cn.is_working_day(day)
            self._memo[day] = known
        return known

    def shift(self, start: date, n: int, guessed_off: bool = True) -> date:
        """The n-th working day after ``start`` (n > 0) or before it (n < 0); ``start`` not counted."""
        if n == 0:
            raise ValueError("n must not be 0")
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        day = start
        for _ in range(_SEARCH_LIMIT_DAYS):
            day += step
            if self.is_workday(day, guessed_off):
                remaining -= 1
                if remaining == 0:
                    return day
        raise ValueError(f"no {n}-th working day from {start} within ten years")

    def nth_before(self, day: date, n: int) -> date:
        """'N working days before D': the N-th working day counting back from D, D not counted."""
        return self.shift(day, -n)

    def nth_after(self, day: date, n: int) -> date:
        """'Within N working days after D': the N-th working day after D, D not counted. In a year whose
        schedule is not published, the guessed substitute days off count as worked, so the deadline comes
        out no later than the real one (counting back, :meth:`nth_before` takes them as days off: also
        no later)."""
        return self.shift(day, n, guessed_off=False)

    def count(self, first: date, last: date, guessed_off: bool = True) -> int:
        """Working days from ``first`` to ``last``, both ends counted (0 when last < first)."""
        total = 0
        day = first
        while day <= last:
            if self.is_workday(day, guessed_off):
                total += 1
            day += timedelta(days=1)
        return total

    def between(self, start: date, end: date) -> int:
        """Signed working days from ``start`` to ``end``, ``start`` not counted (today → deadline)."""
        if end >= start:
            return self.count(start + timedelta(days=1), end)
        return -self.count(end + timedelta(days=1), start)

    def span_end(self, first: date, n: int) -> date:
        """The last day of the shortest span from ``first`` that covers ``n`` working days."""
        start = self.next_workday(first)
        return start if n == 1 else self.shift(start, n - 1)

    def next_workday(self, day: date) -> date:
        """``day`` itself when it is a working day, else the next one."""
        return day if self.is_workday(day) else self.shift(day, 1)


@dataclass
class CalendarCheck:
    """The result of checking an override file: what it holds and what looks wrong."""

    path: Path
    overrides: Overrides
    warnings: list[str] = field(default_factory=list)


def check_file(path: Path) -> CalendarCheck:
    """Read an override file (raising CalendarFileError when malformed) and list what looks wrong in it."""
    overrides = load_overrides(path)
    official = WorkCalendar()  # without the file: what each day would be
    result = CalendarCheck(Path(path), overrides)
    warnings = result.warnings
    for day, label in sorted(overrides.workdays.items()):
        if official.is_workday(day):
            warnings.append(
                f"[workdays] {day}（{WEEKDAY_NAMES[day.weekday()]}）本来就是工作日，“{label}”这一项不起作用；请核对日期"
            )
    for day, label in sorted(overrides.holidays.items()):
        if not official.is_workday(day):
            reason = official.describe(day) or "周末"
            warnings.append(
                f"[holidays] {day}（{WEEKDAY_NAMES[day.weekday()]}）本来就是休息日（{reason}），“{label}”这一项不起作用；请核对日期"
            )
    listed_years = {d.year for d in (*overrides.holidays, *overrides.workdays)}
    for year in sorted(
        y for y in listed_years - overrides.complete_years if y > last_official_year()
    ):
        warnings.append(
            f"{year}年的日期已写入本文件，但 {year} 不在 complete_years 中，该年仍按“暂定”处理；"
            f"如果本文件已写全国务院公布的 {year} 年调休安排，请写 complete_years = [{year}]"
        )
    for year in sorted(overrides.complete_years):
        if year not in listed_years:
            warnings.append(
                f"complete_years 中的 {year} 年在 [holidays]、[workdays] 中没有任何日期；"
                f"请补充该年的节假日和调休上班日，否则 {year} 年只按周末和法定节假日计算却不再提示“暂定”"
            )
        elif year <= last_official_year():
            warnings.append(
                f"{year}年的调休安排已由国务院公布并内置，本文件中该年的日期会覆盖内置安排；请确认确有必要"
            )
    return result
