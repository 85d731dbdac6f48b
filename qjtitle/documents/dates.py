"""Dates as the documents write them (2023年11月13日)."""

from __future__ import annotations

from datetime import date


def cn_date(value: date | None) -> str:
    """2023年11月13日"""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""
