"""Draws in the store: the witnessed draw of a meeting's experts, its record, re-check, answers and signatures.

The selection itself is :mod:`qjtitle.experts.draw` (pure); this module gathers its inputs
from the store (the meeting, the pool, the recusals), checks the procedure (three
distinct drawers, a supervisor, the member count, the 5-working-day deadline),
and writes the record. Draw tables are append-only in the database: a redraw is a
new record citing the one it voids, and an answer or a replacement is a new row.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from qjtitle import committees, rules
from qjtitle.calendar import schedule as schedules
from qjtitle.calendar.workdays import WorkCalendar
from qjtitle.documents import cn_date, render_docx
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.experts import draw as algo
from qjtitle.experts import pool as experts
from qjtitle.meeting import record as meetings
from qjtitle.models import (
    Attendance,
    Committee,
    DrawAnswer,
    DrawPick,
    DrawRecord,
    DrawReplacement,
    DrawSignature,
    Expert,
    Meeting,
    MeetingSeal,
    utcnow,
)
from qjtitle.paths import file_sha256, make_private_dir
from qjtitle.spreadsheets import clean_text
from qjtitle.store import Store, audit, is_unique_violation

TEMPLATE = "draw_record.docx"
SEED_SOURCES = {"drawers": "抽取人员现场输入", "secrets": "程序生成（操作系统安全随机数）"}


def _stamp(moment: datetime) -> str:
    """UTC to the second, the same whether the datetime comes back from the store aware or naive."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_specialties(values: list[str]) -> tuple[list[str], dict[str, int]]:
    """``["临床医学=5", "护理=3", "药学"]`` → (names in order, fixed member counts)."""
    names: list[str] = []
    quotas: dict[str, int] = {}
    for value in values:
        text = clean_text(value).replace("＝", "=").replace("：", "=").replace(":", "=")
        name, sep, count = text.partition("=")
        name = name.strip()
        if not name:
            raise InvalidValue(f"--specialty “{value}”缺少专业名称；应写成 专业=人数（如 临床医学=5）或只写专业名称")
        if name in names:
            raise InvalidValue(f"专业“{name}”重复指定；每个专业只写一次")
        names.append(name)
        if sep:
            if not count.strip().isdigit() or int(count) < 1:
                raise InvalidValue(f"--specialty “{value}”的人数“{count}”无效；应为正整数，如 {name}=3")
            quotas[name] = int(count)
    return names, quotas


def _names(values: list[str]) -> list[str]:
    return [clean_text(v) for v in values if clean_text(v)]


def _check_people(drawers: list[str], supervisors: list[str]) -> None:
    need = int(rules.DRAWERS.value)
    if len(drawers) != need or len(set(drawers)) != need:
        given = "、".join(drawers) if drawers else "无"
        raise InvalidValue(
            f"抽取须有 {need} 名不同的抽取人员（{rules.DRAWERS.text}，{rules.DRAWERS.source}），现为：{given}；"
            "请用 --drawer 分别写出三人姓名"
        )
    if len(supervisors) < int(rules.SUPERVISORS_MIN.value):
        raise InvalidValue(
            f"抽取须在监督人员监督下进行（{rules.SUPERVISORS_MIN.text}，{rules.SUPERVISORS_MIN.source}）；请用 --supervisor 写明监督人员"
        )
    both = sorted(set(drawers) & set(supervisors))
    if both:
        raise InvalidValue(f"{'、'.join(both)} 不能既是抽取人员又是监督人员；请另请监督人员")
    if len(set(supervisors)) != len(supervisors):
        raise InvalidValue("监督人员姓名重复；每人只写一次")


def _voided_by(session: Session, draw_id: int) -> DrawRecord | None:
    return session.exec(select(DrawRecord).where(DrawRecord.voids_id == draw_id)).first()


def _get(session: Session, draw_id: int) -> DrawRecord:
    record = session.get(DrawRecord, draw_id)
    if record is None:
        raise NotFound(f"没有编号为 {draw_id} 的抽取记录；用 qjtitle draw list 查看全部抽取记录")
    return record


@dataclass
class DrawOutcome:
    record: dict[str, Any]  # as exported
    warnings: list[str] = field(default_factory=list)
    deadline: date | None = None


