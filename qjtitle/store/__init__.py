"""The store layer: the database engine, its schema and migrations, the append-only audit chain
and the seals that protect it, backups and restores.

Nothing here imports the procedure above it (intake, calendar, experts, meeting, filing);
tests/test_layers.py checks it. Open a store with :func:`open_store` (a command that only reads
hands its work to :func:`read_store`); the engine's names, imported on first use, are re-exported
here so that the layers above write ``from qjtitle.store import Store``. Inside the store layer,
modules import from :mod:`qjtitle.store.engine` itself.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qjtitle.errors import StoreError
from qjtitle.findings import finding
from qjtitle.paths import CALENDAR_FILE_NAME, StoreChoice, make_private_dir, user_store_path
from qjtitle.store.reading import (
    BUSY_TIMEOUT_MS,
    CoreReader,
    Reader,
    quick,
    quick_path,
    resolve_url,
)

if TYPE_CHECKING:
    from qjtitle.store.engine import (
        APPEND_ONLY,
        BASELINE_GROUPS,
        FROZEN_FACTS,
        FROZEN_MESSAGE,
        FROZEN_TABLES,
        LOCK_TIMEOUT_MS,
        MIGRATIONS_TABLE,
        Store,
        StoreMissing,
        append_only_sql,
        bulk_insert,
        create_append_only,
        create_frozen,
        friendly,
        frozen_sql,
        is_unique_violation,
        missing_store_error,
        safe_url,
        sqlite_path,
        translate_db_errors,
    )

__all__ = [
    "APPEND_ONLY",
    "BASELINE_GROUPS",
    "BUSY_TIMEOUT_MS",
    "FROZEN_FACTS",
    "FROZEN_MESSAGE",
    "FROZEN_TABLES",
    "LOCK_TIMEOUT_MS",
    "MIGRATIONS_TABLE",
    "Store",
    "StoreMissing",
    "adopt_store",
    "append_only_sql",
    "bulk_insert",
    "create_append_only",
    "create_frozen",
    "friendly",
    "frozen_sql",
    "is_unique_violation",
    "missing_store_error",
    "open_store",
    "read_store",
    "resolve_url",
    "safe_url",
    "sqlite_path",
    "translate_db_errors",
]


# The engine's names are imported on first use (PEP 562), not with the package: a command that only
# reads an SQLite store (qjtitle.store.reading) never imports SQLAlchemy or builds the models.
_ENGINE_NAMES = frozenset(__all__) - {
    "BUSY_TIMEOUT_MS",
    "adopt_store",
    "open_store",
    "read_store",
    "resolve_url",
}


def __getattr__(name: str) -> Any:
    if name in _ENGINE_NAMES:
        from qjtitle.store import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(db: str | os.PathLike[str] | None = None, upgrade: bool = True) -> Store:
    """Open the store at ``db``, creating it when new and bringing its schema up to date
    (a backup of an SQLite store first; see :mod:`qjtitle.store.schema`). ``upgrade=False`` opens it as it is."""
    from qjtitle.store.engine import (
        Store,
        missing_store_error,
        sqlite_path,
    )

    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        if isinstance(db, StoreChoice) and not db.create:
            raise missing_store_error(path, db.source)
        if path == user_store_path():
            make_private_dir(path.parent)
    store = Store(url)
    if isinstance(db, StoreChoice) and callable(db.on_open):
        db.on_open(store)
    if not upgrade:
        return store
    try:
        from qjtitle.store import schema

        schema.ensure_current(store)
    except BaseException:
        store.close()
        raise
    return store


T = TypeVar("T")


def read_store(source: Store | str | os.PathLike[str] | None, work: Callable[[Reader], T]) -> T:
    """``work`` done on the store ``source`` names (a path or URL, a ``--db`` choice, None for the
    default) in one transaction that only reads: the quick way (:mod:`qjtitle.store.reading`) when
    it can be, else on the store :func:`open_store` opens (created or upgraded as always). On an
    open :class:`Store`, in its transaction. Any error of the quick way sends ``work`` down the
    usual one, which reports what is wrong as it always has."""
    if source is not None and not isinstance(source, str | os.PathLike):
        return read_open(source, work)  # an open Store
    path = quick_path(source)
    if path is not None:
        from qjtitle.store.schema import HEAD, VERSION_TABLE

        try:
            with quick(path, VERSION_TABLE, HEAD) as reader:
                if reader is not None:
                    if isinstance(source, StoreChoice) and callable(source.on_open):
                        source.on_open(None)  # the command's hooks; no Store is made this way
                        # (and not run twice should the usual way below take over)
                        source = StoreChoice(source, source.source, source.create)
                    return work(reader)
        except sqlite3.Error:
            pass  # the usual way below opens the store and reports what is wrong, as always
    store = open_store(source)
    try:
        return read_open(store, work)
    finally:
        store.close()


def read_open(store: Store, work: Callable[[Reader], T]) -> T:
    """``work`` done in a transaction of the open ``store``, through SQLAlchemy Core."""
    with store.transaction() as session:
        return work(CoreReader(session.connection()))


@dataclass(frozen=True)
class AdoptResult:
    """Where ``db adopt`` moved the store (and its calendar file), and the old default kept aside."""

    source: Path
    target: Path
    saved: Path | None
    calendar: Path | None


def adopt_store(source: Path, force: bool = False) -> AdoptResult:
    """Move an SQLite store (an old ``./qjtitle.db``) to the default place, with its calendar file,
    so that every folder finds it. An existing default store is kept beside as a dated copy only
    with ``force``; nothing is moved when anything is in the way."""
    import shutil

    from qjtitle.store.engine import StoreMissing

    source = Path(source).expanduser().resolve()
    target = user_store_path()
    if not source.is_file():
        raise StoreMissing(f"没有找到要移动的数据库文件 {source}；请核对路径")
    with source.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise StoreError(f"{source} 不是 qjtitle 的数据库文件（SQLite）；未移动任何文件")
    if source == target:
        raise StoreError(f"{source} 已经是默认数据库，无须移动")
    from qjtitle.store.restore import check_adoptable

    check_adoptable(source)  # as db restore checks a backup: integrity, schema version, audit chain
    saved = None
    if target.exists():
        if not force:
            raise StoreError(
                finding(
                    "store.adopt_target_exists",
                    f"默认位置已有数据库 {target}；未移动任何文件",
                    field="force",
                    hint=f"确认要用 {source.name} 替换它（原有的会改名保留在同一文件夹）",
                    target=str(target),
                )
            )
        saved = target.with_name(f"{target.name}.before-adopt-{datetime.now():%Y%m%dT%H%M%S}.bak")
        os.replace(target, saved)
    # fold the write-ahead log into the file, so that one file carries everything
    conn = sqlite3.connect(source)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.DatabaseError:
        raise StoreError(
            f"{source} 无法打开（文件可能已损坏或正被使用）；请关闭其他 qjtitle 后重试"
        ) from None
    finally:
        conn.close()
    make_private_dir(target.parent)
    shutil.move(str(source), str(target))
    for suffix in ("-wal", "-shm"):
        Path(f"{source}{suffix}").unlink(missing_ok=True)
    calendar = source.parent / CALENDAR_FILE_NAME
    moved_calendar = None
    if calendar.is_file() and not (target.parent / CALENDAR_FILE_NAME).exists():
        moved_calendar = target.parent / CALENDAR_FILE_NAME
        shutil.move(str(calendar), str(moved_calendar))
    return AdoptResult(source, target, saved, moved_calendar)
