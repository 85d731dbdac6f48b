"""What `qjtitle status` points to beyond the year on screen: the years that hold meetings, and the
applicants whose correction deadline has passed but who are not yet marked withdrawn."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from qjtitle import rules
from qjtitle.models import Applicant, Committee, Meeting
from qjtitle.store import Store


def meeting_years(store: Store) -> dict[int, int]:
    """Evaluation year → number of meetings, oldest first."""
    from qjtitle.meetings import evaluation_year

    with store.transaction() as session:
        years = Counter(evaluation_year(m) for m in session.exec(select(Meeting)))
    return dict(sorted(years.items()))


@dataclass(frozen=True)
class OverdueCorrections:
    """A committee's applicants still 待补正 after their deadline: how many, the earliest deadline."""

    committee: str  # code
    count: int
    earliest: date


def overdue_corrections(store: Store, today: date | None = None) -> list[OverdueCorrections]:
    """Per committee: applicants still 待补正 after their correction deadline (``applicants expire`` marks them)."""
    today = today or date.today()
    with store.transaction() as session:
        rows = session.exec(
            select(Committee.code, col(Applicant.correction_deadline))
            .join(Committee, col(Committee.id) == col(Applicant.committee_id))
            .where(
                Applicant.status == rules.STATUS_NEEDS_CORRECTION,
                col(Applicant.correction_deadline).is_not(None),
                col(Applicant.correction_deadline) < today,
            )
        ).all()
    deadlines: dict[str, list[date]] = {}
    for code, deadline in rows:
        if deadline is not None:  # the query keeps only set deadlines
            deadlines.setdefault(code, []).append(deadline)
    return [OverdueCorrections(code, len(days), min(days)) for code, days in deadlines.items()]
