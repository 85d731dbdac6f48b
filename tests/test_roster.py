"""Row validation of the 附件2 roster: every rule, one row at a time (qjtitle.intake.roster_checks.check_row)."""

from __future__ import annotations

from datetime import date

import pytest

from qjtitle import idcard
from qjtitle.intake.applicants import APPLICANT_FIELDS
from qjtitle.intake.roster import COLUMNS, title_level
from qjtitle.intake.roster_checks import (
    KIND_CHOICE,
    KIND_COMMITTEE,
    KIND_DATE,
    KIND_ID,
    KIND_LADDER,
    KIND_MISMATCH,
    KIND_PHONE,
    KIND_REQUIRED,
    CommitteeScope,
    check_row,
    years_between,
)
from tests.conftest import applicant_row

KEY_BY_LABEL = {c.label: c.key for c in COLUMNS}
LETTER_BY_KEY = {c.key: chr(65 + i) for i, c in enumerate(COLUMNS)}
SCOPE = CommitteeScope("中级", "卫生", ("临床医学", "护理", "药学", "医学检验技术"))
SENIOR = CommitteeScope("副高级", "卫生", ("临床医学", "护理"))
MALE_ID = idcard.make("530302", date(1985, 3, 15), 121)


def cells(**overrides):
    """applicant_row() keyed by column key, as read_tables gives it."""
    return {KEY_BY_LABEL[label]: value for label, value in applicant_row(**overrides).items()}


def check(scope=SCOPE, year=2023, **overrides):
    return check_row(
        cells(**overrides), year, scope, cell_name=lambda key: f"{LETTER_BY_KEY[key]}6"
    )


def problems(result):
    return [(p.cell, p.column, p.kind, p.message) for p in result.problems]


def test_a_valid_row_has_no_problems_and_typed_values():
    result = check()
    assert result.problems == []
    assert result.id_valid
    v = result.values
    assert v["id_number"] == "530302198503151222"
    assert v["birth"] == date(1985, 3, 1)
    assert v["work_start"] == date(2007, 8, 1)
    assert v["current_title_date"] == date(2012, 12, 1)
    assert v["gender"] == "女"
    assert v["unit_key"] == "曲靖市第一人民医院"
    assert result.person_key() == "530302198503151222"
    assert set(v) == set(APPLICANT_FIELDS)  # the import stores the values as they are


def test_years_in_title_and_working_counted_to_31_december():
    v = check().values
    assert v["years_in_title"] == 11  # 2012-12 → 2023-12-31
    assert v["years_working"] == 16  # 2007-08 → 2023-12-31
    v = check(year=2024, 现职取得时间="2019-12-31").values
    assert v["years_in_title"] == 5


@pytest.mark.parametrize(
    ("start", "year", "years"),
    [
        (date(2018, 12, 31), 2023, 5),
        (date(2018, 12, 1), 2023, 5),
        (date(2019, 1, 1), 2023, 4),
        (date(2023, 6, 1), 2023, 0),
        (date(2024, 1, 1), 2023, 0),
        (None, 2023, None),
    ],
)
def test_years_between(start, year, years):
    assert years_between(start, year) == years


# --- Required fields --------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "姓名",
        "性别",
        "工作单位",
        "所在县（市、区）",
        "学历",
        "毕业院校",
        "所学专业",
        "申报系列",
        "申报专业",
        "申报资格名称",
        "申报级别",
        "申报方式",
        "联系电话",
    ],
)
def test_each_required_text_field(label):
    key = KEY_BY_LABEL[label]
    result = check(**{label: "  "})
    assert (f"{LETTER_BY_KEY[key]}6", label, KIND_REQUIRED, f"“{label}”为空") in problems(result)
    assert next(p.fix for p in result.problems if p.column == label).startswith(f"请填写{label}")


@pytest.mark.parametrize("label", ["毕业时间", "参加工作时间"])
def test_required_dates(label):
    result = check(**{label: None})
    assert problems(result) == [
        (f"{LETTER_BY_KEY[KEY_BY_LABEL[label]]}6", label, KIND_REQUIRED, f"“{label}”为空")
    ]


def test_empty_id_number():
    result = check(身份证号码="")
    assert problems(result) == [("E6", "身份证号码", KIND_REQUIRED, "“身份证号码”为空")]
    assert not result.id_valid
    assert result.person_key() == "张丽@曲靖市第一人民医院"


