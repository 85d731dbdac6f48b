"""Cell text made comparable: zero-width and full-width characters and runs of space."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

_ZERO_WIDTH: dict[int, int | None] = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None
)
_CLEAN = {
    **_ZERO_WIDTH,
    **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},  # ０-９
    **{cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)},  # ａ-ｚ
    0x3000: 0x20,  # ideographic space
    0x00A0: 0x20,  # no-break space
}


def clean_text_uncached(value: str) -> str:
    """clean_text without its cache (for callers that keep their own)."""
    return " ".join(value.translate(_CLEAN).split())


@lru_cache(maxsize=16384)  # units, counties, titles repeat on every row
def clean_text(value: str) -> str:
    """Zero-width characters removed, full-width digits/letters/spaces made ASCII, runs of space folded."""
    return clean_text_uncached(value)


@lru_cache(maxsize=8192)
def compare_key(value: str) -> str:
    """A key for comparing names typed by different people: NFKC, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", value.translate(_ZERO_WIDTH)).split()).lower()


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def is_blank(value: Any) -> bool:
    """An empty cell: None or the empty text."""
    return value is None or value == ""
