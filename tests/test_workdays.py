"""The working-day calendar on real dates around make-up workdays, its override file, and its laws."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from qjtitle import rules
from qjtitle.errors import InvalidValue
from qjtitle.logic import workdays
from qjtitle.logic.workdays import (
    CalendarFileError,
    WorkCalendar,
    check_file,
    load_overrides,
    parse_month,
)

CAL = WorkCalendar()
UNPUBLISHED = (
    2027  # the year these tests treat as one whose 调休 the State Council has not published
)


@pytest.fixture(autouse=True)
def _unpublished_year(monkeypatch: pytest.MonkeyPatch) -> None:
    """2027 stays unpublished for these tests once ``holidays`` ships its 调休: the calendar then
    guesses it, as it will any later year (LAST_OFFICIAL_YEAR is read at each call)."""
    if workdays.LAST_OFFICIAL_YEAR >= UNPUBLISHED:
        monkeypatch.setattr(workdays, "LAST_OFFICIAL_YEAR", UNPUBLISHED - 1)


# --- Real dates (2023: National Day and Mid-Autumn joined, make-up Sat 10-07 and Sun 10-08) ---


def test_five_working_days_before_a_monday_meeting_is_the_monday_before() -> None:
    assert CAL.nth_before(date(2023, 11, 20), int(rules.DRAW_BEFORE_MEETING.value)) == date(
        2023, 11, 13
    )
    assert CAL.nth_before(date(2023, 11, 20), int(rules.PRE_FILING_BEFORE_MEETING.value)) == date(
        2023, 11, 13
    )


def test_five_working_days_before_counts_the_make_up_weekend() -> None:
    # Tue 10-10 ← Mon 10-09, Sun 10-08 (make-up), Sat 10-07 (make-up), [09-29 .. 10-06 off], Thu 09-28, Wed 09-27
    assert CAL.nth_before(date(2023, 10, 10), 5) == date(2023, 9, 27)


def test_post_filing_deadline_skips_national_day_and_counts_make_up_days() -> None:
    deadline = CAL.nth_after(date(2023, 9, 28), int(rules.POST_FILING_AFTER_MEETING.value))
    assert deadline == date(2023, 10, 25)
    assert CAL.count(date(2023, 9, 29), deadline) == 15
    assert CAL.is_workday(date(2023, 10, 7)) and CAL.is_workday(date(2023, 10, 8))
    assert not CAL.is_workday(date(2023, 10, 2)) and not CAL.is_workday(date(2023, 9, 29))


def test_publicity_across_national_day() -> None:
    assert CAL.count(date(2023, 9, 27), date(2023, 10, 8)) == 4
    assert CAL.count(date(2023, 9, 27), date(2023, 10, 8)) < int(rules.PUBLICITY_MIN.value)
    assert CAL.count(date(2023, 9, 26), date(2023, 10, 8)) >= int(rules.PUBLICITY_MIN.value)
    assert CAL.span_end(date(2023, 9, 27), 5) == date(2023, 10, 9)
    assert CAL.span_end(date(2023, 9, 26), 5) == date(2023, 10, 8)


def test_between_is_signed_and_excludes_the_start() -> None:
    assert CAL.between(date(2023, 9, 25), date(2023, 10, 9)) == 6  # 09-26, 27, 28, 10-07, 08, 09
    assert CAL.between(date(2023, 10, 9), date(2023, 9, 25)) == -6
    assert CAL.between(date(2023, 11, 13), date(2023, 11, 13)) == 0


def test_describe_and_month() -> None:
    assert CAL.describe(date(2023, 10, 7)) == "调休上班"
    assert CAL.describe(date(2023, 10, 2)) == "国庆节"
    assert CAL.describe(date(2023, 10, 10)) == ""
    october = CAL.month(2023, 10)
    assert len(october) == 31
    assert sum(d.workday for d in october) == 19
    assert [d.day.day for d in october if d.kind == "makeup"] == [7, 8]
    assert {d.source for d in october} == {"官方"}


def test_describe_does_not_disturb_the_calendar() -> None:
    """Describing every day of a provisional year must not add substitute holidays (a bug once)."""
    cal = WorkCalendar()
    before = [cal.is_workday(date(2027, 3, d)) for d in range(1, 32)]
    fresh = WorkCalendar()
    for offset in range(365):
        fresh.describe(date(2027, 1, 1) + timedelta(days=offset))
    assert [fresh.is_workday(date(2027, 3, d)) for d in range(1, 32)] == before
    assert fresh.count(date(2027, 1, 1), date(2027, 12, 31)) > 240


# --- Provisional years and the override file -------------------------------------------


def test_unpublished_year_is_provisional_until_the_file_covers_it(tmp_path: Path) -> None:
    assert CAL.provisional_years(date(2026, 12, 1)) == []
    assert CAL.provisional_years(date(2027, 3, 1)) == [2027]
    assert CAL.provisional_years(date(2026, 12, 1), date(2028, 1, 5)) == [2027, 2028]
    assert "2027年的调休安排尚未公布" in CAL.provisional_warning(date(2027, 3, 1))
    assert CAL.info(date(2027, 2, 8)).source == "暂定"
    f = tmp_path / "qjtitle.calendar.toml"
    f.write_text(
        'complete_years = [2027]\n[holidays]\n2027-02-12 = "春节"\n[workdays]\n2027-02-20 = "春节调休上班"\n',
        encoding="utf-8",
    )
    cal = WorkCalendar.load(store_dir=tmp_path)
    assert cal.provisional_years(date(2027, 3, 1)) == []
    assert cal.provisional_warning(date(2027, 3, 1)) == ""
    assert cal.is_workday(date(2027, 2, 20)) and cal.describe(date(2027, 2, 20)) == "春节调休上班"
    assert not cal.is_workday(date(2027, 2, 12)) and cal.info(date(2027, 2, 12)).source == "自定义"
    assert cal.info(date(2027, 6, 1)).source == "自定义"


def test_override_path_wins_over_the_store_folder(tmp_path: Path) -> None:
    (tmp_path / "qjtitle.calendar.toml").write_text("complete_years = [2027]\n", encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text("", encoding="utf-8")
    assert WorkCalendar.load(other, tmp_path).provisional_years(date(2027, 1, 4)) == [2027]
    assert WorkCalendar.load(None, tmp_path / "missing").provisional_years(date(2027, 1, 4)) == [
        2027
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[holidays]\n2027-02-30 = 'x'\n", "不是日期"),
        ("[holidays]\nsoon = 'x'\n", "“soon”不是日期"),
        ("complete_years = 2027\n", "complete_years 应为年份列表"),
        ("[holiday]\n2027-02-08 = 'x'\n", "无法识别的项：holiday"),
        (
            "[holidays]\n2027-02-08 = 'a'\n[workdays]\n2027-02-08 = 'b'\n",
            "同时出现在 [holidays] 和 [workdays] 中",
        ),
        ("[holidays\n", "格式错误"),
    ],
)
def test_malformed_override_files_are_refused(tmp_path: Path, text: str, fragment: str) -> None:
    f = tmp_path / "cal.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        load_overrides(f)


def test_override_file_not_utf8_or_missing(tmp_path: Path) -> None:
    f = tmp_path / "cal.toml"
    f.write_bytes('[holidays]\n2027-02-08 = "春节"\n'.encode("gbk"))
    with pytest.raises(CalendarFileError, match="不是 UTF-8 编码"):
        load_overrides(f)
    with pytest.raises(CalendarFileError, match="找不到日历文件"):
        load_overrides(tmp_path / "nope.toml")


def test_check_file_warns_about_entries_that_do_nothing_or_miss_a_year(tmp_path: Path) -> None:
    f = tmp_path / "cal.toml"
    f.write_text(
        "complete_years = [2029]\n"
        "[holidays]\n2023-10-07 = '本地'\n2028-02-08 = '春节'\n"
        "[workdays]\n2023-10-09 = '多余'\n",
        encoding="utf-8",
    )
    result = check_file(f)
    text = "\n".join(result.warnings)
    assert "[workdays] 2023-10-09（星期一）本来就是工作日" in text
    assert (
        "[holidays] 2023-10-07（星期六）本来就是休息日" not in text
    )  # a make-up Saturday: closing it is real
    assert "2028年的日期已写入本文件，但 2028 不在 complete_years 中" in text
    assert "complete_years 中的 2029 年在 [holidays]、[workdays] 中没有任何日期" in text
    assert len(result.overrides.holidays) == 2


def test_check_file_flags_a_holiday_on_a_day_already_off(tmp_path: Path) -> None:
    f = tmp_path / "cal.toml"
    f.write_text("[holidays]\n2023-10-02 = '国庆'\n", encoding="utf-8")
    assert check_file(f).warnings == [
        "[holidays] 2023-10-02（星期一）本来就是休息日（国庆节），“国庆”这一项不起作用；请核对日期"
    ]


def test_parse_month() -> None:
    assert parse_month("2023-10") == (2023, 10)
    assert parse_month("2023年1月") == (2023, 1)
    with pytest.raises(InvalidValue, match="不是月份"):
        parse_month("2023-13")


# --- Laws (hypothesis) -------------------------------------------------------------------

days = st.dates(min_value=date(2022, 1, 1), max_value=date(2028, 12, 31))
counts = st.integers(min_value=1, max_value=45)


@settings(max_examples=examples(150), deadline=None)
@given(days, counts)
def test_adding_then_subtracting_returns_to_a_working_day_at_or_before_the_start(
    day: date, n: int
) -> None:
    back = CAL.nth_before(CAL.nth_after(day, n), n)
    assert back <= day
    assert CAL.is_workday(back)
    if CAL.provisional_years(day, CAL.nth_after(day, n)):
        return  # forward and back lean differently on guessed days off (both earlier): only back <= day
    if CAL.is_workday(day):
        assert back == day
    else:  # the last working day before a day off
        assert CAL.count(back + timedelta(days=1), day) == 0


@settings(max_examples=examples(150), deadline=None)
@given(days, counts)
def test_counting_agrees_with_stepping(day: date, n: int) -> None:
    after, before = CAL.nth_after(day, n), CAL.nth_before(day, n)
    assert CAL.count(day + timedelta(days=1), after, guessed_off=False) == n
    assert CAL.count(before, day - timedelta(days=1)) == n
    assert CAL.is_workday(after, guessed_off=False) and CAL.is_workday(before)
    if not CAL.provisional_years(day, after):
        assert CAL.between(day, after) == n and CAL.between(after, day) == -n


def test_a_provisional_year_says_what_it_assumes_and_leans_early_both_ways() -> None:
    """2027 is not published: the library guesses 补假 on 02-09/10, 05-03/04 and 10-04/05. Counting
    back from a meeting takes them as days off, counting forward as worked: both deadlines earlier."""
    guessed = CAL.guessed_days_off(2027)
    assert date(2027, 10, 4) in guessed and date(2027, 2, 9) in guessed
    warning = CAL.provisional_warning(date(2027, 10, 8))
    assert "10-04" in warning and "往前数的期限（会前各节点）按这些日子放假算" in warning
    assert "往后数的期限（会后各节点）按这些日子上班算" in warning
    assert "只按周末和法定节假日推算" not in warning
    # 2027-09-30 (Thu) + 3 working days: 10-04 and 10-05 worked → 10-06, not 10-08
    assert CAL.nth_after(date(2027, 9, 30), 3) == date(2027, 10, 6)
    # 2027-10-08 (Fri) - 3 working days: 10-07, 10-06, then 10-04/05 off → 09-30, not 10-05
    assert CAL.nth_before(date(2027, 10, 8), 3) == date(2027, 9, 30)
    assert CAL.info(date(2027, 10, 4)).label == "国庆节（补假，推测）"
    assert CAL.nth_after(date(2023, 9, 27), 3) == CAL.shift(
        date(2023, 9, 27), 3
    )  # published years: one answer


@settings(max_examples=examples(150), deadline=None)
@given(days, counts)
def test_a_span_end_is_the_shortest_span_covering_n(day: date, n: int) -> None:
    end = CAL.span_end(day, n)
    assert CAL.is_workday(end)
    assert CAL.count(day, end) >= n
    assert CAL.count(day, end - timedelta(days=1)) < n
