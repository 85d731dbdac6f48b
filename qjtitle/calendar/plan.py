"""The year's evaluation plan (评审计划, 附件1 of the notice).

通知 一: every committee evaluates within the period the city's plan gives it, and an
evaluation delayed without reason is not accepted for filing. ``import-plan`` reads
the plan as the city publishes it (any workbook or CSV, header row anywhere near the
top, common header variants); ``schedule check`` warns when a meeting lies outside
its committee's planned period.

A planned period is written in many ways: two date cells, or one cell such as
``2023年10月``, ``10-11月``, ``2023年10月至11月``, ``2023.10.16-2023.11.30``. A month
without a day means the whole month.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select

from qjtitle.errors import InvalidValue, WorkbookError
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.models import Committee, PlanEntry
from qjtitle.paths import file_sha256
from qjtitle.spreadsheets.dates import parse_date
from qjtitle.spreadsheets.tables import Column, SheetTable, read_tables
from qjtitle.spreadsheets.text import clean_text, compare_key
from qjtitle.store import Store, audit

COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号",)),
    Column(
        "committee",
        "评委会名称",
        (
            "评委会",
            "评审委员会",
            "评审委员会名称",
            "职称评审委员会",
            "职称评审委员会名称",
            "评委会全称",
        ),
        required=True,
    ),
    Column("code", "评委会代码", ("代码", "评委会编码", "评委会编号")),
    Column("level", "评审级别", ("级别", "层级", "评审层级")),
    Column("series", "评审系列", ("系列",)),
    Column("specialty", "评审专业", ("专业", "评审专业范围", "专业范围")),
    Column("organizer", "组建单位", ("评委会组建单位", "组建部门", "主管部门")),
    Column(
        "period",
        "评审时间",
        ("计划评审时间", "评审时间安排", "拟评审时间", "评审时段", "计划时间", "评审时限"),
    ),
    Column("start", "开始时间", ("开始日期", "起始时间", "计划开始时间")),
    Column("end", "结束时间", ("结束日期", "截止时间", "计划结束时间")),
    Column("note", "备注", ("说明",)),
)
KEY_COLUMNS = ("committee",)
PERIOD_FIX = "请写成 2023年10月、10-11月、2023年10月至11月 或 2023-10-16至2023-11-30 的形式"

_RANGE_SEPARATOR = re.compile(r"\s*(?:至|到|~|－|—|–|-{1,2})\s*")
_MONTH_ONLY = re.compile(r"^(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日?)?$")
_MONTH_DAY = re.compile(r"^(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*日?$")
_DAY_ONLY = re.compile(r"^(?P<d>\d{1,2})\s*日$")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def _month_end(day: date) -> date:
    return day.replace(day=_stdlib_calendar.monthrange(day.year, day.month)[1])


_XUN = re.compile(r"^(?:(?P<y>\d{4})\s*[-./年]\s*)?(?P<m>\d{1,2})\s*月?\s*(?P<x>上|中|下)旬$")
_QUARTER = re.compile(r"^(?P<y>\d{4})\s*年?\s*第?\s*(?P<q>[一二三四1-4])\s*季度$")
_XUN_DAYS = {"上": (1, 10), "中": (11, 20), "下": (21, 31)}  # 下旬 ends with the month
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _part_of_year(text: str, year: int | None) -> tuple[date, date] | None:
    """上旬/中旬/下旬 of a month, or a quarter (第四季度), as (first, last) day."""
    match = _XUN.match(text)
    in_year = (match["y"] or year) if match else None
    if match and in_year:
        first_day, last_day = _XUN_DAYS[match["x"]]
        try:
            first = date(int(in_year), int(match["m"]), first_day)
        except ValueError:
            return None
        return first, _month_end(first) if match["x"] == "下" else first.replace(day=last_day)
    match = _QUARTER.match(text)
    if match:
        quarter = _QUARTERS[match["q"]]
        first = date(int(match["y"]), 3 * quarter - 2, 1)
        return first, _month_end(date(first.year, 3 * quarter, 1))
    return None


def _single(value: Any) -> tuple[date, date] | None:
    """A value naming one day, one month, part of a month or a quarter, as (first, last) day; None otherwise."""
    if isinstance(value, str):
        part = _part_of_year(value, None)
        if part is not None:
            return part
    parsed = parse_date(value)
    if parsed.value is None:
        return None
    if parsed.precision == "month":
        return parsed.value, _month_end(parsed.value)
    return parsed.value, parsed.value


def _right_part(text: str, left: date) -> tuple[date, date] | None:
    """The end of a range written without its year (``11月``, ``11-30``, ``30日``), after ``left``."""
    whole = _single(text) or _part_of_year(text, left.year)
    if whole is not None:
        return whole
    for pattern in (_MONTH_DAY, _DAY_ONLY, _MONTH_ONLY):
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        month = int(parts.get("m") or left.month)
        try:
            if parts.get("d"):
                day = date(left.year, month, int(parts["d"]))
                return day, day
            first = date(left.year, month, 1)
        except ValueError:
            return None
        return first, _month_end(first)
    return None


def parse_period(value: Any, year: int | None) -> tuple[date, date]:
    """(first, last) day of a planned period written in one cell; raises InvalidValue saying how to write it."""
    if isinstance(value, (date, int, float)):
        single = _single(value)
        if single is None:
            raise InvalidValue(f"“{value}”不是日期；{PERIOD_FIX}")
        return single
    text = unicodedata.normalize("NFKC", clean_text(str(value))).replace(" ", "")
    if not text:
        raise InvalidValue(f"评审时间为空；{PERIOD_FIX}")
    if not _YEAR.match(text):
        if year is None:
            raise InvalidValue(
                finding(
                    "plan.no_year",
                    f"“{text}”没有写年份，又无法从文件中确定年度",
                    field="year",
                    hint="指定年度",
                    period=text,
                )
            )
        text = f"{year}年{text}"
    single = _single(text)
    if single is not None:
        return single
    for sep in _RANGE_SEPARATOR.finditer(text):
        left = _single(text[: sep.start()])
        if left is None:
            continue
        right = _right_part(text[sep.end() :], left[0])
        if right is not None and right[1] >= left[0]:
            return left[0], right[1]
    raise InvalidValue(f"无法识别评审时间“{text}”；{PERIOD_FIX}")


@dataclass(frozen=True)
class PlannedEntry:
    """One row of the plan as stored: the committee it was matched to (None when none) and when."""

    year: int
    committee: str | None  # the matched committee's code
    committee_name: str
    level: str
    series: str
    specialty: str
    start: date
    end: date
    period: str  # as written
    row: int  # the row in the file

    @classmethod
    def of(cls, entry: PlanEntry, committee: Committee | None) -> PlannedEntry:
        return cls(
            entry.year,
            committee.code if committee else None,
            entry.committee_name,
            entry.level,
            entry.series,
            entry.specialty,
            entry.start,
            entry.end,
            entry.period_text,
            entry.source_row,
        )


@dataclass
class PlanImport:
    """What ``import-plan`` read and stored."""

    path: Path
    year: int
    entries: list[PlannedEntry] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    replaced: int = 0  # entries of the same year replaced by this import


def _guess_year(path: Path, tables: list[SheetTable]) -> int | None:
    years: Counter[int] = Counter()
    for table in tables:
        for row in table.rows:
            for key in ("period", "start", "end"):
                value = row.cells.get(key)
                if value is None:
                    continue
                if isinstance(value, date):
                    years[value.year] += 1
                else:
                    years.update(int(y) for y in _YEAR.findall(str(value)))
    if not years:
        years.update(int(y) for y in _YEAR.findall(path.stem))
    return years.most_common(1)[0][0] if years else None


def _row_period(
    table: SheetTable, cells: dict[str, Any], number: int, year: int | None
) -> tuple[date, date, str]:
    """(first, last, as written) of one row; raises InvalidValue naming the cell."""
    if cells.get("start") not in (None, ""):
        where = table.cell_name("start", number)
        first = _single(cells["start"])
        if first is None:
            raise InvalidValue(
                f"{where} 开始时间“{cells['start']}”不是日期；请写成 2023-10-16 或 2023年10月"
            )
        last = first
        if cells.get("end") not in (None, ""):
            where = table.cell_name("end", number)
            end = _single(cells["end"])
            if end is None:
                raise InvalidValue(
                    f"{where} 结束时间“{cells['end']}”不是日期；请写成 2023-11-30 或 2023年11月"
                )
            last = end
        if last[1] < first[0]:
            raise InvalidValue(f"{where} 结束时间早于开始时间；请核对")
        shown = f"{cells['start']}至{cells.get('end') or cells['start']}"
        return first[0], last[1], shown
    if cells.get("period") in (None, ""):
        raise InvalidValue(
            f"第{number}行没有填写评审时间；请填写“评审时间”列，或“开始时间”“结束时间”两列"
        )
    try:
        first_day, last_day = parse_period(cells["period"], year)
    except InvalidValue as exc:
        raise InvalidValue(f"{table.cell_name('period', number)} {exc}") from None
    return first_day, last_day, str(cells["period"])


def _match(committees: list[Committee], name: str, code: str) -> Committee | None:
    if code:
        for c in committees:
            if c.code == code:
                return c
    key = compare_key(name)
    for c in committees:
        if compare_key(c.name) == key:
            return c
    return None


def import_plan(
    store: Store, path: Path, year: int | None = None, user: str | None = None
) -> PlanImport:
    """Read the plan workbook and replace the stored plan of its year; nothing is stored when a row is wrong."""
    path = Path(path)
    tables = read_tables(path, COLUMNS, KEY_COLUMNS)
    for table in tables:
        if "period" not in table.columns and "start" not in table.columns:
            raise WorkbookError(
                f"{path.name} 工作表“{table.sheet}”：第{table.header_row}行的表头中没有“评审时间”列"
                "（或“开始时间”“结束时间”两列）；请在表头中加上该列"
            )
    if year is None:
        year = _guess_year(path, tables)
        if year is None:
            raise InvalidValue(
                finding(
                    "plan.no_year",
                    f"{path.name}：无法从评审时间或文件名中确定年度",
                    field="year",
                    hint="指定年度，如 2023",
                    file=path.name,
                )
            )
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    year_fix = False  # a problem the year given on the command would fix
    for table in tables:
        for row in table.rows:
            cells = row.cells
            where = f"{path.name} 工作表“{table.sheet}”第{row.number}行"
            name = clean_text(str(cells.get("committee") or ""))
            if not name:
                problems.append(f"{where}：评委会名称为空；请填写")
                continue
            try:
                first, last, shown = _row_period(table, cells, row.number, year)
            except InvalidValue as exc:
                problems.append(f"{where}：{exc}")
                year_fix = year_fix or bool(exc.finding.fix and exc.finding.fix.field == "year")
                continue
            if first.year != year and last.year != year:
                problems.append(f"{where}：评审时间 {first} 至 {last} 不在 {year} 年度；请核对")
                year_fix = True
                continue
            rows.append(
                {
                    "committee_name": name,
                    "committee_code": clean_text(str(cells.get("code") or "")),
                    "level": clean_text(str(cells.get("level") or "")),
                    "series": clean_text(str(cells.get("series") or "")),
                    "specialty": clean_text(str(cells.get("specialty") or "")),
                    "start": first,
                    "end": last,
                    "period_text": shown,
                    "source_file": path.name,
                    "source_row": row.number,
                }
            )
    if problems:
        raise WorkbookError(
            finding(
                "plan.problems",
                f"评审计划有 {len(problems)} 处问题，未导入任何内容；请改正后重新导入：\n"
                + "\n".join(problems),
                field="year" if year_fix else None,
                hint="指定年度" if year_fix else "",
                file=path.name,
            )
        )
    if not rows:
        raise WorkbookError(f"{path.name}：表头下面没有任何评审计划行；请核对文件")
    result = PlanImport(path, year)
    with store.transaction() as session:
        known = list(session.exec(select(Committee).order_by(col(Committee.code))))
        result.replaced = len(
            session.exec(select(PlanEntry.id).where(PlanEntry.year == year)).all()
        )
        session.exec(delete(PlanEntry).where(col(PlanEntry.year) == year))
        for values in rows:
            committee = _match(known, values["committee_name"], values["committee_code"])
            entry = PlanEntry(year=year, committee_id=committee.id if committee else None, **values)
            session.add(entry)
            result.entries.append(PlannedEntry.of(entry, committee))
            if committee is None:
                result.warnings.append(
                    finding(
                        "plan.unknown_committee",
                        f"第{values['source_row']}行的评委会“{values['committee_name']}”与数据库中的评委会名称、代码都对不上，"
                        "已导入但暂不关联",
                        step=Step.ADD_COMMITTEE,
                        hint="如是本机构的评委会，请核对名称，或新建后重新导入",
                        severity=Severity.WARNING,
                        row=values["source_row"],
                        name=values["committee_name"],
                    )
                )
        audit.record(
            session,
            "import-plan",
            "plan.imported",
            {
                "year": year,
                "file": path.name,
                "sha256": file_sha256(path),
                "entries": len(rows),
                "replaced": result.replaced,
            },
            user=user,
        )
    return result


def entries_for(session: Session, committee: Committee, year: int) -> tuple[bool, list[PlanEntry]]:
    """(whether a plan of ``year`` is stored, the entries of ``committee`` in it).

    An entry belongs to the committee when it was matched at import, or (for a
    committee created after the import) when its code or name matches now.
    """
    entries = session.exec(
        select(PlanEntry).where(PlanEntry.year == year).order_by(col(PlanEntry.start))
    ).all()
    mine = [
        e
        for e in entries
        if e.committee_id == committee.id
        or (
            e.committee_id is None
            and _match([committee], e.committee_name, e.committee_code) is not None
        )
    ]
    return bool(entries), mine
