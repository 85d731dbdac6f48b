"""Reviewer assignment: every applicant read independently by at least 3 attending experts.

通知 三（二）: 确保每名申报人申报材料经过3名以上专家独自审阅. The rule, as :func:`assign`
applies it and :func:`check` checks it (DESIGN.md, the meeting as held):

- never an expert with a recusal against the applicant (same unit, declared conflict);
- at least one reviewer of the applicant's specialty whenever an attending expert of that
  specialty is not recused; where none can be given, the assignment says why
  (``Assignment.gaps``: no attending expert of the specialty, or all of them recused);
- the load spread as evenly as these allow (no review can move from an expert to one
  with two fewer without breaking the rules above);
- reproducible from a stored seed. Pure: no store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qjtitle import rules
from qjtitle.errors import QjtitleError

ALGORITHM = "qjtitle-assign-v2"  # v2: a reviewer of the applicant's specialty first


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
    gaps: dict[int, str] = field(
        default_factory=dict
    )  # applicant id → why no reviewer of their specialty

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
    by_case = {c.id: c for c in cases}
    matching = {c.id: [e for e in possible[c.id] if _same(c, by_id[e])] for c in cases}
    for c in cases:
        if not matching[c.id]:
            result.gaps[c.id] = specialty_gap(c, reviewers, recused)
    # one reviewer of the applicant's specialty first, the scarcest specialties first
    order = sorted(
        cases,
        key=lambda c: (
            len(matching[c.id]) or len(reviewers) + 1,
            len(possible[c.id]),
            _rank(seed, "case", c.id),
        ),
    )
    for case in order:
        chosen: list[int] = []
        if matching[case.id]:
            first = min(matching[case.id], key=lambda e: (load[e], _rank(seed, case.id, e)))
            chosen.append(first)
            load[first] += 1
        rest = sorted(
            (e for e in possible[case.id] if e not in chosen),
            key=lambda e: (
                load[e],
                0 if _same(case, by_id[e]) else 1,
                _rank(seed, case.id, e),
            ),
        )[: per_applicant - len(chosen)]
        for e in rest:
            load[e] += 1
        result.reviewers[case.id] = sorted(chosen + rest)
    _rebalance(result, possible, load, matching, by_case, seed)
    return result


def _same(case: Case, reviewer: Reviewer) -> bool:
    return bool(case.specialty) and reviewer.specialty == case.specialty


def specialty_gap(
    case: Case, reviewers: Sequence[Reviewer], recused: Mapping[int, Mapping[int, str]]
) -> str:
    """Why an applicant has no reviewer of their specialty (in Chinese, for the documents)."""
    if not case.specialty:
        return "申报人未填申报专业，无法安排同专业专家"
    same = [r for r in reviewers if r.specialty == case.specialty]
    if not same:
        return f"出席专家中没有{case.specialty}专业的专家"
    why: dict[str, int] = {}
    for r in same:
        reason = recused.get(case.id, {}).get(r.id, "")
        why[reason] = why.get(reason, 0) + 1
    detail = "，".join(f"{k}{v}人" for k, v in sorted(why.items()) if k)
    return f"出席的{case.specialty}专业专家{len(same)}人均须回避（{detail}）"


def _rebalance(
    result: Assignment,
    possible: Mapping[int, Sequence[int]],
    load: dict[int, int],
    matching: Mapping[int, Sequence[int]],
    cases: Mapping[int, Case],
    seed: str,
) -> None:
    """Move single reviews from a busier expert to one with at least two fewer while the rules allow
    (the new reviewer may review the case, and the case keeps a reviewer of its specialty)."""

    def keeps_specialty(case_id: int, out: int, into: int) -> bool:
        if not matching[case_id]:
            return True
        left = [e for e in result.reviewers[case_id] if e != out] + [into]
        return any(e in matching[case_id] for e in left)

    for _ in range(10 * max(1, len(result.reviewers)) * max(1, len(load))):
        moved = False
        for busy in sorted(load, key=lambda e: (-load[e], e)):
            for idle in sorted(load, key=lambda e: (load[e], e)):
                if load[busy] - load[idle] < 2:
                    break
                for case_id in sorted(result.reviewers, key=lambda c: _rank(seed, "move", c)):
                    experts = result.reviewers[case_id]
                    if (
                        busy in experts
                        and idle not in experts
                        and idle in possible[case_id]
                        and keeps_specialty(case_id, busy, idle)
                    ):
                        experts[experts.index(busy)] = idle
                        experts.sort()
                        load[busy] -= 1
                        load[idle] += 1
                        moved = True
                        break
                if moved:
                    break
            if moved:
                break
        if not moved:
            return


def check(
    assignment: Mapping[int, Sequence[int]],
    recused: Mapping[int, Mapping[int, str]],
    attending: Iterable[int],
    per_applicant: int = int(rules.REVIEWERS_MIN.value),
    cases: Mapping[int, Case] | None = None,
    reviewers: Mapping[int, Reviewer] | None = None,
) -> list[str]:
    """Problems of an (edited) assignment: too few reviewers, absent or recused reviewers, repeats;
    given the cases and reviewers, an applicant with no reviewer of their specialty though one could be."""
    present = set(attending)
    problems = []
    if cases is not None and reviewers is not None:
        for case_id, experts in assignment.items():
            case = cases.get(case_id)
            if case is None or not case.specialty:
                continue
            could = [
                e
                for e, r in reviewers.items()
                if e in present
                and r.specialty == case.specialty
                and e not in recused.get(case_id, {})
            ]
            has = [e for e in experts if e in could]
            if could and not has:
                problems.append(
                    f"申报人 {case_id}：没有安排{case.specialty}专业的专家审阅，而出席的同专业专家"
                    f"{len(could)}人无须回避，应至少安排1人"
                )
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
