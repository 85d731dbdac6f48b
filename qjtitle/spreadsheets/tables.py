"""A sheet's header row found, its names matched to columns, and the data rows kept under it.

The header is looked for among the first rows of each sheet (title rows and merged cells above it
are passed over), header names are matched through aliases after normalisation, blank and note rows
are skipped, and every kept row carries its sheet and row number so that messages can point at the
cell."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from qjtitle.errors import WorkbookError
from qjtitle.findings import Severity, Step, finding
from qjtitle.spreadsheets.bounds import MAX_CELL_CHARS, MAX_DATA_ROWS, too_many_rows
from qjtitle.spreadsheets.reading import read_sheets
from qjtitle.spreadsheets.text import clean_text_uncached, column_letter, compare_key, is_blank

HEADER_SCAN_ROWS = 20  # the header row is looked for among this many rows of a sheet
MIN_HEADER_MATCHES = 3  # a row is a header when this many of its cells name known columns
NOTE_PREFIXES = (
    "注",
    "说明",
    "填表",
    "备注：",
    "合计",
    "总计",
    "审核",
    "单位负责人",
    "分管领导",
    "填报",
)


def _header_key(value: object) -> str:
    key = compare_key(str(value))
    return key.replace("*", "").replace("★", "").replace("※", "")


def _strip_parenthetical(key: str) -> str:
    return re.sub(r"\([^)]*\)$", "", key)


@dataclass(frozen=True)
class Column:
    """A column of a table format: its field name in code, its label and the labels that mean it."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # text | date | id | phone | choice | number
    choices: tuple[str, ...] = ()
    hint: str = ""  # how to fill it, for the template's guide sheet and messages
    example: str = ""

    def header_keys(self) -> set[str]:
        return {_header_key(x) for x in (self.label, *self.aliases)}


@dataclass(slots=True)
class Row:
    """One data row of a sheet, its cells by column key (raw, text cleaned)."""

    number: int  # 1-based row number as Excel shows it
    cells: dict[str, Any]


@dataclass
class SheetTable:
    """The data rows of one sheet under a recognised header."""

    path: Path
    sheet: str
    header_row: int
    columns: dict[str, int]  # column key → 0-based column index
    unknown_headers: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)  # rows under the header not taken
    header_rows: int = 1  # 2: a merged header of two rows, ``header_row`` its lower row
    seen_headers: list[str] = field(default_factory=list)  # every header name, as read

    @property
    def skipped_notes(self) -> list[int]:
        """The rows skipped for what they say (blank separators aside)."""
        return [s.row for s in self.skipped if s.reason != SKIP_BLANK]

    def missing(self, columns: Sequence[Column]) -> list[Column]:
        """The required columns of ``columns`` this sheet's header does not have."""
        return [c for c in columns if c.required and c.key not in self.columns]

    def cell_name(self, key: str, row: int) -> str:
        """'D17' for a column key and a row, or the label alone when the column is missing."""
        if key in self.columns:
            return f"{column_letter(self.columns[key])}{row}"
        return ""


class _Normalised(dict[Any, Any]):
    """Cell values as ``_cell`` makes them, each distinct text cleaned once per sheet.

    Not clean_text's own bounded cache: names, ID numbers and phones are new on every row and would
    evict the texts that repeat (20,000 rows: 60,000 misses). Only texts are kept: 1, 1.0 and True are
    equal keys in a dict, but not the same cell."""

    def __init__(self) -> None:
        super().__init__({None: None, "": ""})

    def __missing__(self, value: Any) -> Any:
        if type(value) is str:
            if len(value) > MAX_CELL_CHARS:
                raise _LongCell(value)
            # a copy even when nothing changes: keeping calamine's own strings instead costs ~20 MiB
            # more at 20,000 rows (measured; the copy is compact)
            self[value] = text = clean_text_uncached(value)
            return text
        return _cell(value)


class _LongCell(Exception):
    """A text longer than a cell may hold (only a CSV can have one): _find_tables names its cell."""


