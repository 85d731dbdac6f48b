"""The expert pool (专家库): import, listing, eligibility on a meeting date, expiry check, conflicts.

An expert is eligible for a meeting when, on the meeting date, they are active,
their term (at most 3 years) covers the date, the pool's filing (valid 3 years)
covers the date, their title level fits the committee, their specialty is among
the requested ones, and no recusal applies: not from the same work unit as an
applicant of the meeting (a setting, on by default) and no declared conflict with
one. Each excluded expert is counted under the first of these reasons, in this
order, so that a pool too small for a draw explains itself.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import committees, idcard, rules
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.experts import recusal
from qjtitle.experts.draw_inputs import Candidate
from qjtitle.intake.roster import (
    GENDERS,
    KIND_CHOICE,
    KIND_DATE,
    KIND_DUPLICATE,
    KIND_ID,
    KIND_MISMATCH,
    KIND_PHONE,
    KIND_REQUIRED,
    PHONE_PATTERN,
    Problem,
    match_choice,
    title_level,
)
from qjtitle.meeting import record as meetings
from qjtitle.models import Committee, Conflict, Expert, Meeting, utcnow
from qjtitle.paths import file_sha256
from qjtitle.privacy import mask_id, mask_phone
from qjtitle.spreadsheets import DATE_FIX, Column, clean_text, compare_key, parse_date, read_tables
from qjtitle.store import FROZEN_FACTS, Store, audit, sealing

EXPIRY_NOTICE_DAYS = (
    180  # ``experts check`` reports what ends within this many days (a default, not a rule)
)

ACTIVE_STATUSES = ("在库", "正常", "有效", "在任", "启用")
INACTIVE_STATUSES = ("停用", "暂停", "出库", "退出", "注销", "失效", "禁用", "调出", "退休", "离职")

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("专家姓名", "名字"), required=True, example="王建华"),
    Column("gender", "性别", (), required=True, kind="choice", choices=GENDERS, example="男"),
    Column(
        "id_number",
        "身份证号码",
        ("身份证号", "公民身份号码", "身份证件号码", "身份证", "居民身份证号码", "证件号码"),
        required=True,
        kind="id",
        hint="18位，单元格须为文本格式",
        example="530302197203150031",
    ),
    Column(
        "unit",
        "工作单位",
        ("单位名称", "所在单位", "工作单位全称", "单位"),
        required=True,
        example="曲靖市妇幼保健院",
    ),
    Column(
        "title",
        "职称",
        ("专业技术职务", "现专业技术职务", "职称名称", "专业技术职称", "现职称"),
        required=True,
        example="副主任医师",
    ),
    Column(
        "level",
        "职称级别",
        ("级别", "职称层级", "专业技术职务级别"),
        kind="choice",
        choices=rules.TITLE_LADDER,
        example="副高级",
    ),
    Column("series", "系列", ("职称系列", "评审系列"), required=True, example="卫生"),
    Column(
        "specialty", "专业", ("评审专业", "从事专业", "专业名称"), required=True, example="临床医学"
    ),
    Column(
        "phone",
        "联系电话",
        ("手机号码", "手机", "电话", "联系方式", "手机号"),
        kind="phone",
        example="13887400001",
    ),
    Column(
        "joined",
        "入库时间",
        ("入库日期", "入库年月"),
        required=True,
        kind="date",
        example="2022.07",
    ),
    Column(
        "term",
        "任期起止",
        ("任期", "任期起止时间", "聘期", "任期时间"),
        required=True,
        hint="如 2022.07-2025.06 或 2022-07-01至2025-06-30",
        example="2022.07-2025.06",
    ),
    Column(
        "status",
        "状态",
        ("专家状态", "在库状态"),
        required=True,
        hint="在库/正常/有效，或 停用/暂停/出库",
        example="在库",
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
KEY_COLUMNS = ("name", "id_number")

KIND_TERM = "任期"
KIND_LEVEL = "职称级别"
KINDS = (
    KIND_REQUIRED,
    KIND_ID,
    KIND_DATE,
    KIND_TERM,
    KIND_MISMATCH,
    KIND_LEVEL,
    KIND_CHOICE,
    KIND_PHONE,
    KIND_DUPLICATE,
)

# Exclusion reasons, in the order they are tried.
REASONS = {
    "inactive": "已停用",
    "term": "任期未覆盖会议日期",
    "pool_filing": "专家库备案未覆盖会议日期",
    "level": "职称级别不符",
    "specialty": "专业不在所需范围",
    "same_unit": recusal.SAME_UNIT_REASON,
    "conflict": recusal.CONFLICT_REASON,
}


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def pool_valid_until(filed: date) -> date:
    """The last day a pool filed on ``filed`` is valid (通知 六（二）: at most 3 years).

    The filing day is not counted and a period in years ends on the corresponding day
    (民法典 第二百零一条、第二百零三条): filed 2020-11-20, valid through 2023-11-20."""
    return add_years(filed, int(rules.POOL_FILING_YEARS.value))


# --- One row of the pool workbook ------------------------------------------------------

_TERM = re.compile(r"^(.+?)\s*(?:至|到|~|～|—|–|－|-)\s*(\d{4}.*)$")
TERM_FIX = "请写成 2022.07-2025.06 或 2022-07-01至2025-06-30 的形式"


def parse_term(raw: Any) -> tuple[date | None, date | None, str | None]:
    """(start, end, problem) of a 任期起止 cell; a year-month end means the month's last day."""
    text = clean_text(str(raw or ""))
    match = _TERM.match(text)
    if not match:
        return None, None, f"任期起止“{text}”无法识别"
    start, end = parse_date(match.group(1)), parse_date(match.group(2))
    for part in (start, end):
        if part.problem or part.value is None:
            return None, None, f"任期起止“{text}”中{part.problem or '缺少日期'}"
    assert start.value is not None and end.value is not None
    last = end.value
    if end.precision == "month":
        last = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return start.value, last, None


