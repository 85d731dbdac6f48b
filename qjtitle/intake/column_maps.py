"""The column mappings a committee keeps: a header name an employer's file uses, and the column of
the roster or pool format it means (``--map 所在县区=所在县（市、区） --keep-map``), read by every
later import of that committee so that next season's file from that employer reads itself."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, col, select

from qjtitle.models import ColumnAlias, utcnow
from qjtitle.store import audit

ROSTER = "roster"
POOL = "pool"


def kept(session: Session, committee_id: int | None, form: str) -> dict[str, str]:
    """The committee's kept mappings of ``form``: header name → column key."""
    if committee_id is None:
        return {}
    return {
        a.header: a.column
        for a in session.exec(
            select(ColumnAlias)
            .where(ColumnAlias.committee_id == committee_id, ColumnAlias.form == form)
            .order_by(col(ColumnAlias.id))
        )
    }


def keep(
    session: Session,
    committee_id: int,
    committee_code: str,
    form: str,
    mapping: Mapping[str, str],
    command: str,
    user: str | None = None,
) -> list[str]:
    """Keep ``mapping`` for the committee (a header kept before is pointed at its new column);
    one audit event. Returns the header names whose mapping is new or changed."""
    existing = {
        a.header: a
        for a in session.exec(
            select(ColumnAlias).where(
                ColumnAlias.committee_id == committee_id, ColumnAlias.form == form
            )
        )
    }
    changed: list[str] = []
    who = user or audit.current_user()
    for header, column in mapping.items():
        alias = existing.get(header)
        if alias is not None and alias.column == column:
            continue
        if alias is None:
            alias = ColumnAlias(committee_id=committee_id, form=form, header=header, column=column)
        alias.column, alias.kept_at, alias.user = column, utcnow(), who
        session.add(alias)
        changed.append(header)
    if changed:
        audit.record(
            session,
            command,
            "columns.mapped",
            {
                "committee": committee_code,
                "form": form,
                "mapping": {h: mapping[h] for h in changed},
            },
            user=user,
        )
    return changed
