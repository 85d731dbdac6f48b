"""The store: an SQLAlchemy engine from a path or URL, schema migrations, one transaction per command.

SQLite by default (one file per person in the user data folder, :func:`qjtitle.paths.user_store_path`,
found from any working folder), PostgreSQL where a city's committees share one
store (``postgresql+psycopg://用户:密码@服务器/数据库``). On SQLite the engine follows
SQLAlchemy's documented recipe for real transactions (pysqlite's own transaction
handling is switched off and ``BEGIN IMMEDIATE`` is emitted by us), so DDL in a
migration rolls back with everything else and writers are serialised; foreign keys
are on, the journal is WAL and a locked store is waited on briefly. On PostgreSQL a
lock held by another session is waited on for ``LOCK_TIMEOUT_MS`` and then reported.

The schema is versioned with Alembic (:mod:`qjtitle.store.schema`, revisions in
``qjtitle/store/migrations/versions``); :func:`qjtitle.store.open_store` brings an older store
up to date.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.schema import ColumnCollectionConstraint, Index
from sqlmodel import Session

from qjtitle import models  # noqa: F401 - registers the tables on SQLModel.metadata
from qjtitle.errors import StoreError
from qjtitle.findings import Severity, Step, finding
from qjtitle.paths import DEFAULT_STORE
from qjtitle.store.reading import BUSY_TIMEOUT_MS

LOCK_TIMEOUT_MS = 10000  # PostgreSQL: how long a statement waits for a lock held by another session
MIGRATIONS_TABLE = "_qjtitle_migrations"  # the record of the homemade migrations before Alembic


class StoreMissing(StoreError):
    """A command that only reads (or needs data already there) found no store."""


def missing_store_error(path: Path, source: str = "默认") -> StoreMissing:
    """What to say when there is no store at ``path`` yet, and how to start one: the error, with the
    next steps as findings (the first its fix, the others beside it)."""
    legacy = Path.cwd() / DEFAULT_STORE
    where = {"QJTITLE_DB": "环境变量 QJTITLE_DB 指定的", "默认": "默认的"}.get(
        source, "命令中指定的"
    )
    fact = f"还没有数据库：{where}数据库文件 {path} 不存在（本命令只读取，不会新建数据库）"
    if source == "默认" and legacy.is_file() and legacy != path:
        return StoreMissing(
            finding(
                "store.missing",
                f"{fact}\n当前文件夹里有一个数据库 {legacy}",
                step=Step.ADOPT_STORE,
                hint="把它移到默认位置",
                path=str(path),
                legacy=str(legacy),
            ),
            finding(
                "store.use_legacy",
                "或在本命令中使用它",
                field="db",
                hint=DEFAULT_STORE,
                severity=Severity.NOTE,
            ),
        )
    also = [
        finding(
            "store.import_plan", "或导入年度评审计划", step=Step.IMPORT_PLAN, severity=Severity.NOTE
        ),
        finding("store.demo", "想先看看整个流程", step=Step.DEMO, severity=Severity.NOTE),
    ]
    if source != "默认":
        also.append(
            finding(
                "store.check_path",
                "如果数据在别处，请核对环境变量 QJTITLE_DB 中的路径",
                field="db",
                severity=Severity.NOTE,
            )
        )
    return StoreMissing(
        finding(
            "store.missing",
            fact,
            step=Step.ADD_COMMITTEE,
            hint="开始使用：先新建评委会",
            path=str(path),
        ),
        *also,
    )


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (``sqlite:///file:/x.db?mode=ro&uri=true`` too); None for other stores."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = parsed.database
    if parsed.query.get("uri") and database.startswith("file:"):
        database = database[len("file:") :]
    return Path(database)


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and ``db status``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def is_unique_violation(exc: BaseException, constraint: str) -> bool:
    """Whether ``exc`` is the violation of the unique index or constraint named ``constraint``."""
    if not isinstance(exc, IntegrityError):
        return False
    orig = exc.orig
    diag = getattr(orig, "diag", None)  # psycopg
    if diag is not None and getattr(diag, "constraint_name", None):
        return str(diag.constraint_name) == constraint
    return constraint in str(orig) or _sqlite_unique_columns(constraint, str(orig))


def _sqlite_unique_columns(constraint: str, message: str) -> bool:
    """SQLite names the columns, not the index: ``UNIQUE constraint failed: applicant.year, applicant.person_key``."""
    from sqlmodel import SQLModel

    for table in SQLModel.metadata.tables.values():
        for item in [*table.constraints, *table.indexes]:
            if isinstance(item, ColumnCollectionConstraint | Index) and item.name == constraint:
                columns = ", ".join(f"{table.name}.{c.name}" for c in item.columns)
                return message.endswith(f"UNIQUE constraint failed: {columns}")
    return False


# --- Append-only tables ----------------------------------------------------------
# Evidence is never updated or deleted: the database itself refuses (DESIGN.md). The SQL of
# these triggers is defined here once; the migrations call create_append_only(). The groups
# below are the baseline revision's (0001): a table made append-only later gets a new group,
# created by its own revision, so that the baseline keeps building the same schema.

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
BASELINE_GROUPS = (
    "audit",
    "draw",
    "proceedings",
)  # made by revision 0001; later groups by their own revision
APPEND_ONLY["sealed"] = (
    ("sealed_row", "applicant_correction"),
    "封存记录（封存时认定的申报人、专家及封存后的更正）只能追加，不能修改或删除",
)
APPEND_ONLY["as_held"] = (  # revision 0006
    ("meeting_chair", "meeting_method"),
    "会议记录（主持人、评审方式）只能追加，不能修改或删除；更正请录入新记录并写明理由",
)
NO_NAMED_BALLOTS = (
    "表决为无记名投票，只录入每名申报人的同意、不同意、弃权、废票票数，不记录专家个人的投票"
)


def no_named_ballots_sql(dialect: str) -> list[str]:
    """The statements that make ``ballot`` (a vote tied to an expert) refuse new rows (revision 0006)."""
    if dialect == "sqlite":
        return [
            (
                "CREATE TRIGGER ballot_no_insert BEFORE INSERT ON ballot "
                f"BEGIN SELECT RAISE(ABORT, '{NO_NAMED_BALLOTS}'); END"
            )
        ]
    if dialect == "postgresql":
        function = (
            "CREATE OR REPLACE FUNCTION qjtitle_no_named_ballots() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{NO_NAMED_BALLOTS}' "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        trigger = (
            "CREATE TRIGGER ballot_no_insert BEFORE INSERT ON ballot "
            "FOR EACH ROW EXECUTE FUNCTION qjtitle_no_named_ballots()"
        )
        return [function, trigger]
    raise StoreError(f"不支持的数据库类型 {dialect}；qjtitle 支持 SQLite 和 PostgreSQL")


APPEND_ONLY["way_back"] = (
    ("applicant_withdrawal", "import_undo"),
    "撤回、恢复和撤销导入的记录只能追加，不能修改或删除；要反悔请再登记一次恢复或撤回",
)


def append_only_sql(dialect: str, group: str) -> list[str]:
    """The statements that make the tables of ``group`` refuse UPDATE and DELETE (and TRUNCATE)."""
    tables, message = APPEND_ONLY[group]
    statements = []
    if dialect == "sqlite":
        for table in tables:
            for op in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
    elif dialect == "postgresql":
        function = f"qjtitle_{group}_append_only"
        # SQLSTATE 23000 (integrity_constraint_violation): the driver raises IntegrityError, as on SQLite.
        statements.append(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        for table in tables:
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            statements.append(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    else:
        raise StoreError(f"不支持的数据库类型 {dialect}；qjtitle 支持 SQLite 和 PostgreSQL")
    return statements


def create_append_only(conn: Connection, group: str) -> None:
    for statement in append_only_sql(conn.dialect.name, group):
        conn.exec_driver_sql(statement)


# Applicants and experts are ordinary rows (a corrected workbook updates them) until a sealed
# meeting decides on them: from then on the facts it decided on are frozen (revision 0005).
# A frozen row cannot be deleted, and a frozen fact changes only to a value that a recorded
# correction (applicant_correction, append-only) names; phone numbers and notes stay free.
FROZEN_FACTS = {
    "applicant": (
        "name",
        "id_number",
        "unit",
        "series",
        "specialty",
        "level",
        "title_name",
        "route",
        "status",
    ),
    "expert": ("name", "id_number", "unit", "series", "specialty", "level", "title"),
}
FROZEN_TABLES = ("sealed_row", "applicant_correction")
FROZEN_FACT = "该记录已由封存的评审会议认定，不能修改或删除其认定事项"
FROZEN_MESSAGE = f"{FROZEN_FACT}；确需更正须写明理由另行登记更正"  # raised by the triggers


def _fact_changed(
    table: str, column: str, old: str, new: str, sqlite: bool, require_event: bool = False
) -> str:
    differs = (
        f"{old}.{column} IS NOT {new}.{column}"
        if sqlite
        else f"{old}.{column} IS DISTINCT FROM {new}.{column}"
    )
    if table != "applicant":
        return f"({differs})"
    same = "IS" if sqlite else "IS NOT DISTINCT FROM"
    # revision 0008: the correction counts only with the audit event that wrote it
    about = (
        "json_extract(e.detail, '$.applicant') = c.applicant_id"
        if sqlite
        else "(e.detail->>'applicant') = c.applicant_id::text"
    )
    event = (
        " AND EXISTS (SELECT 1 FROM audit_event e WHERE e.id = c.event_id "
        f"AND e.action = '{CORRECTION_ACTION}' AND {about})"
        if require_event
        else ""
    )
    return (
        f"({differs} AND NOT EXISTS (SELECT 1 FROM applicant_correction c WHERE c.applicant_id = {old}.id "
        f"AND c.fact = '{column}' AND c.new_value {same} {new}.{column}{event}))"
    )


def frozen_sql(dialect: str, require_event: bool = False) -> list[str]:
    """Triggers that keep a sealed meeting's applicants and experts as they were decided on
    (``require_event``, revision 0008: a correction counts only with its audit event)."""
    statements = []
    for table, facts in FROZEN_FACTS.items():
        sqlite = dialect == "sqlite"
        old, new = "OLD", "NEW"
        frozen = (
            f"EXISTS (SELECT 1 FROM sealed_row s WHERE s.kind = '{table}' AND s.row_id = OLD.id)"
        )
        changed = " OR ".join(
            _fact_changed(table, f, old, new, sqlite, require_event) for f in facts
        )
        if sqlite:
            statements.append(
                f"CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN {frozen} AND ({changed}) BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END"
            )
            statements.append(
                f"CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table} FOR EACH ROW "
                f"WHEN {frozen} BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END"
            )
        elif dialect == "postgresql":
            function = f"qjtitle_{table}_frozen"
            statements.append(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {frozen} AND (TG_OP = 'DELETE' OR {changed}) THEN "
                f"RAISE EXCEPTION '{FROZEN_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END IF; "
                "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
            )
            statements.append(
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            statements.append(
                f"CREATE TRIGGER {table}_frozen_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION qjtitle_frozen_truncate()"
            )
        else:
            raise StoreError(f"不支持的数据库类型 {dialect}；qjtitle 支持 SQLite 和 PostgreSQL")
    if dialect == "postgresql":
        statements.insert(
            0,
            (
                "CREATE OR REPLACE FUNCTION qjtitle_frozen_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF EXISTS (SELECT 1 FROM sealed_row) THEN "
                f"RAISE EXCEPTION '{FROZEN_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END IF; "
                "RETURN NULL; END $$"
            ),
        )
    return statements


def create_frozen(conn: Connection, require_event: bool = False) -> None:
    for statement in frozen_sql(conn.dialect.name, require_event):
        conn.exec_driver_sql(statement)


def drop_frozen(conn: Connection) -> None:
    for table in FROZEN_FACTS:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_frozen_update")
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_frozen_delete")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_frozen_truncate ON {table}")


# Rows tied to the audit event that wrote them (revision 0008, store.sealing.TIED): an append-only
# table's row may be updated once, to set its ``event_id`` and ``event_digest`` (the row is
# written, then its event, then the tie), and never otherwise.
CORRECTION_ACTION = "applicant.corrected_after_seal"
TIE_ONCE = "OLD.event_id IS NULL AND NEW.event_id IS NOT NULL"


def tie_once_sql(dialect: str, table: str, columns: list[str], message: str) -> list[str]:
    """Replace ``table``'s append-only UPDATE trigger by one that lets the tie be set once."""
    if dialect == "sqlite":
        same = " AND ".join(
            f"OLD.{c} IS NEW.{c}" for c in columns if c not in ("event_id", "event_digest")
        )
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            (
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"WHEN NOT ({TIE_ONCE} AND {same}) BEGIN SELECT RAISE(ABORT, '{message}'); END"
            ),
        ]
    if dialect == "postgresql":
        rest = "- 'event_id' - 'event_digest'"
        return [
            (
                "CREATE OR REPLACE FUNCTION qjtitle_tied_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP = 'UPDATE' AND {TIE_ONCE} AND (to_jsonb(OLD) {rest}) = (to_jsonb(NEW) {rest}) "
                "THEN RETURN NEW; END IF; "
                "RAISE EXCEPTION '%%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$"
            ),
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            (
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION qjtitle_tied_append_only('{message}')"
            ),
        ]
    raise StoreError(f"不支持的数据库类型 {dialect}；qjtitle 支持 SQLite 和 PostgreSQL")


