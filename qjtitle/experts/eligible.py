"""Who may be drawn for a meeting (资格): eligible on its date, or excluded by the first reason.

An expert is eligible for a meeting when, on the meeting date, they are active,
their term (at most 3 years) covers the date, the pool's filing (valid 3 years)
covers the date, their title level fits the committee, their specialty is among
the requested ones, and no recusal applies: not from the same work unit as an
applicant of the meeting (a setting, on by default) and no declared conflict with
one. Each excluded expert is counted under the first of these reasons, in this
order, so that a pool too small for a draw explains itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from qjtitle import meetings, rules
from qjtitle.errors import InvalidValue
from qjtitle.experts import recusal
from qjtitle.logic.draw_inputs import Candidate
from qjtitle.logic.terms import add_years, pool_valid_until
from qjtitle.models import Committee, Conflict, DrawAnswer, DrawRecord, Expert, Meeting
from qjtitle.spreadsheets.text import clean_text, compare_key

# Exclusion reasons, in the order they are tried.
REASONS = {
    "inactive": "已停用",
    "term": "任期未覆盖会议日期",
    "pool_filing": "专家库备案未覆盖会议日期",
    "level": "职称级别不符",
    "specialty": "专业不在所需范围",
    "same_unit": recusal.SAME_UNIT_REASON,
    "conflict": recusal.CONFLICT_REASON,
    "declined": "已谢绝参加本次评审",
    "drawn": "已被本次评审抽中（补抽时）",
    "unit_full": "所在单位已达每单位上限（补抽时）",
}
ONLY_WHEN_PRESENT = (
    "declined",
    "drawn",
    "unit_full",
)  # reasons shown only when they removed someone


@dataclass
class Eligibility:
    """The eligible experts of a meeting (sorted by id) and the others, by first reason."""

    on: date
    eligible: list[Candidate]
    excluded: dict[str, list[dict[str, Any]]]  # reason → [{"id", "name", "specialty", "detail"}]
    specialties: tuple[str, ...] = ()  # requested, in the pool's spelling
    same_unit: bool = True

    def counts(self) -> dict[str, int]:
        """Every reason's count; ``declined`` and ``drawn`` only when a redraw or a fill left someone out for it."""
        return {
            reason: len(self.excluded.get(reason, []))
            for reason in REASONS
            if reason not in ONLY_WHEN_PRESENT or self.excluded.get(reason)
        }

    def summary(self) -> str:
        """已停用 3 人，任期未覆盖会议日期 5 人… (reasons that removed nobody left out)."""
        parts = [f"{REASONS[r]} {n} 人" for r, n in self.counts().items() if n]
        return "，".join(parts) if parts else "无"

    def by_specialty(self, specialty: str) -> str:
        """The exclusions among the experts of one specialty, for a too-small-pool message."""
        parts = []
        for reason, items in self.excluded.items():
            n = sum(1 for i in items if i["specialty"] == specialty)
            if n:
                parts.append(f"{REASONS[reason]} {n} 人")
        return "，".join(parts) if parts else "无"


def declined_for(
    session: Session, meeting_id: int, before_draw: int | None = None
) -> dict[int, str]:
    """Experts who declined to serve at a meeting (their latest answer in some draw of it is a
    decline), with the draw and the reason; only draws numbered below ``before_draw`` when given
    (re-checking a draw: what it saw)."""
    query = (
        select(DrawAnswer)
        .join(DrawRecord, col(DrawRecord.id) == col(DrawAnswer.draw_id))
        .where(DrawRecord.meeting_id == meeting_id)
        .order_by(col(DrawAnswer.id))
    )
    if before_draw is not None:
        query = query.where(col(DrawAnswer.draw_id) < before_draw)
    latest: dict[tuple[int, int], DrawAnswer] = {}
    for answer in session.exec(query):
        latest[(answer.draw_id, answer.expert_id)] = answer
    return {
        expert: f"第{draw}号抽取记录中谢绝：{answer.reason}"
        for (draw, expert), answer in sorted(latest.items())
        if not answer.accepted
    }


def without_drawn(elig: Eligibility, drawn: set[int]) -> Eligibility:
    """The eligible list less the experts drawn already for the meeting (a fill, 补抽: reason ``drawn``)."""
    keep = [c for c in elig.eligible if c.id not in drawn]
    gone = [
        {"id": c.id, "name": c.name, "specialty": c.specialty, "detail": "已在本次抽取结果中"}
        for c in elig.eligible
        if c.id in drawn
    ]
    excluded = dict(elig.excluded)
    if gone:
        excluded["drawn"] = gone
    return replace(elig, eligible=keep, excluded=excluded)


def without_units(elig: Eligibility, full: set[str]) -> Eligibility:
    """The eligible list less the experts of units already at the unit cap on the panel (a fill:
    reason ``unit_full``); units in comparison form, as in the eligible list."""
    if not full:
        return elig
    gone = [
        {"id": c.id, "name": c.name, "specialty": c.specialty, "detail": f"单位：{c.unit}"}
        for c in elig.eligible
        if c.unit in full
    ]
    excluded = dict(elig.excluded)
    if gone:
        excluded["unit_full"] = gone
    return replace(
        elig, eligible=[c for c in elig.eligible if c.unit not in full], excluded=excluded
    )


