"""What a meeting's seal freezes, how it is checked later, and the one way to correct it.

At ``meeting seal`` the store records (``sealed_row``) every applicant and expert the
meeting decided on, with the facts it decided on (name, ID, unit, series, specialty,
level, title, route); the database then refuses to change those facts or delete those
rows (triggers, :func:`qjtitle.store.frozen_sql`). A real correction after the seal is an
``applicant_correction`` row with its reason (:func:`qjtitle.intake.after_seal.correct_applicant`), listed in the
post-meeting filing as 封存后的更正.

The seal also keeps a digest of every row it froze: attendance, reviewer assignment,
reviews, ballots, counts and the frozen applicants and experts, one short SHA-256 per
row, kept in the seal's summary and in its audit event (which the hash chain protects).
:func:`verify` recomputes them from the tables, so an edit made behind the tool's back
(with the triggers dropped) is named: which meeting, which kind of row, which row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from qjtitle.errors import QjtitleError
from qjtitle.models import (
    Applicant,
    ApplicantCorrection,
    Attendance,
    AuditEvent,
    Ballot,
    BallotCount,
    Expert,
    Meeting,
    MeetingSeal,
    Review,
    ReviewAssignment,
    SealedRow,
)
from qjtitle.privacy import mask_id
from qjtitle.store.engine import FROZEN_FACTS

DIGEST_VERSION = "qjtitle-seal-digest/1"
ROW_KINDS: dict[str, tuple[type[SQLModel], str]] = {
    "attendance": (Attendance, "签到记录"),
    "review_assignment": (ReviewAssignment, "审阅安排"),
    "review": (Review, "评议意见"),
    "ballot": (Ballot, "记名投票"),
    "ballot_count": (BallotCount, "无记名票数"),
    "sealed_row": (SealedRow, "封存认定的申报人/专家"),
}
FACT_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "unit": "工作单位",
    "series": "系列",
    "specialty": "专业",
    "level": "级别",
    "title_name": "申报资格",
    "route": "申报途径",
    "status": "受理状态",
    "title": "职称",
}
CORRECTABLE = tuple(f for f in FROZEN_FACTS["applicant"] if f != "status")


class SealError(QjtitleError):
    """A change refused because a sealed meeting decided on it."""


def facts_of(row: Applicant | Expert, kind: str) -> dict[str, str]:
    return {f: str(getattr(row, f) or "") for f in FROZEN_FACTS[kind]}


def _value(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return None  # times are not part of the digest: backends return them differently
    return v


def _row_hash(row: SQLModel) -> str:
    data = {k: _value(v) for k, v in row.model_dump().items() if not isinstance(v, datetime | date)}
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def row_digests(
    session: Session, meeting_id: int, through: dict[str, int]
) -> dict[str, dict[str, str]]:
    """Per kind of row, ``{row id: short SHA-256}`` of the meeting's rows up to the ids the seal saw."""
    out: dict[str, dict[str, str]] = {}
    for kind, (model, _) in ROW_KINDS.items():
        id_col = col(model.id)  # type: ignore[attr-defined]
        query = select(model).where(model.meeting_id == meeting_id, id_col <= through.get(kind, 0))  # type: ignore[attr-defined]
        out[kind] = {str(r.id): _row_hash(r) for r in session.exec(query.order_by(id_col))}  # type: ignore[attr-defined]
    return out


def _through(session: Session, meeting_id: int) -> dict[str, int]:
    out = {}
    for kind, (model, _) in ROW_KINDS.items():
        ids = list(session.exec(select(model.id).where(model.meeting_id == meeting_id)))  # type: ignore[attr-defined]
        out[kind] = max([i for i in ids if i is not None], default=0)
    return out


