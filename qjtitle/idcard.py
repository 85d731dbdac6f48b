"""The 18-character resident ID number (GB 11643-1999): check digit, birth date, gender.

The check digit comes from python-stdnum's ``stdnum.cn.ric.calc_check_digit``; the birth date is
digits 7-14 read as ``ric.get_birth_date`` reads them (without its ``clean()`` of separators, which a
number already normalised here does not have: it was most of the cost of checking 20,000 rows).
This module adds what a secretary needs around it: recognising a number Excel has turned into a
float, and saying in Chinese what is wrong and how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

ID_LENGTH = 18  # GB 11643-1999


@cache
def _check_digit() -> Callable[[str], str]:
    """``stdnum.cn.ric.calc_check_digit``, imported when first needed: python-stdnum's utilities
    import ssl, pydoc and the like, which a command that only lists applicants does not need."""
    from stdnum.cn import ric

    calc: Callable[[str], str] = ric.calc_check_digit
    return calc


# GB/T 2260 province codes. The county part is not checked: ric.validate() ties the
# county code to the birth year, which rejects e.g. 530302 (麒麟区, 1997-) for anyone
# born before 1997, although such people hold 530302 numbers issued after 1997.
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    }
)

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: str.isdigit() also accepts ² and ٣
_SPACE = re.compile(r"\s+")
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # ０-９, Ｘ typed in full-width mode
_EARLIEST_BIRTH = date(1900, 1, 1)
EXCEL_NUMBER_FIX = (
    "请将该列单元格设为“文本”格式，重新输入完整的18位号码（或在号码前加英文单引号 '）"
)


@dataclass(slots=True)  # not frozen: a frozen dataclass is several times slower to make, per row
class IdCheck:
    """The outcome of checking one ID number."""

    number: str  # as normalised (upper-case X, no spaces)
    problem: str | None = None  # what is wrong, Chinese; None when valid
    fix: str | None = None  # how to fix it
    birth: date | None = None
    gender: str | None = None  # 男 / 女

    @property
    def valid(self) -> bool:
        return self.problem is None


def looks_like_excel_number(raw: object) -> bool:
    """True when an ID cell was stored by Excel as a number (its last digits are lost)."""
    if isinstance(raw, float):
        return raw >= 1e14
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw >= 10**14
    if isinstance(raw, str):
        return ("E" in raw or "e" in raw) and bool(_SCIENTIFIC.match(raw.strip()))
    return False


def normalize(text: str) -> str:
    # a leading apostrophe is how Excel users force text; it is not part of the number
    return _SPACE.sub("", text.translate(_FULLWIDTH)).lstrip("'‘’").upper()


def check(raw: object, today: date | None = None) -> IdCheck:
    """Check an ID number as it came from a cell (str, or a number Excel made of it); ``today``:
    the latest possible birth date (today's date when not given; an import asks once a file)."""
    if type(raw) is str and _SHAPE.fullmatch(
        raw
    ):  # nearly every cell: 18 plain characters, nothing to undo
        number = raw
    else:
        if looks_like_excel_number(raw):
            shown = (
                raw
                if isinstance(raw, str)
                else f"{raw:.14E}"
                if isinstance(raw, float)
                else str(raw)
            )
            return IdCheck(
                number=str(shown),
                problem=f"身份证号码被 Excel 存成了数字（{shown}），后几位已丢失",
                fix=EXCEL_NUMBER_FIX,
            )
        number = normalize(str(raw))
        if not number:
            return IdCheck(number, "身份证号码为空", "请填写18位公民身份号码")
        if len(number) != ID_LENGTH:
            return IdCheck(
                number, f"身份证号码应为18位，实为{len(number)}位", "请核对后填写完整的18位号码"
            )
        if not _SHAPE.fullmatch(number):
            return IdCheck(
                number, "身份证号码只能由数字组成，最后一位可为 X", "请删除其中的字母、空格或符号"
            )
    birth = _birth_date(number[6:14])
    if birth is None:
        return IdCheck(
            number, f"身份证号码中的出生日期 {number[6:14]} 不存在", "请核对号码第7至14位"
        )
    expected = _check_digit()(number)
    if number[17] != expected:
        return IdCheck(
            number,
            f"身份证号码校验位错误（第18位应为 {expected}，实为 {number[17]}），号码中有输错的数字",
            "请对照身份证原件逐位核对",
        )
    if number[:2] not in PROVINCE_CODES:
        return IdCheck(
            number,
            f"身份证号码前2位 {number[:2]} 不是有效的省级行政区划代码",
            "请对照身份证原件核对前6位",
        )
    if not _EARLIEST_BIRTH <= birth <= (today or date.today()):
        return IdCheck(
            number, f"身份证号码中的出生日期 {birth:%Y-%m-%d} 不合理", "请核对号码第7至14位"
        )
    return IdCheck(number, None, None, birth, _GENDERS[number[16]])


@lru_cache(maxsize=65536)  # people share birthdays: a city's applicants have a few thousand
def _birth_date(digits: str) -> date | None:
    """YYYYMMDD as a date (as ``ric.get_birth_date`` reads it), or None when there is no such day."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def gender_of(number: str) -> str:
    """男 for an odd 17th digit, 女 for an even one."""
    return "男" if int(number[16]) % 2 else "女"


_GENDERS = {digit: gender_of(f"{digit:0>17}") for digit in "0123456789"}  # check()'s, one lookup


def make(area: str, birth: date, sequence: int) -> str:
    """Build a valid ID number (used by sample data and tests): 6-digit area, birth, 3-digit sequence."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + _check_digit()(body + "0")
