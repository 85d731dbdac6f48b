"""A sheet's header row found, its names matched to columns, and the data rows kept under it.

The header is looked for among the first rows of each sheet (title rows and merged cells above it
are passed over), header names are matched through aliases after normalisation, blank and note rows
are skipped, and every kept row carries its sheet and row number so that messages can point at the
cell."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from qjtitle.errors import WorkbookError
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
    skipped_notes: list[int] = field(default_factory=list)

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


def _match_header(
    row: Sequence[Any], columns: Sequence[Column]
) -> tuple[dict[str, int], list[str]]:
    lookup: dict[str, str] = {}
    for col in columns:
        for key in col.header_keys():
            lookup.setdefault(key, col.key)
    found: dict[str, int] = {}
    unknown: list[str] = []
    for index, value in enumerate(row):
        if _blank_or_space(value):
            continue
        key = _header_key(value)
        col_key = lookup.get(key) or lookup.get(_strip_parenthetical(key))
        if col_key and col_key not in found:
            found[col_key] = index
        else:
            unknown.append(str(value).strip())
    return found, unknown


def _blank_or_space(value: Any) -> bool:
    return is_blank(value) or (isinstance(value, str) and not value.strip())


def _find_tables(
    path: Path,
    sheet: str,
    grid: Iterable[Sequence[Any]],
    columns: Sequence[Column],
    key_columns: Sequence[str],
    min_matches: int = MIN_HEADER_MATCHES,
) -> SheetTable | None:
    rows = iter(grid)
    header: SheetTable | None = None
    best = 0
    buffered: list[Sequence[Any]] = []
    for number in range(1, HEADER_SCAN_ROWS + 1):
        try:
            row = next(rows)
        except StopIteration:
            break
        buffered.append(row)
        found, unknown = _match_header(row, columns)
        if len(found) >= min_matches and len(found) > best:
            best = len(found)
            header = SheetTable(
                path=path, sheet=sheet, header_row=number, columns=found, unknown_headers=unknown
            )
    if header is None:
        return None
    keys = tuple(header.columns)
    indices = tuple(header.columns.values())
    present_keys = tuple(k for k in key_columns if k in header.columns)
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
    for number, raw, values, has_key in zip(
        range(first_number, first_number + len(data)),
        data,
        zip(*by_column),
        keyed or [False] * len(data),
    ):
        cells = dict(zip(keys, values))
        if has_key:  # a name or an ID: a data row
            header.rows.append(Row(number, cells))
            continue
        filled = [k for k, v in cells.items() if not is_blank(v)]
        if not filled:
            continue
        first = next((str(v) for v in raw if not _blank_or_space(v)), "")
        if len(filled) < min_filled or first.startswith(NOTE_PREFIXES):
            header.skipped_notes.append(number)
            continue
        header.rows.append(Row(number, cells))
    return header


def read_tables(
    path: Path,
    columns: Sequence[Column],
    key_columns: Sequence[str] = (),
    min_matches: int = MIN_HEADER_MATCHES,
) -> list[SheetTable]:
    """Every sheet of ``path`` that has a recognisable header, with its data rows.

    ``key_columns``: a row filling none of these and fewer than three columns is a note.
    ``min_matches``: how many known column names make a row the header (fewer for small sheets).
    Raises WorkbookError (naming the file and what to do) when the file cannot be read
    or no sheet has a header.
    """
    path = Path(path)
    sheets = read_sheets(path)
    tables = []
    rows = 0
    for name, grid in sheets:
        table = _find_tables(path, name, grid, columns, key_columns, min_matches)
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
            f"{path.name}：在各工作表的前{HEADER_SCAN_ROWS}行中都找不到表头（应包含 {expected} 等列名）；"
            "请使用 qjtitle 生成的表格填写（申报表：qjtitle applicants template；会议用表：qjtitle meeting sheets）"
        )
    return tables