def status_active(text: str) -> bool | None:
    """True for 在库/正常/有效…, False for 停用/暂停/出库…, None when not recognised."""
    key = compare_key(text)
    if any(key.startswith(compare_key(s)) for s in INACTIVE_STATUSES):
        return False
    if any(key.startswith(compare_key(s)) for s in ACTIVE_STATUSES):
        return True
    return None


@dataclass
class CheckedExpert:
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


def check_row(cells: dict[str, Any], cell_name=lambda key: "") -> CheckedExpert:  # type: ignore[no-untyped-def]
    """Validate one pool row and collect **all** its problems."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []

    def problem(key: str, message: str, fix: str, kind: str) -> None:
        problems.append(Problem(COLUMN_BY_KEY[key].label, message, fix, kind, cell_name(key)))

    for col_ in COLUMNS:
        if col_.kind in ("date", "id"):
            continue
        raw = cells.get(col_.key)
        text = "" if raw is None else clean_text(str(raw))
        values[col_.key] = text
        if col_.required and not text:
            problem(
                col_.key,
                f"“{col_.label}”为空",
                f"请填写{col_.label}（如 {col_.example}）",
                KIND_REQUIRED,
            )
    if values["gender"]:
        chosen = match_choice(values["gender"], GENDERS)
        if chosen is None:
            problem("gender", f"性别填写为“{values['gender']}”", "请填写 男 或 女", KIND_CHOICE)
        values["gender"] = chosen or values["gender"]
    # Title level: as written, else from the title; both must agree.
    derived = title_level(values["title"]) if values["title"] else None
    if values["level"]:
        chosen = match_choice(values["level"], rules.TITLE_LADDER)
        if chosen is None:
            problem(
                "level",
                f"职称级别填写为“{values['level']}”",
                f"请填写 {'、'.join(rules.TITLE_LADDER)} 之一",
                KIND_CHOICE,
            )
        elif derived and derived != chosen:
            problem(
                "level",
                f"职称“{values['title']}”属{derived}，职称级别却填“{chosen}”",
                "请核对职称或职称级别",
                KIND_LEVEL,
            )
        values["level"] = chosen or values["level"]
    elif derived:
        values["level"] = derived
    elif values["title"]:
        problem(
            "level",
            f"无法从职称“{values['title']}”判断级别，职称级别也为空",
            "请填写职称级别（如 副高级）",
            KIND_REQUIRED,
        )
    # ID number.
    raw_id = cells.get("id_number")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        values["id_number"] = ""
        problem("id_number", "“身份证号码”为空", "请填写18位公民身份号码", KIND_REQUIRED)
    else:
        checked = idcard.check(raw_id)
        values["id_number"] = checked.number
        if not checked.valid:
            problem("id_number", checked.problem or "", checked.fix or "", KIND_ID)
        elif values["gender"] in GENDERS and values["gender"] != checked.gender:
            problem(
                "gender",
                f"性别填“{values['gender']}”，身份证号码显示为“{checked.gender}”",
                "请核对性别或身份证号码",
                KIND_MISMATCH,
            )
    # Dates.
    joined = parse_date(cells.get("joined"))
    values["joined"] = joined.value
    if joined.problem:
        problem("joined", f"“入库时间”{joined.problem}", DATE_FIX, KIND_DATE)
    elif joined.value is None:
        problem("joined", "“入库时间”为空", "请填写入库时间（如 2022.07）", KIND_REQUIRED)
    values["term_start"] = values["term_end"] = None
    if values["term"]:
        start, end, trouble = parse_term(values["term"])
        if trouble:
            problem("term", trouble, TERM_FIX, KIND_TERM)
        elif start is not None and end is not None:
            values["term_start"], values["term_end"] = start, end
            if end < start:
                problem("term", f"任期终止日 {end} 早于起始日 {start}", "请核对任期起止", KIND_TERM)
            elif end > add_years(start, int(rules.EXPERT_TERM_YEARS.value)):
                problem(
                    "term",
                    f"任期 {start} 至 {end} 超过{rules.EXPERT_TERM_YEARS.value}年（{rules.EXPERT_TERM_YEARS.text}，{rules.EXPERT_TERM_YEARS.source}）",
                    "请核对任期起止；连任的按新一届任期填写",
                    KIND_TERM,
                )
    # Phone and status.
    phone = re.sub(r"[\s()（）]", "", values["phone"]).replace("—", "-")
    values["phone"] = phone
    if phone and not PHONE_PATTERN.match(phone):
        problem(
            "phone",
            f"联系电话“{phone}”格式不对",
            "请填写11位手机号码，或带区号的固定电话（如 0874-3123456）",
            KIND_PHONE,
        )
    values["active"] = status_active(values["status"]) if values["status"] else None
    if values["status"] and values["active"] is None:
        problem(
            "status",
            f"状态“{values['status']}”无法识别",
            f"请填写 {'、'.join(ACTIVE_STATUSES[:3])}（可抽取）或 {'、'.join(INACTIVE_STATUSES[:3])}（不可抽取）",
            KIND_CHOICE,
        )
    values["unit_key"] = compare_key(values["unit"])
    return CheckedExpert(values, problems)


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

    def message(self) -> str:
        rule = rules.NEW_EXPERTS_ON_REFILING
        if self.total == 0:
            return "专家库中还没有在库的专家，谈不上新专家比例；请先导入专家库（qjtitle import-experts 文件 --committee 代码）"
        text = f"上次备案（{self.previous}）后新入库的专家 {self.new} 人，占在库专家 {self.total} 人的 {self.new}/{self.total}"
        if self.ok:
            return f"{text}，达到三分之一（{rule.source}）"
        return (
            f"{text}，低于三分之一：{rule.text}（{rule.source}）；还需新增约 {self.needed} 名新专家"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "previous": self.previous.isoformat(),
            "new": self.new,
            "total": self.total,
            "ok": self.ok,
            "needed": self.needed,
        }


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


def import_experts(
    store: Store,
    path: Path,
    committee_code: str,
    pool_filed: date | None = None,
    dry_run: bool = False,
    user: str | None = None,
) -> PoolImportReport:
    """Import (or update, by ID number) the experts of one pool workbook into a committee's pool.

    Rows with problems are not imported; each is reported with all its problems. With
    ``pool_filed`` the pool is (re-)filed on that date; on a re-filing the share of new
    experts is checked against the previous filing (通知 六（二）)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"找不到专家库文件：{path}（应为一个 .xlsx、.xls 或 .csv 文件）")
    if pool_filed is not None and pool_filed > date.today():
        raise InvalidValue(f"专家库备案日期 {pool_filed} 晚于今天；请核对")
    report = PoolImportReport(path=path, committee=committee_code, dry_run=dry_run)
    report.sha256 = file_sha256(path)
    tables = read_tables(path, COLUMNS, KEY_COLUMNS)
    checked: list[tuple[str, int, CheckedExpert]] = []
    for table in tables:
        report.sheets.append(table.sheet)
        report.skipped_notes += len(table.skipped_notes)
        for row in table.rows:
            cr = check_row(row.cells, lambda key, n=row.number, t=table: t.cell_name(key, n))
            checked.append((table.sheet, row.number, cr))
    report.rows = len(checked)
    with store.transaction() as session:
        committee = committees.get(session, committee_code)
        existing = {
            e.id_number: e
            for e in session.exec(select(Expert).where(Expert.committee_id == committee.id))
        }
        frozen = sealing.frozen_by(
            session, "expert", [e.id for e in existing.values() if e.id is not None]
        )
        seen: dict[str, tuple[str, int]] = {}
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
        session.flush()
        previous = committee.pool_filed
        if pool_filed is not None:
            if previous is not None and pool_filed < previous:
                raise InvalidValue(
                    f"专家库备案日期 {pool_filed} 早于已登记的备案日期 {previous}；请核对"
                )
            if previous is not None and pool_filed > previous:
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
                "pool_filed": committee.pool_filed,
                "previous_pool_filed": previous,
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


