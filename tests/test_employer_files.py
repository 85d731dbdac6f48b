"""Rosters and pools as employers really send them (issue 28): a WPS .xls with a two-row merged
header, a GBK CSV with older column names, footer, total and separator rows, spaces of every
width, a column the format does not know, and an expert pool without 系列, for an engineering
committee. Every field of every applicant is asserted, and every problem and skipped row."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from qjtitle import committees, idcard
from qjtitle.experts import pool as experts
from qjtitle.intake.applicants import APPLICANT_FIELDS, import_applicants
from qjtitle.intake.import_report import problem_lines
from qjtitle.models import Applicant, AuditEvent, ColumnAlias, Expert
from qjtitle.spreadsheets.tables import MissingColumnsError
from tests.conftest import LABELS

YEAR = 2023
CODE = "QJ-GC-ZJ"
UNIT = "曲靖市建筑设计研究院"


@pytest.fixture
def engineering(store):
    return committees.add(
        store,
        CODE,
        "曲靖市工程系列中级职称评审委员会",
        "中级",
        "工程",
        ["建筑工程", "电气工程"],
        "曲靖市住房和城乡建设局",
        "曲靖市人力资源和社会保障局",
        11,
    )


def pid(birth: date, seq: int) -> str:
    return idcard.make("530302", birth, seq)


ZHANG = pid(date(1988, 5, 12), 11)  # 男
LI = pid(date(1990, 10, 3), 22)  # 女
WANG = pid(date(1987, 1, 20), 33)
ZHAO = pid(date(1989, 7, 8), 44)
HUANG = pid(date(1986, 2, 2), 55)
CHEN = pid(date(1991, 4, 4), 66)
ZHOU = pid(date(1985, 9, 9), 77)


def person(
    seq: int,
    name: str,
    gender: str,
    birth: str,
    number: str,
    unit: str,
    county: str,
    specialty: str = "建筑工程",
    phone: str = "13887400011",
) -> list[Any]:
    """A row in the format's column order (LABELS)."""
    return [
        seq,
        name,
        gender,
        birth,
        number,
        unit,
        county,
        "大学本科",
        "昆明理工大学",
        "土木工程",
        "2010.07",
        "2010.08",
        "助理工程师",
        "2014.12",
        "工程",
        specialty,
        "工程师",
        "中级",
        "正常",
        phone,
        "",
    ]


def expected(name: str, gender: str, birth: date, number: str, unit: str, county: str, **more):
    """Every stored field of an applicant of these files."""
    fields = {
        "seq": str(more.pop("seq")),
        "name": name,
        "gender": gender,
        "birth": birth,
        "id_number": number,
        "unit": unit,
        "county": county,
        "education": "大学本科",
        "school": "昆明理工大学",
        "major": "土木工程",
        "graduated": date(2010, 7, 1),
        "work_start": date(2010, 8, 1),
        "current_title": "助理工程师",
        "current_title_date": date(2014, 12, 1),
        "series": "工程",
        "specialty": "建筑工程",
        "title_name": "工程师",
        "level": "中级",
        "route": "正常",
        "phone": "13887400011",
        "note": "",
        "unit_key": "曲靖市建筑设计研究院",
        "years_in_title": 9,
        "years_working": 13,
    }
    fields.update(more)
    return fields


def stored(store) -> dict[str, Applicant]:
    with store.transaction() as session:
        return {
            a.id_number or a.name: a for a in session.exec(select(Applicant).order_by(Applicant.id))
        }


def fields_of(a: Applicant) -> dict[str, Any]:
    return {f: getattr(a, f) for f in APPLICANT_FIELDS}


# --- A WPS .xls with a two-row merged header and a footer ------------------------------------

MERGED_SINGLE = LABELS[:12]  # 序号 … 参加工作时间: merged down over both header rows
MERGED_GROUPS = [
    ("现专业技术职务", ["名称", "取得时间"]),
    ("申报", ["系列", "专业", "资格名称", "级别", "方式"]),
]


