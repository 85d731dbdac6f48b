"""Experts, applicants and drawn experts named the way people name them: by number, by name or by
the 18-digit ID number; meetings by number or by date (with the committee's code when two
committees meet that day). A name (or a day) two share is answered with a question that lists
them, so that the secretary can type the number instead."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select

from qjtitle.errors import InvalidValue, NotFound
from qjtitle.findings import Step, finding
from qjtitle.spreadsheets.text import clean_text, compare_key
from qjtitle.store import Store


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    detail: str = ""  # unit, specialty, committee: what tells two namesakes apart
    id_number: str = ""


def is_number(key: str) -> bool:
    return key.isascii() and key.isdigit() and len(key) < 10


def choose(
    key: str | int,
    candidates: Sequence[Candidate],
    what: str,
    listing: Step,
    **where: Any,
) -> int:
    """The one candidate ``key`` names (number, name or ID number). Several of that name: a
    question listing them; none: where to look them up (``listing``, the step that lists them,
    with its args ``where``)."""
    key = clean_text(str(key))
    if is_number(key):
        number = int(key)
        if not candidates or any(c.id == number for c in candidates):
            return number
        raise NotFound(
            finding(
                "intake.no_such_number",
                f"没有编号为 {number} 的{what}",
                step=listing,
                hint="请查看编号和姓名",
                number=number,
                **where,
            )
        )
    if len(key) == 18:
        found = [c for c in candidates if c.id_number and c.id_number == key.upper()]
    else:
        found = [c for c in candidates if compare_key(c.name) == compare_key(key)]
    if len(found) == 1:
        return found[0].id
    if len(found) > 1:
        shown = "；".join(
            f"编号 {c.id}：{c.name}（{c.detail}）" if c.detail else f"编号 {c.id}：{c.name}"
            for c in found
        )
        raise InvalidValue(
            f"有 {len(found)} 位{what}叫“{key}”，是哪一位？{shown}。请改用编号再输入一次"
        )
    raise NotFound(
        finding(
            "intake.no_such_name",
            f"找不到{what}“{key}”（可写编号、姓名或18位身份证号码）",
            step=listing,
            hint="请查看",
            key=key,
            **where,
        )
    )


def _detail(*parts: object) -> str:
    return "，".join(str(p) for p in parts if p)


def expert_id(store: Store, key: str | int, committee: str | None = None) -> int:
    """An expert of the pool (of ``committee`` when given)."""
    from qjtitle.models import Committee, Expert

    key = clean_text(str(key))
    if is_number(key):
        return int(key)
    with store.transaction() as session:
        query = select(Expert, Committee.code).join(
            Committee, col(Committee.id) == col(Expert.committee_id)
        )
        if committee:
            query = query.where(Committee.code == committee)
        if len(key) == 18:
            query = query.where(Expert.id_number == key.upper())
        rows = session.exec(query).all()
    candidates = [
        Candidate(e.id or 0, e.name, _detail(e.unit, e.specialty, code), e.id_number)
        for e, code in rows
    ]
    return choose(key, candidates, "专家", Step.LIST_EXPERTS)


def applicant_id(store: Store, key: str | int, year: int | None = None) -> int:
    """An applicant of any committee (of ``year`` when given)."""
    from qjtitle.models import Applicant

    key = clean_text(str(key))
    if is_number(key):
        return int(key)
    with store.transaction() as session:
        query = select(Applicant)
        if year:
            query = query.where(Applicant.year == year)
        if len(key) == 18:
            query = query.where(Applicant.id_number == key.upper())
        rows = session.exec(query).all()
    candidates = [
        Candidate(a.id or 0, a.name, _detail(a.unit, a.specialty, f"{a.year}年"), a.id_number)
        for a in rows
    ]
    return choose(key, candidates, "申报人", Step.LIST_APPLICANTS)


def drawn_expert_id(store: Store, draw_id: int, key: str | int) -> int:
    """An expert drawn in draw ``draw_id`` (member or alternate)."""
    from qjtitle.models import DrawPick

    with store.transaction() as session:
        picks = session.exec(
            select(DrawPick).where(DrawPick.draw_id == draw_id).order_by(col(DrawPick.position))
        ).all()
    candidates = [
        Candidate(p.expert_id, p.name, _detail(p.unit, p.specialty, f"第{p.position}位"))
        for p in picks
    ]
    if not candidates:
        key = clean_text(str(key))
        if is_number(key):
            return int(key)
        raise NotFound(
            finding(
                "intake.no_such_draw",
                f"第{draw_id}号抽取记录不存在或没有抽中专家",
                step=Step.LIST_DRAWS,
                hint="请查看",
                record=draw_id,
            )
        )
    return choose(key, candidates, f"第{draw_id}号抽取中的专家", Step.SHOW_DRAW, record=draw_id)


# --- Meetings: by number, by date, by committee and date ------------------------------------------

MEETING_FORMS = (
    "会议编号（如 3）、会议日期（如 2023-11-20）或 评委会代码/日期（如 QJ-WS-ZJ/2023-11-20）"
)
_SEPARATORS = re.compile(r"\s*[/:：@\s]\s*")


def _day(text: str) -> date | None:
    """``text`` as a date written to the day (the spreadsheets' forms), else None."""
    from qjtitle.spreadsheets.dates import parse_date

    parsed = parse_date(text)
    return parsed.value if parsed.value is not None and parsed.precision == "day" else None


def split_meeting_key(key: str) -> tuple[str | None, date | None]:
    """``QJ-WS-ZJ/2023-11-20`` (or the date first, or a space, a colon between) as (committee
    code, day); a date alone as (None, day); anything else as (None, None)."""
    key = clean_text(key)
    day = _day(key)
    if day is not None:
        return None, day
    for match in _SEPARATORS.finditer(key):
        left, right = key[: match.start()], key[match.end() :]
        if left and right:
            if _day(right) is not None and _day(left) is None:
                return left, _day(right)
            if _day(left) is not None and _day(right) is None:
                return right, _day(left)
    return None, None


def meeting_id(store: Store, key: str | int | date, committee: str | None = None) -> int:
    """The meeting ``key`` names: its number; or its date (any day from its first to its last),
    with the committee's code when two committees meet that day (``QJ-WS-ZJ/2023-11-20``, or
    ``committee``). Several meetings that day: a question listing them."""
    from qjtitle.models import Committee, Meeting

    code: str | None = None
    day: date | None = key if isinstance(key, date) else None
    if day is None:
        text = clean_text(str(key))
        if is_number(text) and not (
            len(text) == 8 and _day(text) is not None
        ):  # 20231120 is a date
            return int(text)
        code, day = split_meeting_key(text)
        if day is None:
            raise NotFound(
                finding(
                    "intake.not_a_meeting",
                    f"“{text}”不是会议编号，也不是日期；请写{MEETING_FORMS}",
                    step=Step.LIST_MEETINGS,
                    hint="请查看",
                    key=text,
                )
            )
    assert day is not None
    code = code or (clean_text(committee) if committee else None)
    with store.transaction() as session:
        committees = {c.id: c for c in session.exec(select(Committee)).all()}
        if code is not None:
            wanted = [c for c in committees.values() if compare_key(c.code) == compare_key(code)]
            if not wanted:
                raise NotFound(
                    finding(
                        "intake.no_such_committee",
                        f"没有代码为 {code} 的评委会",
                        step=Step.LIST_COMMITTEES,
                        hint="请查看各评委会的代码",
                        committee=code,
                    )
                )
            code = wanted[0].code
        meetings = session.exec(
            select(Meeting)
            .where(col(Meeting.date) <= day)
            .order_by(col(Meeting.date), col(Meeting.id))
        ).all()
    found = [m for m in meetings if m.date <= day <= (m.end_date or m.date)]
    if code is not None:
        found = [
            m for m in found if compare_key(committees[m.committee_id].code) == compare_key(code)
        ]
    shown = f"{day.year}年{day.month}月{day.day}日"
    if len(found) == 1:
        return found[0].id or 0
    if not found:
        whose = f"评委会 {code} " if code else ""
        raise NotFound(
            finding(
                "intake.no_meeting_that_day",
                f"{whose}{shown}没有评审会议",
                step=Step.LIST_MEETINGS,
                hint="请查看各次会议的编号和日期",
                day=day.isoformat(),
                committee=code,
            )
        )
    listed = "；".join(
        f"会议 {m.id}：{committees[m.committee_id].code}（{committees[m.committee_id].name}）"
        + (f"，{m.place}" if m.place else "")
        for m in found
    )
    advice = "请改用会议编号"
    if len({m.committee_id for m in found}) > 1:
        advice += (
            f"，或写 评委会代码/日期，如 {committees[found[0].committee_id].code}/{day.isoformat()}"
        )
    raise InvalidValue(f"{shown}有 {len(found)} 次评审会议，是哪一次？{listed}。{advice}")
