"""After the draw: the experts' answers (accepted, declined with a reason, replaced by the next
alternate), the signed scan of the record, and the panel of the meeting that results (who may sign
in, review and vote).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import when
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.experts.draw_record import (
    _composition,
    _get,
    _picks,
    _replacements,
    _voided_by,
    record_dict,
    record_format,
    standing_chain,
)
from qjtitle.experts.drawing import _check_not_sealed
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.logic import draw_verify
from qjtitle.logic.draw_inputs import ALTERNATE, MEMBER
from qjtitle.models import (
    Attendance,
    DrawAnswer,
    DrawRecord,
    DrawReplacement,
    DrawSignature,
    Expert,
    MeetingSeal,
)
from qjtitle.paths import file_sha256
from qjtitle.spreadsheets.text import clean_text
from qjtitle.store import Store, audit

# --- After the draw: answers, replacements, signatures ---------------------------------------------------


def _current(session: Session, draw_id: int) -> DrawRecord:
    record = _get(session, draw_id)
    later = _voided_by(session, draw_id)
    if later is not None:
        raise InvalidValue(
            f"第{draw_id}号抽取记录已被第{later.id}号作废（{later.void_reason}）；请对第{later.id}号操作"
        )
    if record.fills_id is not None and record not in standing_chain(session, record.meeting_id):
        raise InvalidValue(
            finding(
                "draw.fill_voided",
                f"第{draw_id}号补抽记录所补的抽取记录已被作废",
                step=Step.LIST_DRAWS,
                hint="请对本会议现行的抽取记录操作",
                meeting=record.meeting_id,
                record=draw_id,
            )
        )
    return record


def unanswered_members(store: Store, draw_id: int) -> list[int]:
    """The experts sitting as members of a draw now (replacements counted) who have not answered
    yet, in the order of their seats: what ``draw confirm --all-accepted`` records as accepting."""
    with store.transaction() as session:
        record = record_dict(session, _get(session, draw_id))
    answered = {a["expert"] for a in record["answers"]}
    return [
        int(m["id"])
        for m in record["members_now"]
        if m["id"] is not None and m["id"] not in answered  # a vacant seat has no one to ask
    ]


class Outcome(StrEnum):
    """What an answer came to (the stored answer itself is ``accepted``, a boolean)."""

    ACCEPTED = "accepted"  # a drawn expert will attend
    UNCHANGED = "unchanged"  # the same answer again: recorded once
    REPLACED = "replaced"  # a member declined and the next fitting alternate took the seat
    VACANT = "vacant"  # a member declined and no alternate fits: the seat is vacant
    ALTERNATE_DECLINED = "alternate_declined"  # an alternate declined: skipped when replacing


@dataclass(frozen=True)
class Replacement:
    """The alternate who took a declining member's seat."""

    position: int  # the member's seat
    id: int
    name: str
    alternate_position: int


@dataclass
class AnswerResult:
    """A recorded answer (:func:`confirm`) and what it came to."""

    draw: int
    expert: int
    name: str
    accepted: bool
    reason: str
    outcome: Outcome
    replacement: Replacement | None = None
    vacant: int | None = None  # the seat left vacant
    warning: Finding | None = None
    chain_sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        """As the audit log keeps it (the fields of old, the warning by its message)."""
        data: dict[str, Any] = {
            "draw": self.draw,
            "expert": self.expert,
            "name": self.name,
            "accepted": self.accepted,
            "reason": self.reason,
            "replacement": asdict(self.replacement) if self.replacement else None,
            "warning": self.warning.message if self.warning else "",
        }
        if self.outcome is Outcome.UNCHANGED:
            data["unchanged"] = True
        if self.vacant is not None:
            data["vacant"] = self.vacant
        data["chain_sha256"] = self.chain_sha256
        return data


