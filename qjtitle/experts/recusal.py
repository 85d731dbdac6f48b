"""Recusal (回避): the one home of the rule that an expert may not review or vote on an
applicant, and of the declared conflicts it rests on.

An expert is recused from an applicant when a conflict between them has been declared
(``experts conflicts add``, with its reason) or, unless the committee turns it off for the
draw, when both are of the same work unit (compared by :func:`qjtitle.spreadsheets.text.compare_key`).
The draw leaves such experts out (:func:`from_draw`, used by
:func:`qjtitle.experts.eligible.eligibility`); at the meeting they may not be assigned to review the
applicant nor vote on them (:func:`for_meeting`, used by the proceedings; :func:`recused_map`
is the same rule over plain rows, used by the proceedings and the tests of the assignment).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlmodel import Session, col, select

from qjtitle import committees, meetings
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.findings import Step, finding
from qjtitle.models import Applicant, Conflict, Expert, Meeting
from qjtitle.spreadsheets.text import clean_text
from qjtitle.store import Store, audit

SAME_UNIT_REASON = "与申报人同单位（回避）"  # why the draw left an expert out, and a pair's reason
CONFLICT_REASON = "与申报人有利害关系（已登记回避）"
SAME_UNIT = "同单位回避"  # how the meeting's sheets and messages name the two kinds
DECLARED = "声明回避"


class Party(Protocol):
    """An applicant or an expert as far as recusal goes (Applicant, Expert, the assignment's Case
    and Reviewer all are)."""

    @property
    def id(self) -> int | None: ...

    @property
    def unit_key(self) -> str: ...


def from_draw(
    unit_key: str, applicant_units: set[str], conflicts: int, same_unit: bool = True
) -> str | None:
    """Why an expert may not be drawn for a meeting (``"same_unit"`` or ``"conflict"``), or None:
    their unit is one of the applicants' units, or they have declared conflicts with applicants."""
    if same_unit and unit_key in applicant_units:
        return "same_unit"
    if conflicts:
        return "conflict"
    return None


def pairs(
    applicants: Iterable[Party],
    experts: Iterable[Party],
    declared: Iterable[tuple[int, int, str]] = (),
    same_unit: bool = True,
) -> list[tuple[int, int, str]]:
    """(expert id, applicant id, reason) for every recusal: the declared conflicts first (with their
    reasons), then every expert of the same work unit as an applicant."""
    out = list(declared)
    if not same_unit:
        return out
    by_unit: dict[str, list[int]] = {}
    for a in applicants:
        if a.unit_key and a.id is not None:
            by_unit.setdefault(a.unit_key, []).append(a.id)
    for e in experts:
        for applicant_id in by_unit.get(e.unit_key, []):
            out.append((e.id or 0, applicant_id, SAME_UNIT_REASON))
    return out


def as_map(
    found: Iterable[tuple[int, int, str]], applicant_ids: Iterable[int]
) -> dict[int, dict[int, str]]:
    """applicant id → {expert id: 同单位回避 or 声明回避（reason）}, the first reason of each pair kept."""
    recused: dict[int, dict[int, str]] = {a: {} for a in applicant_ids}
    for expert_id, applicant_id, reason in found:
        if applicant_id in recused:
            if reason == SAME_UNIT_REASON:
                label = SAME_UNIT
            else:
                label = f"{DECLARED}（{reason}）" if reason else DECLARED
            recused[applicant_id].setdefault(expert_id, label)
    return recused


def recused_map(
    applicants: Iterable[Party],
    experts: Iterable[Party],
    conflicts: Iterable[tuple[int, int]] | Mapping[tuple[int, int], str] = (),
    same_unit: bool = True,
) -> dict[int, dict[int, str]]:
    """applicant id → {expert id: reason} for every expert who may not review that applicant."""
    applicants = list(applicants)
    reasons = conflicts if isinstance(conflicts, Mapping) else dict.fromkeys(conflicts, "")
    declared = [(e, a, why) for (e, a), why in reasons.items()]
    found = pairs(applicants, experts, declared, same_unit)
    return as_map(found, [a.id for a in applicants if a.id is not None])


def recusals(session: Session, meeting: Meeting) -> list[tuple[int, int, str]]:
    """(expert id, applicant id, reason) pairs: who may not review or vote on whom at this meeting.

    Declared conflicts always; the same work unit as well (whether or not the draw
    excluded such experts, it matters for a conflict declared after the draw)."""
    applicants = meetings.meeting_applicants(session, meeting)
    ids = [a.id for a in applicants]
    declared: list[tuple[int, int, str]] = []
    if ids:
        query = (
            select(Conflict).where(col(Conflict.applicant_id).in_(ids)).order_by(col(Conflict.id))
        )
        declared = [(c.expert_id, c.applicant_id, c.reason) for c in session.exec(query)]
    experts = session.exec(select(Expert).where(Expert.committee_id == meeting.committee_id))
    return pairs(applicants, experts, declared)


