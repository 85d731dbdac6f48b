"""qjtitle applicants template|list|show (import, corrections and expire: test_import, test_corrections)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from qjtitle import idcard
from qjtitle.intake.applicants import import_applicants
from qjtitle.intake.roster import COLUMNS, ROSTER_TITLE, TEMPLATE_ROWS
from qjtitle.privacy import mask_id, mask_phone
from tests.conftest import LABELS, applicant_row

YEAR = 2023
ID_ZHANG = idcard.make("530302", date(1985, 3, 15), 2)
ID_WANG = idcard.make("530302", date(1985, 3, 15), 4)


def masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[14:]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- The blank template ----------------------------------------------------------------


def test_template_layout(cli, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "申报表.xlsx"
    result = cli("applicants", "template", str(out))
    assert result.exit_code == 0, result.output
    assert flat(f"已生成空白申报表：{out}") in flat(result.output)
    wb = load_workbook(out)
    assert wb.sheetnames == ["申报信息表", "填表说明"]
    ws = wb["申报信息表"]
    assert ws["A1"].value == ROSTER_TITLE
    assert "A1:U1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value.startswith("填报单位（盖章）：")
    assert [c.value for c in ws[3]] == LABELS
    id_col = LABELS.index("身份证号码") + 1
    phone_col = LABELS.index("联系电话") + 1
    last = 3 + TEMPLATE_ROWS
    for row in (4, 100, last):
        assert ws.cell(row=row, column=id_col).number_format == "@"
        assert ws.cell(row=row, column=phone_col).number_format == "@"
    assert ws.cell(row=4, column=LABELS.index("姓名") + 1).number_format == "General"
    assert ws.freeze_panes == "C4"
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    expected = {
        "C": ("性别", '"男,女"'),
        "G": ("所在县（市、区）", None),
        "H": ("学历", None),
        "R": ("申报级别", '"正高级,副高级,中级"'),
        "S": ("申报方式", '"正常,破格,转评"'),
    }
    assert set(validations) == {f"{letter}4:{letter}{last}" for letter in expected}
    for letter, (label, formula) in expected.items():
        dv = validations[f"{letter}4:{letter}{last}"]
        assert dv.type == "list"
        choices = next(c.choices for c in COLUMNS if c.label == label)
        assert dv.formula1 == (formula or '"' + ",".join(choices) + '"')
        assert dv.showErrorMessage
        assert dv.error.startswith(f"{label}请从下拉选项中选择：")
    assert "麒麟区" in validations[f"G4:G{last}"].formula1
    guide = wb["填表说明"]
    assert [c.value for c in guide[1]] == ["栏目", "是否必填", "填写要求", "示例"]
    guide_rows = {r[0]: r for r in guide.iter_rows(min_row=2, values_only=True) if r[0]}
    for col in COLUMNS:
        assert guide_rows[col.label][1] == ("必填" if col.required else "选填")
    assert guide_rows["身份证号码"][2] == "18位，单元格须为文本格式"
    assert guide_rows["申报级别"][2] == "从下拉选项中选择：正高级、副高级、中级"
    assert any(str(k).startswith("4. 申报人一个年度内只能申报一次职称晋升评审") for k in guide_rows)


def test_template_refuses_to_overwrite_without_force(cli, tmp_path):
    out = tmp_path / "t.xlsx"
    out.write_bytes(b"mine")
    result = cli("applicants", "template", str(out))
    assert result.exit_code == 1
    assert flat(f"{out} 已存在；加 --force 覆盖，或换一个文件名") in flat(result.stderr)
    assert out.read_bytes() == b"mine"
    result = cli("applicants", "template", str(out), "--force")
    assert result.exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


def test_template_suffix_is_made_xlsx(cli, tmp_path):
    result = cli("applicants", "template", str(tmp_path / "空白表.xls"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "空白表.xlsx").is_file()
    assert not (tmp_path / "空白表.xls").exists()


def test_template_round_trip(cli, store, committee, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "空白.xlsx"
    assert cli("applicants", "template", str(out)).exit_code == 0
    wb = load_workbook(out)
    ws = wb["申报信息表"]
    people = [
        applicant_row(序号=1, 姓名="张丽", 身份证号码=ID_ZHANG),
        applicant_row(序号=2, 姓名="王芳", 身份证号码=ID_WANG, 出生年月="1985-03-15"),
        applicant_row(
            序号=3,
            姓名="李娜",
            身份证号码=idcard.make("530302", date(1985, 3, 15), 6),
            学历="硕士研究生",
        ),
    ]
    for r, person in enumerate(people, start=4):
        for c, label in enumerate(LABELS, start=1):
            ws.cell(row=r, column=c, value=person[label])
    filled = tmp_path / "01_一院.xlsx"
    wb.save(filled)
    report = import_applicants(store, [filled], "QJ-WS-ZJ", YEAR)
    f = report.files[0]
    assert f.error is None
    assert (f.rows, f.imported, f.needs_correction, len(f.rejected), f.sheets) == (
        3,
        3,
        0,
        0,
        ["申报信息表"],
    )
    listed = json.loads(cli("applicants", "list", "--json", "--show-pii").stdout)
    assert [(a["name"], a["id_number"], a["status"], a["source_row"]) for a in listed] == [
        ("张丽", ID_ZHANG, "已受理", 4),
        ("王芳", ID_WANG, "已受理", 5),
        ("李娜", idcard.make("530302", date(1985, 3, 15), 6), "已受理", 6),
    ]


# --- list and show ---------------------------------------------------------------------


@pytest.fixture
def roster(store, committee, make_workbook):
    """张丽 (accepted) and 王芳 (phone wrong) at 一院; 赵敏 at 宣威 with an ID Excel turned into a number."""
    first = make_workbook(
        [
            applicant_row(姓名="张丽", 身份证号码=ID_ZHANG),
            applicant_row(
                姓名="王芳", 身份证号码=ID_WANG, 联系电话="0871-98765", 现职取得时间="2016.12"
            ),
        ],
        name="01_一院.xlsx",
    )
    second = make_workbook(
        [
            applicant_row(
                姓名="赵敏",
                身份证号码=5.30381198503151e17,
                工作单位="宣威市人民医院",
                county="宣威市",
                联系电话="13912345678",
            )
        ],
        name="02_宣威.xlsx",
    )
    import_applicants(store, [first, second], "QJ-WS-ZJ", YEAR)


def test_list_json_masks_id_and_phone(cli, roster):
    result = cli("applicants", "list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # ordered by unit, then row
    assert [(a["name"], a["id_number"], a["phone"], a["status"], a["committee"]) for a in data] == [
        ("赵敏", "5.3038**********E+17", "139****5678", "待补正", "QJ-WS-ZJ"),
        ("张丽", masked(ID_ZHANG), "138****0001", "已受理", "QJ-WS-ZJ"),
        ("王芳", masked(ID_WANG), "087***8765", "待补正", "QJ-WS-ZJ"),
    ]
    text = result.stdout
    for secret in (
        ID_ZHANG,
        ID_WANG,
        "5.30381198503151E+17",
        "13888000001",
        "13912345678",
        "0871-98765",
    ):
        assert secret not in text
    wang = data[2]
    assert (wang["years_in_title"], wang["years_working"], wang["birth"]) == (7, 16, "1985-03-01")
    assert wang["problems"] == [  # a finding (Finding.as_json), as the store keeps it
        {
            "code": "intake.phone",
            "severity": "error",
            "message": "联系电话“087***8765”格式不对",
            "rule": None,
            "facts": {"column": "联系电话", "cell": "T3"},
            "fix": {
                "step": None,
                "field": None,
                "args": {},
                "hint": "请填写11位手机号码，或带区号的固定电话（如 0874-3123456）",
            },
        }
    ]


def test_list_json_with_show_pii(cli, roster):
    data = json.loads(cli("applicants", "list", "--json", "--show-pii").stdout)
    assert [(a["id_number"], a["phone"]) for a in data] == [
        ("5.30381198503151E+17", "13912345678"),
        (ID_ZHANG, "13888000001"),
        (ID_WANG, "0871-98765"),
    ]
    assert (
        data[0]["problems"][0]["message"]
        == "身份证号码被 Excel 存成了数字（5.30381198503151E+17），后几位已丢失"
    )


def test_list_and_show_json_keep_their_keys_in_order(cli, roster):
    """The typed ApplicantView prints the keys (and their order) the dict it replaced printed."""
    from qjtitle.intake.applicants import APPLICANT_FIELDS

    expected = [
        "id",
        "year",
        "committee",
        *APPLICANT_FIELDS,
        "status",
        "problems",
        "source_file",
        "source_sheet",
        "source_row",
        "correction_deadline",
    ]
    listed = json.loads(cli("applicants", "list", "--json").stdout)
    (shown,) = json.loads(cli("applicants", "show", "王芳", "--json").stdout)
    assert [list(a) for a in listed] == [expected] * 3
    assert list(shown) == expected
    assert shown == listed[2]
    assert list(shown["problems"][0]) == ["code", "severity", "message", "rule", "facts", "fix"]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--status", "待补正"], ["赵敏", "王芳"]),
        (["--status", "已受理"], ["张丽"]),
        (["--unit", "宣威"], ["赵敏"]),
        (["--unit", "曲靖市 第一人民医院"], ["张丽", "王芳"]),
        (["--committee", "QJ-WS-ZJ", "--year", "2023"], ["赵敏", "张丽", "王芳"]),
        (["--year", "2024"], []),
        (["-c", "QJ-WS-ZJ", "--status", "视为放弃"], []),
    ],
)
def test_list_filters(cli, roster, args, names):
    result = cli("applicants", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    assert [a["name"] for a in json.loads(result.stdout)] == names


def test_list_table(cli, roster):
    result = cli("applicants", "list", "--status", "待补正")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "申报人（2 人）" in out
    assert "王芳" in out and "赵敏" in out and "张丽" not in out
    assert masked(ID_WANG) in out
    assert ID_WANG not in out
    result = cli("applicants", "list", "--show-pii")
    assert ID_ZHANG in result.stdout


def test_list_refuses_an_unknown_status_or_committee(cli, roster):
    result = cli("applicants", "list", "--status", "通过")
    assert result.exit_code == 1
    assert "状态“通过”无效；应为 已受理、待补正、视为放弃、已撤回 之一" in result.stderr
    result = cli("applicants", "list", "-c", "NOPE")
    assert result.exit_code == 1
    assert "没有代码为“NOPE”的评委会；已有：QJ-WS-ZJ" in result.stderr


def test_show_by_id_number_name_and_store_id(cli, roster):
    by_name = json.loads(cli("applicants", "show", "王芳", "--json").stdout)
    assert [(a["name"], a["id_number"]) for a in by_name] == [("王芳", masked(ID_WANG))]
    by_number = json.loads(
        cli("applicants", "show", ID_WANG.lower(), "--json", "--show-pii").stdout
    )
    assert [(a["name"], a["id_number"]) for a in by_number] == [("王芳", ID_WANG)]
    by_id = json.loads(cli("applicants", "show", str(by_name[0]["id"]), "--json").stdout)
    assert by_id == by_name


def test_show_table_lists_values_and_problems(cli, roster):
    result = cli("applicants", "show", "王芳")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    for fragment in (
        "待补正",
        "任现职年限（至当年底）",
        "01_一院.xlsxSheet1第3行",
        "待补正的问题",
        "T3",
        "联系电话“087***8765”格式不对",
        masked(ID_WANG),
    ):
        assert flat(fragment) in out
    assert ID_WANG not in result.stdout
    assert "0871-98765" not in result.stdout


def test_show_unknown(cli, roster):
    result = cli("applicants", "show", "李四")
    assert result.exit_code == 1
    assert "找不到申报人“李四”（可用编号、18位身份证号码或姓名查找）" in result.stderr


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("530302198503151222", "530302********1222"),
        ("53030219850315122", "530302*******5122"),
        ("5.30381198503151E+17", "5.3038**********E+17"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_id(number, masked):
    assert mask_id(number) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13888000001", "138****0001"),
        ("0874-3123456", "087*****3456"),
        ("3123456", "*******"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_numbers_typed_into_unit_and_name_are_a_problem_and_masked_in_lists(
    cli, store, committee, make_workbook
):
    row = applicant_row(姓名="张丽13888000001", 工作单位="曲靖市第一人民医院530302198503150021")
    path = make_workbook([row], name="号码.xlsx")
    report = import_applicants(store, [path], "QJ-WS-ZJ", YEAR)
    (f,) = report.files
    assert f.needs_correction == 1
    messages = {(p.cell, p.message) for _, _, _, p in f.row_problems}
    assert {("B2", "“姓名”中含有手机号码"), ("F2", "“工作单位”中含有身份证号码")} <= messages
    masked = json.loads(cli("applicants", "list", "--json").output)[0]
    assert (masked["name"], masked["unit"]) == (
        "张丽138****0001",
        "曲靖市第一人民医院530302********0021",
    )
    assert masked["status"] == "待补正"
    full = json.loads(cli("applicants", "list", "--json", "--show-pii").output)[0]
    assert (full["name"], full["unit"]) == (
        "张丽13888000001",
        "曲靖市第一人民医院530302198503150021",
    )
    table = flat(cli("applicants", "list").output)
    assert "13888000001" not in table and "530302198503150021" not in table


def test_bracketed_text_from_files_is_shown_as_typed_not_read_as_markup(
    cli, store, committee, make_workbook
):
    """A file name or a cell with square brackets (“[b]”, a stray “[/x]”) is printed as typed in
    every table: not coloured, and not an unexpected error from the terminal library."""
    path = make_workbook(
        [applicant_row(姓名="张丽", 毕业院校="[b]昆明医科大学[/x]", 联系电话="0871-98765")],
        name="[red]一院[2023].xlsx",
    )
    result = cli("import-applicants", str(path), "-c", "QJ-WS-ZJ", "-y", "2023", "--details")
    assert result.exit_code == 0, result.output
    assert "[red]一院[2023].xlsx" in flat(result.stdout)
    shown = cli("applicants", "show", "张丽")
    assert shown.exit_code == 0, shown.output
    assert "[b]昆明医科大学[/x]" in flat(shown.stdout)
    assert "[red]一院[2023].xlsx" in flat(shown.stdout)


def test_import_with_problems_names_the_full_notice_command(cli, committee, make_workbook):
    """The way to the correction notice after an import is a command that runs: it names the committee
    and the required --out (it read "qjtitle applicants corrections" alone)."""
    row = applicant_row(姓名="张 丽")
    path = make_workbook([row], name="空格.xlsx")
    result = cli("import-applicants", str(path), "-c", "QJ-WS-ZJ", "-y", str(YEAR))
    assert result.exit_code == 0, result.output
    assert flat(
        "或用 qjtitle applicants corrections --committee QJ-WS-ZJ --out 文件夹 生成一次性告知书"
    ) in flat(result.output)
