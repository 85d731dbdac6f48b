"""Bounds on what a file may make the reader allocate, checked before calamine sees it (issue 15).

calamine allocates a sheet's whole rectangle (rows × columns, 32 bytes a cell) and, reading an
.xlsx, copies a shared string into every cell that uses it; a Rust allocation that fails aborts the
whole process, so every part is measured (streaming, with a byte limit: the sizes a zip declares can
lie) before calamine sees the file. What a roster can never need is refused with a Chinese message.

Issue 23: the bounds follow the reader. The sheets of an .xlsx are the parts the workbook's
relationships name wherever they live (and any part holding a sheetData), an .xls's sheets are found
by their BOUNDSHEET offsets, cells and bytes are bounded for the whole file (all sheets together), and
a zip whose members cannot be read (bad CRC, encrypted, unknown compression) is refused, never let
through unchecked. calamine itself then runs in a child process (reading.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

from qjtitle.errors import WorkbookError

if TYPE_CHECKING:
    import zipfile

MAX_FILE_CELLS = 3_000_000  # rows × columns of all sheets of a file together (a 20,000-row roster is 420,000; 3,000,000 read in 280 MiB)
MAX_SHEET_CELLS = MAX_FILE_CELLS  # one sheet can have them all
MAX_FILE_BYTES = 384 * 1024 * 1024  # uncompressed bytes of all parts of an .xlsx/.ods together
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
_RESAVE = "请用 Excel 或 WPS 打开后“另存为” .xlsx 再导入"


def too_many_rows(path: Path, rows: str) -> WorkbookError:
    """The error for a file with more data rows than MAX_DATA_ROWS (``rows``: how many, in words)."""
    return WorkbookError(
        f"{path.name}：数据行数过多（{rows}，一个文件最多 {MAX_DATA_ROWS} 行），不像一个单位的申报表；"
        "请按单位拆分为多个文件后分别导入"
    )


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


def _pieces(
    path: Path, fh: IO[bytes], limit: int = MAX_PART_BYTES, xml: bool = True
) -> Iterator[bytes]:
    """A zip member's bytes in pieces of about 4 MB that each end before a '<' (no tag is cut in two).
    ``xml``: False for a part that need not be XML (a picture): a long run without a tag is then let be."""
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
            if not xml and len(data) > _MAX_RUN:
                carry = b""
                yield data
                continue
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


def _damaged(path: Path, member: str) -> WorkbookError:
    return WorkbookError(
        f"{path.name}：文件已损坏（其中的 {member} 无法读取：校验错误、加密或压缩方式不明），"
        f"无法确认它能安全读取；{_RESAVE}"
    )


def check_sheet_sizes(path: Path) -> bool:
    """Refuse an .xlsx/.xlsm whose parts would not fit in memory, before calamine loads them; True when
    the file is plain (see _scan_parts: its bounds are exact, so calamine may read it in this process).

    Every member is read (a member that cannot be read, by bad CRC, encryption or an unknown
    compression, refuses the file: the check never gives up silently). The sheets are the parts the
    workbook's relationships name, wherever they live, those under xl/worksheets/, and any other part
    holding a sheetData element; the shared strings likewise. Cells and bytes are bounded for the
    whole file, all sheets together."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return (
            False  # not a zip at all (an encrypted workbook is a compound file): calamine says what
        )
    with archive:
        try:
            return _scan_parts(path, archive)
        except WorkbookError:
            raise
        except MemoryError:
            raise WorkbookError(f"{path.name}：文件过大，无法读取；{_TOO_BIG}") from None


class _Budget:
    """What the whole file has cost so far: uncompressed bytes read, and cells of all sheets."""

    def __init__(self, path: Path) -> None:
        self.path, self.bytes, self.cells, self.sheets = path, 0, 0, 0

    def read(self, count: int) -> None:
        self.bytes += count
        if self.bytes > MAX_FILE_BYTES:
            raise WorkbookError(
                f"{self.path.name}：表格文件的内容过大（各部分解压后合计超过 {MAX_FILE_BYTES // 1048576} MB），"
                f"不像申报表；请检查表格后另存为 .xlsx 再导入"
            )

    def add_cells(self, cells: int) -> None:
        self.sheets += 1
        self.cells += cells
        if self.cells > MAX_FILE_CELLS:
            raise WorkbookError(
                f"{self.path.name}：各工作表的数据区域合计过大（{self.sheets} 个工作表共约 {self.cells} 个单元格，"
                f"一个文件最多 {MAX_FILE_CELLS} 个）；请删除多余的工作表和表格下方、右侧多余的行列后另存为 .xlsx 再导入"
            )


