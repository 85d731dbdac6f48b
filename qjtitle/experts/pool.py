"""The expert pool in the store (专家库): importing a pool workbook, looking experts up, and the
check of terms and the pool filing before they expire.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from qjtitle import committees, rules
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.experts.pool_format import (
    COLUMNS,
    KEY_COLUMNS,
    CheckedExpert,
    check_row,
    pool_examples,
)
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.intake import column_maps
from qjtitle.intake.roster_checks import EXAMPLE_ROWS, KIND_DUPLICATE, Problem
from qjtitle.logic.terms import pool_valid_until
from qjtitle.models import Committee, Expert, utcnow
from qjtitle.paths import file_sha256
from qjtitle.privacy import mask_id, mask_phone
from qjtitle.spreadsheets.tables import (
    MissingColumnsError,
    SkippedRow,
    missing_columns,
    read_tables,
)
from qjtitle.spreadsheets.text import clean_text, compare_key
from qjtitle.store import FROZEN_FACTS, Store, audit, sealing

EXPIRY_NOTICE_DAYS = (
    180  # ``experts check`` reports what ends within this many days (a default, not a rule)
)


# --- Import ----------------------------------------------------------------------------------


@dataclass
class RejectedExpert:
    sheet: str
    row: int
    name: str
    problems: list[Problem]

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "name": self.name,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class RefilingCheck:
    """On re-filing: experts who entered the pool after the previous filing, against 1/3 of the pool."""

    previous: date
    new: int
    total: int

    @property
    def ok(self) -> bool:
        return rules.meets_fraction(self.new, self.total, rules.NEW_EXPERTS_ON_REFILING)

    @property
    def needed(self) -> int:
        """How many more new experts would reach the share (0 when it is reached)."""
        share = Fraction(rules.NEW_EXPERTS_ON_REFILING.value)
        # smallest n with (new + n) >= (total + n) * share: each new expert also enlarges the pool
        short = self.total * share.numerator - self.new * share.denominator
        return max(0, -(-short // (share.denominator - share.numerator)))

    def as_finding(self, importing: bool = False, committee: str | None = None) -> Finding:
        """``importing``: said by the pool import itself (which never asks to import the pool)."""
        rule = rules.NEW_EXPERTS_ON_REFILING
        facts: dict[str, Any] = {
            "previous": self.previous.isoformat(),
            "new": self.new,
            "total": self.total,
        }
        if self.total == 0 and importing:
            return finding(
                "pool.refiling_empty",
                f"本次重新备案（上次备案 {self.previous}）后，在库且任期内的专家为 0 人，无法计算新专家比例；请核对各行的状态和任期起止",
                severity=Severity.WARNING,
                **facts,
            )
        if self.total == 0:
            return finding(
                "pool.refiling_empty",
                "专家库中还没有在库的专家，谈不上新专家比例",
                severity=Severity.WARNING,
                step=Step.IMPORT_EXPERTS,
                hint="请先导入专家库",
                committee=committee,
                **facts,
            )
        text = f"上次备案（{self.previous}）后新入库的专家 {self.new} 人，占在库专家 {self.total} 人的 {self.new}/{self.total}"
        if self.ok:
            return finding(
                "pool.refiling_ok",
                f"{text}，达到三分之一（{rule.source}）",
                severity=Severity.NOTE,
                rule="NEW_EXPERTS_ON_REFILING",
                **facts,
            )
        return finding(
            "pool.refiling_short",
            f"{text}，低于三分之一：{rule.text}（{rule.source}）；还需新增约 {self.needed} 名新专家",
            severity=Severity.WARNING,
            rule="NEW_EXPERTS_ON_REFILING",
            needed=self.needed,
            **facts,
        )

    def message(self, importing: bool = False) -> str:
        """The finding's fact (for documents and the import report)."""
        return self.as_finding(importing).message

    def as_dict(self) -> dict[str, Any]:
        return {
            "previous": self.previous.isoformat(),
            "new": self.new,
            "total": self.total,
            "ok": self.ok,
            "needed": self.needed,
        }


