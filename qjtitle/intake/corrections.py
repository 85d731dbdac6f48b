"""Correction notices (一次性告知补正) and the withdrawal of applications not corrected in time.

通知 六（五）: the organiser tells the employer everything to correct at once; an
application not corrected by the deadline counts as withdrawn (视为放弃). One Word
document per employer lists every problem of every applicant of theirs, with the
deadline counted in working days.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import committees, rules, when
from qjtitle.documents.dates import cn_date
from qjtitle.documents.names import file_name
from qjtitle.documents.render import render_docx
from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.findings import finding
from qjtitle.intake.roster_checks import Problem
from qjtitle.logic.workdays import WorkCalendar
from qjtitle.models import (
    Applicant,
    AuditEvent,
    Committee,
    CorrectionNotice,
    ImportBatch,
    ImportUndo,
)
from qjtitle.paths import file_sha256, make_private_dir
from qjtitle.spreadsheets.text import compare_key
from qjtitle.store import Store, audit

TEMPLATE = "correction_notice.docx"
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass
class NoticeWritten:
    unit: str
    path: Path
    applicants: int
    problems: int
    rejected: int
    deadline: date
    contact: str = (
        ""  # the contact lines printed on it (taken over from the last run when not given)
    )
    contact_phone: str = ""


@dataclass(frozen=True)
class Withdrawn:
    """An application marked 视为放弃 because its correction deadline passed."""

    id: int
    name: str
    unit: str
    deadline: date

    def as_dict(self) -> dict[str, int | str | date]:
        return {"id": self.id, "name": self.name, "unit": self.unit, "deadline": self.deadline}


@dataclass(frozen=True)
class _Run:
    """What one run of issue_notices prints on every notice and records with it."""

    out_dir: Path
    deadline_wd: int
    today: date
    deadline: date
    deadline_note: str
    provisional: str
    contact: str
    contact_phone: str
    templates: Path | None
    user: str | None
    calendar: WorkCalendar
    check_order: OrderCheck | None


_DEFAULT_SHEET = re.compile(r"(?:Sheet|工作表)\s*\d*", re.IGNORECASE)  # a sheet never named


def place_words(file: str, sheet: str, row: int) -> str:
    """Where a row is, in words an employer's clerk follows: the sheet of the roster they sent (a CSV
    has none) and the row, never the file's name or a cell's address."""
    if not sheet or sheet == Path(file).stem or _DEFAULT_SHEET.fullmatch(sheet):
        return f"申报信息表第{row}行"
    return f"申报信息表“{sheet}”表第{row}行"


def _where(a: Applicant) -> str:
    return place_words(a.source_file, a.source_sheet, a.source_row)


_FILE_IN_BRACKETS = re.compile(r"（[^（）]*\.(?:xlsx|xls|csv|et)\b[^（）]*）", re.IGNORECASE)
_FILE_REF = re.compile(
    r"[^\s，；、（）与]+\.(?:xlsx|xls|csv|et)\b(?:（[^）]*）)?\s*(?:第\d+行)?", re.IGNORECASE
)
_STORED_AS_NUMBER = re.compile(r"被\s*(?:Excel|WPS)\s*存成了数字（[^）]*）")
_SOFTWARE_CLAUSE = re.compile(r"(?:Excel|WPS)\s*把[^，；。]*[，；]")
_RULE = re.compile(r"通知 ([一二三四五六七八九十]+(?:（[一二三四五六七八九十]+）)?)")
_PLAIN_FIXES = (  # spreadsheet wording an employer need not read, in plain words
    ("该列单元格设为“文本”格式", "该栏设为文本格式"),
    ("（或在号码前加英文单引号 '）", ""),
    ("1985-03-15、", ""),
)


def notice_words(text: str) -> str:
    """A problem or its fix as a correction notice states it: no file names, cell addresses,
    spreadsheet software or numbers in E notation; the notice cited as 《通知》."""
    text = _FILE_IN_BRACKETS.sub("", text)
    text = re.sub(r"（(?:Sheet|工作表)\s*\d*）", "", text, flags=re.IGNORECASE)
    text = _FILE_REF.sub("另一份申报信息表", text)
    text = _STORED_AS_NUMBER.sub("不完整", text)
    text = _SOFTWARE_CLAUSE.sub("", text)
    for old, new in _PLAIN_FIXES:
        text = text.replace(old, new)
    text = re.sub(r"[0-9]\.[0-9]+E\+[0-9]+", "", text)
    text = re.sub(r"\s*(?:Excel|WPS)\s*", "表格", text)
    text = _ISO_DAY.sub(lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日", text)
    text = _ISO_MONTH.sub(lambda m: f"{m[1]}年{int(m[2])}月", text)
    return _RULE.sub(r"《通知》\1", text)


# a date the import normalised (1984-02-03, 1985-03) as the employer's clerk writes it
_ISO_DAY = re.compile(r"(?<![\d-])((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\d-])")
_ISO_MONTH = re.compile(r"(?<![\d-])((?:19|20)\d{2})-(0[1-9]|1[0-2])(?![\d-])")


def notice_items(a: Applicant) -> list[dict[str, Any]]:
    """An applicant's stored problems as lines of the notice, worded from each finding's facts:
    the column by its label, the row by where it is in the roster (never a cell's address), what
    is wrong and how to correct it in plain words. Reads problems stored before revision 0013 too."""
    items = []
    for stored in a.problems:
        p = Problem.from_stored(stored)
        items.append(
            {
                "name": a.name or "（姓名为空）",
                "where": _where(a),
                "column": p.column,
                "message": notice_words(p.message),
                "fix": notice_words(p.fix),
                "code": p.code,
            }
        )
    return items


class NoticesOutOfOrder(InvalidValue):
    """Notices dated that day would break the season's order of dates; nothing was written."""


OrderCheck = Callable[[Session, int, date, WorkCalendar], list[str]]


def issue_notices(
    store: Store,
    committee_code: str,
    out_dir: Path,
    deadline_wd: int = int(rules.CORRECTION_DEFAULT.value),
    today: date | None = None,
    calendar: WorkCalendar | None = None,
    contact: str = "",
    contact_phone: str = "",
    templates: Path | None = None,
    user: str | None = None,
    check_order: OrderCheck | None = None,
) -> list[NoticeWritten]:
    """Write one notice per employer with applicants still to correct; record the deadline.
    ``check_order`` (calendar.schedule.notices_out_of_order, passed by the callers above this
    layer): what notices dated ``today`` would put out of the season's order; any answer refuses
    (:class:`NoticesOutOfOrder`, the list in Chinese) before anything is written."""
    if deadline_wd < 1:
        raise InvalidValue(f"补正期限 {deadline_wd} 个工作日无效；应为正整数")
    today = today or date.today()
    calendar = calendar or WorkCalendar.load(store_dir=store.directory)
    deadline = calendar.nth_after(today, deadline_wd)
    provisional_years = calendar.provisional_years(today, deadline)
    provisional = (
        f"{'、'.join(map(str, provisional_years))}年的调休安排尚未公布，期限按周末和法定节假日推算，仅供参考"
        if provisional_years
        else ""
    )
    deadline_note = (
        f"（{WEEKDAYS[deadline.weekday()]}{'，调休上班' if deadline.weekday() >= 5 else ''}）"
    )
    run = _Run(
        out_dir,
        deadline_wd,
        today,
        deadline,
        deadline_note,
        provisional,
        contact,
        contact_phone,
        templates,
        user,
        calendar,
        check_order,
    )
    written: list[NoticeWritten] = []
    placed: list[Path] = []
    try:
        _issue(store, committee_code, run, written, placed)
    except BaseException:
        for (
            path
        ) in placed:  # moved in, but the transaction did not commit: nothing half-done is left
            path.unlink(missing_ok=True)
        raise
    return written


def _issue(
    store: Store, committee_code: str, run: _Run, written: list[NoticeWritten], placed: list[Path]
) -> None:
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        pending = session.exec(
            select(Applicant)
            .where(
                Applicant.committee_id == committee.id,
                Applicant.status == rules.STATUS_NEEDS_CORRECTION,
                # 一次性告知: an applicant already told (a deadline is set) is not told again
                col(Applicant.correction_deadline).is_(None),
            )
            .order_by(
                col(Applicant.unit_key), col(Applicant.source_file), col(Applicant.source_row)
            )
        ).all()
        by_unit: dict[str, list[Applicant]] = defaultdict(list)
        unit_names: dict[str, str] = {}
        for a in pending:
            by_unit[a.unit_key].append(a)
            unit_names.setdefault(a.unit_key, a.unit or "（未填写工作单位）")
        told = _last_notice_at(session, committee.id)
        rejected_by_unit = _rejected_rows(session, committee.id, told)
        for key in rejected_by_unit:
            unit_names.setdefault(key, rejected_by_unit[key][0]["unit"] or "（未填写工作单位）")
        if not unit_names:
            return
        wrong = (
            run.check_order(session, committee.id or 0, run.today, run.calendar)
            if run.check_order
            else []
        )
        if wrong:
            listed = "\n".join(f"{i}. {w}" for i, w in enumerate(wrong, start=1))
            raise NoticesOutOfOrder(
                finding(
                    "intake.notices_out_of_order",
                    f"落款日期为{cn_date(run.today)}的补正告知书暂不能生成，时间节点顺序不合逻辑：\n{listed}",
                    field="today",
                    hint="改写告知书的签发日期，或先核对已登记的时间节点，再重新运行",
                    rule="LOGICAL_ORDER",
                )
            )
        make_private_dir(run.out_dir)
        _remove_stale_stages(run.out_dir)
        # All or nothing: every notice is written into a hidden folder first; only when all are written
        # do they move into out_dir, and only then is the transaction (deadlines, records) committed.
        stage = Path(tempfile.mkdtemp(dir=run.out_dir, prefix=".tmp-notices-"))
        if not (
            run.contact or run.contact_phone
        ):  # the same office as last time: its contact lines stay
            contact, contact_phone = _last_contact(session, committee.code)
            if not (contact or contact_phone):  # the committee's own (committee set --contact)
                contact, contact_phone = committee.contact, committee.contact_phone
            run = dataclasses.replace(run, contact=contact, contact_phone=contact_phone)
        try:
            _write_notices(
                session,
                committee,
                run,
                stage,
                unit_names,
                by_unit,
                rejected_by_unit,
                written,
                placed,
            )
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _write_notices(
    session: Session,
    committee: Committee,
    run: _Run,
    stage: Path,
    unit_names: dict[str, str],
    by_unit: dict[str, list[Applicant]],
    rejected_by_unit: dict[str, list[dict[str, Any]]],
    written: list[NoticeWritten],
    placed: list[Path],
) -> None:
    out_dir, today, deadline = run.out_dir, run.today, run.deadline
    contact, contact_phone = run.contact, run.contact_phone
    staged: list[tuple[Path, Path]] = []
    for number, key in enumerate(
        sorted(unit_names), start=_next_number(session, committee.id, out_dir)
    ):
        applicants = by_unit.get(key, [])
        items = []
        for a in applicants:
            items += notice_items(a)
        for i, item in enumerate(items, start=1):
            item["number"] = i
        rejected = rejected_by_unit.get(key, [])
        context: dict[str, Any] = {
            "draft": False,
            "notice_number": f"{committees.doc_code(committee)}补〔{today.year}〕{number}号",
            "unit": unit_names[key],
            "year": applicants[0].year if applicants else rejected[0]["year"],
            "committee": committees.as_dict(committee),
            "applicants": [a.name for a in applicants],
            "problem_count": len(items),
            "items": items,
            "rejected": rejected,
            "rule_source": rules.CORRECTION_DEFAULT.source.replace("通知 ", "《通知》"),
            "deadline_text": cn_date(deadline),
            "deadline_note": run.deadline_note,
            "deadline_wd": run.deadline_wd,
            "provisional": run.provisional,
            "contact": contact,
            "contact_phone": contact_phone,
            "issued_text": cn_date(today),
        }
        path = out_dir / file_name(f"{number:02d}_补正告知书_", unit_names[key], ".docx")
        render_docx(TEMPLATE, context, stage / path.name, run.templates)
        sha = file_sha256(stage / path.name)
        staged.append((stage / path.name, path))
        for a in applicants:
            a.correction_deadline = deadline
            session.add(a)
        session.add(
            CorrectionNotice(
                committee_id=committee.id or 0,
                unit=unit_names[key],
                issued_on=today,
                deadline=deadline,
                applicant_ids=[a.id for a in applicants if a.id is not None],
                problem_count=len(items),
                file_name=path.name,
                sha256=sha,
            )
        )
        written.append(
            NoticeWritten(
                unit_names[key],
                path,
                len(applicants),
                len(items),
                len(rejected),
                deadline,
                contact,
                contact_phone,
            )
        )
    audit.record(
        session,
        "applicants corrections",
        "corrections.issued",
        {
            "committee": committee.code,
            "deadline": deadline,
            "notices": [(w.unit, w.path.name, w.problems) for w in written],
            "contact": contact,
            "contact_phone": contact_phone,
        },
        user=run.user,
    )
    _place(
        staged, placed
    )  # the transaction commits after this; if it fails, the caller removes them again


STALE_STAGE_S = 600


def _remove_stale_stages(out_dir: Path) -> None:
    """Hidden folders left by a run killed while writing (older than ten minutes: not a run going on now)."""
    now = time.time()
    for stage in out_dir.glob(".tmp-notices-*"):
        try:
            if stage.is_dir() and now - stage.stat().st_mtime > STALE_STAGE_S:
                shutil.rmtree(stage, ignore_errors=True)
        except OSError:
            continue


def _place(staged: list[tuple[Path, Path]], placed: list[Path]) -> None:
    """Move every staged notice into place; on a failure take back those already moved."""
    try:
        for src, dest in staged:
            os.replace(src, dest)
            placed.append(dest)
    except OSError as exc:
        for dest in placed:
            dest.unlink(missing_ok=True)
        placed.clear()
        raise QjtitleError(
            f"无法把补正告知书写入 {staged[0][1].parent}（{exc.strerror or exc}）；没有记录任何告知书，"
            "请关闭在 Word 或 WPS 中打开的告知书后重试"
        ) from None


def _next_number(session: Session, committee_id: int | None, out_dir: Path) -> int:
    """The number of the next notice: after every notice this committee issued before and after
    every numbered notice already in ``out_dir`` (a re-run never writes a second 01)."""
    issued = len(
        session.exec(
            select(CorrectionNotice.id).where(CorrectionNotice.committee_id == committee_id)
        ).all()
    )
    in_folder = [
        int(m.group(1))
        for f in out_dir.glob("*_补正告知书_*.docx")
        if (m := _NUMBERED.match(f.name))
    ]
    return max([issued, *in_folder]) + 1


_NUMBERED = re.compile(r"^(\d+)_补正告知书_")


def _last_notice_at(session: Session, committee_id: int | None) -> dict[str, datetime]:
    """When each unit (by its compare key) was last sent a notice."""
    told: dict[str, datetime] = {}
    for n in session.exec(
        select(CorrectionNotice).where(CorrectionNotice.committee_id == committee_id)
    ):
        key = compare_key(n.unit)
        told[key] = max(told.get(key, n.created_at), n.created_at)
    return told


def _last_contact(session: Session, committee_code: str) -> tuple[str, str]:
    """The contact lines of this committee's last notices (from the audit log of that run)."""
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "corrections.issued")
        .order_by(col(AuditEvent.id).desc())
    )
    for event in events:
        detail = event.detail or {}
        if detail.get("committee") == committee_code and (
            detail.get("contact") or detail.get("contact_phone")
        ):
            return str(detail.get("contact") or ""), str(detail.get("contact_phone") or "")
    return "", ""


