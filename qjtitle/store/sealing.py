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
(with the triggers dropped) is named: which meeting, which kind of row, which row. Since
revision 0008 the seal also keeps the meeting's own settings (size, hence the quorum; the
committee's pass rule and pass-rate cap; the panel) and covers its draw rows and declared
conflicts, and a seal whose row is gone while its audit event stays is named.

Rows tied to the audit event that wrote them are checked by :mod:`qjtitle.store.ties`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
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
    Committee,
    Conflict,
    DrawAnswer,
    DrawPick,
    DrawRecord,
    DrawReplacement,
    DrawSignature,
    Expert,
    Meeting,
    MeetingChair,
    MeetingMethod,
    MeetingSeal,
    Review,
    ReviewAssignment,
    SealedRow,
)
from qjtitle.privacy import mask_id
from qjtitle.store import ties
from qjtitle.store.engine import CORRECTION_ACTION, FROZEN_FACTS

DIGEST_VERSION = "qjtitle-seal-digest/1"
ROW_KINDS: dict[str, tuple[type[SQLModel], str]] = {
    "attendance": (Attendance, "签到记录"),
    "review_assignment": (ReviewAssignment, "审阅安排"),
    "review": (Review, "评议意见"),
    "ballot": (Ballot, "记名投票"),
    "ballot_count": (BallotCount, "无记名票数"),
    "sealed_row": (SealedRow, "封存认定的申报人/专家"),
    # revision 0008: the panel as drawn and replaced, and the declared conflicts (recusals)
    "draw_record": (DrawRecord, "抽取记录"),
    "draw_pick": (DrawPick, "抽取结果"),
    "draw_answer": (DrawAnswer, "专家答复"),
    "draw_replacement": (DrawReplacement, "递补记录"),
    "draw_signature": (DrawSignature, "抽取记录签字"),
    "conflict": (Conflict, "回避登记"),
    # revision 0006: who presided and the methods used
    "meeting_chair": (MeetingChair, "主持会议记录"),
    "meeting_method": (MeetingMethod, "评审方式记录"),
}


def _of_draws(model: Any, meeting_id: int) -> Any:
    return col(model.draw_id).in_(select(DrawRecord.id).where(DrawRecord.meeting_id == meeting_id))


def _of_frozen_applicants(model: Any, meeting_id: int) -> Any:
    frozen = select(SealedRow.row_id).where(
        SealedRow.meeting_id == meeting_id, SealedRow.kind == "applicant"
    )
    return col(model.applicant_id).in_(frozen)


