"""Draw records on their own (pure): the fingerprint, the chained digest of what came later,
its replay, and the re-check of a record from its seed (``verify-draw --record``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qjtitle.errors import InvalidValue, NotFound, QjtitleError
from qjtitle.findings import Step, finding
from qjtitle.logic.draw import select
from qjtitle.logic.draw_inputs import (
    ALGORITHM,
    ALTERNATE,
    MEMBER,
    Candidate,
    Request,
    canonical_json,
    pool_digest,
)
from qjtitle.spreadsheets.text import compare_key

FORMAT_1 = "qjtitle-draw-record/1"
FORMAT_2 = "qjtitle-draw-record/2"
RECORD_FORMAT = FORMAT_2
"""The format new draws are recorded in (spec 1.2); records of format 1 keep verifying."""
FORMATS = {FORMAT_1: 1, FORMAT_2: 2}

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
CORE_KEYS = (*CORE_KEYS_1, "chain")
"""The fields the record fingerprint covers (format 2): everything fixed at the draw, and
``chain`` (the chain's name), so that the chain's presence is fixed with the format. Not the
record's own number (the store gives it on saving, and a saved record is never changed) nor
what comes later (answers, replacements, signatures). Format 1 covered ``CORE_KEYS_1``."""


def record_format(record: Mapping[str, Any]) -> int:
    """1 or 2 (0 for what is not a draw record of a known format)."""
    fmt: Any = record.get("format")
    return FORMATS.get(fmt, 0) if isinstance(fmt, str) else 0


FILL_KEY = "fills"
"""A supplementary draw (补抽, spec §15) of the vacant seats of the record it chains to: a format-2
record with one more field, ``fills`` = {"draw", "record_sha256", "seats"}, covered by the fingerprint."""


def is_fill(record: Mapping[str, Any]) -> bool:
    return record_format(record) == 2 and FILL_KEY in record


def record_digest(record: Mapping[str, Any]) -> str:
    """The fingerprint of a draw record (printed on the signed sheet), by the record's format."""
    keys = CORE_KEYS if record_format(record) == 2 else CORE_KEYS_1
    if is_fill(record):
        keys = (*keys, FILL_KEY)
    core = {key: record.get(key) for key in keys}
    return hashlib.sha256(canonical_json(core).encode("utf-8")).hexdigest()


CHAIN_DOMAIN = "qjtitle-draw-chain-v1"
LATER_KEYS = ("draw", "voided_by", "answers", "replacements", "signatures", "members_now")
"""What the chained successor digest covers: everything the fingerprint leaves out, except the
eligible list (covered by ``pool_sha256``) and the fingerprint itself (the chain's link)."""
TOP_KEYS = frozenset({*CORE_KEYS, "eligible", "record_sha256", *LATER_KEYS, "chain_sha256"})
"""Every top-level field of a format-2 record: no other is accepted (spec §12)."""


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


# --- Strict shape (spec §2, §3, §5, §6, §12) ---------------------------------------------------

_SEED_FORM = re.compile(r"(?:[0-9A-Za-z]+/)+")


def _is_int(value: Any, least: int = 0) -> bool:
    return type(value) is int and value >= least  # a boolean is not an integer here


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


_PICK_KEYS = frozenset({"position", "role", "slot", "id", "name", "specialty", "unit"})


def shape_problems(record: Mapping[str, Any]) -> list[str]:
    """What in the record's fields breaks the specification, each with the section that forbids
    it; [] when the record can be recomputed. Stricter for format 2 (no unknown or missing field,
    the seed and units in canonical form, vacant seats as ``null``)."""
    fmt = record_format(record)
    problems: list[str] = []

    def need(ok: bool, text: str, section: str) -> None:
        if not ok:
            problems.append(f"{text}（规范 §{section}）")

    if fmt == 2:
        unknown = sorted(set(record) - TOP_KEYS - ({FILL_KEY} if is_fill(record) else set()))
        need(not unknown, f"记录中有规范未定义的字段 {'、'.join(unknown)}", "12")
        missing = [k for k in sorted(TOP_KEYS) if k not in record]
        need(not missing, f"记录缺少字段 {'、'.join(missing)}", "12")
        need(record.get("chain") == CHAIN_DOMAIN, f"chain 应为 {CHAIN_DOMAIN}", "9")
    for key in ("draw", "voids", "voided_by"):
        number: Any = record.get(key)
        need(number is None or _is_int(number, 1), f"{key} 应为正整数或 null", "12")
    need(_is_int(record.get("eligible_count")), "eligible_count 应为整数", "12")
    if fmt == 2:
        meeting: Any = record.get("meeting")
        need(
            isinstance(meeting, dict)
            and _is_int(meeting.get("id"), 1)
            and _is_int(meeting.get("size"), 1),
            "meeting 的 id、size 应为正整数",
            "12",
        )
        committee: Any = record.get("committee")
        need(
            isinstance(committee, dict)
            and all(_is_text(committee.get(k)) for k in ("code", "name", "level")),
            "committee 的 code、name、level 应为字符串",
            "12",
        )
    eligible: Any = record.get("eligible")
    entries_ok = isinstance(eligible, list) and all(
        isinstance(e, list) and len(e) == 4 and _is_int(e[0], 1) and all(_is_text(x) for x in e[1:])
        for e in eligible
    )
    need(entries_ok, "符合条件专家名单的条目应为 [正整数编号, 姓名, 专业, 单位]", "5")
    if entries_ok:
        need(len({e[0] for e in eligible}) == len(eligible), "符合条件专家名单中有重复的编号", "5")
    seed: Any = record.get("seed")
    need(_is_text(seed) and bool(seed), "seed 应为非空字符串", "3")
    if fmt == 2 and _is_text(seed):
        need(
            bool(_SEED_FORM.fullmatch(seed)),
            "seed 不是规范化的形式（每段只含数字和英文字母，段后加“/”）",
            "3",
        )
    params = record.get("params")
    quotas: dict[str, Any] = {}
    alternate_names: list[Any] = []
    if not isinstance(params, dict):
        need(False, "params 应为对象", "6")
    else:
        members, alternates = params.get("members"), params.get("alternates", 0)
        quotas = params.get("quotas") or {}
        cap = params.get("unit_cap")
        need(_is_int(members, 1), "委员人数 members 应为正整数", "6")
        need(_is_int(alternates), "备选人数 alternates 应为0或正整数", "6")
        need(
            isinstance(quotas, dict) and all(_is_int(n, 1) for n in quotas.values()),
            "各专业指定人数 quotas 应为 专业 → 正整数",
            "6",
        )
        if not isinstance(quotas, dict):
            quotas = {}
        if _is_int(members, 1) and all(_is_int(n, 1) for n in quotas.values()):
            need(sum(quotas.values()) <= members, "各专业指定人数之和超过委员人数", "6")
        need(cap is None or _is_int(cap, 1), "每个单位最多抽取人数 unit_cap 应为正整数或 null", "6")
        extra = params.get("alternate_quotas", {})
        need(
            isinstance(extra, dict) and all(_is_int(n, 1) for n in extra.values()),
            "各专业备选人数 alternate_quotas 应为 专业 → 正整数",
            "6",
        )
        alternate_names = list(extra) if isinstance(extra, dict) else []
        spec_list = params.get("specialties", [])
        need(
            isinstance(spec_list, list) and all(_is_text(s) for s in spec_list),
            "specialties 应为字符串数组",
            "12",
        )
        need(
            isinstance(params.get("same_unit_recusal", True), bool),
            "same_unit_recusal 应为 true 或 false",
            "12",
        )
    if fmt == 2 and entries_ok:
        odd = [e[3] for e in eligible if compare_key(e[3]) != e[3]]
        need(not odd, f"单位“{odd[0] if odd else ''}”不是规范形式", "5")
        spelled: dict[str, set[str]] = {}
        for name in [*(e[2] for e in eligible), *quotas, *alternate_names]:
            spelled.setdefault(compare_key(name), set()).add(name)
        twins = sorted("、".join(sorted(names)) for names in spelled.values() if len(names) > 1)
        need(not twins, f"同一专业有不同写法：{'；'.join(twins)}", "5")
    picks: Any = record.get("picks")
    need(_objects(picks), "picks 应为对象数组", "12")
    for p in picks if _objects(picks) else []:
        keys_ok = set(p) == _PICK_KEYS if fmt == 2 else _PICK_KEYS - {"specialty", "unit"} <= set(p)
        fields_ok = keys_ok and (
            _is_int(p["position"], 1)
            and p["role"] in (MEMBER, ALTERNATE)
            and _is_int(p["id"], 1)
            and all(_is_text(p.get(k, "")) for k in ("slot", "name", "specialty", "unit"))
        )
        if not fields_ok:
            need(False, f"抽取结果的一项格式不对：{p}", "12")
            break
    if is_fill(record):
        problems.extend(_fill_shape(record))
    later: dict[str, Callable[[Any], bool]] = {
        "answers": lambda a: _is_int(a.get("expert"), 1) and isinstance(a.get("accepted"), bool),
        "replacements": lambda r: all(
            _is_int(r.get(k), 1) for k in ("member_position", "out", "in", "alternate_position")
        ),
        "signatures": lambda s: (
            isinstance(s.get("signers"), list) and all(_is_text(x) for x in s["signers"])
        ),
        "members_now": lambda m: (
            _is_int(m.get("position"), 1)
            and (_is_int(m.get("id"), 1) or (fmt == 2 and m.get("id") is None))
        ),
    }
    for key, fits in later.items():
        value: Any = record.get(key, [])
        if value is None and fmt == 1:
            continue
        if not (_objects(value) and all(fits(v) for v in value)):
            need(False, f"{key} 的格式不对", "10" if key != "signatures" else "12")
    return problems


_DIGEST_FORM = re.compile(r"[0-9a-f]{64}")


def _fill_shape(record: Mapping[str, Any]) -> list[str]:
    """Spec §15: ``fills`` names the record chained to and the seats filled, one member per seat
    (in order), no alternates, and voids nothing."""
    fill: Any = record.get(FILL_KEY)
    params: Any = record.get("params") or {}
    problems = []
    if not (
        isinstance(fill, dict)
        and set(fill) == {"draw", "record_sha256", "seats"}
        and _is_int(fill["draw"], 1)
        and _is_text(fill["record_sha256"])
        and bool(_DIGEST_FORM.fullmatch(fill["record_sha256"]))
        and isinstance(fill["seats"], list)
        and all(_is_int(p, 1) for p in fill["seats"])
        and len(set(fill["seats"])) == len(fill["seats"]) > 0
    ):
        return [
            "fills 应为 {draw: 正整数, record_sha256: 64位十六进制, seats: 不重复的正整数位次}（规范 §15）"
        ]
    if record.get("voids") is not None:
        problems.append("补抽记录不作废其他记录，voids 应为 null（规范 §15）")
    if isinstance(params, dict) and (
        params.get("members") != len(fill["seats"])
        or params.get("alternates", 0) != 0
        or params.get("alternate_quotas", {})
    ):
        problems.append("补抽的委员人数应等于所补位次数，且不抽备选（规范 §15）")
    return problems


def seat_picks(
    record: Mapping[str, Any], picks: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The picks as seated: in a fill (spec §15) the k-th member takes the k-th seat of ``fills``;
    in any other record the position is the seat."""
    if not is_fill(record):
        return [dict(p) for p in picks]
    seats = record[FILL_KEY]["seats"]
    return [
        {**p, "position": seats[p["position"] - 1]}
        if p.get("role") == MEMBER and 1 <= p["position"] <= len(seats)
        else dict(p)
        for p in picks
    ]


def chain_problems(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Spec §15: a draw followed by its fills, each fill chained to the record before it (number
    and fingerprint), filling exactly the seats vacant after them, each with a pick of the seat's
    slot, from an eligible list without anyone drawn in the chain before or who declined in it."""
    if not records:
        return []
    first = records[0]
    if is_fill(first):
        return [f"补抽记录之前应有它所补的原抽取记录（第{first[FILL_KEY]['draw']}号）（规范 §15）"]
    slots = {p["position"]: p["slot"] for p in first.get("picks") or [] if p.get("role") == MEMBER}
    seats: dict[int, Any] = {m["position"]: m["id"] for m in first.get("members_now") or []}
    drawn = {p["id"] for p in first.get("picks") or []}
    declined = {a["expert"] for a in first.get("answers") or [] if a.get("accepted") is False}
    unit_of = {p["id"]: p.get("unit") for p in first.get("picks") or []}
    cap = (first.get("params") or {}).get("unit_cap")
    previous = first
    problems: list[str] = []
    for record in records[1:]:
        name = f"第{record.get('draw')}号补抽记录"
        fill: Any = record.get(FILL_KEY)
        if not is_fill(record) or not isinstance(fill, dict):
            problems.append(
                f"第{record.get('draw')}号记录不是补抽记录，不能接在抽取链中（规范 §15）"
            )
            break
        if (fill.get("draw"), fill.get("record_sha256")) != (
            previous.get("draw"),
            previous.get("record_sha256"),
        ):
            problems.append(
                f"{name}的链接不符：记录为第{fill.get('draw')}号（指纹 {fill.get('record_sha256')}），"
                f"其前一条记录为第{previous.get('draw')}号（指纹 {previous.get('record_sha256')}）（规范 §15）"
            )
            break
        if (record.get("meeting") or {}).get("id") != (first.get("meeting") or {}).get("id"):
            problems.append(f"{name}不属于同一评审会议（规范 §15）")
        vacant = sorted(pos for pos, eid in seats.items() if eid is None)
        if sorted(fill.get("seats") or []) != vacant:
            problems.append(
                f"{name}补的位次 {fill.get('seats')} 不是当时空缺的位次 {vacant}（规范 §15）"
            )
        seated = seat_picks(record, record.get("picks") or [])
        for p in seated:
            if p.get("slot") != slots.get(p["position"]):
                problems.append(
                    f"{name}第{p['position']}位的专业（{p.get('slot') or '不限'}）与原位次的专业"
                    f"（{slots.get(p['position']) or '不限'}）不符（规范 §15）"
                )
        if (record.get("params") or {}).get("unit_cap") != (None if cap is None else 1):
            problems.append(
                f"{name}的每单位上限应为 {'null' if cap is None else 1}（原记录为 {cap}）（规范 §15）"
            )
        seated_units = [unit_of.get(eid) for eid in seats.values() if eid is not None]
        full = {u for u in seated_units if cap is not None and seated_units.count(u) >= cap}
        crowded = sorted(e[0] for e in record.get("eligible") or [] if e[3] in full)
        if crowded:
            problems.append(
                f"{name}的符合条件名单含所在单位已达上限的专家（编号 {'、'.join(map(str, crowded))}）（规范 §15）"
            )
        again = sorted({e[0] for e in record.get("eligible") or []} & (drawn | declined))
        if again:
            problems.append(
                f"{name}的符合条件名单含已被抽中或已谢绝的专家（编号 {'、'.join(map(str, again))}）（规范 §15）"
            )
        for m in record.get("members_now") or []:
            seats[m["position"]] = m["id"]
        drawn |= {p["id"] for p in seated}
        unit_of.update({p["id"]: p.get("unit") for p in seated})
        declined |= {a["expert"] for a in record.get("answers") or [] if a.get("accepted") is False}
        previous = record
    return problems


# --- After the draw: the replay (spec §10) -----------------------------------------------------


def _expert_text(pick: Mapping[str, Any] | None, expert_id: Any) -> str:
    return f"{pick['name']}（编号 {expert_id}）" if pick else f"编号 {expert_id} 的专家"


def next_alternate(
    alternates: Sequence[Mapping[str, Any]],
    slot: str,
    fixed: Iterable[str],
    leaving: int,
    used: Iterable[int] = (),
    latest: Mapping[int, bool] | None = None,
) -> Mapping[str, Any] | None:
    """The alternate who replaces a member leaving a seat of ``slot`` (spec §10), the one home of
    the rule: the first alternate in pick order not yet ``used``, not the one ``leaving``, whose
    ``latest`` answer is not a decline, and whose specialty fits the slot (the slot's specialty;
    for an open slot, a specialty without a fixed count of its own, ``fixed``). None when no
    alternate fits: the seat stays vacant (format 2)."""
    taken, said, own = set(used), latest or {}, set(fixed)
    return next(
        (
            p
            for p in alternates
            if p["id"] not in taken
            and p["id"] != leaving
            and said.get(p["id"]) is not False
            and (p["specialty"] == slot if slot else p["specialty"] not in own)
        ),
        None,
    )


@dataclass
class Replay:
    """The answers replayed by the rule: the seats (None: vacant), the replacements the rule gives,
    who has left a seat, the latest answer of each expert, the alternates used, and the first
    answer the rule refuses (if any)."""

    seats: dict[int, int | None]
    replacements: list[dict[str, int]]
    gone: dict[int, int]  # expert → the seat they left (replaced, or vacant in format 2)
    problem: str | None = None
    latest: dict[int, bool] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)


def replay(
    picks: Sequence[Mapping[str, Any]],
    quotas: Iterable[str],
    answers: Sequence[Mapping[str, Any]],
    vacancies: bool = True,
) -> Replay:
    """Spec §10. A declining seated member is replaced by :func:`next_alternate`; with none, the
    seat is vacant (format 2; format 1 kept the decliner). An expert who left a seat answers no more."""
    by_id = {p["id"]: p for p in picks}
    fixed = set(quotas)
    seats: dict[int, int | None] = {p["position"]: p["id"] for p in picks if p["role"] == MEMBER}
    slots = {p["position"]: p["slot"] for p in picks if p["role"] == MEMBER}
    alternates = [p for p in picks if p["role"] == ALTERNATE]
    latest: dict[int, bool] = {}
    used: set[int] = set()
    gone: dict[int, int] = {}
    derived: list[dict[str, int]] = []
    for n, answer in enumerate(answers, 1):
        eid: Any = answer.get("expert")
        accepted: Any = answer.get("accepted")
        if eid not in by_id or not isinstance(accepted, bool):
            problem = f"第{n}条答复（{_expert_text(None, eid)}）不是对本次抽取结果中专家的有效答复"
            return Replay(seats, derived, gone, problem, latest, used)
        if eid in gone:
            problem = (
                f"第{n}条答复来自 {_expert_text(by_id[eid], eid)}，其第{gone[eid]}位委员位次已由他人替补或已空缺，"
                "不能再答复（规范 §10）"
            )
            return Replay(seats, derived, gone, problem, latest, used)
        latest[eid] = accepted
        position = next((pos for pos, held in seats.items() if held == eid), None)
        if accepted or position is None:
            continue
        substitute = next_alternate(alternates, slots[position], fixed, eid, used, latest)
        if substitute is None:
            if vacancies:
                seats[position] = None
                gone[eid] = position
            continue
        derived.append(
            {
                "member_position": position,
                "out": eid,
                "in": substitute["id"],
                "alternate_position": substitute["position"],
            }
        )
        seats[position] = substitute["id"]
        used.add(substitute["id"])
        gone[eid] = position
    return Replay(seats, derived, gone, None, latest, used)


def members_now(seats: Mapping[int, int | None]) -> list[dict[str, Any]]:
    return [{"position": pos, "id": eid} for pos, eid in sorted(seats.items())]


def check_later(
    record: Mapping[str, Any], picks: Sequence[Mapping[str, Any]] | None = None
) -> list[str]:
    """Problems with what came after the draw, by replaying the answers in order (spec §10): the
    replacements must be exactly those the rule gives, ``members_now`` the seats they leave
    (vacant seats as ``null`` in format 2), and each signature signed by the drawers and supervisors."""
    picks = seat_picks(record, list(record.get("picks") or [] if picks is None else picks))
    by_id = {p["id"]: p for p in picks}
    quotas = (record.get("params") or {}).get("quotas") or {}
    fmt = record_format(record)
    result = replay(picks, quotas, record.get("answers") or [], vacancies=fmt == 2)
    if result.problem:
        return [result.problem]
    recorded = list(record.get("replacements") or [])
    for n, (got, want) in enumerate(zip(recorded, result.replacements, strict=False), 1):
        if any(got.get(key) != value for key, value in want.items()):
            expected = (
                f"第{want['member_position']}位委员 {_expert_text(by_id[want['out']], want['out'])} 由第"
                f"{want['alternate_position']}位备选 {_expert_text(by_id[want['in']], want['in'])} 替补"
            )
            return [
                (
                    f"第{n}条替补不符：记录为第{got.get('member_position')}位委员由 "
                    f"{_expert_text(by_id.get(got.get('in')), got.get('in'))} 替补，按答复和替补规则应为：{expected}"
                )
            ]
    if len(recorded) < len(result.replacements):
        want = result.replacements[len(recorded)]
        return [
            (
                f"按答复应有第{len(recorded) + 1}条替补：第{want['member_position']}位委员由第"
                f"{want['alternate_position']}位备选 {_expert_text(by_id[want['in']], want['in'])} 替补；记录中没有这条替补"
            )
        ]
    if len(recorded) > len(result.replacements):
        extra = recorded[len(result.replacements)]
        return [
            (
                f"第{len(result.replacements) + 1}条替补（第{extra.get('member_position')}位委员改由 "
                f"{_expert_text(by_id.get(extra.get('in')), extra.get('in'))} 担任）没有对应的谢绝答复，不是按规则产生的替补"
            )
        ]
    problems: list[str] = []
    now = members_now(result.seats)
    if ("members_now" in record or fmt == 2) and record.get("members_now") != now:
        problems.append(
            "当前委员名单（members_now）与抽取结果、答复和替补推算的不符：记录为 "
            f"{[m.get('id') for m in record.get('members_now') or []]}，应为 {[m['id'] for m in now]}"
            "（空缺的位次为 None；规范 §10）"
        )
    signers = [*(record.get("drawers") or []), *(record.get("supervisors") or [])]
    for n, signature in enumerate(record.get("signatures") or [], 1):
        if signature["signers"] != signers:
            problems.append(
                f"第{n}次签字的签字人 {signature['signers']} 不是本次抽取的抽取人员和监督人员 {signers}"
            )
    return problems


def pick_key(pick: Mapping[str, Any]) -> tuple[Any, ...]:
    """Every field of a pick (spec §11 step 6): position, role, slot, id, name, specialty, unit."""
    return tuple(
        pick.get(key) for key in ("position", "role", "slot", "id", "name", "specialty", "unit")
    )


@dataclass
class Verification:
    """What re-checking a record found."""

    ok: bool
    findings: list[str] = field(default_factory=list)  # each a Chinese sentence; problems first
    recomputed: list[dict[str, Any]] = field(default_factory=list)


FORMAT_NOTES = {
    1: "记录格式 1（规范 1.1 及以前导出的记录）",
    2: "记录格式 2（规范 1.2）",
}
FILL_NOTE = "补抽记录（规范 §15），补第{seats}位委员，接在第{draw}号记录之后"


def verify_record(record: Mapping[str, Any]) -> Verification:
    """Re-check a record on its own (spec §11): format, fingerprint, strict shape, pool hash, the
    picks recomputed from its seed field by field, the replay of what came later, and the chain."""
    fmt = record_format(record)
    if not fmt:
        return Verification(
            False, [f"记录格式“{record.get('format')}”不是本程序认识的格式，无法复核"]
        )
    findings: list[str] = [FORMAT_NOTES[fmt]]
    fill: Any = record.get(FILL_KEY)
    if is_fill(record) and isinstance(fill, dict):
        seats = "、".join(map(str, fill.get("seats") or []))
        findings.append(FILL_NOTE.format(seats=seats, draw=fill.get("draw")))
    ok = True
    if record.get("algorithm") != ALGORITHM:
        return Verification(
            False,
            [
                *findings,
                f"记录使用的算法“{record.get('algorithm')}”不是本程序的 {ALGORITHM}，无法复核",
            ],
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
    shape = shape_problems(record)
    if shape:
        return Verification(False, [*findings, *shape])
    eligible = [Candidate.from_entry(e) for e in record["eligible"]]
    request = Request.from_dict(record["params"])
    seed = str(record["seed"])
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
    findings.append(f"按种子 {seed} 重算的 {len(recomputed)} 个抽取结果与记录逐项一致")
    later = check_later(record, recomputed)
    if later:
        ok = False
        findings.extend(later)
    chain = record.get("chain_sha256")
    if chain is None and fmt == 1:
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
    """None when the two lists agree position by position in every field, else where they first differ."""
    for a, b in zip(recorded, recomputed, strict=False):
        if pick_key(a) != pick_key(b):
            fields = [k for k in b if a.get(k) != b[k]]
            return (
                f"第{a.get('position')}位不符（{'、'.join(fields)}）：记录为 {a.get('name')}（编号 {a.get('id')}，"
                f"{a.get('specialty')}，{a.get('unit')}），重算为 {b['name']}（编号 {b['id']}，{b['specialty']}，{b['unit']}）"
            )
    if len(recorded) != len(recomputed):
        return f"抽取人数不符：记录有 {len(recorded)} 位，重算得 {len(recomputed)} 位"
    return None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"键“{key}”出现了两次（规范 §2）")
        seen[key] = value
    return seen


def _no_number(text: str) -> Any:
    raise ValueError(f"“{text}”不是整数；记录中没有小数（规范 §2）")


def parse_record(text: str) -> Any:
    """Strict JSON (spec §2): a key twice in one object, a fraction, NaN or Infinity is refused."""
    return json.loads(
        text, object_pairs_hook=_unique_keys, parse_float=_no_number, parse_constant=_no_number
    )


def load_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An exported record (``draw export --json``), for ``verify-draw --record``."""
    path = Path(path)
    try:
        data = parse_record(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise NotFound(f"找不到抽取记录文件 {path}；请检查路径") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidValue(
            finding(
                "draw.record_json",
                f"{path.name} 不是有效的 JSON 抽取记录（{exc}）",
                step=Step.EXPORT_DRAW,
                hint="请重新导出",
                file=path.name,
            )
        ) from None
    if not isinstance(data, dict) or not record_format(data):
        raise InvalidValue(
            f'{path.name} 不是 qjtitle 导出的抽取记录（应含 "format": "{FORMAT_2}" 或 "{FORMAT_1}"）'
        )
    return data