def overall(rows: dict[str, dict[str, str]]) -> str:
    body = json.dumps(
        [DIGEST_VERSION, rows], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def freeze(
    session: Session, meeting_id: int, applicants: list[Applicant], experts: list[Expert]
) -> dict[str, Any]:
    """Record the frozen applicants and experts; return what the seal keeps (digest, row hashes)."""
    for a in applicants:
        session.add(
            SealedRow(
                meeting_id=meeting_id,
                kind="applicant",
                row_id=a.id or 0,
                facts=facts_of(a, "applicant"),
            )
        )
    for e in experts:
        session.add(
            SealedRow(
                meeting_id=meeting_id, kind="expert", row_id=e.id or 0, facts=facts_of(e, "expert")
            )
        )
    session.flush()
    through = _through(session, meeting_id)
    rows = row_digests(session, meeting_id, through)
    return {
        "digest_version": DIGEST_VERSION,
        "digest": overall(rows),
        "through": through,
        "rows": rows,
    }


def frozen_applicant_ids(session: Session, meeting_id: int) -> list[int] | None:
    """The applicants a sealed meeting decided on (None for a meeting sealed before revision 0005)."""
    ids = list(
        session.exec(
            select(SealedRow.row_id).where(
                SealedRow.meeting_id == meeting_id, SealedRow.kind == "applicant"
            )
        )
    )
    return ids or None


def frozen_by(session: Session, kind: str, row_ids: list[int]) -> dict[int, Meeting]:
    """Which sealed meeting froze each of ``row_ids`` (the earliest), for the rows that are frozen."""
    if not row_ids:
        return {}
    out: dict[int, Meeting] = {}
    query = (
        select(SealedRow.row_id, Meeting)
        .join(Meeting, col(Meeting.id) == SealedRow.meeting_id)
        .where(SealedRow.kind == kind, col(SealedRow.row_id).in_(row_ids))
        .order_by(col(SealedRow.id))
    )
    for row_id, m in session.exec(query):
        out.setdefault(row_id, m)
    return out


def meeting_label(m: Meeting) -> str:
    return f"第{m.id}号评审会议（{m.date}）"


# --- Corrections after the seal (made by :func:`qjtitle.intake.after_seal.correct_applicant`) --------


@dataclass(frozen=True)
class LateEntry:
    """Something entered or corrected after a meeting's seal, with its reason (封存后的更正)."""

    what: str
    reason: str
    recorded_at: datetime
    user: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "reason": self.reason,
            "recorded_at": self.recorded_at.isoformat(),
            "user": self.user,
        }


def corrections(session: Session, meeting_id: int) -> list[LateEntry]:
    """The corrections of a meeting's frozen applicants, as the 封存后的更正 list shows them."""
    out = []
    query = select(ApplicantCorrection, Applicant).join(
        Applicant, col(Applicant.id) == ApplicantCorrection.applicant_id
    )
    query = query.where(ApplicantCorrection.meeting_id == meeting_id).order_by(
        col(ApplicantCorrection.id)
    )
    for c, a in session.exec(query):
        label = FACT_LABELS.get(c.fact, c.fact)
        change = (
            f"{masked_fact(c.fact, c.old_value) or '（空）'} → {masked_fact(c.fact, c.new_value)}"
        )
        out.append(
            LateEntry(f"申报人 {a.name} 的{label}：{change}", c.reason, c.recorded_at, c.user)
        )
    return out


def masked_fact(fact: str, value: str) -> str:
    """ID numbers are never shown whole in the terminal or a document (as elsewhere)."""
    return mask_id(value) if fact == "id_number" and value else value


# --- Checking sealed meetings against their seal ----------------------------------------------


def _seal_event(session: Session, meeting_id: int) -> AuditEvent | None:
    for e in session.exec(
        select(AuditEvent).where(AuditEvent.action == "meeting.sealed").order_by(col(AuditEvent.id))
    ):
        if isinstance(e.detail, dict) and e.detail.get("meeting") == meeting_id:
            return e
    return None


