"""The batch import of 附件2 rosters (qjtitle.intake.applicants.import_applicants), through real workbooks."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from qjtitle import committees, idcard
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.intake.applicants import collect_files, import_applicants
from qjtitle.models import Applicant, AuditEvent, ImportBatch
from tests.conftest import LABELS, applicant_row

YEAR = 2023
TITLE_ROWS = [
    ["曲靖市专业技术人员职称申报信息表"],
    ["填报单位（盖章）：曲靖市第一人民医院        填报日期：2023年9月1日"],
]
RULE = "申报人一个年度内只能申报一次职称晋升评审（通知 六（五））"


def person_id(seq: int, birth: date = date(1985, 3, 15), area: str = "530302") -> str:
    return idcard.make(area, birth, seq)


def person(name: str, seq: int, **overrides):
    return applicant_row(姓名=name, 身份证号码=person_id(seq), **overrides)


def applicants(store) -> list[Applicant]:
    with store.transaction() as session:
        return list(
            session.exec(select(Applicant).order_by(Applicant.source_file, Applicant.source_row))
        )


def count(store, model) -> int:
    with store.transaction() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def by_row(store) -> dict[int, Applicant]:
    return {a.source_row: a for a in applicants(store)}


def cells_of(a: Applicant) -> list[tuple[str, str]]:
    return [(p["facts"]["cell"], p["message"]) for p in a.problems]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- Every rule, one row each, in one real workbook ------------------------------

RULE_ROWS = [
    person("张丽", 2),  # 4: valid
    person("王芳", 4, 毕业院校=""),  # 5
    applicant_row(姓名="李娜", 身份证号码=person_id(6)[:17] + "0"),  # 6: check digit
    applicant_row(姓名="赵敏", 身份证号码=5.30302198503151e17),  # 7: Excel number
    applicant_row(姓名="刘洋", 身份证号码="5.30302198503151E+17"),  # 8: Excel number, as text
    person("陈静", 8, 性别="男"),  # 9
    person("杨梅", 10, 出生年月="1986.03"),  # 10
    person("黄华", 12, 现专业技术职务="主治医师"),  # 11: already 中级
    person("周强", 14, 联系电话="0874-31234"),  # 12
    person("吴军", 16, 申报专业="儿科学"),  # 13
    person("徐燕", 18, 现职取得时间=2015.1),  # 14: ambiguous float
    person("张丽", 2),  # 15: row 4 again
]

EXPECTED_PROBLEMS = {
    4: [],
    5: [("I5", "“毕业院校”为空")],
    6: [
        ("E6", f"身份证号码校验位错误（第18位应为 {person_id(6)[17]}，实为 0），号码中有输错的数字")
    ],
    7: [("E7", "身份证号码被 Excel 存成了数字（5.30302198503151E+17），后几位已丢失")],
    8: [("E8", "身份证号码被 Excel 存成了数字（5.30302198503151E+17），后几位已丢失")],
    9: [("C9", "性别填“男”，身份证号码显示为“女”")],
    10: [("D10", "出生年月填“1986-03”，身份证号码显示为“1985-03-15”")],
    11: [("R11", "现职“主治医师”已是中级，申报中级不属于晋升")],
    12: [("T12", "联系电话“0874-31234”格式不对")],
    13: [("P13", "申报专业“儿科学”不在本评委会评审范围（临床医学、护理、药学、医学检验技术）")],
    14: [
        (
            "N14",
            "“现职取得时间”“2015.1”有歧义：Excel 把 2015.10 和 2015.1 都存成 2015.1，无法判断是1月还是10月",
        )
    ],
}


def test_every_rule_with_a_real_workbook(store, committee, make_workbook):
    path = make_workbook(RULE_ROWS, name="01_曲靖市第一人民医院.xlsx", title_rows=TITLE_ROWS)
    report = import_applicants(store, [path], "QJ-WS-ZJ", YEAR, user="tester")
    (f,) = report.files
    assert f.error is None
    assert (f.rows, f.imported, f.updated, f.needs_correction, len(f.rejected)) == (
        12,
        11,
        0,
        10,
        1,
    )
    assert f.accepted == 1
    assert f.sheets == ["Sheet1"]
    rejected = f.rejected[0]
    assert (rejected.row, rejected.name, rejected.unit) == (15, "张丽", "曲靖市第一人民医院")
    assert rejected.reason == f"与本表（Sheet1）第4行是同一身份证号码，重复申报；{RULE}"
    rows = by_row(store)
    assert sorted(rows) == list(range(4, 15))
    for number, expected in EXPECTED_PROBLEMS.items():
        assert cells_of(rows[number]) == expected, number
        assert rows[number].status == ("已受理" if not expected else "待补正"), number
    assert all(p["fix"]["hint"] for a in rows.values() for p in a.problems)
    assert rows[7].problems[0]["fix"]["hint"].startswith("请将该列单元格设为“文本”格式")
    assert rows[7].person_key == "赵敏@曲靖市第一人民医院"
    assert rows[4].person_key == person_id(2)
    assert f.problem_kinds == {
        "必填项为空": 1,
        "身份证号码": 3,
        "与身份证不符": 2,
        "申报级别": 1,
        "联系电话": 1,
        "不属本评委会": 1,
        "日期": 1,
        "重复申报": 1,
    }
    assert [(sheet, number, p.cell) for sheet, number, _name, p in f.row_problems] == [
        ("Sheet1", n, cell) for n, expected in EXPECTED_PROBLEMS.items() for cell, _ in expected
    ]


def test_values_stored_with_years_to_31_december(store, committee, make_workbook):
    row = person(
        "张丽",
        2,
        出生年月=date(1985, 3, 15),
        参加工作时间=39295,
        现职取得时间="2018年12月",
        联系电话=13888000001,
    )
    import_applicants(store, [make_workbook([row])], "QJ-WS-ZJ", YEAR)
    (a,) = applicants(store)
    assert a.problems == []
    assert (a.birth, a.work_start, a.current_title_date) == (
        date(1985, 3, 15),
        date(2007, 8, 1),
        date(2018, 12, 1),
    )
    assert (a.years_in_title, a.years_working) == (5, 16)
    assert a.phone == "13888000001"
    assert (a.year, a.status, a.source_file, a.source_sheet, a.source_row) == (
        2023,
        "已受理",
        "roster.xlsx",
        "Sheet1",
        2,
    )


def test_level_ladder_in_a_senior_committee(store, make_workbook):
    committees.add(
        store, "QJ-WS-FG", "曲靖市卫生系列副高级职称评审委员会", "副高级", "卫生", ["护理"]
    )
    base = {
        "现专业技术职务": "主管护师",
        "现职取得时间": "2016.12",
        "申报资格名称": "副主任护师",
        "申报级别": "副高级",
    }
    rows = [
        person("张丽", 2, **base),
        person("王芳", 4, **{**base, "现专业技术职务": "护师"}),
        person("李娜", 6, **{**base, "现专业技术职务": "护师", "申报方式": "破格"}),
        person("赵敏", 8, **{**base, "申报方式": "转评"}),
        person("陈静", 10, **{**base, "现专业技术职务": "副主任护师", "申报方式": "转评"}),
    ]
    report = import_applicants(store, [make_workbook(rows)], "QJ-WS-FG", YEAR)
    assert report.files[0].needs_correction == 2
    rows = by_row(store)
    assert cells_of(rows[2]) == []
    assert cells_of(rows[3]) == [("R3", "现职“护师”为初级，正常晋升只能申报中级")]
    assert cells_of(rows[4]) == []
    assert cells_of(rows[5]) == [("S5", "转评须保持原级别：现职“主管护师”为中级，申报的是副高级")]
    assert cells_of(rows[6]) == []


def test_header_variants_full_width_and_dates_in_every_form(store, committee, make_workbook):
    headers = [
        "序号",
        "姓名",
        "性别",
        "出生日期",
        "公民身份号码",
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
    births = [
        "1985.03",
        "1985年3月",
        "1985-3",
        "198503",
        "1985/3/15",
        date(1985, 3, 15),
        31121,
        1985.03,
    ]
    rows = []
    for i, birth in enumerate(births):
        r = person(f"申报人{i}", 2 * i + 2, 出生年月=birth)
        rows.append([r[h] for h in LABELS])
    full_width = person("张\u200b三", 40, 联系电话="１３８ ８８００ ０００１")
    full_width["身份证号码"] = full_width["身份证号码"].translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}
    )
    rows.append([full_width[h] for h in LABELS])
    rows.append([None] * len(LABELS))
    rows.append(["注：本表一式两份。"])
    path = make_workbook(rows, headers=headers, title_rows=TITLE_ROWS, name="02_宣威.xlsx")
    report = import_applicants(store, [path], "QJ-WS-ZJ", YEAR)
    f = report.files[0]
    assert (f.rows, f.imported, f.needs_correction, len(f.rejected), f.skipped_notes) == (
        9,
        9,
        0,
        0,
        1,
    )
    stored = applicants(store)
    assert [a.birth for a in stored[:8]] == [date(1985, 3, 1)] * 4 + [date(1985, 3, 15)] * 3 + [
        date(1985, 3, 1)
    ]
    assert (stored[8].name, stored[8].id_number, stored[8].phone) == (
        "张三",
        person_id(40),
        "13888000001",
    )


def test_xls_and_gbk_csv(store, committee, tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("申报人员")
    for j, label in enumerate(LABELS):
        sheet.write(0, j, label)
    for i, r in enumerate(
        [
            person("张丽", 2, 工作单位="陆良县人民医院"),
            person("王芳", 4, 工作单位="陆良县人民医院", 出生年月=1985.03),
        ],
        1,
    ):
        for j, label in enumerate(LABELS):
            sheet.write(i, j, r[label])
    xls = tmp_path / "03_陆良县人民医院.xls"
    book.save(str(xls))
    gbk = tmp_path / "04_罗平县中医医院.csv"
    with gbk.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["曲靖市专业技术人员职称申报信息表（罗平县中医医院）"])
        writer.writerow(LABELS)
        writer.writerow(
            list(person("李娜", 6, 工作单位="罗平县中医医院", county="罗平县").values())
        )
    report = import_applicants(store, [xls, gbk], "QJ-WS-ZJ", YEAR)
    assert [
        (f.path.name, f.rows, f.imported, f.needs_correction, f.sheets) for f in report.files
    ] == [
        ("03_陆良县人民医院.xls", 2, 2, 0, ["申报人员"]),
        ("04_罗平县中医医院.csv", 1, 1, 0, ["04_罗平县中医医院"]),
    ]
    assert [(a.name, a.unit, a.source_row) for a in applicants(store)] == [
        ("张丽", "陆良县人民医院", 2),
        ("王芳", "陆良县人民医院", 3),
        ("李娜", "罗平县中医医院", 3),
    ]


# --- Duplicates and one application per person per year ---------------------------


def test_duplicate_across_files_of_one_run(store, committee, make_workbook):
    first = make_workbook([person("张丽", 2), person("王芳", 4)], name="01_一院.xlsx")
    second = make_workbook(
        [
            person("李娜", 6, 工作单位="罗平县中医医院"),
            person("王芳", 4, 工作单位="罗平县中医医院"),
        ],
        name="04_罗平.xlsx",
    )
    report = import_applicants(store, [first, second], "QJ-WS-ZJ", YEAR)
    f1, f2 = report.files
    assert (f1.imported, f2.imported, len(f2.rejected)) == (2, 1, 1)
    assert f2.rejected[0].row == 3
    assert (
        f2.rejected[0].reason == f"与01_一院.xlsx（Sheet1）第3行是同一身份证号码，重复申报；{RULE}"
    )
    first_wang = next(a for a in applicants(store) if a.name == "王芳")
    assert first_wang.status == "待补正"
    assert [p["message"] for p in first_wang.problems] == [
        "同一身份证号码又由罗平县中医医院（04_罗平.xlsx 第3行）报送"
    ]
    assert count(store, Applicant) == 3


def test_one_application_per_person_per_year_across_committees(store, committee, make_workbook):
    committees.add(store, "QJ-GC-ZJ", "曲靖市工程系列中级职称评审委员会", "中级", "工程", [])
    import_applicants(
        store, [make_workbook([person("张丽", 2)], name="卫生.xlsx")], "QJ-WS-ZJ", YEAR
    )
    engineer = person(
        "张丽",
        2,
        申报系列="工程",
        申报专业="建筑工程",
        申报资格名称="工程师",
        现专业技术职务="助理工程师",
    )
    path = make_workbook(
        [
            engineer,
            person(
                "王芳",
                4,
                申报系列="工程",
                申报专业="建筑工程",
                申报资格名称="工程师",
                现专业技术职务="助理工程师",
            ),
        ],
        name="工程.xlsx",
    )
    report = import_applicants(store, [path], "QJ-GC-ZJ", YEAR)
    f = report.files[0]
    assert (f.rows, f.imported, len(f.rejected)) == (2, 1, 1)
    assert f.rejected[0].reason == (
        f"张丽（身份证号码相同）已在评委会“曲靖市卫生系列中级职称评审委员会”（QJ-WS-ZJ）申报2023年度职称；{RULE}"
    )
    # Another year is another application.
    report = import_applicants(store, [path], "QJ-GC-ZJ", 2024)
    assert (report.files[0].imported, len(report.files[0].rejected)) == (2, 0)


def test_same_person_sent_by_another_employer_in_a_later_run(store, committee, make_workbook):
    import_applicants(
        store, [make_workbook([person("张丽", 2)], name="01_一院.xlsx")], "QJ-WS-ZJ", YEAR
    )
    other = make_workbook(
        [person("张丽", 2, 工作单位="宣威市人民医院", county="宣威市")], name="02_宣威.xlsx"
    )
    report = import_applicants(store, [other], "QJ-WS-ZJ", YEAR)
    (rejected,) = report.files[0].rejected
    assert (
        rejected.reason
        == f"张丽（身份证号码相同）已由曲靖市第一人民医院（01_一院.xlsx 第2行）报送；{RULE}"
    )
    (a,) = applicants(store)
    assert (a.unit, a.status) == ("曲靖市第一人民医院", "待补正")
    assert a.problems[0]["message"] == "同一身份证号码又由宣威市人民医院（02_宣威.xlsx 第2行）报送"


# --- Re-import of a corrected file -------------------------------------------------


def test_reimport_of_corrected_file_updates_the_same_applicants(store, committee, make_workbook):
    bad_id = person_id(4)[:17] + ("0" if person_id(4)[17] != "0" else "1")
    original = [
        person("张丽", 2),
        applicant_row(姓名="王芳", 身份证号码=bad_id),
        person("李娜", 6, 毕业院校=""),
    ]
    path = make_workbook(original, name="01_一院.xlsx")
    first = import_applicants(store, [path], "QJ-WS-ZJ", YEAR).files[0]
    assert (first.imported, first.needs_correction) == (3, 2)
    before = {a.name: a for a in applicants(store)}
    assert before["王芳"].person_key == "王芳@曲靖市第一人民医院"
    assert [a.status for a in before.values()] == ["已受理", "待补正", "待补正"]

    corrected = [person("张丽", 2), person("王芳", 4), person("李娜", 6)]
    path = make_workbook(corrected, name="01_一院（补正）.xlsx")
    second = import_applicants(store, [path], "QJ-WS-ZJ", YEAR).files[0]
    assert (
        second.rows,
        second.imported,
        second.updated,
        second.needs_correction,
        len(second.rejected),
    ) == (3, 0, 3, 0, 0)
    after = {a.name: a for a in applicants(store)}
    assert count(store, Applicant) == 3
    assert {n: a.id for n, a in after.items()} == {n: a.id for n, a in before.items()}
    assert [a.status for a in after.values()] == ["已受理"] * 3
    assert all(a.problems == [] for a in after.values())
    assert after["王芳"].person_key == after["王芳"].id_number == person_id(4)
    assert after["李娜"].school == "昆明医科大学"
    assert after["王芳"].source_file == "01_一院（补正）.xlsx"
    assert count(store, ImportBatch) == 2


def test_reimport_of_the_same_file_twice_is_idempotent(store, committee, make_workbook):
    path = make_workbook([person("张丽", 2), person("王芳", 4, 联系电话="123")])
    import_applicants(store, [path], "QJ-WS-ZJ", YEAR)
    report = import_applicants(store, [path], "QJ-WS-ZJ", YEAR)
    f = report.files[0]
    assert (f.imported, f.updated, f.needs_correction) == (0, 2, 1)
    assert count(store, Applicant) == 2
    assert [len(a.problems) for a in applicants(store)] == [0, 1]


def test_fixing_a_row_clears_only_the_fixed_problems(store, committee, make_workbook):
    path = make_workbook([person("张丽", 2, 毕业院校="", 联系电话="123")])
    import_applicants(store, [path], "QJ-WS-ZJ", YEAR)
    assert [p["facts"]["cell"] for p in applicants(store)[0].problems] == ["I2", "T2"]
    path = make_workbook([person("张丽", 2, 联系电话="123")])
    import_applicants(store, [path], "QJ-WS-ZJ", YEAR)
    (a,) = applicants(store)
    assert (a.status, [p["facts"]["cell"] for p in a.problems]) == ("待补正", ["T2"])


# --- Every row accounted for -------------------------------------------------------


def test_every_row_is_imported_updated_or_rejected(store, committee, make_workbook):
    first = make_workbook([person("张丽", 2), person("王芳", 4)], name="a.xlsx")
    import_applicants(store, [first], "QJ-WS-ZJ", YEAR)
    second = make_workbook(
        [
            person("张丽", 2),
            person("李娜", 6),
            person("李娜", 6),
            person("赵敏", 8, 联系电话=""),
            applicant_row(姓名="刘洋", 身份证号码=""),
        ],
        name="a.xlsx",
    )
    report = import_applicants(store, [second], "QJ-WS-ZJ", YEAR)
    f = report.files[0]
    assert f.rows == 5
    assert f.rows == f.imported + f.updated + len(f.rejected)
    assert (f.imported, f.updated, len(f.rejected), f.needs_correction) == (3, 1, 1, 2)
    totals = dataclasses.asdict(report.totals())
    assert totals == {
        "files": 1,
        "rows": 5,
        "imported": 3,
        "updated": 1,
        "needs_correction": 2,
        "rejected": 1,
        "unreadable": 0,
        "unchanged": 0,
        "harmless": 0,
        "frozen": 0,
        "flagged": 0,
    }  # unchanged, harmless, frozen: of a sealed meeting
    with store.transaction() as session:
        batch = session.exec(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
        assert (batch.row_count, batch.imported, batch.updated, batch.needs_correction) == (
            5,
            3,
            1,
            2,
        )
        assert [(r["row"], r["name"]) for r in batch.rejected] == [(4, "李娜")]
        event = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "applicants.imported"
        assert (
            event.detail["rows"] == 5
            and event.detail["rejected"] == 1
            and event.detail["file"] == "a.xlsx"
        )


# --- Dry run -----------------------------------------------------------------------


def table_counts(store) -> dict[str, int]:
    from sqlalchemy import text

    with store.transaction() as session:
        names = (
            session.execute(text("select name from sqlite_master where type='table'"))
            .scalars()
            .all()
        )
        return {n: session.execute(text(f'select count(*) from "{n}"')).scalar_one() for n in names}


def test_dry_run_writes_nothing(store, committee, make_workbook):
    import_applicants(
        store, [make_workbook([person("张丽", 2)], name="old.xlsx")], "QJ-WS-ZJ", YEAR
    )
    before = table_counts(store)
    snapshot = [(a.id, a.status, a.updated_at, a.problems) for a in applicants(store)]
    path = make_workbook([person("张丽", 2, 联系电话="123"), person("王芳", 4)], name="old.xlsx")
    report = import_applicants(store, [path], "QJ-WS-ZJ", YEAR, dry_run=True)
    assert report.dry_run
    f = report.files[0]
    assert (f.rows, f.imported, f.updated, f.needs_correction) == (2, 1, 1, 1)
    assert table_counts(store) == before
    assert before["import_batch"] == 1
    assert [(a.id, a.status, a.updated_at, a.problems) for a in applicants(store)] == snapshot


def test_dry_run_leaves_the_store_file_byte_identical(store, committee, make_workbook, db_path):
    import hashlib

    from qjtitle.store import open_store

    path = make_workbook([person("张丽", 2), person("王芳", 4, 联系电话="1")])
    import_applicants(store, [path], "QJ-WS-ZJ", YEAR)
    store.close()  # checkpoints the WAL into the file

    def digests() -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(db_path.parent.glob(db_path.name + "*"))
        }

    before = digests()
    assert list(before) == [db_path.name]
    again = open_store(db_path)
    try:
        changed = make_workbook(
            [person("张丽", 2, 联系电话="2"), person("王芳", 4), person("李娜", 6)]
        )
        report = import_applicants(again, [changed], "QJ-WS-ZJ", YEAR, dry_run=True)
    finally:
        again.close()
    assert (report.files[0].imported, report.files[0].updated) == (1, 2)
    assert digests() == before


def test_dry_run_still_finds_duplicates_across_files(store, committee, make_workbook):
    a = make_workbook([person("张丽", 2)], name="a.xlsx")
    b = make_workbook([person("张丽", 2, 工作单位="罗平县中医医院")], name="b.xlsx")
    report = import_applicants(store, [a, b], "QJ-WS-ZJ", YEAR, dry_run=True)
    assert [len(f.rejected) for f in report.files] == [0, 1]
    assert count(store, ImportBatch) == 0
    assert count(store, Applicant) == 0


# --- Unreadable files ---------------------------------------------------------------


def corrupt_files(folder: Path, make_workbook) -> dict[str, str]:
    """Files that cannot be read, and the start of the message each must give."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.xlsx").write_bytes(b"")
    (folder / "text.xlsx").write_text("姓名,性别\n张三,男\n", encoding="utf-8")
    (folder / "notzip.xls").write_bytes(b"not an office document")
    good = make_workbook([person("赵敏", 8)], name="trunc.xlsx")
    data = good.read_bytes()
    (folder / "trunc.xlsx").write_bytes(data[: len(data) // 2])
    good.unlink()
    make_workbook(
        [["1", "2", "3"]], headers=["甲", "乙", "丙"], name=f"{folder.name}/noheader.xlsx"
    )
    return {
        "empty.xlsx": "empty.xlsx：文件是空的（0 字节）",
        "text.xlsx": "text.xlsx：文件已损坏或不是真正的 .xlsx 工作簿",
        "notzip.xls": "notzip.xls：文件已损坏或不是真正的 .xls 工作簿",
        "trunc.xlsx": "trunc.xlsx：文件已损坏或不是真正的 .xlsx 工作簿",
        "noheader.xlsx": "noheader.xlsx：在各工作表的前20行中都找不到表头",
    }


def test_corrupt_files_are_reported_and_the_others_imported(
    store, committee, make_workbook, tmp_path
):
    folder = tmp_path / "收件"
    expected = corrupt_files(folder, make_workbook)
    make_workbook([person("张丽", 2), person("王芳", 4)], name="收件/good.xlsx")
    (folder / "~$good.xlsx").write_bytes(b"lock")
    (folder / "readme.txt").write_text("x")
    report = import_applicants(store, [folder], "QJ-WS-ZJ", YEAR)
    names = [f.path.name for f in report.files]
    assert names == sorted([*expected, "good.xlsx"])
    errors = {f.path.name: f.error for f in report.failed}
    assert set(errors) == set(expected)
    for name, start in expected.items():
        assert errors[name].startswith(start), errors[name]
    good = next(f for f in report.files if f.path.name == "good.xlsx")
    assert (good.error, good.imported) == (None, 2)
    assert report.totals().unreadable == 5
    with store.transaction() as session:
        assert session.exec(select(ImportBatch.file_name)).all() == ["good.xlsx"]
    assert count(store, Applicant) == 2


def test_unsupported_suffix_named_explicitly(store, committee, tmp_path, make_workbook):
    pdf = tmp_path / "名单.pdf"
    pdf.write_bytes(b"%PDF")
    good = make_workbook([person("张丽", 2)])
    report = import_applicants(store, [pdf, good], "QJ-WS-ZJ", YEAR)
    assert report.files[0].error == "名单.pdf：不是表格文件（支持 .xlsx、.xls、.xlsm、.ods、.csv）"
    assert report.files[1].imported == 1


def test_collect_files(tmp_path, make_workbook):
    b = make_workbook([], name="in/b.xlsx")
    a = make_workbook([], name="in/sub/a.csv")
    (tmp_path / "in" / "~$b.xlsx").write_bytes(b"")
    (tmp_path / "in" / ".hidden.xlsx").write_bytes(b"")
    (tmp_path / "in" / "notes.docx").write_bytes(b"")
    assert collect_files([tmp_path / "in", b]) == [b.resolve(), a.resolve()]
    with pytest.raises(NotFound, match="找不到文件或文件夹：") as missing:
        collect_files([tmp_path / "missing.xlsx"])
    # the refusal says what to check next (it stated the fact alone)
    from qjtitle.cli._findings import say

    assert missing.value.finding.code == "intake.no_such_file"
    assert say(missing.value.finding).endswith(
        "missing.xlsx；请核对文件名和所在文件夹（名称中有空格时请用引号括起来）"
    )


def test_bad_arguments(store, committee, make_workbook, tmp_path):
    path = make_workbook([person("张丽", 2)])
    with pytest.raises(InvalidValue, match="评审年度 23 不合理；请写4位年份，如 2023"):
        import_applicants(store, [path], "QJ-WS-ZJ", 23)
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(NotFound, match="所给的路径中没有表格文件"):
        import_applicants(store, [tmp_path / "empty_dir"], "QJ-WS-ZJ", YEAR)
    with pytest.raises(NotFound, match="没有代码为“NOPE”的评委会；已有：QJ-WS-ZJ"):
        import_applicants(store, [path], "NOPE", YEAR)
    assert count(store, ImportBatch) == 0


# --- Through the CLI ----------------------------------------------------------------


def test_cli_import_reports_and_exits_1_when_a_file_is_unreadable(
    cli, store, committee, make_workbook, tmp_path
):
    folder = tmp_path / "收件"
    expected = corrupt_files(folder, make_workbook)
    make_workbook([person("张丽", 2), person("王芳", 4, 联系电话="123")], name="收件/good.xlsx")
    result = cli(
        "import-applicants", str(folder), "--committee", "QJ-WS-ZJ", "--year", "2023", "--details"
    )
    assert result.exit_code == 1
    out = flat(result.output)
    for start in expected.values():
        assert flat(start) in flat(result.stderr)
    assert (
        flat("共 6 个文件 2 行：新增 2，更新 0，其中待补正 1；未受理 0；无法读取的文件 5 个。")
        in out
    )
    assert flat("联系电话“123”格式不对") in out
    assert count(store, Applicant) == 2


def test_cli_dry_run(cli, store, committee, make_workbook):
    path = make_workbook([person("张丽", 2), person("张丽", 2)])
    result = cli("import-applicants", str(path), "-c", "QJ-WS-ZJ", "-y", "2023", "--dry-run")
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert flat("导入结果（试运行，未写入）") in out
    assert (
        flat("共 1 个文件 2 行：新增 1，更新 0，其中待补正 0；未受理 1；无法读取的文件 0 个。")
        in out
    )
    assert (
        flat("未受理 roster.xlsx Sheet1 第3行 张丽：与本表（Sheet1）第2行是同一身份证号码") in out
    )
    assert flat("试运行：数据库未作任何改动。") in out
    assert count(store, Applicant) == 0


def test_cli_import_unknown_committee(cli, store, make_workbook):
    path = make_workbook([person("张丽", 2)])
    result = cli("import-applicants", str(path), "-c", "NOPE", "-y", "2023")
    assert result.exit_code == 1
    assert "没有代码为“NOPE”的评委会" in result.stderr


def test_id_lookups_fit_an_old_sqlite_parameter_limit(store, committee):
    """SQLite before 3.32 allows 999 parameters a statement; the lookups take the connection's own limit."""
    import sqlite3

    from qjtitle.intake.applicants import _IN_CHUNK, _in_chunk

    with store.transaction() as session:
        dbapi = session.connection().connection.dbapi_connection
        assert _in_chunk(session) == _IN_CHUNK
        dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        assert _in_chunk(session) == 989


def test_cli_counts_a_first_application_flagged_by_a_later_file(
    cli, store, committee, make_workbook, tmp_path
):
    """The summary's 待补正 agrees with applicants list: the accepted first application of a person
    another employer's file sends again becomes 待补正, and is counted and named."""
    folder = tmp_path / "收件"
    make_workbook([person("张丽", 2), person("王芳", 4, 毕业院校="")], name="收件/01_一院.xlsx")
    make_workbook(
        [person("张丽", 2, 工作单位="宣威市人民医院", county="宣威市")], name="收件/02_宣威.xlsx"
    )
    result = cli("import-applicants", str(folder), "--committee", "QJ-WS-ZJ", "--year", "2023")
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert (
        flat(
            "新增 2，更新 0，其中待补正 2（含此前已受理、因本次重复申报改为待补正的 1 人）；未受理 1"
        )
        in out
    )
    assert (
        flat("改为待补正 张丽（01_一院.xlsx 第2行）：02_宣威.xlsx 中又报送了此人（重复申报）")
        in out
    )
    listed = cli("applicants", "list", "--committee", "QJ-WS-ZJ", "--status", "待补正", "--json")
    assert listed.exit_code == 0, listed.output
    assert sorted(a["name"] for a in json.loads(listed.stdout)) == ["张丽", "王芳"]
    events = [e.detail for e in store_events(store) if e.action == "applicants.imported"]
    assert [e["flagged_duplicates"] for e in events] == [0, 1]


def store_events(store) -> list[AuditEvent]:
    with store.transaction() as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))