def confirm(
    store: Store,
    draw_id: int,
    expert_id: int,
    accepted: bool,
    reason: str = "",
    answered_on: date | None = None,
    user: str | None = None,
) -> AnswerResult:
    """Record a drawn expert's answer; a declined member is replaced by the next fitting alternate
    in order (:func:`qjtitle.logic.draw_verify.next_alternate`)."""
    reason = clean_text(reason)
    if not accepted and not reason:
        raise InvalidValue(
            finding(
                "draw.decline_reason",
                "谢绝参会须写明理由",
                field="reason",
                hint="写明理由（如 出差、身体原因、需回避）",
            )
        )
    with store.transaction() as session:
        # Answers of one draw queue here (PostgreSQL): each replacement is chosen seeing every earlier
        # answer, as the record's replay (draw_verify.check_later) requires; SQLite's BEGIN IMMEDIATE already does.
        session.exec(
            select(DrawRecord.id).where(DrawRecord.id == draw_id).with_for_update()
        ).first()
        record = _current(session, draw_id)
        _check_not_sealed(session, record.meeting_id, "不能再记录专家的答复或替补")
        data = record_dict(session, record)
        by_expert = {p["id"]: p for p in data["picks"]}
        pick = by_expert.get(expert_id)
        if pick is None:
            raise InvalidValue(
                finding(
                    "draw.not_drawn",
                    f"编号 {expert_id} 的专家不在第{draw_id}号抽取结果中",
                    step=Step.SHOW_DRAW,
                    hint="请查看",
                    record=draw_id,
                    expert=expert_id,
                )
            )
        result = AnswerResult(
            draw_id,
            expert_id,
            pick["name"],
            accepted,
            reason,
            Outcome.ACCEPTED if accepted else Outcome.ALTERNATE_DECLINED,
        )
        said = [a for a in data["answers"] if a["expert"] == expert_id]
        if said and (said[-1]["accepted"], said[-1]["reason"]) == (accepted, reason):
            # the same answer entered twice is recorded once
            result.outcome = Outcome.UNCHANGED
            result.chain_sha256 = data["chain_sha256"]
            return result
        _check_meeting_open(session, record.meeting_id, expert_id, pick["name"], accepted)
        quotas = record.params.get("quotas") or {}
        vacancies = record_format(record) == 2
        before = draw_verify.replay(data["picks"], quotas, data["answers"], vacancies)
        if expert_id in before.gone:
            position = before.gone[expert_id]
            taken = before.seats.get(position)
            now = f"已由 {by_expert[taken]['name']} 替补" if taken else "空缺"
            raise InvalidValue(
                f"{pick['name']} 已谢绝，第{position}位委员{now}；谢绝后不能再答复，替补不能撤回（如须恢复请重新抽取）"
            )
        answered_on = when.fact_date(answered_on, "专家答复", record.drawn_on, f"第{draw_id}号抽取")
        session.add(
            DrawAnswer(
                draw_id=draw_id,
                expert_id=expert_id,
                accepted=accepted,
                reason=reason,
                answered_on=answered_on,
                user=user or audit.current_user(),
            )
        )
        seat = next((pos for pos, eid in before.seats.items() if eid == expert_id), None)
        # the seat's slot: a seated alternate who declines leaves a seat of the member's slot
        slot = next(
            (p["slot"] for p in data["picks"] if p["role"] == MEMBER and p["position"] == seat), ""
        )
        substitute = None
        if not accepted and seat is not None:
            substitute = draw_verify.next_alternate(
                [p for p in data["picks"] if p["role"] == ALTERNATE],
                slot,
                quotas,
                expert_id,
                before.used,
                {**before.latest, expert_id: False},
            )
        if substitute is not None and seat is not None:
            session.add(
                DrawReplacement(
                    draw_id=draw_id,
                    member_position=seat,
                    out_expert_id=expert_id,
                    in_expert_id=substitute["id"],
                    alternate_position=substitute["position"],
                    reason=f"{pick['name']}谢绝：{reason}",
                    user=user or audit.current_user(),
                )
            )
            result.outcome = Outcome.REPLACED
            result.replacement = Replacement(
                seat, substitute["id"], substitute["name"], substitute["position"]
            )
        elif not accepted and seat is not None:
            need = f"“{slot}”专业的" if slot else "不限专业的"
            result.outcome = Outcome.VACANT
            result.vacant = seat
            result.warning = finding(
                "draw.vacant",
                f"备选专家中已没有{need}可替补人选；第{seat}位委员空缺（抽取记录仍然有效）",
                severity=Severity.WARNING,
                step=Step.FILL_DRAW,
                hint="如须补足，请补抽该位次（同样须三名抽取人员和监督人员，谢绝的专家不会再被抽中）",
                meeting=record.meeting_id,
                seat=seat,
            )
        elif not accepted:
            result.warning = finding(
                "draw.alternate_declined",
                f"{pick['name']} 是备选专家，已记录其谢绝；替补时将跳过",
                severity=Severity.WARNING,
                expert=expert_id,
            )
        session.flush()
        # the chain's head, kept in the audit log
        result.chain_sha256 = record_dict(session, record)["chain_sha256"]
        audit.record(session, "draw confirm", "draw.answered", result.as_dict(), user=user)
    return result


