"""Generates the sample rosters (fictional people, valid Qujing ID numbers), fixed seed.

Run from the repository: ``python sample_data/generate.py``. Needs openpyxl and xlwt
(``pip install -e .[test]``). The files it writes are committed; the demo and the
tests read them.

Four employers, four real-world shapes:

- 01 曲靖市第一人民医院 (.xlsx): a merged title row and a signature row above the
  header, full-width digits in some cells, a note row at the bottom;
- 02 宣威市人民医院 (.xlsx): header in row 1 with variant names (身份证号, 单位名称),
  the ID column stored as numbers (Excel lost the last digits of two rows);
- 03 陆良县人民医院 (.xls, as WPS saves it): clean;
- 04 罗平县中医医院 (.csv in GBK): clean but for one person who also applied
  through 01 (one application per person per year).

Deliberate errors are listed in ``ERRORS`` below, so that tests and the README can
say exactly what the demo must find.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROSTERS = HERE / "rosters"
SEED = 20231120
YEAR = 2023

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "丽娟敏静艳芳娜秀英华慧巧美兰霞燕玲桂芬红梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉萍伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"

# area code (GB/T 2260) → county as the roster writes it
AREAS = {
    "530302": "麒麟区",
    "530303": "沾益区",
    "530381": "宣威市",
    "530322": "陆良县",
    "530324": "罗平县",
    "530325": "富源县",
    "530326": "会泽县",
    "530323": "师宗县",
}

# specialty → (title applied for, current junior title)
SPECIALTIES = {
    "临床医学": ("主治医师", "医师"),
    "护理": ("主管护师", "护师"),
    "药学": ("主管药师", "药师"),
    "医学检验技术": ("主管检验技师", "检验技师"),
}
SCHOOLS = (
    "昆明医科大学",
    "大理大学",
    "曲靖医学高等专科学校",
    "云南中医药大学",
    "昆明学院",
    "楚雄医药高等专科学校",
)

EMPLOYERS = (
    ("01_曲靖市第一人民医院.xlsx", "曲靖市第一人民医院", "530302", 18),
    ("02_宣威市人民医院.xlsx", "宣威市人民医院", "530381", 16),
    ("03_陆良县人民医院.xls", "陆良县人民医院", "530322", 14),
    ("04_罗平县中医医院.csv", "罗平县中医医院", "530324", 12),
)

HEADERS_01 = [
    "序号",
    "姓名",
    "性别",
    "出生年月",
    "身份证号码",
    "工作单位",
    "所在县（市、区）",
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
    "申报方式",
    "联系电话",
    "备注",
]
# 02 uses the header variants employers really write
HEADERS_02 = [
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

# What the demo must find (file, row as Excel shows it, column, what).
ERRORS = [
    ("01_曲靖市第一人民医院.xlsx", 6, "身份证号码", "校验位错误"),
    ("01_曲靖市第一人民医院.xlsx", 8, "性别", "与身份证不符"),
    ("01_曲靖市第一人民医院.xlsx", 10, "联系电话", "格式不对"),
    ("01_曲靖市第一人民医院.xlsx", 12, "现职取得时间", "2015.1 有歧义（1月还是10月）"),
    ("02_宣威市人民医院.xlsx", 3, "身份证号码", "被 Excel 存成数字"),
    ("02_宣威市人民医院.xlsx", 7, "身份证号码", "被 Excel 存成数字"),
    ("02_宣威市人民医院.xlsx", 9, "毕业院校", "为空"),
    ("02_宣威市人民医院.xlsx", 11, "申报级别", "现职已是中级，不属晋升"),
    ("03_陆良县人民医院.xls", 5, "出生年月", "与身份证不符"),
    ("04_罗平县中医医院.csv", 4, "身份证号码", "与 01 第5行同一人：一人一年只能申报一次"),
]


def check_digit(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return "10X98765432"[total % 11]


def make_id(area: str, birth: date, seq: int, female: bool) -> str:
    seq = seq * 2 + (0 if female else 1)
    body = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + check_digit(body)


def person(rng: random.Random, unit: str, area: str, seq: int) -> dict:
    female = rng.random() < 0.6
    birth = date(1980, 1, 1) + timedelta(days=rng.randrange(0, 365 * 13))
    specialty = rng.choice(list(SPECIALTIES))
    title, current = SPECIALTIES[specialty]
    graduated = date(birth.year + 22 + rng.randrange(0, 3), 7, 1)
    work_start = date(graduated.year, 8, 1)
    current_date = date(work_start.year + rng.randrange(3, 6), 12, 1)
    county = AREAS[area]
    return {
        "name": rng.choice(SURNAMES)
        + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "gender": "女" if female else "男",
        "birth": birth,
        "id_number": make_id(area, birth, seq + rng.randrange(0, 400), female),
        "unit": unit,
        "county": county,
        "education": rng.choice(("大学本科", "大学本科", "大学本科", "大学专科", "硕士研究生")),
        "school": rng.choice(SCHOOLS),
        "major": specialty,
        "graduated": graduated,
        "work_start": work_start,
        "current_title": current,
        "current_title_date": current_date,
        "series": "卫生",
        "specialty": specialty,
        "title_name": title,
        "level": "中级",
        "route": "正常",
        "phone": f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}",
        "note": "",
    }


ORDER = [
    "name",
    "gender",
    "birth",
    "id_number",
    "unit",
    "county",
    "education",
    "school",
    "major",
    "graduated",
    "work_start",
    "current_title",
    "current_title_date",
    "series",
    "specialty",
    "title_name",
    "level",
    "route",
    "phone",
    "note",
]


def ym(d: date) -> str:
    return f"{d.year}.{d.month:02d}"


def generate() -> None:
    rng = random.Random(SEED)
    ROSTERS.mkdir(exist_ok=True)
    people = {
        file: [person(rng, unit, area, i * 37) for i in range(n)]
        for file, unit, area, n in EMPLOYERS
    }
    # 01's second person (Excel row 5) applies again through 04 (CSV row 4).
    twice = dict(people["01_曲靖市第一人民医院.xlsx"][1])
    twice.update(unit="罗平县中医医院", county="罗平县")
    people["04_罗平县中医医院.csv"][1] = twice
    _write_01(people["01_曲靖市第一人民医院.xlsx"])
    _write_02(people["02_宣威市人民医院.xlsx"])
    _write_03(people["03_陆良县人民医院.xls"])
    _write_04(people["04_罗平县中医医院.csv"])


def _write_01(rows: list[dict]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rows = [dict(r) for r in rows]
    # Data starts at Excel row 4 (title, signature line and header above): row n is rows[n - 4].
    wrong = rows[6 - 4]["id_number"]
    rows[6 - 4]["id_number"] = wrong[:-1] + ("0" if wrong[-1] != "0" else "1")
    rows[8 - 4]["gender"] = "男" if rows[8 - 4]["gender"] == "女" else "女"
    rows[10 - 4]["phone"] = "0874-31234"
    rows[12 - 4]["current_title_date"] = 2015.1  # typed 2015.10 into a number cell
    # Full-width digits in one phone number, a stray space and a zero-width space in names.
    rows[0]["phone"] = rows[0]["phone"].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    rows[1]["name"] = " " + rows[1]["name"] + "\u200b"
    rows[3]["county"] = "麒麟"
    wb = Workbook()
    ws = wb.active
    ws.title = "2023年申报"
    ws.merge_cells("A1:U1")
    ws["A1"] = "曲靖市专业技术人员职称申报信息表"
    ws["A1"].font = Font(size=18, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A2:U2")
    ws["A2"] = (
        "填报单位（盖章）：曲靖市第一人民医院        分管领导签字：        填报日期：2023年9月1日"
    )
    ws.append(HEADERS_01)
    for i, r in enumerate(rows, start=1):
        values = [i] + [r[k] for k in ORDER]
        for j, k in enumerate(ORDER, start=1):
            if k in ("birth", "graduated", "work_start", "current_title_date") and isinstance(
                r[k], date
            ):
                values[j] = ym(r[k]) if k != "birth" else r[k]  # birth as a real Excel date
        ws.append(values)
        ws.cell(row=ws.max_row, column=5).number_format = "@"
    ws.append([])
    ws.append(["注：本表一式两份，纸质版经单位分管领导审核签字后报送。"])
    wb.save(ROSTERS / "01_曲靖市第一人民医院.xlsx")


def _write_02(rows: list[dict]) -> None:
    from openpyxl import Workbook

    rows = [dict(r) for r in rows]
    rows[9 - 2]["school"] = ""
    rows[11 - 2]["current_title"] = "主治医师"  # already intermediate, applies for 中级 again
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(HEADERS_02)
    for i, r in enumerate(rows, start=1):
        values = [i] + [r[k] for k in ORDER]
        for j, k in enumerate(ORDER, start=1):
            if isinstance(values[j], date):
                values[j] = (
                    values[j].strftime("%Y-%m") if k != "birth" else values[j].strftime("%Y年%m月")
                )
        row_number = i + 1
        if row_number in (3, 7):
            values[4] = float(
                r["id_number"][:15] + "000"
            )  # Excel keeps 15 significant digits of a number
        elif r["id_number"][-1] != "X":
            values[4] = r["id_number"]
        ws.append(values)
    # An instructions sheet without a header: passed over.
    notes = wb.create_sheet("说明")
    notes.append(["本表由宣威市人民医院人事科填报"])
    wb.save(ROSTERS / "02_宣威市人民医院.xlsx")


def _write_03(rows: list[dict]) -> None:
    import xlwt

    rows = [dict(r) for r in rows]
    wrong = rows[5 - 2]
    wrong["birth"] = date(wrong["birth"].year - 1, wrong["birth"].month, 1)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("申报人员")
    for j, h in enumerate(HEADERS_01):
        sheet.write(0, j, h)
    for i, r in enumerate(rows, start=1):
        sheet.write(i, 0, i)
        for j, k in enumerate(ORDER, start=1):
            v = r[k]
            sheet.write(i, j, ym(v) if isinstance(v, date) else v)
    book.save(str(ROSTERS / "03_陆良县人民医院.xls"))


def _write_04(rows: list[dict]) -> None:
    with (ROSTERS / "04_罗平县中医医院.csv").open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["曲靖市专业技术人员职称申报信息表（罗平县中医医院）"])
        writer.writerow(HEADERS_01)
        for i, r in enumerate(rows, start=1):
            writer.writerow([i] + [ym(r[k]) if isinstance(r[k], date) else r[k] for k in ORDER])


if __name__ == "__main__":
    generate()
    for path in sorted(ROSTERS.iterdir()):
        print("wrote", path.relative_to(HERE))
