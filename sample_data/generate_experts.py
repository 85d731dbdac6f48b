"""Generates the sample expert pool (fictional people, valid Qujing ID numbers), fixed seed.

Run from the repository: ``python sample_data/generate_experts.py``. Needs openpyxl.
The file it writes is committed; the demo and the tests read it.

``experts/专家库_卫生中级.xlsx``: the pool of the 卫生 intermediate committee
QJ-WS-ZJ (filed 2022-06-30), 60 experts under a merged title row. Seen from the
demo's meeting on 2023-11-20, it holds on purpose (see ``EXPECTED`` below):

- 5 experts whose term ended on 2023-06-30 (任期 2020.07-2023.06);
- 3 inactive experts (停用, 暂停, 出库);
- 2 experts with an intermediate title (主治医师), too junior for the committee;
- 12 experts from the four applicant units of ``rosters/`` (recused by default),
  one of them written "曲靖市第一人民医院 " with a trailing space;
- terms written both as 2022.07-2025.06 and 2022-07-01至2025-06-30.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "experts" / "专家库_卫生中级.xlsx"
SEED = 20231110

sys.path.insert(0, str(HERE))
from generate import GIVEN, SURNAMES

sys.path.insert(0, str(HERE.parent))
from qjtitle import idcard

HEADERS = [
    "姓名",
    "性别",
    "身份证号码",
    "工作单位",
    "职称",
    "职称级别",
    "系列",
    "专业",
    "联系电话",
    "入库时间",
    "任期起止",
    "状态",
]

# specialty → (associate-senior title, full-senior title), and how many experts
SPECIALTIES = {
    "临床医学": (("副主任医师", "主任医师"), 24),
    "护理": (("副主任护师", "主任护师"), 16),
    "药学": (("副主任药师", "主任药师"), 10),
    "医学检验技术": (("副主任技师", "主任技师"), 10),
}
APPLICANT_UNITS = (
    ("曲靖市第一人民医院", "530302"),
    ("宣威市人民医院", "530381"),
    ("陆良县人民医院", "530322"),
    ("罗平县中医医院", "530324"),
)
OTHER_UNITS = (
    ("曲靖市第二人民医院", "530302"),
    ("曲靖市妇幼保健院", "530302"),
    ("曲靖市中医医院", "530302"),
    ("麒麟区人民医院", "530302"),
    ("沾益区人民医院", "530303"),
    ("马龙区人民医院", "530304"),
    ("富源县人民医院", "530325"),
    ("会泽县人民医院", "530326"),
    ("师宗县人民医院", "530323"),
    ("曲靖医学高等专科学校", "530302"),
    ("曲靖市第三人民医院", "530302"),
    ("曲靖市疾病预防控制中心", "530302"),
)

EXPECTED = {"experts": 60, "term": 5, "inactive": 3, "level": 2, "same_unit": 12}


def _expert(rng: random.Random, index: int, specialty: str, unit: str, area: str) -> dict:
    (associate, full), _ = SPECIALTIES[specialty]
    male = rng.random() < 0.5
    birth = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 15))
    sequence = (index * 2 + (1 if male else 0)) % 1000
    senior_full = rng.random() < 0.3
    return {
        "姓名": rng.choice(SURNAMES)
        + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "性别": "男" if male else "女",
        "身份证号码": idcard.make(area, birth, sequence),
        "工作单位": unit,
        "职称": full if senior_full else associate,
        "职称级别": "正高级" if senior_full else "副高级",
        "系列": "卫生",
        "专业": specialty,
        "联系电话": f"139{rng.randrange(0, 10**8):08d}",
        "入库时间": rng.choice(("2019.07", "2022.06", "2022.06", "2023.01")),
        "任期起止": rng.choice(("2022.07-2025.06", "2022.07-2025.06", "2022-07-01至2025-06-30")),
        "状态": rng.choice(("在库", "在库", "正常", "有效")),
    }


def experts() -> list[dict]:
    rng = random.Random(SEED)
    specialties = [s for s, (_, n) in SPECIALTIES.items() for _ in range(n)]
    rng.shuffle(specialties)
    rows = []
    for i, specialty in enumerate(specialties):
        if i < 12:  # three from each applicant unit
            unit, area = APPLICANT_UNITS[i % 4]
        else:
            unit, area = OTHER_UNITS[rng.randrange(len(OTHER_UNITS))]
        rows.append(_expert(rng, i, specialty, unit, area))
    rows[0]["工作单位"] = "曲靖市第一人民医院 "  # a trailing space: still the same unit
    for row in rows[12:17]:  # term ended before the meeting
        row["任期起止"] = "2020.07-2023.06"
        row["入库时间"] = "2019.07"
    for row, status in zip(rows[17:20], ("停用", "暂停", "出库"), strict=True):
        row["状态"] = status
    for row in rows[20:22]:  # too junior for the committee
        row["专业"] = "临床医学"
        row["职称"], row["职称级别"] = "主治医师", "中级"
    rng.shuffle(rows)
    return rows


def generate() -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    OUT.parent.mkdir(exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "专家库"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"] = "曲靖市卫生系列中级职称评审委员会评审专家库（2022年6月30日备案）"
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(HEADERS)
    for row in experts():
        ws.append([row[h] for h in HEADERS])
        ws.cell(row=ws.max_row, column=3).number_format = "@"
    for letter, width in zip(
        "ABCDEFGHIJKL", (8, 6, 21, 24, 12, 9, 6, 13, 13, 10, 24, 6), strict=True
    ):
        ws.column_dimensions[letter].width = width
    wb.save(OUT)


if __name__ == "__main__":
    generate()
    print("wrote", OUT.relative_to(HERE))
