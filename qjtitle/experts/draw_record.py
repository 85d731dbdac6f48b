"""The record of a draw as it is shown, listed, exported and re-checked (:func:`verify_draw`: the
stored pool, seed and result against a fresh run of :mod:`qjtitle.logic.draw`), and the record
document (抽取记录表) with its signature lines.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import committees, meetings
from qjtitle.documents.dates import cn_date
from qjtitle.documents.render import render_docx
from qjtitle.errors import NotFound
from qjtitle.experts import eligible
from qjtitle.findings import Step, finding
from qjtitle.logic import draw as algo
from qjtitle.logic import draw_inputs, draw_verify
from qjtitle.models import (
    DrawAnswer,
    DrawPick,
    DrawRecord,
    DrawReplacement,
    DrawSignature,
    Expert,
)
from qjtitle.paths import make_private_dir
from qjtitle.store import Store, audit

# --- The record as exported ------------------------------------------------------------------


TEMPLATE = "draw_record.docx"
SEED_SOURCES = {
    draw_inputs.SeedSource.DRAWERS: "抽取人员现场输入",
    draw_inputs.SeedSource.SECRETS: "程序生成（操作系统安全随机数）",
}


def _grouped(digest: str) -> str:
    """A long check code in groups of eight, so that it reads (and wraps) like a number on paper."""
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))


def _stamp(moment: datetime) -> str:
    """UTC to the second, the same whether the datetime comes back from the store aware or naive."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _voided_by(session: Session, draw_id: int) -> DrawRecord | None:
    return session.exec(select(DrawRecord).where(DrawRecord.voids_id == draw_id)).first()


def _get(session: Session, draw_id: int) -> DrawRecord:
    record = session.get(DrawRecord, draw_id)
    if record is None:
        raise NotFound(
            finding(
                "draw.not_found",
                f"没有编号为 {draw_id} 的抽取记录",
                step=Step.LIST_DRAWS,
                hint="查看抽取记录",
                record=draw_id,
            )
        )
    return record


def record_format(record: DrawRecord) -> int:
    """The record format a stored draw was fingerprinted in: 2 from spec 1.2 on (kept in its
    snapshot, written at the draw), 1 for the draws recorded before."""
    return 2 if record.snapshot.get("record_format") == 2 else 1


