"""Reading workbooks as employers fill them (header search, aliases, notes, sheets, formats)
and writing safe ones."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from qjtitle.errors import WorkbookError
from qjtitle.intake.roster import COLUMNS, KEY_COLUMNS
from qjtitle.spreadsheets.dates import ParsedDate, parse_date
from qjtitle.spreadsheets.tables import read_tables
from qjtitle.spreadsheets.text import clean_text, column_letter, compare_key
from qjtitle.spreadsheets.writing import is_formula_like, set_cell
from tests.conftest import LABELS, applicant_row


def read(path: Path):
    return read_tables(path, COLUMNS, KEY_COLUMNS)


# --- Header row -------------------------------------------------------------------


def test_header_found_under_merged_title_and_signature_rows(make_workbook):
    path = make_workbook(
        [applicant_row(), applicant_row(姓名="王芳")],
        title_rows=[
            ["曲靖市专业技术人员职称申报信息表"],
            ["填报单位（盖章）：曲靖市第一人民医院    填报日期：2023年9月1日"],
        ],
    )
    (table,) = read(path)
    assert table.sheet == "Sheet1"
    assert table.header_row == 3
    assert [r.number for r in table.rows] == [4, 5]
    assert [r.cells["name"] for r in table.rows] == ["张丽", "王芳"]
    assert table.cell_name("id_number", 4) == "E4"
    assert table.cell_name("phone", 5) == "T5"
    assert table.unknown_headers == []
    assert len(table.columns) == len(COLUMNS)


def test_cell_references_count_leading_blank_rows_and_columns(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for j, label in enumerate(LABELS):
        ws.cell(row=3, column=j + 2, value=label)
    for j, value in enumerate(applicant_row().values()):
        ws.cell(row=5, column=j + 2, value=value)
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    (table,) = read(path)
    assert table.header_row == 3
    assert [r.number for r in table.rows] == [5]
    assert table.cell_name("id_number", 5) == "F5"
    assert table.cell_name("name", 5) == "C5"


def test_header_variants_map_to_the_same_columns(make_workbook):
    headers = [
        "序号",
        "姓名",
        "性别",
        "出生日期",
        "身份证号",
        "单位名称",
        "所在县(市、区)",
        "最高学历",
        "毕业学校",
        "所学专业",
        "毕业时间",
        "参加工作时间",
        "现任专业技术职务",
        "取得现职时间",
        "申报系列",
        "申报专业",
        "申报职称",
        "申报级别",
        "申报方式",
        "手机号码",
        "备注",
    ]
    row = list(applicant_row().values())
    path = make_workbook([row], headers=headers)
    (table,) = read(path)
    assert set(table.columns) == {c.key for c in COLUMNS}
    assert table.rows[0].cells["id_number"] == row[4]
    assert table.rows[0].cells["unit"] == "曲靖市第一人民医院"


@pytest.mark.parametrize(
    ("id_header", "unit_header"),
    [
        ("公民身份号码", "工作单位"),
        ("身份证号", "单位名称"),
        ("身份证\n号码", "工作单位 全称"),
        ("*身份证号码", "单位名称（全称）"),
    ],
)
def test_id_and_unit_header_variants(make_workbook, id_header, unit_header):
    headers = [
        id_header if h == "身份证号码" else unit_header if h == "工作单位" else h for h in LABELS
    ]
    row = applicant_row()
    path = make_workbook([[row[h] for h in LABELS]], headers=headers)
    (table,) = read(path)
    assert table.columns["id_number"] == 4
    assert table.columns["unit"] == 5
    assert table.rows[0].cells["id_number"] == row["身份证号码"]
    assert table.rows[0].cells["unit"] == "曲靖市第一人民医院"


def test_unknown_headers_are_reported(make_workbook):
    path = make_workbook([[*applicant_row().values(), "x"]], headers=[*LABELS, "籍贯"])
    (table,) = read(path)
    assert table.unknown_headers == ["籍贯"]


def test_blank_and_note_rows_are_skipped_with_their_numbers(make_workbook):
    rows = [
        applicant_row(),
        [None] * len(LABELS),
        ["   "] + [None] * (len(LABELS) - 1),
        applicant_row(姓名="王芳"),
        ["注：本表一式两份，纸质版经单位分管领导审核签字后报送。"],
        [
            "合计",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        ["单位负责人签字："],
    ]
    path = make_workbook(rows)
    (table,) = read(path)
    assert [r.number for r in table.rows] == [2, 5]
    assert table.skipped_notes == [6, 7, 8]  # rows 3 and 4 are blank, not notes


def test_a_row_with_a_name_but_little_else_is_kept(make_workbook):
    path = make_workbook([[None, "李四"] + [None] * (len(LABELS) - 2)])
    (table,) = read(path)
    assert [r.number for r in table.rows] == [2]
    assert table.rows[0].cells["name"] == "李四"


def test_several_sheets_and_sheets_without_a_header(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    first.title = "临床"
    first.append(LABELS)
    first.append(list(applicant_row().values()))
    notes = wb.create_sheet("说明")
    notes.append(["本表由人事科填报"])
    second = wb.create_sheet("护理")
    second.append(["护理人员申报表"])
    second.append(LABELS)
    second.append(list(applicant_row(姓名="王芳").values()))
    second.append(list(applicant_row(姓名="赵敏").values()))
    path = tmp_path / "多表.xlsx"
    wb.save(path)
    tables = read(path)
    assert [(t.sheet, t.header_row, [r.number for r in t.rows]) for t in tables] == [
        ("临床", 1, [2]),
        ("护理", 2, [3, 4]),
    ]


def test_xls_written_by_xlwt(tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("申报人员")
    sheet.write(0, 0, "曲靖市专业技术人员职称申报信息表")
    for j, label in enumerate(LABELS):
        sheet.write(1, j, label)
    row = applicant_row(出生年月=1985.03, 联系电话=13888000001)
    for j, label in enumerate(LABELS):
        sheet.write(2, j, row[label])
    path = tmp_path / "陆良.xls"
    book.save(str(path))
    (table,) = read(path)
    assert table.sheet == "申报人员"
    assert table.header_row == 2
    cells = table.rows[0].cells
    assert table.rows[0].number == 3
    assert cells["name"] == "张丽"
    assert cells["seq"] == 1  # 1.0 read back as an integer
    assert cells["phone"] == 13888000001
    assert cells["birth"] == 1985.03
    assert cells["id_number"] == row["身份证号码"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_csv_in_gbk_and_utf8(tmp_path, encoding):
    path = tmp_path / "罗平.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["曲靖市专业技术人员职称申报信息表（罗平县中医医院）"])
        writer.writerow(LABELS)
        writer.writerow(list(applicant_row(工作单位="罗平县中医医院").values()))
    (table,) = read(path)
    assert table.sheet == "罗平"
    assert table.header_row == 2
    assert table.rows[0].number == 3
    assert table.rows[0].cells["unit"] == "罗平县中医医院"
    assert table.rows[0].cells["name"] == "张丽"


def test_tab_separated_csv(tmp_path):
    path = tmp_path / "tab.csv"
    lines = ["\t".join(LABELS), "\t".join(str(v) for v in applicant_row().values())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (table,) = read(path)
    assert table.rows[0].cells["county"] == "麒麟区"


def test_cells_are_normalised(make_workbook):
    row = applicant_row(
        姓名=" 张\u200b丽\u3000",
        联系电话="１３８８８０００００１",
        工作单位="曲靖市第一人民医院\u00a0 ",
        身份证号码="５３０３０２１９８５０３１５１２２２",
        所在县="ＱＪ　麒麟区",
    )
    row["所在县（市、区）"] = row.pop("所在县")
    path = make_workbook([row])
    cells = read(path)[0].rows[0].cells
    assert cells["name"] == "张丽"
    assert cells["phone"] == "13888000001"
    assert cells["unit"] == "曲靖市第一人民医院"
    assert cells["id_number"] == "530302198503151222"
    assert cells["county"] == "QJ 麒麟区"


def test_clean_text_and_compare_key():
    assert clean_text("\ufeff Ａｂｃ１２３\u200d  \u00ad x ") == "Abc123 x"
    assert compare_key(" 曲靖市 第一人民医院（东院）") == compare_key("曲靖市第一人民医院(东院)")
    assert compare_key("ABC") == "abc"


def test_column_letters():
    assert [column_letter(i) for i in (0, 4, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "E",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


# --- Unreadable files -------------------------------------------------------------


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "名单.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(
        WorkbookError, match=r"^名单\.pdf：不是表格文件（支持 .xlsx、.xls、.xlsm、.ods、.csv）$"
    ):
        read(path)


def test_wps_et_format_is_explained(tmp_path):
    path = tmp_path / "名单.et"
    path.write_bytes(b"x")
    with pytest.raises(
        WorkbookError,
        match=r"名单\.et：WPS 表格格式（\.et）无法直接读取；请在 WPS 中“另存为” \.xlsx",
    ):
        read(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.xlsx", b"", "empty.xlsx：文件是空的（0 字节）"),
        (
            "text.xlsx",
            "姓名,性别\n张三,男\n".encode(),
            "text.xlsx：文件已损坏或不是真正的 .xlsx 工作簿",
        ),
        (
            "notole.xls",
            b"this is not an OLE file at all",
            "notole.xls：文件已损坏或不是真正的 .xls 工作簿",
        ),
        ("empty.csv", b"  \r\n", "empty.csv：文件是空的"),
    ],
)
def test_corrupt_files_give_a_chinese_error_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(WorkbookError) as info:
        read(path)
    assert str(info.value).startswith(message)
    assert "另存为" in str(info.value) or "重新索取" in str(info.value)


def test_truncated_zip(make_workbook):
    path = make_workbook([applicant_row()], name="trunc.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError, match=r"^trunc\.xlsx：文件已损坏或不是真正的 \.xlsx 工作簿"):
        read(path)


def test_a_zip_that_is_not_a_workbook(tmp_path):
    import zipfile

    path = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(WorkbookError, match=r"^zip\.xlsx：文件已损坏或不是真正的 \.xlsx 工作簿"):
        read(path)


def test_a_workbook_without_any_header(make_workbook):
    path = make_workbook([["1", "2", "3"]], headers=["甲", "乙", "丙"], name="无表头.xlsx")
    with pytest.raises(WorkbookError) as info:
        read(path)
    assert str(info.value).startswith(
        "无表头.xlsx：在各工作表的前20行中都找不到表头（应包含 姓名、性别"
    )
    from qjtitle.cli._errors import message_for

    told = message_for(info.value)
    assert told is not None
    assert "请使用 qjtitle 生成的表格填写；申报表：qjtitle applicants template" in told[0]
    assert "会议用表；请运行 qjtitle meeting sheets" in told[0]
    assert "qjtitle applicants" not in str(info.value)  # the library states the fact only


def test_header_below_the_scanned_rows_is_not_found(make_workbook):
    path = make_workbook(
        [applicant_row()], title_rows=[[f"说明{i}"] for i in range(20)], name="deep.xlsx"
    )
    with pytest.raises(WorkbookError, match="前20行中都找不到表头"):
        read(path)


def test_binary_csv(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\x01\x02" * 50)
    with pytest.raises(WorkbookError, match=r"^bin\.csv：不是文本格式的 CSV 文件"):
        read(path)


# --- Dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "precision"),
    [
        (date(1985, 3, 15), date(1985, 3, 15), "day"),
        (datetime(1985, 3, 15, 0, 0), date(1985, 3, 15), "day"),
        (31121, date(1985, 3, 15), "day"),  # Excel serial number
        (31121.0, date(1985, 3, 15), "day"),
        ("1985.03", date(1985, 3, 1), "month"),
        ("1985.3", date(1985, 3, 1), "month"),
        ("1985年3月", date(1985, 3, 1), "month"),
        ("1985年03月", date(1985, 3, 1), "month"),
        ("1985-3", date(1985, 3, 1), "month"),
        ("1985/3", date(1985, 3, 1), "month"),
        ("198503", date(1985, 3, 1), "month"),
        (198503, date(1985, 3, 1), "month"),
        ("1985/3/15", date(1985, 3, 15), "day"),
        ("1985-03-15", date(1985, 3, 15), "day"),
        ("1985年3月15日", date(1985, 3, 15), "day"),
        ("1985.3.15", date(1985, 3, 15), "day"),
        ("19850315", date(1985, 3, 15), "day"),
        (19850315, date(1985, 3, 15), "day"),
        ("1985-03-15 00:00:00", date(1985, 3, 15), "day"),
        ("１９８５．０３", date(1985, 3, 1), "month"),  # typed in full-width mode
        ("１９８５／３／１５", date(1985, 3, 15), "day"),
        (1985.03, date(1985, 3, 1), "month"),  # typed into a number cell
        (1985.12, date(1985, 12, 1), "month"),
        (1985.3, date(1985, 3, 1), "month"),
        (2015.11, date(2015, 11, 1), "month"),
    ],
)
def test_dates_as_employers_write_them(raw, expected, precision):
    assert parse_date(raw) == ParsedDate(expected, precision)


def test_the_ambiguous_float_1985_1():
    parsed = parse_date(1985.1)
    assert parsed.value is None
    assert (
        parsed.problem
        == "“1985.1”有歧义：Excel 把 1985.10 和 1985.1 都存成 1985.1，无法判断是1月还是10月"
    )


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("1985.13", "“1985.13”中的月份 13 不存在"),
        (1985.13, "“1985.13”中的月份 13 不存在"),
        ("1985-02-30", "“1985-02-30”不是存在的日期"),
        ("85.3", "“85.3”不是可识别的日期"),
        ("三月", "“三月”不是可识别的日期"),
        (1985.123, "“1985.123”不是可识别的日期"),
        (True, "“True”不是日期"),
        (12.5, "“12.5”不是日期"),
    ],
)
def test_dates_that_cannot_be_read(raw, problem):
    parsed = parse_date(raw)
    assert parsed.value is None
    assert parsed.problem == problem


@pytest.mark.parametrize("raw", [None, ""])
def test_blank_dates(raw):
    assert parse_date(raw) == ParsedDate(None)


def test_dates_read_from_a_real_workbook(make_workbook):
    row = applicant_row(
        出生年月=date(1985, 3, 15), 毕业时间=39264, 参加工作时间="2007年8月", 现职取得时间=2012.12
    )
    path = make_workbook([row])
    cells = read(path)[0].rows[0].cells
    assert parse_date(cells["birth"]) == ParsedDate(date(1985, 3, 15))
    assert parse_date(cells["graduated"]) == ParsedDate(date(2007, 7, 1))
    assert parse_date(cells["work_start"]) == ParsedDate(date(2007, 8, 1), "month")
    assert parse_date(cells["current_title_date"]) == ParsedDate(date(2012, 12, 1), "month")


# --- Writing ----------------------------------------------------------------------


def test_formula_like_strings_are_written_as_text(tmp_path):
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    for i, value in enumerate(
        ["=1+1", "+86 138", "-5", "@SUM(A1)", "普通", 42, date(2023, 1, 2)], start=1
    ):
        set_cell(ws.cell(row=1, column=i), value)
    path = tmp_path / "safe.xlsx"
    wb.save(path)
    ws = load_workbook(path).active
    assert [c.value for c in ws[1][:5]] == ["=1+1", "+86 138", "-5", "@SUM(A1)", "普通"]
    assert [c.data_type for c in ws[1][:5]] == ["s"] * 5
    assert ws["F1"].value == 42
    assert ws["G1"].value == datetime(2023, 1, 2)
    assert is_formula_like("=A1") and not is_formula_like("A1") and not is_formula_like(5)
