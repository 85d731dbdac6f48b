"""审计日志另记系统登录账户（--as 所填姓名之外）；哈希链不可分叉。

Audit events keep the operating-system account beside the name given with --as; one successor per event.

``qjtitle --as 李老师 …`` records the name of the person at the keyboard, which anyone can
type; ``os_user`` keeps the account the command really ran under, so a name given with
``--as`` never hides who ran it. Events recorded before this revision have it empty, and
their hashes are unchanged (the digest covers ``os_user`` only when it is set).

The unique index on ``prev_hash`` makes a fork of the hash chain impossible: two events
can never both claim to follow the same one, even when two processes write at once.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a constant default is a plain ALTER on SQLite too (batch mode does not copy
    # the table, so the append-only triggers stay) and fires no UPDATE trigger on either database.
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("os_user", sa.String(), nullable=False, server_default=""))
    op.create_index("uq_audit_event_prev_hash", "audit_event", ["prev_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_audit_event_prev_hash", table_name="audit_event")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("os_user")