def draw_experts(
    store: Store,
    meeting_id: int,
    drawers: list[str],
    supervisors: list[str],
    members: int | None = None,
    alternates: int = 0,
    specialties: list[str] | None = None,
    seed: list[str] | None = None,
    unit_cap: int | None = None,
    generate_seed: bool | None = None,
    same_unit: bool = True,
    drawn_on: date | None = None,
    place: str = "",
    late_reason: str = "",
    voids: int | None = None,
    void_reason: str = "",
    calendar: WorkCalendar | None = None,
    user: str | None = None,
) -> DrawOutcome:
    """Draw the experts of a meeting and record it; see the module docstring and :mod:`qjtitle.experts.draw`."""
    drawers, supervisors = _names(drawers), _names(supervisors)
    _check_people(drawers, supervisors)
    names, quotas = parse_specialties(specialties or [])
    late_reason, void_reason, place = clean_text(late_reason), clean_text(void_reason), clean_text(place)
    if seed:
        seed_text, seed_source = algo.canonical_seed(seed), "drawers"
    else:
        seed_text, seed_source = algo.random_seed(), "secrets"
    drawn_on = drawn_on or date.today()
    calendar = calendar or WorkCalendar.load(store_dir=store.directory)
    warnings: list[str] = []
    if (short := algo.seed_warning(seed_text)) is not None:
        warnings.append(short)
    with store.transaction() as session:
        # On PostgreSQL a second draw for the same meeting waits here until the first commits, then
        # sees it (_check_voids refuses); SQLite's BEGIN IMMEDIATE already serialises the two.
        session.exec(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update()).first()
        meeting = meetings.get(session, meeting_id)
        committee = session.get(Committee, meeting.committee_id)
        assert committee is not None
        members = meeting.size if members is None else members
        errors, _ = meetings.size_problems(committee, members)
        if members != meeting.size:
            errors.append(f"委员人数 {members} 与该评审会议的评委会人数 {meeting.size} 不符；请用 --members {meeting.size}")
        if names and len(quotas) == len(names) and sum(quotas.values()) < members:
            errors.append(
                f"各专业指定人数之和 {sum(quotas.values())} 少于委员人数 {members}，其余委员没有可来自的专业；"
                "请用 --specialty 列出其余委员可来自的专业（只写专业名，如 --specialty 临床医学），或让各专业人数之和等于委员人数"
            )
        if errors:
            raise InvalidValue("；".join(errors))
        _check_not_sealed(session, meeting.id)
        deadline = _deadline_checks(meeting, drawn_on, late_reason, calendar, warnings)
        _check_voids(session, meeting, voids, void_reason)
        # generate_seed None (library callers of old): generated when no part is given
        check_seed_parts(list(seed or []), drawers, not seed if generate_seed is None else generate_seed)
        spelled = experts.canonical_specialties(session, committee.id or 0, names)
        canonical = tuple(spelled.values())
        quotas = {spelled[name]: n for name, n in quotas.items()}
        request = algo.Request.make(members, alternates, quotas, unit_cap)
        elig = experts.eligibility(session, meeting, canonical, same_unit)
        problems = algo.feasibility_problems(elig.eligible, request)
        if problems:
            raise algo.DrawImpossible(_explain(problems, elig, request))
        picks = algo.select(seed_text, elig.eligible, request)
        drawn_alternates = sum(1 for p in picks if p.role == algo.ALTERNATE)
        if drawn_alternates < alternates:
            warnings.append(f"单位上限下只抽到 {drawn_alternates} 名备选专家（要求 {alternates} 名）")
        now = utcnow().replace(microsecond=0)
        params = {**request.as_dict(), "specialties": list(canonical), "same_unit_recusal": same_unit}
        snapshot = {
            "committee": {"code": committee.code, "name": committee.name, "level": committee.level},
            "meeting": {
                "id": meeting.id,
                "date": meeting.date.isoformat(),
                "end_date": meeting.end_date.isoformat() if meeting.end_date else None,
                "place": meeting.place,
                "size": meeting.size,
            },
        }
        record = DrawRecord(
            meeting_id=meeting.id or 0,
            committee_id=committee.id or 0,
            snapshot=snapshot,
            algorithm=algo.ALGORITHM,
            seed=seed_text,
            seed_source=seed_source,
            pool_sha256=algo.pool_digest(elig.eligible),
            eligible=[c.entry() for c in elig.eligible],
            eligible_count=len(elig.eligible),
            exclusions={reason: [i["id"] for i in items] for reason, items in elig.excluded.items()},
            params=params,
            drawers=drawers,
            supervisors=supervisors,
            drawn_on=drawn_on,
            place=place,
            late_reason=late_reason,
            voids_id=voids,
            void_reason=void_reason,
            warnings=warnings,
            recorded_at=now,
            user=user or audit.current_user(),
        )
        pick_dicts = [p.as_dict() for p in picks]
        # The fingerprint is fixed before saving: a saved record can never be updated.
        record.record_sha256 = algo.record_digest(_core(record, pick_dicts))
        session.add(record)
        try:
            session.flush()
        except IntegrityError as exc:  # the database's own guard (revision 0003), should the lock be bypassed
            if is_unique_violation(exc, "uq_draw_record_first") or is_unique_violation(exc, "uq_draw_record_voids"):
                raise InvalidValue(
                    f"评审会议 {meeting.id} 刚刚已由另一处完成抽取，本次抽取未记录；"
                    f"请用 qjtitle draw list --meeting {meeting.id} 查看"
                ) from None
            raise
        for p in picks:
            session.add(
                DrawPick(
                    draw_id=record.id or 0, position=p.position, role=p.role, slot=p.slot,
                    expert_id=p.candidate.id, name=p.candidate.name, specialty=p.candidate.specialty,
                    unit=p.candidate.unit,
                )
            )
        session.flush()
        audit.record(
            session,
            "draw-experts",
            "draw.recorded",
            {
                "draw": record.id,
                "meeting": meeting.id,
                "seed": seed_text,
                "pool_sha256": record.pool_sha256,
                "record_sha256": record.record_sha256,
                "eligible": record.eligible_count,
                "picks": len(picks),
                "voids": voids,
            },
            user=user,
        )
        schedules.record_step(session, meeting.id or 0, "draw", drawn_on, "draw-experts", user=user)  # schedule: 抽取评委
        exported = record_dict(session, record)
    return DrawOutcome(exported, warnings, deadline)


