"""Checking one roster row: every problem it has, where it is and how to fix it.

A row is turned into applicant fields and checked against the format (``roster``), its ID number,
the title ladder and the committee's scope, most checks done once per distinct value.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

from qjtitle import idcard, privacy, rules
from qjtitle.findings import Finding, Fix, Severity
from qjtitle.intake.roster import (
    COLUMN_BY_KEY,
    COLUMNS,
    COMMITTEE_EXAMPLE_KEYS,
    DATE_KEYS,
    EDUCATIONS,
    GENDERS,
    NO_TITLE,
    PHONE_PATTERN,
    match_choice,
    title_level,
)
from qjtitle.spreadsheets.dates import DATE_FIX, ParsedDate, parse_date
from qjtitle.spreadsheets.text import clean_text, compare_key

if TYPE_CHECKING:
    from qjtitle.store import Store


@dataclass
class Problem:
    """One thing wrong in a row: where, what, how to fix, and its kind (for summaries).

    The in-memory form of an import finding; the store keeps :meth:`as_stored` (the shape of
    ``qjtitle.findings.Finding.as_json``), read back by :meth:`from_stored` (which also reads the
    shape stored before revision 0013: ``column, cell, message, fix, kind``)."""

    column: str  # the column's label
    message: str
    fix: str
    kind: str
    cell: str = ""

    def as_dict(self) -> dict[str, str]:
        """The flat form (the expert pool's import report, ``import-experts --json``)."""
        return {
            "column": self.column,
            "cell": self.cell,
            "message": self.message,
            "fix": self.fix,
            "kind": self.kind,
        }

    @property
    def code(self) -> str:
        """The finding's code: ``intake.`` and the kind (``KIND_CODES``)."""
        return kind_code(self.kind)

    def as_finding(self) -> Finding:
        """The problem as a finding: its column and cell are the facts, its fix a hint."""
        return Finding(
            self.code,
            self.message,
            Severity.ERROR,
            KIND_RULES.get(self.kind),
            {"column": self.column, "cell": self.cell},
            Fix(hint=self.fix),
        )

    def as_stored(self) -> dict[str, Any]:
        """``as_finding().as_json()``, built directly (20,000 rows a file)."""
        rule = KIND_RULES.get(self.kind)
        return {
            "code": self.code,
            "severity": "error",
            "message": self.message,
            "rule": dict(_RULE_JSON[rule]) if rule else None,
            "facts": {"column": self.column, "cell": self.cell},
            "fix": {"step": None, "field": None, "args": {}, "hint": self.fix},
        }

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Problem:
        """A stored problem: a finding (revision 0013 on) or the flat form before it."""
        if "code" not in stored:  # an old store restored from a backup, or an old snapshot
            return cls(
                str(stored.get("column", "")),
                str(stored.get("message", "")),
                str(stored.get("fix", "")),
                str(stored.get("kind", "")),
                str(stored.get("cell", "")),
            )
        facts = stored.get("facts") or {}
        fix = stored.get("fix") or {}
        return cls(
            str(facts.get("column", "")),
            str(stored.get("message", "")),
            str(fix.get("hint", "")),
            code_kind(str(stored["code"])),
            str(facts.get("cell", "")),
        )


def stored_problem(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored problem in the shape the store keeps now (a finding), from either shape."""
    if "code" in stored:
        return dict(stored)
    return Problem.from_stored(stored).as_stored()


# Problem kinds, in the order summaries show them.
KIND_REQUIRED = "必填项为空"
KIND_ID = "身份证号码"
KIND_DATE = "日期"
KIND_MISMATCH = "与身份证不符"
KIND_CHOICE = "选项不规范"
KIND_LADDER = "申报级别"
KIND_PHONE = "联系电话"
KIND_PRIVATE = privacy.KIND_PRIVATE  # an ID or mobile number typed into a free-text column
KIND_CONTROL = privacy.KIND_CONTROL  # a control or escape character in a text column
KIND_NAME = (
    "姓名有空格"  # a space inside a Chinese name: which characters belong is not ours to guess
)
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
    KIND_CONTROL,
    KIND_NAME,
    KIND_COMMITTEE,
    KIND_DUPLICATE,
)

# The code of each kind as a finding ("intake.<kind>"), stable: stored with every problem.
KIND_CODES = {
    KIND_REQUIRED: "intake.required",
    KIND_ID: "intake.id_number",
    KIND_DATE: "intake.date",
    KIND_MISMATCH: "intake.id_mismatch",
    KIND_CHOICE: "intake.choice",
    KIND_LADDER: "intake.ladder",
    KIND_PHONE: "intake.phone",
    KIND_PRIVATE: "intake.private_number",
    KIND_CONTROL: "intake.control_character",
    KIND_NAME: "intake.name_space",
    KIND_COMMITTEE: "intake.committee",
    KIND_DUPLICATE: "intake.duplicate",
}
_CODE_KINDS = {code: kind for kind, code in KIND_CODES.items()}
KIND_RULES = {KIND_DUPLICATE: "ONE_APPLICATION_PER_YEAR"}  # the rules.py Rule a kind rests on
_RULE_JSON = {
    name: {"name": name, "text": getattr(rules, name).text, "source": getattr(rules, name).source}
    for name in KIND_RULES.values()
}


def kind_code(kind: str) -> str:
    """The finding code of a problem kind (``intake.other`` for a kind without one)."""
    return KIND_CODES.get(kind, "intake.other")


def code_kind(code: str) -> str:
    """The problem kind of a finding code (the code itself when it is not one of ours)."""
    return _CODE_KINDS.get(code, code)


@dataclass(slots=True)
class CheckedRow:
    """A roster row turned into applicant fields, with every problem found."""

    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    id_valid: bool = False

    def person_key(self) -> str:
        """The ID number when well-formed, else 姓名@单位 (for rows still to be corrected)."""
        if self.id_valid:
            number: str = self.values["id_number"]
            return number
        return f"{self.values.get('name', '')}@{compare_key(self.values.get('unit', ''))}"


@dataclass(frozen=True)
class CommitteeScope:
    """What a committee evaluates, for the 'belongs to this committee' checks."""

    level: str
    series: str
    specialties: tuple[str, ...] = ()


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
Examples = tuple[tuple[str, str], ...]  # (column key, example value): hashable, for the caches
EXAMPLE_ROWS = (
    500  # the file's own examples are taken from its first rows (enough to find the common ones)
)


def roster_examples(
    scope: CommitteeScope | None, rows: Iterable[Mapping[str, Any]] = ()
) -> Examples:
    """Example values in the committee's own terms: its series, level and first specialty, and
    what the file itself most often has (the employer's own name, its titles, schools)."""
    rows = list(rows)
    found: dict[str, str] = {}
    for key in COMMITTEE_EXAMPLE_KEYS:
        counts = Counter(v.strip() for row in rows if type(v := row.get(key)) is str and v.strip())
        if counts:
            found[key] = counts.most_common(1)[0][0]
    if scope is not None:
        found["series"] = scope.series
        found["level"] = scope.level
        if scope.specialties:
            found["specialty"] = scope.specialties[0]
    return tuple(sorted(found.items()))


def example_of(key: str, examples: Examples) -> str:
    """The example of a column: the committee's or the file's own value; a fixed example only for
    columns no series changes (dates, county, phone)."""
    for k, value in examples:
        if k == key:
            return value
    if key in COMMITTEE_EXAMPLE_KEYS:
        return ""
    return COLUMN_BY_KEY[key].example


@lru_cache(maxsize=64)
def _title_example(examples: Examples) -> str:
    """The file's own current title, when it is one whose level is known (for the ladder's hint)."""
    title = example_of("current_title", examples)
    return title if title and title_level(title) is not None else ""


@lru_cache(maxsize=64)
def _required_texts(examples: Examples) -> dict[str, tuple[str, str]]:
    return {
        c.key: (
            f"“{c.label}”为空",
            f"请填写{c.label}" + (f"（如 {ex}）" if (ex := example_of(c.key, examples)) else ""),
        )
        for c in COLUMNS
        if c.required and c.kind not in ("date", "id")
    }


_REQUIRED_TEXT = _required_texts(())
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


def _label(key: str) -> str:
    return COLUMN_BY_KEY[key].label


_PHONE_NOISE = re.compile(r"[\s()（）]")


def check_phone(typed: str) -> tuple[str, _ProblemArgs | None]:
    """A phone number without the spaces and brackets people type (a long dash read as a hyphen),
    and its problem when it is neither a mobile number nor a fixed line with its area code. The
    one rule for applicants' and experts' phone numbers."""
    phone = typed
    if not (len(phone) == 11 and phone.isascii() and phone.isdigit()):
        phone = _PHONE_NOISE.sub("", phone).replace("—", "-")
    if phone and not PHONE_PATTERN.match(phone):
        fix = "请填写11位手机号码，或带区号的固定电话（如 0874-3123456）"
        return phone, ("phone", f"联系电话“{phone}”格式不对", fix, KIND_PHONE)
    return phone, None


_CJK_SPACE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff] +[\u3400-\u9fff\uf900-\ufaff]")


def name_space_problem(name: str) -> _ProblemArgs | None:
    """A space between two Chinese characters of a name (黄 朝阳): shown with the name, to be
    corrected by the employer, never closed up by guess (the one rule for applicants and experts)."""
    if not _CJK_SPACE.search(name):
        return None
    return (
        "name",
        f"姓名“{name}”中间有空格",
        f"请删去空格，按身份证填写姓名（如“{name.replace(' ', '')}”）",
        KIND_NAME,
    )


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
    cell_name: Callable[[str], str] = lambda key: "",
    text_is_clean: bool = False,
    examples: Examples | None = None,
) -> CheckedRow:
    """Validate one roster row and collect **all** its problems (``check_rows`` of one row).

    ``cells``: values by column key. ``text_is_clean``: True when they come from ``read_tables``, which
    has already put every text through ``clean_text`` (cleaning again costs a fifth of the check).
    ``examples``: the committee's and the file's example values (``roster_examples``; from ``scope``
    alone when not given), for the hints."""
    return check_rows(
        [cells], year, scope, lambda key, _row: cell_name(key), (0,), text_is_clean, examples
    )[0]


def check_rows(
    rows: Sequence[dict[str, Any]],
    year: int,
    scope: CommitteeScope | None = None,
    cell_name: Callable[[str, int], str] | None = None,
    numbers: Sequence[int] = (),
    text_is_clean: bool = False,
    examples: Examples | None = None,
) -> list[CheckedRow]:
    """Validate roster rows and collect **all** the problems of each, as ``check_row`` does one.

    The rows are checked column by column (a file has 20,000 of them): each check runs over a
    whole column, once per distinct value where it can, and a whole file is searched once for
    what is rare (control characters, personal numbers, spaces in names) before any row is.
    ``cell_name(key, number)``: where a column's cell of row ``numbers[i]`` is ('D17')."""
    if not rows:
        return []
    if examples is None:
        examples = roster_examples(scope)
    check = _RowsCheck(rows, year, text_is_clean)
    check.texts(examples)
    check.choices()
    check.id_numbers()
    check.dates()
    check.against_id()
    check.date_order()
    check.ladder(_title_example(examples))
    check.phones()
    if scope is not None:
        check.scope(scope)
    return check.result(cell_name, numbers)


class _RowsCheck:
    """The columns of the rows being checked (``values``), and the problems found so far of each
    row, in the order ``check_row`` has always reported them (each step appends to the rows it
    finds something in; the steps run in that order)."""

    def __init__(self, rows: Sequence[dict[str, Any]], year: int, text_is_clean: bool) -> None:
        self.rows, self.year, self.count = rows, year, len(rows)
        self.found: dict[int, list[_ProblemArgs]] = {}  # row index → problems, most rows none
        self.values: dict[str, list[Any]] = {}
        for key in _TEXT_KEYS:
            column = list(map(dict.get, rows, repeat(key)))
            if not text_is_clean:
                column = list(map(_text, column))
            elif set(map(type, column)) - {str}:  # some cells empty or numbers
                column = [v if type(v) is str else "" if v is None else _text(v) for v in column]
            self.values[key] = column
        self.parsed: dict[str, list[ParsedDate]] = {}
        self.ids: list[idcard.IdCheck | None] = []

    def add(self, index: int, args: _ProblemArgs) -> None:
        self.found.setdefault(index, []).append(args)

    def add_all(self, found: list[tuple[_ProblemArgs, ...]]) -> None:
        """Each row's problems from one step (``found[i]``: a tuple, most often empty)."""
        if found.count(()) == len(found):  # nothing: one pass in C
            return
        for index, row_found in enumerate(found):
            for args in row_found:
                self.add(index, args)

    def add_each(self, found: list[_ProblemArgs | None]) -> None:
        """Each row's problem from one step, or None."""
        if found.count(None) == len(found):
            return
        for index, args in enumerate(found):
            if args is not None:
                self.add(index, args)

    def texts(self, examples: Examples) -> None:
        """Required texts, a space inside a name, control characters and personal numbers."""
        values = self.values
        required_texts: dict[str, tuple[str, str]] | None = None
        empty_rows: dict[int, list[str]] = {}
        for key in _REQUIRED_TEXT:
            column = values[key]
            if "" in column:
                for index in [i for i, v in enumerate(column) if not v]:
                    empty_rows.setdefault(index, []).append(key)
        if empty_rows:
            required_texts = _required_texts(examples)
            for index, keys in empty_rows.items():
                for key in keys:
                    self.add(index, (key, *required_texts[key], KIND_REQUIRED))
        names = values["name"]
        if any(" " in name for name in names):
            for index, name in enumerate(names):
                if " " in name and (found_space := name_space_problem(name)):
                    self.add(index, found_space)
        # ID and mobile numbers in free text, control characters anywhere (issue 23.4-5: one home)
        if privacy.may_have_field_problems(
            [values[key] for key in _TEXT_KEYS], [values[key] for key in _FREE_TEXT_KEYS]
        ):
            for index, row in enumerate(zip(*[values[key] for key in _TEXT_KEYS], strict=True)):
                for args in privacy.field_problems(
                    dict(zip(_TEXT_KEYS, row, strict=True)), _FREE_TEXT_KEYS, _label
                ):
                    self.add(index, args)

    def choices(self) -> None:
        values = self.values
        outcomes = list(map(_choices, *[values[key] for key in _CHOICE_KEYS]))
        for key, column in zip(
            _CHOICE_KEYS, zip(*[chosen for chosen, _ in outcomes], strict=True), strict=True
        ):
            values[key] = list(column)
        self.add_all(list(map(itemgetter(1), outcomes)))
        values["education"] = [text and _education(text) for text in values["education"]]

    def id_numbers(self) -> None:
        checked = list(
            map(_id_check, map(dict.get, self.rows, repeat("id_number")), repeat(date.today()))
        )
        self.ids = checked
        self.values["id_number"] = [c.number if c is not None else "" for c in checked]
        if None not in checked and list(map(attrgetter("problem"), checked)).count(None) == len(
            checked
        ):
            return
        for index, c in enumerate(checked):
            if c is None:
                self.add(
                    index,
                    ("id_number", "“身份证号码”为空", "请填写18位公民身份号码", KIND_REQUIRED),
                )
            elif c.problem is not None:
                self.add(index, ("id_number", c.problem, c.fix or "", KIND_ID))

    def dates(self) -> None:
        for key in DATE_KEYS:
            raw = list(map(dict.get, self.rows, repeat(key)))
            try:
                outcomes = list(map(_date_check, repeat(key), raw, repeat(self.year)))
            except (
                TypeError
            ):  # an unhashable value (never from a workbook): checked without the cache
                outcomes = [_date_check.__wrapped__(key, r, self.year) for r in raw]
            self.parsed[key] = parsed = list(map(itemgetter(0), outcomes))
            self.values[key] = list(map(attrgetter("value"), parsed))
            self.add_each(list(map(itemgetter(1), outcomes)))

    def against_id(self) -> None:
        """The gender and birth date the row gives against its valid ID number (and taken from it
        when the row leaves them empty)."""
        genders, births, parsed_births = (
            self.values["gender"],
            self.values["birth"],
            self.parsed["birth"],
        )
        for index, c in enumerate(self.ids):
            if c is None or c.problem is not None:
                continue
            gender = genders[index]
            if gender != c.gender:
                if gender in GENDERS:
                    self.add(
                        index,
                        (
                            "gender",
                            f"性别填“{gender}”，身份证号码显示为“{c.gender}”",
                            "请核对性别或身份证号码",
                            KIND_MISMATCH,
                        ),
                    )
                elif not gender:
                    genders[index] = c.gender or ""
            birth = parsed_births[index]
            if birth.value is not None and c.birth is not None:
                same = (birth.value.year, birth.value.month) == (c.birth.year, c.birth.month) and (
                    birth.precision == "month" or birth.value.day == c.birth.day
                )
                if not same:
                    self.add(
                        index,
                        (
                            "birth",
                            f"出生年月填“{birth.value:%Y-%m}”，身份证号码显示为“{c.birth:%Y-%m-%d}”",
                            "请核对出生年月或身份证号码",
                            KIND_MISMATCH,
                        ),
                    )
            elif birth.value is None and c.birth is not None and not birth.problem:
                births[index] = c.birth

    def date_order(self) -> None:
        """Dates in a sensible order: 14 years after birth, the title after starting work."""
        values = self.values
        self.add_all(
            list(
                map(
                    _order_problems,
                    values["birth"],
                    values["graduated"],
                    values["work_start"],
                    values["current_title_date"],
                )
            )
        )

    def ladder(self, title_example: str) -> None:
        """The current title (none when it says so), its date, and the title ladder."""
        values = self.values
        current = values["current_title"] = [
            "" if t in NO_TITLE or compare_key(t) in NO_TITLE else t
            for t in values["current_title"]
        ]
        title_dates, parsed = values["current_title_date"], self.parsed["current_title_date"]
        for index, title in enumerate(current):
            if title and title_dates[index] is None and not parsed[index].problem:
                self.add(
                    index,
                    (
                        "current_title_date",
                        "填写了现专业技术职务，但“现职取得时间”为空",
                        "请填写取得现职的时间（如 2016.12）",
                        KIND_REQUIRED,
                    ),
                )
        self.add_all(
            list(
                map(
                    _ladder_problems,
                    values["level"],
                    values["route"],
                    current,
                    repeat(title_example),
                )
            )
        )

    def phones(self) -> None:
        outcomes = list(map(check_phone, self.values["phone"]))
        self.values["phone"] = list(map(itemgetter(0), outcomes))
        self.add_each(list(map(itemgetter(1), outcomes)))

    def scope(self, scope: CommitteeScope) -> None:
        values = self.values
        outcomes = map(
            _scope_problems,
            values["level"],
            values["series"],
            values["specialty"],
            repeat(scope.level),
            repeat(scope.series),
            repeat(tuple(scope.specialties)),
        )
        self.add_all(list(outcomes))

    def result(
        self, cell_name: Callable[[str, int], str] | None, numbers: Sequence[int]
    ) -> list[CheckedRow]:
        values = self.values
        values["unit_key"] = list(map(compare_key, values["unit"]))
        values["years_in_title"] = list(
            map(years_between, values["current_title_date"], repeat(self.year))
        )
        values["years_working"] = list(map(years_between, values["work_start"], repeat(self.year)))
        keys = tuple(values)
        checked = [
            CheckedRow(dict(zip(keys, row)), [], valid)
            for row, valid in zip(
                zip(*values.values()),
                [c is not None and c.problem is None for c in self.ids],
                strict=True,
            )
        ]
        for index, found in self.found.items():
            number = numbers[index] if numbers else index
            checked[index].problems = [
                Problem(
                    COLUMN_BY_KEY[key].label,
                    message,
                    fix,
                    kind,
                    cell_name(key, number) if cell_name else "",
                )
                for key, message, fix, kind in found
            ]
        return checked


_ORDER_KEYS = ("graduated", "work_start", "current_title_date")


@lru_cache(maxsize=16384)  # most dates are months: rows share their four
def _order_problems(
    birth: date | None, graduated: date | None, work_start: date | None, title_date: date | None
) -> tuple[_ProblemArgs, ...]:
    """Dates in a sensible order: each at least 14 years after birth, the title after starting work."""
    found: list[_ProblemArgs] = []
    if birth is not None:
        for key, when in zip(_ORDER_KEYS, (graduated, work_start, title_date), strict=True):
            if when is not None and when.year - birth.year < 14:
                label = COLUMN_BY_KEY[key].label
                found.append(
                    (
                        key,
                        f"“{label}”{when:%Y-%m} 与出生年月 {birth:%Y-%m} 相隔不足14年",
                        "请核对年份",
                        KIND_DATE,
                    )
                )
    if title_date and work_start and title_date < work_start:
        found.append(
            ("current_title_date", "现职取得时间早于参加工作时间", "请核对两个时间", KIND_DATE)
        )
    return tuple(found)


def _id_check(raw: Any, today: date) -> idcard.IdCheck | None:
    """An ID cell checked, None when it is empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return idcard.check(raw, today)


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
def _ladder_problems(
    applied: str, route: str, current: str, title_example: str = ""
) -> tuple[_ProblemArgs, ...]:
    """The ladder problems of a row: the title it holds against the level and route it applies for
    (``title_example``: a recognised title of the file, for the hint)."""
    found: list[_ProblemArgs] = []
    _check_ladder(applied, route, current, lambda *args: found.append(args), title_example)
    return tuple(found)


def _check_ladder(
    applied: str,
    route: str,
    current: str,
    problem: Callable[..., None],
    title_example: str = "",
) -> None:
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
            "请填写规范的职称名称"
            + (f"（如 {title_example}）" if title_example else "")
            + f"，或注明级别（如 {rules.TITLE_LADDER[max(target - 1, 0)]}）",
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


def one_spelling_per_unit(rows: Iterable[CheckedRow], known: Mapping[str, str] = {}) -> None:
    """Every row of one employer given one spelling of its name: the one already in the store
    (``known``: unit key → name), else the file's most common spelling, fewest spaces first
    (曲靖市　第一人民医院 and 曲靖市第一人民医院 are one employer, with one 附件2 sheet)."""
    rows = list(rows)
    pairs = {(cr.values["unit_key"], cr.values["unit"]) for cr in rows}
    keys = {key for key, _ in pairs}
    if len(keys) == len(pairs) and all(known.get(k, u) == u for k, u in pairs):
        return  # one spelling per employer already (nearly always: one pass in C-level set code)
    spellings: dict[str, Counter[str]] = {}
    for cr in rows:
        spellings.setdefault(cr.values["unit_key"], Counter())[cr.values["unit"]] += 1
    chosen = {
        key: known.get(key)
        or min(counts, key=lambda u: (u.count(" "), -counts[u], list(counts).index(u)))
        for key, counts in spellings.items()
        if key and (len(counts) > 1 or key in known)
    }
    for cr in rows:
        if (spelling := chosen.get(cr.values["unit_key"])) is not None:
            cr.values["unit"] = spelling


def template_examples(store: Store, committee_code: str) -> dict[str, str]:
    """The blank form's examples in a committee's terms (its series, level, first specialty)."""
    from qjtitle import committees

    with store.transaction() as session:
        c = committees.get(session, committee_code)
        return dict(roster_examples(CommitteeScope(c.level, c.series, tuple(c.specialties))))