def _cell(value: Any) -> Any:
    """A cell that is not text (texts are cleaned by _Normalised): whole floats become ints."""
    if isinstance(value, str):  # a str subclass
        return clean_text_uncached(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _lookup(columns: Sequence[Column], mapping: Mapping[str, str]) -> dict[str, str]:
    """Header key → column key: the run's and the committee's mappings first, then the format's names."""
    lookup: dict[str, str] = {_header_key(seen): key for seen, key in mapping.items()}
    for col in columns:
        for key in col.header_keys():
            lookup.setdefault(key, col.key)
    return lookup


def _text_of(value: Any) -> str:
    return "" if _blank_or_space(value) else str(value).strip()


def _header_names(
    upper: Sequence[Any], lower: Sequence[Any] | None
) -> list[tuple[int, tuple[str, ...], str]]:
    """The names each column of a header may have: (index, candidates best first, as shown).

    One row: its cells. Two rows (a merged header): a lower cell is read with the cell above it,
    or with the merged cell above it and to its left (申报 over 系列、专业 → 申报系列、申报专业), then
    alone; a cell of the upper row with nothing under it is its own name (姓名 merged down)."""
    if lower is None:
        return [(i, (t,), t) for i, v in enumerate(upper) if (t := _text_of(v))]
    names: list[tuple[int, tuple[str, ...], str]] = []
    group = ""  # the upper cell a horizontal merge spreads over the blank cells to its right
    for i in range(max(len(upper), len(lower))):
        up = _text_of(upper[i]) if i < len(upper) else ""
        low = _text_of(lower[i]) if i < len(lower) else ""
        if up:
            group = up if low else ""
        elif not low:
            group = ""
        above = up or group
        if low and above:
            names.append((i, (above + low, low, above), f"{above}{low}"))
        elif low or above:
            names.append((i, (low or above,), low or above))
    return names


def _match_header(
    names: list[tuple[int, tuple[str, ...], str]], lookup: Mapping[str, str]
) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    unknown: list[str] = []
    for index, candidates, shown in names:
        for name in candidates:
            key = _header_key(name)
            col_key = lookup.get(key) or lookup.get(_strip_parenthetical(key))
            if col_key and col_key not in found:
                found[col_key] = index
                break
        else:
            unknown.append(shown)
    return found, unknown


def _blank_or_space(value: Any) -> bool:
    return is_blank(value) or (isinstance(value, str) and not value.strip())


# Rows that are not people: what their first text starts with, and what the report calls them.
FOOTER_PREFIXES = (
    "填表人",
    "填报人",
    "制表人",
    "审核人",
    "审核",
    "联系人",
    "联系电话",
    "单位盖章",
    "单位（盖章）",
    "单位(盖章)",
    "（盖章）",
    "(盖章)",
    "盖章",
    "单位负责人",
    "分管领导",
    "负责人",
    "填报单位",
    "填报日期",
    "填表日期",
    "报送单位",
)
TOTAL_PREFIXES = ("合计", "总计", "小计", "共计")
SKIP_FOOTER = "表尾的填表人、审核人、联系电话或盖章栏"
SKIP_NOTE = "说明或备注行"
SKIP_TOTAL = "合计行"
SKIP_HEADER = "重复的表头"
SKIP_BLANK = "空行（分隔）"
SKIP_SPARSE = "没有姓名和身份证号码，填写的列也太少，不像一位申报人"
SKIP_UNKNOWN = "只有表头未识别的列有内容"


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row under the header that is not a person, and why it was passed over."""

    row: int
    reason: str
    text: str = ""  # what the row says, shortened

    def as_dict(self) -> dict[str, str | int]:
        return {"row": self.row, "reason": self.reason, "text": self.text}


def _row_text(raw: Sequence[Any]) -> str:
    text = " ".join(str(v).strip() for v in raw if not _blank_or_space(v))
    return text if len(text) <= 40 else text[:39] + "…"


def _lead(raw: Sequence[Any]) -> Any:
    for value in raw:
        if not _blank_or_space(value):
            return value
    return None


_NUMBERS = (int, float)


def _not_a_person(raw: Sequence[Any], name: Any, header_keys: frozenset[str]) -> str | None:
    """Why a row that has a name or an ID is still not a person: a footer, a total, a header again."""
    lead = _lead(raw)
    if type(lead) is not str:
        return None  # a sequence number first: a person's row
    text = lead.strip()
    if text.startswith(FOOTER_PREFIXES) or (
        type(name) is str and name.lstrip().startswith(FOOTER_PREFIXES)
    ):
        return SKIP_FOOTER
    if text.startswith(TOTAL_PREFIXES):
        return SKIP_TOTAL
    if text.startswith(("注：", "注:", "说明：", "说明:", "备注：", "备注:")):
        return SKIP_NOTE
    if _header_key(text) in header_keys:
        return SKIP_HEADER
    return None


def _find_tables(
    path: Path,
    sheet: str,
    grid: Iterable[Sequence[Any]],
    columns: Sequence[Column],
    key_columns: Sequence[str],
    min_matches: int = MIN_HEADER_MATCHES,
    mapping: Mapping[str, str] | None = None,
) -> SheetTable | None:
    rows = iter(grid)
    header: SheetTable | None = None
    best = 0
    lookup = _lookup(columns, mapping or {})
    buffered: list[Sequence[Any]] = []
    header_texts: list[str] = []
    for number in range(1, HEADER_SCAN_ROWS + 1):
        try:
            row = next(rows)
        except StopIteration:
            break
        buffered.append(row)
        # The row alone, then with the row above it (a two-row merged header): the pair only when it
        # names more columns than either row alone.
        tries: list[tuple[int, Sequence[Any] | None]] = [(number, None)]
        if number > 1:
            tries.append((number, buffered[-2]))
        for last, upper in tries:
            names = _header_names(row, None) if upper is None else _header_names(upper, row)
            found, unknown = _match_header(names, lookup)
            if len(found) >= min_matches and len(found) > best:
                best = len(found)
                header = SheetTable(
                    path=path,
                    sheet=sheet,
                    header_row=last,
                    columns=found,
                    unknown_headers=unknown,
                    header_rows=1 if upper is None else 2,
                    seen_headers=[shown for _, _, shown in names],
                )
                header_texts = [_text_of(v) for v in (*(upper or ()), *row)]
    if header is None:
        return None
    header_keys = frozenset(_header_key(t) for t in header_texts if t)
    keys = tuple(header.columns)
    indices = tuple(header.columns.values())
    present_keys = tuple(k for k in key_columns if k in header.columns)
    name_at = header.columns.get("name")
    data = buffered[header.header_row :]
    data.extend(rows)
    # Column by column, so that most cells cost one dictionary lookup done in C: empty cells and texts seen
    # before in the sheet (units, titles, dates) are found in ``normalised``; only new values cost a call.
    normalised = _Normalised()
    last = max(indices)
    try:
        if all(len(raw) > last for raw in data):  # a workbook's rows all have the sheet's width
            by_column: list[list[Any]] = [
                list(map(normalised.__getitem__, map(itemgetter(i), data))) for i in indices
            ]
        else:  # CSV lines can be short
            by_column = [
                [normalised[raw[i]] if i < len(raw) else None for raw in data] for i in indices
            ]
    except _LongCell as exc:
        number, index = next(
            (n, i)
            for n, raw in enumerate(data, header.header_row + 1)
            for i in indices
            if i < len(raw) and raw[i] is exc.args[0]
        )
        raise WorkbookError(
            f"{path.name}，工作表“{sheet}”{column_letter(index)}{number} 单元格有 {len(exc.args[0])} 个字符，"
            f"超过 Excel 单元格的上限 {MAX_CELL_CHARS} 个字符；请检查并删减该单元格后重新导入"
        ) from None
    min_filled = min(min_matches, MIN_HEADER_MATCHES)
    filled_keys = [
        [v is not None and v != "" for v in by_column[keys.index(k)]] for k in present_keys
    ]
    keyed = list(map(any, zip(*filled_keys)))
    first_number = header.header_row + 1
    blanks: list[int] = []  # blank rows since the last person: separators if a person follows
    # the rows' cells by column key, made in C (map and zip: no Python frame a row)
    all_cells = map(dict, map(zip, repeat(keys), zip(*by_column)))
    for number, raw, cells, has_key in zip(
        range(first_number, first_number + len(data)),
        data,
        all_cells,
        keyed or [False] * len(data),
    ):
        # A name or an ID: a data row, unless it is a footer, a total or the header again (a row led
        # by its sequence number is a person's: the common case costs one type test).
        if has_key:
            reason = (
                None
                if raw and type(raw[0]) in _NUMBERS
                else _not_a_person(
                    raw,
                    raw[name_at] if name_at is not None and name_at < len(raw) else None,
                    header_keys,
                )
            )
            if reason is None:
                if blanks:
                    if header.rows:
                        header.skipped.extend(SkippedRow(n, SKIP_BLANK) for n in blanks)
                    blanks.clear()
                header.rows.append(Row(number, cells))
            else:
                header.skipped.append(SkippedRow(number, reason, _row_text(raw)))
            continue
        filled = [k for k, v in cells.items() if not is_blank(v)]
        if not filled:
            if _lead(raw) is None:
                blanks.append(number)
            else:
                header.skipped.append(SkippedRow(number, SKIP_UNKNOWN, _row_text(raw)))
            continue
        reason = _not_a_person(raw, None, header_keys)
        if reason is None and len(filled) < min_filled:
            reason = SKIP_SPARSE
            first = str(_lead(raw) or "")
            if first.startswith(NOTE_PREFIXES):
                reason = SKIP_NOTE
        if reason is not None:
            header.skipped.append(SkippedRow(number, reason, _row_text(raw)))
            continue
        if blanks and header.rows:
            header.skipped.extend(SkippedRow(n, SKIP_BLANK) for n in blanks)
        blanks.clear()
        header.rows.append(Row(number, cells))
    header.skipped.sort(key=lambda s: s.row)
    return header


@dataclass(frozen=True)
class MissingColumns:
    """Required columns a sheet's header does not have: one problem for the file, not one per row."""

    file: str
    sheet: str
    header_row: int
    missing: tuple[str, ...]  # the labels of the columns not found
    seen: tuple[str, ...]  # every header name of the sheet, as read
    suggestions: tuple[tuple[str, str], ...]  # (a name seen, the label it may be)

    def message(self) -> str:
        missing = "、".join(f"“{m}”" for m in self.missing)
        text = (
            f"{self.file}，工作表“{self.sheet}”：找不到必填的列 {missing}，本文件未导入"
            f"（表头在第{self.header_row}行，看到的列：{'、'.join(self.seen) or '无'}）"
        )
        if self.suggestions:
            text += "；" + "；".join(
                f"如“{seen}”就是“{label}”，导入时把它对应为“{label}”即可"
                for seen, label in self.suggestions
            )
        else:
            text += "；请在表头补上这些列，或把表中对应的列名对应过去"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "missing": list(self.missing),
            "seen": list(self.seen),
            "suggestions": [list(s) for s in self.suggestions],
        }