def test_empty_row_lists_every_required_field():
    result = check_row({}, 2023, SCOPE)
    required = [c.label for c in COLUMNS if c.required]
    assert [p.column for p in result.problems if p.kind == KIND_REQUIRED] == [
        # text columns first, then the ID number, then dates
        *[
            label
            for label in required
            if label not in ("出生年月", "身份证号码", "毕业时间", "参加工作时间")
        ],
        "身份证号码",
        "出生年月",
        "毕业时间",
        "参加工作时间",
    ]


def test_current_title_without_its_date():
    result = check(现职取得时间="")
    assert problems(result) == [
        ("N6", "现职取得时间", KIND_REQUIRED, "填写了现专业技术职务，但“现职取得时间”为空")
    ]


# --- ID number --------------------------------------------------------------------


def test_id_check_digit():
    good = applicant_row()["身份证号码"]
    result = check(身份证号码=good[:17] + "0")
    assert problems(result) == [
        (
            "E6",
            "身份证号码",
            KIND_ID,
            "身份证号码校验位错误（第18位应为 2，实为 0），号码中有输错的数字",
        )
    ]
    assert not result.id_valid


def test_id_birth_date_that_does_not_exist():
    result = check(身份证号码="530302198502301222")
    assert problems(result) == [
        ("E6", "身份证号码", KIND_ID, "身份证号码中的出生日期 19850230 不存在")
    ]


@pytest.mark.parametrize("raw", [5.30302198503151e17, "5.30302198503151E+17"])
def test_id_stored_by_excel_as_a_number(raw):
    result = check(身份证号码=raw)
    (p,) = result.problems
    assert (p.cell, p.kind, p.message) == (
        "E6",
        KIND_ID,
        "身份证号码被 Excel 存成了数字（5.30302198503151E+17），后几位已丢失",
    )
    assert p.fix == idcard.EXCEL_NUMBER_FIX
    assert result.person_key() == "张丽@曲靖市第一人民医院"


# --- Against the ID number ---------------------------------------------------------


def test_gender_against_the_id():
    result = check(性别="男")
    assert problems(result) == [("C6", "性别", KIND_MISMATCH, "性别填“男”，身份证号码显示为“女”")]


def test_gender_left_blank_is_taken_from_the_id_but_still_reported():
    result = check(性别="", 身份证号码=MALE_ID)
    assert problems(result) == [("C6", "性别", KIND_REQUIRED, "“性别”为空")]
    assert result.values["gender"] == "男"


@pytest.mark.parametrize(
    ("birth", "ok"),
    [
        ("1985.03", True),
        ("1985-03-15", True),
        (date(1985, 3, 15), True),
        ("1985年3月", True),
        ("1985.04", False),
        ("1984.03", False),
        ("1985-03-16", False),
    ],
)
def test_birth_date_against_the_id(birth, ok):
    result = check(出生年月=birth)
    if ok:
        assert result.problems == []
    else:
        (p,) = result.problems
        assert (p.cell, p.kind) == ("D6", KIND_MISMATCH)
        assert p.message.endswith("身份证号码显示为“1985-03-15”")


def test_unreadable_birth_is_a_date_problem_not_a_mismatch():
    result = check(出生年月=1985.1)
    assert [(p.cell, p.kind) for p in result.problems] == [("D6", KIND_DATE)]
    assert "有歧义" in result.problems[0].message
    assert result.problems[0].fix == "请写成 1985-03-15、1985年3月 或 1985.03 的形式（年份4位）"


# --- Choices ----------------------------------------------------------------------


def test_choices_accept_a_unique_prefix_and_aliases():
    result = check(**{"所在县（市、区）": "麒麟", "学历": "本科"})
    assert result.problems == []
    assert result.values["county"] == "麒麟区"
    assert result.values["education"] == "大学本科"


@pytest.mark.parametrize(
    ("label", "value"),
    [("性别", "女性"), ("所在县（市、区）", "昆明市"), ("申报级别", "高级"), ("申报方式", "晋升")],
)
def test_values_outside_the_choices(label, value):
    result = check(**{label: value})
    kinds = [(p.column, p.kind, p.message) for p in result.problems]
    assert (label, KIND_CHOICE, f"“{label}”填写为“{value}”，不是规定选项") in kinds
    assert next(p.fix for p in result.problems if p.kind == KIND_CHOICE).startswith(
        "请从下拉选项中选择："
    )