def _open(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    try:
        return archive.open(info)
    except Exception:  # noqa: BLE001 - encrypted, unknown compression, bad header: refused
        raise _damaged(path, info.filename) from None


def _stream(
    path: Path,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    budget: _Budget | None = None,
    xml: bool = True,
) -> Iterator[bytes]:
    """A member's pieces (see _pieces), any read error (bad CRC, truncated data) refusing the file."""
    with _open(path, archive, info) as fh:
        pieces = _pieces(path, fh, xml=xml)
        while True:
            try:
                piece = next(pieces)
            except StopIteration:
                return
            except WorkbookError:
                raise
            except MemoryError:
                raise
            except Exception:  # noqa: BLE001 - zipfile.BadZipFile (CRC), zlib.error, EOFError, …
                raise _damaged(path, info.filename) from None
            if budget is not None:
                budget.read(len(piece))
            yield piece


_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData[\s/>]")
_SST_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst[\s/>]")
_SHEET_FOLDERS = ("worksheets/", "chartsheets/", "dialogsheets/", "macrosheets/")
_RELATIONSHIP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s([^>]*)>")
_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s([^>]*)>")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attributes(attrs: bytes) -> dict[str, str]:
    import html

    return {
        key.decode("utf-8", "replace"): html.unescape((a or b).decode("utf-8", "replace"))
        for key, a, b in _ATTR.findall(attrs)
    }


def _small_member(path: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    """A relationships or workbook part (bounded like every part), or b"" when there is none."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return b""
    return b"".join(_stream(path, archive, info))


def _targets(base: str, target: str) -> set[str]:
    """Where a relationship's target may be looked for: as the package resolves it (relative to the
    folder of ``base``, or from the root), and as calamine does (xl/ prefixed unless already there)."""
    import posixpath

    target = target.replace("\\", "/")
    found = {posixpath.normpath(target.lstrip("/"))}
    if not target.startswith("/"):
        found.add(posixpath.normpath(posixpath.join(posixpath.dirname(base), target)))
    found.add(
        target[1:]
        if target.startswith("/xl/")
        else target
        if target.startswith("xl/")
        else "xl/" + target
    )
    return {t for t in found if t and not t.startswith("../")}


def _related_parts(path: Path, archive: zipfile.ZipFile) -> tuple[set[str], set[str]]:
    """The sheet parts and shared-strings parts the workbook's relationships name (lower-cased)."""
    import posixpath

    books = {"xl/workbook.xml"}
    for rel in _RELATIONSHIP.findall(_small_member(path, archive, "_rels/.rels")):
        attrs = _attributes(rel)
        if attrs.get("Type", "").endswith("/officeDocument") and attrs.get("Target"):
            books |= _targets("", attrs["Target"])
    sheets: set[str] = set()
    shared: set[str] = set()
    for book in books:
        rels_name = posixpath.join(
            posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels"
        )
        by_id: dict[str, str] = {}
        for rel in _RELATIONSHIP.findall(_small_member(path, archive, rels_name)):
            attrs = _attributes(rel)
            target = attrs.get("Target", "")
            if not target or attrs.get("TargetMode") == "External":
                continue
            by_id[attrs.get("Id", "")] = target
            if attrs.get("Type", "").endswith("/sharedStrings"):
                shared |= _targets(book, target)
        for tag in _SHEET_TAG.findall(_small_member(path, archive, book)):
            for key, value in _attributes(tag).items():
                if key.endswith(":id") and value in by_id:
                    sheets |= _targets(book, by_id[value])
    return {s.lower() for s in sheets}, {s.lower() for s in shared}


def _scan_parts(path: Path, archive: zipfile.ZipFile) -> bool:
    """Bound every part; True when the file is plain: its sheets are where the relationships and Excel
    put them (xl/worksheets/), none was found by its content alone, and every one was read in the usual
    form (no piece walked tag by tag), so what calamine allocates is bounded exactly."""
    infos = archive.infolist()
    declared = 0
    for info in infos:
        declared += info.file_size
        if info.file_size > MAX_PART_BYTES or declared > MAX_FILE_BYTES:
            fix = (
                _TOO_BIG if "sheet" in info.filename.lower() else "请检查表格后另存为 .xlsx 再导入"
            )
            size = (
                f"{info.filename} 解压后 {info.file_size // 1048576} MB"
                if info.file_size > MAX_PART_BYTES
                else f"各部分解压后合计超过 {MAX_FILE_BYTES // 1048576} MB"
            )
            raise WorkbookError(f"{path.name}：表格文件的内容过大（{size}），不像申报表；{fix}")
    budget = _Budget(path)
    related_sheets, related_shared = _related_parts(path, archive)
    plain = all(name.startswith("xl/worksheets/") for name in related_sheets)
    sheets: list[zipfile.ZipInfo] = []
    shared: list[zipfile.ZipInfo] = []
    for info in infos:
        name = info.filename.lower()
        folder = name.split("/", 1)[1] if "/" in name else ""
        if name in related_sheets or (folder.startswith(_SHEET_FOLDERS) and "/_rels/" not in name):
            sheets.append(info)
        elif name in related_shared or name.endswith("sharedstrings.xml"):
            shared.append(info)
        elif not info.is_dir():
            # every other part is read too (bounded, its CRC checked); one holding a sheet or shared
            # strings is measured as one, wherever it lives and whatever its name
            kind = None
            xml = name.endswith((".xml", ".rels", ".vml"))
            for piece in _stream(path, archive, info, budget, xml):
                if kind is None and _SHEET_DATA.search(piece):
                    kind = sheets
                elif kind is None and _SST_ROOT.search(piece):
                    kind = shared
            if kind is not None:
                kind.append(info)
                plain = False
    long_strings = _scan_shared_strings(path, archive, shared, budget)
    copied = 0
    loose: list[tuple[zipfile.ZipInfo, _SheetBound]] = []  # sheets whose cells are only bounded
    for info in sheets:
        bound = _SheetBound()
        for piece in _stream(path, archive, info, budget):
            bound.scan(piece)
            if long_strings:
                copied += sum(long_strings.get(int(i), 0) for i in _SHARED_CELL.findall(piece))
                if copied > MAX_COPIED_BYTES:
                    raise WorkbookError(
                        f"{path.name}：很长的文字被大量单元格重复引用（展开后超过 {MAX_COPIED_BYTES // 1048576} MB），"
                        f"不像申报表；请检查表格后另存为 .xlsx 再导入"
                    )
        if bound.loose and bound.too_big(MAX_FILE_CELLS - budget.cells):
            bound = _exact_bound(
                path, archive, info
            )  # perhaps too big: every cell's row read this time
        bound.check(path)
        if budget.cells + bound.cells() > MAX_FILE_CELLS and (loose or bound.loose):
            # the sheets bounded only roughly so far are read exactly before the file is refused
            bound = _exact_bound(path, archive, info) if bound.loose else bound
            budget.cells -= sum(rough.cells() for _, rough in loose)
            budget.cells += sum(_exact_bound(path, archive, i).cells() for i, _ in loose)
            loose.clear()
        if bound.loose:
            loose.append((info, bound))
        budget.add_cells(bound.cells())
        plain = plain and not bound.walked
    return plain


def _exact_bound(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _SheetBound:
    bound = _SheetBound(exact=True)
    for piece in _stream(path, archive, info):
        bound.scan(piece)
    return bound


def _scan_shared_strings(
    path: Path, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], budget: _Budget
) -> dict[int, int]:
    """Count the shared texts (refusing too many, or one too long) and return the long ones: index → bytes."""
    long_strings: dict[int, int] = {}
    for info in infos:
        count = 0
        last = 0
        for piece in _stream(path, archive, info, budget):
            ends = [m.end() for m in _SI_END.finditer(piece)]
            for i, end in enumerate(ends):
                size = end - (ends[i - 1] if i else 0) + (last if i == 0 else 0)
                if size > _LONG_SHARED and size > long_strings.get(count + i, 0):
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
        self.walked = False  # some piece was in an odd form (walked tag by tag)

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

    def cells(self) -> int:
        """The cells calamine will allocate (exact), or at most (else)."""
        return max(self.rows, self.loose) * self.cols

    def too_big(self, room: int = MAX_SHEET_CELLS) -> bool:
        """Too many cells for sure (exact), or perhaps (then the sheet is read again with exact=True)."""
        return self.cells() > room

    def _walk(self, piece: bytes) -> None:
        self.walked = True
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


def check_ods_sizes(path: Path) -> None:
    """Refuse an .ods whose tables, their repeats expanded, would not fit in memory (all tables together),
    or whose parts cannot be read (bad CRC, encrypted, unknown compression)."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip at all: calamine says what it is
    with archive:
        budget = _Budget(path)
        declared = 0
        for info in archive.infolist():
            declared += info.file_size
            if info.file_size > MAX_PART_BYTES or declared > MAX_FILE_BYTES:
                raise WorkbookError(
                    f"{path.name}：表格文件的内容过大（解压后 {declared // 1048576} MB），不像申报表；{_TOO_BIG}"
                )
        for info in archive.infolist():
            if info.filename == "content.xml":
                _bound_ods_content(path, archive, info, budget)
            elif not info.is_dir():
                xml = info.filename.lower().endswith((".xml", ".rdf"))
                for _ in _stream(path, archive, info, budget, xml):
                    pass


def _bound_ods_content(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget
) -> None:
    rows = cols = 0  # of the current table: rows before the current one, the widest filled row
    repeat = 1  # the current row's repeat count
    row_cols = filled_to = 0  # the current row: cells so far, and up to the last filled one
    filled_rows = 0  # rows up to the last one that holds something
    done = 0  # cells of the tables already read
    for piece in _stream(path, archive, info, budget):
        for name, attrs, end in _ODS_TOKEN.findall(piece):
            if end == b"table-row":
                if filled_to:
                    cols = max(cols, filled_to)
                    filled_rows = rows + repeat
                rows += repeat
            elif end == b"table" or name == b"table":
                done += filled_rows * cols
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
                done + filled_rows * cols > MAX_FILE_CELLS
                or rows > 50_000_000
                or row_cols > 50_000_000
            ):
                raise WorkbookError(
                    f"{path.name}：工作表的数据区域过大（重复的行列展开后，各工作表合计超过 {MAX_FILE_CELLS} 个单元格）；"
                    "请在 LibreOffice、WPS 或 Excel 中删除多余的行列后另存为 .xlsx 再导入"
                )


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


def check_xls_sizes(path: Path) -> None:
    import olefile

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
    # calamine finds each sheet by the offset its BOUNDSHEET record gives, not by walking on from the
    # record before: a sheet may hide inside a record of an unknown kind. Every sheet is walked from its
    # offset (all together bounded), and the whole stream from its start too (each sheet bounded).
    offsets = _xls_sheet_offsets(data)
    total = 0
    for number, offset in enumerate(offsets, 1):
        rows, cols = _xls_extent(path, data, offset, until_eof=True)
        total += rows * cols
        if total > MAX_FILE_CELLS:
            raise WorkbookError(
                f"{path.name}：各工作表的数据区域合计过大（前 {number} 个工作表共约 {total} 个单元格，"
                f"一个文件最多 {MAX_FILE_CELLS} 个）；请删除多余的工作表和表格下方、右侧多余的行列后另存为 .xlsx 再导入"
            )
    _xls_extent(path, data, 0, until_eof=False)


_XLS_BOUNDSHEET = 0x0085
_XLS_EOF = 0x000A


def _xls_sheet_offsets(data: bytes) -> list[int]:
    """The stream offsets of the sheets, from the BOUNDSHEET records of the workbook globals."""
    import struct

    offsets = []
    pos, end = 0, len(data) - 4
    while pos <= end:
        kind, size = struct.unpack_from("<HH", data, pos)
        if kind == _XLS_BOUNDSHEET and size >= 4 and pos + 8 <= len(data):
            offsets.append(struct.unpack_from("<I", data, pos + 4)[0])
        elif kind == _XLS_EOF:
            break
        pos += 4 + size
    return offsets


def _xls_extent(path: Path, data: bytes, start: int, until_eof: bool) -> tuple[int, int]:
    """Rows and columns of the sheet whose records start at ``start`` (until its EOF record), refusing one
    sheet over the limit; ``until_eof`` False: every sheet of the stream, one after the other."""
    import struct

    unpack = struct.unpack_from
    pos, end = start, len(data) - 4
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
            if not until_eof:
                rows = cols = 0  # a new sheet
            continue
        elif kind == _XLS_EOF and until_eof:
            break
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
    return rows, cols
