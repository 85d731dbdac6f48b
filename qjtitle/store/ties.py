"""Rows tied to the audit event that wrote them (revision 0008).

Every row of a :data:`TIED` table (the rows that can change a meeting: attendance, reviewer
assignments, reviews, ballots and counts, corrections after the seal, draw answers,
replacements and signatures, declared conflicts) is written together with the audit event
that wrote it: :func:`qjtitle.store.audit.record` lists the digests of the rows its
transaction added (``tied_rows``), and each row then keeps the event's id and its own digest
(``event_id``, ``event_digest``: set once, which the store's triggers allow only then).
:func:`verify_ties` checks both ways: every row has its event, every event has its rows, with
the same content. A row inserted by SQL has no event, or an event that does not list it, and
is named. Rows written before revision 0008 have none: that revision's event
(:data:`BASELINE_ACTION`) says where they end.

The limit: someone who rewrites the whole chain (events and rows alike) is found only against
a hash kept outside the store (a filing manifest's ``audit_head``, ``audit verify --anchor``).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime

from sqlmodel import Session, SQLModel, col, select

from qjtitle.models import (
    ApplicantCorrection,
    Attendance,
    AuditEvent,
    Ballot,
    BallotCount,
    Conflict,
    DrawAnswer,
    DrawReplacement,
    DrawSignature,
    MeetingChair,
    MeetingMethod,
    Review,
    ReviewAssignment,
)

# Tables whose every row is tied to the audit event that wrote it (revision 0008: columns
# ``event_id`` and ``event_digest``). Adding a table is one line here and its two columns.
TIED: dict[str, tuple[type[SQLModel], str]] = {
    "attendance": (Attendance, "签到记录"),
    "review_assignment": (ReviewAssignment, "审阅安排"),
    "review": (Review, "评议意见"),
    "ballot": (Ballot, "记名投票"),
    "ballot_count": (BallotCount, "无记名票数"),
    "applicant_correction": (ApplicantCorrection, "封存后的更正"),
    "draw_answer": (DrawAnswer, "专家答复"),
    "draw_replacement": (DrawReplacement, "递补记录"),
    "draw_signature": (DrawSignature, "抽取记录签字"),
    "conflict": (Conflict, "回避登记"),
    "meeting_chair": (MeetingChair, "主持会议记录"),
    "meeting_method": (MeetingMethod, "评审方式记录"),
}
TIE_COLUMNS = ("event_id", "event_digest")
TIE_KEY = "tied_rows"  # in an event's detail: {table: [row digest, ...]}
BASELINE_ACTION = "store.events_tied"  # revision 0008's event: rows before it have no event


def tie_digest(table: str, row: SQLModel) -> str:
    """The digest of a tied row's content (not its id, tie or time), as its event lists it."""
    data = {
        k: v
        for k, v in row.model_dump().items()
        if k not in ("id", *TIE_COLUMNS) and not isinstance(v, datetime)
    }
    data = json.loads(
        json.dumps(data, ensure_ascii=False, default=str)
    )  # int keys → str, as stored
    body = json.dumps([table, data], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def tied_table(row: object) -> str | None:
    """The TIED table ``row`` belongs to, or None."""
    name = getattr(type(row), "__tablename__", None)
    return name if isinstance(name, str) and name in TIED else None


def baseline(session: Session) -> dict[str, int]:
    """Per tied table, the last row written before revision 0008 (those rows have no event)."""
    out: dict[str, int] = {}
    for e in session.exec(
        select(AuditEvent).where(AuditEvent.action == BASELINE_ACTION).order_by(col(AuditEvent.id))
    ):
        if not isinstance(e.detail, dict):
            continue
        for table, last in (e.detail.get("baseline") or {}).items():
            out[table] = max(out.get(table, 0), int(last or 0))
    return out


def verify_ties(session: Session) -> list[str]:
    """Every tied row has the audit event that wrote it and every such event its rows, with the
    same content (empty: all tied)."""
    problems: list[str] = []
    before = baseline(session)
    events = {
        e.id or 0: e
        for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
        if isinstance(e.detail, dict) and isinstance(e.detail.get(TIE_KEY), dict)
    }
    for table, (model, label) in TIED.items():
        name = f"{label}（{table} 表）"
        found: dict[int, Counter[str]] = {}
        id_col = col(model.id)  # type: ignore[attr-defined]
        for row in session.exec(select(model).order_by(id_col)):
            row_id: int = row.id  # type: ignore[attr-defined]
            event_id: int | None = row.event_id  # type: ignore[attr-defined]
            stored: str = row.event_digest  # type: ignore[attr-defined]
            if event_id is None:
                if row_id > before.get(table, 0):
                    problems.append(
                        f"{name}第{row_id}号记录没有写入它的审计事件：是绕过本程序插入的"
                        + ("（虽标为封存后的更正）" if getattr(row, "after_seal", False) else "")
                    )
                continue
            event = events.get(event_id)
            listed = event.detail[TIE_KEY].get(table, []) if event is not None else []
            if event is None:
                problems.append(
                    f"{name}第{row_id}号记录所称的第{event_id}号审计事件不存在或没有记下任何记录：是绕过本程序插入的"
                )
            elif stored not in listed:
                problems.append(
                    f"{name}第{row_id}号记录不在第{event_id}号审计事件（{event.action}）记下的记录中：是绕过本程序插入的"
                )
            else:
                if tie_digest(table, row) != stored:
                    problems.append(
                        f"{name}第{row_id}号记录的内容与第{event_id}号审计事件（{event.action}）记下的不同：记录被改动过"
                    )
                found.setdefault(event_id, Counter())[stored] += 1
        for event_id, event in events.items():
            missing = Counter(event.detail[TIE_KEY].get(table, [])) - found.get(event_id, Counter())
            for _ in range(sum(missing.values())):
                problems.append(
                    f"第{event_id}号审计事件（{event.action}）写入的{name}少了一条（或被改动）：记录被删除了"
                )
    return problems
