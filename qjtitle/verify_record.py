"""qjtitle-verify: re-check an exported draw record with nothing but Python's standard library.

For the approving department (核准组建部门): ``qjtitle-verify 第1号抽取记录.json`` prints the
same conclusion and exit code as ``qjtitle verify-draw --record``. This file is written from
the specification ``docs/draw-spec.md`` 1.3 (algorithm ``qjtitle-draw-v1``, record formats
``qjtitle-draw-record/2`` and ``/1``, chain ``qjtitle-draw-chain-v1``, fills §15) and imports nothing from the
rest of qjtitle, so it can be copied alone and read in an afternoon. Section numbers (§)
refer to the specification.

Exit codes: 0 consistent; 1 not consistent, or the file is not a draw record.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from collections import deque
from pathlib import Path
from typing import Any

ALGORITHM = "qjtitle-draw-v1"
FORMATS = {"qjtitle-draw-record/1": 1, "qjtitle-draw-record/2": 2}
CHAIN_DOMAIN = "qjtitle-draw-chain-v1"
CORE_KEYS_1 = (
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
CORE_KEYS_2 = (*CORE_KEYS_1, "chain")  # §9: format 2 also fixes the chain's name
LATER_KEYS = ("draw", "voided_by", "answers", "replacements", "signatures", "members_now")
TOP_KEYS_2 = {*CORE_KEYS_2, "eligible", "record_sha256", *LATER_KEYS, "chain_sha256"}  # §12
FILL = "fills"  # §15: a supplementary draw (补抽) has this one field more, under the fingerprint
BOUND = 2**256


class Unfit(Exception):
    """The record cannot be recomputed (bad parameters, or the slots cannot be filled)."""


# --- §2 canonical JSON and digests ---------------------------------------------------------------


def cjson(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8"
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- §4 the random stream --------------------------------------------------------------------


class Stream:
    def __init__(self, seed: str) -> None:
        self.prefix = ALGORITHM.encode("utf-8") + b"\x00" + seed.encode("utf-8") + b"\x00"
        self.k = 0

    def block(self) -> int:
        digest = hashlib.sha256(self.prefix + self.k.to_bytes(8, "big")).digest()
        self.k += 1
        return int.from_bytes(digest, "big")

    def below(self, n: int) -> int:
        limit = BOUND - BOUND % n
        while True:
            x = self.block()
            if x < limit:
                return x % n


# --- §7 feasibility: can the open slots still be filled? ---------------------------------------


def flow(
    count: dict[tuple[str, str], int], room: dict[str, int], demand: dict[str, int], accepts: Any
) -> set[tuple[str, str]] | None:
    """Whether the open slots can still be filled: the maximum flow of
    source → unit (room) → (unit, specialty) (experts not yet picked) → slot label (demand) → sink
    equals the number of open slots. None when it does not; otherwise the (unit, specialty) pairs
    that one such filling leaves room for (their unit and pair edges both keep capacity)."""
    cap: dict[Any, dict[Any, int]] = {}

    def edge(u: Any, v: Any, c: int) -> None:
        cap.setdefault(u, {}).setdefault(v, 0)
        cap[u][v] += c
        cap.setdefault(v, {}).setdefault(u, 0)

    for unit, left in room.items():
        if left > 0:
            edge("S", ("u", unit), left)
    for (unit, specialty), n in count.items():
        if n > 0 and room.get(unit, 0) > 0:
            edge(("u", unit), ("e", unit, specialty), n)
            for label, d in demand.items():
                if d > 0 and accepts(label, specialty):
                    edge(("e", unit, specialty), ("l", label), n)
    for label, d in demand.items():
        if d > 0:
            edge(("l", label), "T", d)
    need, flow = sum(demand.values()), 0
    while flow < need:  # augmenting paths by breadth-first search, one unit of flow at a time
        parent: dict[Any, Any] = {"S": None}
        queue = deque(["S"])
        while queue and "T" not in parent:
            u = queue.popleft()
            for v, c in cap.get(u, {}).items():
                if c > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if "T" not in parent:
            return None
        v = "T"
        while parent[v] is not None:
            u = parent[v]
            cap[u][v] -= 1
            cap[v][u] += 1
            v = u
        flow += 1
    return {
        (unit, specialty)
        for (unit, specialty), n in count.items()
        if n > 0
        and cap.get("S", {}).get(("u", unit), 0) > 0
        and cap[("u", unit)][("e", unit, specialty)] > 0
    }


# --- §6–§8 the selection -------------------------------------------------------------------------


def parameters(params: Any) -> tuple[int, int, list[tuple[str, int]], int | None]:
    """§6, after ``shape`` has checked the types."""
    quotas = sorted(dict(params.get("quotas") or {}).items())
    return params["members"], params.get("alternates", 0), quotas, params.get("unit_cap")


def draw(
    seed: str, eligible: list[list[Any]], params: Any, trace: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The picks (§8) for a seed, the eligible list and the parameters; ``trace`` (when given)
    receives each slot's label, candidate ids, n, the counter of the accepted block and the index."""
    members, alternates, quotas, cap = parameters(params)
    spare = sorted((params.get("alternate_quotas") or {}).items())  # §6: alternates by specialty
    people = sorted(eligible, key=lambda e: e[0])
    if len({e[0] for e in people}) != len(people):
        raise Unfit("符合条件专家名单中有重复的编号")
    fixed = {s for s, _ in quotas}
    labels = [s for s, n in quotas for _ in range(n)]
    labels += [""] * (members - len(labels))

    def accepts(label: str, specialty: str) -> bool:
        if label == "*alternate":
            return True
        return specialty == label if label else specialty not in fixed

    def unit(e: list[Any]) -> str:
        return e[3] if cap is not None else "*"  # §7: without a cap every expert is in one unit

    big = len(people) + members + alternates + sum(n for _, n in spare) + 1
    room = {unit(e): cap if cap is not None else big for e in people}
    demand: dict[str, int] = {}
    for label in labels:
        demand[label] = demand.get(label, 0) + 1
    left = list(people)

    def counts() -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for e in left:
            found[(unit(e), e[2])] = found.get((unit(e), e[2]), 0) + 1
        return found

    if flow(counts(), room, demand, accepts) is None:
        raise Unfit("按记录无法重算抽取结果：符合条件的专家凑不齐委员")
    everyone = dict(demand)
    for label, n in spare:  # an alternate slot of a specialty accepts what a member slot of it does
        everyone[label] = everyone.get(label, 0) + n
    if flow(counts(), room, {**everyone, "*alternate": alternates}, accepts) is None:
        raise Unfit("按记录无法重算抽取结果：符合条件的专家凑不齐委员和备选")
    stream = Stream(seed)
    picks: list[dict[str, Any]] = []

    def take(candidates: list[list[Any]], role: str, label: str) -> None:
        index = stream.below(len(candidates))
        if trace is not None:
            trace.append(
                {
                    "role": role,
                    "slot": label,
                    "candidates": [e[0] for e in candidates],
                    "n": len(candidates),
                    "counter": stream.k - 1,
                    "index": index,
                }
            )
        chosen = candidates[index]
        left.remove(chosen)
        room[unit(chosen)] -= 1
        picks.append(
            {
                "position": len(picks) + 1,
                "role": role,
                "slot": label,
                "id": chosen[0],
                "name": chosen[1],
                "specialty": chosen[2],
                "unit": chosen[3],
            }
        )

    for label in labels:
        demand[label] -= 1
        verdict: dict[tuple[str, str], bool] = {}
        candidates = []
        now = counts()
        easy = (
            flow(now, room, demand, accepts) or set()
        )  # a filling of the rest that leaves these free
        for e in left:
            key = (unit(e), e[2])
            if room[key[0]] < 1 or not accepts(label, e[2]):
                continue
            if key not in verdict:  # §7 look-ahead: the rest of the member slots stay fillable
                rest = {**now, key: now[key] - 1}
                after = {**room, key[0]: room[key[0]] - 1}
                verdict[key] = key in easy or flow(rest, after, demand, accepts) is not None
            if verdict[key]:
                candidates.append(e)
        if not candidates:
            raise Unfit("按记录无法重算抽取结果：委员位置无可抽取的专家")
        take(candidates, "member", label)
    for label, n in spare:  # §8: the alternates of each specialty, then the open ones
        for _ in range(n):
            candidates = [e for e in left if e[2] == label and room[unit(e)] > 0]
            if candidates:
                take(candidates, "alternate", label)
    for _ in range(alternates):
        candidates = [e for e in left if room[unit(e)] > 0]
        if not candidates:
            break
        take(candidates, "alternate", "")
    return picks


