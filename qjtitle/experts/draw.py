"""The verifiable draw (抽取): a deterministic function of a seed, the sorted eligible list and the counts.

Pure Python, no database: ``verify-draw --record FILE`` and the tests use this
module alone. The specification, byte for byte and with test vectors, is
``docs/draw-spec.md`` (``tests/test_draw_spec.py`` checks every vector against this
module); ``qjtitle/verify_record.py`` is a second, stand-alone implementation of it.

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
   slots, open to the specialties without a fixed count; then the alternate slots,
   open to every specialty.
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
replayed by :func:`check_later`: every replacement must be the one the rule gives.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qjtitle.errors import InvalidValue, NotFound, QjtitleError

ALGORITHM = "qjtitle-draw-v1"
RECORD_FORMAT = "qjtitle-draw-record/1"
MEMBER = "member"
ALTERNATE = "alternate"
ROLE_NAMES = {MEMBER: "委员", ALTERNATE: "备选"}
FREE_SLOT = ""  # the slot label of a member slot open to the specialties without a fixed count
MIN_SEED_CHARS = (
    6  # a shorter seed is accepted with a warning: too few possibilities to be unpredictable
)
_BLOCK_BOUND = 1 << 256
_UNCAPPED_UNIT = "*"


class DrawImpossible(QjtitleError):
    """The eligible experts cannot fill the slots asked for."""


# --- Inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One eligible expert as the algorithm sees them."""

    id: int
    name: str
    specialty: str
    unit: str  # the unit name normalised for comparison

    def entry(self) -> list[Any]:
        return [self.id, self.name, self.specialty, self.unit]

    @classmethod
    def from_entry(cls, entry: Sequence[Any]) -> Candidate:
        if len(entry) != 4 or not isinstance(entry[0], int):
            raise InvalidValue(
                f"符合条件专家名单中的条目 {entry!r} 格式不对；应为 [编号, 姓名, 专业, 单位]"
            )
        return cls(int(entry[0]), str(entry[1]), str(entry[2]), str(entry[3]))


