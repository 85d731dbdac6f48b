"""The pool workbook (专家库表): its columns, the term and filing periods, and the check of one row."""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qjtitle import idcard, privacy, rules
from qjtitle.intake.headers import POOL_ALIASES
from qjtitle.intake.roster import GENDERS, match_choice, title_level
from qjtitle.intake.roster_checks import (
    KIND_CHOICE,
    KIND_DATE,
    KIND_DUPLICATE,
    KIND_ID,
    KIND_MISMATCH,
    KIND_NAME,
    KIND_PHONE,
    KIND_REQUIRED,
    Problem,
    check_phone,
    name_space_problem,
)
from qjtitle.logic.terms import add_years
from qjtitle.spreadsheets.dates import DATE_FIX, parse_date
from qjtitle.spreadsheets.tables import Column
from qjtitle.spreadsheets.text import clean_text, compare_key

ACTIVE_STATUSES = ("在库", "正常", "有效", "在任", "启用")
INACTIVE_STATUSES = ("停用", "暂停", "出库", "退出", "注销", "失效", "禁用", "调出", "退休", "离职")

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", POOL_ALIASES["name"], required=True, example="王建华"),
    Column(
        "gender",
        "性别",
        POOL_ALIASES["gender"],
        required=True,
        kind="choice",
        choices=GENDERS,
        example="男",
    ),
    Column(
        "id_number",
        "身份证号码",
        POOL_ALIASES["id_number"],
        required=True,
        kind="id",
        hint="18位，单元格须为文本格式",
        example="530302197203150031",
    ),
    Column(
        "unit",
        "工作单位",
        POOL_ALIASES["unit"],
        required=True,
        example="曲靖市妇幼保健院",
    ),
    Column(
        "title",
        "职称",
        POOL_ALIASES["title"],
        required=True,
        example="副主任医师",
    ),
    Column(
        "level",
        "职称级别",
        POOL_ALIASES["level"],
        kind="choice",
        choices=rules.TITLE_LADDER,
        example="副高级",
    ),
    Column("series", "系列", POOL_ALIASES["series"], required=True, example="卫生"),
    Column("specialty", "专业", POOL_ALIASES["specialty"], required=True, example="临床医学"),
    Column(
        "phone",
        "联系电话",
        POOL_ALIASES["phone"],
        kind="phone",
        example="13887400001",
    ),
    Column(
        "joined",
        "入库时间",
        POOL_ALIASES["joined"],
        required=True,
        kind="date",
        example="2022.07",
    ),
    Column(
        "term",
        "任期起止",
        POOL_ALIASES["term"],
        required=True,
        hint="如 2022.07-2025.06 或 2022-07-01至2025-06-30",
        example="2022.07-2025.06",
    ),
    Column(
        "status",
        "状态",
        POOL_ALIASES["status"],
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
    KIND_NAME,
    KIND_DUPLICATE,
    privacy.KIND_CONTROL,
)


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


# Columns whose example is the committee's or the file's own (never one fixed series' values).
_OWN_EXAMPLE_KEYS = ("unit", "title", "level", "series", "specialty")


def pool_examples(
    series: str, specialties: tuple[str, ...] = (), rows: list[dict[str, Any]] | None = None
) -> dict[str, str]:
    """Example values in the committee's own terms: its series and first specialty, and what the
    file itself most often has (a unit, a title and that title's level)."""
    found: dict[str, str] = {}
    for key in ("unit", "title", "specialty"):
        counts = Counter(
            v.strip() for row in rows or () if type(v := row.get(key)) is str and v.strip()
        )
        if counts:
            found[key] = counts.most_common(1)[0][0]
    if series:
        found["series"] = series
    if specialties:
        found["specialty"] = specialties[0]
    if (level := title_level(found.get("title", ""))) is not None:
        found["level"] = level
    return found


def _example(key: str, examples: dict[str, str]) -> str:
    if key in examples:
        return examples[key]
    return "" if key in _OWN_EXAMPLE_KEYS else COLUMN_BY_KEY[key].example


def _fill_hint(key: str, examples: dict[str, str]) -> str:
    label = COLUMN_BY_KEY[key].label
    example = _example(key, examples)
    return f"请填写{label}（如 {example}）" if example else f"请填写{label}"


def check_row(
    cells: dict[str, Any],
    cell_name: Callable[[str], str] = lambda key: "",
    examples: dict[str, str] | None = None,
) -> CheckedExpert:
    """Validate one pool row and collect **all** its problems (``examples``: ``pool_examples``)."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    examples = examples or {}

    def problem(key: str, message: str, fix: str, kind: str) -> None:
        problems.append(Problem(COLUMN_BY_KEY[key].label, message, fix, kind, cell_name(key)))

    for col_ in COLUMNS:
        if col_.kind in ("date", "id"):
            continue
        raw = cells.get(col_.key)
        text = "" if raw is None else clean_text(str(raw))
        values[col_.key] = text
        if col_.required and not text:
            problem(col_.key, f"“{col_.label}”为空", _fill_hint(col_.key, examples), KIND_REQUIRED)
    # control and escape characters in any text column (issue 23.5: privacy.py, as for applicants)
    for args in privacy.field_problems(values, (), lambda key: COLUMN_BY_KEY[key].label):
        problem(*args)
    if " " in values["name"] and (found_space := name_space_problem(values["name"])):
        problem(*found_space)
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
            _fill_hint("level", examples),
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
    values["phone"], phone_problem = check_phone(values["phone"])
    if phone_problem:
        problem(*phone_problem)
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
