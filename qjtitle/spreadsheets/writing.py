"""Writing cells with openpyxl so that no text is ever taken for a formula."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

_FORMULA_START = ("=", "+", "-", "@")


def safe_value(value: Any) -> Any:
    """Values as they should be written to a cell (dates stay dates)."""
    if value is None:
        return None
    if isinstance(value, (int, float, date, datetime)) and not isinstance(value, bool):
        return value
    return str(value)


def set_cell(cell: Any, value: Any) -> None:
    """Write ``value`` into an openpyxl cell; formula-like strings are stored as text."""
    value = safe_value(value)
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_START)