def as_dict(e: Expert, committee_code: str = "", show_pii: bool = False) -> dict[str, Any]:
    return {
        "id": e.id,
        "committee": committee_code,
        "name": e.name,
        "gender": e.gender,
        "id_number": e.id_number if show_pii else mask_id(e.id_number),
        "unit": e.unit,
        "title": e.title,
        "level": e.level,
        "series": e.series,
        "specialty": e.specialty,
        "phone": e.phone if show_pii else mask_phone(e.phone),
        "joined": e.joined.isoformat() if e.joined else None,
        "term_start": e.term_start.isoformat(),
        "term_end": e.term_end.isoformat(),
        "status": e.status,
        "active": e.active,
        "source": f"{e.source_file} 第{e.source_row}行",
    }


def list_experts(
    store: Store,
    committee_code: str | None = None,
    active: bool | None = None,
    specialty: str | None = None,
    unit: str | None = None,
    show_pii: bool = False,
    on: date | None = None,
) -> list[dict[str, Any]]:
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
        return [as_dict(e, code, show_pii) for e, code in session.exec(query)]


def show_expert(store: Store, key: str, show_pii: bool = False) -> list[dict[str, Any]]:
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
            as_dict(e, code, show_pii) for e, code in session.exec(query.order_by(col(Expert.id)))
        ]
    if not found:
        raise NotFound(
            f"找不到专家“{key}”（可用编号、18位身份证号码或姓名查找）；用 qjtitle experts list 查看全部"
        )
    return found