@dataclass(frozen=True)
class AbsentExpert:
    """An active expert of the committee's pool whose ID number is not in the imported file."""

    id: int
    name: str
    unit: str
    specialty: str


RETIRED_STATUS = "出库"  # the status a whole-pool import (``replace``) gives to those left out


@dataclass
class PoolImportReport:
    path: Path
    committee: str
    sha256: str = ""
    sheets: list[str] = field(default_factory=list)
    rows: int = 0
    imported: int = 0
    updated: int = 0
    rejected: list[RejectedExpert] = field(default_factory=list)
    problem_kinds: Counter[str] = field(default_factory=Counter)
    skipped_notes: int = 0
    pool_filed: date | None = None  # the filing date after the import
    refiling: RefilingCheck | None = None
    dry_run: bool = False
    # Active experts of the pool missing from the file: still drawable, unless ``retired``
    # (a whole-pool import made them 出库).
    absent: list[AbsentExpert] = field(default_factory=list)
    retired: bool = False
    series_from_committee: str = ""  # the file has no 系列 column: every row took the committee's
    first_import: bool = False  # the committee's pool had no expert before this file
    skipped: list[tuple[str, SkippedRow]] = field(default_factory=list)  # rows that are not people


def write_problem_list(report: PoolImportReport, folder: Path) -> Path:
    """Every problem of every row not imported, as a CSV (UTF-8 with BOM) in ``folder``/导入问题清单,
    ID and phone numbers masked: the terminal shows only the first REPORT_LINES (issue 23)."""
    import csv

    from qjtitle.intake.import_report import PROBLEM_LIST_HEADER
    from qjtitle.paths import write_atomically
    from qjtitle.privacy import mask_text

    folder = Path(folder) / "导入问题清单"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().astimezone().strftime("%Y%m%d-%H%M%S")
    path = folder / f"专家库导入问题_{stamp}.csv"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"专家库导入问题_{stamp}_{n}.csv"

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(PROBLEM_LIST_HEADER)
            for r in report.rejected:
                for p in r.problems:
                    writer.writerow(
                        [
                            report.path.name,
                            r.sheet,
                            r.row,
                            r.name,
                            "未导入",
                            p.cell or p.column,
                            mask_text(p.message),
                            p.fix,
                        ]
                    )

    return write_atomically(path, write, ".csv")


