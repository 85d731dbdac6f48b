"""The batch import of applicant rosters (附件2): read, check and store each file.

Every input row ends either as an applicant in the store (已受理, or 待补正 with its
problems) or in the file's report with the reason it was not imported; nothing is
dropped silently. Each file is imported in its own transaction, so one unreadable
or failing file leaves the others (and the store) whole.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from qjtitle import committees, rules
from qjtitle.errors import InvalidValue, NotFound, WorkbookError
from qjtitle.findings import Finding, Step, finding
from qjtitle.intake import column_maps, withdrawal
from qjtitle.intake.import_report import FileReport, ImportReport, RejectedRow
from qjtitle.intake.roster import COLUMNS, KEY_COLUMNS
from qjtitle.intake.roster_checks import (
    EXAMPLE_ROWS,
    KIND_DUPLICATE,
    CheckedRow,
    CommitteeScope,
    Problem,
    check_rows,
    one_spelling_per_unit,
    roster_examples,
)
from qjtitle.models import Applicant, Committee, ImportBatch, Meeting, utcnow
from qjtitle.paths import file_sha256
from qjtitle.privacy import mask_id
from qjtitle.spreadsheets.reading import READABLE_SUFFIXES
from qjtitle.spreadsheets.tables import SheetTable, missing_columns, read_tables
from qjtitle.spreadsheets.text import compare_key
from qjtitle.store import FROZEN_FACTS, Store, audit, bulk_insert, is_unique_violation, sealing

APPLICANT_FIELDS = tuple(c.key for c in COLUMNS) + ("unit_key", "years_in_title", "years_working")
_IN_CHUNK = 5000  # ID numbers looked up per query: 4 queries for 20,000 rows instead of 40


def _in_chunk(session: Session) -> int:
    """How many values one IN (...) may hold: SQLite before 3.32 allows 999 parameters a statement."""
    dbapi = session.connection().connection.dbapi_connection
    if isinstance(dbapi, sqlite3.Connection):
        return min(_IN_CHUNK, dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 10)
    return _IN_CHUNK


_CHECK_CHUNK = (
    2000  # rows checked at a time: problems are counted (and memory bounded) in steps this big
)
MAX_FILE_PROBLEMS = 100_000  # problems in one file (20,000 rows with five each; 180,000 took 430 MiB); more: refused


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and every readable workbook under folders named (recursively), in a stable order.

    Office's lock files (``~$名单.xlsx``) are passed over."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in READABLE_SUFFIXES
                    and not p.name.startswith(("~$", "."))
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise NotFound(
                finding(
                    "intake.no_such_file",
                    f"找不到文件或文件夹：{path}",
                    hint="请核对文件名和所在文件夹（名称中有空格时请用引号括起来）",
                    file=str(path),
                )
            )
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p.resolve(), None)
    return list(unique)


class _Seen(NamedTuple):
    """Where a person was first seen in this run, for duplicates inside the batch (a tuple: one a row)."""

    file: str
    sheet: str
    row: int


def import_applicants(
    store: Store,
    paths: Sequence[Path],
    committee_code: str,
    year: int,
    dry_run: bool = False,
    progress: Callable[[Path], None] | None = None,
    user: str | None = None,
    today: date | None = None,
    mapping: Mapping[str, str] | None = None,
    keep_mapping: bool = False,
) -> ImportReport:
    """Import rosters into ``committee_code`` for ``year``; see the module docstring.

    ``mapping``: header names as the files have them → column keys, for this run (with the
    committee's kept mappings, which it overrides); ``keep_mapping``: keep it for the committee
    (not on a dry run)."""
    if not 2000 <= year <= 2100:
        raise InvalidValue(f"评审年度 {year} 不合理；请写4位年份，如 2023")
    files = collect_files(paths)
    if not files:
        raise NotFound("所给的路径中没有表格文件（.xlsx、.xls、.csv 等）")
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        scope = CommitteeScope(committee.level, committee.series, tuple(committee.specialties))
        committee_id = committee.id
        if keep_mapping and mapping and not dry_run and committee_id is not None:
            column_maps.keep(
                session,
                committee_id,
                committee.code,
                column_maps.ROSTER,
                mapping,
                "import-applicants",
                user,
            )
        mapping = {**column_maps.kept(session, committee_id, column_maps.ROSTER), **(mapping or {})}
        held = withdrawal.meeting_years(session, committee_id)
    seen: dict[str, _Seen] = {}
    reports = []
    # A dry run imports every file in one transaction rolled back at the end, so that a later file
    # sees what an earlier one would have stored (a person sent twice is flagged, as for real).
    with _rolled_back_if(store, dry_run):
        for path in files:
            report = FileReport(path=path)
            reports.append(report)
            with _collector_paused():
                try:
                    _import_one(
                        store,
                        path,
                        report,
                        committee_id,
                        scope,
                        year,
                        seen,
                        False,  # a dry run is rolled back as a whole
                        user,
                        today,
                        mapping,
                    )
                except (
                    MemoryError
                ):  # the file's transaction was rolled back; the next file may be smaller
                    report.forget_counts()
                    report.error = f"{path.name}：内存不足，无法导入该文件（未写入任何内容）；请按单位拆分后分别导入"
            if progress:
                progress(path)
    if dry_run:  # nothing was stored: no run to number
        for report in reports:
            report.batch = None
    return ImportReport(
        files=reports, dry_run=dry_run, year=year, meeting_years=None if year in held else held
    )


@contextmanager
def _rolled_back_if(store: Store, dry_run: bool) -> Iterator[None]:
    """With ``dry_run``, everything inside is one transaction, rolled back when the block ends."""
    if not dry_run:
        yield
        return
    try:
        with store.all_or_nothing():
            yield
            raise _RolledBack
    except _RolledBack:
        pass


class _RolledBack(Exception):
    """Ends a dry run's transaction."""


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading and checking a file makes hundreds of thousands of small objects (cells, rows, checks) without
    reference cycles; the cyclic garbage collector would walk them again and again as they pile up (a fifth of
    a 20,000-row import, and more the bigger the file). Reference counting frees them; the few cycles the
    transaction makes wait for the collector, which resumes after the file (for the whole process: the
    import is not meant to run beside other threads)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_one(
    store: Store,
    path: Path,
    report: FileReport,
    committee_id: int | None,
    scope: CommitteeScope,
    year: int,
    seen: dict[str, _Seen],
    dry_run: bool,
    user: str | None,
    today: date | None,
    mapping: Mapping[str, str] | None = None,
) -> None:
    """Read, check and store one file in one transaction; what happened goes into ``report``."""
    tables = _read_file(path, report, mapping)
    if tables is None:
        return
    checked = _check_file(path, report, tables, year, scope)
    del tables  # the cells are in ``checked`` now: less memory held while writing
    if checked is None:
        return
    report.rows = len(checked)
    duplicates = _within_batch_duplicates(path, checked, seen)
    for attempt in range(_ATTEMPTS):
        try:
            with store.transaction() as session:
                _import_file(
                    session,
                    committee_id,
                    year,
                    report,
                    checked,
                    duplicates,
                    user,
                    today or date.today(),
                )
                if dry_run:
                    session.rollback()
                    report.batch = None
            break
        except IntegrityError as exc:
            # On PostgreSQL another import may add the same person between our read and our
            # insert; the unique (year, person_key) refuses ours, and the file is read again.
            if not is_unique_violation(exc, "uq_applicant_year_person"):
                raise
            report.forget_counts()
            if attempt == _ATTEMPTS - 1:
                report.error = (
                    f"{path.name}：另一处正在同时导入相同的申报人，重试 {_ATTEMPTS} 次仍冲突，本文件未导入；"
                    "请稍后重新导入该文件"
                )


def _read_file(
    path: Path, report: FileReport, mapping: Mapping[str, str] | None
) -> list[SheetTable] | None:
    """The file's tables, or None when it cannot be read or lacks a required column (said in ``report``)."""
    try:
        report.sha256 = file_sha256(path)
        tables = read_tables(path, COLUMNS, KEY_COLUMNS, mapping=mapping)
    except WorkbookError as exc:
        report.error = str(exc)
        return None
    except OSError as exc:
        report.error = (
            f"{path.name}：无法读取（{exc.strerror or exc}）；请检查文件是否被其他程序占用"
        )
        return None
    except MemoryError:
        report.error = f"{path.name}：文件过大，内存不足以读取；请按单位拆分后分别导入"
        return None
    except Exception as exc:  # noqa: BLE001 - whatever a damaged file does to a reader, the other files go on
        report.error = (
            f"{path.name}：文件已损坏，无法读取（{type(exc).__name__}）；"
            "请用 Excel 或 WPS 打开后“另存为” .xlsx 再导入"
        )
        return None
    missing = [m for t in tables if (m := missing_columns(t, COLUMNS)) is not None]
    if missing:  # one problem for the file, never a "为空" on every row
        report.missing = missing
        report.error = "；".join(m.message() for m in missing)
        return None
    return tables


def _check_file(
    path: Path, report: FileReport, tables: list[SheetTable], year: int, scope: CommitteeScope
) -> list[tuple[str, int, CheckedRow]] | None:
    """Every row checked (sheet, row number, checked row), or None when the file has too many
    problems to be a roster (said in ``report``)."""
    checked: list[tuple[str, int, CheckedRow]] = []
    problems = 0
    examples = roster_examples(
        scope, [row.cells for table in tables for row in table.rows[:EXAMPLE_ROWS]]
    )
    for table in tables:
        report.sheets.append(table.sheet)
        report.skipped_notes += len(table.skipped_notes)
        report.skipped.extend((table.sheet, s) for s in table.skipped)
        for start in range(0, len(table.rows), _CHECK_CHUNK):
            part = table.rows[start : start + _CHECK_CHUNK]
            numbers = [row.number for row in part]
            results = check_rows(
                [row.cells for row in part],
                year,
                scope,
                table.cell_name,
                numbers,
                text_is_clean=True,
                examples=examples,
            )
            checked.extend(zip(repeat(table.sheet), numbers, results))
            problems += sum(len(cr.problems) for cr in results)
            if problems > MAX_FILE_PROBLEMS:  # each is kept, stored and reported: memory grows
                for number, cr in zip(reversed(numbers), reversed(results), strict=True):
                    if problems - len(cr.problems) <= MAX_FILE_PROBLEMS:
                        break  # the row where the count went over
                    problems -= len(cr.problems)
                report.error = (
                    f"{path.name}：问题过多（到工作表“{table.sheet}”第{number}行已超过 {MAX_FILE_PROBLEMS} 处），"
                    "多半是表头对错了列或不是申报信息表；请核对后重新导入，本文件未导入"
                )
                report.sheets.clear()
                return None
    return checked


_ATTEMPTS = (
    3  # a file whose insert collides with a concurrent import is read again this many times at most
)


def _within_batch_duplicates(
    path: Path, checked: list[tuple[str, int, CheckedRow]], seen: dict[str, _Seen]
) -> dict[int, str]:
    """Rows (by index in ``checked``) whose person was already seen in this run, and where."""
    duplicates: dict[int, str] = {}
    file = path.name
    for index, (sheet, number, cr) in enumerate(checked):
        if not cr.id_valid:
            continue
        key = cr.person_key()
        first = seen.get(key)
        if first is None:
            seen[key] = _Seen(file, sheet, number)
            continue
        in_file = "本表" if first.file == file else first.file
        duplicates[index] = f"{in_file}（{first.sheet}）第{first.row}行"
    return duplicates


def _import_file(
    session: Session,
    committee_id: int | None,
    year: int,
    report: FileReport,
    checked: list[tuple[str, int, CheckedRow]],
    duplicates: dict[int, str],
    user: str | None,
    today: date,
) -> None:
    """One checked file into the store: plan (what the store holds of these people), check (each
    row's place: new, an update, or refused and why), apply (the bulk writes), audit (the import
    run with what it changed, and the audit event)."""
    known = _Known.load(session, committee_id, year, checked)
    batch = ImportBatch(
        committee_id=committee_id or 0,
        year=year,
        file_name=report.path.name,
        sha256=report.sha256,
        user=user or audit.current_user(),
    )
    session.add(batch)
    session.flush()
    placing = _Placing(session, known, report, committee_id, year, today, batch.id, duplicates)
    for index, (sheet, number, cr) in enumerate(checked):
        placing.place(index, sheet, number, cr)
    placing.apply()
    _record(session, batch, report, placing, user)


@dataclass
class _Known:
    """What the store already holds of a file's people (the plan: a few queries, never one a row)."""

    existing: dict[str, Applicant]  # by person key, this year
    provisional: dict[tuple[str, str], Applicant]  # still to correct, by (name, unit key)
    frozen: dict[int, Meeting]  # decided on by a sealed meeting
    revive: set[int]  # withdrawn by an import undo: sending them again applies anew

    @classmethod
    def load(
        cls,
        session: Session,
        committee_id: int | None,
        year: int,
        checked: list[tuple[str, int, CheckedRow]],
    ) -> _Known:
        known_units: dict[str, str] = {}  # the first spelling stored is the employer's
        for key, unit in session.exec(
            select(Applicant.unit_key, Applicant.unit)
            .where(Applicant.year == year, Applicant.committee_id == committee_id)
            .distinct()
        ):
            if key and (key not in known_units or unit.count(" ") < known_units[key].count(" ")):
                known_units[key] = unit
        one_spelling_per_unit([cr for _, _, cr in checked], known_units)
        keys = sorted({cr.person_key() for _, _, cr in checked})
        existing: dict[str, Applicant] = {}
        size = _in_chunk(session)
        for start in range(0, len(keys), size):
            chunk = keys[start : start + size]
            for a in session.exec(
                select(Applicant).where(
                    Applicant.year == year, col(Applicant.person_key).in_(chunk)
                )
            ):
                existing[a.person_key] = a
        # Rows still to correct were keyed by 姓名@单位; a corrected ID finds them by name and unit.
        provisional = {
            (a.name, a.unit_key): a
            for a in session.exec(
                select(Applicant).where(
                    Applicant.year == year,
                    Applicant.committee_id == committee_id,
                    col(Applicant.person_key).contains("@"),
                )
            )
        }
        frozen = sealing.frozen_by(
            session,
            "applicant",
            [a.id for a in (*existing.values(), *provisional.values()) if a.id is not None],
        )
        revive = withdrawal.revivable(
            session,
            [a.id for a in existing.values() if a.status == rules.STATUS_RETRACTED and a.id],
        )
        return cls(existing, provisional, frozen, revive)


class _Placing:
    """Each checked row given its place (the check step), and the writes that follow (apply)."""

    def __init__(
        self,
        session: Session,
        known: _Known,
        report: FileReport,
        committee_id: int | None,
        year: int,
        today: date,
        batch_id: int | None,
        duplicates: dict[int, str],
    ) -> None:
        self.session, self.known, self.report = session, known, report
        self.committee_id, self.year, self.today = committee_id, year, today
        self.duplicates = duplicates
        self.now = now = utcnow()
        self.taken: set[str] = set()
        self.withdrawn_late: list[int | None] = []
        self.new_rows: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.previous: dict[int | None, dict[str, Any]] = {}  # as they were, for imports undo
        self.unchanged = 0
        self.other_committees: dict[int, str] = {}
        # applicants sent again in this file, and from where
        self.flags: dict[int, tuple[Applicant, list[str]]] = {}
        self.one_per_year = (
            f"{rules.ONE_APPLICATION_PER_YEAR.text}（{rules.ONE_APPLICATION_PER_YEAR.source}）"
        )
        self.same_for_file = {
            "source_file": report.path.name,
            "import_batch_id": batch_id,
            "committee_id": committee_id,
            "year": year,
            "updated_at": now,
        }
        # Core executemany: the same keys in every new row
        self.same_for_new = {**self.same_for_file, "created_at": now, "correction_deadline": None}

    def place(self, index: int, sheet: str, number: int, cr: CheckedRow) -> None:
        key = cr.person_key()
        name, unit = cr.values.get("name", ""), cr.values.get("unit", "")
        known = self.known
        applicant = known.existing.get(key) or known.provisional.get((name, compare_key(unit)))
        where = (sheet, number, name, unit)
        if index in self.duplicates or key in self.taken:
            self._duplicate(index, where, applicant)
        elif applicant is None:  # nearly every row: a new applicant
            self._take(key, where, cr, None)
        elif not self._refused(key, where, cr, applicant):
            self._take(key, where, cr, applicant)

    def _reject(self, where: tuple[str, int, str, str], reason: str | Finding) -> None:
        self.report.rejected.append(RejectedRow.of(*where, reason))

    def _flag(self, applicant: Applicant, unit: str, number: int) -> None:
        self.flags.setdefault(id(applicant), (applicant, []))[1].append(
            f"{unit}（{self.report.path.name} 第{number}行）"
        )

    def _duplicate(
        self, index: int, where: tuple[str, int, str, str], applicant: Applicant | None
    ) -> None:
        """The same person twice in this run: the row is refused, the first application flagged."""
        _, number, _, unit = where
        place = self.duplicates.get(index, "本表中另一行")
        self._reject(where, f"与{place}是同一身份证号码，重复申报；{self.one_per_year}")
        self.report.problem_kinds[KIND_DUPLICATE] += 1
        # an applicant a sealed meeting decided on keeps its status: the row is refused, and said so
        if (
            applicant is not None
            and applicant.committee_id == self.committee_id
            and index in self.duplicates
            and applicant.id not in self.known.frozen
        ):
            self._flag(applicant, unit, number)

    def _refused(
        self, key: str, where: tuple[str, int, str, str], cr: CheckedRow, applicant: Applicant
    ) -> bool:
        """Whether the row of a person the store knows is refused (and why, in the report)."""
        _, number, name, unit = where
        known, report, year = self.known, self.report, self.year
        revived = applicant.id in known.revive
        if applicant.status == rules.STATUS_RETRACTED and not revived:
            self._reject(
                where,
                finding(
                    "intake.retracted",
                    f"{name}（编号 {applicant.id}）已撤回申报，本行未导入",
                    step=Step.REINSTATE_APPLICANT,
                    hint="确需恢复请用",
                    key=applicant.id,
                ),
            )
            return True
        if applicant.committee_id != self.committee_id and not revived:
            other = self.other_committees.get(applicant.committee_id) or _committee_label(
                self.session, applicant.committee_id
            )
            self.other_committees[applicant.committee_id] = other
            self._reject(
                where, f"{name}（身份证号码相同）已在{other}申报{year}年度职称；{self.one_per_year}"
            )
            report.problem_kinds[KIND_DUPLICATE] += 1
            return True
        if (
            not revived
            and applicant.source_file != report.path.name
            and applicant.unit_key != compare_key(unit)
        ):
            # Another employer's file: not a correction of this one but a second application.
            first = f"{applicant.unit}（{applicant.source_file} 第{applicant.source_row}行）"
            self._reject(where, f"{name}（身份证号码相同）已由{first}报送；{self.one_per_year}")
            report.problem_kinds[KIND_DUPLICATE] += 1
            if applicant.id not in known.frozen:
                self._flag(applicant, unit, number)
            return True
        if applicant.id in known.frozen:
            self.taken.add(key)
            _frozen_row(
                self.session,
                report,
                applicant,
                known.frozen[applicant.id],
                cr,
                self.now,
                partial(self._reject, where),
            )
            return True
        if (
            applicant.status == rules.STATUS_NEEDS_CORRECTION
            and applicant.correction_deadline is not None
            and applicant.correction_deadline < self.today
        ):
            self.previous.setdefault(applicant.id, withdrawal.snapshot(applicant))
            applicant.status = rules.STATUS_WITHDRAWN  # 逾期未补正的，视为放弃 (通知 六（五）)
            self.session.add(applicant)
            self.withdrawn_late.append(applicant.id)
        if applicant.status == rules.STATUS_WITHDRAWN:
            deadline = (
                f"（补正期限 {applicant.correction_deadline}）"
                if applicant.correction_deadline
                else ""
            )
            self._reject(
                where,
                f"{name}逾期未补正{deadline}，已视为放弃（{rules.CORRECTION_DEFAULT.source}），本年度不再受理",
            )
            return True
        return False

    def _take(
        self,
        key: str,
        where: tuple[str, int, str, str],
        cr: CheckedRow,
        applicant: Applicant | None,
    ) -> None:
        """A row taken: a new applicant, or an update of the one the store holds."""
        sheet, number, name, _ = where
        report = self.report
        self.taken.add(key)
        problems = cr.problems
        if problems:
            for p in problems:
                report.problem_kinds[p.kind] += 1
                report.row_problems.append((sheet, number, name, p))
            report.needs_correction += 1
        fields = {
            **cr.values,  # exactly APPLICANT_FIELDS (tests/test_roster.py)
            **(self.same_for_new if applicant is None else self.same_for_file),
            "person_key": key,
            "status": rules.STATUS_NEEDS_CORRECTION if problems else rules.STATUS_ACCEPTED,
            "problems": [p.as_stored() for p in problems] if problems else (),  # () converted once
            "source_sheet": sheet,
            "source_row": number,
        }
        if applicant is None:
            self.new_rows.append(fields)
            report.imported += 1
            return
        if not problems:
            fields["correction_deadline"] = None
        self.previous.setdefault(applicant.id, withdrawal.snapshot(applicant))
        self.unchanged += withdrawal.same_values(applicant, fields)
        fields["id"] = applicant.id
        self.updates.append(fields)
        report.updated += 1

    def apply(self) -> None:
        """The writes: first applications flagged, new rows inserted and updates made in bulk
        (building 20,000 ORM objects costs several times the whole read)."""
        session, report = self.session, self.report
        for applicant, wheres in self.flags.values():  # once per person and file: stays linear
            self.previous.setdefault(applicant.id, withdrawal.snapshot(applicant))
            if _flag_duplicate(applicant, wheres, self.one_per_year):
                report.flagged.append(
                    f"{applicant.name}（{applicant.source_file} 第{applicant.source_row}行）"
                )
            session.add(applicant)
        session.flush()
        if self.new_rows:  # not the ORM's bulk path, nor Core's executemany: both cost more
            bulk_insert(session.connection(), Applicant.metadata.tables["applicant"], self.new_rows)
        if self.updates:
            session.execute(update(Applicant), self.updates)


def _record(
    session: Session, batch: ImportBatch, report: FileReport, placing: _Placing, user: str | None
) -> None:
    """The import run (its counts and what undoing it needs) and the audit event."""
    batch.row_count = report.rows
    batch.imported = report.imported
    batch.updated = report.updated
    batch.needs_correction = report.needs_correction
    batch.rejected = [r.as_dict() for r in report.rejected]
    batch.unchanged = placing.unchanged
    batch.previous = list(placing.previous.values())
    batch.added_ids = (
        withdrawal.added_by(session, batch.id, placing.previous) if placing.new_rows else []
    )
    report.batch = batch.id
    session.add(batch)
    audit.record(
        session,
        "import-applicants",
        "applicants.imported",
        {
            "file": report.path.name,
            "sha256": report.sha256,
            "rows": report.rows,
            "imported": report.imported,
            "updated": report.updated,
            "needs_correction": report.needs_correction,
            "flagged_duplicates": len(report.flagged),
            "rejected": len(report.rejected),
            "skipped": [
                {"sheet": sheet, "row": s.row, "reason": s.reason} for sheet, s in report.skipped
            ],
            "withdrawn_after_deadline": placing.withdrawn_late,
            "sealed_unchanged": report.unchanged,
            "sealed_contact_updated": len(report.harmless),
            "sealed_refused": len(report.frozen),
        },
        user=user,
    )


HARMLESS_FIELDS = ("phone", "note")  # may change after the seal: no meeting decided on them


def _frozen_row(
    session: Session,
    report: FileReport,
    applicant: Applicant,
    m: Meeting,
    cr: CheckedRow,
    now: Any,
    reject: Callable[[str | Finding], None],
) -> None:
    """A row of an applicant a sealed meeting decided on: refused when it would change what was
    decided, else only the phone number and note are taken (and said so)."""
    status = rules.STATUS_NEEDS_CORRECTION if cr.problems else rules.STATUS_ACCEPTED
    given = {f: str(cr.values.get(f) or "") for f in FROZEN_FACTS["applicant"] if f != "status"}
    given["status"] = status
    label = sealing.meeting_label(m)
    changed = [f for f in FROZEN_FACTS["applicant"] if str(getattr(applicant, f) or "") != given[f]]
    if changed:
        shown = "；".join(
            f"{sealing.FACT_LABELS[f]} {_shown(f, getattr(applicant, f))} → {_shown(f, given[f])}"
            for f in changed
        )
        reject(
            finding(
                "intake.sealed",
                f"{applicant.name}（编号 {applicant.id}）已由{label}评审并封存，导入不能更改其评审认定的事项（{shown}）；"
                "本行未导入，该申报人的记录保持不变",
                step=Step.CORRECT_APPLICANT,
                hint="确属更正请用",
                key=applicant.id,
            )
        )
        report.frozen.append(f"{applicant.name}（{label}）")
        return
    harmless = {f: str(cr.values.get(f) or "") for f in HARMLESS_FIELDS}
    if any(str(getattr(applicant, f) or "") != v for f, v in harmless.items()):
        for f, v in harmless.items():
            setattr(applicant, f, v)
        applicant.updated_at = now
        session.add(applicant)
        report.harmless.append(f"{applicant.name}（{label}，仅更新联系电话/备注）")
    else:
        report.unchanged += 1


def _shown(fact: str, value: Any) -> str:
    value = str(value or "") or "（空）"
    return mask_id(value) if fact == "id_number" else value


def _flag_duplicate(applicant: Applicant, wheres: list[str], rule_text: str) -> bool:
    """The first application of a person who applied again elsewhere must be checked too. True
    when that made an applicant 待补正 who was not (the import reports it and counts it)."""
    shown = "、".join(wheres[:3]) + (f"等 {len(wheres)} 处" if len(wheres) > 3 else "")
    message = f"同一身份证号码又由{shown}报送"
    if any(p.get("message") == message for p in applicant.problems):
        return False
    problem = Problem(
        "身份证号码", message, f"{rule_text}；请与申报人核实，只保留一处申报", KIND_DUPLICATE
    )
    applicant.problems = [*applicant.problems, problem.as_stored()]
    newly = applicant.status != rules.STATUS_NEEDS_CORRECTION
    applicant.status = rules.STATUS_NEEDS_CORRECTION
    return newly


def _committee_label(session: Session, committee_id: int) -> str:
    c = session.get(Committee, committee_id)
    return f"评委会“{c.name}”（{c.code}）" if c else "其他评委会"
