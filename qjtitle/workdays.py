"""The Chinese working-day calendar (工作日) and the counting rules of DESIGN.md.

A working day is a Monday-to-Friday that is not a statutory holiday, or a weekend
day the State Council made a make-up workday (调休). ``holidays.China`` knows both
for every year whose schedule has been published; a user override file adds years
not yet published and local closures. For a year the calendar does not know, the
calendar counts weekends and statutory holidays only and says so: every result
that depends on such a year is *provisional*.

Counting (民法典 第二百零一条): the day a period starts from is not counted.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import holidays
from holidays.countries.china import ChinaStaticHolidays

from qjtitle.errors import QjtitleError

CALENDAR_FILE_NAME = "qjtitle.calendar.toml"

# Years whose 调休 schedule the holidays package has (the State Council notice of each).
OFFICIAL_YEARS = frozenset(ChinaStaticHolidays.special_public_holidays)

_SEARCH_LIMIT_DAYS = 3660  # no period of the notice reaches ten years


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
        raise CalendarFileError(f"找不到日历文件 {path}") from None
    except UnicodeDecodeError:
        raise CalendarFileError(f"日历文件 {path} 不是 UTF-8 编码；请用记事本“另存为 UTF-8”后重试") from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarFileError(f"日历文件 {path} 格式错误：{exc}；请对照 README 中的示例修改") from None
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
        raise CalendarFileError(f"日历文件 {path}：{days} 同时出现在 [holidays] 和 [workdays] 中，请删去其一")
    years = data.get("complete_years", [])
    if not isinstance(years, list) or not all(isinstance(y, int) for y in years):
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


class WorkCalendar:
    """Working days per the official calendar plus the user's overrides."""

    def __init__(self, overrides: Overrides | None = None):
        self.overrides = overrides or Overrides()
        self._cn = holidays.China(language="zh_CN")  # years are populated lazily on lookup

    @classmethod
    def load(cls, path: Path | None = None, store_dir: Path | None = None) -> WorkCalendar:
        """The calendar with ``path``'s overrides, or those of ``qjtitle.calendar.toml`` in ``store_dir``."""
        if path is not None:
            return cls(load_overrides(path))
        if store_dir is not None and (store_dir / CALENDAR_FILE_NAME).is_file():
            return cls(load_overrides(store_dir / CALENDAR_FILE_NAME))
        return cls()

    @cached_property
    def _last_official_year(self) -> int:
        return max(OFFICIAL_YEARS)

    def is_known_year(self, year: int) -> bool:
        """True when the year's make-up workdays are known (published, or in the override file)."""
        return year <= self._last_official_year or year in self.overrides.complete_years

    def provisional_years(self, *days: date) -> list[int]:
        """The years among ``days`` whose 调休 schedule is not known yet."""
        return sorted({d.year for d in days if not self.is_known_year(d.year)})

    def describe(self, day: date) -> str:
        """Why ``day`` is or is not a working day ('' for an ordinary one)."""
        if day in self.overrides.workdays:
            return self.overrides.workdays[day]
        if day in self.overrides.holidays:
            return self.overrides.holidays[day]
        if day in self._cn:
            return self._cn.get(day)
        self._cn._populate(day.year)  # noqa: SLF001 - fills weekend_workdays for the year
        if day in self._cn.weekend_workdays:
            return "调休上班"
        return ""

    def is_workday(self, day: date) -> bool:
        if day in self.overrides.workdays:
            return True
        if day in self.overrides.holidays:
            return False
        return self._cn.is_working_day(day)

    def shift(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (n > 0) or before it (n < 0); ``start`` not counted."""
        if n == 0:
            raise ValueError("n must not be 0")
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        day = start
        for _ in range(_SEARCH_LIMIT_DAYS):
            day += step
            if self.is_workday(day):
                remaining -= 1
                if remaining == 0:
                    return day
        raise ValueError(f"no {n}-th working day from {start} within ten years")

    def nth_before(self, day: date, n: int) -> date:
        """'N working days before D': the N-th working day counting back from D, D not counted."""
        return self.shift(day, -n)

    def nth_after(self, day: date, n: int) -> date:
        """'Within N working days after D': the N-th working day after D, D not counted."""
        return self.shift(day, n)

    def count(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last``, both ends counted (0 when last < first)."""
        total = 0
        day = first
        while day <= last:
            if self.is_workday(day):
                total += 1
            day += timedelta(days=1)
        return total

    def between(self, start: date, end: date) -> int:
        """Signed working days from ``start`` to ``end``, ``start`` not counted (today → deadline)."""
        if end >= start:
            return self.count(start + timedelta(days=1), end)
        return -self.count(end + timedelta(days=1), start)

    def covers(self, first: date, last: date, n: int) -> bool:
        """'At least N working days' for a span shown from ``first`` to ``last``, both counted."""
        return self.count(first, last) >= n

    def next_workday(self, day: date) -> date:
        """``day`` itself when it is a working day, else the next one."""
        return day if self.is_workday(day) else self.shift(day, 1)