def _check_meeting_open(
    session: Session, meeting_id: int, expert_id: int, name: str, accepted: bool
) -> None:
    """Answers belong before the meeting: none once it is sealed, no decline from an expert who signed in."""
    if (
        session.exec(select(MeetingSeal).where(MeetingSeal.meeting_id == meeting_id)).first()
        is not None
    ):
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
            finding(
                "draw.decline_signed_in",
                f"{name} 已在第{meeting_id}号会议签到，不能记录为谢绝",
                step=Step.MARK_ABSENT,
                hint="如确已离会，请先撤销签到",
                meeting=meeting_id,
                expert=expert_id,
            )
        )


def sign(
    store: Store, draw_id: int, scan: Path, signed_on: date | None = None, user: str | None = None
) -> dict[str, Any]:
    """Record that the drawers and supervisors signed the printed record, with the scan's SHA-256."""
    scan = Path(scan)
    if not scan.is_file():
        raise NotFound(f"找不到签字扫描件 {scan}；请先扫描签字后的抽取记录表")
    digest = file_sha256(scan)
    with store.transaction() as session:
        record = _get(session, draw_id)
        signers = [*record.drawers, *record.supervisors]
        signature = DrawSignature(
            draw_id=draw_id,
            signers=signers,
            signed_on=when.fact_date(signed_on, "签字", record.drawn_on, f"第{draw_id}号抽取"),
            scan_name=scan.name,
            scan_sha256=digest,
            user=user or audit.current_user(),
        )
        session.add(signature)
        session.flush()
        result = {
            "draw": draw_id,
            "signers": signers,
            "signed_on": signature.signed_on.isoformat(),
            "scan": scan.name,
            "scan_sha256": digest,
            "chain_sha256": record_dict(session, record)["chain_sha256"],
        }
        audit.record(session, "draw sign", "draw.signed", result, user=user)
    return result


# --- The panel of a meeting, for attendance, reviews and votes ----------------------------------


@dataclass
class PanelMember:
    position: int
    expert: Expert
    accepted: bool | None  # the latest answer; None when none was recorded


def current_panel(session: Session, meeting_id: int) -> list[PanelMember] | None:
    """The members of the meeting's standing draw (the latest not voided), after replacements and
    its fills (补抽) in order, with their latest answers, then the drawn experts who declined; None
    when there is no draw yet."""
    chain = standing_chain(session, meeting_id)
    if not chain:
        return None
    seats: dict[int, int | None] = {}
    latest: dict[int, bool] = {}
    drawn: list[tuple[int, int]] = []  # (seat or position, expert) in draw order
    for record in chain:
        data = record_dict(session, record)
        if record.fills_id is None and record_format(record) == 1:
            seats.update(
                _composition(
                    _picks(session, record.id or 0), _replacements(session, record.id or 0)
                )
            )
        else:
            seats.update({m["position"]: m["id"] for m in data["members_now"]})
        latest.update({a["expert"]: a["accepted"] for a in data["answers"]})
        drawn += [(p["position"], p["id"]) for p in draw_verify.seat_picks(data, data["picks"])]
    panel = []
    for position, expert_id in sorted(seats.items()):
        expert = session.get(Expert, expert_id) if expert_id is not None else None
        if expert is not None:
            panel.append(PanelMember(position, expert, latest.get(expert.id or 0)))
    seated = set(seats.values())
    for (
        position,
        expert_id,
    ) in drawn:  # those who declined and left their seat, or declining alternates
        if latest.get(expert_id) is False and expert_id not in seated:
            expert = session.get(Expert, expert_id)
            if expert is not None:
                panel.append(PanelMember(position, expert, False))
    return panel