# --- Level ladder -----------------------------------------------------------------


def senior(**overrides):
    base = {
        "现专业技术职务": "主管护师",
        "现职取得时间": "2016.12",
        "申报资格名称": "副主任护师",
        "申报级别": "副高级",
    }
    return check(scope=SENIOR, **{**base, **overrides})


def test_associate_senior_with_an_intermediate_title_is_fine():
    assert senior().problems == []


def test_associate_senior_from_a_junior_title_needs_the_exceptional_route():
    result = senior(现专业技术职务="护师")
    assert problems(result) == [
        ("R6", "申报级别", KIND_LADDER, "现职“护师”为初级，正常晋升只能申报中级")
    ]
    assert "破格" in result.problems[0].fix
    assert senior(现专业技术职务="护师", 申报方式="破格").problems == []


def test_associate_senior_without_any_current_title():
    result = senior(现专业技术职务="无", 现职取得时间="")
    assert problems(result) == [
        (
            "M6",
            "现专业技术职务",
            KIND_LADDER,
            "正常晋升副高级须已取得中级职称，但“现专业技术职务”为空",
        )
    ]
    assert senior(现专业技术职务="", 现职取得时间="", 申报方式="破格").problems == []


def test_normal_route_at_the_same_level_is_not_a_promotion():
    result = check(现专业技术职务="主治医师", 申报资格名称="主治医师", 申报专业="临床医学")
    assert problems(result) == [
        ("R6", "申报级别", KIND_LADDER, "现职“主治医师”已是中级，申报中级不属于晋升")
    ]
    assert "转评" in result.problems[0].fix


def test_transfer_keeps_the_level():
    assert check(现专业技术职务="主治医师", 申报方式="转评").problems == []
    result = check(申报方式="转评")  # 护师 is 初级, applying for 中级
    assert problems(result) == [
        ("S6", "申报方式", KIND_LADDER, "转评须保持原级别：现职“护师”为初级，申报的是中级")
    ]
    result = check(申报方式="转评", 现专业技术职务="", 现职取得时间="")
    assert problems(result) == [
        ("M6", "现专业技术职务", KIND_LADDER, "转评须已具备同级职称，但“现专业技术职务”为空")
    ]


def test_exceptional_route_when_the_level_is_already_held():
    result = senior(现专业技术职务="副主任护师", 申报方式="破格")
    assert problems(result) == [
        ("S6", "申报方式", KIND_LADDER, "现职“副主任护师”已是副高级，申报副高级不属于破格")
    ]


def test_unknown_current_title():
    result = check(现专业技术职务="科长")
    assert problems(result) == [
        ("M6", "现专业技术职务", KIND_LADDER, "无法识别现专业技术职务“科长”的级别")
    ]


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("医士", "初级"),
        ("医师", "初级"),
        ("主治医师", "中级"),
        ("副主任医师", "副高级"),
        ("主任医师", "正高级"),
        ("中医士", "初级"),
        ("中医师", "初级"),
        ("主治中医师", "中级"),
        ("副主任中医师", "副高级"),
        ("主任中医师", "正高级"),
        ("护士", "初级"),
        ("护师", "初级"),
        ("主管护师", "中级"),
        ("副主任护师", "副高级"),
        ("主任护师", "正高级"),
        ("药师", "初级"),
        ("主管药师", "中级"),
        ("副主任药师", "副高级"),
        ("主任药师", "正高级"),
        ("中药师", "初级"),
        ("主管中药师", "中级"),
        ("主任中药师", "正高级"),
        ("检验技师", "初级"),
        ("主管检验技师", "中级"),
        ("副主任检验技师", "副高级"),
        ("主任检验技师", "正高级"),
        ("技师", "初级"),
        ("主管技师", "中级"),
        ("主任技师", "正高级"),
        ("助理工程师", "初级"),
        ("工程师", "中级"),
        ("高级工程师", "副高级"),
        ("正高级工程师", "正高级"),
        ("二级教师", "初级"),
        ("一级教师", "中级"),
        ("高级教师", "副高级"),
        ("正高级教师", "正高级"),
        ("讲师", "中级"),
        ("副教授", "副高级"),
        ("教授", "正高级"),
        ("会计员", "初级"),
        ("助理会计师", "初级"),
        ("会计师", "中级"),
        ("高级会计师", "副高级"),
        ("助理研究员", "中级"),
        ("副研究员", "副高级"),
        ("研究员", "正高级"),
        ("助理记者", "初级"),
        ("记者", "中级"),
        ("主任记者", "副高级"),
        ("高级记者", "正高级"),
        ("助理编辑", "初级"),
        ("编辑", "中级"),
        ("主任编辑", "副高级"),
        ("高级编辑", "正高级"),
        ("副编审", "副高级"),
        ("中级", "中级"),
        ("初级（师级）", "初级"),
        ("无", None),
        ("科长", None),
        ("", None),
    ],
)
def test_title_levels(title, level):
    assert title_level(title) == level