# --- §10 after the draw: replay answers and replacements ------------------------------------------


def is_fill(record: dict[str, Any]) -> bool:
    return record.get("format") == "qjtitle-draw-record/2" and FILL in record


def seated(record: dict[str, Any], picks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """§15: in a fill the k-th member sits in the k-th seat of ``fills``."""
    if not is_fill(record):
        return picks
    seats = record[FILL]["seats"]
    return [
        {**p, "position": seats[p["position"] - 1]}
        if p["role"] == "member" and 1 <= p["position"] <= len(seats)
        else p
        for p in picks
    ]


def replay(record: dict[str, Any], picks: list[dict[str, Any]]) -> list[str]:
    fmt = FORMATS[record["format"]]
    picks = seated(record, picks)
    drawn = {p["id"]: p for p in picks}
    fixed = set((record.get("params") or {}).get("quotas") or {})
    seats: dict[int, Any] = {p["position"]: p["id"] for p in picks if p["role"] == "member"}
    slot = {p["position"]: p["slot"] for p in picks if p["role"] == "member"}
    alternates = [p for p in picks if p["role"] == "alternate"]
    recorded = list(record.get("replacements") or [])
    said: dict[Any, bool] = {}
    used: set[Any] = set()
    left: dict[Any, int] = {}  # expert → the seat they left (replaced; or vacant, format 2)
    i = 0
    for n, answer in enumerate(record.get("answers") or [], 1):
        who, yes = answer["expert"], answer["accepted"]
        if who not in drawn or not isinstance(yes, bool):
            return [f"第{n}条答复（编号 {who}）不是对本次抽取结果中专家的有效答复"]
        if who in left:
            return [
                f"第{n}条答复来自已离开第{left[who]}位委员位次的专家（编号 {who}），不能再答复（规范 §10）"
            ]
        said[who] = yes
        seat = next((pos for pos, held in seats.items() if held == who), None)
        if yes or seat is None:
            continue
        fits = [
            a
            for a in alternates
            if a["id"] not in used
            and a["id"] != who
            and said.get(a["id"]) is not False
            and (a["specialty"] == slot[seat] if slot[seat] else a["specialty"] not in fixed)
        ]
        if not fits:
            if fmt == 2:  # §10: the seat is vacant
                seats[seat] = None
                left[who] = seat
            continue
        sub = fits[0]
        if i >= len(recorded):
            return [
                f"按第{n}条答复，第{seat}位委员应由第{sub['position']}位备选 {sub['name']} 替补；记录中没有这条替补"
            ]
        r = recorded[i]
        i += 1
        if (r.get("member_position"), r.get("out"), r.get("in"), r.get("alternate_position")) != (
            seat,
            who,
            sub["id"],
            sub["position"],
        ):
            expected = (
                f"第{seat}位委员应由第{sub['position']}位备选 {sub['name']}（编号 {sub['id']}）替补"
            )
            return [f"第{i}条替补不符：按答复和替补规则，{expected}"]
        seats[seat] = sub["id"]
        used.add(sub["id"])
        left[who] = seat
    if i < len(recorded):
        return [
            f"第{i + 1}条替补（改由编号 {recorded[i].get('in')} 担任）没有对应的谢绝答复，不是按规则产生的替补"
        ]
    problems = []
    now = [{"position": pos, "id": held} for pos, held in sorted(seats.items())]
    if ("members_now" in record or fmt == 2) and record.get("members_now") != now:
        problems.append("当前委员名单（members_now）与抽取结果、答复和替补推算的不符（规范 §10）")
    signers = [*(record.get("drawers") or []), *(record.get("supervisors") or [])]
    for n, s in enumerate(record.get("signatures") or [], 1):
        if s["signers"] != signers:
            problems.append(f"第{n}次签字的签字人不是本次抽取的抽取人员和监督人员")
    return problems


# --- §2, §3, §5, §6, §12 strict shape ------------------------------------------------------------


def integer(value: Any, least: int = 0) -> bool:
    return type(value) is int and value >= least  # §2: true and false are not integers


def text_key(value: str) -> str:
    """§5: the comparison form of a unit or a specialty."""
    for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
        value = value.replace(ch, "")
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def shape(record: dict[str, Any]) -> list[str]:
    """Fields that break the specification, each with the section that forbids it."""
    fmt = FORMATS[record["format"]]
    bad: list[str] = []

    def need(ok: bool, text: str, section: str) -> None:
        if not ok:
            bad.append(f"{text}（规范 §{section}）")

    def objects(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)

    if fmt == 2:
        extra = sorted(set(record) - TOP_KEYS_2 - ({FILL} if is_fill(record) else set()))
        need(not extra, "记录中有规范未定义的字段 " + "、".join(extra), "12")
        missing = sorted(TOP_KEYS_2 - set(record))
        need(not missing, "记录缺少字段 " + "、".join(missing), "12")
        need(record.get("chain") == CHAIN_DOMAIN, f"chain 应为 {CHAIN_DOMAIN}", "9")
    for key in ("draw", "voids", "voided_by"):
        need(
            record.get(key) is None or integer(record.get(key), 1), f"{key} 应为正整数或 null", "12"
        )
    need(integer(record.get("eligible_count")), "eligible_count 应为整数", "12")
    if fmt == 2:
        meeting, committee = record.get("meeting"), record.get("committee")
        need(
            isinstance(meeting, dict)
            and integer(meeting.get("id"), 1)
            and integer(meeting.get("size"), 1),
            "meeting 的 id、size 应为正整数",
            "12",
        )
        need(
            isinstance(committee, dict)
            and all(isinstance(committee.get(k), str) for k in ("code", "name", "level")),
            "committee 的 code、name、level 应为字符串",
            "12",
        )
    eligible: Any = record.get("eligible")
    entries = isinstance(eligible, list) and all(
        isinstance(e, list)
        and len(e) == 4
        and integer(e[0], 1)
        and all(isinstance(x, str) for x in e[1:])
        for e in eligible
    )
    need(entries, "符合条件专家名单的条目应为 [正整数编号, 姓名, 专业, 单位]", "5")
    if entries:
        need(len({e[0] for e in eligible}) == len(eligible), "符合条件专家名单中有重复的编号", "5")
    seed = record.get("seed")
    need(isinstance(seed, str) and seed != "", "seed 应为非空字符串", "3")
    if fmt == 2 and isinstance(seed, str):
        need(re.fullmatch(r"(?:[0-9A-Za-z]+/)+", seed) is not None, "seed 不是规范化的形式", "3")
    params = record.get("params")
    quotas: Any = {}
    alternate_names: list[Any] = []
    if not isinstance(params, dict):
        need(False, "params 应为对象", "6")
    else:
        members, quotas, cap = (
            params.get("members"),
            params.get("quotas") or {},
            params.get("unit_cap"),
        )
        need(integer(members, 1), "委员人数 members 应为正整数", "6")
        need(integer(params.get("alternates", 0)), "备选人数 alternates 应为0或正整数", "6")
        fine = isinstance(quotas, dict) and all(integer(n, 1) for n in quotas.values())
        need(fine, "各专业指定人数 quotas 应为 专业 → 正整数", "6")
        quotas = quotas if fine else {}
        if integer(members, 1):
            need(sum(quotas.values()) <= members, "各专业指定人数之和超过委员人数", "6")
        need(cap is None or integer(cap, 1), "每个单位最多抽取人数 unit_cap 应为正整数或 null", "6")
        extra = params.get("alternate_quotas", {})
        need(
            isinstance(extra, dict) and all(integer(n, 1) for n in extra.values()),
            "各专业备选人数 alternate_quotas 应为 专业 → 正整数",
            "6",
        )
        alternate_names = list(extra) if isinstance(extra, dict) else []
        names = params.get("specialties", [])
        need(
            isinstance(names, list) and all(isinstance(x, str) for x in names),
            "specialties 应为字符串数组",
            "12",
        )
        need(
            isinstance(params.get("same_unit_recusal", True), bool),
            "same_unit_recusal 应为 true 或 false",
            "12",
        )
    if fmt == 2 and entries:
        need(all(text_key(e[3]) == e[3] for e in eligible), "单位不是规范形式", "5")
        spellings: dict[str, set[str]] = {}
        for name in [*(e[2] for e in eligible), *quotas, *alternate_names]:
            spellings.setdefault(text_key(name), set()).add(name)
        need(all(len(v) == 1 for v in spellings.values()), "同一专业有不同写法", "5")
    picks: Any = record.get("picks")
    need(objects(picks), "picks 应为对象数组", "12")
    for p in picks if objects(picks) else []:
        keys = {"position", "role", "slot", "id", "name", "specialty", "unit"}
        fine = set(p) == keys if fmt == 2 else {"position", "role", "id", "name"} <= set(p)
        fine = (
            fine
            and integer(p["position"], 1)
            and integer(p["id"], 1)
            and p["role"] in ("member", "alternate")
        )
        fine = fine and all(
            isinstance(p.get(k, ""), str) for k in ("slot", "name", "specialty", "unit")
        )
        if not fine:
            need(False, "抽取结果的一项格式不对", "12")
            break
    if is_fill(record):
        fill, params = record[FILL], params if isinstance(params, dict) else {}
        fine = (
            isinstance(fill, dict)
            and set(fill) == {"draw", "record_sha256", "seats"}
            and integer(fill["draw"], 1)
            and isinstance(fill["record_sha256"], str)
            and re.fullmatch(r"[0-9a-f]{64}", fill["record_sha256"]) is not None
            and isinstance(fill["seats"], list)
            and all(integer(x, 1) for x in fill["seats"])
            and len(set(fill["seats"])) == len(fill["seats"]) > 0
        )
        need(fine, "fills 应为 {draw, record_sha256, seats}", "13")
        if fine:
            need(record.get("voids") is None, "补抽记录的 voids 应为 null", "13")
            need(
                params.get("members") == len(fill["seats"])
                and params.get("alternates", 0) == 0
                and not params.get("alternate_quotas", {}),
                "补抽的委员人数应等于所补位次数，且不抽备选",
                "13",
            )
    rules: dict[str, Any] = {
        "answers": lambda a: integer(a.get("expert"), 1) and isinstance(a.get("accepted"), bool),
        "replacements": lambda r: all(
            integer(r.get(k), 1) for k in ("member_position", "out", "in", "alternate_position")
        ),
        "signatures": lambda s: (
            isinstance(s.get("signers"), list) and all(isinstance(x, str) for x in s["signers"])
        ),
        "members_now": lambda m: (
            integer(m.get("position"), 1)
            and (integer(m.get("id"), 1) or (fmt == 2 and m.get("id") is None))
        ),
    }
    for key, fits in rules.items():
        value: Any = record.get(key, [])
        if value is None and fmt == 1:
            continue
        if not (objects(value) and all(fits(v) for v in value)):
            need(False, f"{key} 的格式不对", "12" if key == "signatures" else "10")
    return bad


# --- §11 the verdict -------------------------------------------------------------------------------


def verify(record: dict[str, Any]) -> tuple[bool, list[str], list[dict[str, Any]]]:
    """(consistent?, findings in Chinese, recomputed picks), by §11."""
    name: Any = record.get("format")
    fmt = FORMATS.get(name) if isinstance(name, str) else None
    if fmt is None:
        return False, [f"记录格式“{record.get('format')}”不认识，无法复核"], []
    notes = ["记录格式 1（规范 1.1 及以前导出的记录）" if fmt == 1 else "记录格式 2（规范 1.2）"]
    if record.get("algorithm") != ALGORITHM:
        return (
            False,
            [*notes, f"记录使用的算法“{record.get('algorithm')}”不是 {ALGORITHM}，无法复核"],
            [],
        )
    ok = True
    stored = record.get("record_sha256")
    core = CORE_KEYS_2 if fmt == 2 else CORE_KEYS_1
    if is_fill(record):
        core = (*core, FILL)
        if isinstance(record[FILL], dict):
            notes.append(f"补抽记录（规范 §15），接在第{record[FILL].get('draw')}号记录之后")
    actual = sha256_hex(cjson({key: record.get(key) for key in core}))
    if not stored:
        ok = False
        notes.append("记录没有指纹（record_sha256）；无法证明记录未被改动")
    elif stored != actual:
        ok = False
        notes.append(
            f"记录指纹不符：记录中为 {stored}，按内容重算为 {actual}，记录内容在抽取后被改动过"
        )
    bad = shape(record)
    if bad:
        return False, [*notes, *bad], []
    eligible = record["eligible"]
    seed = record["seed"]
    pool = sha256_hex(cjson(sorted(eligible, key=lambda e: e[0])))
    if pool != record.get("pool_sha256"):
        ok = False
        notes.append(
            f"符合条件专家名单的哈希不符：记录中为 {record.get('pool_sha256')}，按名单重算为 {pool}"
        )
    if len(eligible) != record.get("eligible_count"):
        ok = False
        notes.append(
            f"符合条件专家人数不符：记录中为 {record.get('eligible_count')}，名单实有 {len(eligible)} 人"
        )
    try:
        picks = draw(seed, eligible, record["params"])
    except Unfit as exc:
        return False, [*notes, str(exc)], []
    fields = (
        "position",
        "role",
        "slot",
        "id",
        "name",
        "specialty",
        "unit",
    )  # §11 step 6: every field
    recorded = [tuple(p.get(k) for k in fields) for p in record["picks"]]
    again = [tuple(p[k] for k in fields) for p in picks]
    if recorded != again:
        where = next((n for n, (a, b) in enumerate(zip(recorded, again), 1) if a != b), None)
        text = (
            f"第{where}位与重算结果不符"
            if where
            else f"抽取人数不符：记录有 {len(recorded)} 位，重算得 {len(again)} 位"
        )
        return False, [*notes, text], picks
    notes.append(f"按种子 {seed} 重算的 {len(picks)} 个抽取结果与记录逐项一致")
    later = replay(record, picks)
    if later:
        ok = False
        notes.extend(later)
    chain = record.get("chain_sha256")
    expected = sha256_hex(
        CHAIN_DOMAIN.encode("utf-8")
        + b"\x00"
        + str(stored).encode("utf-8")
        + b"\x00"
        + cjson({key: record.get(key) for key in LATER_KEYS})
    )
    if chain is None and fmt == 1:
        notes.append(
            "记录没有后续事项的链哈希（chain_sha256，较早版本导出的记录）：答复、替补和当前委员已按规则推算核对，"
            "签字等后续事项无法证明未被改动"
        )
    elif chain != expected:
        ok = False
        notes.append(f"后续事项的链哈希不符：记录中为 {chain}，按内容重算为 {expected}")
    elif not later:
        notes.append("答复、替补、签字和当前委员与链哈希一致，替补均按规则产生")
    return ok, notes, picks


def chain(records: list[dict[str, Any]]) -> list[str]:
    """§15: a draw and its fills, each fill chained to the record before it, filling the seats
    vacant then with a pick of each seat's slot, from an eligible list without anyone drawn or
    declined in the chain before."""
    records = sorted(records, key=lambda r: r.get("draw") or 0)
    first = records[0]
    if is_fill(first):
        return ["补抽记录之前应有它所补的原抽取记录（规范 §15）"]
    slot = {p["position"]: p["slot"] for p in first["picks"] if p["role"] == "member"}
    seats = {m["position"]: m["id"] for m in first.get("members_now") or []}
    out = {p["id"] for p in first["picks"]}
    out |= {a["expert"] for a in first.get("answers") or [] if a["accepted"] is False}
    unit = {p["id"]: p["unit"] for p in first["picks"]}
    cap = first["params"].get("unit_cap")
    before = first
    for record in records[1:]:
        name = f"第{record.get('draw')}号记录"
        if not is_fill(record):
            return [f"{name}不是补抽记录，不能接在抽取链中（规范 §15）"]
        fill = record[FILL]
        if (fill["draw"], fill["record_sha256"]) != (
            before.get("draw"),
            before.get("record_sha256"),
        ):
            return [
                f"{name}的链接与其前一条记录（第{before.get('draw')}号）的编号或指纹不符（规范 §15）"
            ]
        bad = []
        if record["meeting"].get("id") != first["meeting"].get("id"):
            bad.append(f"{name}不属于同一评审会议（规范 §15）")
        if sorted(fill["seats"]) != sorted(p for p, e in seats.items() if e is None):
            bad.append(f"{name}补的位次不是当时空缺的位次（规范 §15）")
        picks = seated(record, record["picks"])
        if any(p["slot"] != slot.get(p["position"]) for p in picks):
            bad.append(f"{name}补抽的专业与所补位次的专业不符（规范 §15）")
        if record["params"].get("unit_cap") != (None if cap is None else 1):
            bad.append(f"{name}的每单位上限应为 {'null' if cap is None else 1}（规范 §15）")
        held = [unit[e] for e in seats.values() if e is not None]
        if cap is not None and any(held.count(e[3]) >= cap for e in record["eligible"]):
            bad.append(f"{name}的符合条件名单含所在单位已达上限的专家（规范 §15）")
        if {e[0] for e in record["eligible"]} & out:
            bad.append(f"{name}的符合条件名单含已被抽中或已谢绝的专家（规范 §15）")
        if bad:
            return bad
        seats.update({m["position"]: m["id"] for m in record.get("members_now") or []})
        out |= {p["id"] for p in picks}
        unit |= {p["id"]: p["unit"] for p in picks}
        out |= {a["expert"] for a in record.get("answers") or [] if a["accepted"] is False}
        before = record
    return []


def once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """§2: a key appears at most once in an object."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"键“{key}”出现了两次（规范 §2）")
        found[key] = value
    return found


def no_fraction(text: str) -> Any:
    raise ValueError(f"“{text}”不是整数；记录中没有小数（规范 §2）")


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(
            path.read_text(encoding="utf-8-sig"),
            object_pairs_hook=once,
            parse_float=no_fraction,
            parse_constant=no_fraction,
        )
    except FileNotFoundError:
        raise SystemExit(f"错误：找不到抽取记录文件 {path}；请检查路径") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SystemExit(f"错误：{path.name} 不是有效的 JSON 抽取记录（{exc}）") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("format"), str)
        or data["format"] not in FORMATS
    ):
        raise SystemExit(
            f'错误：{path.name} 不是 qjtitle 导出的抽取记录（应含 "format": "qjtitle-draw-record/2" 或 "/1"）'
        )
    return data


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or any(a in ("-h", "--help") for a in args):
        print(
            "用法：qjtitle-verify 抽取记录.json [补抽记录.json …]\n"
            "按 docs/draw-spec.md 独立复核 qjtitle 导出的抽取记录（只用 Python 标准库）；一致时退出码为 0，否则为 1。\n"
            "补抽记录与其所补的原抽取记录一并给出时，还核对二者的链接（规范 §15）。"
        )
        return 0 if args else 1
    try:
        records = [load(Path(a)) for a in args]
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 1
    all_ok = True
    for path, record in zip(args, records, strict=True):
        ok, findings, _ = verify(record)
        all_ok = all_ok and ok
        print(("记录本身：" if len(args) == 1 else f"{path}：") + ("一致" if ok else "不一致"))
        for line in findings:
            print(f"  {line}")
    if all_ok and (len(records) > 1 or any(is_fill(r) for r in records)):
        if len(records) == 1:
            print("  补抽记录单独给出：与原抽取记录的链接未核对，请一并给出原抽取记录（规范 §15）")
        else:
            links = chain(records)
            all_ok = not links
            print("抽取链：" + ("一致" if all_ok else "不一致"))
            for line in links:
                print(f"  {line}")
    print("结论：" + ("抽取结果可复核，一致" if all_ok else "不一致，见上"))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