def _deadline_checks(meeting: Meeting, drawn_on: date, late_reason: str, calendar: WorkCalendar, warnings: list[str]) -> date:
    """The latest draw date (5 working days before the meeting); late draws need a reason."""
    rule, quiet = rules.DRAW_BEFORE_MEETING, rules.DRAW_CONFIDENTIALITY_WARNING
    if drawn_on > meeting.date:
        raise InvalidValue(f"抽取日期 {drawn_on} 晚于评审会议日期 {meeting.date}；请核对 --date")
    deadline = calendar.nth_before(meeting.date, int(rule.value))
    ahead = calendar.between(drawn_on, meeting.date)
    provisional = calendar.provisional_years(drawn_on, meeting.date)
    if provisional:
        warnings.append(f"{'、'.join(map(str, provisional))} 年调休安排未公布，工作日按周末和法定节假日推算，截止日期为暂定")
    if drawn_on > deadline:
        late = f"抽取日期 {drawn_on} 晚于截止日期 {deadline}（{rule.text}，{rule.source}；距会议仅 {ahead} 个工作日）"
        if not late_reason:
            raise InvalidValue(f"{late}；确需补抽的，请用 --late-reason 写明原因后记录")
        warnings.append(f"{late}；逾期原因：{late_reason}")
    elif ahead > int(quiet.value):
        warnings.append(
            f"抽取日期距会议还有 {ahead} 个工作日，早于截止日期 {deadline}：{quiet.text}，请做好专家名单保密（{quiet.source}）"
        )
    return deadline


def _check_not_sealed(session: Session, meeting_id: int | None, what: str = "不能再抽取或重新抽取") -> None:
    """No draw (nor answer) once the meeting was sealed: its experts are facts of the meeting by then."""
    from qjtitle.models import MeetingSeal

    seal = session.exec(select(MeetingSeal).where(MeetingSeal.meeting_id == meeting_id)).first()
    if seal is not None:
        raise InvalidValue(
            f"评审会议 {meeting_id} 已于 {seal.sealed_at:%Y-%m-%d} 封存，参会专家已是会议认定的事实，{what}"
        )
    # a draw dated after the meeting day is refused by _deadline_checks


