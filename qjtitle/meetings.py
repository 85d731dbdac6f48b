"""Meetings (评审会议): create, list, look up.

A meeting belongs to one committee and has a (first) day, an optional last day, a
place and the number of committee members (评委会人数) it is composed of: odd
(通知 三（二）) and at least the committee's minimum. Its ``id`` is the MEETING
argument of every later command (schedule, draw, attendance, votes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import committees, rules
from qjtitle.errors import AlreadyExists, InvalidValue, NotFound
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.models import Applicant, Committee, Meeting
from qjtitle.store import Store, audit


def get(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        ids = session.exec(select(Meeting.id).order_by(col(Meeting.id).desc()).limit(10)).all()
        known = (
            "、".join(str(i) for i in sorted(i for i in ids if i is not None))
            if ids
            else "（尚无评审会议）"
        )
        raise NotFound(
            finding(
                "meeting.not_found",
                f"没有编号为 {meeting_id} 的评审会议；最近的会议编号：{known}",
                step=Step.LIST_MEETINGS if ids else Step.ADD_MEETING,
                hint="请查看已有的会议" if ids else "请先新建评审会议",
                number=meeting_id,
            )
        )
    return meeting


def evaluation_year(meeting: Meeting) -> int:
    """The evaluation year (评审年度) the meeting decides: set at ``meeting add --year``, else its date's year
    (a 2023 evaluation may meet in January 2024)."""
    return meeting.year or meeting.date.year


def last_day(meeting: Meeting) -> date:
    """The last meeting day (the first when the meeting lasts one day)."""
    return meeting.end_date or meeting.date


def size_findings(committee: Committee, size: int) -> tuple[list[Finding], list[Finding]]:
    """(errors, warnings) about a meeting's committee size."""
    errors: list[Finding] = []
    warnings: list[Finding] = []
    odd = rules.COMMITTEE_SIZE_ODD
    if size < 1 or size % int(odd.value) != 1:
        errors.append(
            finding(
                "meeting.size_even",
                f"评委会人数 {size} 无效：{odd.text}（{odd.source}）",
                hint=f"请改为单数，如 {max(size + 1 - size % 2, 1)}",
                rule="COMMITTEE_SIZE_ODD",
                size=size,
            )
        )
    if committee.min_size is not None and size < committee.min_size:
        errors.append(
            finding(
                "meeting.size_below_minimum",
                f"评委会人数 {size} 少于评委会 {committee.code} 的最少人数 {committee.min_size}",
                step=Step.SHOW_COMMITTEE,
                hint=f"请增加到至少 {committee.min_size} 人，或核对评委会的设置",
                size=size,
                committee=committee.code,
                min_size=committee.min_size,
            )
        )
    elif committee.min_size is None and committee.level in rules.LEVELS[:2]:
        floor = rules.SENIOR_MIN_SIZE_SPECIALTY
        if size < int(floor.value):
            warnings.append(
                finding(
                    "meeting.size_below_senior_floor",
                    f"评委会人数 {size} 少于{floor.text}（{floor.source}）",
                    hint="如省里另有规定可忽略，否则请增加人数，或在评委会中设定最少人数",
                    rule="SENIOR_MIN_SIZE_SPECIALTY",
                    severity=Severity.WARNING,
                    size=size,
                )
            )
    return errors, warnings


def size_problems(committee: Committee, size: int) -> tuple[list[str], list[str]]:
    """:func:`size_findings` as lines (the fact and what to do, without a command)."""
    errors, warnings = size_findings(committee, size)
    return [_line(f) for f in errors], [_line(f) for f in warnings]


def _line(found: Finding) -> str:
    hint = found.fix.hint if found.fix else ""
    return f"{found.message}；{hint}" if hint else found.message


def joined(found: list[Finding]) -> Finding:
    """Several errors of one check as one finding: every fact told in order, each with what to do
    in words, the last with its fix (and its code)."""
    *rest, last = found
    return replace(last, message="；".join([*(_line(f) for f in rest), last.message]))


