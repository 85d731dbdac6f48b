"""Reading workbooks as employers really fill them, and writing safe ones.

Reading (python-calamine, which reads ``.xlsx``, ``.xlsm``, ``.xls`` and ``.ods``
several times faster than openpyxl; CSV in UTF-8 or GBK): the header row is found
among the first rows of each sheet (title rows and merged cells above it are
passed over), header names are matched through aliases after normalisation,
blank and note rows are skipped, and every kept row carries its sheet and row
number so that messages can point at the cell.

Writing (openpyxl): a string that starts with ``=``, ``+``, ``-`` or ``@`` is
stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from qjtitle.errors import WorkbookError

HEADER_SCAN_ROWS = 20  # the header row is looked for among this many rows of a sheet
MIN_HEADER_MATCHES = 3  # a row is a header when this many of its cells name known columns
NOTE_PREFIXES = ("注", "说明", "填表", "备注：", "合计", "总计", "审核", "单位负责人", "分管领导", "填报")
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv"}
READABLE_SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES
_FORMULA_START = ("=", "+", "-", "@")

# --- Text normalisation ----------------------------------------------------------

_ZERO_WIDTH: dict[int, int | None] = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CLEAN = {
    **_ZERO_WIDTH,
    **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},  # ０-９
    **{cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)},  # ａ-ｚ
    0x3000: 0x20,  # ideographic space
    0x00A0: 0x20,  # no-break space
}


def _clean_text(value: str) -> str:
    return " ".join(value.translate(_CLEAN).split())


@lru_cache(maxsize=16384)  # units, counties, titles repeat on every row
def clean_text(value: str) -> str:
    """Zero-width characters removed, full-width digits/letters/spaces made ASCII, runs of space folded."""
    return _clean_text(value)


@lru_cache(maxsize=8192)
def compare_key(value: str) -> str:
    """A key for comparing names typed by different people: NFKC, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", value.translate(_ZERO_WIDTH)).split()).lower()


def _header_key(value: object) -> str:
    key = compare_key(str(value))
    return key.replace("*", "").replace("★", "").replace("※", "")


def _strip_parenthetical(key: str) -> str:
    return re.sub(r"\([^)]*\)$", "", key)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- Columns and tables ----------------------------------------------------------


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


class _Normalised(dict):  # type: ignore[type-arg]
    """Cell values as ``_cell`` makes them, each distinct text cleaned once per sheet.

    Not clean_text's own bounded cache: names, ID numbers and phones are new on every row and would
    evict the texts that repeat (20,000 rows: 60,000 misses). Only texts are kept: 1, 1.0 and True are
    equal keys in a dict, but not the same cell."""

    def __init__(self) -> None:
        super().__init__({None: None, "": ""})

    def __missing__(self, value: Any) -> Any:
        if type(value) is str:
            self[value] = text = _clean_text(value)
            return text
        return _cell(value)


