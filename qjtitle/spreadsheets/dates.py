"""Dates as employers write them: real dates, Excel serials, and texts such as 1985.03 or 1985年3月."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from qjtitle.spreadsheets.text import clean_text, is_blank

EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (3654, 73051)  # 1910-01-01 .. 2099-12-31 as Excel serial numbers
_DATE_TEXT = [
    re.compile(
        r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
    ),
    re.compile(r"^(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*月?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
]


@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    precision: str = "day"  # day | month
    problem: str | None = None


def parse_date(raw: Any) -> ParsedDate:
    """A date as employers write it (see ``_parse_date``); repeated values are parsed once."""
    try:
        return _parse_date_cached(raw)
    except TypeError:  # unhashable: parse directly
        return _parse_date(raw)


@lru_cache(maxsize=16384, typed=True)  # rosters repeat the same months on every row
def _parse_date_cached(raw: Any) -> ParsedDate:
    return _parse_date(raw)


def _parse_date(raw: Any) -> ParsedDate:
    """A date as employers write it: a real date, an Excel serial, or text such as 1985.03,
    1985年3月, 1985-3, 198503, 1985/3/15. Year-month values are the 1st of the month."""
    if is_blank(raw):
        return ParsedDate(None)
    if isinstance(raw, datetime):
        return ParsedDate(raw.date())
    if isinstance(raw, date):
        return ParsedDate(raw)
    if isinstance(raw, bool):
        return ParsedDate(None, problem=f"“{raw}”不是日期")
    if isinstance(raw, int):
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1]:
            return ParsedDate(EXCEL_EPOCH + timedelta(days=raw))
        return parse_date(str(raw))
    if isinstance(raw, float):
        if 1900 < raw < 2100:  # 1985.03 typed into a number cell
            year_text, _, frac = repr(raw).partition(".")
            if frac == "1":
                return ParsedDate(
                    None,
                    problem=f"“{raw}”有歧义：Excel 把 {year_text}.10 和 {year_text}.1 都存成 {raw}，无法判断是1月还是10月",
                )
            if len(frac) > 2:
                return ParsedDate(None, problem=f"“{raw}”不是可识别的日期")
            return _ym(int(year_text), int(frac), repr(raw))
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1]:
            return ParsedDate(EXCEL_EPOCH + timedelta(days=int(raw)))
        return ParsedDate(None, problem=f"“{raw}”不是日期")
    text = unicodedata.normalize(
        "NFKC", clean_text(str(raw))
    )  # １９８５．０３, 1985／3 typed full-width
    for pattern in _DATE_TEXT:
        match = pattern.match(text)
        if match:
            parts = match.groupdict()
            if parts.get("d"):
                try:
                    return ParsedDate(date(int(parts["y"]), int(parts["m"]), int(parts["d"])))
                except ValueError:
                    return ParsedDate(None, problem=f"“{text}”不是存在的日期")
            return _ym(int(parts["y"]), int(parts["m"]), text)
    return ParsedDate(None, problem=f"“{text}”不是可识别的日期")


def _ym(year: int, month: int, shown: str) -> ParsedDate:
    if not 1 <= month <= 12:
        return ParsedDate(None, problem=f"“{shown}”中的月份 {month} 不存在")
    return ParsedDate(date(year, month, 1), precision="month")


DATE_FIX = "请写成 1985-03-15、1985年3月 或 1985.03 的形式（年份4位）"