def for_meeting(
    session: Session, meeting: Meeting, applicant_ids: Iterable[int]
) -> dict[int, dict[int, str]]:
    """applicant id → {expert id: 同单位回避 or 声明回避（reason）} for ``applicant_ids`` at ``meeting``."""
    return as_map(recusals(session, meeting), applicant_ids)


# --- Declared conflicts -------------------------------------------------------------------------------


def add_conflict(
    store: Store,
    expert_id: int,
    applicant_id: int,
    reason: str,
    declared_on: date | None = None,
    user: str | None = None,
) -> ConflictView:
    """Declare that an expert may not review or vote on an applicant (回避)."""
    reason = clean_text(reason)
    if not reason:
        raise InvalidValue(
            finding(
                "conflict.reason",
                "未写明回避理由",
                field="reason",
                hint="写明回避理由（如 近亲属、同一科室、师生关系）",
            )
        )
    with store.transaction() as session:
        expert = session.get(Expert, expert_id)
        if expert is None:
            raise NotFound(
                finding(
                    "conflict.no_expert",
                    f"没有编号为 {expert_id} 的专家",
                    step=Step.LIST_EXPERTS,
                    hint="查看编号",
                    expert=expert_id,
                )
            )
        applicant = session.get(Applicant, applicant_id)
        if applicant is None:
            raise NotFound(
                finding(
                    "conflict.no_applicant",
                    f"没有编号为 {applicant_id} 的申报人",
                    step=Step.LIST_APPLICANTS,
                    hint="查看编号",
                    applicant=applicant_id,
                )
            )
        if applicant.committee_id != expert.committee_id:
            raise InvalidValue(
                f"专家 {expert.name} 与申报人 {applicant.name} 不属同一评委会，无需登记回避"
            )
        if session.exec(
            select(Conflict).where(
                Conflict.expert_id == expert_id, Conflict.applicant_id == applicant_id
            )
        ).first():
            raise InvalidValue(f"专家 {expert.name} 与申报人 {applicant.name} 的回避已登记过")
        conflict = Conflict(
            expert_id=expert_id,
            applicant_id=applicant_id,
            reason=reason,
            declared_on=declared_on or date.today(),
            user=user or audit.current_user(),
        )
        session.add(conflict)
        session.flush()
        item = ConflictView.of(conflict, expert, applicant)
        audit.record(session, "conflicts add", "conflict.declared", item.as_dict(), user=user)
    return item


@dataclass(frozen=True)
class ConflictView:
    """A declared conflict as listed, with the expert's and the applicant's names."""

    id: int
    expert_id: int
    expert: str
    applicant_id: int
    applicant: str
    applicant_unit: str
    year: int
    reason: str
    declared_on: date

    @classmethod
    def of(cls, c: Conflict, expert: Expert, applicant: Applicant) -> ConflictView:
        assert c.id is not None and expert.id is not None and applicant.id is not None  # stored
        return cls(
            id=c.id,
            expert_id=expert.id,
            expert=expert.name,
            applicant_id=applicant.id,
            applicant=applicant.name,
            applicant_unit=applicant.unit,
            year=applicant.year,
            reason=c.reason,
            declared_on=c.declared_on,
        )

    def as_dict(self) -> dict[str, Any]:
        """For ``--json`` and the audit log: the date as ISO text."""
        return {
            "id": self.id,
            "expert_id": self.expert_id,
            "expert": self.expert,
            "applicant_id": self.applicant_id,
            "applicant": self.applicant,
            "applicant_unit": self.applicant_unit,
            "year": self.year,
            "reason": self.reason,
            "declared_on": self.declared_on.isoformat(),
        }


def list_conflicts(store: Store, committee_code: str | None = None) -> list[ConflictView]:
    with store.transaction() as session:
        query = (
            select(Conflict, Expert, Applicant)
            .join(Expert, col(Expert.id) == col(Conflict.expert_id))
            .join(Applicant, col(Applicant.id) == col(Conflict.applicant_id))
        )
        if committee_code:
            query = query.where(Expert.committee_id == committees.get(session, committee_code).id)
        return [
            ConflictView.of(c, e, a) for c, e, a in session.exec(query.order_by(col(Conflict.id)))
        ]