# --- Engine ----------------------------------------------------------------------


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) through the driver's ``executemany``.

    The statement is compiled once by SQLAlchemy and every value goes through its column type's
    own bind processor, as ``connection.execute(insert(table), rows)`` would do it, but each distinct
    date or time of a column is converted once and SQLAlchemy's per-row parameter handling is
    skipped: on 20,000 applicants that handling cost twice the insert itself. Column defaults are
    not applied: the rows must name every column that has one (ValueError otherwise).
    """
    if not rows:
        return
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    missing = [key for key in order if key not in rows[0]]
    if missing:
        raise ValueError(
            f"bulk_insert into {table.name}: the rows lack {', '.join(missing)} (defaults are not applied)"
        )
    tuples: list[Any] = (
        list(map(itemgetter(*order), rows))
        if len(order) > 1
        else [(row[order[0]],) for row in rows]
    )
    converted = False
    columns: list[Any] = []
    for i, key in enumerate(order):
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:  # most columns (text, numbers) need none
            continue
        if not converted:
            columns, converted = list(zip(*tuples, strict=True)), True
        columns[i] = _convert_column(process, columns[i])
    if converted:
        tuples = list(zip(*columns, strict=True))
    params = tuples if compiled.positional else [dict(zip(order, t, strict=True)) for t in tuples]
    connection.exec_driver_sql(compiled.string, params)


class _Converted(dict):  # type: ignore[type-arg]
    """What a bind processor made of each distinct value (dates and times repeat down a column)."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__()
        self.process = process

    def __missing__(self, value: Any) -> Any:
        self[value] = result = self.process(value)
        return result


