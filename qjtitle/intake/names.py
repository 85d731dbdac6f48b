"""Experts, applicants and drawn experts named the way people name them: by number, by name or by
the 18-digit ID number. A name two people share is answered with a question that lists them,
so that the secretary can type the number instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from qjtitle.errors import InvalidValue, NotFound
from qjtitle.spreadsheets import clean_text, compare_key
from qjtitle.store import Store


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    detail: str = ""  # unit, specialty, committee: what tells two namesakes apart
    id_number: str = ""


def is_number(key: str) -> bool:
    return key.isascii() and key.isdigit() and len(key) < 10


def choose(key: str | int, candidates: Sequence[Candidate], what: str, listing: str) -> int:
    """The one candidate ``key`` names (number, name or ID number). Several of that name: a
    question listing them; none: where to look them up (``listing``, a command)."""
    key = clean_text(str(key))
    if is_number(key):
        number = int(key)
        if not candidates or any(c.id == number for c in candidates):
            return number
        raise NotFound(f"没有编号为 {number} 的{what}；用 {listing} 查看编号和姓名")
    if len(key) == 18:
        found = [c for c in candidates if c.id_number and c.id_number == key.upper()]
    else:
        found = [c for c in candidates if compare_key(c.name) == compare_key(key)]
    if len(found) == 1:
        return found[0].id
    if len(found) > 1:
        shown = "；".join(f"编号 {c.id}：{c.name}（{c.detail}）" if c.detail else f"编号 {c.id}：{c.name}" for c in found)
        raise InvalidValue(f"有 {len(found)} 位{what}叫“{key}”，是哪一位？{shown}。请改用编号再输入一次")
    raise NotFound(f"找不到{what}“{key}”（可写编号、姓名或18位身份证号码）；用 {listing} 查看")


def _detail(*parts: object) -> str:
    return "，".join(str(p) for p in parts if p)


def expert_id(store: Store, key: str | int, committee: str | None = None) -> int:
    """An expert of the pool (of ``committee`` when given)."""
    from qjtitle.models import Committee, Expert

    key = clean_text(str(key))
    if is_number(key):
        return int(key)
    with store.transaction() as session:
        query = select(Expert, Committee.code).join(Committee, col(Committee.id) == col(Expert.committee_id))
        if committee:
            query = query.where(Committee.code == committee)
        if len(key) == 18:
            query = query.where(Expert.id_number == key.upper())
        rows = session.exec(query).all()
    candidates = [
        Candidate(e.id or 0, e.name, _detail(e.unit, e.specialty, code), e.id_number) for e, code in rows
    ]
    return choose(key, candidates, "专家", "qjtitle experts list")


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
        Candidate(a.id or 0, a.name, _detail(a.unit, a.specialty, f"{a.year}年"), a.id_number) for a in rows
    ]
    return choose(key, candidates, "申报人", "qjtitle applicants list")


def drawn_expert_id(store: Store, draw_id: int, key: str | int) -> int:
    """An expert drawn in draw ``draw_id`` (member or alternate)."""
    from qjtitle.models import DrawPick

    with store.transaction() as session:
        picks = session.exec(select(DrawPick).where(DrawPick.draw_id == draw_id).order_by(col(DrawPick.position))).all()
    candidates = [Candidate(p.expert_id, p.name, _detail(p.unit, p.specialty, f"第{p.position}位")) for p in picks]
    if not candidates:
        key = clean_text(str(key))
        if is_number(key):
            return int(key)
        raise NotFound(f"第{draw_id}号抽取记录不存在或没有抽中专家；用 qjtitle draw list 查看")
    return choose(key, candidates, f"第{draw_id}号抽取中的专家", f"qjtitle draw show {draw_id}")