def test_traditional_chinese_medicine_promotion_is_not_flagged():
    # 中医师 (初级) → 主治中医师 (中级) is an ordinary promotion.
    result = check(现专业技术职务="中医师", 申报资格名称="主治中医师", 申报专业="临床医学")
    assert result.problems == []


# --- Phone ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13888000001", "13888000001"),
        (13888000001, "13888000001"),
        ("138 8800 0001", "13888000001"),
        ("0874-3123456", "0874-3123456"),
        ("(0874)3123456", "08743123456"),
        ("0874—3123456", "0874-3123456"),
        ("0874-3123456-801", "0874-3123456-801"),
        ("3123456", "3123456"),
    ],
)
def test_phone_formats_accepted(raw, stored):
    result = check(联系电话=raw)
    assert result.problems == []
    assert result.values["phone"] == stored


@pytest.mark.parametrize("raw", ["0874-31234", "1388800000", "23888000001", "138880000012", "电话"])
def test_phone_formats_refused(raw):
    result = check(联系电话=raw)
    (p,) = result.problems
    assert (p.cell, p.column, p.kind) == ("T6", "联系电话", KIND_PHONE)
    assert p.message.endswith("格式不对")
    assert "0874-3123456" in p.fix


# --- Dates in order ---------------------------------------------------------------


def test_date_after_the_end_of_the_year():
    result = check(现职取得时间="2024.01")
    assert problems(result) == [
        ("N6", "现职取得时间", KIND_DATE, "“现职取得时间”2024-01-01 晚于 2023 年底")
    ]


def test_dates_too_close_to_birth_and_out_of_order():
    result = check(毕业时间="1995.07", 参加工作时间="2013.08")
    assert problems(result) == [
        ("K6", "毕业时间", KIND_DATE, "“毕业时间”1995-07 与出生年月 1985-03 相隔不足14年"),
        ("N6", "现职取得时间", KIND_DATE, "现职取得时间早于参加工作时间"),
    ]


# --- The committee ----------------------------------------------------------------


def test_level_series_and_specialty_of_the_committee():
    result = check(
        申报级别="副高级",
        申报系列="工程",
        申报专业="儿科学",
        申报资格名称="副主任医师",
        现专业技术职务="主治医师",
    )
    committee = [(p.cell, p.message) for p in result.problems if p.kind == KIND_COMMITTEE]
    assert committee == [
        ("R6", "申报副高级，而本评委会评审中级"),
        ("O6", "申报系列“工程”不属本评委会（卫生系列）"),
        ("P6", "申报专业“儿科学”不在本评委会评审范围（临床医学、护理、药学、医学检验技术）"),
    ]


def test_series_written_with_its_suffix_belongs():
    assert check(申报系列="卫生系列").problems == []


def test_without_a_scope_nothing_is_checked_against_a_committee():
    result = check(scope=None, 申报系列="工程", 申报专业="儿科学")
    assert result.problems == []


def test_rows_read_from_the_sample_rosters_check_the_same_whether_or_not_cleaned_again():
    """The import tells check_row that read_tables has already cleaned the text; the outcome must not change."""
    from qjtitle.intake.roster import KEY_COLUMNS
    from qjtitle.paths import sample_data_dir
    from qjtitle.spreadsheets.tables import read_tables

    rows = 0
    for path in sorted((sample_data_dir() / "rosters").iterdir()):
        for table in read_tables(path, COLUMNS, KEY_COLUMNS):
            for row in table.rows:
                again = check_row(row.cells, 2023, SCOPE)
                trusted = check_row(row.cells, 2023, SCOPE, text_is_clean=True)
                assert (trusted.values, trusted.problems) == (again.values, again.problems), (
                    path.name,
                    row.number,
                )
                rows += 1
    assert rows >= 60


