"""每个评审会议至多一条有效的抽取记录（由数据库保证，防止两处同时抽取）。

At most one standing draw per meeting, enforced by the database.

A meeting's first draw is the only one that voids nothing, and a draw can be voided by
one later draw only: two unique indexes make sure of it, so that two secretaries drawing
for the same meeting at the same moment (on a shared PostgreSQL store) can never leave
two draws standing. The second is refused with a message (qjtitle.experts.drawing).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FIRST_ONLY = sa.text("voids_id IS NULL")


def upgrade() -> None:
    op.create_index(
        "uq_draw_record_first",
        "draw_record",
        ["meeting_id"],
        unique=True,
        sqlite_where=FIRST_ONLY,
        postgresql_where=FIRST_ONLY,
    )
    op.create_index("uq_draw_record_voids", "draw_record", ["voids_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_draw_record_voids", table_name="draw_record")
    op.drop_index("uq_draw_record_first", table_name="draw_record")
