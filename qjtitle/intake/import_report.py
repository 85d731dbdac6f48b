"""What an import did: each file's report, the run's totals, and the full list of problem rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, dataclass, field
from pathlib import Path

from qjtitle.documents.findings import PHRASES
from qjtitle.findings import Finding, Fix
from qjtitle.intake.roster_checks import Problem
from qjtitle.models import utcnow
from qjtitle.privacy import mask_text
from qjtitle.spreadsheets.tables import MissingColumns, SkippedRow


@dataclass
class RejectedRow:
    """An input row that was not imported, and why: ``reason`` is the fact (kept with the import
    run, told in correction notices), ``fix`` the next step as data (the terminal spells it)."""

    sheet: str
    row: int
    name: str
    unit: str
    reason: str
    fix: Fix | None = None

    @classmethod
    def of(cls, sheet: str, row: int, name: str, unit: str, why: str | Finding) -> RejectedRow:
        """A rejected row for a reason given as text or as a finding (its message and fix)."""
        if isinstance(why, Finding):
            return cls(sheet, row, name, unit, why.message, why.fix)
        return cls(sheet, row, name, unit, why)

    def as_dict(self) -> dict[str, str | int]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "name": self.name,
            "unit": self.unit,
            "reason": self.reason,
        }


@dataclass
class FileReport:
    """What the import did with one file."""

    path: Path
    sha256: str = ""
    sheets: list[str] = field(default_factory=list)
    rows: int = 0
    imported: int = 0
    updated: int = 0
    needs_correction: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    problem_kinds: Counter[str] = field(default_factory=Counter)
    skipped_notes: int = 0
    error: str | None = None
    row_problems: list[tuple[str, int, str, Problem]] = field(
        default_factory=list
    )  # sheet, row, name, problem
    unchanged: int = 0  # applicants a sealed meeting decided on, given again as they are
    harmless: list[str] = field(
        default_factory=list
    )  # such applicants whose phone or note was updated
    frozen: list[str] = field(
        default_factory=list
    )  # such applicants whose decided facts the file would change
    flagged: list[str] = field(
        default_factory=list
    )  # applicants accepted before, 待补正 now: this file applied again
    batch: int | None = None  # the import run's number (qjtitle imports list / undo)
    skipped: list[tuple[str, SkippedRow]] = field(
        default_factory=list
    )  # rows under the header that are not people (sheet, row): footers, totals, separators
    missing: list[MissingColumns] = field(
        default_factory=list
    )  # required columns not found: the file was not imported

    @property
    def accepted(self) -> int:
        return self.imported + self.updated - self.needs_correction

    def forget_counts(self) -> None:
        """Forget what a rolled-back attempt at the file counted."""
        self.imported = self.updated = self.needs_correction = self.unchanged = 0
        self.harmless.clear()
        self.frozen.clear()
        self.flagged.clear()
        self.rejected.clear()
        self.problem_kinds.clear()
        self.row_problems.clear()


@dataclass
class ImportReport:
    files: list[FileReport]
    dry_run: bool
    year: int = 0
    meeting_years: tuple[int, ...] | None = (
        None  # the committee's meetings' years, when none is in ``year``
    )

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    def totals(self) -> ImportTotals:
        return ImportTotals(
            files=len(self.files),
            rows=sum(f.rows for f in self.files),
            imported=sum(f.imported for f in self.files),
            updated=sum(f.updated for f in self.files),
            needs_correction=sum(
                f.needs_correction + len(f.flagged) for f in self.files
            ),  # as applicants list counts
            flagged=sum(len(f.flagged) for f in self.files),
            rejected=sum(len(f.rejected) for f in self.files),
            unreadable=len(self.failed),
            unchanged=sum(f.unchanged for f in self.files),
            harmless=sum(len(f.harmless) for f in self.files),
            frozen=sum(len(f.frozen) for f in self.files),
        )


@dataclass(frozen=True)
class ImportTotals:
    """The counts of a whole run, summed over its files."""

    files: int
    rows: int
    imported: int
    updated: int
    needs_correction: int  # with the applicants accepted before whom this run made 待补正
    flagged: int  # those
    rejected: int
    unreadable: int  # files
    unchanged: int  # applicants a sealed meeting decided on, given again as they are
    harmless: int  # such applicants whose phone or note was updated
    frozen: int  # such applicants whose decided facts a file would change


REPORT_LINES = (
    50  # rejected rows, and row problems with --details, printed before the rest goes to a file
)

PROBLEM_LIST_HEADER = ("文件", "工作表", "行", "姓名", "结果", "位置", "问题", "更正方法")


@dataclass(frozen=True)
class ProblemLine:
    """One line of the problem list: a rejected row (未受理), one problem of a row (待补正), or a row
    skipped as not a person (跳过)."""

    file: str
    sheet: str
    row: int
    name: str
    result: str
    where: str
    problem: str
    fix: str


def problem_lines(report: ImportReport) -> list[ProblemLine]:
    """Every rejected row and every row problem of an import, ID and phone numbers masked, in file order."""
    lines: list[ProblemLine] = []
    for f in report.files:
        for r in f.rejected:
            todo = f"请{PHRASES[r.fix.step]}" if r.fix and r.fix.step else ""
            lines.append(
                ProblemLine(
                    f.path.name, r.sheet, r.row, r.name, "未受理", "", mask_text(r.reason), todo
                )
            )
        for sheet, s in f.skipped:
            lines.append(
                ProblemLine(
                    f.path.name,
                    sheet,
                    s.row,
                    "",
                    "跳过",
                    "",
                    f"{s.reason}：{mask_text(s.text)}" if s.text else s.reason,
                    "不是申报人，未导入",
                )
            )
        for sheet, number, name, p in f.row_problems:
            lines.append(
                ProblemLine(
                    f.path.name,
                    sheet,
                    number,
                    name,
                    "待补正",
                    p.cell or p.column,
                    mask_text(p.message),
                    p.fix,
                )
            )
    return lines


def write_problem_list(report: ImportReport, folder: Path) -> Path:
    """The full list of ``problem_lines`` as a CSV (UTF-8 with BOM: Excel and WPS open it) in ``folder``."""
    import csv

    from qjtitle.paths import write_atomically

    folder = Path(folder) / "导入问题清单"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().astimezone().strftime("%Y%m%d-%H%M%S")
    path = folder / f"导入问题_{stamp}.csv"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"导入问题_{stamp}_{n}.csv"
    lines = problem_lines(report)

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(PROBLEM_LIST_HEADER)
            writer.writerows(astuple(line) for line in lines)

    return write_atomically(path, write, ".csv")
