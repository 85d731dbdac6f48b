"""The way back before the seal: withdraw an applicant (已撤回), reinstate one, take back an import run.

Nothing is deleted. A withdrawal sets the applicant's status to 已撤回 and records, append-only,
the status it replaced and the reason (``applicant_withdrawal``); a reinstatement records the
way back the same way. Each import run (``import_batch``) keeps the values of every applicant it
changed as they were before it (:func:`snapshot`), so that ``undo_import`` withdraws the rows the
run added and puts back the rows it updated. Every step is an audit event. Once a sealed meeting
has decided on an applicant, none of this applies: ``applicants correct`` does (封存后的更正).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from qjtitle import rules
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.findings import Step, finding
from qjtitle.spreadsheets.text import clean_text
from qjtitle.store import read_store
from qjtitle.store.reading import Reader, day, json_value, moment

if TYPE_CHECKING:
    from sqlmodel import Session

    from qjtitle.models import Applicant, ApplicantWithdrawal, Committee, ImportBatch
    from qjtitle.store import Store

# SQLAlchemy, the models and the audit chain are imported by the functions that use them, so that
# ``imports list`` reads through qjtitle.store.read_store without them.

WITHDRAW, REINSTATE = "withdraw", "reinstate"
_NOT_KEPT = ("id", "created_at")  # a snapshot keeps every other column of the applicant


def snapshot(a: Applicant) -> dict[str, Any]:
    """The stored values of an applicant, JSON-ready (dates as ISO text), to put back later."""
    from qjtitle.models import Applicant

    out: dict[str, Any] = {"id": a.id}
    for column in Applicant.__table__.columns:  # type: ignore[attr-defined]
        if column.key in _NOT_KEPT:
            continue
        value = getattr(a, column.key)
        out[column.key] = value.isoformat() if isinstance(value, date) else value
    return out


def _restore(a: Applicant, values: dict[str, Any]) -> None:
    from sqlalchemy import Date, DateTime

    from qjtitle.intake.roster_checks import stored_problem
    from qjtitle.models import Applicant

    for column in Applicant.__table__.columns:  # type: ignore[attr-defined]
        if column.key in _NOT_KEPT or column.key not in values:
            continue
        value = values[column.key]
        kind = getattr(column.type, "impl", column.type)
        if isinstance(value, str) and isinstance(kind, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(kind, Date):
            value = date.fromisoformat(value)
        elif column.key == "problems":  # a snapshot from before revision 0013: stored as findings
            value = [stored_problem(p) for p in value or ()]
        setattr(a, column.key, value)


def added_by(session: Session, batch_id: int | None, updated: Any) -> list[int]:
    """The applicants import run ``batch_id`` added: its rows, less those it updated."""
    from sqlmodel import select

    from qjtitle.models import Applicant

    return [
        i
        for i in session.exec(select(Applicant.id).where(Applicant.import_batch_id == batch_id))
        if i is not None and i not in updated
    ]


def same_values(a: Applicant, fields: dict[str, Any]) -> bool:
    """Whether a row sent again holds exactly what is stored (``imports list`` counts it unchanged)."""
    kept = snapshot(a)
    ignored = {"id", "updated_at", "import_batch_id", "source_file", "source_sheet", "source_row"}
    for key, value in fields.items():
        if key in ignored:
            continue
        value = value.isoformat() if isinstance(value, date) else value
        if isinstance(value, tuple):
            value = list(value)
        if kept.get(key) != value:
            return False
    return True


@dataclass(frozen=True)
class StatusChange:
    """One applicant withdrawn or reinstated."""

    id: int
    name: str
    unit: str
    year: int
    before: str
    after: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _refuse_if_sealed(session: Session, applicants: list[Applicant], what: str) -> None:
    from qjtitle.store import sealing

    frozen = sealing.frozen_by(session, "applicant", [a.id for a in applicants if a.id is not None])
    if frozen:
        a = next(a for a in applicants if a.id in frozen)
        raise sealing.SealError(
            finding(
                "intake.sealed",
                f"{a.name}（编号 {a.id}）已由{sealing.meeting_label(frozen[a.id or 0])}评审并封存，不能再{what}",
                step=Step.CORRECT_APPLICANT,
                hint="确属错误请登记封存后的更正",
                key=a.id,
            )
        )


def _reason(reason: str, what: str) -> str:
    reason = clean_text(reason)
    if not reason:
        raise InvalidValue(
            finding(
                "intake.no_reason",
                f"{what}须写明理由（记入审计日志）",
                field="reason",
                hint="写明理由",
            )
        )
    return reason


def _record(
    session: Session,
    a: Applicant,
    action: str,
    after: str,
    reason: str,
    user: str | None,
    batch_id: int | None = None,
) -> StatusChange:
    from qjtitle.models import ApplicantWithdrawal
    from qjtitle.store import audit

    change = StatusChange(a.id or 0, a.name, a.unit, a.year, a.status, after, reason)
    session.add(
        ApplicantWithdrawal(
            applicant_id=a.id or 0,
            action=action,
            status_before=a.status,
            status_after=after,
            deadline_before=a.correction_deadline if action == REINSTATE else None,
            reason=reason,
            import_batch_id=batch_id,
            user=user or audit.current_user(),
        )
    )
    a.status = after
    session.add(a)
    return change


def withdraw(
    store: Store, key: str, reason: str, year: int | None = None, user: str | None = None
) -> StatusChange:
    """The applicant withdraws, or the row was never an application: status 已撤回, on the record."""
    from qjtitle.intake.lookup import one_applicant
    from qjtitle.store import audit

    reason = _reason(reason, "撤回申报")
    with store.transaction() as session:
        a = one_applicant(session, key, year)
        if a.status == rules.STATUS_RETRACTED:
            raise InvalidValue(f"{a.name}（编号 {a.id}）已经撤回，无须再撤回")
        _refuse_if_sealed(session, [a], "撤回")
        change = _record(session, a, WITHDRAW, rules.STATUS_RETRACTED, reason, user)
        session.flush()
        audit.record(
            session, "applicants withdraw", "applicant.withdrawn", change.as_dict(), user=user
        )
        return change


def reinstate(
    store: Store, key: str, reason: str, year: int | None = None, user: str | None = None
) -> StatusChange:
    """Reverse a withdrawal (back to the status it replaced) or a 视为放弃 (back to 待补正, the
    passed correction deadline cleared so that a corrected file can be imported again)."""
    from sqlmodel import col, select

    from qjtitle.intake.lookup import one_applicant
    from qjtitle.models import ApplicantWithdrawal
    from qjtitle.store import audit

    reason = _reason(reason, "恢复申报")
    with store.transaction() as session:
        a = one_applicant(session, key, year)
        if a.status not in rules.INACTIVE_STATUSES:
            raise InvalidValue(
                f"{a.name}（编号 {a.id}）的状态是“{a.status}”，没有撤回或视为放弃，无须恢复"
            )
        _refuse_if_sealed(session, [a], "恢复")
        if a.status == rules.STATUS_RETRACTED:
            last = session.exec(
                select(ApplicantWithdrawal)
                .where(
                    ApplicantWithdrawal.applicant_id == a.id,
                    ApplicantWithdrawal.action == WITHDRAW,
                )
                .order_by(col(ApplicantWithdrawal.id).desc())
            ).first()
            after = last.status_before if last is not None else _active_status(a)
        else:
            after = _active_status(a)
        cleared = a.correction_deadline if a.status == rules.STATUS_WITHDRAWN else None
        change = _record(session, a, REINSTATE, after, reason, user)
        if cleared is not None:
            a.correction_deadline = None  # else the next expire (or import) would withdraw it again
        session.flush()
        audit.record(
            session,
            "applicants reinstate",
            "applicant.reinstated",
            {**change.as_dict(), "deadline_cleared": cleared},
            user=user,
        )
        return change


def _active_status(a: Applicant) -> str:
    return rules.STATUS_NEEDS_CORRECTION if a.problems else rules.STATUS_ACCEPTED


def revivable(session: Session, ids: list[int]) -> set[int]:
    """Applicants among ``ids`` withdrawn by an import undo: sending them again is a new application."""
    from sqlmodel import col, select

    from qjtitle.models import ApplicantWithdrawal

    if not ids:
        return set()
    latest: dict[int, ApplicantWithdrawal] = {}
    for w in session.exec(
        select(ApplicantWithdrawal)
        .where(col(ApplicantWithdrawal.applicant_id).in_(ids))
        .order_by(col(ApplicantWithdrawal.id))
    ):
        latest[w.applicant_id] = w
    return {i for i, w in latest.items() if w.action == WITHDRAW and w.import_batch_id is not None}


# --- Import runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRun:
    """One import run as ``imports list`` shows it."""

    number: int
    file: str
    committee: str
    year: int
    imported_at: datetime
    user: str
    rows: int
    added: int
    updated: int
    unchanged: int
    needs_correction: int
    rejected: int
    undone: str = ""  # the reason, once undone
    meeting_in_year: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_imports(
    store: Store | str | os.PathLike[str] | None,
    committee_code: str | None = None,
    year: int | None = None,
) -> list[ImportRun]:
    """Every import run by number, filtered; ``store`` is an open store or where one is (a path or
    URL, a ``--db`` choice, None for the default), read the quick way
    (:func:`qjtitle.store.read_store`)."""

    def work(reader: Reader) -> list[ImportRun]:
        where = ["1 = 1"]
        params: dict[str, Any] = {}
        if committee_code:
            where.append("import_batch.committee_id = :committee")
            params["committee"] = _committee_id(reader, committee_code)
        if year:
            where.append("import_batch.year = :year")
            params["year"] = year
        undone = {
            r["import_batch_id"]: r["reason"]
            for r in reader.rows("SELECT import_batch_id, reason FROM import_undo")
        }
        held = {
            (r["committee_id"], r["year"] or _year(r["date"]))
            for r in reader.rows("SELECT committee_id, year, date FROM meeting")
        }
        runs = []
        for b in reader.rows(
            "SELECT import_batch.id, import_batch.file_name, committee.code, import_batch.year, "
            'import_batch.imported_at, import_batch."user", import_batch.row_count, '
            "import_batch.imported, import_batch.updated, import_batch.unchanged, "
            "import_batch.needs_correction, import_batch.rejected, import_batch.committee_id "
            "FROM import_batch JOIN committee ON committee.id = import_batch.committee_id "
            f"WHERE {' AND '.join(where)} ORDER BY import_batch.id",
            **params,
        ):
            at = moment(b["imported_at"])
            runs.append(
                ImportRun(
                    b["id"] or 0,
                    b["file_name"],
                    b["code"],
                    b["year"],
                    at if at.tzinfo else at.replace(tzinfo=UTC),
                    b["user"],
                    b["row_count"],
                    b["imported"],
                    b["updated"] - b["unchanged"],
                    b["unchanged"],
                    b["needs_correction"],
                    len(json_value(b["rejected"])),
                    undone.get(b["id"] or 0, ""),
                    (b["committee_id"], b["year"]) in held,
                )
            )
        return runs

    return read_store(store, work)


def _year(value: Any) -> int:
    held = day(value)
    assert held is not None  # a meeting's date is never empty
    return held.year


def _committee_id(reader: Reader, code: str) -> int:
    """The id of committee ``code``, refused as :func:`qjtitle.committees.get` refuses it."""
    found = reader.rows("SELECT id FROM committee WHERE code = :code", code=code)
    if not found:
        from qjtitle.committees import unknown_committee

        codes = [r["code"] for r in reader.rows("SELECT code FROM committee ORDER BY code")]
        raise unknown_committee(code, codes)
    return int(found[0]["id"])


def meeting_years(session: Session, committee_id: int | None) -> tuple[int, ...]:
    """The evaluation years of the committee's meetings (an import into another year is said so)."""
    from sqlmodel import col, select

    from qjtitle.models import Meeting

    return tuple(
        sorted(
            {
                y or day.year
                for y, day in session.exec(
                    select(col(Meeting.year), col(Meeting.date)).where(
                        Meeting.committee_id == committee_id
                    )
                )
            }
        )
    )