def check_seed_parts(parts: list[str], drawers: list[str], generate: bool) -> None:
    """Each drawer enters a part of the seed at the table: one part (``--seed``) per drawer at least.

    Only the entry is checked here; how the parts become the seed is :func:`qjtitle.experts.draw.canonical_seed`'s."""
    if generate:
        if parts:
            raise InvalidValue("已给出 --seed 又要求 --generate-seed：请二选一（抽取人员现场输入，或由程序生成）")
        return
    given = [p for p in parts if algo.canonical_seed_pieces(p)]
    if len(given) < len(drawers):
        who = "、".join(drawers) or "抽取人员"
        raise InvalidValue(
            f"随机种子只有 {len(given)} 组，少于抽取人员 {len(drawers)} 人（{who}）：每名抽取人员各输入一组数字，"
            f"各用一个 --seed（如 --seed 4721 --seed 9903 --seed 1586）；如由程序生成随机种子，请加 --generate-seed"
        )


def _check_voids(session: Session, meeting: Meeting, voids: int | None, void_reason: str) -> None:
    current = [
        d for d in session.exec(select(DrawRecord).where(DrawRecord.meeting_id == meeting.id).order_by(col(DrawRecord.id)))
        if _voided_by(session, d.id or 0) is None
    ]
    if voids is None:
        if current:
            raise InvalidValue(
                f"评审会议 {meeting.id} 已有有效的抽取记录（第{current[-1].id}号）；"
                f"如须重新抽取，请用 --voids {current[-1].id} --reason 写明作废理由，原记录将保留"
            )
        return
    target = session.get(DrawRecord, voids)
    if target is None or target.meeting_id != meeting.id:
        raise InvalidValue(f"第{voids}号抽取记录不属评审会议 {meeting.id}；用 qjtitle draw list --meeting {meeting.id} 查看")
    later = _voided_by(session, voids)
    if later is not None:
        raise InvalidValue(f"第{voids}号抽取记录已被第{later.id}号作废；如须再抽，请作废第{current[-1].id if current else later.id}号")
    if not void_reason:
        raise InvalidValue(f"重新抽取须写明作废第{voids}号记录的理由（--reason）")


def _explain(problems: list[str], elig: experts.Eligibility, request: algo.Request) -> str:
    """Why the pool is too small: the shortfall, then which constraint removed how many experts."""
    if not elig.eligible and not any(elig.excluded.values()):
        return (
            "专家库是空的，无法抽取：本评委会还没有导入评审专家；"
            "请先导入专家库：qjtitle import-experts 专家库.xlsx --committee 评委会代码 --pool-filed 备案日期"
        )
    lines = ["符合条件的专家不足，无法抽取：" + "；".join(problems)]
    lines.append(f"会议日期 {elig.on} 符合条件的专家 {len(elig.eligible)} 人；已排除：{elig.summary()}")
    for specialty, _ in request.quotas:
        lines.append(f"其中“{specialty}”专业已排除：{elig.by_specialty(specialty)}")
    if elig.counts()["level"]:
        lines.append(f"职称级别的要求：{rules.EXPERT_LEVELS_SOURCE}")
    lines.append(
        "请核对专家库（qjtitle experts check）、任期与状态，或调整人数、专业、单位上限；"
        "同单位回避可用 --no-same-unit 关闭（须有充分理由）"
    )
    return "\n".join(lines)


# --- The record as exported ------------------------------------------------------------------


