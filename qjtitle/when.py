"""Nothing impossible is recorded: a fact is never dated after today, nor before what it depends on.

Every writer that takes a date (applicants expire, meeting seal, draw sign and confirm, schedule
record, votes) checks it here. :func:`today` is the clock these checks read; tests fix it with
``monkeypatch.setattr(qjtitle.when, "today", lambda: date(2023, 11, 20))``. (Defaults such as a
draw's day or a schedule's "today" still read ``date.today()`` where they are taken.)
"""

from __future__ import annotations

from datetime import date

from qjtitle.errors import InvalidValue


class ImpossibleDate(InvalidValue):
    """A date that cannot be true: after today, or before what it depends on."""


def today() -> date:
    """Today, on this computer's clock."""
    return date.today()


def not_future(day: date, what: str) -> None:
    """Refuse ``day`` after today: ``what`` (a fact) cannot have happened yet."""
    now = today()
    if day > now:
        raise ImpossibleDate(
            f"{what}的日期 {day} 在今天（{now}）之后，还没有发生，不能登记；"
            "请写实际的日期，等到那一天再登记（如电脑日期不对，请先校正系统日期）"
        )


def not_before(day: date, what: str, earlier: date, earlier_what: str) -> None:
    """Refuse ``day`` before ``earlier``: ``what`` depends on ``earlier_what``, which came first."""
    if day < earlier:
        raise ImpossibleDate(
            f"{what}的日期 {day} 早于{earlier_what}（{earlier}），不可能发生；请核对日期"
        )


def meeting_held(meeting_day: date, what: str) -> None:
    """Refuse a step taken today (``what``: 封存, 录入表决结果) before the meeting it records is held;
    ``meeting_day`` is the day the step may first be taken (the last day of a multi-day meeting)."""
    now = today()
    if now < meeting_day:
        raise ImpossibleDate(
            f"评审会议（{meeting_day}）还没有开过（今天是 {now}），不能{what}；请在会后再{what}"
            "（如电脑日期不对，请先校正系统日期）"
        )


def fact_date(day: date | None, what: str, after: date | None = None, after_what: str = "") -> date:
    """The date of a fact about to be recorded (today when not given), checked both ways."""
    day = day or today()
    not_future(day, what)
    if after is not None:
        not_before(day, what, after, after_what)
    return day