# --- Eligibility on a meeting date -------------------------------------------------------------


@dataclass
class Eligibility:
    """The eligible experts of a meeting (sorted by id) and the others, by first reason."""

    on: date
    eligible: list[Candidate]
    excluded: dict[str, list[dict[str, Any]]]  # reason → [{"id", "name", "specialty", "detail"}]
    specialties: tuple[str, ...] = ()  # requested, in the pool's spelling
    same_unit: bool = True

    def counts(self) -> dict[str, int]:
        return {reason: len(self.excluded.get(reason, [])) for reason in REASONS}

    def summary(self) -> str:
        """已停用 3 人，任期未覆盖会议日期 5 人… (reasons that removed nobody left out)."""
        parts = [f"{REASONS[r]} {n} 人" for r, n in self.counts().items() if n]
        return "，".join(parts) if parts else "无"

    def by_specialty(self, specialty: str) -> str:
        """The exclusions among the experts of one specialty, for a too-small-pool message."""
        parts = []
        for reason, items in self.excluded.items():
            n = sum(1 for i in items if i["specialty"] == specialty)
            if n:
                parts.append(f"{REASONS[reason]} {n} 人")
        return "，".join(parts) if parts else "无"


def canonical_specialties(
    session: Session, committee_id: int, requested: list[str]
) -> dict[str, str]:
    """Each requested specialty → its spelling in the pool (matched after normalisation), in the order given."""
    known = {
        compare_key(s): s
        for s in session.exec(
            select(Expert.specialty).where(Expert.committee_id == committee_id).distinct()
        )
    }
    spelled: dict[str, str] = {}
    for name in requested:
        spelled[name] = known.get(compare_key(name), clean_text(name))
    if len(set(spelled.values())) != len(spelled):
        raise InvalidValue(
            f"所需专业 {'、'.join(requested)} 中有写法不同的同一专业；每个专业只写一次"
        )
    return spelled


