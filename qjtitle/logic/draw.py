"""The verifiable draw (抽取): a deterministic function of a seed, the sorted eligible list and the counts.

Pure Python, no database: ``verify-draw --record FILE`` and the tests use this module with
its inputs (:mod:`~qjtitle.logic.draw_inputs`), its unit-cap look-ahead
(:mod:`~qjtitle.logic.unit_cap`) and the record checks (:mod:`~qjtitle.logic.draw_verify`)
alone. The specification, byte for byte and with test vectors, is ``docs/draw-spec.md``
(``tests/test_draw_spec.py`` checks every vector against these modules);
``qjtitle/verify_record.py`` is a second, stand-alone implementation of it.

Algorithm ``qjtitle-draw-v1`` (in the spirit of RFC 3797), in short:

1. The eligible list: one entry ``[id, name, specialty, unit]`` per expert (``unit``
   normalised for comparison), sorted by ``id``. Its *pool hash* is the SHA-256 of
   ``json.dumps(entries, ensure_ascii=False, separators=(",", ":"))`` in UTF-8.
2. The seed: what each drawer typed at the table, each part NFKC-normalised with
   whitespace removed, joined as ``part1/part2/part3/`` (or a ``secrets`` token).
3. Random numbers: the k-th is ``SHA-256(b"qjtitle-draw-v1" 0x00 seed 0x00 k)`` read as
   a 256-bit big-endian integer, ``k`` an 8-byte big-endian counter from 0. A number
   below ``n`` is ``x mod n`` for the next ``x < 2**256 - 2**256 mod n`` (rejection
   sampling: no modulo bias).
4. Slots, in order: for each specialty with a fixed member count (code-point order
   of its name) that many member slots of that specialty; then the other member
   slots, open to the specialties without a fixed count; then the alternate slots of each
   specialty with a fixed alternate count (spec 1.2, code-point order), open to that
   specialty only; then the alternate slots open to every specialty.
5. For each slot: the candidates are the eligible experts not yet picked, of a
   specialty the slot accepts, whose unit is under the cap (members and alternates
   together) and, for a member slot, whose pick leaves the remaining member slots
   fillable (a max-flow check; it only bites under a unit cap); in list order. The
   slot takes ``candidates[next number below len(candidates)]``.

Member slots never look at the number of alternates, so asking for more alternates
later keeps every earlier position. An alternate slot without a candidate (possible
only under a unit cap) ends the list of alternates.

What comes after the draw (answers, replacements, signatures, the current members) is
covered by ``chain_sha256``, a digest chained onto the record fingerprint, and is
replayed by :func:`qjtitle.logic.draw_verify.check_later`: every replacement must be the one the rule gives.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.logic.draw_inputs import (
    ALGORITHM,
    ALTERNATE,
    FREE_SLOT,
    MEMBER,
    Candidate,
    Request,
)
from qjtitle.logic.unit_cap import ALTERNATE_SLOT, UnitKey, UnitPool

_BLOCK_BOUND = 1 << 256


class DrawImpossible(QjtitleError):
    """The eligible experts cannot fill the slots asked for."""


# --- Random numbers ----------------------------------------------------------------------


def uniform_below(n: int, next_value: Callable[[], int], bound: int) -> int:
    """A number in [0, n) from values uniform in [0, bound), by rejection: no modulo bias."""
    if n < 1:
        raise ValueError("n must be positive")
    limit = bound - bound % n
    while True:
        x = next_value()
        if x < limit:
            return x % n


class RandomStream:
    """SHA-256 in counter mode (step 3)."""

    def __init__(self, seed: str, algorithm: str = ALGORITHM):
        self._prefix = algorithm.encode("utf-8") + b"\x00" + seed.encode("utf-8") + b"\x00"
        self.counter = 0

    def next_block(self) -> int:
        digest = hashlib.sha256(self._prefix + self.counter.to_bytes(8, "big")).digest()
        self.counter += 1
        return int.from_bytes(digest, "big")

    def below(self, n: int) -> int:
        return uniform_below(n, self.next_block, _BLOCK_BOUND)


# --- The selection --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    position: int  # 1-based: members first, then alternates
    role: str  # MEMBER | ALTERNATE
    slot: str  # the specialty of a fixed-count member slot; FREE_SLOT otherwise
    candidate: Candidate

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "role": self.role,
            "slot": self.slot,
            "id": self.candidate.id,
            "name": self.candidate.name,
            "specialty": self.candidate.specialty,
            "unit": self.candidate.unit,
        }


def member_slots(request: Request) -> list[str]:
    """The label of each member slot, in order (step 4)."""
    labels = [specialty for specialty, count in request.quotas for _ in range(count)]
    return labels + [FREE_SLOT] * (request.members - len(labels))


def _member_demand(request: Request) -> dict[str, int]:
    return dict(Counter(member_slots(request)))


def _all_demand(request: Request) -> dict[str, int]:
    """Member slots, the alternate slots of each specialty (labelled with it) and the open ones."""
    demand = _member_demand(request)
    for specialty, count in request.alternate_quotas:
        demand[specialty] = demand.get(specialty, 0) + count
    demand[ALTERNATE_SLOT] = request.alternates
    return demand


def feasibility_problems(candidates: Sequence[Candidate], request: Request) -> list[str]:
    """Why the slots cannot be filled from ``candidates`` (whatever the seed); [] when they can."""
    problems: list[str] = []
    by_specialty = Counter(c.specialty for c in candidates)
    quota_specialties = {s for s, _ in request.quotas}
    for specialty, count in request.quotas:
        if by_specialty[specialty] < count:
            problems.append(
                f"专业“{specialty}”需抽取委员 {count} 人，符合条件的只有 {by_specialty[specialty]} 人"
            )
    free = request.members - sum(n for _, n in request.quotas)
    open_count = sum(n for s, n in by_specialty.items() if s not in quota_specialties)
    if free and open_count < free:
        names = "、".join(sorted(s for s in by_specialty if s not in quota_specialties))
        where = f"不限人数的专业（{names}）" if names else "未指定人数的专业"
        problems.append(f"{where}需抽取委员 {free} 人，符合条件的只有 {open_count} 人")
    quota_of = dict(request.quotas)
    for specialty, count in request.alternate_quotas:
        need = count + quota_of.get(specialty, 0)
        if by_specialty[specialty] < need:
            problems.append(
                f"专业“{specialty}”需抽取委员 {quota_of.get(specialty, 0)} 人、备选 {count} 人，符合条件的只有 {by_specialty[specialty]} 人"
            )
    needed = request.members + request.all_alternates
    if len(candidates) < needed:
        problems.append(
            f"需抽取委员 {request.members} 人、备选 {request.all_alternates} 人，共 {needed} 人，符合条件的专家只有 {len(candidates)} 人"
        )
    if problems:
        return problems
    if request.unit_cap is not None or request.alternate_quotas:
        # without a cap only alternates by specialty can make the members and alternates clash
        # (a free member slot taking the one expert an alternate slot of that specialty needs)
        pool = UnitPool(candidates, request)
        members = _member_demand(request)
        if not pool.state(members).feasible():
            problems.append(
                f"每个单位最多抽取 {request.unit_cap} 人的限制下，无法凑齐 {request.members} 名委员及各专业人数；请放宽单位上限或扩大专家库"
            )
        elif not pool.state(_all_demand(request)).feasible():
            within = (
                f"每个单位最多抽取 {request.unit_cap} 人（含备选）的限制下，"
                if request.unit_cap is not None
                else "委员抽足以后，"
            )
            problems.append(
                f"{within}凑不齐 {request.members} 名委员和 {request.all_alternates} 名备选（含各专业的备选）；"
                "请减少备选人数、放宽单位上限或扩大专家库"
            )
    return problems


def select(seed: str, candidates: Sequence[Candidate], request: Request) -> list[Pick]:
    """The picks, members then alternates, for ``seed`` (canonical) and the eligible ``candidates``."""
    ordered = sorted(candidates, key=lambda c: c.id)
    if len({c.id for c in ordered}) != len(ordered):
        raise InvalidValue("符合条件专家名单中有重复的编号")
    problems = feasibility_problems(ordered, request)
    if problems:
        raise DrawImpossible("；".join(problems))
    stream = RandomStream(seed)
    pool = UnitPool(ordered, request)
    demand = _member_demand(request)
    picked: set[int] = set()
    picks: list[Pick] = []

    def take(pool_now: list[Candidate], role: str, label: str) -> None:
        chosen = pool_now[stream.below(len(pool_now))]
        picked.add(chosen.id)
        pool.take(chosen)
        picks.append(Pick(len(picks) + 1, role, label, chosen))

    units = [pool.unit(c) for c in ordered]
    for label in member_slots(request):
        state = pool.state(demand)
        keys = {unit: pool.key(unit) for unit, room in pool.room.items() if room > 0}
        verdicts: dict[tuple[UnitKey, str], bool] = {}
        for key in set(keys.values()):
            for specialty, _ in key[1]:
                if state.slot_accepts(label, specialty):
                    verdicts[(key, specialty)] = state.after_pick(key, specialty, label).feasible()
        fillable = {
            (unit, s) for unit, key in keys.items() for s, _ in key[1] if verdicts.get((key, s))
        }
        allowed = [
            c
            for c, unit in zip(ordered, units)
            if (unit, c.specialty) in fillable and c.id not in picked
        ]
        if not allowed:  # cannot happen after the feasibility check; kept as a guard
            raise DrawImpossible(f"第{len(picks) + 1}位委员无可抽取的专家")
        take(allowed, MEMBER, label)
        demand[label] -= 1
    for label, count in request.alternate_quotas:  # alternates of a specialty, in code-point order
        for _ in range(count):
            allowed = [
                c
                for c, unit in zip(ordered, units)
                if c.specialty == label and pool.room[unit] > 0 and c.id not in picked
            ]
            if allowed:  # none left (only possible under a unit cap): the slot stays unfilled
                take(allowed, ALTERNATE, label)
    for _ in range(request.alternates):
        allowed = [
            c for c, unit in zip(ordered, units) if pool.room[unit] > 0 and c.id not in picked
        ]
        if not allowed:
            break
        take(allowed, ALTERNATE, FREE_SLOT)
    return picks
