"""Hostile input files, each imported by the real CLI in a child process held to 512 MiB of address space
and 60 s: every one ends with exit 0 or 1, Chinese text, no traceback, no "意外错误", and a store unchanged
(or, for a folder, changed only by the good file beside the hostile one). The files are made here.

Issue 15: far references in any attribute form, empty rows, oversized shared strings, ODS repeats,
.xls extents and truncation, CSV field sizes and line endings, 300,000 duplicate rows."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import LABELS, applicant_row

resource = pytest.importorskip(
    "resource", reason="memory limits need POSIX resource limits (Linux, macOS)"
)

MEMORY_LIMIT = 512 * 1024 * 1024
TIME_LIMIT = 60
COMMITTEE = [
    "committee",
    "add",
    "QJ-WS-ZJ",
    "--name",
    "曲靖市卫生系列中级职称评审委员会",
    "--level",
    "中级",
    "--series",
    "卫生",
    "--specialty",
    "护理",
    "--specialty",
    "临床医学",
]


# --- Running the CLI held to limits ----------------------------------------------------------------


@dataclass
class Run:
    code: int | None  # None: killed by a signal or the timeout
    out: str
    err: str
    seconds: float
    peak_mib: float  # the child's maximum resident set

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(
    args: list[str],
    db: Path,
    memory: int = MEMORY_LIMIT,
    timeout: float = TIME_LIMIT,
    cwd: Path | None = None,
    python: str = sys.executable,
    pythonpath: str | None = None,
    module: bool = True,
) -> Run:
    """``qjtitle ARGS --db DB`` in a child process with RLIMIT_AS ``memory`` and a ``timeout``
    (``module`` False: ``python ARGS``)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {
        **os.environ,
        "QJTITLE_DB": str(db),
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "PYTHONUTF8": "1",
    }
    env.pop("QJTITLE_DEBUG", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [python, "-m", "qjtitle", *args] if module else [python, *args],
            stdout=out,
            stderr=err,
            env=env,
            cwd=cwd,
            preexec_fn=limit,  # noqa: PLW1509 - the timer thread starts after the fork
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # wait4: this child's own peak memory
        finally:
            timer.cancel()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Run(
            code if code >= 0 else None,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024,
        )


def counts(db: Path) -> tuple[int, ...]:
    with sqlite3.connect(db) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("applicant", "import_batch", "audit_event")
        )


def assert_clean(run: Run, codes: tuple[int, ...] = (0, 1)) -> None:
    assert run.code in codes, (run.code, run.text[-3000:])
    assert (
        "Traceback" not in run.text and "意外错误" not in run.text and "panicked" not in run.text
    ), run.text[-3000:]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in run.text), run.text[-3000:]


@pytest.fixture(scope="module")
def committee_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the committee, made once per module by the CLI in a limited child; copied per test."""
    path = tmp_path_factory.mktemp("hostile") / "store" / "qjtitle.db"
    path.parent.mkdir()
    run = run_cli(COMMITTEE, path)
    assert run.code == 0, run.text
    return path


@pytest.fixture
def db(committee_store: Path, tmp_path: Path) -> Path:
    shutil.copytree(committee_store.parent, tmp_path / "store")
    return tmp_path / "store" / committee_store.name


def import_args(*paths: Path) -> list[str]:
    return ["import-applicants", *map(str, paths), "--committee", "QJ-WS-ZJ", "--year", "2023"]


# --- The hostile files -------------------------------------------------------------------------------


def valid_row(i: int = 0) -> list:
    from qjtitle import idcard

    number = idcard.make("530302", date(1985, 3, 1) + timedelta(days=i), 120 + 2 * (i % 400))
    row = applicant_row(
        序号=i + 1,
        姓名=f"申报人{i}",
        身份证号码=number,
        出生年月="1985.03",
        性别=idcard.gender_of(number),
    )
    return [row.get(h) for h in LABELS]


def roster_xlsx(rows: int = 2) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(LABELS)
    for i in range(rows):
        ws.append(valid_row(i))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rezip(
    data: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None
) -> bytes:
    """The same zip with each member passed through ``change(name, bytes)`` (and ``extra`` members added)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def with_sheet_xml(
    before_end: bytes = b"", after_start: bytes = b"", replace: tuple[bytes, bytes] | None = None
) -> bytes:
    """The roster with XML put at the end (or start) of sheet1's sheetData."""

    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        if replace:
            data = data.replace(*replace)
        data = data.replace(b"</sheetData>", before_end + b"</sheetData>")
        return data.replace(b"<sheetData>", b"<sheetData>" + after_start)

    return rezip(roster_xlsx(), change)