def eligibility(
    session: Session,
    meeting: Meeting,
    specialties: tuple[str, ...] = (),
    same_unit: bool = True,
    conflicts_until: date | None = None,
) -> Eligibility:
    """Who may be drawn for ``meeting``; see the module docstring.

    ``conflicts_until``: count only the conflicts declared on or before that day (re-checking a
    draw: a conflict declared after it bars the expert from reviewing and voting, not from the draw)."""
    committee = session.get(Committee, meeting.committee_id)
    assert committee is not None
    on = meeting.date
    allowed_levels = rules.EXPERT_LEVELS.get(committee.level, rules.LEVELS)
    applicants = meetings.meeting_applicants(session, meeting)
    applicant_units = {a.unit_key for a in applicants if a.unit_key}
    applicant_ids = [a.id for a in applicants]
    conflicted: dict[int, int] = Counter()
    if applicant_ids:
        declared = select(Conflict.expert_id).where(col(Conflict.applicant_id).in_(applicant_ids))
        if conflicts_until is not None:
            declared = declared.where(Conflict.declared_on <= conflicts_until)
        for expert_id in session.exec(declared):
            conflicted[expert_id] += 1
    wanted = {compare_key(s): s for s in specialties}
    filing_ok = committee.pool_filed is not None and committee.pool_filed <= on <= pool_valid_until(
        committee.pool_filed
    )
    if committee.pool_filed is None:
        filing_detail = "评委会未登记专家库备案日期（import-experts --pool-filed）"
    else:
        filing_detail = (
            f"专家库 {committee.pool_filed} 备案，有效期至 {pool_valid_until(committee.pool_filed)}"
        )
    term_limit = int(rules.EXPERT_TERM_YEARS.value)
    rows = session.exec(
        select(
            Expert.id,
            Expert.name,
            Expert.unit,
            Expert.unit_key,
            Expert.level,
            Expert.specialty,
            Expert.active,
            Expert.status,
            Expert.term_start,
            Expert.term_end,
        )
        .where(Expert.committee_id == committee.id)
        .order_by(col(Expert.id))
    ).all()
    eligible: list[Candidate] = []
    excluded: dict[str, list[dict[str, Any]]] = {}
    for eid, name, unit, unit_key, level, specialty, active, status, start, end in rows:
        spelled = wanted.get(compare_key(specialty), specialty)
        reason, detail = None, ""
        if not active:
            reason, detail = "inactive", f"状态：{status}"
        elif not (start <= on <= min(end, add_years(start, term_limit))):
            reason, detail = "term", f"任期 {start} 至 {end}"
        elif not filing_ok:
            reason, detail = "pool_filing", filing_detail
        elif level not in allowed_levels:
            reason, detail = (
                "level",
                f"{level}；{committee.level}评委会需 {'、'.join(allowed_levels)}",
            )
        elif wanted and compare_key(specialty) not in wanted:
            reason, detail = "specialty", specialty
        elif (
            recused := recusal.from_draw(unit_key, applicant_units, conflicted[eid], same_unit)
        ) is not None:
            reason, detail = (
                recused,
                (unit if recused == "same_unit" else f"与 {conflicted[eid]} 名申报人"),
            )
        if reason:
            excluded.setdefault(reason, []).append(
                {"id": eid, "name": name, "specialty": spelled, "detail": detail}
            )
        else:
            eligible.append(Candidate(eid, name, spelled, unit_key))
    return Eligibility(on, eligible, excluded, specialties, same_unit)


