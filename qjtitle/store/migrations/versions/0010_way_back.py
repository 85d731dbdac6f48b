"""申报人撤回与恢复、撤销一次导入：每一步都有记录可查，什么也不删除。

The way back before the seal: ``applicant_withdrawal`` records each withdrawal (已撤回) and
reinstatement of an applicant with its reason and the status it replaced; ``import_undo``
records an import run taken back. Both are append-only. ``import_batch`` keeps, for each run,
the values every applicant it changed had before it (``previous``) and the
applicants it added (``added_ids``), so that undoing the run
can put them back, and how many rows it found unchanged.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qjtitle.store.engine import create_append_only

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batch") as batch:  # plain ALTER TABLE ADD COLUMN
        batch.add_column(sa.Column("unchanged", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("previous", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("added_ids", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "applicant_withdrawal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("status_before", sa.String(), nullable=False),
        sa.Column("status_after", sa.String(), nullable=False),
        sa.Column("deadline_before", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicant.id"]),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batch.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_applicant_withdrawal_applicant_id"),
        "applicant_withdrawal",
        ["applicant_id"],
        unique=False,
    )
    op.create_table(
        "import_undo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("withdrawn", sa.JSON(), nullable=False),
        sa.Column("restored", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batch.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("import_batch_id"),
    )
    create_append_only(op.get_bind(), "way_back")


def downgrade() -> None:
    raise NotImplementedError("qjtitle 不支持降级；请从备份恢复（qjtitle db restore）")