def _cell(value: Any) -> Any:
    """A cell that is not text (texts are cleaned by _Normalised): whole floats become ints."""
    if isinstance(value, str):  # a str subclass
        return _clean_text(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _is_blank(value: Any) -> bool:
    return value is None or value == ""


def _match_header(row: Sequence[Any], columns: Sequence[Column]) -> tuple[dict[str, int], list[str]]:
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
    return _is_blank(value) or (isinstance(value, str) and not value.strip())


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
            header = SheetTable(path=path, sheet=sheet, header_row=number, columns=found, unknown_headers=unknown)
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
    if all(len(raw) > last for raw in data):  # a workbook's rows all have the sheet's width
        columns = [list(map(normalised.__getitem__, map(itemgetter(i), data))) for i in indices]
    else:  # CSV lines can be short
        columns = [[normalised[raw[i]] if i < len(raw) else None for raw in data] for i in indices]
    min_filled = min(min_matches, MIN_HEADER_MATCHES)
    filled_keys = [[v is not None and v != "" for v in columns[keys.index(k)]] for k in present_keys]
    keyed = list(map(any, zip(*filled_keys)))
    first_number = header.header_row + 1
    for number, raw, values, has_key in zip(
        range(first_number, first_number + len(data)), data, zip(*columns), keyed or [False] * len(data)
    ):
        cells = dict(zip(keys, values))
        if has_key:  # a name or an ID: a data row
            header.rows.append(Row(number, cells))
            continue
        filled = [k for k, v in cells.items() if not _is_blank(v)]
        if not filled:
            continue
        first = next((str(v) for v in raw if not _blank_or_space(v)), "")
        if len(filled) < min_filled or first.startswith(NOTE_PREFIXES):
            header.skipped_notes.append(number)
            continue
        header.rows.append(Row(number, cells))
    return header


def read_tables(
    path: Path, columns: Sequence[Column], key_columns: Sequence[str] = (), min_matches: int = MIN_HEADER_MATCHES
) -> list[SheetTable]:
    """Every sheet of ``path`` that has a recognisable header, with its data rows.

    ``key_columns``: a row filling none of these and fewer than three columns is a note.
    ``min_matches``: how many known column names make a row the header (fewer for small sheets).
    Raises WorkbookError (naming the file and what to do) when the file cannot be read
    or no sheet has a header.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise WorkbookError(f"找不到文件 {path}；请核对路径和文件名（可以把文件拖进终端窗口，自动填上完整路径）")
    if suffix in CSV_SUFFIXES:
        sheets = [(path.stem, _read_csv(path))]
    elif suffix in WORKBOOK_SUFFIXES:
        sheets = _read_workbook(path)
    elif suffix in {".et", ".ett"}:
        raise WorkbookError(f"{path.name}：WPS 表格格式（{suffix}）无法直接读取；请在 WPS 中“另存为” .xlsx 后重新导入")
    else:
        raise WorkbookError(f"{path.name}：不是表格文件（支持 .xlsx、.xls、.xlsm、.ods、.csv）")
    tables = []
    for name, grid in sheets:
        table = _find_tables(path, name, grid, columns, key_columns, min_matches)
        if table is not None:
            tables.append(table)
    if not tables:
        expected = "、".join([c.label for c in columns if c.required] or [c.label for c in columns][:6])[:60]
        raise WorkbookError(
            f"{path.name}：在各工作表的前{HEADER_SCAN_ROWS}行中都找不到表头（应包含 {expected} 等列名）；"
            "请使用 qjtitle 生成的表格填写（申报表：qjtitle applicants template；会议用表：qjtitle meeting sheets）"
        )
    return tables


# A hostile or broken .xlsx can put one cell at XFD1048576: calamine then allocates the whole rectangle
# (6.7 GB for 1,048,576 rows × 200 columns) and the process dies. Before calamine loads a sheet, its
# XML is searched (streaming) for far rows and columns, and a sheet too big for any roster is refused.
MAX_SHEET_CELLS = 6_000_000  # rows × columns of one sheet (a 20,000-row roster is about 500,000)
MAX_SHEET_XML_BYTES = 400 * 1024 * 1024  # uncompressed XML of one sheet (a zip bomb stops here)
_NEAR_ROWS, _NEAR_COLUMNS = 99_999, 52  # what a sheet without far references can reach (A..AZ)
# r="BA17" and beyond (column 53 on), or row 100000 and beyond, of a row or a cell: one pass over the XML
_FAR_REFERENCE = re.compile(rb'r="(?:([A-Z]{3}|[B-Z][A-Z])([0-9]+)"|[A-Z]{0,3}([0-9]{6,7})")')


def _check_sheet_sizes(path: Path) -> None:
    """Refuse an .xlsx/.xlsm whose sheets would not fit in memory, before calamine loads them."""
    try:
        _scan_sheet_sizes(path)
    except WorkbookError:
        raise
    except Exception:  # noqa: BLE001 - a damaged zip (bad CRC, unknown version, …): calamine says what is wrong
        return


def _scan_sheet_sizes(path: Path) -> None:
    import zipfile

    archive = zipfile.ZipFile(path)
    too_big = "请在 Excel 或 WPS 中删除表格下方和右侧多余的行列后另存为 .xlsx 再导入"
    with archive:
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            if info.file_size > MAX_SHEET_XML_BYTES:
                raise WorkbookError(f"{path.name}：工作表数据过大（解压后 {info.file_size // 1048576} MB），不像申报表；{too_big}")
            rows, cols = _NEAR_ROWS, _NEAR_COLUMNS
            far_rows: list[int] = []
            far_cols: list[int] = []
            with archive.open(info) as fh:
                read, tail = 0, b""
                while chunk := fh.read(4 << 20):
                    read += len(chunk)
                    if read > MAX_SHEET_XML_BYTES:  # the size in the zip's header can lie
                        raise WorkbookError(f"{path.name}：工作表数据过大，不像申报表；{too_big}")
                    data, tail = tail + chunk, chunk[-64:]
                    for column, row, far_row in set(_FAR_REFERENCE.findall(data)):
                        if column:
                            far_cols.append(_column_number(column))
                        if len(row or far_row) > 5:
                            far_rows.append(int(row or far_row))
            rows = max([rows, *far_rows])
            cols = max([cols, *far_cols])
            if rows * cols > MAX_SHEET_CELLS:
                shown_rows = max(far_rows) if far_rows else f"不到 {_NEAR_ROWS + 1}"
                shown_cols = max(far_cols) if far_cols else f"不到 {_NEAR_COLUMNS + 1}"
                raise WorkbookError(
                    f"{path.name}：工作表的数据区域过大（{shown_rows} 行 × {shown_cols} 列，"
                    f"多半是远处有误填的单元格或格式）；{too_big}"
                )


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _read_workbook(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        _check_sheet_sizes(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except FileNotFoundError:
        raise WorkbookError(f"{path}：文件不存在") from None
    except PasswordError:
        raise WorkbookError(f"{path.name}：工作簿设有打开密码；请去掉密码后另存再导入") from None
    except (CalamineError, OSError, ValueError):
        if path.stat().st_size == 0 if path.exists() else False:
            raise WorkbookError(f"{path.name}：文件是空的（0 字节）；请向填报单位重新索取") from None
        raise WorkbookError(
            f"{path.name}：文件已损坏或不是真正的 {path.suffix} 工作簿；"
            "请用 Excel 或 WPS 打开后“另存为” .xlsx 再导入"
        ) from None
    try:
        sheets = []
        for meta in workbook.sheets_metadata:
            if str(meta.typ).endswith("WorkSheet") is False:
                continue
            try:
                grid = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except (CalamineError, ValueError, OverflowError):
                raise WorkbookError(f"{path.name}，工作表“{meta.name}”无法读取；请用 Excel 或 WPS 打开后另存为 .xlsx 再导入") from None
            except BaseException as exc:  # a panic inside calamine (pyo3's PanicException is a BaseException)
                if type(exc).__name__ != "PanicException":
                    raise
                raise WorkbookError(f"{path.name}，工作表“{meta.name}”已损坏，无法读取；请用 Excel 或 WPS 打开后另存为 .xlsx 再导入") from None
            sheets.append((meta.name, grid))
        return sheets
    finally:
        workbook.close()


def _read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    if not data.strip():
        raise WorkbookError(f"{path.name}：文件是空的；请向填报单位重新索取")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes any byte string, kept for clarity
        raise WorkbookError(f"{path.name}：无法识别文件编码；请另存为 UTF-8 或 .xlsx")
    if "\x00" in text:
        raise WorkbookError(f"{path.name}：不是文本格式的 CSV 文件；请用 Excel 另存为 .xlsx 或 CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


# --- Dates -----------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (3654, 73051)  # 1910-01-01 .. 2099-12-31 as Excel serial numbers
_DATE_TEXT = [
    re.compile(r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*月?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
]


@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    precision: str = "day"  # day | month
    problem: str | None = None


def parse_date(raw: Any) -> ParsedDate:
    """A date as employers write it (see ``_parse_date``); repeated values are parsed once."""
    try:
        return _parse_date_cached(raw)
    except TypeError:  # unhashable: parse directly
        return _parse_date(raw)


@lru_cache(maxsize=16384, typed=True)  # rosters repeat the same months on every row
def _parse_date_cached(raw: Any) -> ParsedDate:
    return _parse_date(raw)


def _parse_date(raw: Any) -> ParsedDate:
    """A date as employers write it: a real date, an Excel serial, or text such as 1985.03,
    1985年3月, 1985-3, 198503, 1985/3/15. Year-month values are the 1st of the month."""
    if _is_blank(raw):
        return ParsedDate(None)
    if isinstance(raw, datetime):
        return ParsedDate(raw.date())
    if isinstance(raw, date):
        return ParsedDate(raw)
    if isinstance(raw, bool):
        return ParsedDate(None, problem=f"“{raw}”不是日期")
    if isinstance(raw, int):
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1]:
            return ParsedDate(EXCEL_EPOCH + timedelta(days=raw))
        return parse_date(str(raw))
    if isinstance(raw, float):
        if 1900 < raw < 2100:  # 1985.03 typed into a number cell
            year_text, _, frac = repr(raw).partition(".")
            if frac == "1":
                return ParsedDate(
                    None,
                    problem=f"“{raw}”有歧义：Excel 把 {year_text}.10 和 {year_text}.1 都存成 {raw}，无法判断是1月还是10月",
                )
            if len(frac) > 2:
                return ParsedDate(None, problem=f"“{raw}”不是可识别的日期")
            return _ym(int(year_text), int(frac), repr(raw))
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1]:
            return ParsedDate(EXCEL_EPOCH + timedelta(days=int(raw)))
        return ParsedDate(None, problem=f"“{raw}”不是日期")
    text = unicodedata.normalize("NFKC", clean_text(str(raw)))  # １９８５．０３, 1985／3 typed full-width
    for pattern in _DATE_TEXT:
        match = pattern.match(text)
        if match:
            parts = match.groupdict()
            if parts.get("d"):
                try:
                    return ParsedDate(date(int(parts["y"]), int(parts["m"]), int(parts["d"])))
                except ValueError:
                    return ParsedDate(None, problem=f"“{text}”不是存在的日期")
            return _ym(int(parts["y"]), int(parts["m"]), text)
    return ParsedDate(None, problem=f"“{text}”不是可识别的日期")


def _ym(year: int, month: int, shown: str) -> ParsedDate:
    if not 1 <= month <= 12:
        return ParsedDate(None, problem=f"“{shown}”中的月份 {month} 不存在")
    return ParsedDate(date(year, month, 1), precision="month")


DATE_FIX = "请写成 1985-03-15、1985年3月 或 1985.03 的形式（年份4位）"


# --- Writing ---------------------------------------------------------------------


def safe_value(value: Any) -> Any:
    """Values as they should be written to a cell (dates stay dates)."""
    if value is None:
        return None
    if isinstance(value, (int, float, date, datetime)) and not isinstance(value, bool):
        return value
    return str(value)


def set_cell(cell: Any, value: Any) -> None:
    """Write ``value`` into an openpyxl cell; formula-like strings are stored as text."""
    value = safe_value(value)
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_START)
