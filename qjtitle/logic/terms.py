"""Periods counted in years: an expert's term, the pool filing's validity."""

from __future__ import annotations

from datetime import date

from qjtitle import rules


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def pool_valid_until(filed: date) -> date:
    """The last day a pool filed on ``filed`` is valid (通知 六（二）: at most 3 years).

    The filing day is not counted and a period in years ends on the corresponding day
    (民法典 第二百零一条、第二百零三条): filed 2020-11-20, valid through 2023-11-20."""
    return add_years(filed, int(rules.POOL_FILING_YEARS.value))