@dataclass
class UndoneImport:
    """What ``undo_import`` did."""

    number: int
    file: str
    committee: str
    year: int
    reason: str
    withdrawn: list[StatusChange] = field(default_factory=list)
    restored: list[StatusChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "file": self.file,
            "committee": self.committee,
            "year": self.year,
            "reason": self.reason,
            "withdrawn": [c.as_dict() for c in self.withdrawn],
            "restored": [c.as_dict() for c in self.restored],
        }


def _refuse_if_changed_later(session: Session, number: int, rows: list[Applicant]) -> None:
    """A later run (not undone) that changed one of the rows, by an update or only by flagging it
    (a duplicate elsewhere, a passed deadline), must be undone first, else its change is lost."""
    from sqlmodel import col, select

    from qjtitle.models import ImportBatch, ImportUndo

    by_id = {a.id: a for a in rows}
    later = session.exec(
        select(ImportBatch)
        .where(
            col(ImportBatch.id) > number,
            col(ImportBatch.id).notin_(select(ImportUndo.import_batch_id)),
        )
        .order_by(col(ImportBatch.id).desc())
    )
    for b in later:
        touched = [by_id[i] for p in b.previous if (i := int(p["id"])) in by_id]
        if touched:
            a = touched[0]
            raise InvalidValue(
                f"{a.name}（编号 {a.id}）后来又被第 {b.id} 次导入（{b.file_name}）改动过；"
                f"请先撤销第 {b.id} 次导入，再撤销第 {number} 次"
            )


