"""Draw records on their own (pure): the fingerprint, the chained digest of what came later,
its replay, and the re-check of a record from its seed (``verify-draw --record``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qjtitle.errors import InvalidValue, NotFound, QjtitleError
from qjtitle.experts.draw import select
from qjtitle.experts.draw_inputs import (
    ALGORITHM,
    ALTERNATE,
    MEMBER,
    Candidate,
    Request,
    canonical_json,
    pool_digest,
)

RECORD_FORMAT = "qjtitle-draw-record/1"

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


def load_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An exported record (``draw export --json``), for ``verify-draw --record``."""
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