def pool_spellings(specialties: Iterable[str]) -> dict[str, str]:
    """One spelling for each specialty (draw spec §5): specialties with the same comparison key
    (``compare_key``, the units' key) are one specialty, spelt as the first expert (by id) spells it."""
    spelled: dict[str, str] = {}
    for specialty in specialties:
        spelled.setdefault(compare_key(specialty), specialty)
    return spelled


def canonical_specialties(
    session: Session, committee_id: int, requested: list[str]
) -> dict[str, str]:
    """Each requested specialty → its spelling in the pool (matched after normalisation), in the order given."""
    known = pool_spellings(
        session.exec(
            select(Expert.specialty)
            .where(Expert.committee_id == committee_id)
            .order_by(col(Expert.id))
        )
    )
    spelled: dict[str, str] = {}
    for name in requested:
        spelled[name] = known.get(compare_key(name), clean_text(name))
    if len(set(spelled.values())) != len(spelled):
        raise InvalidValue(
            f"所需专业 {'、'.join(requested)} 中有写法不同的同一专业；每个专业只写一次"
        )
    return spelled


def eligibility(
    session: Session,
    meeting: Meeting,
    specialties: tuple[str, ...] = (),
    same_unit: bool = True,
    conflicts_until: date | None = None,
    declined: Mapping[int, str] | None = None,
) -> Eligibility:
    """Who may be drawn for ``meeting``; see the module docstring.

    ``conflicts_until``: count only the conflicts declared on or before that day (re-checking a
    draw: a conflict declared after it bars the expert from reviewing and voting, not from the draw).
    ``declined``: expert id → what they answered, for those who declined in an earlier draw of the
    meeting (:func:`declined_for`): never drawn again for it."""
    committee = session.get(Committee, meeting.committee_id)
    assert committee is not None
    on = meeting.date
    allowed_levels = rules.EXPERT_LEVELS.get(committee.level, rules.LEVELS)
    applicants = meetings.meeting_applicants(session, meeting)
    applicant_units = {a.unit_key for a in applicants if a.unit_key}
    applicant_ids = [a.id for a in applicants]
    conflicted: dict[int, int] = Counter()
    if applicant_ids:
        declared = select(Conflict.expert_id).where(col(Conflict.applicant_id).in_(applicant_ids))
        if conflicts_until is not None:
            declared = declared.where(Conflict.declared_on <= conflicts_until)
        for expert_id in session.exec(declared):
            conflicted[expert_id] += 1
    wanted = {compare_key(s): s for s in specialties}
    filing_ok = committee.pool_filed is not None and committee.pool_filed <= on <= pool_valid_until(
        committee.pool_filed
    )
    if committee.pool_filed is None:
        filing_detail = "评委会未登记专家库备案日期（导入专家库时登记）"
    else:
        filing_detail = (
            f"专家库 {committee.pool_filed} 备案，有效期至 {pool_valid_until(committee.pool_filed)}"
        )
    term_limit = int(rules.EXPERT_TERM_YEARS.value)
    # Core select over ten columns (sqlmodel's select is typed for four), run on the session's
    # connection after the flush session.exec would do itself.
    session.flush()
    rows = (
        session.connection()
        .execute(
            sa_select(
                col(Expert.id),
                col(Expert.name),
                col(Expert.unit),
                col(Expert.unit_key),
                col(Expert.level),
                col(Expert.specialty),
                col(Expert.active),
                col(Expert.status),
                col(Expert.term_start),
                col(Expert.term_end),
            )
            .where(col(Expert.committee_id) == committee.id)
            .order_by(col(Expert.id))
        )
        .all()
    )
    eligible: list[Candidate] = []
    excluded: dict[str, list[dict[str, Any]]] = {}
    spellings = {**pool_spellings(row[5] for row in rows), **wanted}  # §5: one spelling a specialty
    for eid, name, unit, unit_key, level, specialty, active, status, start, end in rows:
        assert eid is not None  # a stored row's primary key
        spelled = spellings[compare_key(specialty)]
        reason, detail = None, ""
        if not active:
            reason, detail = "inactive", f"状态：{status}"
        elif not (start <= on <= min(end, add_years(start, term_limit))):
            reason, detail = "term", f"任期 {start} 至 {end}"
        elif not filing_ok:
            reason, detail = "pool_filing", filing_detail
        elif level not in allowed_levels:
            reason, detail = (
                "level",
                f"{level}；{committee.level}评委会需 {'、'.join(allowed_levels)}",
            )
        elif wanted and compare_key(specialty) not in wanted:
            reason, detail = "specialty", specialty
        elif (
            recused := recusal.from_draw(unit_key, applicant_units, conflicted[eid], same_unit)
        ) is not None:
            reason, detail = (
                recused,
                (unit if recused == "same_unit" else f"与 {conflicted[eid]} 名申报人"),
            )
        elif declined and eid in declined:
            reason, detail = "declined", declined[eid]
        if reason:
            excluded.setdefault(reason, []).append(
                {"id": eid, "name": name, "specialty": spelled, "detail": detail}
            )
        else:
            eligible.append(Candidate(eid, name, spelled, unit_key))
    return Eligibility(on, eligible, excluded, specialties, same_unit)
