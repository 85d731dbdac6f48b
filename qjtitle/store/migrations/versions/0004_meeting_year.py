"""评审会议可记录评审年度（与会议日期的年份不同时，如2023年度的会议在2024年1月召开）。

Meetings keep their evaluation year (评审年度) when it differs from the year of the meeting date.

A 2023 evaluation may meet in January 2024 (``qjtitle meeting add --year 2023``); empty
for every existing meeting, which keeps meaning "the year of its date".

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:  # a plain ALTER TABLE ADD COLUMN, on SQLite too
        batch.add_column(sa.Column("year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("year")