def _rejected_rows(
    session: Session, committee_id: int | None, told: dict[str, datetime] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Rows refused at import (latest import of each file), by unit, for the notice; rows of a
    file imported before the unit's last notice were told then (``told``) and are not told again."""
    latest: dict[str, ImportBatch] = {}
    for batch in session.exec(
        select(ImportBatch)
        .where(ImportBatch.committee_id == committee_id)
        .where(col(ImportBatch.id).notin_(select(ImportUndo.import_batch_id)))  # runs taken back
        .order_by(col(ImportBatch.id))
    ):
        latest[batch.file_name] = batch
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for batch in latest.values():
        for r in batch.rejected:
            where = place_words(batch.file_name, r["sheet"], r["row"])
            last = (told or {}).get(compare_key(r["unit"]))
            if last is not None and _aware(last) >= _aware(batch.imported_at):
                continue
            result[compare_key(r["unit"])].append(
                {**r, "where": where, "year": batch.year, "reason": notice_words(r["reason"])}
            )
    return result


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive UTC times, PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _overdue(session: Session, committee_id: int | None, today: date) -> list[Applicant]:
    return list(
        session.exec(
            select(Applicant).where(
                Applicant.committee_id == committee_id,
                Applicant.status == rules.STATUS_NEEDS_CORRECTION,
                col(Applicant.correction_deadline).is_not(None),
                col(Applicant.correction_deadline) < today,
            )
        )
    )


def overdue(store: Store, committee_code: str, today: date | None = None) -> list[Withdrawn]:
    """Who ``expire`` would mark 视为放弃 (to ask before doing it); refused as ``expire`` would be."""
    today = when.fact_date(today, "判断逾期")
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        return [
            Withdrawn(a.id or 0, a.name, a.unit, a.correction_deadline or today)
            for a in _overdue(session, committee.id, today)
        ]


def expire(
    store: Store, committee_code: str, today: date | None = None, user: str | None = None
) -> list[Withdrawn]:
    """Mark applications still to correct after their deadline as withdrawn (视为放弃)."""
    today = when.fact_date(today, "判断逾期")
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        result = []
        for a in _overdue(session, committee.id, today):
            a.status = rules.STATUS_WITHDRAWN
            session.add(a)
            assert a.correction_deadline is not None  # selected by it
            result.append(Withdrawn(a.id or 0, a.name, a.unit, a.correction_deadline))
        if result:
            audit.record(
                session,
                "applicants expire",
                "applicants.withdrawn",
                {
                    "committee": committee.code,
                    "today": today,
                    "applicants": [r.id for r in result],
                },
                user=user,
            )
        return result