def verify(session: Session) -> list[str]:
    """Every difference between the sealed meetings' rows and what their seals recorded (empty: all intact)."""
    problems: list[str] = []
    seals = list(session.exec(select(MeetingSeal).order_by(col(MeetingSeal.meeting_id))))
    sealed_ids = {s.meeting_id for s in seals}
    for stray in sorted(set(session.exec(select(SealedRow.meeting_id))) - sealed_ids):
        problems.append(f"第{stray}号会议没有封存记录，却有封存认定的申报人/专家：封存记录被删除了")
    for seal in seals:
        mid = seal.meeting_id
        where = f"第{mid}号会议"
        event = _seal_event(session, mid)
        if event is None:
            problems.append(
                f"{where}的封存记录在审计日志中没有对应的封存事件：封存记录是绕过本程序写入的"
            )
            continue
        recorded = {k: v for k, v in event.detail.items() if k != "meeting"}
        if seal.summary != recorded:
            keys = sorted(
                k
                for k in set(recorded) | set(seal.summary)
                if recorded.get(k) != seal.summary.get(k)
            )
            problems.append(
                f"{where}的封存摘要与封存时记入审计日志（第{event.id}号事件）的不同（{'、'.join(keys)}）：封存记录被改动过"
            )
        if "rows" not in recorded:
            continue  # sealed before the digest existed (revision 0005): nothing to recompute
        expected: dict[str, dict[str, str]] = recorded["rows"]
        current = row_digests(session, mid, recorded.get("through", {}))
        for kind, (_, label) in ROW_KINDS.items():
            was, now = expected.get(kind, {}), current.get(kind, {})
            for row_id in sorted(set(was) | set(now), key=int):
                if row_id not in now:
                    problems.append(f"{where}封存的{label}第{row_id}号记录已被删除")
                elif row_id not in was:
                    problems.append(f"{where}的{label}第{row_id}号记录是封存后绕过本程序插入的")
                elif was[row_id] != now[row_id]:
                    problems.append(f"{where}封存的{label}第{row_id}号记录被改动过")
        for kind, (model, label) in ROW_KINDS.items():
            if not hasattr(model, "after_seal"):
                continue
            # rows added after the seal are marked so by the tool (with their reason); an unmarked one was not
            later = select(model.id).where(  # type: ignore[attr-defined]
                model.meeting_id == mid,  # type: ignore[attr-defined]
                col(model.id) > recorded.get("through", {}).get(kind, 0),  # type: ignore[attr-defined]
                model.after_seal == False,
            )
            for row_id in session.exec(later):
                problems.append(
                    f"{where}的{label}第{row_id}号记录是封存后绕过本程序插入的（未标为封存后的更正）"
                )
        problems += _check_frozen_facts(session, mid, where)
    return problems


def _check_frozen_facts(session: Session, meeting_id: int, where: str) -> list[str]:
    problems = []
    corrected: dict[int, list[ApplicantCorrection]] = {}
    for c in session.exec(
        select(ApplicantCorrection)
        .where(ApplicantCorrection.meeting_id == meeting_id)
        .order_by(col(ApplicantCorrection.id))
    ):
        corrected.setdefault(c.applicant_id, []).append(c)
    for s in session.exec(
        select(SealedRow).where(SealedRow.meeting_id == meeting_id).order_by(col(SealedRow.id))
    ):
        row: Applicant | Expert | None = (
            session.get(Applicant, s.row_id)
            if s.kind == "applicant"
            else session.get(Expert, s.row_id)
        )
        who = "申报人" if s.kind == "applicant" else "专家"
        if row is None:
            problems.append(f"{where}封存认定的{who}（编号 {s.row_id}）已被删除")
            continue
        facts = dict(s.facts)
        for c in corrected.get(s.row_id, []) if s.kind == "applicant" else []:
            facts[c.fact] = c.new_value
        now = facts_of(row, s.kind)
        changed = [
            FACT_LABELS.get(f, f) for f in FROZEN_FACTS[s.kind] if now.get(f) != facts.get(f)
        ]
        if changed:
            problems.append(
                f"{where}封存认定的{who} {row.name}（编号 {s.row_id}）的{'、'.join(changed)}与封存时不同，且没有登记更正"
            )
    return problems