def test_equal_but_different_date_cells_are_not_confused():
    """True, 1 and 1.0 are equal dictionary keys; each date cell is still judged as what it is."""
    first = problems(check(毕业时间=True))
    second = problems(check(毕业时间=1))
    assert [m for *_, m in first if "毕业时间" in m] == ["“毕业时间”“True”不是日期"]
    assert [m for *_, m in second if "毕业时间" in m] != [m for *_, m in first if "毕业时间" in m]


# --- ID and mobile numbers in free-text columns (issue 15) ---------------------------------------------


@pytest.mark.parametrize(
    ("label", "value", "found"),
    [
        ("工作单位", "曲靖市第一人民医院530302198503151222", "身份证号码"),
        ("姓名", "张丽13888000001", "手机号码"),
        ("备注", "联系人 138-8800-0001", "手机号码"),
        ("毕业院校", "昆明医科大学 53030219850315122X 13888000001", "身份证号码和手机号码"),
        ("申报专业", "护理 138 8800 0001", "手机号码"),
    ],
)
def test_a_personal_number_in_a_free_text_column_is_a_problem(label, value, found):
    from qjtitle.intake.roster_checks import KIND_PRIVATE

    result = check(**{label: value})
    cell = f"{LETTER_BY_KEY[KEY_BY_LABEL[label]]}6"
    assert (cell, label, KIND_PRIVATE, f"“{label}”中含有{found}") in problems(result)
    assert not any(
        ch.isdigit() for p in result.problems if p.kind == KIND_PRIVATE for ch in p.message
    )  # not repeated


@pytest.mark.parametrize(
    "value", ["曲靖市第1人民医院", "2023年度 第12345678批", "电话 0874-3123456", "1388800000123456"]
)
def test_short_numbers_landlines_and_long_runs_are_not_personal_numbers(value):
    from qjtitle.intake.roster_checks import KIND_PRIVATE

    assert KIND_PRIVATE not in {p.kind for p in check(备注=value).problems}


def test_mask_pii_masks_numbers_inside_any_text():
    from qjtitle.filing.contexts import Filing
    from qjtitle.privacy import mask_text

    assert (
        mask_text("曲靖市第一人民医院530302198503151222") == "曲靖市第一人民医院530302********1222"
    )
    assert mask_text("张丽13888000001") == "张丽138****0001"
    assert mask_text("联系人 138-8800-0001 或 0874-3123456") == "联系人 138****0001 或 0874-3123456"
    assert mask_text("曲靖市第一人民医院") == "曲靖市第一人民医院"
    person = Filing._public_person(1, {"name": "张丽13888000001", "unit": "医院530302198503151222"})
    assert (person["name"], person["unit"]) == ("张丽138****0001", "医院530302********1222")


def test_every_kind_of_problem_is_stored_as_a_finding_and_read_back_in_either_shape():
    from qjtitle.intake.lookup import view
    from qjtitle.intake.roster_checks import KIND_CODES, KINDS, Problem, stored_problem
    from qjtitle.models import Applicant

    assert set(KIND_CODES) == set(KINDS) and len(set(KIND_CODES.values())) == len(KINDS)
    for kind in KINDS:
        p = Problem("联系电话", f"{kind}的问题", "请核对", kind, "T6")
        stored = p.as_stored()
        assert stored == p.as_finding().as_json()  # the shape of Finding.as_json, built directly
        assert stored["code"] == KIND_CODES[kind] and stored["severity"] == "error"
        assert (stored["facts"], stored["fix"]["hint"]) == (
            {"column": "联系电话", "cell": "T6"},
            "请核对",
        )
        assert Problem.from_stored(stored) == p == Problem.from_stored(p.as_dict())
        assert stored_problem(p.as_dict()) == stored == stored_problem(stored)
    # What lists and shows an applicant reads both shapes (an old backup restored), masked alike.
    flat = Problem("联系电话", "联系电话“13912345678x”格式不对", "请核对", KIND_PHONE, "T6")
    a = Applicant(year=2023, committee_id=1, person_key="k", phone="13912345678x")
    shown = [
        view(Applicant(**{**a.model_dump(), "problems": [stored]})).problems[0]
        for stored in (flat.as_dict(), flat.as_stored())
    ]
    assert shown[0] == shown[1] and "13912345678" not in shown[0].message
