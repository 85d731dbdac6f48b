"""The application roster format (附件2《曲靖市专业技术人员职称申报信息表》) and its workbook.

One place for the columns (their labels, the header variants employers use, which are required and
how each is filled) and the values they take, so that the import, the blank template and the
filing's roster all agree. The checks of one row are in ``roster_checks``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qjtitle import rules
from qjtitle.intake.headers import ROSTER_ALIASES
from qjtitle.paths import write_atomically
from qjtitle.spreadsheets.tables import Column
from qjtitle.spreadsheets.text import compare_key

ROSTER_TITLE = "曲靖市专业技术人员职称申报信息表"

GENDERS = ("男", "女")
EDUCATIONS = ("博士研究生", "硕士研究生", "大学本科", "大学专科", "中专", "高中", "其他")
COUNTIES = (
    "麒麟区",
    "沾益区",
    "马龙区",
    "宣威市",
    "富源县",
    "罗平县",
    "师宗县",
    "陆良县",
    "会泽县",
    "曲靖经济技术开发区",
    "市直",
)

COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ROSTER_ALIASES["seq"], example="1"),
    Column("name", "姓名", ROSTER_ALIASES["name"], required=True, example="张丽"),
    Column(
        "gender",
        "性别",
        ROSTER_ALIASES["gender"],
        required=True,
        kind="choice",
        choices=GENDERS,
        example="女",
    ),
    Column(
        "birth",
        "出生年月",
        ROSTER_ALIASES["birth"],
        required=True,
        kind="date",
        example="1985.03",
    ),
    Column(
        "id_number",
        "身份证号码",
        ROSTER_ALIASES["id_number"],
        required=True,
        kind="id",
        hint="18位，单元格须为文本格式",
        example="530302198503150021",
    ),
    Column(
        "unit",
        "工作单位",
        ROSTER_ALIASES["unit"],
        required=True,
        example="曲靖市第一人民医院",
    ),
    Column(
        "county",
        "所在县（市、区）",
        ROSTER_ALIASES["county"],
        required=True,
        kind="choice",
        choices=COUNTIES,
        example="麒麟区",
    ),
    Column(
        "education",
        "学历",
        ROSTER_ALIASES["education"],
        required=True,
        kind="choice",
        choices=EDUCATIONS,
        example="大学本科",
    ),
    Column("school", "毕业院校", ROSTER_ALIASES["school"], required=True, example="昆明医科大学"),
    Column("major", "所学专业", ROSTER_ALIASES["major"], required=True, example="临床医学"),
    Column(
        "graduated",
        "毕业时间",
        ROSTER_ALIASES["graduated"],
        required=True,
        kind="date",
        example="2008.07",
    ),
    Column(
        "work_start",
        "参加工作时间",
        ROSTER_ALIASES["work_start"],
        required=True,
        kind="date",
        example="2008.08",
    ),
    Column(
        "current_title",
        "现专业技术职务",
        ROSTER_ALIASES["current_title"],
        hint="无职称的填“无”",
        example="主治医师",
    ),
    Column(
        "current_title_date",
        "现职取得时间",
        ROSTER_ALIASES["current_title_date"],
        kind="date",
        example="2016.12",
    ),
    Column("series", "申报系列", ROSTER_ALIASES["series"], required=True, example="卫生"),
    Column("specialty", "申报专业", ROSTER_ALIASES["specialty"], required=True, example="临床医学"),
    Column(
        "title_name",
        "申报资格名称",
        ROSTER_ALIASES["title_name"],
        required=True,
        example="副主任医师",
    ),
    Column(
        "level",
        "申报级别",
        ROSTER_ALIASES["level"],
        required=True,
        kind="choice",
        choices=rules.LEVELS,
        example="副高级",
    ),
    Column(
        "route",
        "申报方式",
        ROSTER_ALIASES["route"],
        required=True,
        kind="choice",
        choices=rules.ROUTES,
        example="正常",
    ),
    Column(
        "phone",
        "联系电话",
        ROSTER_ALIASES["phone"],
        required=True,
        kind="phone",
        hint="11位手机号或带区号的固定电话",
        example="13888000001",
    ),
    Column("note", "备注", ROSTER_ALIASES["note"], example=""),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
# Columns whose example depends on the committee or the employer: never one fixed series' values.
COMMITTEE_EXAMPLE_KEYS = (
    "unit",
    "school",
    "major",
    "current_title",
    "series",
    "specialty",
    "title_name",
    "level",
)
KEY_COLUMNS = ("name", "id_number")
DATE_KEYS = tuple(c.key for c in COLUMNS if c.kind == "date")

PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")

# Title names → level, tried in order (the first match wins).
_TITLE_LEVEL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("正高级", re.compile(r"正高")),
    ("副高级", re.compile(r"副高")),
    ("中级", re.compile(r"中级")),
    ("初级", re.compile(r"初级|员级|助理级")),
    ("副高级", re.compile(r"副(主任|教授|研究员|编审|译审|研究馆员)|主任(记者|编辑)")),
    ("初级", re.compile(r"实习研究员|研究实习员")),
    ("中级", re.compile(r"助理研究员")),
    ("初级", re.compile(r"助理")),
    (
        "正高级",
        re.compile(r"主任\w*(医|药|护|技)师|教授|研究员|编审|译审|研究馆员|高级(记者|编辑)"),
    ),
    ("副高级", re.compile(r"高级")),
    (
        "中级",
        re.compile(
            r"主治|主管|讲师|一级教师|工程师|经济师|会计师|统计师|审计师|农艺师|畜牧师|兽医师|实验师|馆员|编辑|记者|翻译|律师"
        ),
    ),
    ("初级", re.compile(r"医师|药师|护师|技师|技术员|二级教师|三级教师|员$|医士|护士|药士|技士")),
)
NO_TITLE = {"", "无", "暂无", "/", "-", "—", "没有"}


def title_level(title: str) -> str | None:
    """The level (初级/中级/副高级/正高级) of a title name such as 主治医师, or None when unknown."""
    key = compare_key(title)
    if key in NO_TITLE:
        return None
    for level, pattern in _TITLE_LEVEL_PATTERNS:
        if pattern.search(key):
            return level
    return None


def match_choice(value: str, choices: tuple[str, ...]) -> str | None:
    """The choice ``value`` means: exact, or the only choice it starts (麒麟 → 麒麟区)."""
    key = compare_key(value)
    for choice in choices:
        if compare_key(choice) == key:
            return choice
    starts = [c for c in choices if key and compare_key(c).startswith(key)]
    return starts[0] if len(starts) == 1 else None


# --- The workbook (blank form, or a filled roster for the filing) ------------------

TEMPLATE_ROWS = 300  # rows of the blank form that carry text formats and drop-downs


def write_roster_workbook(
    path: str | Path,
    rows: list[dict[str, Any]] | None = None,
    title: str = ROSTER_TITLE,
    examples: Mapping[str, str] | None = None,
) -> None:
    """Write the 附件2 form: title row, unit/signature row, header, (rows), drop-downs,
    text format on the ID and phone columns, and a 填表说明 sheet. Atomic.

    ``examples``: the guide's examples in a committee's terms (roster_checks.template_examples);
    given, a column it has no example for that depends on the series shows none."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from qjtitle.spreadsheets.writing import set_cell

    wb = Workbook()
    ws = wb.active
    ws.title = "申报信息表"
    last = get_column_letter(len(COLUMNS))
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = (
        "填报单位（盖章）：                    单位分管领导（签字）：                    填报日期：      年   月   日"
    )
    ws["A2"].font = Font(name="宋体", size=11)
    header_row = 3
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=i, value=col.label)
        cell.font = Font(
            name="黑体", size=11, bold=True, color="C00000" if col.required else "000000"
        )
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = border
        width = {"id_number": 21, "unit": 26, "school": 18, "title_name": 14, "county": 16}.get(
            col.key, 11
        )
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    data = rows or []
    for r, item in enumerate(data, start=header_row + 1):
        for i, col in enumerate(COLUMNS, start=1):
            value = item.get(col.key)
            if col.kind == "date" and value is not None and hasattr(value, "strftime"):
                value = value.strftime("%Y.%m")  # as the form is filled: year and month
            set_cell(ws.cell(row=r, column=i), value)
            ws.cell(row=r, column=i).border = border
    first, last_row = header_row + 1, header_row + max(TEMPLATE_ROWS, len(data))
    for i, col in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        if col.kind in ("id", "phone"):
            for r in range(first, last_row + 1):
                ws.cell(row=r, column=i).number_format = "@"
        if col.choices:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="选项不规范",
                error=f"{col.label}请从下拉选项中选择：{'、'.join(col.choices)}",
            )
            dv.add(f"{letter}{first}:{letter}{last_row}")
            ws.add_data_validation(dv)
    guide = wb.create_sheet("填表说明")
    guide.append(["栏目", "是否必填", "填写要求", "示例"])
    for cell in guide[1]:
        cell.font = Font(name="黑体", bold=True)
    for col in COLUMNS:
        if col.choices:
            requirement = f"从下拉选项中选择：{'、'.join(col.choices)}"
        elif col.kind == "date":
            requirement = "年月写成 1985.03 或 1985-03；精确到日的写成 1985-03-15"
        else:
            requirement = col.hint
        if col.hint and col.choices:
            requirement += f"；{col.hint}"
        example = col.example
        if examples is not None:
            example = examples.get(col.key, "" if col.key in COMMITTEE_EXAMPLE_KEYS else example)
        guide.append([col.label, "必填" if col.required else "选填", requirement, example])
    guide.append([])
    for line in (
        "1. 每人一行，不要合并单元格，不要在表中插入小计行。",
        "2. 身份证号码列已设为文本格式，请直接输入18位号码；从其他表格粘贴时请选择“只粘贴数值”。",
        "3. 申报方式：正常晋升须已取得下一级职称；破格申报请在备注中写明破格条件；转评保持原级别。",
        f"4. {rules.ONE_APPLICATION_PER_YEAR.text}（{rules.ONE_APPLICATION_PER_YEAR.source}）。",
        "5. 纸质版须经单位分管领导审核签字，电子版按要求报送（通知 二）。",
    ):
        guide.append([line])
    for letter, width in zip("ABCD", (18, 10, 60, 22), strict=True):
        guide.column_dimensions[letter].width = width
    write_atomically(Path(path), wb.save, ".xlsx")
