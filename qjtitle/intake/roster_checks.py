"""The application roster format (附件2《曲靖市专业技术人员职称申报信息表》) and row validation.

One place for the columns (their labels, the header variants employers use,
which are required and how each is filled) and for the checks of one row, so
that the import, the blank template and the filing's roster all agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

from qjtitle import idcard, rules
from qjtitle.paths import write_atomically
from qjtitle.spreadsheets.dates import DATE_FIX, ParsedDate, parse_date
from qjtitle.spreadsheets.tables import Column
from qjtitle.spreadsheets.text import clean_text, compare_key

ROSTER_TITLE = "曲靖市专业技术人员职称申报信息表"

GENDERS = ("男", "女")
EDUCATIONS = ("博士研究生", "硕士研究生", "大学本科", "大学专科", "中专", "高中", "其他")
COUNTIES = (
    "麒麟区",
    "沾益区",
    "马龙区",
    "宣威市",
    "富源县",
    "罗平县",
    "师宗县",
    "陆良县",
    "会泽县",
    "曲靖经济技术开发区",
    "市直",
)

COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号", "序"), example="1"),
    Column("name", "姓名", ("申报人姓名", "申报人", "名字"), required=True, example="张丽"),
    Column("gender", "性别", (), required=True, kind="choice", choices=GENDERS, example="女"),
    Column(
        "birth",
        "出生年月",
        ("出生日期", "出生年月日", "出生时间"),
        required=True,
        kind="date",
        example="1985.03",
    ),
    Column(
        "id_number",
        "身份证号码",
        ("身份证号", "公民身份号码", "身份证件号码", "身份证", "居民身份证号码", "证件号码"),
        required=True,
        kind="id",
        hint="18位，单元格须为文本格式",
        example="530302198503150021",
    ),
    Column(
        "unit",
        "工作单位",
        ("单位名称", "所在单位", "工作单位全称", "单位", "申报人单位"),
        required=True,
        example="曲靖市第一人民医院",
    ),
    Column(
        "county",
        "所在县（市、区）",
        (
            "所在县(市、区)",
            "县（市、区）",
            "县(市、区)",
            "所在县市区",
            "所属县（市、区）",
            "所在地区",
        ),
        required=True,
        kind="choice",
        choices=COUNTIES,
        example="麒麟区",
    ),
    Column(
        "education",
        "学历",
        ("最高学历", "学历学位", "学历(学位)"),
        required=True,
        kind="choice",
        choices=EDUCATIONS,
        example="大学本科",
    ),
    Column(
        "school", "毕业院校", ("毕业学校", "毕业院校及专业"), required=True, example="昆明医科大学"
    ),
    Column("major", "所学专业", ("专业（所学）", "毕业专业"), required=True, example="临床医学"),
    Column(
        "graduated",
        "毕业时间",
        ("毕业日期", "毕业年月"),
        required=True,
        kind="date",
        example="2008.07",
    ),
    Column(
        "work_start",
        "参加工作时间",
        ("参加工作日期", "参加工作年月", "工作时间"),
        required=True,
        kind="date",
        example="2008.08",
    ),
    Column(
        "current_title",
        "现专业技术职务",
        ("现任专业技术职务", "现职称", "现专业技术职称", "现任职称", "现有职称", "现专业技术资格"),
        hint="无职称的填“无”",
        example="主治医师",
    ),
    Column(
        "current_title_date",
        "现职取得时间",
        (
            "取得现职时间",
            "现职称取得时间",
            "取得时间",
            "任现职时间",
            "现职取得年月",
            "取得现职称时间",
        ),
        kind="date",
        example="2016.12",
    ),
    Column("series", "申报系列", ("系列", "评审系列"), required=True, example="卫生"),
    Column("specialty", "申报专业", ("评审专业", "专业"), required=True, example="临床医学"),
    Column(
        "title_name",
        "申报资格名称",
        ("申报职称", "申报资格", "拟申报资格名称", "申报职称名称", "申报专业技术资格"),
        required=True,
        example="副主任医师",
    ),
    Column(
        "level",
        "申报级别",
        ("申报层级", "级别"),
        required=True,
        kind="choice",
        choices=rules.LEVELS,
        example="副高级",
    ),
    Column(
        "route",
        "申报方式",
        ("申报类型", "评审方式"),
        required=True,
        kind="choice",
        choices=rules.ROUTES,
        example="正常",
    ),
    Column(
        "phone",
        "联系电话",
        ("手机号码", "手机", "电话", "联系方式", "手机号"),
        required=True,
        kind="phone",
        hint="11位手机号或带区号的固定电话",
        example="13888000001",
    ),
    Column("note", "备注", ("说明",), example=""),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
KEY_COLUMNS = ("name", "id_number")
DATE_KEYS = tuple(c.key for c in COLUMNS if c.kind == "date")

PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")

# Title names → level, tried in order (the first match wins).
_TITLE_LEVEL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("正高级", re.compile(r"正高")),
    ("副高级", re.compile(r"副高")),
    ("中级", re.compile(r"中级")),
    ("初级", re.compile(r"初级|员级|助理级")),
    ("副高级", re.compile(r"副(主任|教授|研究员|编审|译审|研究馆员)|主任(记者|编辑)")),
    ("初级", re.compile(r"实习研究员|研究实习员")),
    ("中级", re.compile(r"助理研究员")),
    ("初级", re.compile(r"助理")),
    (
        "正高级",
        re.compile(r"主任\w*(医|药|护|技)师|教授|研究员|编审|译审|研究馆员|高级(记者|编辑)"),
    ),
    ("副高级", re.compile(r"高级")),
    (
        "中级",
        re.compile(
            r"主治|主管|讲师|一级教师|工程师|经济师|会计师|统计师|审计师|农艺师|畜牧师|兽医师|实验师|馆员|编辑|记者|翻译|律师"
        ),
    ),
    ("初级", re.compile(r"医师|药师|护师|技师|技术员|二级教师|三级教师|员$|医士|护士|药士|技士")),
)
NO_TITLE = {"", "无", "暂无", "/", "-", "—", "没有"}


def title_level(title: str) -> str | None:
    """The level (初级/中级/副高级/正高级) of a title name such as 主治医师, or None when unknown."""
    key = compare_key(title)
    if key in NO_TITLE:
        return None
    for level, pattern in _TITLE_LEVEL_PATTERNS:
        if pattern.search(key):
            return level
    return None


@dataclass
class Problem:
    """One thing wrong in a row: where, what, how to fix, and its kind (for summaries)."""

    column: str  # the column's label
    message: str
    fix: str
    kind: str
    cell: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "column": self.column,
            "cell": self.cell,
            "message": self.message,
            "fix": self.fix,
            "kind": self.kind,
        }


# Problem kinds, in the order summaries show them.
KIND_REQUIRED = "必填项为空"
KIND_ID = "身份证号码"
KIND_DATE = "日期"
KIND_MISMATCH = "与身份证不符"
KIND_CHOICE = "选项不规范"
KIND_LADDER = "申报级别"
KIND_PHONE = "联系电话"
KIND_PRIVATE = "个人号码"  # an ID or mobile number typed into a free-text column
KIND_COMMITTEE = "不属本评委会"
KIND_DUPLICATE = "重复申报"
KINDS = (
    KIND_REQUIRED,
    KIND_ID,
    KIND_DATE,
    KIND_MISMATCH,
    KIND_CHOICE,
    KIND_LADDER,
    KIND_PHONE,
    KIND_PRIVATE,
    KIND_COMMITTEE,
    KIND_DUPLICATE,
)


@dataclass(slots=True)
class CheckedRow:
    """A roster row turned into applicant fields, with every problem found."""

    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    id_valid: bool = False

    def person_key(self) -> str:
        """The ID number when well-formed, else 姓名@单位 (for rows still to be corrected)."""
        if self.id_valid:
            return self.values["id_number"]
        return f"{self.values.get('name', '')}@{compare_key(self.values.get('unit', ''))}"


@dataclass(frozen=True)
class CommitteeScope:
    """What a committee evaluates, for the 'belongs to this committee' checks."""

    level: str
    series: str
    specialties: tuple[str, ...] = ()


def match_choice(value: str, choices: tuple[str, ...]) -> str | None:
    """The choice ``value`` means: exact, or the only choice it starts (麒麟 → 麒麟区)."""
    key = compare_key(value)
    for choice in choices:
        if compare_key(choice) == key:
            return choice
    starts = [c for c in choices if key and compare_key(c).startswith(key)]
    return starts[0] if len(starts) == 1 else None


_EDUCATION_ALIASES = {
    "本科": "大学本科",
    "大本": "大学本科",
    "专科": "大学专科",
    "大专": "大学专科",
    "博士": "博士研究生",
    "硕士": "硕士研究生",
    "研究生": "硕士研究生",
    "中专（中技）": "中专",
}


@lru_cache(maxsize=4096)  # start dates repeat (most are the 1st of a month)
def years_between(start: date | None, year: int) -> int | None:
    """Full years from ``start`` to 31 Dec of ``year`` (通知 三（一）)."""
    if start is None:
        return None
    month, day = rules.SERVICE_COUNTED_TO
    end = date(year, month, day)
    if start > end:
        return 0
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


# Precomputed per column, so that checking a row does no per-column set-up (20,000 rows a file).
_ProblemArgs = tuple[str, str, str, str]  # column key, message, fix, kind
_TEXT_KEYS = tuple(c.key for c in COLUMNS if c.kind not in ("date", "id"))
_REQUIRED_TEXT = {
    c.key: (f"“{c.label}”为空", f"请填写{c.label}" + (f"（如 {c.example}）" if c.example else ""))
    for c in COLUMNS
    if c.required and c.kind not in ("date", "id")
}
_required_text = itemgetter(*_REQUIRED_TEXT)
_CHOICE_KEYS = ("gender", "county", "level", "route")
# Free-text columns, where an ID or mobile number does not belong (it would reach public notices).
_FREE_TEXT_KEYS = (
    "name",
    "unit",
    "school",
    "major",
    "current_title",
    "series",
    "specialty",
    "title_name",
    "note",
)
_PRIVATE_FIX = "请删去该号码（身份证号码、联系电话各有其列），以免在公示材料中泄露个人信息"
_PHONE_NOISE = re.compile(r"[\s()（）]")


def _text(value: Any) -> str:
    if type(value) is int:  # a sequence number, a phone typed as a number
        return str(value)
    return "" if value is None else clean_text(value if type(value) is str else str(value))


@lru_cache(maxsize=4096)  # a few dozen combinations of the four choices in a roster
def _choices(*texts: str) -> tuple[tuple[str, ...], tuple[_ProblemArgs, ...]]:
    """The choices gender, county, level and route mean, and a problem for each that is none of them."""
    chosen: list[str] = []
    found: list[_ProblemArgs] = []
    for key, text in zip(_CHOICE_KEYS, texts, strict=True):
        choice = match_choice(text, COLUMN_BY_KEY[key].choices) if text else text
        if choice is None:
            col = COLUMN_BY_KEY[key]
            found.append(
                (
                    key,
                    f"“{col.label}”填写为“{text}”，不是规定选项",
                    f"请从下拉选项中选择：{'、'.join(col.choices)}",
                    KIND_CHOICE,
                )
            )
        chosen.append(text if choice is None else choice)
    return tuple(chosen), tuple(found)


@lru_cache(maxsize=1024)
def _education(text: str) -> str:
    edu = _EDUCATION_ALIASES.get(compare_key(text), text)
    return match_choice(edu, EDUCATIONS) or edu


def check_row(
    cells: dict[str, Any],
    year: int,
    scope: CommitteeScope | None = None,
    cell_name=lambda key: "",
    text_is_clean: bool = False,
) -> CheckedRow:
    """Validate one roster row and collect **all** its problems.

    ``cells``: values by column key. ``text_is_clean``: True when they come from ``read_tables``, which
    has already put every text through ``clean_text`` (cleaning again costs a fifth of the check)."""
    problems: list[Problem] = []

    def problem(key: str, message: str, fix: str, kind: str) -> None:
        problems.append(Problem(COLUMN_BY_KEY[key].label, message, fix, kind, cell_name(key)))

    raw = cells
    # Text columns (20,000 rows a file: comprehensions, and each check once per distinct value).
    if text_is_clean:
        values: dict[str, Any] = {
            key: v if type(v := raw.get(key)) is str else "" if v is None else _text(v)
            for key in _TEXT_KEYS
        }
    else:
        values = {key: _text(raw.get(key)) for key in _TEXT_KEYS}
    if not all(_required_text(values)):
        for key in [key for key in _REQUIRED_TEXT if not values[key]]:
            problem(key, *_REQUIRED_TEXT[key], KIND_REQUIRED)
    free_text = "\n".join([values[key] for key in _FREE_TEXT_KEYS])
    if idcard.ID_IN_TEXT.search(free_text) or idcard.MOBILE_IN_TEXT.search(
        free_text
    ):  # one search a row
        for key in _FREE_TEXT_KEYS:
            if found := idcard.personal_numbers_in(values[key]):
                problem(
                    key,
                    f"“{COLUMN_BY_KEY[key].label}”中含有{'和'.join(found)}",
                    _PRIVATE_FIX,
                    KIND_PRIVATE,
                )
    # Choices.
    chosen, wrong = _choices(values["gender"], values["county"], values["level"], values["route"])
    values["gender"], values["county"], values["level"], values["route"] = chosen
    for args in wrong:
        problem(*args)
    if values["education"]:
        values["education"] = _education(values["education"])
    # ID number.
    id_raw = raw.get("id_number")
    id_check: idcard.IdCheck | None = None
    id_valid = False
    if id_raw is None or (isinstance(id_raw, str) and not id_raw.strip()):
        values["id_number"] = ""
        problem("id_number", "“身份证号码”为空", "请填写18位公民身份号码", KIND_REQUIRED)
    else:
        id_check = idcard.check(id_raw)
        values["id_number"] = id_check.number
        id_valid = id_check.problem is None
        if not id_valid:
            problem("id_number", id_check.problem or "", id_check.fix or "", KIND_ID)
    # Dates.
    parsed: dict[str, ParsedDate] = {}
    for key in DATE_KEYS:
        raw_date = raw.get(key)
        try:
            p, date_problem = _date_check(key, raw_date, year)
        except TypeError:  # an unhashable value (never from a workbook): checked without the cache
            p, date_problem = _date_check.__wrapped__(key, raw_date, year)
        parsed[key] = p
        values[key] = p.value
        if date_problem is not None:
            problem(*date_problem)
    # Against the ID number.
    if id_valid and id_check is not None:
        if values["gender"] in GENDERS and values["gender"] != id_check.gender:
            problem(
                "gender",
                f"性别填“{values['gender']}”，身份证号码显示为“{id_check.gender}”",
                "请核对性别或身份证号码",
                KIND_MISMATCH,
            )
        if not values["gender"]:
            values["gender"] = id_check.gender or ""
        birth = parsed["birth"]
        if birth.value is not None and id_check.birth is not None:
            same = (birth.value.year, birth.value.month) == (
                id_check.birth.year,
                id_check.birth.month,
            ) and (birth.precision == "month" or birth.value.day == id_check.birth.day)
            if not same:
                problem(
                    "birth",
                    f"出生年月填“{birth.value:%Y-%m}”，身份证号码显示为“{id_check.birth:%Y-%m-%d}”",
                    "请核对出生年月或身份证号码",
                    KIND_MISMATCH,
                )
        elif birth.value is None and id_check.birth is not None and not birth.problem:
            values["birth"] = id_check.birth
    # Dates in a sensible order.
    birth_date = values["birth"]
    if birth_date is not None:
        for key in ("graduated", "work_start", "current_title_date"):
            when = values[key]
            if when is not None and when.year - birth_date.year < 14:
                col = COLUMN_BY_KEY[key]
                problem(
                    key,
                    f"“{col.label}”{when:%Y-%m} 与出生年月 {birth_date:%Y-%m} 相隔不足14年",
                    "请核对年份",
                    KIND_DATE,
                )
    if (
        values["current_title_date"]
        and values["work_start"]
        and values["current_title_date"] < values["work_start"]
    ):
        problem("current_title_date", "现职取得时间早于参加工作时间", "请核对两个时间", KIND_DATE)
    # Current title and the ladder.
    current = values["current_title"]
    if current in NO_TITLE or compare_key(current) in NO_TITLE:
        values["current_title"] = ""
        current = ""
    if (
        current
        and values["current_title_date"] is None
        and not parsed["current_title_date"].problem
    ):
        problem(
            "current_title_date",
            "填写了现专业技术职务，但“现职取得时间”为空",
            "请填写取得现职的时间（如 2016.12）",
            KIND_REQUIRED,
        )
    for args in _ladder_problems(values["level"], values["route"], current):
        problem(*args)
    # Phone.
    phone = values["phone"]
    if not (len(phone) == 11 and phone.isascii() and phone.isdigit()):
        phone = _PHONE_NOISE.sub("", phone).replace("—", "-")
        values["phone"] = phone
    if phone and not PHONE_PATTERN.match(phone):
        problem(
            "phone",
            f"联系电话“{phone}”格式不对",
            "请填写11位手机号码，或带区号的固定电话（如 0874-3123456）",
            KIND_PHONE,
        )
    # The committee.
    if scope is not None:
        for args in _scope_problems(
            values["level"],
            values["series"],
            values["specialty"],
            scope.level,
            scope.series,
            tuple(scope.specialties),
        ):
            problem(*args)
    values["unit_key"] = compare_key(values["unit"])
    values["years_in_title"] = years_between(values["current_title_date"], year)
    values["years_working"] = years_between(values["work_start"], year)
    return CheckedRow(values, problems, id_valid)


@lru_cache(
    maxsize=16384, typed=True
)  # dates repeat (most are months); typed: True, 1 and 1.0 are not one cell
def _date_check(key: str, raw: Any, year: int) -> tuple[ParsedDate, _ProblemArgs | None]:
    """A date cell parsed, and its problem if any: unreadable, missing though required, after the year."""
    p = parse_date(raw)
    col = COLUMN_BY_KEY[key]
    if p.problem:
        return p, (key, f"“{col.label}”{p.problem}", DATE_FIX, KIND_DATE)
    if p.value is None:
        return p, (
            key,
            f"“{col.label}”为空",
            f"请填写{col.label}（如 {col.example}）",
            KIND_REQUIRED,
        ) if col.required else None
    if p.value > date(year, *rules.SERVICE_COUNTED_TO):
        return p, (
            key,
            f"“{col.label}”{p.value:%Y-%m-%d} 晚于 {year} 年底",
            "请核对年份",
            KIND_DATE,
        )
    return p, None


@lru_cache(maxsize=4096)  # a few hundred (level, route, current title) combinations in a city
def _ladder_problems(applied: str, route: str, current: str) -> tuple[_ProblemArgs, ...]:
    """The ladder problems of a row: the title it holds against the level and route it applies for."""
    found: list[_ProblemArgs] = []
    _check_ladder(applied, route, current, lambda *args: found.append(args))
    return tuple(found)


def _check_ladder(applied: str, route: str, current: str, problem: Callable[..., None]) -> None:
    if applied not in rules.TITLE_LADDER or route not in rules.ROUTES:
        return
    target = rules.TITLE_LADDER.index(applied)
    if not current:
        if route == "正常" and target > 0:
            below = rules.TITLE_LADDER[target - 1]
            problem(
                "current_title",
                f"正常晋升{applied}须已取得{below}职称，但“现专业技术职务”为空",
                f"请填写现专业技术职务；确无{below}职称的，申报方式应为“破格”",
                KIND_LADDER,
            )
        elif route == "转评":
            problem(
                "current_title",
                "转评须已具备同级职称，但“现专业技术职务”为空",
                "请填写现专业技术职务",
                KIND_LADDER,
            )
        return
    level = title_level(current)
    if level is None:
        problem(
            "current_title",
            f"无法识别现专业技术职务“{current}”的级别",
            "请填写规范的职称名称（如 主治医师、工程师、一级教师），或注明级别（如 中级）",
            KIND_LADDER,
        )
        return
    have = rules.TITLE_LADDER.index(level)
    if route == "正常" and have != target - 1:
        if have >= target:
            problem(
                "level",
                f"现职“{current}”已是{level}，申报{applied}不属于晋升",
                "请核对申报级别；同级改换系列的，申报方式应为“转评”",
                KIND_LADDER,
            )
        else:
            problem(
                "level",
                f"现职“{current}”为{level}，正常晋升只能申报{rules.TITLE_LADDER[have + 1]}",
                "请核对申报级别；确属破格的，申报方式应为“破格”",
                KIND_LADDER,
            )
    elif route == "转评" and have != target:
        problem(
            "route",
            f"转评须保持原级别：现职“{current}”为{level}，申报的是{applied}",
            "请核对申报级别或申报方式",
            KIND_LADDER,
        )
    elif route == "破格" and have >= target:
        problem(
            "route",
            f"现职“{current}”已是{level}，申报{applied}不属于破格",
            "请核对申报级别或申报方式",
            KIND_LADDER,
        )


@lru_cache(maxsize=4096)
def _scope_problems(
    level: str, series: str, specialty: str, *scope_fields: Any
) -> tuple[_ProblemArgs, ...]:
    """Whether a row's level, series and specialty belong to the committee (each combination checked once;
    the scope comes as its fields, which hash faster than the dataclass)."""
    scope = CommitteeScope(*scope_fields)
    found: list[_ProblemArgs] = []
    if level in rules.LEVELS and level != scope.level:
        found.append(
            (
                "level",
                f"申报{level}，而本评委会评审{scope.level}",
                "请报送对应级别的评委会",
                KIND_COMMITTEE,
            )
        )
    series_key = compare_key(series).removesuffix("系列")
    if series_key and series_key not in compare_key(scope.series):
        found.append(
            (
                "series",
                f"申报系列“{series}”不属本评委会（{scope.series}系列）",
                "请核对申报系列，或报送对应系列的评委会",
                KIND_COMMITTEE,
            )
        )
    if scope.specialties and specialty:
        keys = [compare_key(s) for s in scope.specialties]
        if compare_key(specialty) not in keys:
            found.append(
                (
                    "specialty",
                    f"申报专业“{specialty}”不在本评委会评审范围（{'、'.join(scope.specialties)}）",
                    "请核对申报专业，或报送对应专业的评委会",
                    KIND_COMMITTEE,
                )
            )
    return tuple(found)


# --- The workbook (blank form, or a filled roster for the filing) ------------------

TEMPLATE_ROWS = 300  # rows of the blank form that carry text formats and drop-downs


def write_roster_workbook(
    path, rows: list[dict[str, Any]] | None = None, title: str = ROSTER_TITLE
) -> None:  # type: ignore[no-untyped-def]
    """Write the 附件2 form: title row, unit/signature row, header, (rows), drop-downs,
    text format on the ID and phone columns, and a 填表说明 sheet. Atomic."""
    from pathlib import Path

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from qjtitle.spreadsheets.writing import set_cell

    wb = Workbook()
    ws = wb.active
    ws.title = "申报信息表"
    last = get_column_letter(len(COLUMNS))
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = (
        "填报单位（盖章）：                    单位分管领导（签字）：                    填报日期：      年   月   日"
    )
    ws["A2"].font = Font(name="宋体", size=11)
    header_row = 3
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=i, value=col.label)
        cell.font = Font(
            name="黑体", size=11, bold=True, color="C00000" if col.required else "000000"
        )
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = border
        width = {"id_number": 21, "unit": 26, "school": 18, "title_name": 14, "county": 16}.get(
            col.key, 11
        )
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    data = rows or []
    for r, item in enumerate(data, start=header_row + 1):
        for i, col in enumerate(COLUMNS, start=1):
            value = item.get(col.key)
            if col.kind == "date" and value is not None and hasattr(value, "strftime"):
                value = value.strftime("%Y.%m")  # as the form is filled: year and month
            set_cell(ws.cell(row=r, column=i), value)
            ws.cell(row=r, column=i).border = border
    first, last_row = header_row + 1, header_row + max(TEMPLATE_ROWS, len(data))
    for i, col in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        if col.kind in ("id", "phone"):
            for r in range(first, last_row + 1):
                ws.cell(row=r, column=i).number_format = "@"
        if col.choices:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="选项不规范",
                error=f"{col.label}请从下拉选项中选择：{'、'.join(col.choices)}",
            )
            dv.add(f"{letter}{first}:{letter}{last_row}")
            ws.add_data_validation(dv)
    guide = wb.create_sheet("填表说明")
    guide.append(["栏目", "是否必填", "填写要求", "示例"])
    for cell in guide[1]:
        cell.font = Font(name="黑体", bold=True)
    for col in COLUMNS:
        if col.choices:
            requirement = f"从下拉选项中选择：{'、'.join(col.choices)}"
        elif col.kind == "date":
            requirement = "年月写成 1985.03 或 1985-03；精确到日的写成 1985-03-15"
        else:
            requirement = col.hint
        if col.hint and col.choices:
            requirement += f"；{col.hint}"
        guide.append([col.label, "必填" if col.required else "选填", requirement, col.example])
    guide.append([])
    for line in (
        "1. 每人一行，不要合并单元格，不要在表中插入小计行。",
        "2. 身份证号码列已设为文本格式，请直接输入18位号码；从其他表格粘贴时请选择“只粘贴数值”。",
        "3. 申报方式：正常晋升须已取得下一级职称；破格申报请在备注中写明破格条件；转评保持原级别。",
        f"4. {rules.ONE_APPLICATION_PER_YEAR.text}（{rules.ONE_APPLICATION_PER_YEAR.source}）。",
        "5. 纸质版须经单位分管领导审核签字，电子版按要求报送（通知 二）。",
    ):
        guide.append([line])
    for letter, width in zip("ABCD", (18, 10, 60, 22), strict=True):
        guide.column_dimensions[letter].width = width
    write_atomically(Path(path), wb.save, ".xlsx")