def _core(record: DrawRecord, picks: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields of the record fingerprint (draw_verify.CORE_KEYS, or CORE_KEYS_1 for a draw of
    format 1), from the row and its picks."""
    fmt = record_format(record)
    core = {
        "format": draw_verify.FORMAT_2 if fmt == 2 else draw_verify.FORMAT_1,
        "algorithm": record.algorithm,
        "committee": record.snapshot.get("committee"),
        "meeting": record.snapshot.get("meeting"),
        "drawn_on": record.drawn_on.isoformat(),
        "recorded_at": _stamp(record.recorded_at),
        "place": record.place,
        "seed": record.seed,
        "seed_source": record.seed_source,
        "params": record.params,
        "pool_sha256": record.pool_sha256,
        "eligible_count": record.eligible_count,
        "exclusions": record.exclusions,
        "picks": picks,
        "drawers": list(record.drawers),
        "supervisors": list(record.supervisors),
        "late_reason": record.late_reason,
        "voids": record.voids_id,
        "void_reason": record.void_reason,
        "warnings": list(record.warnings),
    }
    if fmt == 2:
        core["chain"] = draw_verify.CHAIN_DOMAIN
    if record.fills_id is not None:  # a supplementary draw (补抽, spec §15)
        core[draw_verify.FILL_KEY] = record.snapshot.get(draw_verify.FILL_KEY)
    return core


def _picks(session: Session, draw_id: int) -> list[DrawPick]:
    return list(
        session.exec(
            select(DrawPick).where(DrawPick.draw_id == draw_id).order_by(col(DrawPick.position))
        )
    )


def record_dict(session: Session, record: DrawRecord) -> dict[str, Any]:
    """The whole record: what the fingerprint covers, the eligible list, and what came later."""
    picks = _picks(session, record.id or 0)
    pick_dicts = [
        {
            "position": p.position,
            "role": p.role,
            "slot": p.slot,
            "id": p.expert_id,
            "name": p.name,
            "specialty": p.specialty,
            "unit": p.unit,
        }
        for p in picks
    ]
    data = {"draw": record.id, **_core(record, pick_dicts)}
    data["eligible"] = list(record.eligible)
    data["record_sha256"] = record.record_sha256
    voided_by = _voided_by(session, record.id or 0)
    data["voided_by"] = voided_by.id if voided_by else None
    answers = [
        {
            "expert": a.expert_id,
            "accepted": a.accepted,
            "reason": a.reason,
            "answered_on": a.answered_on.isoformat(),
            "recorded_at": _stamp(a.recorded_at),
        }
        for a in session.exec(
            select(DrawAnswer).where(DrawAnswer.draw_id == record.id).order_by(col(DrawAnswer.id))
        )
    ]
    data["answers"] = answers
    data["replacements"] = [
        {
            "member_position": r.member_position,
            "out": r.out_expert_id,
            "in": r.in_expert_id,
            "alternate_position": r.alternate_position,
            "reason": r.reason,
            "recorded_at": _stamp(r.recorded_at),
        }
        for r in _replacements(session, record.id or 0)
    ]
    data["signatures"] = [
        {
            "signers": list(s.signers),
            "signed_on": s.signed_on.isoformat(),
            "scan": s.scan_name,
            "scan_sha256": s.scan_sha256,
            "recorded_at": _stamp(s.recorded_at),
        }
        for s in session.exec(
            select(DrawSignature)
            .where(DrawSignature.draw_id == record.id)
            .order_by(col(DrawSignature.id))
        )
    ]
    seats: dict[int, int | None] = dict(_composition(picks, _replacements(session, record.id or 0)))
    if record_format(record) == 2:  # a seat its member declined with no alternate to fit is vacant
        seated = draw_verify.seat_picks(
            data, pick_dicts
        )  # a fill's members sit in the seats it fills
        replayed = draw_verify.replay(seated, record.params.get("quotas") or {}, answers)
        if record.fills_id is not None:
            seats = dict(replayed.seats)
        seats.update({pos: None for pos, eid in replayed.seats.items() if eid is None})
    data["members_now"] = draw_verify.members_now(seats)
    data["chain_sha256"] = draw_verify.chain_digest(
        data
    )  # chained onto record_sha256: answers, replacements, signatures, members
    return data


def standing_chain(session: Session, meeting_id: int) -> list[DrawRecord]:
    """The meeting's standing draw (the first draw or redraw not voided) and its fills (补抽) in
    order, each chained to the one before; [] before any draw."""
    records = list(
        session.exec(
            select(DrawRecord)
            .where(DrawRecord.meeting_id == meeting_id)
            .order_by(col(DrawRecord.id))
        )
    )
    voided = {r.voids_id for r in records if r.voids_id is not None}
    standing = [r for r in records if r.id not in voided and r.fills_id is None]
    if not standing:
        return []
    chain = [standing[-1]]
    for r in records:
        if r.fills_id is not None and r.fills_id == chain[-1].id:
            chain.append(r)
    return chain


def _chain_to(session: Session, record: DrawRecord) -> list[DrawRecord]:
    """The draw a fill (补抽) chains back to, and the fills after it, up to ``record``."""
    chain = [record]
    while chain[0].fills_id is not None:
        chain.insert(0, _get(session, chain[0].fills_id))
    return chain


def _replacements(session: Session, draw_id: int) -> list[DrawReplacement]:
    return list(
        session.exec(
            select(DrawReplacement)
            .where(DrawReplacement.draw_id == draw_id)
            .order_by(col(DrawReplacement.id))
        )
    )


def _composition(picks: list[DrawPick], replacements: list[DrawReplacement]) -> dict[int, int]:
    """Member position → expert id, after the replacements in order."""
    members = {p.position: p.expert_id for p in picks if p.role == draw_inputs.MEMBER}
    for r in replacements:
        members[r.member_position] = r.in_expert_id
    return members


def show_draw(store: Store, draw_id: int) -> dict[str, Any]:
    with store.transaction() as session:
        return record_dict(session, _get(session, draw_id))


@dataclass(frozen=True)
class DrawSummary:
    """One draw as listed: every attempt, voided ones included."""

    draw: int
    committee: str | None  # the committee's code, as recorded with the draw
    meeting: int
    meeting_date: str | None  # as recorded with the draw (ISO text)
    drawn_on: date
    seed: str
    eligible_count: int
    members: int
    alternates: int
    voids: int | None
    void_reason: str
    voided_by: int | None
    signed: bool
    record_sha256: str
    fills: int | None = None  # a supplementary draw (补抽): the record it is chained to

    def as_dict(self) -> dict[str, Any]:
        """For ``--json``: the date as ISO text."""
        return {
            "draw": self.draw,
            "committee": self.committee,
            "meeting": self.meeting,
            "meeting_date": self.meeting_date,
            "drawn_on": self.drawn_on.isoformat(),
            "seed": self.seed,
            "eligible_count": self.eligible_count,
            "members": self.members,
            "alternates": self.alternates,
            "voids": self.voids,
            "void_reason": self.void_reason,
            "voided_by": self.voided_by,
            "signed": self.signed,
            "record_sha256": self.record_sha256,
            "fills": self.fills,
        }


def list_draws(
    store: Store, meeting_id: int | None = None, committee_code: str | None = None
) -> list[DrawSummary]:
    """Every attempt, voided ones included, oldest first."""
    with store.transaction() as session:
        query = select(DrawRecord)
        if meeting_id is not None:
            query = query.where(DrawRecord.meeting_id == meeting_id)
        if committee_code:
            query = query.where(
                DrawRecord.committee_id == committees.get(session, committee_code).id
            )
        result = []
        for record in session.exec(query.order_by(col(DrawRecord.id))):
            assert record.id is not None  # a stored draw
            picks = _picks(session, record.id)
            voided_by = _voided_by(session, record.id)
            signed = (
                session.exec(
                    select(DrawSignature.id).where(DrawSignature.draw_id == record.id)
                ).first()
                is not None
            )
            result.append(
                DrawSummary(
                    draw=record.id,
                    committee=record.snapshot.get("committee", {}).get("code"),
                    meeting=record.meeting_id,
                    meeting_date=record.snapshot.get("meeting", {}).get("date"),
                    drawn_on=record.drawn_on,
                    seed=record.seed,
                    eligible_count=record.eligible_count,
                    members=sum(1 for p in picks if p.role == draw_inputs.MEMBER),
                    alternates=sum(1 for p in picks if p.role == draw_inputs.ALTERNATE),
                    voids=record.voids_id,
                    void_reason=record.void_reason,
                    voided_by=voided_by.id if voided_by else None,
                    signed=signed,
                    record_sha256=record.record_sha256,
                    fills=record.fills_id,
                )
            )
        return result


def export_draw(store: Store, draw_id: int, out_path: Path) -> Path:
    """Write the whole record as JSON (atomically), for ``verify-draw --record`` elsewhere."""
    data = show_draw(store, draw_id)
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        make_private_dir(
            out_path.parent
        )  # the expert names are confidential: a new folder is owner-only
    fd, tmp = tempfile.mkstemp(
        dir=out_path.parent, prefix=".tmp-", suffix=".json"
    )  # the file too (0600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        with store.transaction() as session:
            audit.record(
                session,
                "draw export",
                "draw.exported",
                {
                    "draw": draw_id,
                    "file": out_path.name,
                    "record_sha256": data.get("record_sha256"),
                },
            )
            os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path


# --- Re-checking a stored draw -------------------------------------------------------------------------


@dataclass
class DrawCheck:
    draw: int
    record: draw_verify.Verification  # the stored record on its own
    pool_ok: bool  # the pool as it stands gives the same eligible list and picks
    pool_findings: list[str]

    @property
    def ok(self) -> bool:
        return self.record.ok and self.pool_ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "draw": self.draw,
            "ok": self.ok,
            "record_ok": self.record.ok,
            "record_findings": self.record.findings,
            "pool_ok": self.pool_ok,
            "pool_findings": self.pool_findings,
        }


def verify_draw(store: Store, draw_id: int) -> DrawCheck:
    """Recompute the picks from the stored record, and from the pool as it stands now."""
    with store.transaction() as session:
        record = _get(session, draw_id)
        data = record_dict(session, record)
        checked = draw_verify.verify_record(data)
        findings: list[str] = []
        meeting = meetings.get(session, record.meeting_id)
        then = record.snapshot.get("meeting", {}).get("date")
        if then != meeting.date.isoformat():
            findings.append(
                f"评审会议日期已由 {then} 改为 {meeting.date}，按新日期判断的符合条件名单可能不同"
            )
        elig = eligible.eligibility(
            session,
            meeting,
            tuple(record.params.get("specialties", [])),
            bool(record.params.get("same_unit_recusal", True)),
            conflicts_until=record.drawn_on,
            declined=eligible.declined_for(session, record.meeting_id, before_draw=draw_id),
        )
        if record.fills_id is not None:  # a fill (补抽): its chain, and who was drawn before it
            chain = _chain_to(session, record)
            datas = [record_dict(session, r) for r in chain[:-1]] + [data]
            for problem in draw_verify.chain_problems(datas):
                checked.ok = False
                checked.findings.append(problem)
            if checked.ok:
                checked.findings.append(
                    f"补抽记录与第{chain[0].id}号原抽取记录的链接一致，所补位次为当时空缺的位次"
                )
            drawn = {p["id"] for d in datas[:-1] for p in draw_verify.seat_picks(d, d["picks"])}
            elig = eligible.without_drawn(elig, drawn)
    now_hash = draw_inputs.pool_digest(elig.eligible)
    if now_hash == record.pool_sha256:
        findings.append(
            f"按当前专家库重算的符合条件名单（{len(elig.eligible)} 人）与记录一致，哈希 {now_hash}"
        )
        return DrawCheck(draw_id, checked, True, findings)
    findings.insert(
        0, f"按当前专家库重算的符合条件名单哈希为 {now_hash}，与记录中的 {record.pool_sha256} 不符"
    )
    findings.extend(_pool_differences(record.eligible, elig))
    try:
        request = draw_inputs.Request.from_dict(record.params)
        again = [p.as_dict() for p in algo.select(record.seed, elig.eligible, request)]
        mismatch = draw_verify.compare_picks(data["picks"], again)
        findings.append(
            f"按当前专家库重算的抽取结果：{mismatch}"
            if mismatch
            else "按当前专家库重算的抽取结果仍与记录相同"
        )
    except algo.DrawImpossible as exc:
        findings.append(f"按当前专家库已无法完成同样的抽取：{exc}")
    return DrawCheck(draw_id, checked, False, findings)


def _pool_differences(stored: list[Any], elig: eligible.Eligibility) -> list[str]:
    then = {e[0]: e for e in stored}
    now = {c.id: c.entry() for c in elig.eligible}
    why = {
        i["id"]: f"{eligible.REASONS[reason]}（{i['detail']}）"
        for reason, items in elig.excluded.items()
        for i in items
    }
    lines = []
    for eid in sorted(set(then) - set(now)):
        lines.append(
            f"专家 {then[eid][1]}（编号 {eid}）已不在符合条件名单中：{why.get(eid, '已不在专家库中')}"
        )
    for eid in sorted(set(now) - set(then)):
        lines.append(f"专家 {now[eid][1]}（编号 {eid}）是抽取后新符合条件的")
    for eid in sorted(set(now) & set(then)):
        if list(then[eid]) != now[eid]:
            lines.append(
                f"专家编号 {eid} 的信息已改变：抽取时为 {then[eid][1:]}，现在为 {now[eid][1:]}"
            )
    return lines


# --- The record document (抽取记录表) ------------------------------------------------------------------


def _fill_text(data: dict[str, Any]) -> str:
    """The line of a fill's record document (补抽, spec §15): which seats, after which record."""
    fill = data.get(draw_verify.FILL_KEY)
    if not fill:
        return ""
    seats = "、".join(f"第{p}位" for p in fill["seats"])
    return (
        f"本次为补抽：补{seats}委员（原委员谢绝且无可替补的备选专家），接在第{fill['draw']}号抽取记录之后"
        f"（其记录指纹 {_grouped(fill['record_sha256'])}）；已被抽中和已谢绝的专家不在符合条件名单中"
    )


def render_document(
    store: Store, draw_id: int, out_path: Path, templates: Path | None = None
) -> Path:
    """The 抽取记录表 as .docx: confidential, with signature lines for the drawers and supervisors."""
    with store.transaction() as session:
        record = _get(session, draw_id)
        data = record_dict(session, record)
        people = {
            e.id: e
            for e in session.exec(
                select(Expert).where(col(Expert.id).in_([p["id"] for p in data["picks"]]))
            )
        }
        voided_by = _voided_by(session, draw_id)
    committee, meeting = data["committee"], data["meeting"]

    def person(p: dict[str, Any]) -> dict[str, Any]:
        e = people.get(p["id"])
        return {
            "position": p["position"],
            "name": p["name"],
            "unit": e.unit if e else p["unit"],
            "title": e.title if e else "",
            "specialty": p["specialty"],
            "slot": p["slot"] or "不限",
        }

    names = {p["id"]: p["name"] for p in data["picks"]}
    counts = {reason: len(ids) for reason, ids in data["exclusions"].items()}
    params = data["params"]
    quota_text = "、".join(f"{s} {n}人" for s, n in params.get("quotas", {}).items()) or "不限"
    context = {
        "committee": committee,
        "meeting_date": cn_date(date.fromisoformat(meeting["date"])),
        "meeting_place": meeting.get("place") or "",
        "meeting_size": meeting.get("size"),
        "draw_number": data["draw"],
        "drawn_on": cn_date(date.fromisoformat(data["drawn_on"])),
        "recorded_at": data["recorded_at"].replace("T", " ").replace("Z", " UTC"),
        # the same evidence in plain words, for the annex 复核信息 (signed documents show no technical terms)
        "recorded_on": cn_date(datetime.fromisoformat(data["recorded_at"]).astimezone().date()),
        "seed_plain": "、".join(data["seed"].replace("/", " ").split()),
        "method_version": f"第{data['algorithm'].rsplit('-v', 1)[-1]}版"
        if "-v" in data["algorithm"]
        else data["algorithm"],
        "pool_code": _grouped(data["pool_sha256"]),
        "record_code": _grouped(data["record_sha256"]),
        "place": data["place"] or "",
        "seed": data["seed"],
        "seed_source": SEED_SOURCES.get(data["seed_source"], data["seed_source"]),
        "algorithm": data["algorithm"],
        "pool_sha256": data["pool_sha256"],
        "record_sha256": data["record_sha256"],
        "eligible_count": data["eligible_count"],
        "exclusions": [
            {"reason": eligible.REASONS[r], "count": counts.get(r, 0)}
            for r in eligible.REASONS
            if r not in eligible.ONLY_WHEN_PRESENT or counts.get(r)  # a redraw's or a fill's rows
        ],
        "excluded_total": sum(counts.values()),
        "params_text": (
            f"委员 {params['members']} 人，备选 {params['alternates']} 人；专业人数：{quota_text}；"
            f"专业范围：{'、'.join(params.get('specialties') or []) or '不限'}；"
            f"每单位上限：{params.get('unit_cap') or '不限'}；同单位回避：{'是' if params.get('same_unit_recusal') else '否'}"
        ),
        "members": [  # a fill's members under the seats they fill (spec §15)
            person(p)
            for p in draw_verify.seat_picks(data, data["picks"])
            if p["role"] == draw_inputs.MEMBER
        ],
        "alternates": [person(p) for p in data["picks"] if p["role"] == draw_inputs.ALTERNATE],
        "replacements": [
            f"第{r['member_position']}位委员 {names.get(r['out'], r['out'])} 由第{r['alternate_position']}位备选 "
            f"{names.get(r['in'], r['in'])} 替补（{r['reason']}）"
            for r in data["replacements"]
        ],
        "drawers": data["drawers"],
        "supervisors": data["supervisors"],
        "late_reason": data["late_reason"],
        "voids": f"本次为重新抽取，作废第{data['voids']}号抽取记录，理由：{data['void_reason']}"
        if data["voids"]
        else _fill_text(data),
        "voided": f"本记录已被第{voided_by.id}号抽取记录作废，理由：{voided_by.void_reason}"
        if voided_by
        else "",
    }
    written = render_docx(TEMPLATE, context, out_path, templates)
    with store.transaction() as session:
        audit.record(
            session, "draw document", "draw.document", {"draw": draw_id, "file": Path(written).name}
        )
    return written