class MissingColumnsError(WorkbookError):
    """A file refused because a required column was not found (the CLI adds how to map it)."""

    def __init__(self, found: MissingColumns) -> None:
        super().__init__(found.message())
        self.found = found


def _likeness(seen: str, column: Column) -> float:
    from difflib import SequenceMatcher

    a = _strip_parenthetical(_header_key(seen))
    return max(
        SequenceMatcher(None, a, _strip_parenthetical(key)).ratio() for key in column.header_keys()
    )


def missing_columns(
    table: SheetTable, columns: Sequence[Column], supplied: Iterable[str] = ()
) -> MissingColumns | None:
    """The required columns of ``columns`` not in ``table`` (``supplied``: keys filled otherwise),
    with, for each, the unrecognised header name most like it (when one is like enough)."""
    wanted = [c for c in table.missing(columns) if c.key not in set(supplied)]
    if not wanted:
        return None
    free = list(dict.fromkeys(table.unknown_headers))
    suggestions = []
    for column in wanted:
        scored = sorted(((_likeness(u, column), u) for u in free), reverse=True)
        if scored and scored[0][0] >= 0.5:
            suggestions.append((scored[0][1], column.label))
            free.remove(scored[0][1])
    return MissingColumns(
        table.path.name,
        table.sheet,
        table.header_row,
        tuple(c.label for c in wanted),
        tuple(table.seen_headers),
        tuple(suggestions),
    )


