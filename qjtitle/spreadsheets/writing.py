"""Writing cells with openpyxl so that no text is ever taken for a formula."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from qjtitle.privacy import without_controls

_FORMULA_START = ("=", "+", "-", "@")


def safe_value(value: Any) -> Any:
    """Values as they should be written to a cell (dates stay dates)."""
    if value is None:
        return None
    if isinstance(value, (int, float, date, datetime)) and not isinstance(value, bool):
        return value
    # a control or escape character (an old store's name) is shown as ⟨U+001B⟩: openpyxl
    # refuses most of them (IllegalCharacterError), and none should be written raw (issue 23.5)
    return without_controls(str(value), keep_lines=True)


def set_cell(cell: Any, value: Any) -> None:
    """Write ``value`` into an openpyxl cell; formula-like strings are stored as text."""
    value = safe_value(value)
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_START)
