"""会议按实际举行记录：主持人、实际采用的评审方式；表决只记无记名票数。

The meeting as held: a reviewer assignment keeps why an applicant got no reviewer of their
specialty (``review_assignment.specialty_gaps``); who chaired it (``meeting_chair``: an attending expert and the role,
主任委员 or 副主任委员) and the evaluation methods actually used (``meeting_method``), both
append-only (the latest entry stands). The vote is a secret ballot: new rows in ``ballot``
(a vote tied to an expert) are refused; an existing store's named ballots stay as they are
and still read.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qjtitle.store.engine import create_append_only, no_named_ballots_sql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _entry_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("after_seal", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
    ]


def upgrade() -> None:
    # a plain ALTER TABLE ADD COLUMN on both backends: the table (and its triggers) stay, no UPDATE fired
    op.add_column(
        "review_assignment",
        sa.Column("specialty_gaps", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.create_table(
        "meeting_chair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        *_entry_columns(),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["expert_id"], ["expert.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_meeting_chair_meeting_id"), "meeting_chair", ["meeting_id"], unique=False
    )
    op.create_table(
        "meeting_method",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        *_entry_columns(),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_meeting_method_meeting_id"), "meeting_method", ["meeting_id"], unique=False
    )
    bind = op.get_bind()
    create_append_only(bind, "as_held")
    for statement in no_named_ballots_sql(bind.dialect.name):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    raise NotImplementedError("qjtitle 不支持降级；请从备份恢复（qjtitle db restore）")
