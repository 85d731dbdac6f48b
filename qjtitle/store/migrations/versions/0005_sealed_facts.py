"""封存冻结会议认定的申报人和专家；封存后的更正单独登记；无记名计票可记废票。

A seal freezes the applicants and experts its meeting decided on; corrections after the
seal are recorded on their own; secret-ballot counts keep invalid ballots (废票).

``sealed_row`` lists, per sealed meeting, each applicant and expert it decided on with the
facts it decided on; ``applicant_correction`` records a fact corrected after the seal, with
its reason. Both are append-only, and triggers on ``applicant`` and ``expert`` refuse to
change a frozen fact (except to a value a correction names) or delete a frozen row
(qjtitle.store.frozen_sql). Existing seals froze nothing: their meetings keep working as
before, and ``audit verify`` says that they predate the seal digest.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qjtitle.store.engine import create_append_only, create_frozen

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table(
        "ballot_count"
    ) as batch:  # a plain ALTER TABLE ADD COLUMN, no UPDATE fired
        batch.add_column(sa.Column("invalid", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "sealed_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "kind", "row_id", name="uq_sealed_row"),
    )
    op.create_index(op.f("ix_sealed_row_meeting_id"), "sealed_row", ["meeting_id"], unique=False)
    op.create_index(op.f("ix_sealed_row_row_id"), "sealed_row", ["row_id"], unique=False)
    op.create_table(
        "applicant_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("fact", sa.String(), nullable=False),
        sa.Column("old_value", sa.String(), nullable=False),
        sa.Column("new_value", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicant.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_applicant_correction_applicant_id"),
        "applicant_correction",
        ["applicant_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_applicant_correction_meeting_id"),
        "applicant_correction",
        ["meeting_id"],
        unique=False,
    )
    bind = op.get_bind()
    create_append_only(bind, "sealed")
    create_frozen(bind)


def downgrade() -> None:
    raise NotImplementedError("qjtitle 不支持降级；请从备份恢复（qjtitle db restore）")