def _core(record: DrawRecord, picks: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields of the record fingerprint (draw.CORE_KEYS), from the row and its picks."""
    return {
        "format": algo.RECORD_FORMAT,
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


def _picks(session: Session, draw_id: int) -> list[DrawPick]:
    return list(session.exec(select(DrawPick).where(DrawPick.draw_id == draw_id).order_by(col(DrawPick.position))))


def record_dict(session: Session, record: DrawRecord) -> dict[str, Any]:
    """The whole record: what the fingerprint covers, the eligible list, and what came later."""
    picks = _picks(session, record.id or 0)
    pick_dicts = [
        {"position": p.position, "role": p.role, "slot": p.slot, "id": p.expert_id, "name": p.name,
         "specialty": p.specialty, "unit": p.unit}
        for p in picks
    ]
    data = {"draw": record.id, **_core(record, pick_dicts)}
    data["eligible"] = list(record.eligible)
    data["record_sha256"] = record.record_sha256
    voided_by = _voided_by(session, record.id or 0)
    data["voided_by"] = voided_by.id if voided_by else None
    data["answers"] = [
        {"expert": a.expert_id, "accepted": a.accepted, "reason": a.reason, "answered_on": a.answered_on.isoformat(),
         "recorded_at": _stamp(a.recorded_at)}
        for a in session.exec(select(DrawAnswer).where(DrawAnswer.draw_id == record.id).order_by(col(DrawAnswer.id)))
    ]
    data["replacements"] = [
        {"member_position": r.member_position, "out": r.out_expert_id, "in": r.in_expert_id,
         "alternate_position": r.alternate_position, "reason": r.reason, "recorded_at": _stamp(r.recorded_at)}
        for r in _replacements(session, record.id or 0)
    ]
    data["signatures"] = [
        {"signers": list(s.signers), "signed_on": s.signed_on.isoformat(), "scan": s.scan_name,
         "scan_sha256": s.scan_sha256, "recorded_at": _stamp(s.recorded_at)}
        for s in session.exec(select(DrawSignature).where(DrawSignature.draw_id == record.id).order_by(col(DrawSignature.id)))
    ]
    data["members_now"] = [{"position": pos, "id": eid} for pos, eid in sorted(_composition(picks, _replacements(session, record.id or 0)).items())]
    data["chain_sha256"] = algo.chain_digest(data)  # chained onto record_sha256: answers, replacements, signatures, members
    return data


def _replacements(session: Session, draw_id: int) -> list[DrawReplacement]:
    return list(session.exec(select(DrawReplacement).where(DrawReplacement.draw_id == draw_id).order_by(col(DrawReplacement.id))))


def _composition(picks: list[DrawPick], replacements: list[DrawReplacement]) -> dict[int, int]:
    """Member position → expert id, after the replacements in order."""
    members = {p.position: p.expert_id for p in picks if p.role == algo.MEMBER}
    for r in replacements:
        members[r.member_position] = r.in_expert_id
    return members


def show_draw(store: Store, draw_id: int) -> dict[str, Any]:
    with store.transaction() as session:
        return record_dict(session, _get(session, draw_id))


def list_draws(store: Store, meeting_id: int | None = None, committee_code: str | None = None) -> list[dict[str, Any]]:
    """Every attempt, voided ones included, oldest first."""
    with store.transaction() as session:
        query = select(DrawRecord)
        if meeting_id is not None:
            query = query.where(DrawRecord.meeting_id == meeting_id)
        if committee_code:
            query = query.where(DrawRecord.committee_id == committees.get(session, committee_code).id)
        result = []
        for record in session.exec(query.order_by(col(DrawRecord.id))):
            picks = _picks(session, record.id or 0)
            voided_by = _voided_by(session, record.id or 0)
            signed = session.exec(select(DrawSignature.id).where(DrawSignature.draw_id == record.id)).first() is not None
            result.append(
                {
                    "draw": record.id,
                    "committee": record.snapshot.get("committee", {}).get("code"),
                    "meeting": record.meeting_id,
                    "meeting_date": record.snapshot.get("meeting", {}).get("date"),
                    "drawn_on": record.drawn_on.isoformat(),
                    "seed": record.seed,
                    "eligible_count": record.eligible_count,
                    "members": sum(1 for p in picks if p.role == algo.MEMBER),
                    "alternates": sum(1 for p in picks if p.role == algo.ALTERNATE),
                    "voids": record.voids_id,
                    "void_reason": record.void_reason,
                    "voided_by": voided_by.id if voided_by else None,
                    "signed": signed,
                    "record_sha256": record.record_sha256,
                }
            )
        return result


def export_draw(store: Store, draw_id: int, out_path: Path) -> Path:
    """Write the whole record as JSON (atomically), for ``verify-draw --record`` elsewhere."""
    data = show_draw(store, draw_id)
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        make_private_dir(out_path.parent)  # the expert names are confidential: a new folder is owner-only
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=".tmp-", suffix=".json")  # the file too (0600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        with store.transaction() as session:
            audit.record(session, "draw export", "draw.exported",
                         {"draw": draw_id, "file": out_path.name, "record_sha256": data.get("record_sha256")})
            os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path


# --- Re-checking a stored draw -------------------------------------------------------------------------


@dataclass
class DrawCheck:
    draw: int
    record: algo.Verification  # the stored record on its own
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
        checked = algo.verify_record(data)
        findings: list[str] = []
        meeting = meetings.get(session, record.meeting_id)
        then = record.snapshot.get("meeting", {}).get("date")
        if then != meeting.date.isoformat():
            findings.append(f"评审会议日期已由 {then} 改为 {meeting.date}，按新日期判断的符合条件名单可能不同")
        elig = experts.eligibility(
            session, meeting, tuple(record.params.get("specialties", [])), bool(record.params.get("same_unit_recusal", True)),
            conflicts_until=record.drawn_on,
        )
    now_hash = algo.pool_digest(elig.eligible)
    if now_hash == record.pool_sha256:
        findings.append(f"按当前专家库重算的符合条件名单（{len(elig.eligible)} 人）与记录一致，哈希 {now_hash}")
        return DrawCheck(draw_id, checked, True, findings)
    findings.insert(0, f"按当前专家库重算的符合条件名单哈希为 {now_hash}，与记录中的 {record.pool_sha256} 不符")
    findings.extend(_pool_differences(record.eligible, elig))
    try:
        request = algo.Request.from_dict(record.params)
        again = [p.as_dict() for p in algo.select(record.seed, elig.eligible, request)]
        mismatch = algo.compare_picks(data["picks"], again)
        findings.append(f"按当前专家库重算的抽取结果：{mismatch}" if mismatch else "按当前专家库重算的抽取结果仍与记录相同")
    except algo.DrawImpossible as exc:
        findings.append(f"按当前专家库已无法完成同样的抽取：{exc}")
    return DrawCheck(draw_id, checked, False, findings)


def _pool_differences(stored: list[Any], elig: experts.Eligibility) -> list[str]:
    then = {e[0]: e for e in stored}
    now = {c.id: c.entry() for c in elig.eligible}
    why = {i["id"]: f"{experts.REASONS[reason]}（{i['detail']}）" for reason, items in elig.excluded.items() for i in items}
    lines = []
    for eid in sorted(set(then) - set(now)):
        lines.append(f"专家 {then[eid][1]}（编号 {eid}）已不在符合条件名单中：{why.get(eid, '已不在专家库中')}")
    for eid in sorted(set(now) - set(then)):
        lines.append(f"专家 {now[eid][1]}（编号 {eid}）是抽取后新符合条件的")
    for eid in sorted(set(now) & set(then)):
        if list(then[eid]) != now[eid]:
            lines.append(f"专家编号 {eid} 的信息已改变：抽取时为 {then[eid][1:]}，现在为 {now[eid][1:]}")
    return lines


# --- After the draw: answers, replacements, signatures ---------------------------------------------------


def _current(session: Session, draw_id: int) -> DrawRecord:
    record = _get(session, draw_id)
    later = _voided_by(session, draw_id)
    if later is not None:
        raise InvalidValue(f"第{draw_id}号抽取记录已被第{later.id}号作废（{later.void_reason}）；请对第{later.id}号操作")
    return record


def confirm(
    store: Store,
    draw_id: int,
    expert_id: int,
    accepted: bool,
    reason: str = "",
    answered_on: date | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """Record a drawn expert's answer; a declined member is replaced by the next fitting alternate in order."""
    reason = clean_text(reason)
    if not accepted and not reason:
        raise InvalidValue("谢绝参会须用 --reason 写明理由（如 出差、身体原因、需回避）")
    with store.transaction() as session:
        # Answers of one draw queue here (PostgreSQL): each replacement is chosen seeing every earlier
        # answer, as the record's replay (draw.check_later) requires; SQLite's BEGIN IMMEDIATE already does.
        session.exec(select(DrawRecord.id).where(DrawRecord.id == draw_id).with_for_update()).first()
        record = _current(session, draw_id)
        _check_not_sealed(session, record.meeting_id, "不能再记录专家的答复或替补")
        picks = _picks(session, draw_id)
        by_expert = {p.expert_id: p for p in picks}
        pick = by_expert.get(expert_id)
        if pick is None:
            raise InvalidValue(f"编号 {expert_id} 的专家不在第{draw_id}号抽取结果中；用 qjtitle draw show {draw_id} 查看")
        replacements = _replacements(session, draw_id)
        replaced = {r.out_expert_id: r for r in replacements}
        _check_meeting_open(session, record.meeting_id, expert_id, pick.name, accepted)
        if expert_id in replaced:
            r = replaced[expert_id]
            raise InvalidValue(
                f"{pick.name} 已谢绝，第{r.member_position}位委员已由 {by_expert[r.in_expert_id].name} 替补；"
                "替补不能撤回，如须恢复请重新抽取"
            )
        answered_on = answered_on or date.today()
        session.add(
            DrawAnswer(draw_id=draw_id, expert_id=expert_id, accepted=accepted, reason=reason, answered_on=answered_on,
                       user=user or audit.current_user())
        )
        result: dict[str, Any] = {"draw": draw_id, "expert": expert_id, "name": pick.name, "accepted": accepted,
                                  "reason": reason, "replacement": None, "warning": ""}
        members = _composition(picks, replacements)
        position = next((pos for pos, eid in members.items() if eid == expert_id), None)
        if not accepted and position is not None:
            slot = next(p.slot for p in picks if p.position == position)
            substitute = _next_alternate(session, record, picks, replacements, expert_id, slot)
            if substitute is None:
                need = f"“{slot}”专业的" if slot else "不限专业的"
                result["warning"] = (
                    f"备选专家中已没有{need}可替补人选；第{position}位委员空缺，请重新抽取"
                    f"（qjtitle draw-experts {record.meeting_id} --voids {draw_id} --reason …）"
                )
            else:
                session.add(
                    DrawReplacement(draw_id=draw_id, member_position=position, out_expert_id=expert_id,
                                    in_expert_id=substitute.expert_id, alternate_position=substitute.position,
                                    reason=f"{pick.name}谢绝：{reason}", user=user or audit.current_user())
                )
                result["replacement"] = {"position": position, "id": substitute.expert_id, "name": substitute.name,
                                         "alternate_position": substitute.position}
        elif not accepted:
            result["warning"] = f"{pick.name} 是备选专家，已记录其谢绝；替补时将跳过"
        session.flush()
        result["chain_sha256"] = record_dict(session, record)["chain_sha256"]  # the chain's head, kept in the audit log
        audit.record(session, "draw confirm", "draw.answered", result, user=user)
    return result


def _check_meeting_open(session: Session, meeting_id: int, expert_id: int, name: str, accepted: bool) -> None:
    """Answers belong before the meeting: none once it is sealed, no decline from an expert who signed in."""
    if session.exec(select(MeetingSeal).where(MeetingSeal.meeting_id == meeting_id)).first() is not None:
        raise InvalidValue(f"第{meeting_id}号会议已封存，不能再记录专家的答复")
    if accepted:
        return
    latest = session.exec(
        select(Attendance.present)
        .where(Attendance.meeting_id == meeting_id, Attendance.expert_id == expert_id)
        .order_by(col(Attendance.id).desc())
    ).first()
    if latest:
        raise InvalidValue(
            f"{name} 已在第{meeting_id}号会议签到，不能记录为谢绝；如确已离会，请先用 "
            f"qjtitle meeting attend {meeting_id} --absent {expert_id} --reason … 撤销签到"
        )


def _next_alternate(
    session: Session, record: DrawRecord, picks: list[DrawPick], replacements: list[DrawReplacement],
    declining: int, slot: str,
) -> DrawPick | None:
    """The first alternate in order not yet used, not declined, whose specialty fits the vacated slot."""
    used = {r.in_expert_id for r in replacements}
    latest: dict[int, bool] = {}
    for a in session.exec(select(DrawAnswer).where(DrawAnswer.draw_id == record.id).order_by(col(DrawAnswer.id))):
        latest[a.expert_id] = a.accepted
    fixed = set(record.params.get("quotas", {}))
    for p in picks:
        if p.role != algo.ALTERNATE or p.expert_id in used or p.expert_id == declining or latest.get(p.expert_id) is False:
            continue
        fits = p.specialty == slot if slot else p.specialty not in fixed
        if fits:
            return p
    return None


def sign(store: Store, draw_id: int, scan: Path, signed_on: date | None = None, user: str | None = None) -> dict[str, Any]:
    """Record that the drawers and supervisors signed the printed record, with the scan's SHA-256."""
    scan = Path(scan)
    if not scan.is_file():
        raise NotFound(f"找不到签字扫描件 {scan}；请先扫描签字后的抽取记录表")
    digest = file_sha256(scan)
    with store.transaction() as session:
        record = _get(session, draw_id)
        signers = [*record.drawers, *record.supervisors]
        signature = DrawSignature(draw_id=draw_id, signers=signers, signed_on=signed_on or date.today(),
                                  scan_name=scan.name, scan_sha256=digest, user=user or audit.current_user())
        session.add(signature)
        session.flush()
        result = {"draw": draw_id, "signers": signers, "signed_on": signature.signed_on.isoformat(),
                  "scan": scan.name, "scan_sha256": digest, "chain_sha256": record_dict(session, record)["chain_sha256"]}
        audit.record(session, "draw sign", "draw.signed", result, user=user)
    return result


def _grouped(digest: str) -> str:
    """A long check code in groups of eight, so that it reads (and wraps) like a number on paper."""
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))