def resolve_mapping(columns: Sequence[Column], pairs: Iterable[str]) -> dict[str, str]:
    """``["所在县区=所在县（市、区）"]`` → {header name as the file has it: column key}; the right
    side is a column's label or one of its names. Raises InvalidValue naming the columns."""
    from qjtitle.errors import InvalidValue

    by_name = {k: c.key for c in columns for k in c.header_keys()}
    mapping: dict[str, str] = {}
    for pair in pairs:
        seen, sep, label = (
            pair.replace("＝", "=").partition("=")
            if "=" in pair or "＝" in pair
            else (pair, "", "")
        )
        seen, label = seen.strip(), label.strip()
        if not sep or not seen or not label:
            raise InvalidValue(
                f"对应关系“{pair}”应写成 表中的列名=规定的列名，如 {_example_pair(columns)}"
            )
        key = by_name.get(_header_key(label)) or by_name.get(
            _strip_parenthetical(_header_key(label))
        )
        if key is None:
            raise InvalidValue(
                f"“{label}”不是本表格式的列名；可对应的列：{'、'.join(c.label for c in columns)}"
            )
        mapping[seen] = key
    return mapping


def _example_pair(columns: Sequence[Column]) -> str:
    column = next((c for c in columns if c.required and c.aliases), columns[0])
    return f"{column.aliases[0] if column.aliases else column.label}={column.label}"