def _convert_column(process: Callable[[Any], Any], values: tuple[Any, ...]) -> list[Any]:
    """``process`` applied to every value; each distinct value once when equal values are alike."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    alike = len(kinds) <= 1  # not so for True, 1 and 1.0, which are equal but not written alike
    if (
        alike and kinds and issubclass(kinds.pop(), datetime)
    ):  # nor for one instant in two time zones
        alike = len({v.tzinfo for v in values if v is not None}) <= 1
    if not alike:
        return [process(v) for v in values]
    converted = _Converted(process)
    try:
        return list(map(converted.__getitem__, values))  # the lookups in C
    except TypeError:  # lists or dicts for a JSON column: unhashable, converted one by one
        return [process(v) for v in values]


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgresql_engine(url: str) -> Engine:
    # No pool: a command opens a store once and runs a few transactions, and twenty offices' idle
    # pooled connections would only use up the server's max_connections.
    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        cursor.close()
        dbapi_connection.commit()  # a SET inside the driver's transaction would be undone by the pool's reset

    return engine


def _create_private_file(path: Path) -> None:
    """Create the SQLite file owner-only before SQLite creates it world-readable."""
    if path.exists():
        return
    if not path.parent.is_dir():
        raise StoreError(
            finding(
                "store.no_folder",
                f"数据库所在目录 {path.parent} 不存在",
                field="db",
                hint="指定其他位置，或先创建该目录",
                folder=str(path.parent),
            )
        )
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise StoreError(
            finding(
                "store.cannot_create",
                f"无法在 {path.parent} 新建数据库文件（{exc.strerror}）",
                field="db",
                hint="指定其他位置，或检查该目录的权限和磁盘空间",
                folder=str(path.parent),
            )
        ) from None
    os.close(fd)


class Store:
    """An open store. Use ``with store.transaction() as session:`` once per command."""

    def __init__(self, url: str):
        self.url = url
        self.path = sqlite_path(url)
        self._shared: Session | None = (
            None  # the session of all_or_nothing(), joined by transaction()
        )
        try:
            self.backend = make_url(url).get_backend_name()
            if self.path is not None:
                if make_url(url).query.get("mode") != "ro":
                    _create_private_file(self.path)
                elif not self.path.exists():
                    raise StoreError(
                        finding(
                            "store.not_found",
                            f"找不到数据库文件 {self.path}",
                            field="db",
                            hint="指定正确的路径（或核对环境变量 QJTITLE_DB）",
                            path=str(self.path),
                        )
                    )
                self.engine = _sqlite_engine(url)
            elif self.backend == "postgresql":
                self.engine = _postgresql_engine(url)
            elif self.backend == "sqlite":
                self.engine = _sqlite_engine(url)
            else:
                raise StoreError(
                    f"不支持的数据库 {safe_url(url)}；qjtitle 支持 SQLite 文件和 PostgreSQL（postgresql+psycopg://…）"
                )
        except ArgumentError:
            raise StoreError(
                f"无法识别的数据库地址 {safe_url(url)}；数据库应写成文件路径（如 D:\\职称\\qjtitle.db）"
                "或 postgresql+psycopg://用户:密码@服务器:5432/数据库"
            ) from None
        except ModuleNotFoundError as exc:
            hint = (
                'pip install "qjtitle[pg]"'
                if self.backend == "postgresql"
                else f"pip install {exc.name}"
            )
            raise StoreError(f"连接 {self.backend} 数据库需要安装驱动 {exc.name}：{hint}") from None

    @property
    def directory(self) -> Path | None:
        """The folder of a file store (where calendar and template overrides live)."""
        return self.path.parent if self.path else None

    @property
    def where(self) -> str:
        """The store as messages name it: the file, or the URL without its password."""
        return str(self.path) if self.path else safe_url(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error. Inside
        :meth:`all_or_nothing` it is that one transaction (flushed here, committed there)."""
        if self._shared is not None:
            yield self._shared
            self._shared.flush()
            return
        with translate_db_errors(self), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def all_or_nothing(self) -> Iterator[None]:
        """Several library calls as one transaction (``draw confirm --all-accepted``): every
        :meth:`transaction` inside joins it; any error leaves the store as it was."""
        if self._shared is not None:
            yield
            return
        with self.transaction() as session:
            self._shared = session
            try:
                yield
            finally:
                self._shared = None

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def translate_db_errors(store: Store) -> Iterator[None]:
    """Locked, read-only, full or unreachable stores become a StoreError saying what to do."""
    try:
        yield
    except (OperationalError, sqlite3.OperationalError) as exc:
        raise friendly(store, exc) or StoreError(str(exc)) from None
    except DBAPIError as exc:
        translated = friendly(store, exc, only_known=True)
        if translated is None:
            raise
        raise translated from None


