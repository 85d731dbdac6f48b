"""封存后的每一条记录都有写入它的审计事件；更正没有事件不能改动封存事实。

Every row that can change a meeting (attendance, reviewer assignments, reviews, ballots and
ballot counts, corrections after the seal, draw answers, replacements and signatures,
declared conflicts) is tied to the audit event that wrote it.

Each table of ``qjtitle.store.ties.TIED`` gets ``event_id`` (the event) and
``event_digest`` (the row's digest as the event lists it). The append-only tables among them
allow one UPDATE: setting the tie of a row that has none, nothing else. The frozen-fact
triggers accept a correction after the seal only when its audit event
(``applicant.corrected_after_seal``) exists. Rows written before this revision have no
event: the revision records, in one audit event (``store.events_tied``), the last row of
each table at upgrade time, so ``audit verify`` tells those rows from rows inserted later
behind the tool's back. A new (empty) store records no such event.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qjtitle.store.engine import APPEND_ONLY, create_frozen, drop_frozen, tie_once_sql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# the TIED tables of qjtitle.store.sealing as of this revision (kept here: a revision is fixed)
TIED = (
    "attendance",
    "review_assignment",
    "review",
    "ballot",
    "ballot_count",
    "applicant_correction",
    "draw_answer",
    "draw_replacement",
    "draw_signature",
    "conflict",
    "meeting_chair",  # revision 0006
    "meeting_method",
)


def upgrade() -> None:
    bind = op.get_bind()
    for table in TIED:
        # ADD COLUMN with a constant default: a plain ALTER on SQLite too (the triggers stay)
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
            batch.add_column(
                sa.Column("event_digest", sa.String(), nullable=False, server_default="")
            )
    messages = {t: message for tables, message in APPEND_ONLY.values() for t in tables}
    inspector = sa.inspect(bind)
    for table in TIED:
        if table not in messages:
            continue  # not append-only (conflict): nothing to allow
        columns = [c["name"] for c in inspector.get_columns(table)]
        for statement in tie_once_sql(bind.dialect.name, table, columns, messages[table]):
            bind.exec_driver_sql(statement)
    drop_frozen(bind)
    create_frozen(bind, require_event=True)
    _record_baseline(bind)


def _record_baseline(bind: sa.engine.Connection) -> None:
    baseline = {
        table: bind.execute(sa.text(f"SELECT MAX(id) FROM {table}")).scalar() or 0 for table in TIED
    }
    if not any(baseline.values()):
        return
    from sqlmodel import Session

    from qjtitle.store import audit

    session = Session(bind=bind, join_transaction_mode="create_savepoint")
    try:
        audit.record(
            session,
            "db upgrade",
            "store.events_tied",
            {"revision": revision, "baseline": baseline},
            user="qjtitle",
        )
        session.commit()  # the savepoint; the revision's own transaction commits it
    finally:
        session.close()


def downgrade() -> None:
    raise NotImplementedError("qjtitle 不支持降级；请从备份恢复（qjtitle db restore）")