def import_experts(
    store: Store,
    path: Path,
    committee_code: str,
    pool_filed: date | None = None,
    dry_run: bool = False,
    user: str | None = None,
    replace: bool = False,
    mapping: Mapping[str, str] | None = None,
    keep_mapping: bool = False,
) -> PoolImportReport:
    """Import (or update, by ID number) the experts of one pool workbook into a committee's pool.

    Rows with problems are not imported; each is reported with all its problems. With
    ``pool_filed`` the pool is (re-)filed on that date; on a re-filing the share of new
    experts is checked against the previous filing (通知 六（二）).

    Active experts of the pool whose ID number is not in the file are reported as ``absent``:
    they stay drawable. With ``replace`` the file is the whole pool and they become 出库 (no
    longer drawn); that is refused, with nothing written, while any row of the file is rejected,
    since a rejected row's expert would otherwise be taken out of the pool by a typing error.

    Header names are read with the committee's kept mappings and ``mapping`` (this run's, kept for
    the committee with ``keep_mapping``); a required column not found refuses the file, naming it
    (MissingColumnsError), except 系列: a file without it takes the committee's series."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"找不到专家库文件：{path}（应为一个 .xlsx、.xls 或 .csv 文件）")
    if pool_filed is not None and pool_filed > date.today():
        raise InvalidValue(f"专家库备案日期 {pool_filed} 晚于今天；请核对")
    report = PoolImportReport(path=path, committee=committee_code, dry_run=dry_run)
    report.sha256 = file_sha256(path)
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        run_mapping = dict(mapping or {})
        mapping = {**column_maps.kept(session, committee.id, column_maps.POOL), **run_mapping}
        series, specialties = committee.series, tuple(committee.specialties)
    tables = read_tables(path, COLUMNS, KEY_COLUMNS, mapping=mapping)
    for table in tables:
        if (missing := missing_columns(table, COLUMNS, supplied=("series",))) is not None:
            raise MissingColumnsError(missing)
    examples = pool_examples(
        series, specialties, [row.cells for table in tables for row in table.rows[:EXAMPLE_ROWS]]
    )
    checked: list[tuple[str, int, CheckedExpert]] = []
    for table in tables:
        report.sheets.append(table.sheet)
        report.skipped_notes += len(table.skipped_notes)
        report.skipped.extend((table.sheet, s) for s in table.skipped)
        without_series = "series" not in table.columns
        if without_series:
            report.series_from_committee = series
        for row in table.rows:
            if without_series:
                row.cells["series"] = series
            cr = check_row(row.cells, partial(table.cell_name, row=row.number), examples)
            checked.append((table.sheet, row.number, cr))
    report.rows = len(checked)
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        if keep_mapping and run_mapping and committee.id is not None:
            column_maps.keep(
                session,
                committee.id,
                committee.code,
                column_maps.POOL,
                run_mapping,
                "import-experts",
                user,
            )
        existing = {
            e.id_number: e
            for e in session.exec(select(Expert).where(Expert.committee_id == committee.id))
        }
        frozen = sealing.frozen_by(
            session, "expert", [e.id for e in existing.values() if e.id is not None]
        )
        seen: dict[str, tuple[str, int]] = {}
        in_file = {str(cr.values.get("id_number") or "") for _, _, cr in checked}
        before = list(existing.values())
        report.first_import = not before
        now = utcnow()
        for sheet, number, cr in checked:
            key = cr.values["id_number"]
            if not cr.problems and key in seen:
                first_sheet, first_row = seen[key]
                cr.problems.append(
                    Problem(
                        "身份证号码",
                        f"与{first_sheet}第{first_row}行是同一身份证号码",
                        "请删去重复的一行",
                        KIND_DUPLICATE,
                    )
                )
            if cr.problems:
                report.rejected.append(
                    RejectedExpert(sheet, number, cr.values.get("name", ""), cr.problems)
                )
                for p in cr.problems:
                    report.problem_kinds[p.kind] += 1
                continue
            seen[key] = (sheet, number)
            fields = {
                k: cr.values[k]
                for k in (
                    "name",
                    "gender",
                    "unit",
                    "unit_key",
                    "title",
                    "level",
                    "series",
                    "specialty",
                    "phone",
                    "joined",
                    "term_start",
                    "term_end",
                    "status",
                    "active",
                )
            }
            fields.update(source_file=path.name, source_row=number, updated_at=now)
            expert = existing.get(key)
            if expert is not None and expert.id in frozen:
                decided = [
                    f
                    for f in FROZEN_FACTS["expert"]
                    if f in fields and str(getattr(expert, f) or "") != str(fields[f] or "")
                ]
                if decided:
                    label = sealing.meeting_label(frozen[expert.id])
                    shown = "；".join(
                        f"{sealing.FACT_LABELS[f]} {getattr(expert, f) or '（空）'} → {fields[f] or '（空）'}"
                        for f in decided
                    )
                    report.rejected.append(
                        RejectedExpert(
                            sheet,
                            number,
                            expert.name,
                            [
                                Problem(
                                    "、".join(sealing.FACT_LABELS[f] for f in decided),
                                    f"{expert.name} 参加了{label}并已封存，导入不能更改其当时认定的事项（{shown}）；本行未导入，原记录不变",
                                    "封存会议的专家记录保持原样；如确有变动，请与技术人员联系登记",
                                    "已封存",
                                )
                            ],
                        )
                    )
                    report.problem_kinds["已封存"] += 1
                    continue
            if expert is None:
                expert = Expert(committee_id=committee.id or 0, id_number=key, **fields)
                existing[key] = expert
                report.imported += 1
            else:
                for k, v in fields.items():
                    setattr(expert, k, v)
                report.updated += 1
            session.add(expert)
        report.absent = [
            AbsentExpert(e.id or 0, e.name, e.unit, e.specialty)
            for e in before
            if e.active and e.id_number not in in_file
        ]
        if replace and report.absent:
            if report.rejected:
                raise InvalidValue(
                    finding(
                        "pool.replace_with_rejected",
                        f"{path.name} 有 {len(report.rejected)} 行未导入；替换专家库（让库中其余专家出库）之前，"
                        "文件须全部行无误（否则因填写错误未导入的专家也会被出库）。本次未作任何改动：请改正后重新导入",
                        file=path.name,
                        rejected=len(report.rejected),
                    )
                )
            for e in before:
                if e.active and e.id_number not in in_file:
                    e.active, e.status, e.updated_at = False, RETIRED_STATUS, now
                    session.add(e)
            report.retired = True
        session.flush()
        previous = committee.pool_filed
        if pool_filed is not None:
            if previous is not None and pool_filed < previous:
                raise InvalidValue(
                    f"专家库备案日期 {pool_filed} 早于已登记的备案日期 {previous}；请核对"
                )
            if previous is not None and pool_filed > previous and before:
                # a re-filing of a pool there was; a first import has no earlier pool to compare with
                report.refiling = _refiling(list(existing.values()), previous, pool_filed)
            committee.pool_filed = pool_filed
            session.add(committee)
        report.pool_filed = committee.pool_filed
        audit.record(
            session,
            "import-experts",
            "experts.imported",
            {
                "committee": committee.code,
                "file": path.name,
                "sha256": report.sha256,
                "rows": report.rows,
                "imported": report.imported,
                "updated": report.updated,
                "rejected": len(report.rejected),
                "absent": len(report.absent),
                "retired": [a.id for a in report.absent] if report.retired else [],
                "pool_filed": committee.pool_filed,
                "previous_pool_filed": previous,
                "series_from_committee": report.series_from_committee,
                "skipped": [{"sheet": sheet, **s.as_dict()} for sheet, s in report.skipped],
            },
            user=user,
        )
        if dry_run:
            session.rollback()
    return report


def _refiling(experts: list[Expert], previous: date, on: date) -> RefilingCheck:
    pool = [e for e in experts if e.active and e.term_start <= on <= e.term_end]
    new = sum(1 for e in pool if e.joined is not None and e.joined > previous)
    return RefilingCheck(previous, new, len(pool))


# --- Looking experts up ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertView:
    """One expert as listed and shown; the ID number and phone masked unless asked for."""

    id: int
    committee: str
    name: str
    gender: str
    id_number: str
    unit: str
    title: str
    level: str
    series: str
    specialty: str
    phone: str
    joined: date | None
    term_start: date
    term_end: date
    status: str
    active: bool
    source: str  # file and row it was imported from

    @classmethod
    def of(cls, e: Expert, committee_code: str, show_pii: bool = False) -> ExpertView:
        assert e.id is not None  # a stored expert
        return cls(
            id=e.id,
            committee=committee_code,
            name=e.name,
            gender=e.gender,
            id_number=e.id_number if show_pii else mask_id(e.id_number),
            unit=e.unit,
            title=e.title,
            level=e.level,
            series=e.series,
            specialty=e.specialty,
            phone=e.phone if show_pii else mask_phone(e.phone),
            joined=e.joined,
            term_start=e.term_start,
            term_end=e.term_end,
            status=e.status,
            active=e.active,
            source=f"{e.source_file} 第{e.source_row}行",
        )

    def as_dict(self) -> dict[str, Any]:
        """For ``--json``: the fields in order, dates as ISO text."""
        return {
            "id": self.id,
            "committee": self.committee,
            "name": self.name,
            "gender": self.gender,
            "id_number": self.id_number,
            "unit": self.unit,
            "title": self.title,
            "level": self.level,
            "series": self.series,
            "specialty": self.specialty,
            "phone": self.phone,
            "joined": self.joined.isoformat() if self.joined else None,
            "term_start": self.term_start.isoformat(),
            "term_end": self.term_end.isoformat(),
            "status": self.status,
            "active": self.active,
            "source": self.source,
        }


def list_experts(
    store: Store,
    committee_code: str | None = None,
    active: bool | None = None,
    specialty: str | None = None,
    unit: str | None = None,
    show_pii: bool = False,
    on: date | None = None,
) -> list[ExpertView]:
    """The pool; ``active=True``: the experts who could be drawn on ``on`` (today): 在库 and within their term."""
    with store.transaction() as session:
        query = select(Expert, Committee.code).join(
            Committee, col(Committee.id) == col(Expert.committee_id)
        )
        if committee_code:
            query = query.where(Expert.committee_id == committees.get(session, committee_code).id)
        if active is not None:
            query = query.where(Expert.active == active)
        if active:
            day = on or date.today()
            query = query.where(col(Expert.term_start) <= day, col(Expert.term_end) >= day)
        if specialty:
            query = query.where(Expert.specialty == clean_text(specialty))
        if unit:
            query = query.where(col(Expert.unit_key).contains(compare_key(unit)))
        query = query.order_by(col(Expert.committee_id), col(Expert.id))
        return [ExpertView.of(e, code, show_pii) for e, code in session.exec(query)]


def show_expert(store: Store, key: str, show_pii: bool = False) -> list[ExpertView]:
    """Experts by store id, full ID number, or name."""
    with store.transaction() as session:
        query = select(Expert, Committee.code).join(
            Committee, col(Committee.id) == col(Expert.committee_id)
        )
        if key.isdigit() and len(key) < 10:
            query = query.where(Expert.id == int(key))
        elif len(key) == 18:
            query = query.where(Expert.id_number == key.upper())
        else:
            query = query.where(Expert.name == key.strip())
        found = [
            ExpertView.of(e, code, show_pii)
            for e, code in session.exec(query.order_by(col(Expert.id)))
        ]
    if not found:
        raise NotFound(
            finding(
                "pool.no_expert",
                f"找不到专家“{key}”（可用编号、18位身份证号码或姓名查找）",
                step=Step.LIST_EXPERTS,
                hint="查看全部",
                key=key,
            )
        )
    return found


# --- Terms and the pool filing about to expire ---------------------------------------------------


@dataclass(frozen=True)
class TermEnd:
    """An expert whose term ends soon or has ended."""

    id: int
    name: str
    unit: str
    specialty: str
    term_end: date

    @classmethod
    def of(cls, e: Expert) -> TermEnd:
        assert e.id is not None  # a stored expert
        return cls(e.id, e.name, e.unit, e.specialty, e.term_end)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "specialty": self.specialty,
            "term_end": self.term_end.isoformat(),
        }


@dataclass(frozen=True)
class PoolCheck:
    """What ``experts check`` reports for one committee on one day."""

    committee: str
    on: date
    within_days: int
    pool_filed: date | None
    pool_valid_until: date | None
    pool_filing: str  # 未登记 | 已过期 | 即将到期 | 有效
    experts: int
    active: int
    in_term: int
    expiring_terms: tuple[TermEnd, ...]
    ended_terms: tuple[TermEnd, ...]
    refiling: RefilingCheck | None
    refiling_finding: Finding | None
    warnings: tuple[Finding, ...]

    @property
    def refiling_message(self) -> str:
        return self.refiling_finding.message if self.refiling_finding else ""

    def as_dict(self) -> dict[str, Any]:
        """For ``--json``: dates as ISO text."""
        return {
            "committee": self.committee,
            "date": self.on.isoformat(),
            "within_days": self.within_days,
            "pool_filed": self.pool_filed.isoformat() if self.pool_filed else None,
            "pool_valid_until": self.pool_valid_until.isoformat()
            if self.pool_valid_until
            else None,
            "pool_filing": self.pool_filing,
            "experts": self.experts,
            "active": self.active,
            "in_term": self.in_term,
            "expiring_terms": [e.as_dict() for e in self.expiring_terms],
            "ended_terms": [e.as_dict() for e in self.ended_terms],
            "refiling": self.refiling.as_dict() if self.refiling else None,
            "refiling_message": self.refiling_message,
            "warnings": [w.message for w in self.warnings],
        }


def check_pool(
    store: Store, committee_code: str, on: date | None = None, within_days: int | None = None
) -> PoolCheck:
    """Terms and the pool filing that end within ``within_days`` (default EXPIRY_NOTICE_DAYS) of
    ``on`` (or have ended), and, when the pool is due for re-filing, whether new experts reach 1/3 of it."""
    within_days = EXPIRY_NOTICE_DAYS if within_days is None else within_days
    if within_days < 0:
        raise InvalidValue(f"提前天数 {within_days} 无效；应为0或正整数")
    on = on or date.today()
    horizon = on + timedelta(days=within_days)
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        experts = list(
            session.exec(
                select(Expert).where(Expert.committee_id == committee.id).order_by(col(Expert.id))
            )
        )
    active = [e for e in experts if e.active]
    in_term = [e for e in active if e.term_start <= on <= e.term_end]
    warnings: list[Finding] = []
    if not experts:  # said first: nothing else in the check means much without a pool
        warnings.append(
            finding(
                "pool.empty",
                f"专家库是空的：评委会 {committee.code} 还没有导入评审专家",
                severity=Severity.WARNING,
                step=Step.IMPORT_EXPERTS,
                hint="请先导入专家库",
                committee=committee.code,
            )
        )
    filed = committee.pool_filed
    until = pool_valid_until(filed) if filed else None
    if filed is None:
        filing = "未登记"
        warnings.append(
            finding(
                "pool.not_filed",
                "评委会未登记专家库备案日期：无法判断专家库是否在备案有效期内",
                severity=Severity.WARNING,
                step=Step.IMPORT_EXPERTS,
                hint="请在导入专家库时登记备案日期",
                committee=committee.code,
            )
        )
    elif until is not None and until < on:
        filing = "已过期"
        warnings.append(
            finding(
                "pool.filing_expired",
                f"专家库备案已于 {until} 到期，须重新备案（{rules.POOL_FILING_YEARS.text}，{rules.POOL_FILING_YEARS.source}）",
                severity=Severity.WARNING,
                rule="POOL_FILING_YEARS",
                until=until.isoformat(),
            )
        )
    elif until is not None and until <= horizon:
        filing = "即将到期"
        warnings.append(
            finding(
                "pool.filing_expiring",
                f"专家库备案将于 {until} 到期；重新备案须在年度评审{rules.POOL_REFILING_REQUEST_BEFORE.value}个工作日前书面申请"
                f"（{rules.POOL_REFILING_REQUEST_BEFORE.source}）",
                severity=Severity.WARNING,
                rule="POOL_REFILING_REQUEST_BEFORE",
                until=until.isoformat(),
            )
        )
    else:
        filing = "有效"
    expiring = [e for e in in_term if e.term_end <= horizon]
    ended = [e for e in active if e.term_end < on]
    if ended:
        warnings.append(
            finding(
                "pool.terms_ended",
                f"{len(ended)} 名专家状态为在库但任期已满，不会被抽取；续聘的请更新任期，否则请改为停用",
                severity=Severity.WARNING,
                experts=[e.id for e in ended],
            )
        )
    refiling = None
    if filed is not None and filing != "有效":
        refiling = _refiling(experts, filed, on)
        if not refiling.ok:
            warnings.append(refiling.as_finding(committee=committee.code))

    return PoolCheck(
        committee=committee.code,
        on=on,
        within_days=within_days,
        pool_filed=filed,
        pool_valid_until=until,
        pool_filing=filing,
        experts=len(experts),
        active=len(active),
        in_term=len(in_term),
        expiring_terms=tuple(TermEnd.of(e) for e in expiring),
        ended_terms=tuple(TermEnd.of(e) for e in ended),
        refiling=refiling,
        refiling_finding=refiling.as_finding(committee=committee.code) if refiling else None,
        warnings=tuple(warnings),
    )