def _sqlstate(exc: Exception) -> str:
    orig = getattr(exc, "orig", exc)
    return str(getattr(orig, "sqlstate", "") or getattr(orig, "pgcode", "") or "")


def friendly(store: Store, exc: Exception, only_known: bool = False) -> StoreError | None:
    """The StoreError for a database error (None, with ``only_known``, when it is not one of the known kinds)."""
    msg = str(getattr(exc, "orig", exc)).lower()
    state = _sqlstate(exc)
    where = store.where
    if "已由封存的评审会议认定" in msg:  # a frozen-fact trigger (FROZEN_MESSAGE, old stores' too)
        return StoreError(
            finding(
                "store.frozen",
                FROZEN_FACT,
                step=Step.CORRECT_APPLICANT,
                hint="确需更正请写明理由",
            )
        )
    if "locked" in msg or "busy" in msg or state in ("55P03", "40P01"):
        wait = BUSY_TIMEOUT_MS if store.backend == "sqlite" else LOCK_TIMEOUT_MS
        return StoreError(
            f"数据库 {where} 正被另一个程序使用（等待 {wait // 1000} 秒后仍未释放）；"
            "请等对方的操作完成或关闭其他正在运行的 qjtitle 后重试（本次操作未写入任何数据）"
        )
    if "readonly" in msg or "read-only" in msg or state == "25006":
        return StoreError(
            finding(
                "store.read_only",
                f"数据库 {where} 是只读的，无法写入（本次操作未写入任何数据）",
                field="db",
                hint="指定可写的位置，或检查文件和所在文件夹的权限",
                where=where,
            )
        )
    if "disk is full" in msg or "no space left" in msg or state in ("53100", "53000"):
        return StoreError(
            f"磁盘已满，无法写入数据库 {where}；请清理磁盘空间后重试（本次操作未写入任何数据）"
        )
    if "unable to open" in msg:
        return StoreError(f"无法打开数据库 {where}；请检查路径和权限")
    if "password authentication failed" in msg or state == "28P01":
        return StoreError(
            f"无法登录数据库服务器 {where}：用户名或密码错误；请向管理员核对 QJTITLE_DB 中的用户名和密码"
        )
    if "too many clients" in msg or state == "53300":
        return StoreError(
            f"数据库服务器 {where} 的连接数已满；请稍后重试，或请管理员调大 max_connections"
        )
    if (
        "connection refused" in msg
        or "could not connect" in msg
        or "connection failed" in msg
        or state.startswith("08")
    ):
        return StoreError(
            finding(
                "store.unreachable",
                f"无法连接数据库服务器 {where}；请确认服务器已启动、地址和端口正确、网络畅通",
                field="db",
                hint="核对地址（或环境变量 QJTITLE_DB）",
                where=where,
            )
        )
    if 'database "' in msg and "does not exist" in msg:
        return StoreError(
            f"数据库服务器上没有 {where} 所指的数据库；请管理员先创建（createdb），或核对地址"
        )
    if only_known:
        return None
    return StoreError(f"数据库 {where} 出错：{exc}")
