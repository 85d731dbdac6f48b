"""各评委会保存的列名对应（--map … --keep-map），下一季的表格自动识别。

A committee's kept column mappings: a header name an employer's file uses, and the column of
the roster or pool format it means.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(), nullable=False),
        sa.Column("header", sa.String(), nullable=False),
        sa.Column("column", sa.String(), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("committee_id", "form", "header", name="uq_column_alias"),
    )
    op.create_index(
        op.f("ix_column_alias_committee_id"), "column_alias", ["committee_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_column_alias_committee_id"), table_name="column_alias")
    op.drop_table("column_alias")
