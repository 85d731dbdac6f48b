"""Reviewer assignment: every applicant read independently by at least 3 attending experts.

通知 三（二）: 确保每名申报人申报材料经过3名以上专家独自审阅. Never an expert with a
recusal against the applicant (same unit, declared conflict); specialty match
preferred; load spread evenly; reproducible from a stored seed. Pure: no store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qjtitle import rules
from qjtitle.errors import QjtitleError

ALGORITHM = "qjtitle-assign-v1"


@dataclass(frozen=True)
class Reviewer:
    id: int
    name: str
    specialty: str = ""
    unit_key: str = ""


@dataclass(frozen=True)
class Case:
    """An applicant to be reviewed."""

    id: int
    name: str
    specialty: str = ""
    unit_key: str = ""


@dataclass
class Assignment:
    per_applicant: int
    seed: str
    reviewers: dict[int, list[int]] = field(default_factory=dict)  # applicant id → expert ids
    algorithm: str = ALGORITHM

    def load(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for experts in self.reviewers.values():
            for e in experts:
                counts[e] = counts.get(e, 0) + 1
        return counts


class AssignmentImpossible(QjtitleError):
    """Some applicant cannot get enough reviewers; the message names each and why."""


def _rank(seed: str, *parts: object) -> bytes:
    return hashlib.sha256("\x1f".join([seed, *map(str, parts)]).encode("utf-8")).digest()


def assign(
    cases: Sequence[Case],
    reviewers: Sequence[Reviewer],
    recused: Mapping[int, Mapping[int, str]],
    seed: str,
    per_applicant: int = int(rules.REVIEWERS_MIN.value),
) -> Assignment:
    """Assign ``per_applicant`` distinct, non-recused reviewers to every case.

    Most constrained cases first; for each, the experts with the lowest load so far,
    then specialty match, then a seeded hash as tie-break. Raises AssignmentImpossible
    naming every case that has too few possible reviewers.
    """
    if per_applicant < rules.REVIEWERS_MIN.value:
        raise AssignmentImpossible(
            f"每名申报人至少由{rules.REVIEWERS_MIN.value}名专家审阅（{rules.REVIEWERS_MIN.source}），不能设为 {per_applicant}"
        )
    by_id = {r.id: r for r in reviewers}
    possible = {c.id: [r.id for r in reviewers if r.id not in recused.get(c.id, {})] for c in cases}
    short = [c for c in cases if len(possible[c.id]) < per_applicant]
    if short:
        lines = []
        for c in short:
            reasons = recused.get(c.id, {})
            by_reason: dict[str, int] = {}
            for reason in reasons.values():
                by_reason[reason] = by_reason.get(reason, 0) + 1
            detail = "，".join(f"{k}{v}人" for k, v in sorted(by_reason.items())) or "无回避"
            lines.append(
                f"{c.name}：出席专家{len(reviewers)}人，{detail}，可审阅者仅{len(possible[c.id])}人，少于{per_applicant}人"
            )
        raise AssignmentImpossible(
            "无法为以下申报人安排足够的审阅专家：\n"
            + "\n".join(lines)
            + "\n请增加出席专家（递补备选专家）或核对回避设置"
        )
    load = {r.id: 0 for r in reviewers}
    result = Assignment(per_applicant=per_applicant, seed=seed)
    order = sorted(cases, key=lambda c: (len(possible[c.id]), _rank(seed, "case", c.id)))
    for case in order:
        chosen = sorted(
            possible[case.id],
            key=lambda e: (
                load[e],
                0 if case.specialty and by_id[e].specialty == case.specialty else 1,
                _rank(seed, case.id, e),
            ),
        )[:per_applicant]
        for e in chosen:
            load[e] += 1
        result.reviewers[case.id] = sorted(chosen)
    _rebalance(result, possible, load, by_id, {c.id: c for c in cases})
    return result


def _rebalance(
    result: Assignment,
    possible: Mapping[int, Sequence[int]],
    load: dict[int, int],
    by_id: Mapping[int, Reviewer],
    cases: Mapping[int, Case],
) -> None:
    """Move single reviews from the busiest expert to the idlest while that is allowed."""
    for _ in range(10 * max(1, len(result.reviewers))):
        busiest = max(load, key=lambda e: (load[e], e))
        idlest = min(load, key=lambda e: (load[e], e))
        if load[busiest] - load[idlest] <= 1:
            return
        moved = False
        for case_id, experts in sorted(result.reviewers.items()):
            if busiest in experts and idlest not in experts and idlest in possible[case_id]:
                experts[experts.index(busiest)] = idlest
                experts.sort()
                load[busiest] -= 1
                load[idlest] += 1
                moved = True
                break
        if not moved:
            return


def check(
    assignment: Mapping[int, Sequence[int]],
    recused: Mapping[int, Mapping[int, str]],
    attending: Iterable[int],
    per_applicant: int = int(rules.REVIEWERS_MIN.value),
) -> list[str]:
    """Problems of an (edited) assignment: too few reviewers, absent or recused reviewers, repeats."""
    present = set(attending)
    problems = []
    for case_id, experts in assignment.items():
        if len(set(experts)) != len(experts):
            problems.append(f"申报人 {case_id}：同一专家被重复安排")
        if len(set(experts)) < per_applicant:
            problems.append(
                f"申报人 {case_id}：只安排了{len(set(experts))}名专家，至少需要{per_applicant}名（{rules.REVIEWERS_MIN.source}）"
            )
        for e in experts:
            if e not in present:
                problems.append(f"申报人 {case_id}：专家 {e} 未出席，不能审阅")
            reason = recused.get(case_id, {}).get(e)
            if reason:
                problems.append(f"申报人 {case_id}：专家 {e} 应{reason}，不能审阅")
    return problems