def read_tables(
    path: Path,
    columns: Sequence[Column],
    key_columns: Sequence[str] = (),
    min_matches: int = MIN_HEADER_MATCHES,
    mapping: Mapping[str, str] | None = None,
) -> list[SheetTable]:
    """Every sheet of ``path`` that has a recognisable header, with its data rows.

    ``key_columns``: a row filling none of these and fewer than three columns is a note.
    ``min_matches``: how many known column names make a row the header (fewer for small sheets).
    ``mapping``: header names as a file has them → column keys (``--map``, a committee's kept maps).
    Raises WorkbookError (naming the file and what to do) when the file cannot be read
    or no sheet has a header.
    """
    path = Path(path)
    sheets = read_sheets(path)
    tables = []
    rows = 0
    for name, grid in sheets:
        table = _find_tables(path, name, grid, columns, key_columns, min_matches, mapping)
        if table is not None:
            tables.append(table)
            rows += len(table.rows)
            if rows > MAX_DATA_ROWS:
                raise too_many_rows(path, f"至少 {rows} 行")
    if not tables:
        expected = "、".join(
            [c.label for c in columns if c.required] or [c.label for c in columns][:6]
        )[:60]
        raise WorkbookError(
            finding(
                "workbook.no_header",
                f"{path.name}：在各工作表的前{HEADER_SCAN_ROWS}行中都找不到表头（应包含 {expected} 等列名）；"
                "请使用 qjtitle 生成的表格填写",
                step=Step.APPLICANTS_TEMPLATE,
                hint="申报表",
                file=path.name,
            ),
            finding(
                "workbook.meeting_sheets",
                "会议用表",
                step=Step.MEETING_SHEETS,
                severity=Severity.NOTE,
            ),
        )
    return tables