# Which rows of a kind belong to a meeting (default: its ``meeting_id``).
SCOPES: dict[str, Callable[[Any, int], Any]] = {
    "draw_pick": _of_draws,
    "draw_answer": _of_draws,
    "draw_replacement": _of_draws,
    "draw_signature": _of_draws,
    "conflict": _of_frozen_applicants,
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


def _row_hash(row: SQLModel, columns: list[str] | None = None) -> str:
    """The row's short SHA-256 over ``columns`` (those its seal recorded: a column added by a
    later revision does not change it), else over all but times and the tie."""
    data = {
        k: _value(v)
        for k, v in row.model_dump().items()
        if not isinstance(v, datetime | date)
        and k not in ties.TIE_COLUMNS
        and (columns is None or k in columns)
    }
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def _scope(kind: str, model: Any, meeting_id: int) -> Any:
    scope = SCOPES.get(kind)
    return scope(model, meeting_id) if scope else model.meeting_id == meeting_id


def digest_columns() -> dict[str, list[str]]:
    """Per kind of row, the columns its digest covers now (kept by the seal since revision 0008)."""
    return {
        kind: sorted(c for c in model.model_fields if c not in ties.TIE_COLUMNS)
        for kind, (model, _) in ROW_KINDS.items()
    }


def row_digests(
    session: Session,
    meeting_id: int,
    through: dict[str, int],
    columns: dict[str, list[str]] | None = None,
) -> dict[str, dict[str, str]]:
    """Per kind of row, ``{row id: short SHA-256}`` of the meeting's rows up to the ids the seal saw
    (over the ``columns`` the seal recorded, when it did)."""
    out: dict[str, dict[str, str]] = {}
    for kind, (model, _) in ROW_KINDS.items():
        cover = columns.get(kind) if columns else None
        id_col = col(model.id)  # type: ignore[attr-defined]
        query = select(model).where(_scope(kind, model, meeting_id), id_col <= through.get(kind, 0))
        rows = session.exec(query.order_by(id_col))
        out[kind] = {str(r.id): _row_hash(r, cover) for r in rows}  # type: ignore[attr-defined]
    return out


def _through(session: Session, meeting_id: int) -> dict[str, int]:
    out = {}
    for kind, (model, _) in ROW_KINDS.items():
        ids = list(session.exec(select(model.id).where(_scope(kind, model, meeting_id))))  # type: ignore[attr-defined]
        out[kind] = max([i for i in ids if i is not None], default=0)
    return out


# The meeting's own settings a seal keeps (revision 0008), with their labels for verify's findings.
SETTING_LABELS = {
    "meeting.size": "评委会人数（出席法定人数由此而定）",
    "meeting.date": "会议日期",
    "meeting.end_date": "会议结束日期",
    "meeting.year": "评审年度",
    "meeting.committee_id": "所属评委会",
    "committee.level": "评委会级别",
    "committee.series": "评委会系列",
    "committee.min_size": "评委会最低人数",
    "committee.vote_denominator": "表决通过的计算口径（回避者是否计入）",
    "committee.pass_rate_cap": "通过率上限",
    "panel": "参会评委名单（递补之后）",
}


def settings(session: Session, meeting_id: int, panel: list[int]) -> dict[str, Any]:
    """The settings a meeting was decided under, as the seal keeps them (JSON values)."""
    m = session.get(Meeting, meeting_id)
    c = session.get(Committee, m.committee_id) if m is not None else None
    if m is None or c is None:
        return {}
    return {
        "meeting.size": m.size,
        "meeting.date": m.date.isoformat(),
        "meeting.end_date": m.end_date.isoformat() if m.end_date else None,
        "meeting.year": m.year,
        "meeting.committee_id": m.committee_id,
        "committee.level": c.level,
        "committee.series": c.series,
        "committee.min_size": c.min_size,
        "committee.vote_denominator": c.vote_denominator,
        "committee.pass_rate_cap": c.pass_rate_cap,
        "panel": sorted(panel),
    }


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
    kept = settings(session, meeting_id, [e.id or 0 for e in experts])
    return {
        "digest_version": DIGEST_VERSION,
        "digest": overall({**rows, "settings": {k: json.dumps(v) for k, v in kept.items()}}),
        "through": through,
        "rows": rows,
        "columns": digest_columns(),
        "settings": kept,
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


def _events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
    return [e for e in session.exec(query) if isinstance(e.detail, dict)]


def _seal_event(session: Session, meeting_id: int) -> AuditEvent | None:
    for e in _events(session, "meeting.sealed"):
        if e.detail.get("meeting") == meeting_id:
            return e
    return None


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "（空）"
    return str(value)


def verify(session: Session) -> list[str]:
    """Every difference between the sealed meetings' rows and what their seals recorded, and
    every row not tied to its audit event (empty: all intact). Each finding names the
    meeting or table, the row and what is wrong, in Chinese."""
    problems: list[str] = []
    seals = list(session.exec(select(MeetingSeal).order_by(col(MeetingSeal.meeting_id))))
    sealed_ids = {s.meeting_id for s in seals}
    for e in _events(session, "meeting.sealed"):
        mid = e.detail.get("meeting")
        if isinstance(mid, int) and mid not in sealed_ids:
            sealed_ids.add(mid)  # named once
            problems.append(
                f"第{mid}号会议已于第{e.id}号审计事件封存，但封存记录（meeting_seal 表）已不在："
                "封存记录被删除，会议被悄悄解封了"
            )
    for stray in sorted(set(session.exec(select(SealedRow.meeting_id))) - sealed_ids):
        problems.append(f"第{stray}号会议没有封存记录，却有封存认定的申报人/专家：封存记录被删除了")
    for seal in seals:
        mid = seal.meeting_id
        where = f"第{mid}号会议"
        event = _seal_event(session, mid)
        if event is None:
            problems.append(
                f"{where}的封存记录（meeting_seal 表第{seal.id}号）在审计日志中没有对应的封存事件：封存记录是绕过本程序写入的"
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
        through = recorded.get("through", {})
        current = row_digests(session, mid, through, recorded.get("columns"))
        for kind, (model, label) in ROW_KINDS.items():
            table = f"{label}（{kind} 表）"
            was, now = expected.get(kind, {}), current.get(kind, {})
            for row_id in sorted(set(was) | set(now), key=int):
                if row_id not in now:
                    problems.append(f"{where}封存的{table}第{row_id}号记录已被删除")
                elif row_id not in was:
                    problems.append(f"{where}的{table}第{row_id}号记录是封存后绕过本程序插入的")
                elif was[row_id] != now[row_id]:
                    problems.append(f"{where}封存的{table}第{row_id}号记录被改动过")
            if not hasattr(model, "after_seal"):
                continue
            # rows added after the seal are marked so by the tool (with their reason); an unmarked one was not
            later = select(model.id).where(  # type: ignore[attr-defined]
                model.meeting_id == mid,  # type: ignore[attr-defined]
                col(model.id) > through.get(kind, 0),  # type: ignore[attr-defined]
                model.after_seal == False,
            )
            for row_id in session.exec(later):
                problems.append(
                    f"{where}的{table}第{row_id}号记录是封存后绕过本程序插入的（未标为封存后的更正）"
                )
        if "settings" in recorded:
            problems += _check_settings(session, mid, where, recorded["settings"])
        problems += _check_frozen_facts(session, mid, where)
    return problems


def _check_settings(
    session: Session, meeting_id: int, where: str, kept: dict[str, Any]
) -> list[str]:
    frozen_experts = session.exec(
        select(SealedRow.row_id).where(
            SealedRow.meeting_id == meeting_id, SealedRow.kind == "expert"
        )
    )
    now = settings(session, meeting_id, list(frozen_experts))
    return [
        f"{where}的{SETTING_LABELS.get(k, k)}与封存时不同（封存时 {_shown(kept.get(k))}，现在 {_shown(now.get(k))}）："
        "会议的设置在封存后被改动过"
        for k in sorted(set(kept) | set(now))
        if kept.get(k) != now.get(k)
    ]


def _check_frozen_facts(session: Session, meeting_id: int, where: str) -> list[str]:
    problems = []
    corrected: dict[int, list[ApplicantCorrection]] = {}
    baseline = ties.baseline(session).get("applicant_correction", 0)
    events = {e.id for e in _events(session, CORRECTION_ACTION)}
    for c in session.exec(
        select(ApplicantCorrection)
        .where(ApplicantCorrection.meeting_id == meeting_id)
        .order_by(col(ApplicantCorrection.id))
    ):
        # a correction counts only with the event that wrote it (before revision 0008: none)
        if c.event_id in events or (c.event_id is None and (c.id or 0) <= baseline):
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