# --- Terms and the pool filing about to expire ---------------------------------------------------


def check_pool(
    store: Store, committee_code: str, on: date | None = None, within_days: int | None = None
) -> dict[str, Any]:
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
    warnings: list[str] = []
    if not experts:  # said first: nothing else in the check means much without a pool
        warnings.append(
            f"专家库是空的：评委会 {committee.code} 还没有导入评审专家；请先导入专家库："
            f"qjtitle import-experts 专家库.xlsx --committee {committee.code} --pool-filed 备案日期"
        )
    filed = committee.pool_filed
    until = pool_valid_until(filed) if filed else None
    if filed is None:
        filing = "未登记"
        warnings.append(
            "评委会未登记专家库备案日期：无法判断专家库是否在备案有效期内；请用 import-experts --pool-filed 登记"
        )
    elif until is not None and until < on:
        filing = "已过期"
        warnings.append(
            f"专家库备案已于 {until} 到期，须重新备案（{rules.POOL_FILING_YEARS.text}，{rules.POOL_FILING_YEARS.source}）"
        )
    elif until is not None and until <= horizon:
        filing = "即将到期"
        warnings.append(
            f"专家库备案将于 {until} 到期；重新备案须在年度评审{rules.POOL_REFILING_REQUEST_BEFORE.value}个工作日前书面申请"
            f"（{rules.POOL_REFILING_REQUEST_BEFORE.source}）"
        )
    else:
        filing = "有效"
    expiring = [e for e in in_term if e.term_end <= horizon]
    ended = [e for e in active if e.term_end < on]
    if ended:
        warnings.append(
            f"{len(ended)} 名专家状态为在库但任期已满，不会被抽取；续聘的请更新任期，否则请改为停用"
        )
    refiling = None
    if filed is not None and filing != "有效":
        refiling = _refiling(experts, filed, on)
        if not refiling.ok:
            warnings.append(refiling.message())

    def brief(e: Expert) -> dict[str, Any]:
        return {
            "id": e.id,
            "name": e.name,
            "unit": e.unit,
            "specialty": e.specialty,
            "term_end": e.term_end.isoformat(),
        }

    return {
        "committee": committee.code,
        "date": on.isoformat(),
        "within_days": within_days,
        "pool_filed": filed.isoformat() if filed else None,
        "pool_valid_until": until.isoformat() if until else None,
        "pool_filing": filing,
        "experts": len(experts),
        "active": len(active),
        "in_term": len(in_term),
        "expiring_terms": [brief(e) for e in expiring],
        "ended_terms": [brief(e) for e in ended],
        "refiling": refiling.as_dict() if refiling else None,
        "refiling_message": refiling.message() if refiling else "",
        "warnings": warnings,
    }
