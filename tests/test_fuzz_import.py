"""Hostile input to the importer: random and mutated workbooks (hypothesis), and the known tricks one by
one (truncated zips, huge strings, formula cells, dates out of range, 100k empty rows, XML entities, a
cell at the far corner). Each ends with a clear error or a report, in bounded time, and never a partial
write: a file is imported whole (its batch, its applicants, its audit event) or not at all."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from qjtitle.errors import QjtitleError
from qjtitle.intake.applicants import import_applicants
from qjtitle.intake.import_report import FileReport
from qjtitle.intake.lookup import list_applicants
from qjtitle.store import audit
from tests.conftest import LABELS, applicant_row, examples

LIMIT_SECONDS = 20  # one small workbook, whatever is in it


def counts(store) -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # type: ignore[return-value]
            for t in ("applicant", "import_batch", "audit_event")
        )


def import_one(store, path: Path) -> FileReport:
    """Import ``path`` and check the outcome: a report or a clear error, in time, all or nothing."""
    before = counts(store)
    started = time.monotonic()
    try:
        report = import_applicants(store, [path], "QJ-WS-ZJ", 2023)
    except QjtitleError as exc:  # a clear message, and nothing written
        assert str(exc) and counts(store) == before
        return FileReport(path=path, error=str(exc))
    assert time.monotonic() - started < LIMIT_SECONDS
    (f,) = report.files
    after = counts(store)
    if f.error:
        assert f.error.startswith(path.name) and "Traceback" not in f.error, f.error
        assert after == before, f.error
    else:
        assert after == (before[0] + f.imported, before[1] + 1, before[2] + 1), (before, after, f)
        assert f.imported + f.updated + len(f.rejected) <= f.rows
    return f


def workbook_bytes(rows: list[list], as_text: bool = False) -> bytes:
    """An .xlsx of ``rows`` under the 附件2 header; ``as_text``: "=1+2" typed as text, not as a formula."""
    from openpyxl import Workbook

    from qjtitle.spreadsheets.writing import set_cell

    wb = Workbook()
    ws = wb.active
    ws.append(LABELS)
    for row in rows:
        ws.append(row)
        if as_text:
            for column, value in enumerate(row, start=1):
                set_cell(ws.cell(row=ws.max_row, column=column), value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rezip(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The same .xlsx with each member passed through ``change(name, bytes)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return out.getvalue()


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


# --- Random and mutated workbooks --------------------------------------------------------------------------

cell = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(
        alphabet="=+-@0123456789.,ABC()年月日 ", max_size=20
    ),  # formula-like and date-like text
    st.text(min_size=2000, max_size=40000).map(lambda s: s[:40000]),  # huge strings
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)),
    st.booleans(),
)


@st.composite
def workbooks(draw) -> bytes:  # type: ignore[no-untyped-def]
    rows = []
    for i in range(draw(st.integers(0, 6))):
        row = valid_row(i)
        for _ in range(draw(st.integers(0, 6))):  # some cells of a good row replaced by anything
            row[draw(st.integers(0, len(row) - 1))] = draw(cell)
        rows.append(row)
    try:
        data = workbook_bytes(rows)
    except Exception:  # noqa: BLE001 - openpyxl refuses control characters and the like: not a workbook
        assume(False)
    # Positions are drawn as fractions: openpyxl stamps the time into the file, so its length varies.
    where = st.floats(0, 1, exclude_max=True)
    mutation = draw(st.sampled_from(["none", "truncate", "flip", "sheet_xml", "strings_xml"]))
    if mutation == "truncate":
        data = data[: int(draw(where) * len(data))]
    elif mutation == "flip":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 20))):
            data[int(draw(where) * len(data))] = draw(st.integers(0, 255))
        data = bytes(data)
    elif mutation in ("sheet_xml", "strings_xml"):
        member = "worksheets/sheet1.xml" if mutation == "sheet_xml" else "sharedStrings.xml"
        cut = draw(st.floats(0, 1))
        junk = draw(st.binary(max_size=30))
        data = rezip(
            data,
            lambda n, d: (
                d[: int(len(d) * cut)] + junk + d[int(len(d) * cut) :] if n.endswith(member) else d
            ),
        )
    return data


@settings(
    max_examples=examples(30),
    deadline=timedelta(seconds=LIMIT_SECONDS),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=workbooks())
def test_random_and_mutated_workbooks_end_in_a_report_or_a_clear_error(
    store, committee, tmp_path, data
) -> None:
    path = tmp_path / "申报表.xlsx"
    path.write_bytes(data)
    import_one(store, path)
    assert audit.verify_store(store).ok


# --- The known tricks, one by one ----------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_truncated_zip_is_reported(store, committee, tmp_path) -> None:
    data = workbook_bytes([valid_row()])
    f = import_one(store, write(tmp_path, "半截.xlsx", data[: len(data) // 2]))
    assert (
        f.error.startswith("半截.xlsx：文件已损坏或不是真正的 .xlsx 工作簿；")
        and "EOCD" not in f.error
    )


def _with_doctype(doctype: bytes, entity: bytes):  # type: ignore[no-untyped-def]
    def change(name: str, d: bytes) -> bytes:
        if not name.endswith("sharedStrings.xml"):
            return d
        head, sep, rest = d.partition(b"?>")
        head, rest = (head + sep, rest) if sep else (b"", d)
        return head + doctype + rest.replace(b"<t>", b"<t>" + entity, 1)

    return change


LAUGHS = (
    b'<!DOCTYPE sst [<!ENTITY a "lol">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
    )
    + b"]>"
)


@pytest.mark.parametrize(
    ("name", "doctype", "entity"),
    [
        ("billion_laughs", LAUGHS, b"&j;"),
        ("external_entity", b'<!DOCTYPE sst [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;"),
    ],
)
def test_xml_entity_tricks_are_not_expanded(
    store, committee, tmp_path, name, doctype, entity
) -> None:
    data = rezip(workbook_bytes([valid_row(i) for i in range(3)]), _with_doctype(doctype, entity))
    started = time.monotonic()
    f = import_one(store, write(tmp_path, f"{name}.xlsx", data))
    assert time.monotonic() - started < 5
    with store.engine.connect() as conn:
        stored = " ".join(
            str(v) for v in conn.execute(text("SELECT name, unit, note FROM applicant")).all()
        )
    assert "root:" not in stored and "lollollol" not in stored
    assert f.error or f.rows <= 3


def test_openpyxl_parses_xml_with_defusedxml() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert (
        DEFUSEDXML is True
    )  # openpyxl's own reading (templates, outputs re-read) is protected too


def test_one_hundred_thousand_empty_rows(store, committee, tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(LABELS)
    ws.append(valid_row())
    ws.cell(row=100_002, column=1).value = " "  # 100,000 empty rows, then a blank-looking cell
    path = tmp_path / "十万空行.xlsx"
    wb.save(path)
    started = time.monotonic()
    f = import_one(store, path)
    assert (f.error, f.rows, f.imported) == (None, 1, 1)
    assert time.monotonic() - started < LIMIT_SECONDS


@pytest.mark.parametrize(
    ("row", "column", "shown"),
    [
        (
            1_048_576,
            200,
            "1048576 行 × 200 列",
        ),  # calamine would allocate 6.7 GB for this rectangle
        (1_048_576, 53, "1048576 行 × 53 列"),  # far in both directions, although only just in one
        (
            1_048_576,
            8,
            "1048576 行 × 21 列",
        ),  # far down only: 1 million rows × the roster's 21 columns
        (200, 16_384, "200 行 × 16384 列"),  # far right only (XFD200)
    ],
)
def test_a_cell_at_the_far_corner_is_refused_before_it_is_loaded(
    store, committee, tmp_path, row, column, shown
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(LABELS)
    ws.append(valid_row())
    ws.cell(row=row, column=column).value = "x"
    path = tmp_path / "远处.xlsx"
    wb.save(path)
    f = import_one(store, path)
    assert f.error == (
        f"远处.xlsx：工作表的数据区域过大（{shown}，多半是远处有误填的单元格或格式）；"
        "请在 Excel 或 WPS 中删除表格下方和右侧多余的行列后另存为 .xlsx 再导入"
    )


def test_huge_strings_formulas_and_dates_out_of_range_become_problems(
    store, committee, tmp_path
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(LABELS)
    rows = [valid_row(i) for i in range(4)]
    rows[0][LABELS.index("备注")] = "长" * 30000
    rows[1][LABELS.index("毕业时间")] = "=DATE(2007,7,1)"  # a formula with no cached value
    rows[2][LABELS.index("参加工作时间")] = 3_000_000  # a serial past 9999-12-31
    rows[3][LABELS.index("现职取得时间")] = datetime(9999, 12, 31, 23, 59)
    for row in rows:
        ws.append(row)
    ws.cell(row=3, column=LABELS.index("毕业时间") + 1).number_format = "yyyy-mm-dd"
    path = tmp_path / "怪值.xlsx"
    wb.save(path)
    f = import_one(store, path)
    assert f.error is None and f.rows == 4 and f.imported == 4
    kinds = {(name, p.column) for _, _, name, p in f.row_problems}
    assert (
        ("申报人1", "毕业时间") in kinds
        and ("申报人2", "参加工作时间") in kinds
        and ("申报人3", "现职取得时间") in kinds
    )


def test_formula_like_text_never_becomes_a_formula_in_any_output(
    store, committee, tmp_path
) -> None:
    from openpyxl import load_workbook

    from qjtitle.intake.roster import write_roster_workbook

    row = valid_row()
    for label, value in (
        ("姓名", "=1+2"),
        ("工作单位", "+SUM(A1:A9)"),
        ("备注", "@cmd|' /C calc'!A0"),
        ("毕业院校", "-2+3"),
    ):
        row[LABELS.index(label)] = value
    f = import_one(store, write(tmp_path, "公式.xlsx", workbook_bytes([row], as_text=True)))
    assert f.imported == 1
    (item,) = list_applicants(store, show_pii=True)
    assert (item.name, item.unit, item.note) == (
        "=1+2",
        "+SUM(A1:A9)",
        "@cmd|' /C calc'!A0",
    )
    out = tmp_path / "roster.xlsx"
    write_roster_workbook(out, [item.as_dict()])
    audit_out = audit.export_events(store, tmp_path / "audit.xlsx").file
    for path in (out, audit_out):
        for ws in load_workbook(path).worksheets:
            cells = [c for r in ws.iter_rows() for c in r if c.value is not None]
            assert all(c.data_type != "f" for c in cells), path
    values = {c.value for r in load_workbook(out).active.iter_rows() for c in r}
    assert {"=1+2", "+SUM(A1:A9)"} <= values
