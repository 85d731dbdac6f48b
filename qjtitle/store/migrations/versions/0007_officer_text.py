"""评委会记录经办人、联系人、联系电话、签发人和发文机关代字，印在报告和告知书上。

A committee keeps the people and words its documents print: the 经办人 (who handles the
files, never a login name), the contact and phone for employers and applicants, the 签发人
who signs the reports off, and the 发文机关代字 of its document numbers (曲卫职评 gives
曲卫职评〔2023〕1号 and, for correction notices, 曲卫职评补〔2023〕1号). Empty for every
existing committee: the documents then leave a line to fill in by hand, as before.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = ("handler", "contact", "contact_phone", "signer", "doc_code")


def upgrade() -> None:
    with op.batch_alter_table("committee") as batch:  # plain ALTER TABLE ADD COLUMN, on SQLite too
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("committee") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