# --- The record document (抽取记录表) ------------------------------------------------------------------


def render_document(store: Store, draw_id: int, out_path: Path, templates: Path | None = None) -> Path:
    """The 抽取记录表 as .docx: confidential, with signature lines for the drawers and supervisors."""
    with store.transaction() as session:
        record = _get(session, draw_id)
        data = record_dict(session, record)
        people = {
            e.id: e
            for e in session.exec(select(Expert).where(col(Expert.id).in_([p["id"] for p in data["picks"]])))
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
        "method_version": f"第{data['algorithm'].rsplit('-v', 1)[-1]}版" if "-v" in data["algorithm"] else data["algorithm"],
        "pool_code": _grouped(data["pool_sha256"]),
        "record_code": _grouped(data["record_sha256"]),
        "place": data["place"] or "",
        "seed": data["seed"],
        "seed_source": SEED_SOURCES.get(data["seed_source"], data["seed_source"]),
        "algorithm": data["algorithm"],
        "pool_sha256": data["pool_sha256"],
        "record_sha256": data["record_sha256"],
        "eligible_count": data["eligible_count"],
        "exclusions": [{"reason": experts.REASONS[r], "count": counts.get(r, 0)} for r in experts.REASONS],
        "excluded_total": sum(counts.values()),
        "params_text": (
            f"委员 {params['members']} 人，备选 {params['alternates']} 人；专业人数：{quota_text}；"
            f"专业范围：{'、'.join(params.get('specialties') or []) or '不限'}；"
            f"每单位上限：{params.get('unit_cap') or '不限'}；同单位回避：{'是' if params.get('same_unit_recusal') else '否'}"
        ),
        "members": [person(p) for p in data["picks"] if p["role"] == algo.MEMBER],
        "alternates": [person(p) for p in data["picks"] if p["role"] == algo.ALTERNATE],
        "replacements": [
            f"第{r['member_position']}位委员 {names.get(r['out'], r['out'])} 由第{r['alternate_position']}位备选 "
            f"{names.get(r['in'], r['in'])} 替补（{r['reason']}）"
            for r in data["replacements"]
        ],
        "drawers": data["drawers"],
        "supervisors": data["supervisors"],
        "late_reason": data["late_reason"],
        "voids": f"本次为重新抽取，作废第{data['voids']}号抽取记录，理由：{data['void_reason']}" if data["voids"] else "",
        "voided": f"本记录已被第{voided_by.id}号抽取记录作废，理由：{voided_by.void_reason}" if voided_by else "",
    }
    written = render_docx(TEMPLATE, context, out_path, templates)
    with store.transaction() as session:
        audit.record(session, "draw document", "draw.document", {"draw": draw_id, "file": Path(written).name})
    return written


