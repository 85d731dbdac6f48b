"""补抽：抽取记录可以是对原抽取中空缺位次的补抽（fills_id），不算第二次首次抽取。

A draw record may be a supplementary draw (补抽) of the vacant seats of a meeting's standing
draw: ``fills_id`` names the draw it fills. A fill is not a second first draw: the index
``uq_draw_record_first`` (one first draw per meeting, revision 0003) now counts only the draws
that neither void nor fill another, and keeps its meaning.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FIRST_ONLY = sa.text("voids_id IS NULL AND fills_id IS NULL")
FIRST_ONLY_BEFORE = sa.text("voids_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("draw_record") as batch:  # plain ALTER TABLE ADD COLUMN
        batch.add_column(sa.Column("fills_id", sa.Integer(), nullable=True))
    op.drop_index("uq_draw_record_first", table_name="draw_record")
    op.create_index(
        "uq_draw_record_first",
        "draw_record",
        ["meeting_id"],
        unique=True,
        sqlite_where=FIRST_ONLY,
        postgresql_where=FIRST_ONLY,
    )
    op.create_index("ix_draw_record_fills_id", "draw_record", ["fills_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_draw_record_fills_id", table_name="draw_record")
    op.drop_index("uq_draw_record_first", table_name="draw_record")
    op.create_index(
        "uq_draw_record_first",
        "draw_record",
        ["meeting_id"],
        unique=True,
        sqlite_where=FIRST_ONLY_BEFORE,
        postgresql_where=FIRST_ONLY_BEFORE,
    )
    with op.batch_alter_table("draw_record") as batch:
        batch.drop_column("fills_id")
