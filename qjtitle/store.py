"""The store: an SQLAlchemy engine from a path or URL, migrations, one transaction per command.

SQLite by default (``./qjtitle.db``), PostgreSQL where a city shares one store.
On SQLite the engine follows SQLAlchemy's documented recipe for real transactions
(pysqlite's own transaction handling is switched off and ``BEGIN`` is emitted by
us), so DDL in a migration rolls back with everything else; foreign keys are on,
the journal is WAL and a locked store is waited on briefly.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, SQLModel

from qjtitle import models  # noqa: F401 - registers the tables on SQLModel.metadata
from qjtitle.errors import StoreError
from qjtitle.paths import DEFAULT_STORE, STORE_ENV

BUSY_TIMEOUT_MS = 5000
MIGRATIONS_TABLE = "_qjtitle_migrations"


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """``db`` (a path or an SQLAlchemy URL), else ``$QJTITLE_DB``, else ``./qjtitle.db``, as a URL."""
    value = str(db) if db not in (None, "") else os.environ.get(STORE_ENV) or DEFAULT_STORE
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve().as_posix()}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


# --- Migrations ------------------------------------------------------------------
# Ordered, named functions on a Connection, each applied once in its own transaction
# and recorded in _qjtitle_migrations (the pattern of llm/migrations.py).

MIGRATIONS: list[Callable[[Connection], None]] = []
migration = MIGRATIONS.append


# Evidence is never updated or deleted: the database itself refuses (DESIGN.md).
APPEND_ONLY = {
    "audit": (("audit_event",), "审计日志只能追加，不能修改或删除"),
    "draw": (
        ("draw_record", "draw_pick", "draw_answer", "draw_replacement", "draw_signature"),
        "抽取记录只能追加，不能修改或删除；重新抽取请新建记录并注明所作废的记录和理由",
    ),
    "proceedings": (
        ("attendance", "review_assignment", "review", "ballot", "ballot_count", "meeting_seal"),
        "会议记录（签到、审阅安排、评议、投票、封存）只能追加，不能修改或删除；更正请录入新记录并写明理由",
    ),
}
DRAW_TABLES, DRAW_APPEND_ONLY = APPEND_ONLY["draw"]


def _append_only(conn: Connection, name: str, tables: tuple[str, ...], message: str) -> None:
    if conn.dialect.name == "sqlite":
        for table in tables:
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
    elif conn.dialect.name == "postgresql":
        function = f"qjtitle_{name}_append_only"
        conn.exec_driver_sql(
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        for table in tables:
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


@migration
def m001_initial(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)
    for name, (tables, message) in APPEND_ONLY.items():
        _append_only(conn, name, tables, message)


SCHEMA_VERSION = len(MIGRATIONS)


def _applied(conn: Connection) -> set[str]:
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (name VARCHAR(200) PRIMARY KEY, applied_at VARCHAR(40))"
    )
    return {row[0] for row in conn.exec_driver_sql(f"SELECT name FROM {MIGRATIONS_TABLE}")}


def migrate(engine: Engine) -> list[str]:
    """Apply the pending migrations, each in one transaction; return their names."""
    with engine.begin() as conn:
        done = _applied(conn)
    applied = []
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with engine.begin() as conn:
            fn(conn)
            conn.execute(
                text(f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (:n, :t)"),
                {"n": fn.__name__, "t": datetime.now(UTC).isoformat()},
            )
        applied.append(fn.__name__)
    return applied


def schema_status(engine: Engine) -> tuple[list[str], list[str]]:
    """(applied, pending) migration names."""
    with engine.begin() as conn:
        done = _applied(conn)
    names = [fn.__name__ for fn in MIGRATIONS]
    return [n for n in names if n in done], [n for n in names if n not in done]


# --- Engine ----------------------------------------------------------------------


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_private_file(path: Path) -> None:
    """Create the SQLite file owner-only before SQLite creates it world-readable."""
    if path.exists():
        return
    if not path.parent.is_dir():
        raise StoreError(f"数据库所在目录 {path.parent} 不存在；请先创建该目录，或用 --db 指定其他位置")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Store:
    """An open store. Use ``with store.transaction() as session:`` once per command."""

    def __init__(self, url: str):
        self.url = url
        self.path = sqlite_path(url)
        try:
            if self.path is not None:
                _create_private_file(self.path)
                self.engine = _sqlite_engine(url)
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
        except ArgumentError as exc:
            raise StoreError(f"无法识别的数据库地址 {url}：{exc}") from None
        except ModuleNotFoundError as exc:
            raise StoreError(f"连接 {make_url(url).get_backend_name()} 需要安装驱动 {exc.name}：pip install {exc.name}") from None

    @property
    def directory(self) -> Path | None:
        """The folder of a file store (where calendar and template overrides live)."""
        return self.path.parent if self.path else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with _translate_db_errors(self), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def _translate_db_errors(store: Store) -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise _friendly(store, exc) from None
    except sqlite3.OperationalError as exc:
        raise _friendly(store, exc) from None


def _friendly(store: Store, exc: Exception) -> StoreError:
    msg = str(exc).lower()
    where = store.path or store.url
    if "locked" in msg or "busy" in msg:
        return StoreError(f"数据库 {where} 正被另一个程序使用（等待 {BUSY_TIMEOUT_MS // 1000} 秒后仍未释放）；请关闭其他正在运行的 qjtitle 后重试")
    if "readonly" in msg or "read-only" in msg:
        return StoreError(f"数据库 {where} 是只读的；请检查文件权限，或用 --db 指定可写的位置")
    if "disk is full" in msg or "full" in msg:
        return StoreError(f"磁盘已满，无法写入数据库 {where}；请清理磁盘空间后重试（本次操作未写入任何数据）")
    if "unable to open" in msg:
        return StoreError(f"无法打开数据库 {where}；请检查路径和权限")
    return StoreError(f"数据库 {where} 出错：{exc}")


def open_store(db: str | os.PathLike[str] | None = None) -> Store:
    """Open (creating and migrating when needed) the store at ``db``."""
    store = Store(resolve_url(db))
    try:
        with _translate_db_errors(store):
            migrate(store.engine)
    except Exception:
        store.close()
        raise
    return store