# --- The panel of a meeting, for attendance, reviews and votes ----------------------------------


@dataclass
class PanelMember:
    position: int
    expert: Expert
    accepted: bool | None  # the latest answer; None when none was recorded


def current_panel(session: Session, meeting_id: int) -> list[PanelMember] | None:
    """The members of the meeting's standing draw (the latest not voided), after replacements,
    with their latest answers, then the drawn experts who declined; None when there is no draw yet."""
    records = list(session.exec(select(DrawRecord).where(DrawRecord.meeting_id == meeting_id).order_by(col(DrawRecord.id))))
    voided = {r.voids_id for r in records if r.voids_id is not None}
    standing = [r for r in records if r.id not in voided]
    if not standing:
        return None
    record = standing[-1]
    members = _composition(_picks(session, record.id or 0), _replacements(session, record.id or 0))
    latest: dict[int, bool] = {}
    for a in session.exec(select(DrawAnswer).where(DrawAnswer.draw_id == record.id).order_by(col(DrawAnswer.id))):
        latest[a.expert_id] = a.accepted
    panel = []
    for position, expert_id in sorted(members.items()):
        expert = session.get(Expert, expert_id)
        if expert is not None:
            panel.append(PanelMember(position, expert, latest.get(expert_id)))
    seated = set(members.values())
    for pick in _picks(session, record.id or 0):  # those who declined and were replaced, or declining alternates
        if latest.get(pick.expert_id) is False and pick.expert_id not in seated:
            expert = session.get(Expert, pick.expert_id)
            if expert is not None:
                panel.append(PanelMember(pick.position, expert, False))
    return panel