def far_cell(quote: str = '"', space: str = "", ref: str = "XFD1048576") -> bytes:
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    r = f"r{space}={space}{quote}"
    return with_sheet_xml(
        f'<row {r}{row}{quote}><c {r}{ref}{quote} t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    )


def rows_without_r(count: int = 1_048_000, cells: int = 1) -> bytes:
    """``count`` rows with no r attribute (calamine numbers them one by one), the last with ``cells`` cells."""
    last = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * cells + b"</row>"
    return with_sheet_xml(b"<row/>" * count + last)


def cells_without_r(cells: int = 16_384) -> bytes:
    """One row at 1,048,576 whose cells have no r: columns counted one by one."""
    return with_sheet_xml(b'<row r="1048576">' + b"<c><v>1</v></c>" * cells + b"</row>")


def dimension(ref: str = "A1:XFD1048576") -> bytes:
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        import re

        return re.sub(rb"<dimension [^>]*/>", f'<dimension ref="{ref}"/>'.encode(), data)

    return rezip(roster_xlsx(), change)


def with_shared_strings(items: bytes, sheet_rows: bytes = b"") -> bytes:
    """The roster with a sharedStrings.xml part holding ``items`` (and ``sheet_rows`` added to sheet1)."""
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + items
        + b"</sst>"
    )

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            rel = (
                b'<Relationship Id="rIdSst" Target="sharedStrings.xml" '
                b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
            )
            return data.replace(b"</Relationships>", rel + b"</Relationships>")
        if name == "[Content_Types].xml":
            over = (
                b'<Override PartName="/xl/sharedStrings.xml" '
                b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            )
            return data.replace(b"</Types>", over + b"</Types>")
        if name == "xl/worksheets/sheet1.xml" and sheet_rows:
            return data.replace(b"</sheetData>", sheet_rows + b"</sheetData>")
        return data

    return rezip(roster_xlsx(), change, {"xl/sharedStrings.xml": sst})