@dataclass(frozen=True)
class Request:
    """How many members and alternates, fixed member counts by specialty, and the per-unit cap."""

    members: int
    alternates: int = 0
    quotas: tuple[tuple[str, int], ...] = ()  # (specialty, member count), sorted by specialty
    unit_cap: int | None = None

    @classmethod
    def make(
        cls,
        members: int,
        alternates: int = 0,
        quotas: Mapping[str, int] | None = None,
        unit_cap: int | None = None,
    ) -> Request:
        """A validated request with its quotas in canonical order."""
        if members < 1:
            raise InvalidValue(f"委员人数 {members} 无效；应为正整数")
        if alternates < 0:
            raise InvalidValue(f"备选人数 {alternates} 无效；应为0或正整数")
        items = sorted((quotas or {}).items())
        for specialty, count in items:
            if count < 1:
                raise InvalidValue(f"专业“{specialty}”的人数 {count} 无效；应为正整数")
        fixed = sum(count for _, count in items)
        if fixed > members:
            raise InvalidValue(
                f"各专业指定人数之和 {fixed} 超过委员人数 {members}；请核对 --specialty 的人数"
            )
        if unit_cap is not None and unit_cap < 1:
            raise InvalidValue(f"每个单位最多抽取人数 {unit_cap} 无效；应为正整数")
        return cls(members, alternates, tuple(items), unit_cap)

    def as_dict(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "alternates": self.alternates,
            "quotas": dict(self.quotas),
            "unit_cap": self.unit_cap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        return cls.make(
            int(data["members"]),
            int(data.get("alternates", 0)),
            dict(data.get("quotas") or {}),
            data.get("unit_cap"),
        )


# --- Seed and pool hash --------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def canonical_seed(parts: Iterable[str]) -> str:
    """The drawers' contributions in canonical form: ``4721/9903/1586/``.

    Each part is NFKC-normalised (full-width digits become ASCII) with all whitespace
    removed; a part containing ``/`` counts as several parts."""
    cleaned: list[str] = []
    for part in parts:
        for piece in unicodedata.normalize("NFKC", str(part)).split("/"):
            piece = _SPACE.sub("", piece)
            if piece:
                cleaned.append(piece)
    if not cleaned:
        raise InvalidValue(
            "随机种子为空；请由抽取人员各输入一组数字（如 --seed 4721 --seed 9903 --seed 1586），或不给 --seed 由程序生成"
        )
    return "".join(f"{piece}/" for piece in cleaned)


def canonical_seed_pieces(part: str) -> list[str]:
    """The non-empty pieces one entered part contributes (``canonical_seed``'s own splitting)."""
    try:
        return canonical_seed([part]).split("/")[:-1]
    except InvalidValue:
        return []


def random_seed() -> str:
    """A seed from the operating system's CSPRNG, when the drawers give none."""
    return canonical_seed([secrets.token_hex(16)])


def seed_warning(seed: str) -> str | None:
    if len(seed.replace("/", "")) < MIN_SEED_CHARS:
        return f"随机种子“{seed}”过短（不足{MIN_SEED_CHARS}个字符），可能被猜到；建议每位抽取人员各输入4位以上数字"
    return None


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def pool_digest(candidates: Iterable[Candidate]) -> str:
    """SHA-256 of the eligible list sorted by id (step 1 of the algorithm)."""
    entries = [c.entry() for c in sorted(candidates, key=lambda c: c.id)]
    return hashlib.sha256(canonical_json(entries).encode("utf-8")).hexdigest()


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


# --- Feasibility: a small max-flow --------------------------------------------------------


class _Flow:
    """Edmonds-Karp on an adjacency list; edges are [to, capacity, index of the reverse edge]."""

    def __init__(self) -> None:
        self.adj: list[list[list[int]]] = []

    def node(self) -> int:
        self.adj.append([])
        return len(self.adj) - 1

    def edge(self, u: int, v: int, cap: int) -> None:
        self.adj[u].append([v, cap, len(self.adj[v])])
        self.adj[v].append([u, 0, len(self.adj[u]) - 1])

    def run(self, s: int, t: int, limit: int) -> int:
        flow = 0
        while flow < limit:
            parent: list[tuple[int, int] | None] = [None] * len(self.adj)
            parent[s] = (s, -1)
            queue = deque([s])
            while queue and parent[t] is None:
                u = queue.popleft()
                for i, (v, cap, _) in enumerate(self.adj[u]):
                    if cap > 0 and parent[v] is None:
                        parent[v] = (u, i)
                        queue.append(v)
            if parent[t] is None:
                break
            push, v = limit - flow, t
            while v != s:
                u, i = parent[v]  # type: ignore[misc]
                push = min(push, self.adj[u][i][1])
                v = u
            v = t
            while v != s:
                u, i = parent[v]  # type: ignore[misc]
                e = self.adj[u][i]
                e[1] -= push
                self.adj[v][e[2]][1] += push
                v = u
            flow += push
        return flow


ALTERNATE_SLOT = "*alternate"  # the label of the alternate slots in a feasibility check

UnitKey = tuple[int, tuple[tuple[str, int], ...]]
"""A unit's situation: (room left under the cap, ((specialty, experts not yet picked, at most the room), ...)).
Units in the same situation are interchangeable, so the network has one node per situation."""


def _unit_key(room: int, counts: Mapping[str, int]) -> UnitKey:
    return room, tuple(sorted((s, min(n, room)) for s, n in counts.items() if n > 0))


@dataclass
class _State:
    """What is left to fill, and with whom: the input of a feasibility check.

    The network is source → situation (units × room) → specialty (units × experts) →
    slot label (when the label accepts the specialty) → sink (slots left). Merging
    the units of one situation is exact: a flow of the merged node can be dealt back
    to its units round-robin, specialty by specialty, without passing any unit's room
    or experts. The slots can all be filled iff the maximum flow equals the slots left."""

    units: Counter[UnitKey]  # situation → how many units are in it
    demand: dict[str, int]  # slot label → slots left
    quota_specialties: frozenset[str]

    @property
    def total(self) -> int:
        return sum(self.demand.values())

    def slot_accepts(self, label: str, specialty: str) -> bool:
        if label == ALTERNATE_SLOT:
            return True
        if label == FREE_SLOT:
            return specialty not in self.quota_specialties
        return specialty == label

    def feasible(self) -> bool:
        total = self.total
        net = _Flow()
        s, t = net.node(), net.node()
        slot_nodes = {label: net.node() for label, n in self.demand.items() if n > 0}
        for label, node in slot_nodes.items():
            net.edge(node, t, self.demand[label])
        spec_nodes: dict[str, int] = {}
        for (room, counts), many in sorted(self.units.items()):
            if many <= 0 or room <= 0 or not counts:
                continue
            node = net.node()
            net.edge(s, node, min(many * room, total))
            for specialty, n in counts:
                if specialty not in spec_nodes:
                    spec_nodes[specialty] = net.node()
                    for label, slot in slot_nodes.items():
                        if self.slot_accepts(label, specialty):
                            net.edge(spec_nodes[specialty], slot, total)
                net.edge(node, spec_nodes[specialty], min(many * n, total))
        return net.run(s, t, total) == total

    def after_pick(self, key: UnitKey, specialty: str, label: str) -> _State:
        """The state once a unit in situation ``key`` gave a ``specialty`` expert to slot ``label``."""
        room, counts = key
        units = Counter(self.units)
        units[key] -= 1
        left = {s: n - (s == specialty) for s, n in counts}
        units[_unit_key(room - 1, left)] += 1
        demand = dict(self.demand)
        demand[label] -= 1
        return _State(+units, demand, self.quota_specialties)


class _Pool:
    """The experts not yet picked, by unit, with each unit's room under the cap."""

    def __init__(self, candidates: Sequence[Candidate], request: Request):
        self.cap = request.unit_cap
        unlimited = len(candidates) + request.members + request.alternates + 1
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        for c in candidates:
            self.counts[self.unit(c)][c.specialty] += 1
        self.room = dict.fromkeys(self.counts, self.cap if self.cap is not None else unlimited)
        self.quota_specialties = frozenset(s for s, _ in request.quotas)

    def unit(self, candidate: Candidate) -> str:
        """Without a cap every expert counts as one unit, which keeps the network to a few nodes."""
        return candidate.unit if self.cap is not None else _UNCAPPED_UNIT

    def key(self, unit: str) -> UnitKey:
        return _unit_key(self.room[unit], self.counts[unit])

    def state(self, demand: Mapping[str, int]) -> _State:
        units = Counter(self.key(u) for u, room in self.room.items() if room > 0)
        return _State(units, {k: v for k, v in demand.items() if v > 0}, self.quota_specialties)

    def take(self, candidate: Candidate) -> None:
        unit = self.unit(candidate)
        self.counts[unit][candidate.specialty] -= 1
        self.room[unit] -= 1


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
    needed = request.members + request.alternates
    if len(candidates) < needed:
        problems.append(
            f"需抽取委员 {request.members} 人、备选 {request.alternates} 人，共 {needed} 人，符合条件的专家只有 {len(candidates)} 人"
        )
    if problems:
        return problems
    if request.unit_cap is not None:
        pool = _Pool(candidates, request)
        members = _member_demand(request)
        if not pool.state(members).feasible():
            problems.append(
                f"每个单位最多抽取 {request.unit_cap} 人的限制下，无法凑齐 {request.members} 名委员及各专业人数；请放宽单位上限或扩大专家库"
            )
        elif not pool.state({**members, ALTERNATE_SLOT: request.alternates}).feasible():
            problems.append(
                f"每个单位最多抽取 {request.unit_cap} 人（含备选）的限制下，凑不齐 {request.members} 名委员和 "
                f"{request.alternates} 名备选；请减少备选人数或放宽单位上限"
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
    pool = _Pool(ordered, request)
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
    for _ in range(request.alternates):
        allowed = [
            c for c, unit in zip(ordered, units) if pool.room[unit] > 0 and c.id not in picked
        ]
        if not allowed:
            break
        take(allowed, ALTERNATE, FREE_SLOT)
    return picks


# --- Records and their verification ------------------------------------------------------

CORE_KEYS = (
    "format",
    "algorithm",
    "committee",
    "meeting",
    "drawn_on",
    "recorded_at",
    "place",
    "seed",
    "seed_source",
    "params",
    "pool_sha256",
    "eligible_count",
    "exclusions",
    "picks",
    "drawers",
    "supervisors",
    "late_reason",
    "voids",
    "void_reason",
    "warnings",
)
"""The fields the record fingerprint covers: everything fixed at the draw. Not the record's own
number (the store gives it on saving, and a saved record is never changed) nor what comes
later (answers, replacements, signatures)."""


def record_digest(record: Mapping[str, Any]) -> str:
    """The fingerprint of a draw record (printed on the signed sheet)."""
    core = {key: record.get(key) for key in CORE_KEYS}
    return hashlib.sha256(canonical_json(core).encode("utf-8")).hexdigest()


CHAIN_DOMAIN = "qjtitle-draw-chain-v1"
LATER_KEYS = ("draw", "voided_by", "answers", "replacements", "signatures", "members_now")
"""What the chained successor digest covers: everything the fingerprint leaves out, except the
eligible list (covered by ``pool_sha256``) and the fingerprint itself (the chain's link)."""


def chain_digest(record: Mapping[str, Any]) -> str:
    """``chain_sha256``: SHA-256(CHAIN_DOMAIN 0x00 record_sha256 0x00 canonical JSON of LATER_KEYS)."""
    later = {key: record.get(key) for key in LATER_KEYS}
    message = b"\x00".join(
        [
            CHAIN_DOMAIN.encode("utf-8"),
            str(record.get("record_sha256")).encode("utf-8"),
            canonical_json(later).encode("utf-8"),
        ]
    )
    return hashlib.sha256(message).hexdigest()


def _expert_text(pick: Mapping[str, Any] | None, expert_id: Any) -> str:
    return f"{pick['name']}（编号 {expert_id}）" if pick else f"编号 {expert_id} 的专家"


def check_later(
    record: Mapping[str, Any], picks: Sequence[Mapping[str, Any]] | None = None
) -> list[str]:
    """Problems with what came after the draw, by replaying the answers in order (spec section 9).

    A declined member is replaced by the first alternate (in pick order) not yet used, not the
    decliner, whose latest answer so far is not a decline, and whose specialty fits the vacated
    slot; the replacements must be exactly those, ``members_now`` the composition they leave,
    and each signature signed by the drawers and supervisors."""
    picks = list(record.get("picks") or [] if picks is None else picks)
    by_id = {p["id"]: p for p in picks}
    quotas = set((record.get("params") or {}).get("quotas") or {})
    members = {p["position"]: p["id"] for p in picks if p["role"] == MEMBER}
    slots = {p["position"]: p["slot"] for p in picks if p["role"] == MEMBER}
    alternates = [p for p in picks if p["role"] == ALTERNATE]
    replacements = list(record.get("replacements") or [])
    problems: list[str] = []
    latest: dict[int, bool] = {}
    used: set[int] = set()
    done = 0
    for n, answer in enumerate(record.get("answers") or [], 1):
        eid, accepted = answer["expert"], answer["accepted"]
        if eid not in by_id or not isinstance(accepted, bool):
            problems.append(
                f"第{n}条答复（{_expert_text(None, eid)}）不是对本次抽取结果中专家的有效答复"
            )
            return problems
        latest[eid] = accepted
        position = next((pos for pos, held in members.items() if held == eid), None)
        if accepted or position is None:
            continue
        slot = slots[position]
        substitute = next(
            (
                p
                for p in alternates
                if p["id"] not in used
                and p["id"] != eid
                and latest.get(p["id"]) is not False
                and (p["specialty"] == slot if slot else p["specialty"] not in quotas)
            ),
            None,
        )
        if substitute is None:
            continue  # no alternate fits: the seat stays vacant until a redraw
        want = {
            "member_position": position,
            "out": eid,
            "in": substitute["id"],
            "alternate_position": substitute["position"],
        }
        expected = (
            f"第{position}位委员 {_expert_text(by_id[eid], eid)} 由第{substitute['position']}位备选 "
            f"{_expert_text(substitute, substitute['id'])} 替补"
        )
        if done >= len(replacements):
            problems.append(f"按第{n}条答复应有替补：{expected}；记录中没有这条替补")
            return problems
        got = replacements[done]
        done += 1
        if any(got.get(key) != value for key, value in want.items()):
            problems.append(
                f"第{done}条替补不符：记录为第{got.get('member_position')}位委员由 "
                f"{_expert_text(by_id.get(got.get('in')), got.get('in'))} 替补，按答复和替补规则应为：{expected}"
            )
            return problems
        members[position] = substitute["id"]
        used.add(substitute["id"])
    if done < len(replacements):
        extra = replacements[done]
        problems.append(
            f"第{done + 1}条替补（第{extra.get('member_position')}位委员改由 "
            f"{_expert_text(by_id.get(extra.get('in')), extra.get('in'))} 担任）没有对应的谢绝答复，不是按规则产生的替补"
        )
        return problems
    now = [{"position": pos, "id": eid} for pos, eid in sorted(members.items())]
    if "members_now" in record and record.get("members_now") != now:
        problems.append(
            "当前委员名单（members_now）与抽取结果、答复和替补推算的不符：记录为 "
            f"{[m.get('id') for m in record.get('members_now') or []]}，应为 {[m['id'] for m in now]}"
        )
    signers = [*(record.get("drawers") or []), *(record.get("supervisors") or [])]
    for n, signature in enumerate(record.get("signatures") or [], 1):
        if signature["signers"] != signers:
            problems.append(
                f"第{n}次签字的签字人 {signature['signers']} 不是本次抽取的抽取人员和监督人员 {signers}"
            )
    return problems


def pick_key(pick: Mapping[str, Any]) -> tuple[Any, ...]:
    return (pick["position"], pick["role"], pick.get("slot", ""), pick["id"], pick["name"])


@dataclass
class Verification:
    """What re-checking a record found."""

    ok: bool
    findings: list[str] = field(default_factory=list)  # each a Chinese sentence; problems first
    recomputed: list[dict[str, Any]] = field(default_factory=list)


def verify_record(record: Mapping[str, Any]) -> Verification:
    """Re-check a record on its own: fingerprint, pool hash, and the picks recomputed from its seed."""
    findings: list[str] = []
    ok = True
    if record.get("algorithm") != ALGORITHM:
        return Verification(
            False, [f"记录使用的算法“{record.get('algorithm')}”不是本程序的 {ALGORITHM}，无法复核"]
        )
    stored = record.get("record_sha256")
    actual = record_digest(record)
    if not stored:
        ok = False
        findings.append(
            "记录没有指纹（record_sha256）；无法证明记录未被改动，请向出具单位索取完整的导出记录"
        )
    elif stored != actual:
        ok = False
        findings.append(
            f"记录指纹不符：记录中为 {stored}，按内容重算为 {actual}，记录内容在抽取后被改动过"
        )
    try:
        eligible = [Candidate.from_entry(e) for e in record.get("eligible", [])]
        request = Request.from_dict(record["params"])
        seed = str(record["seed"])
    except (KeyError, TypeError, ValueError) as exc:
        return Verification(
            False, findings + [f"记录缺少必要的内容或格式不对（{exc}）；请重新导出"]
        )
    except InvalidValue as exc:
        return Verification(False, findings + [f"记录中的抽取参数无效：{exc}"])
    pool_hash = pool_digest(eligible)
    if pool_hash != record.get("pool_sha256"):
        ok = False
        findings.append(
            f"符合条件专家名单的哈希不符：记录中为 {record.get('pool_sha256')}，按名单重算为 {pool_hash}"
        )
    if len(eligible) != record.get("eligible_count"):
        ok = False
        findings.append(
            f"符合条件专家人数不符：记录中为 {record.get('eligible_count')}，名单实有 {len(eligible)} 人"
        )
    try:
        recomputed = [p.as_dict() for p in select(seed, eligible, request)]
    except QjtitleError as exc:
        return Verification(False, findings + [f"按记录无法重算抽取结果：{exc}"])
    mismatch = compare_picks(record.get("picks", []), recomputed)
    if mismatch:
        return Verification(False, [*findings, mismatch], recomputed)
    findings.append(f"按种子 {seed} 重算的 {len(recomputed)} 个抽取结果与记录逐位一致")
    try:
        later = check_later(record, recomputed)
    except (KeyError, TypeError, AttributeError):
        later = ["记录中的答复、替补、签字或当前委员格式不对；请重新导出"]
    if later:
        ok = False
        findings.extend(later)
    chain = record.get("chain_sha256")
    if chain is None:
        findings.append(
            "记录没有后续事项的链哈希（chain_sha256，较早版本导出的记录）：答复、替补和当前委员已按规则推算核对，"
            "签字等后续事项无法证明未被改动"
        )
    elif chain != chain_digest(record):
        ok = False
        findings.append(
            f"后续事项的链哈希不符：记录中为 {chain}，按内容重算为 {chain_digest(record)}，"
            "答复、替补、签字或当前委员在导出后被改动过"
        )
    elif not later:
        findings.append("答复、替补、签字和当前委员与链哈希一致，替补均按规则产生")
    return Verification(ok, findings, recomputed)


def compare_picks(
    recorded: Sequence[Mapping[str, Any]], recomputed: Sequence[Mapping[str, Any]]
) -> str | None:
    """None when the two lists agree position by position, else where they first differ."""
    for a, b in zip(recorded, recomputed, strict=False):
        if pick_key(a) != pick_key(b):
            return (
                f"第{a['position']}位不符：记录为 {a['name']}（编号 {a['id']}），"
                f"重算为 {b['name']}（编号 {b['id']}）"
            )
    if len(recorded) != len(recomputed):
        return f"抽取人数不符：记录有 {len(recorded)} 位，重算得 {len(recomputed)} 位"
    return None


def load_record(path: Any) -> dict[str, Any]:
    """An exported record (``draw export --json``), for ``verify-draw --record``."""
    from pathlib import Path

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise NotFound(f"找不到抽取记录文件 {path}；请检查路径") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidValue(
            f"{path.name} 不是有效的 JSON 抽取记录（{exc}）；请用 qjtitle draw export 重新导出"
        ) from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise InvalidValue(
            f'{path.name} 不是 qjtitle 导出的抽取记录（应含 "format": "{RECORD_FORMAT}"）'
        )
    return data