def write_merged_xls(path: Path, rows: list[list[Any]], footer: dict[int, str]) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    width = len(LABELS)
    ws.write_merge(0, 0, 0, width - 1, "曲靖市专业技术人员职称申报信息表")
    ws.write_merge(1, 1, 0, width - 1, f"填报单位（盖章）：{UNIT}")
    # row 2 (Excel 3) left blank
    for c, label in enumerate(MERGED_SINGLE):
        ws.write_merge(3, 4, c, c, label)
    c = len(MERGED_SINGLE)
    for upper, lowers in MERGED_GROUPS:
        ws.write_merge(3, 3, c, c + len(lowers) - 1, upper)
        for i, lower in enumerate(lowers):
            ws.write(4, c + i, lower)
        c += len(lowers)
    ws.write_merge(3, 4, c, c, "联系电话")
    ws.write_merge(3, 4, c + 1, c + 1, "备注")
    for r, row in enumerate(rows, start=5):
        for i, value in enumerate(row):
            ws.write(r, i, value)
    for i, value in footer.items():
        ws.write(5 + len(rows), i, value)
    wb.save(str(path))
    return path


def write_merged_xlsx(path: Path, rows: list[list[Any]], footer: dict[int, str]) -> Path:
    """The same layout made by Excel (openpyxl): merged ranges, values in their top-left cells."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    width = len(LABELS)
    ws.cell(1, 1, "曲靖市专业技术人员职称申报信息表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, f"填报单位（盖章）：{UNIT}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    singles = [*enumerate(MERGED_SINGLE, 1), (width - 1, "联系电话"), (width, "备注")]
    for c, label in singles:
        ws.cell(4, c, label)
        ws.merge_cells(start_row=4, start_column=c, end_row=5, end_column=c)
    c = len(MERGED_SINGLE) + 1
    for upper, lowers in MERGED_GROUPS:
        ws.cell(4, c, upper)
        ws.merge_cells(start_row=4, start_column=c, end_row=4, end_column=c + len(lowers) - 1)
        for i, lower in enumerate(lowers):
            ws.cell(5, c + i, lower)
        c += len(lowers)
    for r, row in enumerate(rows, start=6):
        for i, value in enumerate(row, start=1):
            ws.cell(r, i, value)
    for i, value in footer.items():
        ws.cell(6 + len(rows), i + 1, value)
    wb.save(path)
    return path


@pytest.mark.parametrize("write", [write_merged_xls, write_merged_xlsx], ids=["wps-xls", "xlsx"])
def test_a_two_row_merged_header_with_a_footer(store, engineering, tmp_path, write) -> None:
    path = write(
        tmp_path / ("建筑设计院.xls" if write is write_merged_xls else "建筑设计院.xlsx"),
        [
            person(1, "张伟", "男", "1988.05", ZHANG, UNIT, "麒麟区"),
            person(2, "李娜", "女", "1990.10", LI, UNIT, "麒麟区", "电气工程", "13887400012"),
        ],
        {0: "填表人：", 1: "王晓丽", 5: "审核人：李明", 19: "联系电话：0874-3456789"},
    )
    report = import_applicants(store, [path], CODE, YEAR)
    f = report.files[0]
    assert f.error is None
    assert (f.rows, f.imported, f.needs_correction, len(f.rejected)) == (2, 2, 0, 0)
    assert f.row_problems == []
    assert [(sheet, s.row, s.reason) for sheet, s in f.skipped] == [
        ("Sheet1", 8, "表尾的填表人、审核人、联系电话或盖章栏")
    ]
    assert f.skipped[0][1].text.startswith("填表人： 王晓丽 审核人：李明")
    found = stored(store)
    assert set(found) == {ZHANG, LI}
    assert fields_of(found[ZHANG]) == expected(
        "张伟", "男", date(1988, 5, 1), ZHANG, UNIT, "麒麟区", seq=1
    )
    assert fields_of(found[LI]) == expected(
        "李娜",
        "女",
        date(1990, 10, 1),
        LI,
        UNIT,
        "麒麟区",
        seq=2,
        specialty="电气工程",
        phone="13887400012",
    )
    assert {a.status for a in found.values()} == {"已受理"}
    assert [(a.source_sheet, a.source_row) for a in found.values()] == [
        ("Sheet1", 6),
        ("Sheet1", 7),
    ]


# --- A GBK CSV with older names, a total, separators and a footer ------------------------------

OLD_NAMES = [
    "序号",
    "姓名",
    "性别",
    "出生年月",
    "公民身份号码",
    "单位名称",
    "所在县区",
    "学历",
    "毕业院校",
    "所学专业",
    "毕业时间",
    "参加工作时间",
    "现专业技术职务",
    "现职取得时间",
    "申报系列",
    "申报专业",
    "申报资格名称",
    "申报级别",
    "申报类型",
    "联系方式",
    "备注",
]


def write_gbk_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with open(path, "w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["曲靖市专业技术人员职称申报信息表"])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_gbk_csv_with_older_names_totals_and_separators(store, engineering, tmp_path) -> None:
    unit = "沾益区建筑工程公司"
    path = write_gbk_csv(
        tmp_path / "沾益.csv",
        OLD_NAMES,
        [
            person(1, "王强", "男", "1987.01", WANG, unit, "沾益区"),
            [],
            person(2, "赵敏", "女", "1989.07", ZHAO, unit, "沾益区", phone="13887400013"),
            ["合计：2人"],
            [],
            ["填表人：王晓丽", "", "", "", "审核人：李明", "", "联系电话：0874-3456789"],
        ],
    )
    report = import_applicants(store, [path], CODE, YEAR)
    f = report.files[0]
    assert f.error is None
    assert (f.rows, f.imported, f.needs_correction) == (2, 2, 0)
    assert f.row_problems == []
    assert [(s.row, s.reason) for _, s in f.skipped] == [
        (4, "空行（分隔）"),
        (6, "合计行"),
        (8, "表尾的填表人、审核人、联系电话或盖章栏"),
    ]
    assert [(line.row, line.result, line.problem) for line in problem_lines(report)] == [
        (4, "跳过", "空行（分隔）"),
        (6, "跳过", "合计行：合计：2人"),
        (
            8,
            "跳过",
            "表尾的填表人、审核人、联系电话或盖章栏：填表人：王晓丽 审核人：李明 联系电话：0874-3456789",
        ),
    ]
    found = stored(store)
    key = {"unit_key": unit}
    assert fields_of(found[WANG]) == expected(
        "王强", "男", date(1987, 1, 1), WANG, unit, "沾益区", seq=1, **key
    )
    assert fields_of(found[ZHAO]) == expected(
        "赵敏", "女", date(1989, 7, 1), ZHAO, unit, "沾益区", seq=2, phone="13887400013", **key
    )


# --- Spaces of every width, a repeated header, a footer in the name column -------------------


def test_spaces_cleaned_where_safe_and_flagged_inside_a_name(
    store, engineering, make_workbook
) -> None:
    rows = [
        person(1, " 黄 朝阳 ", "男", "1986.02", HUANG, "曲靖市\u3000建筑设计研究院", "麒麟区"),
        LABELS,  # the header again (a second page)
        person(2, "陈\u3000静", "女", "1991.04", CHEN, f"{UNIT}\u3000 ", "麒麟区"),
        person(3, "\u3000周杰\u00a0", "男", "1985.09", ZHOU, f"  {UNIT}", "麒麟区"),
        [None, "填表人：王晓丽", None, None, None, "联系电话：0874-3456789"],
    ]
    path = make_workbook(rows, name="空格.xlsx", title_rows=[["曲靖市专业技术人员职称申报信息表"]])
    report = import_applicants(store, [path], CODE, YEAR)
    f = report.files[0]
    assert (f.rows, f.imported, f.needs_correction) == (3, 3, 2)
    assert [(s.row, s.reason) for _, s in f.skipped] == [
        (4, "重复的表头"),
        (7, "表尾的填表人、审核人、联系电话或盖章栏"),
    ]
    assert [(row, name, p.cell, p.message, p.fix) for _, row, name, p in f.row_problems] == [
        (
            3,
            "黄 朝阳",
            "B3",
            "姓名“黄 朝阳”中间有空格",
            "请删去空格，按身份证填写姓名（如“黄朝阳”）",
        ),
        (5, "陈 静", "B5", "姓名“陈 静”中间有空格", "请删去空格，按身份证填写姓名（如“陈静”）"),
    ]
    found = stored(store)
    # one employer, one spelling: the one without the space
    assert fields_of(found[HUANG]) == expected(
        "黄 朝阳", "男", date(1986, 2, 1), HUANG, UNIT, "麒麟区", seq=1, years_working=13
    )
    assert fields_of(found[CHEN]) == expected(
        "陈 静", "女", date(1991, 4, 1), CHEN, UNIT, "麒麟区", seq=2
    )
    assert fields_of(found[ZHOU]) == expected(
        "周杰", "男", date(1985, 9, 1), ZHOU, UNIT, "麒麟区", seq=3
    )
    assert [found[k].status for k in (HUANG, CHEN, ZHOU)] == ["待补正", "待补正", "已受理"]
    assert {a.unit for a in found.values()} == {UNIT}


# --- A column the format does not know: one problem for the file, then --map -----------------


@pytest.mark.both_backends
def test_a_column_not_found_is_one_file_problem_and_a_kept_map_reads_the_next_file(
    store, engineering, tmp_path
) -> None:
    header = [("所在县份" if h == "所在县区" else h) for h in OLD_NAMES]
    rows = [person(1, "王强", "男", "1987.01", WANG, UNIT, "沾益区")]
    path = write_gbk_csv(tmp_path / "县份.csv", header, rows)
    report = import_applicants(store, [path], CODE, YEAR)
    f = report.files[0]
    assert (f.rows, f.imported, f.row_problems) == (0, 0, [])
    assert [m.missing for m in f.missing] == [("所在县（市、区）",)]
    assert f.missing[0].suggestions == (("所在县份", "所在县（市、区）"),)
    assert f.missing[0].seen == tuple(header)
    assert f.error == (
        "县份.csv，工作表“县份”：找不到必填的列 “所在县（市、区）”，本文件未导入（表头在第2行，看到的列："
        + "、".join(header)
        + "）；如“所在县份”就是“所在县（市、区）”，导入时把它对应为“所在县（市、区）”即可"
    )
    assert "为空" not in f.error
    assert stored(store) == {}
    # mapped for the run and kept for the committee: the next file reads itself
    report = import_applicants(
        store, [path], CODE, YEAR, mapping={"所在县份": "county"}, keep_mapping=True
    )
    assert (report.files[0].imported, report.files[0].error) == (1, None)
    assert stored(store)[WANG].county == "沾益区"
    with store.transaction() as session:
        kept = [(a.form, a.header, a.column) for a in session.exec(select(ColumnAlias))]
        events = [e.action for e in session.exec(select(AuditEvent))]
    assert kept == [("roster", "所在县份", "county")]
    assert "columns.mapped" in events
    rows = [person(1, "赵敏", "女", "1989.07", ZHAO, UNIT, "会泽县")]
    later = write_gbk_csv(tmp_path / "下一季.csv", header, rows)
    assert import_applicants(store, [later], CODE, YEAR).files[0].imported == 1


def test_cli_names_the_missing_column_and_accepts_map_and_year_forms(
    cli, store, engineering, tmp_path
) -> None:
    header = [("所在县份" if h == "所在县区" else h) for h in OLD_NAMES]
    folder = tmp_path / "收件"
    folder.mkdir()
    write_gbk_csv(
        folder / "县份.csv", header, [person(1, "王强", "男", "1987.01", WANG, UNIT, "沾益区")]
    )
    result = cli("import-applicants", str(folder), "-c", CODE, "--year", "2023年", "--dry-run")
    assert result.exit_code == 1
    text = "".join(result.output.split())
    assert "找不到必填的列“所在县（市、区）”" in text
    assert "--map所在县份=所在县（市、区）" in text
    assert not (folder / "导入问题清单").exists()  # nothing written on a dry run
    result = cli(
        "import-applicants",
        str(folder),
        "-c",
        CODE,
        "-y",
        "2023",
        "--map",
        "所在县份=所在县（市、区）",
    )
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output
    assert not (folder / "导入问题清单").exists()  # nothing to list
    spaced = write_gbk_csv(
        folder / "空格.csv",
        OLD_NAMES,
        [person(1, "黄 朝阳", "男", "1986.02", HUANG, UNIT, "麒麟区")],
    )
    out = tmp_path / "清单"
    result = cli(
        "import-applicants", str(spaced), "-c", CODE, "-y", "2023", "--dry-run", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    written = list((out / "导入问题清单").glob("*.csv"))
    assert len(written) == 1 and str(written[0]) in result.output
    assert "全部 1 条逐行结果已写入" in result.output
    bad = cli("import-applicants", str(folder), "-c", CODE, "-y", "二〇二三")
    assert bad.exit_code == 2 and "请写4位年份" in bad.output


# --- Examples in the committee's own terms ------------------------------------------------


def test_hints_use_the_committees_and_the_employers_own_terms(
    store, engineering, make_workbook
) -> None:
    row = dict(zip(LABELS, person(1, "张伟", "男", "1988.05", ZHANG, UNIT, "麒麟区"), strict=True))
    blank = {**row, "申报系列": "", "申报专业": "", "申报资格名称": "", "毕业院校": ""}
    second = dict(zip(LABELS, person(2, "李娜", "女", "1990.10", LI, "", "麒麟区"), strict=True))
    path = make_workbook([blank, second], name="空项.xlsx")
    f = import_applicants(store, [path], CODE, YEAR).files[0]
    fixes = {(row, p.column): p.fix for _, row, _, p in f.row_problems}
    assert fixes == {
        (2, "申报系列"): "请填写申报系列（如 工程）",
        (2, "申报专业"): "请填写申报专业（如 建筑工程）",
        (2, "申报资格名称"): "请填写申报资格名称（如 工程师）",
        (2, "毕业院校"): "请填写毕业院校（如 昆明理工大学）",
        (3, "工作单位"): f"请填写工作单位（如 {UNIT}）",
    }
    every = " ".join(p.message + p.fix for _, _, _, p in f.row_problems)
    for health in ("卫生", "副主任医师", "昆明医科大学", "临床医学", "主治医师"):
        assert health not in every


# --- A pool without 系列 -------------------------------------------------------------------

POOL_LABELS = [
    "姓名",
    "性别",
    "身份证号码",
    "工作单位",
    "职称",
    "职称级别",
    "专业",
    "联系电话",
    "入库时间",
    "任期起止",
    "状态",
]


def test_a_pool_without_series_takes_the_committees(store, engineering, make_workbook) -> None:
    def expert(n: int, name: str, specialty: str) -> list[Any]:
        return [
            name,
            "男",
            pid(date(1970, 1, n), 11),
            "曲靖市建筑工程质量监督站",
            "高级工程师",
            "副高级",
            specialty,
            f"1388740{n:04d}",
            "2022.06",
            "2022.07-2025.06",
            "在库",
        ]

    rows = [
        expert(1, "杨建国", "建筑工程"),
        expert(2, "孙立", "电气工程"),
        ["注：本表由单位人事科填报"],
    ]
    path = make_workbook(rows, name="工程专家库.xlsx", headers=POOL_LABELS)
    report = experts.import_experts(store, path, CODE, pool_filed=date(2022, 6, 30))
    assert (report.rows, report.imported, report.rejected) == (2, 2, [])
    assert report.series_from_committee == "工程"
    assert report.first_import is True
    assert report.refiling is None  # a first import is no re-filing: no share of new experts
    assert [(s.row, s.reason) for _, s in report.skipped] == [(4, "说明或备注行")]
    with store.transaction() as session:
        pool = [
            (e.name, e.series, e.specialty, e.level, e.term_start, e.term_end, e.active)
            for e in session.exec(select(Expert).order_by(Expert.id))
        ]
    assert pool == [
        ("杨建国", "工程", "建筑工程", "副高级", date(2022, 7, 1), date(2025, 6, 30), True),
        ("孙立", "工程", "电气工程", "副高级", date(2022, 7, 1), date(2025, 6, 30), True),
    ]


def test_a_pool_missing_another_column_is_refused_naming_it(
    store, engineering, make_workbook
) -> None:
    headers = [("任职期限" if h == "任期起止" else h) for h in POOL_LABELS]
    path = make_workbook(
        [["杨建国", "男", pid(date(1970, 1, 1), 11)]], name="缺任期.xlsx", headers=headers
    )
    with pytest.raises(MissingColumnsError) as caught:
        experts.import_experts(store, path, CODE)
    assert caught.value.found.missing == ("任期起止",)
    assert "请先导入专家库" not in str(caught.value)


def test_pool_hints_use_the_committees_series(store, engineering, make_workbook) -> None:
    headers = [*POOL_LABELS, "系列"]
    row = [
        "杨建国",
        "男",
        pid(date(1970, 1, 1), 11),
        "曲靖市建筑工程质量监督站",
        "高级工程师",
        "",
        "",
        "13887400001",
        "2022.06",
        "2022.07-2025.06",
        "在库",
        "",
    ]
    path = make_workbook([row], name="缺系列值.xlsx", headers=headers)
    report = experts.import_experts(store, path, CODE)
    fixes = [p.fix for r in report.rejected for p in r.problems]
    assert fixes == ["请填写系列（如 工程）", "请填写专业（如 建筑工程）"]


# --- A dry run reports exactly what the import does ----------------------------------------


@pytest.mark.both_backends
def test_a_dry_run_reports_what_the_import_does(store, engineering, tmp_path) -> None:
    folder = tmp_path / "两个单位"
    folder.mkdir()
    write_gbk_csv(
        folder / "a_设计院.csv",
        OLD_NAMES,
        [person(1, "张伟", "男", "1988.05", ZHANG, UNIT, "麒麟区")],
    )
    write_gbk_csv(  # the same person sent again by another employer
        folder / "b_质监站.csv",
        OLD_NAMES,
        [
            person(1, "张伟", "男", "1988.05", ZHANG, "曲靖市建筑工程质量监督站", "麒麟区"),
            person(2, "李娜", "女", "1990.10", LI, "曲靖市建筑工程质量监督站", "麒麟区", ""),
        ],
    )
    dry = import_applicants(store, [folder], CODE, YEAR, dry_run=True)
    assert stored(store) == {}
    real = import_applicants(store, [folder], CODE, YEAR)
    assert dry.totals() == real.totals()
    assert real.totals().flagged == 1 and real.totals().needs_correction == 2
    assert [f.flagged for f in dry.files] == [f.flagged for f in real.files]
    assert [[r.reason for r in f.rejected] for f in dry.files] == [
        [r.reason for r in f.rejected] for f in real.files
    ]


def test_pass_rate_cap_accepts_a_percentage(cli, store, engineering) -> None:
    result = cli("committee", "set", CODE, "--pass-rate-cap", "70%")
    assert result.exit_code == 0, result.output
    with store.transaction() as session:
        assert committees.get(session, CODE).pass_rate_cap == pytest.approx(0.7)
    bad = cli("committee", "set", CODE, "--pass-rate-cap", "七成")
    assert bad.exit_code == 2 and "如 0.7 或 70%" in bad.output


def test_cli_pool_without_series_says_so_once_and_lists_skipped_rows(
    cli, store, engineering, make_workbook
) -> None:
    row = [
        "杨建国",
        "男",
        pid(date(1970, 1, 1), 11),
        "曲靖市建筑工程质量监督站",
        "高级工程师",
        "副高级",
        "建筑工程",
        "13887400001",
        "2022.06",
        "2022.07-2025.06",
        "在库",
    ]
    path = make_workbook([row, ["填表人：王晓丽"]], name="专家库.xlsx", headers=POOL_LABELS)
    result = cli("import-experts", str(path), "-c", CODE, "--pool-filed", "2022-06-30")
    assert result.exit_code == 0, result.output
    text = "".join(result.output.split())
    assert text.count("没有“系列”列：各行按本评委会的系列“工程”导入") == 1
    assert "跳过的行（不是专家，1行）" in text and "表尾的填表人" in text
    assert "首次导入本评委会的专家库：新增专家1人" in text
    assert "请先导入专家库" not in text and "系列为空" not in text


def test_the_blank_forms_examples_are_the_committees(cli, store, engineering, tmp_path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "空白表.xlsx"
    result = cli("applicants", "template", "--out", str(out), "--committee", CODE)
    assert result.exit_code == 0, result.output
    guide = {
        row[0]: row[3]
        for row in load_workbook(out)["填表说明"].iter_rows(values_only=True)
        if row[0]
    }
    assert (guide["申报系列"], guide["申报专业"], guide["申报级别"]) == ("工程", "建筑工程", "中级")
    assert guide["毕业院校"] is None and guide["申报资格名称"] is None  # nothing to draw them from
    assert "卫生" not in str(guide) and "昆明医科大学" not in str(guide)