def huge_shared_strings(megabytes: int = 700) -> bytes:
    """A sharedStrings.xml of ``megabytes`` (deflated to a few MB) that no cell uses."""
    item = b"<si><t>" + b"x" * 1000 + b"</t></si>"
    return with_shared_strings(item * (megabytes * 1024 * 1024 // len(item)))


def shared_string_amplified(length: int = 32_000, cells: int = 60_000) -> bytes:
    """One long shared string referenced by ``cells`` cells: each cell gets its own copy when read."""
    rows = b"".join(
        f'<row r="{r}">'.encode()
        + b"".join(f'<c r="{col}{r}" t="s"><v>0</v></c>'.encode() for col in "VWXYZ")
        for r in range(10, 10 + cells // 5)
    )
    return with_shared_strings(b"<si><t>" + b"y" * length + b"</t></si>", rows)


ODS_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def ods(
    rows_repeated: int = 1_000_000,
    columns_repeated: int = 16,
    trailing: bool = True,
    filled: bool = True,
) -> bytes:
    """A 1-2 KB .ods whose repeats expand to ``rows_repeated`` × ``columns_repeated`` cells."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:office_value="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    )

    def cell(v: object) -> str:
        return (
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        )

    header = "<table:table-row>" + "".join(cell(x) for x in LABELS) + "</table:table-row>"
    data = (
        "<table:table-row>"
        + "".join(cell(x if x is not None else "") for x in valid_row())
        + "</table:table-row>"
    )
    bomb = (
        (
            f'<table:table-row table:number-rows-repeated="{rows_repeated}">'
            f'<table:table-cell table:number-columns-repeated="{columns_repeated}" office:value-type="string">'
            "<text:p>x</text:p></table:table-cell></table:table-row>"
        )
        if filled
        else (
            f'<table:table-row table:number-rows-repeated="{rows_repeated}">'
            f'<table:table-cell table:number-columns-repeated="{columns_repeated}"/></table:table-row>'
        )
    )
    tail = '<table:table-row><table:table-cell office:value-type="string"><text:p>end</text:p></table:table-cell></table:table-row>'
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{header}{data}{bomb}'
        f"{tail if trailing else ''}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def xls(far: tuple[int, int] | None = None, rows: int = 2) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for c, label in enumerate(LABELS):
        ws.write(0, c, label)
    for r in range(rows):
        for c, value in enumerate(valid_row(r)):
            if value is not None:
                ws.write(r + 1, c, value)
    if far:
        ws.write(*far, "x")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8", line: str = "\r\n") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=line)
    writer.writerow(LABELS)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def duplicate_rows(count: int) -> bytes:
    """One person ``count`` times (``count`` rows of one CSV)."""
    row = valid_row(0)
    return csv_bytes([row] * count)


def rows_over_the_cap() -> bytes:
    """50,001 data rows (one person each, written straight into the sheet XML): one more than a file may have."""
    from qjtitle.spreadsheets.bounds import MAX_DATA_ROWS

    first = valid_row(0)
    cells = "".join(
        f'<c r="{chr(65 + c)}{{r}}" t="inlineStr"><is><t>{v}</t></is></c>'
        for c, v in enumerate(first)
        if v
    )
    body = "".join(
        f'<row r="{r}">' + cells.replace("{r}", str(r)) + "</row>"
        for r in range(4, 4 + MAX_DATA_ROWS)
    )
    return with_sheet_xml(body.encode())


def many_problems(rows: int = 25_000) -> bytes:
    """Every row wrong in five columns: more problems than a file may bring (each is kept and stored)."""
    out = []
    for i in range(rows):
        row = valid_row(i)
        for label in ("性别", "所在县（市、区）", "申报级别", "申报方式", "出生年月"):
            row[LABELS.index(label)] = f"乱填{i}"
        out.append(row)
    return csv_bytes(out)


HOSTILE: dict[str, Callable[[], tuple[str, bytes]]] = {
    "far-single-quotes": lambda: ("单引号.xlsx", far_cell("'")),
    "far-spaces": lambda: ("空格.xlsx", far_cell('"', " ")),
    "far-AZ": lambda: ("AZ列.xlsx", far_cell("'", "", "AZ1048576")),
    "rows-without-r": lambda: ("无r行.xlsx", rows_without_r(1_048_000, 1)),
    "cells-without-r": lambda: ("无r单元格.xlsx", cells_without_r(16_384)),
    "shared-strings": lambda: ("共享字符串.xlsx", huge_shared_strings(700)),
    "shared-string-copies": lambda: ("共享字符串复制.xlsx", shared_string_amplified()),
    "ods-repeats": lambda: ("重复.ods", ods()),
    "ods-empty-rows": lambda: ("空行重复.ods", ods(1_048_000, 1024, filled=False)),
    "xls-far": lambda: ("远处.xls", xls((65535, 255))),
    "xls-truncated": lambda: ("截断.xls", xls(rows=30)[:12400]),  # calamine panics on this cut
    "csv-long-field": lambda: ("长字段.csv", csv_bytes([valid_row(0)[:-1] + ["长" * 200_000]])),
    "duplicates-300k": lambda: ("重复30万行.csv", duplicate_rows(300_000)),
    "many-problems": lambda: ("问题很多.csv", many_problems()),
    "rows-cap": lambda: ("五万多行.xlsx", rows_over_the_cap()),
    "long-run": lambda: (
        "长内容.xlsx",
        with_sheet_xml(
            b'<row r="9"><c r="A9" t="inlineStr"><is><t>'
            + b"x" * (200 << 20)
            + b"</t></is></c></row>"
        ),
    ),
}


# --- The tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_ends_cleanly_within_limits(case: str, db: Path, tmp_path: Path) -> None:
    name, data = HOSTILE[case]()
    path = tmp_path / name
    path.write_bytes(data)
    before = counts(db)
    run = run_cli(import_args(path), db)
    assert_clean(run, (1,))
    assert name in run.err, run.text[-2000:]  # the file is named in the error
    assert counts(db) == before


def test_a_false_dimension_costs_nothing(db: Path, tmp_path: Path) -> None:
    """<dimension ref="A1:XFD1048576"/> is not what calamine sizes a sheet by (measured: 69 MiB): the rows
    are imported as they are."""
    path = tmp_path / "dimension.xlsx"
    path.write_bytes(dimension())
    before = counts(db)
    run = run_cli(import_args(path), db)
    assert_clean(run, (0,))
    assert counts(db) == (before[0] + 2, before[1] + 1, before[2] + 1)


@pytest.mark.parametrize(
    "case", ["far-single-quotes", "rows-without-r", "ods-repeats", "xls-far", "xls-truncated"]
)
def test_a_folder_with_a_hostile_file_imports_the_others(
    case: str, db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "收件"
    folder.mkdir()
    name, data = HOSTILE[case]()
    (folder / f"1_{name}").write_bytes(data)
    (folder / "2_好的.xlsx").write_bytes(roster_xlsx(3))
    before = counts(db)
    run = run_cli(import_args(folder), db)
    assert_clean(run, (1,))
    assert f"1_{name}" in run.err
    assert counts(db) == (before[0] + 3, before[1] + 1, before[2] + 1)
    assert "每个文件单独提交：1 个文件已写入，1 个文件未写入任何内容。" in run.out


@pytest.mark.parametrize(
    ("encoding", "line"),
    [
        ("utf-8", "\r"),
        ("utf-8-sig", "\r\n"),
        ("gbk", "\r\n"),
        ("gbk", "\r"),
        ("utf-8", "\n"),
        ("utf-16", "\r\n"),
    ],
)
def test_csv_in_any_encoding_and_line_ending_is_read(
    encoding: str, line: str, db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes([valid_row(i) for i in range(3)], encoding, line))
    run = run_cli(import_args(path), db)
    assert_clean(run, (0,))
    assert counts(db)[0] == 3


def test_a_csv_field_longer_than_the_csv_module_allows_is_read_and_its_cell_named(
    db: Path, tmp_path: Path
) -> None:
    """131,072 characters is Python's csv default limit; a field a little over it still reads, and a text
    past Excel's 32,767-character cell limit is named with its cell."""
    row = valid_row(0)
    row[LABELS.index("备注")] = "注" * 140_000
    path = tmp_path / "长.csv"
    path.write_bytes(csv_bytes([row]))
    run = run_cli(import_args(path), db)
    assert_clean(run, (1,))
    column = chr(ord("A") + LABELS.index("备注"))
    assert f"{column}2" in run.err and "32767" in run.err, run.err


# --- Files that look odd but are not hostile still import ---------------------------------------------


def test_a_sheet_in_odd_but_valid_xml_forms_imports(db: Path, tmp_path: Path) -> None:
    """Single quotes, spaces around =, rows and cells without r: the walk numbers them as calamine does,
    so a small sheet written that way is read, not refused."""

    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        import re

        data = re.sub(rb'<row r="(\d+)"', rb"<row r = '\1'", data)
        data = re.sub(rb'<c r="[A-Z]+\d+"', b"<c", data)  # cells without r: one after the other
        return data

    path = tmp_path / "奇怪写法.xlsx"
    path.write_bytes(rezip(roster_xlsx(3), change))
    run = run_cli(import_args(path), db)
    assert_clean(run, (0,))
    assert counts(db)[0] == 3


def test_a_libreoffice_ods_with_trailing_repeated_rows_imports(db: Path, tmp_path: Path) -> None:
    """LibreOffice ends every sheet with an empty row repeated to 1,048,576: calamine drops trailing empty
    rows, so they are not counted."""
    path = tmp_path / "名单.ods"
    path.write_bytes(ods(1_048_000, 1024, trailing=False, filled=False))
    run = run_cli(import_args(path), db)
    assert_clean(run, (0,))
    assert counts(db)[0] == 1


def test_an_xls_roster_imports(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "名单.xls"
    path.write_bytes(xls(rows=3))
    run = run_cli(import_args(path), db)
    assert_clean(run, (0,))
    assert counts(db)[0] == 3


# --- Unbounded output ---------------------------------------------------------------------------------


def test_many_rejected_rows_print_a_summary_and_the_full_list_goes_to_a_file(
    db: Path, tmp_path: Path
) -> None:
    from qjtitle.intake.import_report import REPORT_LINES

    path = tmp_path / "重复.csv"
    path.write_bytes(duplicate_rows(3_001))
    run = run_cli([*import_args(path), "--details"], db)
    assert_clean(run, (0,))
    assert run.out.count("未受理 重复.csv") == REPORT_LINES
    assert len(run.out.splitlines()) < REPORT_LINES + 40
    assert f"终端只显示前 {REPORT_LINES} 条；全部 3000 条已写入：" in run.out
    listed = Path(run.out.rsplit("已写入：", 1)[1].split()[0])
    assert (
        listed.parent == path.parent / "导入问题清单"
    )  # beside the file imported, not the data folder
    with listed.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert len(lines) == 3000
    assert {line["结果"] for line in lines} == {"未受理"}
    assert [int(line["行"]) for line in lines] == list(range(3, 3003))
    assert counts(db)[0] == 1


def test_the_same_duplicates_imported_again_flag_the_first_application_once(
    db: Path, tmp_path: Path
) -> None:
    """Each duplicate used to add (and search) one message on the first application: quadratic."""
    first = tmp_path / "甲单位.csv"
    first.write_bytes(csv_bytes([valid_row(0)]))
    assert run_cli(import_args(first), db).code == 0
    row = valid_row(0)
    row[LABELS.index("工作单位")] = "曲靖市第二人民医院"
    again = tmp_path / "乙单位.csv"
    again.write_bytes(csv_bytes([row] * 2_000))
    run = run_cli(import_args(again), db)
    assert_clean(run, (0,))
    with sqlite3.connect(db) as conn:
        (problems,) = conn.execute("SELECT problems FROM applicant").fetchone()
    import json

    (problem,) = json.loads(problems)
    assert problem["message"] == (
        "同一身份证号码又由曲靖市第二人民医院（乙单位.csv 第2行）、曲靖市第二人民医院（乙单位.csv 第3行）、"
        "曲靖市第二人民医院（乙单位.csv 第4行）等 2000 处报送"
    )


def test_a_file_that_exhausts_memory_is_reported_and_the_next_file_imported(
    store, committee, tmp_path, monkeypatch
) -> None:
    """MemoryError while one file is checked: that file is reported (nothing of it written), the next goes on."""
    from qjtitle.intake import applicants

    bad, good = tmp_path / "1_大.xlsx", tmp_path / "2_好.xlsx"
    bad.write_bytes(roster_xlsx(2))
    good.write_bytes(roster_xlsx(3))
    real = applicants.check_rows
    calls = {"n": 0}

    def exhausted_once(rows, *args, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:  # the rows of the first file
            raise MemoryError
        return real(rows, *args, **kw)

    monkeypatch.setattr(applicants, "check_rows", exhausted_once)
    report = applicants.import_applicants(store, [bad, good], "QJ-WS-ZJ", 2023)
    first, second = report.files
    assert (
        first.error
        == "1_大.xlsx：内存不足，无法导入该文件（未写入任何内容）；请按单位拆分后分别导入"
    )
    assert (first.imported, second.error, second.imported) == (0, None, 3)


def test_a_csv_in_no_known_encoding_is_named_in_chinese(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "坏编码.csv"
    path.write_bytes(b"\xff\xfe" + b"\x00\xd8" * 50)  # UTF-16 BOM, then a lone surrogate
    run = run_cli(import_args(path), db)
    assert_clean(run, (1,))
    assert "坏编码.csv：无法识别文件编码；请另存为 UTF-8 编码的 CSV 或 .xlsx" in run.err


# --- The bound on a sheet, directly -------------------------------------------------------------------


def xlsx_file(tmp_path: Path, data: bytes, name: str = "表.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_cell_placed_below_its_row_is_counted_where_calamine_puts_it(tmp_path: Path) -> None:
    """calamine places a cell by its own r: <row r="4"><c r="AF99999"> makes 99,999 rows × 32 columns."""
    from qjtitle.errors import WorkbookError
    from qjtitle.spreadsheets.bounds import check_sheet_sizes

    path = xlsx_file(tmp_path, with_sheet_xml(b'<row r="4"><c r="AF99999"><v>1</v></c></row>'))
    with pytest.raises(WorkbookError, match="99999 行 × 32 列"):
        check_sheet_sizes(path)


def test_a_long_and_wide_sheet_within_the_limit_is_read_exactly_and_accepted(
    tmp_path: Path,
) -> None:
    """Rows up to 10,000 and 40 columns: the quick bound (99,999 rows) is too coarse, so every cell's row is
    read again, and 10,000 × 40 cells are allowed."""
    from qjtitle.spreadsheets.bounds import _SheetBound, check_sheet_sizes

    path = xlsx_file(tmp_path, with_sheet_xml(b'<row r="10000"><c r="AN10000"><v>1</v></c></row>'))
    check_sheet_sizes(path)  # no error
    bound = _SheetBound()
    bound.scan(zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml"))
    assert (bound.rows, bound.cols, bound.loose) == (10_000, 40, 99_999) and bound.too_big()
    exact = _SheetBound(exact=True)
    exact.scan(zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml"))
    assert (exact.rows, exact.cols) == (10_000, 40) and not exact.too_big()


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="A1" r="XFD1048576"><v>1</v></c>',  # a second r: calamine takes the last
        b"<c r='XFD1048576'><v>1</v></c>",
        b'<c s="0" r="XFD1048576"><v>1</v></c>',  # r not first
        b'<c\tr="XFD1048576"><v>1</v></c>',
        b'<c r = "XFD1048576"><v>1</v></c>',
        b'<c r="$XFD$1048576"><v>1</v></c>',
        b"<c r=\"A1\" r='XFD1048576'><v>1</v></c>",  # a second r in another spelling
        b'<c r="A1" r= "XFD1048576"><v>1</v></c>',
        b'<c r="A1"  r = "XFD1048576"><v>1</v></c>',
        b'<c r="A1"\nr="XFD1048576"><v>1</v></c>',
        b'<c r="A1" t="n" r="XFD1048576"><v>1</v></c>',
        b'<c r="A9"/><c/><c r="XFD1048576"><v>1</v></c>',  # after a cell without r
        b'<x:c r="XFD1048576"><v>1</v></x:c>',
    ],
)
def test_far_references_in_every_form_are_found(cell: bytes, tmp_path: Path) -> None:
    from qjtitle.errors import WorkbookError
    from qjtitle.spreadsheets.bounds import check_sheet_sizes

    path = xlsx_file(tmp_path, with_sheet_xml(b'<row r="9">' + cell + b"</row>"))
    with pytest.raises(WorkbookError, match="1048576 行 × 16384 列"):
        check_sheet_sizes(path)


def test_a_cell_continuing_a_row_in_the_next_piece_is_bounded_by_that_row(tmp_path: Path) -> None:
    """The sheet is scanned in pieces: a piece may start with cells of the row the last one ended in, and
    have no row tag of its own; a cell there with more digits than any row is still found."""
    from qjtitle.spreadsheets.bounds import _SheetBound

    bound = _SheetBound()
    bound.scan(b'<sheetData><row r="100000"><c r="A100000"><v>1</v></c>')
    bound.scan(b'<c r="B100000"><v>1</v></c><c r="C1048576"><v>1</v></c></row></sheetData>')
    assert (bound.rows, bound.cols) == (1_048_576, 3) and bound.too_big()
    ok = _SheetBound()
    ok.scan(b'<sheetData><row r="100000"><c r="A100000"><v>1</v></c>')
    ok.scan(b'<c r="B100000"><v>1</v></c></row></sheetData>')
    assert (ok.rows, ok.cols, ok.loose) == (100_000, 2, 999_999) and not ok.too_big()


# --- Issue 23: bounds that follow the reader ----------------------------------------------------------


def sheet_elsewhere(target: str = "data/table.xml", member: str = "xl/data/table.xml") -> bytes:
    """The roster whose sheet1 lives at ``member`` (the relationship's target ``target``), with a far cell."""

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(
                b'Target="/xl/worksheets/sheet1.xml"', f'Target="{target}"'.encode()
            ).replace(b'Target="worksheets/sheet1.xml"', f'Target="{target}"'.encode())
        if name == "[Content_Types].xml":
            return data.replace(b"/xl/worksheets/sheet1.xml", f"/{member}".encode())
        return data

    far = far_cell()
    src = zipfile.ZipFile(io.BytesIO(rezip(far, change)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = member if info.filename == "xl/worksheets/sheet1.xml" else info.filename
            dst.writestr(name, src.read(info.filename))
    return out.getvalue()


def junk_member_first(damage: str) -> bytes:
    """A far-cell roster behind a first member ``docProps/junk.xml`` whose CRC is wrong or that is marked encrypted."""
    import struct

    src = zipfile.ZipFile(io.BytesIO(far_cell()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        dst.writestr("docProps/junk.xml", b"<junk/>" * 64)
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename), zipfile.ZIP_DEFLATED)
    data = bytearray(out.getvalue())
    central = data.index(b"PK\x01\x02")  # the first central directory entry
    if damage == "crc":
        data[14:18] = struct.pack("<I", 0xDEADBEEF)  # local header's CRC
        data[central + 16 : central + 20] = struct.pack("<I", 0xDEADBEEF)
    else:  # general purpose bit 0: encrypted
        data[6] |= 1
        data[central + 8] |= 1
    return bytes(data)


def many_sheets(count: int = 40, far: str = "CV29000") -> bytes:
    """``count`` sheets, each just under the old per-sheet limit (29,000 rows × 100 columns)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(LABELS)
    ws.append(valid_row(0))
    for i in range(count):
        extra = wb.create_sheet(f"表{i}")
        extra["A1"] = "x"
        extra[far] = "y"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_sheet_in_unknown_record() -> bytes:
    """An .xls whose second sheet's BOUNDSHEET points inside a record of an unknown kind (0x0890) at the end
    of the stream; that sheet has a cell at row 65,536, column 256. A walk record by record never sees it."""
    import struct

    import xlwt
    from xlwt.CompoundDoc import XlsDoc

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for c, label in enumerate(LABELS):
        ws.write(0, c, label)
    for c, value in enumerate(valid_row(0)):
        if value is not None:
            ws.write(1, c, value)
    wb.add_sheet("Sheet2").write(0, 0, "x")
    data = bytearray(wb.get_biff_data())
    bound_sheets = []
    pos = 0
    while pos + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, pos)
        if kind == 0x0085:
            bound_sheets.append(pos)
        if kind == 0x000A:
            break
        pos += 4 + size
    second = bound_sheets[1]
    bof_at = struct.unpack_from("<I", data, second + 4)[0]
    bof_size = struct.unpack_from("<H", data, bof_at + 2)[0]
    bof = bytes(data[bof_at : bof_at + 4 + bof_size])
    number = struct.pack("<HHHHHd", 0x0203, 14, 65535, 255, 15, 1.0)
    hidden = bof + number + struct.pack("<HH", 0x000A, 0)
    struct.pack_into("<I", data, second + 4, len(data) + 4)
    data += struct.pack("<HH", 0x0890, len(hidden)) + hidden
    buf = io.BytesIO()
    XlsDoc().save(buf, bytes(data))
    return buf.getvalue()


HOSTILE_23 = {
    "sheet-elsewhere": lambda: ("别处的表.xlsx", sheet_elsewhere()),
    "sheet-elsewhere-absolute": lambda: (
        "绝对路径.xlsx",
        sheet_elsewhere("/other/s.xml", "other/s.xml"),
    ),
    "junk-bad-crc": lambda: ("校验错.xlsx", junk_member_first("crc")),
    "junk-encrypted": lambda: ("加密成员.xlsx", junk_member_first("encrypted")),
    "forty-sheets": lambda: ("四十个表.xlsx", many_sheets(40)),
    "xls-hidden-sheet": lambda: ("藏起来的表.xls", xls_sheet_in_unknown_record()),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_23))
def test_a_file_whose_sheets_hide_from_a_simple_check_is_refused_within_limits(
    case: str, db: Path, tmp_path: Path
) -> None:
    """Issue 23: a sheet part elsewhere than xl/worksheets/, a junk first member with a bad CRC or marked
    encrypted, 40 sheets each under the old per-sheet limit, an .xls sheet inside an unknown record. Each
    aborted the process (exit 134) or ran out of time before; each is now refused, named, in Chinese."""
    name, data = HOSTILE_23[case]()
    path = tmp_path / name
    path.write_bytes(data)
    before = counts(db)
    run = run_cli(import_args(path), db)
    assert_clean(run, (1,))
    assert name in run.err, run.text[-2000:]
    assert counts(db) == before


FROM_SHEET = {
    "draw-confirm": ["draw", "confirm", "1", "--from-sheet"],
    "meeting-attend": ["meeting", "attend", "1", "--from-sheet"],
    "meeting-review": ["meeting", "review", "1", "--from-sheet"],
}


@pytest.mark.parametrize("command", sorted(FROM_SHEET))
@pytest.mark.parametrize("case", ["sheet-elsewhere", "forty-sheets", "xls-hidden-sheet"])
def test_the_from_sheet_readers_have_the_same_bounds(
    command: str, case: str, db: Path, tmp_path: Path
) -> None:
    name, data = HOSTILE_23[case]()
    path = tmp_path / name
    path.write_bytes(data)
    run = run_cli([*FROM_SHEET[command], str(path)], db)
    assert_clean(run, (1,))
    assert name in run.err, run.text[-2000:]


def test_the_tally_sheet_reader_has_the_same_bounds(tmp_path: Path) -> None:
    """record-votes reads its sheet with voting.vote_sheet (a meeting is needed first, so called directly)."""
    name, data = HOSTILE_23["sheet-elsewhere"]()
    path = tmp_path / name
    path.write_bytes(data)
    code = (
        "import sys\n"
        "from qjtitle.errors import QjtitleError\n"
        "from qjtitle.meeting import voting\n"
        "try:\n"
        f"    voting.vote_sheet(__import__('pathlib').Path({str(path)!r}))\n"
        "except QjtitleError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(1)\n"
    )
    run = run_cli(["-c", code], tmp_path / "unused.db", module=False)
    assert_clean(run, (1,))
    assert name in run.out, run.text[-2000:]


def test_a_reader_that_aborts_takes_only_its_child_down(tmp_path: Path, monkeypatch) -> None:
    """calamine runs in a forked child: an abort there (as a failed Rust allocation does) is a Chinese
    refusal naming the file, and this process goes on."""
    from qjtitle.errors import WorkbookError
    from qjtitle.spreadsheets import reading

    path = tmp_path / "会崩溃.xls"  # an .xls is always read in a child
    path.write_bytes(xls(rows=2))

    def abort(path: Path) -> None:
        import faulthandler

        faulthandler.disable()  # pytest's dump of the child's stack is noise here
        os.abort()

    monkeypatch.setattr(reading, "_read_workbook_here", abort)
    with pytest.raises(WorkbookError, match="会崩溃.xls：文件无法读取（读取程序异常退出"):
        reading.read_sheets(path)
    monkeypatch.undo()
    assert len(reading.read_sheets(path)[0][1]) == 3


def test_the_reading_child_is_held_to_a_memory_limit(tmp_path: Path, monkeypatch) -> None:
    import resource as res

    from qjtitle.spreadsheets import reading

    def limits(path: Path) -> list:
        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * res.getpagesize()
        return [("limit", [[res.getrlimit(res.RLIMIT_AS)[0], size]])]

    if not Path("/proc/self/statm").exists():
        pytest.skip("needs /proc")
    monkeypatch.setattr(reading, "_read_workbook_here", limits)
    path = tmp_path / "名单.ods"
    path.write_bytes(ods(10, 2))
    ((_, [[limit, size]]),) = reading.read_sheets(path)
    assert 0 < limit <= size + reading.READ_MEMORY


def test_only_a_plain_xlsx_is_read_in_this_process(tmp_path: Path) -> None:
    """A workbook as Excel, WPS or openpyxl write it is bounded exactly and read here; one in odd forms
    (tags walked one by one, a sheet found elsewhere) goes to the child."""
    from qjtitle.spreadsheets.bounds import check_sheet_sizes

    assert check_sheet_sizes(xlsx_file(tmp_path, roster_xlsx(3), "普通.xlsx")) is True

    def odd(name: str, data: bytes) -> bytes:
        import re

        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(rb'<row r="(\d+)"', rb"<row r = '\1'", data)

    assert check_sheet_sizes(xlsx_file(tmp_path, rezip(roster_xlsx(3), odd), "奇怪.xlsx")) is False


def test_a_wrong_expert_file_prints_a_capped_report_and_lists_the_rest_in_a_file(
    db: Path, tmp_path: Path
) -> None:
    """Issue 23.5: every row of a wrong expert file brings problems (100,000 once took 227 s to print);
    the terminal shows the first REPORT_LINES, the full list goes to a CSV beside the store."""
    from qjtitle.intake.import_report import REPORT_LINES
    from tests.conftest import EXPERT_LABELS, expert_row

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(EXPERT_LABELS)
    for i in range(3_000):
        row = expert_row(i + 1, 性别="乱填", 身份证号码="530302198501011234", 入库时间="某天")
        writer.writerow([row[h] for h in EXPERT_LABELS])
    path = tmp_path / "错的专家库.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    run = run_cli(["import-experts", str(path), "--committee", "QJ-WS-ZJ"], db)
    assert_clean(run, (0, 1))
    assert len(run.out.splitlines()) < REPORT_LINES * 4 + 60, len(run.out.splitlines())
    assert f"终端只显示前 {REPORT_LINES} 条；全部" in run.out, run.out[-2000:]
    listed = Path(run.out.rsplit("已写入：", 1)[1].split()[0])
    assert listed.parent == db.parent / "导入问题清单"
    with listed.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert len(lines) >= 3_000 * 2 and {line["结果"] for line in lines} == {"未导入"}
    assert all("198501011234" not in line["问题"] for line in lines)  # ID numbers masked


def test_control_characters_in_a_file_name_are_shown_not_obeyed(db: Path, tmp_path: Path) -> None:
    """Issue 23.5: an escape sequence (a hidden hyperlink) and a line break in a file name: the table row
    stays one row, and no escape character reaches the terminal (shown as ␛ and ↵)."""
    name = "坏\x1b]8;;https:example.invalid\x1b\\名单\x1b[8m隐藏\n第二行.csv"  # no "/" in a name
    path = tmp_path / name
    path.write_bytes(csv_bytes([valid_row(0)]))
    run = run_cli(import_args(path), db)
    assert_clean(run, (0,))
    assert "\x1b" not in run.text, repr(run.text[-500:])
    row = next(line for line in run.out.splitlines() if "坏" in line)
    assert "␛]8;;https:example.invalid␛\\名单␛[8m隐藏↵第二行.csv" in row.replace(" ", ""), row
    assert "第二行" not in run.out.replace(
        row, ""
    )  # the name's second line is not a row of its own


def test_a_table_cell_with_control_characters_keeps_its_row() -> None:
    from qjtitle.cli import _console

    _console.console.cache_clear()
    try:
        made = _console.console()
        made.file = io.StringIO()
        _console.table("表", ["姓名", "单位"], [["张\r三\x1b[2J", "一院\n二院\u202e反"]])
        text = made.file.getvalue()
    finally:
        _console.console.cache_clear()
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    body = [line for line in text.splitlines() if "张" in line]
    assert len(body) == 1 and "张␍三␛[2J" in body[0] and "一院↵二院�反" in body[0], text