def _undoable(
    session: Session, number: int
) -> tuple[ImportBatch, Committee | None, dict[int, dict[str, Any]], list[Applicant]]:
    """Import run ``number``, its committee, the values it replaced and its rows, once checked that
    it can be undone (it exists, is not undone yet, no later run changed its rows, none sealed)."""
    from sqlmodel import col, select

    from qjtitle.models import Applicant, Committee, ImportBatch, ImportUndo

    batch = session.get(ImportBatch, number)
    if batch is None:
        raise NotFound(
            finding(
                "intake.no_such_import",
                f"没有第 {number} 次导入",
                step=Step.LIST_IMPORTS,
                hint="请查看导入记录",
                run=number,
            )
        )
    done = session.exec(select(ImportUndo).where(ImportUndo.import_batch_id == number)).first()
    if done is not None:
        raise InvalidValue(
            finding(
                "intake.import_undone",
                f"第 {number} 次导入已于 {done.recorded_at:%Y-%m-%d} 撤销（理由：{done.reason}），无须再撤销",
                step=Step.REINSTATE_APPLICANT,
                hint="其中个别人要恢复，请用",
                run=number,
            )
        )
    previous = {int(p["id"]): p for p in batch.previous}
    rows = list(
        session.exec(select(Applicant).where(col(Applicant.id).in_([*previous, *batch.added_ids])))
    )
    _refuse_if_changed_later(session, number, rows)
    _refuse_if_sealed(session, rows, "撤销这次导入")
    return batch, session.get(Committee, batch.committee_id), previous, rows


