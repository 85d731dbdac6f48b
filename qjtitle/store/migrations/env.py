"""Run the revisions on the connection qjtitle opened (no alembic.ini; see qjtitle.store.schema)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from qjtitle import models  # noqa: F401 - the tables, for comparisons in tests
from qjtitle.store.schema import VERSION_TABLE

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "qjtitle 的迁移只能由 qjtitle 运行（qjtitle db upgrade），不支持 alembic 命令行离线模式"
    )

callback = config.attributes.get("on_version_apply")
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    version_table=VERSION_TABLE,
    # One transaction per revision. SQLite's DDL is transactional here because the store's
    # engine emits BEGIN IMMEDIATE itself (SQLAlchemy's pysqlite recipe), so say so.
    transactional_ddl=True,
    transaction_per_migration=True,
    render_as_batch=True,  # for autogenerate on SQLite: ALTERs it lacks become table copies
    on_version_apply=[callback] if callback else [],
)
context.run_migrations()
