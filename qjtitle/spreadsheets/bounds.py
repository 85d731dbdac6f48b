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

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from qjtitle.errors import WorkbookError

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
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv"}
READABLE_SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES
_FORMULA_START = ("=", "+", "-", "@")

# --- Text normalisation ----------------------------------------------------------

_ZERO_WIDTH: dict[int, int | None] = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None
)
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
            if len(value) > MAX_CELL_CHARS:
                raise _LongCell(value)
            self[value] = text = _clean_text(value)
            return text
        return _cell(value)


class _LongCell(Exception):
    """A text longer than a cell may hold (only a CSV can have one): _find_tables names its cell."""


def _cell(value: Any) -> Any:
    """A cell that is not text (texts are cleaned by _Normalised): whole floats become ints."""
    if isinstance(value, str):  # a str subclass
        return _clean_text(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _is_blank(value: Any) -> bool:
    return value is None or value == ""


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
            columns = [list(map(normalised.__getitem__, map(itemgetter(i), data))) for i in indices]
        else:  # CSV lines can be short
            columns = [
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
        [v is not None and v != "" for v in columns[keys.index(k)]] for k in present_keys
    ]
    keyed = list(map(any, zip(*filled_keys)))
    first_number = header.header_row + 1
    for number, raw, values, has_key in zip(
        range(first_number, first_number + len(data)),
        data,
        zip(*columns),
        keyed or [False] * len(data),
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


def _too_many_rows(path: Path, rows: str) -> WorkbookError:
    return WorkbookError(
        f"{path.name}：数据行数过多（{rows}，一个文件最多 {MAX_DATA_ROWS} 行），不像一个单位的申报表；"
        "请按单位拆分为多个文件后分别导入"
    )


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
    suffix = path.suffix.lower()
    if not path.exists():
        raise WorkbookError(
            f"找不到文件 {path}；请核对路径和文件名（可以把文件拖进终端窗口，自动填上完整路径）"
        )
    if suffix in CSV_SUFFIXES:
        sheets = [(path.stem, _read_csv(path))]
    elif suffix in WORKBOOK_SUFFIXES:
        sheets = _read_workbook(path)
    elif suffix in {".et", ".ett"}:
        raise WorkbookError(
            f"{path.name}：WPS 表格格式（{suffix}）无法直接读取；请在 WPS 中“另存为” .xlsx 后重新导入"
        )
    else:
        raise WorkbookError(f"{path.name}：不是表格文件（支持 .xlsx、.xls、.xlsm、.ods、.csv）")
    tables = []
    rows = 0
    for name, grid in sheets:
        table = _find_tables(path, name, grid, columns, key_columns, min_matches)
        if table is not None:
            tables.append(table)
            rows += len(table.rows)
            if rows > MAX_DATA_ROWS:
                raise _too_many_rows(path, f"至少 {rows} 行")
    if not tables:
        expected = "、".join(
            [c.label for c in columns if c.required] or [c.label for c in columns][:6]
        )[:60]
        raise WorkbookError(
            f"{path.name}：在各工作表的前{HEADER_SCAN_ROWS}行中都找不到表头（应包含 {expected} 等列名）；"
            "请使用 qjtitle 生成的表格填写（申报表：qjtitle applicants template；会议用表：qjtitle meeting sheets）"
        )
    return tables


# --- Bounds on what a file may make the reader allocate (issue 15) -----------------------------------
#
# calamine allocates a sheet's whole rectangle (rows × columns, 32 bytes a cell) and, reading an
# .xlsx, copies a shared string into every cell that uses it; a Rust allocation that fails aborts the
# whole process, so every part is measured (streaming, with a byte limit: the sizes a zip declares can
# lie) before calamine sees the file. What a roster can never need is refused with a Chinese message.
MAX_SHEET_CELLS = 3_000_000  # rows × columns of one sheet (a 20,000-row roster is 420,000; 3,000,000 read in 280 MiB)
MAX_PART_BYTES = (
    256 * 1024 * 1024
)  # uncompressed XML of one part of an .xlsx/.ods (a sheet: ~30 MB at 20,000 rows)
MAX_SHARED_STRINGS = 2_000_000  # distinct texts of an .xlsx (a 20,000-row roster has ~150,000)
MAX_CELL_CHARS = 32_767  # Excel's own limit for the text of one cell
MAX_COPIED_BYTES = (
    128 * 1024 * 1024
)  # long shared texts (over 4 KB) copied into cells, all sheets together
MAX_CSV_BYTES = 64 * 1024 * 1024  # a CSV file (20,000 rows are about 6 MB)
MAX_DATA_ROWS = (
    50_000  # data rows of one file, all sheets (a city's yearly roster is a few thousand)
)
_MAX_RUN = (
    8 * 1024 * 1024
)  # bytes of XML without a tag (a cell's text is at most ~200 KB however written)
_LONG_SHARED = 4096  # bytes of XML from which a shared text is counted each time a cell copies it
_TOO_BIG = "请在 Excel 或 WPS 中删除表格下方和右侧多余的行列后另存为 .xlsx 再导入"
# Fast path, for sheets whose rows and cells are all written <row r="…" and <c r="…" (Excel, WPS, openpyxl).
# Four passes over the XML at 20,000 rows (~0.1 s together; each costs about as much as unzipping it):
# - _STRAY_R: an r attribute written any other way (r='…', r = "…", r= "…", after another attribute, a
#   second r in a tag: calamine takes the last one), or a namespace-prefixed row or cell;
# - the row numbers, and the column letters of every cell whose row has no more digits than the longest
#   row number (so its row stays below 10 ** digits); each pattern's last branch matches a row or cell tag
#   in any other form and gives b"" (walked then).
_STRAY_R = re.compile(rb' r(?:\s|=[^"]|(?<!<c r)(?<!<row r)=)')
_ROW_FAST = re.compile(rb'<row(?: r="([0-9]+)"|[^ a-zA-Z]| )')
_CELL_ROW = re.compile(rb'<c r="[A-Z]*([0-9]+)')


@lru_cache(maxsize=16)
def _cell_columns(digits: int) -> re.Pattern[bytes]:
    return re.compile(rb'<c(?: r="([A-Z]+)[0-9]{1,%d}"|[^ a-zA-Z]| )' % digits)


# Anything else (r='…', r = "…", rows or cells without r, namespace prefixes) is walked tag by tag, the way
# calamine numbers them: a row or a cell without r follows the one before it.
# (Searches that each start with a literal: one alternation of them all takes ten times as long.)
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")  # <x:c …>
_ODD_BYTES = (
    (b"\t", b"\tr"),
    (b"\n", b"\nr"),
    (b"\r", b"\rr"),
)  # r after a tab or a line break (rare: memchr first)
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(
    rb"""(?:^|\s)r\s*=\s*["']\s*\$?([A-Za-z]*)\$?([0-9]*)"""
)  # x:r is another attribute
_SHARED_CELL = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\bt\s*=\s*["']s["'][^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?v>\s*([0-9]+)"""
)
_SI_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?si>")


def _check_sheet_sizes(path: Path) -> None:
    """Refuse an .xlsx/.xlsm whose parts would not fit in memory, before calamine loads them."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except Exception:  # noqa: BLE001 - not a zip, or a damaged one: calamine says what is wrong
        return
    with archive:
        try:
            _scan_parts(path, archive)
        except WorkbookError:
            raise
        except MemoryError:
            raise WorkbookError(f"{path.name}：文件过大，无法读取；{_TOO_BIG}") from None
        except Exception:  # noqa: BLE001 - a damaged member (bad CRC, unknown compression): calamine reports it
            return


def _pieces(path: Path, fh: Any, limit: int = MAX_PART_BYTES) -> Iterator[bytes]:
    """A zip member's bytes in pieces of about 4 MB that each end before a '<' (no tag is cut in two)."""
    read, carry = 0, b""
    while chunk := fh.read(4 << 20):
        read += len(chunk)
        if read > limit:  # the size in the zip's header can lie
            raise WorkbookError(
                f"{path.name}：表格文件的内容过大（解压后超过 {limit // 1048576} MB），不像申报表；请检查表格后另存为 .xlsx 再导入"
            )
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut <= 0:
            if (
                len(data) > _MAX_RUN
            ):  # no cell's text or tag is that long: stop before copying it again and again
                raise WorkbookError(
                    f"{path.name}：文件中有一段异常长的内容（超过 {_MAX_RUN // 1048576} MB），不像申报表；"
                    "请检查表格后另存为 .xlsx 再导入"
                )
            carry = data
            continue
        carry = data[cut:]
        yield data[:cut]
    if carry:
        yield carry


def _scan_parts(path: Path, archive: Any) -> None:
    infos = archive.infolist()
    for info in infos:
        if info.file_size > MAX_PART_BYTES:
            fix = (
                _TOO_BIG
                if info.filename.startswith("xl/worksheets/")
                else "请检查表格后另存为 .xlsx 再导入"
            )
            raise WorkbookError(
                f"{path.name}：表格文件的内容过大（{info.filename} 解压后 {info.file_size // 1048576} MB），不像申报表；{fix}"
            )
    long_strings = _scan_shared_strings(path, archive, infos)
    copied = 0
    for info in infos:
        name = info.filename.lower()
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            if name.endswith(
                (".xml", ".rels")
            ):  # styles, workbook: read whole by calamine, so bounded too
                with archive.open(info) as fh:
                    for _ in _pieces(path, fh):
                        pass
            continue
        bound = _SheetBound()
        with archive.open(info) as fh:
            for piece in _pieces(path, fh):
                bound.scan(piece)
                if long_strings:
                    copied += sum(long_strings.get(int(i), 0) for i in _SHARED_CELL.findall(piece))
                    if copied > MAX_COPIED_BYTES:
                        raise WorkbookError(
                            f"{path.name}：很长的文字被大量单元格重复引用（展开后超过 {MAX_COPIED_BYTES // 1048576} MB），"
                            f"不像申报表；请检查表格后另存为 .xlsx 再导入"
                        )
        if bound.too_big() and bound.loose:  # perhaps: read every cell's row this time
            bound = _SheetBound(exact=True)
            with archive.open(info) as fh:
                for piece in _pieces(path, fh):
                    bound.scan(piece)
        bound.check(path)


def _scan_shared_strings(path: Path, archive: Any, infos: list[Any]) -> dict[int, int]:
    """Count the shared texts (refusing too many, or one too long) and return the long ones: index → bytes."""
    long_strings: dict[int, int] = {}
    for info in infos:
        if not info.filename.lower().endswith("sharedstrings.xml"):
            continue
        count = 0
        with archive.open(info) as fh:
            last = 0
            for piece in _pieces(path, fh):
                ends = [m.end() for m in _SI_END.finditer(piece)]
                for i, end in enumerate(ends):
                    size = end - (ends[i - 1] if i else 0) + (last if i == 0 else 0)
                    if size > _LONG_SHARED:
                        long_strings[count + i] = size
                        if (
                            size > 8 * MAX_CELL_CHARS + 4096
                        ):  # no cell's text is that long, however it is written
                            raise WorkbookError(
                                f"{path.name}：第 {count + i + 1} 段共享文字超过 Excel 单元格上限（{MAX_CELL_CHARS} 个字符）；"
                                "请检查表格后另存为 .xlsx 再导入"
                            )
                count += len(ends)
                last = (len(piece) - ends[-1]) if ends else last + len(piece)
                if last > 8 * MAX_CELL_CHARS + 4096:
                    raise WorkbookError(
                        f"{path.name}：第 {count + 1} 段共享文字超过 Excel 单元格上限（{MAX_CELL_CHARS} 个字符）；"
                        "请检查表格后另存为 .xlsx 再导入"
                    )
                if count > MAX_SHARED_STRINGS:
                    raise WorkbookError(
                        f"{path.name}：共享文字超过 {MAX_SHARED_STRINGS} 段，不像申报表；请检查表格后另存为 .xlsx 再导入"
                    )
    return long_strings


class _SheetBound:
    """The rows and columns a sheet's XML reaches, as calamine would number them."""

    def __init__(self, exact: bool = False) -> None:
        self.rows = self.cols = 0  # reached so far
        self.row = self.col = 0  # where the last cell was, for a walk that goes on from there
        self.exact = (
            exact  # every cell's row read (else bounded by its number of digits, see _fast)
        )
        self.loose = 0  # the bound on the rows of cells not read one by one

    def scan(self, piece: bytes) -> None:
        if (
            _PREFIXED.search(piece)
            or _STRAY_R.search(piece)
            or any(ch in piece and odd in piece for ch, odd in _ODD_BYTES)
        ):
            self._walk(piece)
            return
        row_numbers = _ROW_FAST.findall(piece)
        if b"" in row_numbers:
            self._walk(piece)
            return
        # Cells that go on the row where the last piece ended have that row's number.
        digits = max(max(map(len, row_numbers), default=1), len(str(self.row)))
        letters = set(_cell_columns(digits).findall(piece))
        if b"" in letters:  # a cell in another form, or one whose row has more digits: walked
            self._walk(piece)
            return
        self._fast(piece, letters, row_numbers, digits)

    def _fast(
        self, piece: bytes, letters: set[bytes], row_numbers: list[bytes], digits: int
    ) -> None:
        if letters:
            self.cols = max(self.cols, max(map(_column_number, letters)))
        if row_numbers:
            self.row = int(
                row_numbers[-1]
            )  # where a walk goes on from, should a later piece need one
            self.col = 0
            self.rows = max(self.rows, max(map(int, row_numbers)))
        at = piece.rfind(b'<c r="')
        if at > piece.rfind(b'<row r="'):
            found = re.match(rb"[A-Z]+", piece[at + 6 : at + 10])
            self.col = _column_number(found.group()) if found else self.col
        # The cells' own rows (calamine places a cell by its r, whatever its row says): reading them all costs
        # as much as the rest of the check, so unless asked to, they are only bounded: every cell matched has at
        # most `digits` digits (a longer one made the piece walked), so its row is below 10 ** digits.
        if self.exact:
            numbers = set(_CELL_ROW.findall(piece))
            if numbers:
                self.rows = max(self.rows, max(map(int, numbers)))
        elif letters:
            self.loose = max(self.loose, 10**digits - 1)

    def too_big(self) -> bool:
        """Too many cells for sure (exact), or perhaps (then the sheet is read again with exact=True)."""
        return max(self.rows, self.loose) * self.cols > MAX_SHEET_CELLS

    def _walk(self, piece: bytes) -> None:
        row, col, rows, cols = self.row, self.col, self.rows, self.cols
        for tag, attrs in _TAG.findall(piece):
            refs = _R_ATTR.findall(attrs)
            ref = refs[-1] if refs else None  # calamine takes the last r of a tag
            if tag == b"row":
                row = int(ref[1]) if ref and ref[1] else row + 1
                col = 0
                continue
            if ref and ref[0]:
                col = _column_number(ref[0].upper())
            else:
                col += 1
            cell_row = int(ref[1]) if ref and ref[1] else row
            rows = max(rows, cell_row)
            cols = max(cols, col)
        self.row, self.col, self.rows, self.cols = row, col, rows, cols

    def check(self, path: Path) -> None:
        if self.too_big():
            raise WorkbookError(
                f"{path.name}：工作表的数据区域过大（{self.rows} 行 × {self.cols} 列，"
                f"多半是远处有误填的单元格或格式）；{_TOO_BIG}"
            )


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


# An .ods repeats rows and cells by count (table:number-rows-repeated="1048000"); calamine expands the
# repeats of every row up to the last one that holds something, so they are added up first.
_ODS_TOKEN = re.compile(
    rb"<(?:[\w.-]+:)?(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)>|</(?:[\w.-]+:)?(table-row|table)>"
)
_ODS_REPEAT = re.compile(rb"""number-(rows|columns)-repeated\s*=\s*["']\s*([0-9]+)""")


def _check_ods_sizes(path: Path) -> None:
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
        info = archive.getinfo("content.xml")
    except Exception:  # noqa: BLE001 - calamine says what is wrong
        return
    with archive:
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookError(
                f"{path.name}：表格文件的内容过大（解压后 {info.file_size // 1048576} MB），不像申报表；{_TOO_BIG}"
            )
        rows = cols = 0  # of the current table: rows before the current one, the widest filled row
        repeat = 1  # the current row's repeat count
        row_cols = filled_to = 0  # the current row: cells so far, and up to the last filled one
        filled_rows = 0  # rows up to the last one that holds something
        try:
            with archive.open(info) as fh:
                for piece in _pieces(path, fh):
                    for name, attrs, end in _ODS_TOKEN.findall(piece):
                        if end == b"table-row":
                            if filled_to:
                                cols = max(cols, filled_to)
                                filled_rows = rows + repeat
                            rows += repeat
                        elif end == b"table" or name == b"table":
                            rows = cols = filled_rows = 0
                        elif name == b"table-row":
                            found = dict(_ODS_REPEAT.findall(attrs))
                            repeat = max(1, int(found.get(b"rows", 1)))
                            row_cols = filled_to = 0
                            if attrs.rstrip().endswith(b"/"):  # <table:table-row/>: an empty row
                                rows += repeat
                        else:
                            found = dict(_ODS_REPEAT.findall(attrs))
                            row_cols += max(1, int(found.get(b"columns", 1)))
                            if not attrs.rstrip().endswith(b"/") or b"value-type" in attrs:
                                filled_to = row_cols
                        if (
                            filled_rows * cols > MAX_SHEET_CELLS
                            or rows > 50_000_000
                            or row_cols > 50_000_000
                        ):
                            raise WorkbookError(
                                f"{path.name}：工作表的数据区域过大（重复的行列展开后超过 {MAX_SHEET_CELLS} 个单元格）；"
                                "请在 LibreOffice、WPS 或 Excel 中删除多余的行列后另存为 .xlsx 再导入"
                            )
        except WorkbookError:
            raise
        except Exception:  # noqa: BLE001 - a damaged member: calamine reports it
            return


# An .xls is a compound file whose Workbook stream is a run of BIFF records; a cell record starts with its
# row and column (two 16-bit numbers). calamine allocates rows × columns of a sheet (65536 × 256 cells:
# 1.2 GB), so the records are walked first.
_XLS_CELL_RECORDS = frozenset(
    {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0406}
)
_XLS_MULTI_RECORDS = frozenset(
    {0x00BD, 0x00BE}
)  # MULRK, MULBLANK: row, first column, …, last column
_XLS_BOF = 0x0809


def _check_xls_sizes(path: Path) -> None:
    import struct

    import olefile  # type: ignore[import-untyped]

    try:
        if path.stat().st_size > MAX_PART_BYTES:
            raise WorkbookError(
                f"{path.name}：文件过大（{path.stat().st_size // 1048576} MB），不像申报表；{_TOO_BIG}"
            )
        with olefile.OleFileIO(str(path)) as ole:
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            if stream is None:
                return
            data = ole.openstream(stream).read()
    except WorkbookError:
        raise
    except Exception:  # noqa: BLE001 - not a compound file, or a damaged one: calamine says what is wrong
        return
    unpack = struct.unpack_from
    pos, end = 0, len(data) - 4
    rows = cols = 0
    while pos <= end:
        kind, size = unpack("<HH", data, pos)
        body = pos + 4
        pos = body + size
        if kind in _XLS_CELL_RECORDS and size >= 4:
            row, col = unpack("<HH", data, body)
        elif kind in _XLS_MULTI_RECORDS and size >= 6 and pos <= len(data):
            row = unpack("<H", data, body)[0]
            col = unpack("<H", data, pos - 2)[0]
        elif kind == _XLS_BOF:
            rows = cols = 0  # a new sheet
            continue
        else:
            continue
        if row >= rows:
            rows = row + 1
        if col >= cols:
            cols = col + 1
        if rows * cols > MAX_SHEET_CELLS:
            raise WorkbookError(
                f"{path.name}：工作表的数据区域过大（有单元格位于第 {row + 1} 行第 {col + 1} 列，"
                f"多半是远处有误填的单元格或格式）；{_TOO_BIG}"
            )


def _is_panic(exc: BaseException) -> bool:
    """pyo3's PanicException (a panic inside calamine) derives from BaseException, not Exception."""
    return type(exc).__name__ == "PanicException"


@contextmanager
def _rust_stderr_hidden() -> Iterator[None]:
    """A panic inside calamine prints a Rust backtrace on the process's stderr (file descriptor 2) before
    Python sees it; the user gets a Chinese message instead, so fd 2 goes to a scratch file meanwhile."""
    import os
    import sys
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (
        OSError,
        ValueError,
        AttributeError,
    ):  # no real stderr (a GUI host, a test runner): leave it
        yield
        return
    try:
        with tempfile.TemporaryFile() as scratch:
            os.dup2(scratch.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _read_workbook(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        _check_sheet_sizes(path)
    elif suffix == ".ods":
        _check_ods_sizes(path)
    elif suffix == ".xls":
        _check_xls_sizes(path)
    resave = "请用 Excel 或 WPS 打开后“另存为” .xlsx 再导入"
    with _rust_stderr_hidden():
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except FileNotFoundError:
            raise WorkbookError(f"{path}：文件不存在") from None
        except PasswordError:
            raise WorkbookError(
                f"{path.name}：工作簿设有打开密码；请去掉密码后另存再导入"
            ) from None
        except (CalamineError, OSError, ValueError, OverflowError):
            if path.stat().st_size == 0 if path.exists() else False:
                raise WorkbookError(
                    f"{path.name}：文件是空的（0 字节）；请向填报单位重新索取"
                ) from None
            raise WorkbookError(
                f"{path.name}：文件已损坏或不是真正的 {path.suffix} 工作簿；{resave}"
            ) from None
        except BaseException as exc:
            if not _is_panic(exc):
                raise
            raise WorkbookError(
                f"{path.name}：文件已损坏（可能不完整或被截断），无法读取；{resave}"
            ) from None
        try:
            sheets = []
            for meta in workbook.sheets_metadata:
                if str(meta.typ).endswith("WorkSheet") is False:
                    continue
                try:
                    grid = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
                except (CalamineError, ValueError, OverflowError):
                    raise WorkbookError(
                        f"{path.name}，工作表“{meta.name}”无法读取；{resave}"
                    ) from None
                except BaseException as exc:
                    if not _is_panic(exc):
                        raise
                    raise WorkbookError(
                        f"{path.name}，工作表“{meta.name}”已损坏，无法读取；{resave}"
                    ) from None
                sheets.append((meta.name, grid))
            return sheets
        finally:
            workbook.close()


def _read_csv(path: Path) -> list[list[str]]:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise WorkbookError(
            f"{path.name}：CSV 文件过大（{size // 1048576} MB，上限 {MAX_CSV_BYTES // 1048576} MB），不像申报表；"
            "请按单位拆分后分别导入"
        )
    data = path.read_bytes()
    if not data.strip():
        raise WorkbookError(f"{path.name}：文件是空的；请向填报单位重新索取")
    # UTF-8 (with or without BOM), else GBK (WPS and old Excel in China); UTF-16 with its BOM ("Unicode 文本").
    encodings = (
        ("utf-16",)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        else ("utf-8-sig", "gb18030")
    )
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise WorkbookError(f"{path.name}：无法识别文件编码；请另存为 UTF-8 编码的 CSV 或 .xlsx")
    del data
    lines = max(text.count("\n"), text.count("\r"))
    if (
        lines > 2 * MAX_DATA_ROWS
    ):  # rows can span lines (a line break typed in a cell), hence the margin
        raise _too_many_rows(path, f"约 {lines} 行")
    if "\x00" in text:
        raise WorkbookError(f"{path.name}：不是文本格式的 CSV 文件；请用 Excel 另存为 .xlsx 或 CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # Any field size (the csv module refuses fields over 131,072 characters unless told) and any line end:
    # old Mac exports end lines with CR alone, which StringIO's universal newlines turns into "\n".
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, len(text) + 1))
    try:
        return list(csv.reader(io.StringIO(text, newline=None), dialect))
    except csv.Error as exc:
        raise WorkbookError(
            f"{path.name}：CSV 格式有误（{exc}）；请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
        ) from None
    finally:
        csv.field_size_limit(previous)


# --- Dates -----------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (3654, 73051)  # 1910-01-01 .. 2099-12-31 as Excel serial numbers
_DATE_TEXT = [
    re.compile(
        r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
    ),
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
    text = unicodedata.normalize(
        "NFKC", clean_text(str(raw))
    )  # １９８５．０３, 1985／3 typed full-width
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