@dataclass(frozen=True)
class UndoPlan:
    """What ``undo_import`` would do, to ask before doing it."""

    number: int
    file: str
    committee: str
    year: int
    withdraw: int  # rows it added, still active: to become 已撤回
    restore: int  # rows it updated: to get back their values from before it

    def question(self) -> str:
        return (
            f"撤销第 {self.number} 次导入（{self.file}，{self.committee}，{self.year}年度）："
            f"{self.withdraw} 人改为“已撤回”，{self.restore} 人恢复为导入前的内容？"
        )


def undo_plan(store: Store, number: int) -> UndoPlan:
    """What undoing import run ``number`` would change; refused as ``undo_import`` would be."""
    with store.transaction() as session:
        batch, committee, previous, rows = _undoable(session, number)
        return UndoPlan(
            number,
            batch.file_name,
            committee.code if committee else "",
            batch.year,
            sum(a.id not in previous and a.status != rules.STATUS_RETRACTED for a in rows),
            sum(a.id in previous for a in rows),
        )


def undo_import(store: Store, number: int, reason: str, user: str | None = None) -> UndoneImport:
    """Take back import run ``number``: the rows it added are withdrawn (已撤回), the rows it
    updated get back the values they had before it. Refused when a later run changed its rows
    (undo that one first) or a sealed meeting decided on them."""
    from qjtitle.models import ImportUndo
    from qjtitle.store import audit

    reason = _reason(reason, "撤销导入")
    with store.transaction() as session:
        batch, committee, previous, rows = _undoable(session, number)
        result = UndoneImport(
            number, batch.file_name, committee.code if committee else "", batch.year, reason
        )
        for a in sorted(rows, key=lambda r: r.id or 0):
            if a.id in previous:
                before = a.status
                kept_withdrawal = before == rules.STATUS_RETRACTED
                _restore(a, previous[a.id or 0])
                if kept_withdrawal and a.status != rules.STATUS_RETRACTED:
                    a.status = rules.STATUS_RETRACTED  # withdrawn by hand since: stays withdrawn
                session.add(a)
                result.restored.append(
                    StatusChange(a.id or 0, a.name, a.unit, a.year, before, a.status, reason)
                )
            elif a.status != rules.STATUS_RETRACTED:
                result.withdrawn.append(
                    _record(session, a, WITHDRAW, rules.STATUS_RETRACTED, reason, user, number)
                )
        session.add(
            ImportUndo(
                import_batch_id=number,
                reason=reason,
                withdrawn=[c.id for c in result.withdrawn],
                restored=[c.id for c in result.restored],
                user=user or audit.current_user(),
            )
        )
        session.flush()
        audit.record(
            session,
            "imports undo",
            "applicants.import_undone",
            {
                "import": number,
                "file": batch.file_name,
                "sha256": batch.sha256,
                "reason": reason,
                "withdrawn": [c.id for c in result.withdrawn],
                "restored": [c.id for c in result.restored],
            },
            user=user,
        )
        return result