def add(
    store: Store,
    committee_code: str,
    day: date,
    size: int,
    place: str = "",
    end_date: date | None = None,
    user: str | None = None,
    year: int | None = None,
) -> tuple[Meeting, list[Finding]]:
    """Create a meeting; return it and the warnings (a size below a soft minimum, a day off)."""
    if end_date is not None and end_date < day:
        raise InvalidValue(
            finding(
                "meeting.end_before_start",
                f"会议结束日期 {end_date} 早于开始日期 {day}",
                field="end_date",
                end_date=end_date.isoformat(),
                day=day.isoformat(),
            )
        )
    if end_date == day:
        end_date = None
    if year is not None and not day.year - 1 <= year <= day.year:
        raise InvalidValue(f"评审年度 {year} 与会议日期 {day} 不符；评审年度只能是会议当年或上一年")
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        errors, warnings = size_findings(committee, size)
        if errors:
            raise InvalidValue(joined(errors))
        warnings += off_days(store, day, end_date)
        clash = session.exec(
            select(Meeting).where(Meeting.committee_id == committee.id, Meeting.date == day)
        ).first()
        if clash is not None:
            raise AlreadyExists(
                finding(
                    "meeting.exists",
                    f"评委会 {committee.code} 在 {day} 已有评审会议（编号 {clash.id}）",
                    step=Step.SHOW_MEETING,
                    hint="不要重复新建；请查看",
                    meeting=clash.id,
                    committee=committee.code,
                    day=day.isoformat(),
                )
            )
        meeting = Meeting(
            committee_id=committee.id or 0,
            date=day,
            end_date=end_date,
            place=place.strip(),
            size=size,
            year=year if year not in (None, day.year) else None,
        )
        session.add(meeting)
        session.flush()
        audit.record(
            session, "meeting add", "meeting.created", as_dict(meeting, committee), user=user
        )
    return meeting, warnings


@dataclass(frozen=True)
class MeetingInfo:
    """A meeting with its committee's code, name and level, as listed and shown."""

    id: int
    committee: str
    committee_name: str
    level: str
    date: dt.date
    end_date: dt.date | None
    place: str
    size: int
    year: int  # the evaluation year

    @classmethod
    def of(cls, meeting: Meeting, committee: Committee) -> MeetingInfo:
        return cls(
            meeting.id or 0,
            committee.code,
            committee.name,
            committee.level,
            meeting.date,
            meeting.end_date,
            meeting.place,
            meeting.size,
            evaluation_year(meeting),
        )

    @property
    def last_day(self) -> dt.date:
        return self.end_date or self.date

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (``--json`` and the audit log)."""
        return {
            "id": self.id,
            "committee": self.committee,
            "committee_name": self.committee_name,
            "level": self.level,
            "date": self.date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "place": self.place,
            "size": self.size,
            "year": self.year,
        }


def as_dict(meeting: Meeting, committee: Committee) -> dict[str, Any]:
    return MeetingInfo.of(meeting, committee).as_dict()


def list_all(
    store: Store, committee_code: str | None = None, year: int | None = None
) -> list[MeetingInfo]:
    """Meetings by date, optionally of one committee and one year."""
    with store.transaction() as session:
        query = select(Meeting, Committee).where(Meeting.committee_id == Committee.id)
        if committee_code:
            query = query.where(Meeting.committee_id == committees.get(session, committee_code).id)
        if year is not None:
            query = query.where(
                Meeting.date >= date(year, 1, 1), Meeting.date <= date(year, 12, 31)
            )
        rows = session.exec(query.order_by(col(Meeting.date), col(Meeting.id))).all()
        return [MeetingInfo.of(m, c) for m, c in rows]


def show(store: Store, meeting_id: int) -> MeetingInfo:
    with store.transaction() as session:
        meeting = get(session, meeting_id)
        committee = session.get(Committee, meeting.committee_id)
        assert committee is not None  # a foreign key
        return MeetingInfo.of(meeting, committee)


def off_days(store: Store, day: date, end_date: date | None = None) -> list[Finding]:
    """Warnings for meeting days that are not working days (a public holiday, a weekend)."""
    from datetime import timedelta

    from qjtitle.logic.workdays import HOLIDAY, WorkCalendar

    calendar = WorkCalendar.load(store_dir=store.directory)
    found = []
    current = day
    while current <= (end_date or day):
        info = calendar.info(current)
        if not info.workday:
            what = f"法定节假日（{info.label}）" if info.kind == HOLIDAY and info.label else "周末"
            found.append(
                finding(
                    "meeting.day_off",
                    f"{current}（{'一二三四五六日'[current.weekday()]}）是{what}，不是工作日",
                    hint="请核对会议日期",
                    severity=Severity.WARNING,
                    day=current.isoformat(),
                )
            )
        current += timedelta(days=1)
    return found


def meeting_applicants(session: Session, meeting: Meeting) -> list[Applicant]:
    """The applicants of the meeting: its committee's, of the meeting's year, not withdrawn."""
    return list(
        session.exec(
            select(Applicant).where(
                Applicant.committee_id == meeting.committee_id,
                Applicant.year == evaluation_year(meeting),
                col(Applicant.status).notin_(rules.INACTIVE_STATUSES),
            )
        )
    )
