"""Restoring a backup of an SQLite store (made by :mod:`qjtitle.store.backup`).

A restore checks the backup completely (integrity, tables, schema upgrade, audit chain) in a
temporary copy before the live store is touched, then swaps under the store's write lock: the
safety copy and the replacement happen inside one ``BEGIN IMMEDIATE`` transaction, so a write
by another qjtitle either lands before it (and is in the safety copy) or waits and lands after.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from qjtitle.errors import AlreadyExists, NotFound, StoreError
from qjtitle.findings import Severity, Step, finding
from qjtitle.paths import file_sha256
from qjtitle.store import audit, schema
from qjtitle.store.backup import _beside, _check, _copy, _pg_hint, _write_copy
from qjtitle.store.engine import Store, sqlite_path
from qjtitle.store.reading import BUSY_TIMEOUT_MS, resolve_url


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _replace_contents(conn: sqlite3.Connection) -> None:
    """Inside the caller's write transaction: make ``main`` an exact copy of the attached ``src``
    (schema, rows, AUTOINCREMENT counters, user_version). Foreign keys are off (set by the caller)."""
    objects = conn.execute(
        "SELECT type, name FROM main.sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for kind in ("trigger", "view", "table"):  # a table's indexes and triggers go with it
        for t, name in objects:
            if t == kind:
                conn.execute(f"DROP {kind.upper()} IF EXISTS main.{_quote(name)}")
    wanted = conn.execute(
        "SELECT type, name, sql FROM src.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).fetchall()
    for t, name, sql in wanted:
        if t == "table":
            conn.execute(sql)  # unqualified: created in main
            conn.execute(f"INSERT INTO main.{_quote(name)} SELECT * FROM src.{_quote(name)}")
    if conn.execute("SELECT 1 FROM src.sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        conn.execute("DELETE FROM main.sqlite_sequence")
        conn.execute("INSERT INTO main.sqlite_sequence SELECT * FROM src.sqlite_sequence")
    for kind in ("index", "view", "trigger"):
        for t, _name, sql in wanted:
            if t == kind:
                conn.execute(sql)
    version = conn.execute("PRAGMA src.user_version").fetchone()[0]
    conn.execute(f"PRAGMA main.user_version = {int(version)}")
    problems = conn.execute("PRAGMA main.foreign_key_check").fetchall()
    if problems:
        raise StoreError(
            f"备份中有 {len(problems)} 行的关联记录缺失（外键检查未通过）；没有改动当前数据库，请换一个备份文件"
        )


def _swap(target: Path, staging: Path, saved: Path | None) -> None:
    """Under the store's write lock, for the whole swap: the safety copy of ``target`` (to ``saved``)
    and the replacement of its contents with ``staging``'s, in one transaction. A writer waits (its busy
    timeout) or is told the store is busy; a write it saw committed is in the safety copy or stays."""
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("ATTACH DATABASE ? AS src", (str(staging),))
        conn.execute(
            "BEGIN IMMEDIATE"
        )  # the write lock: no other writer commits until COMMIT below
        try:
            if saved is not None:
                _write_copy(
                    target, saved
                )  # a reader's snapshot: the last commit, which nobody can follow now
            _replace_contents(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("DETACH DATABASE src")
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise StoreError(
                f"数据库 {target} 正被另一个程序写入（等待 {BUSY_TIMEOUT_MS // 1000} 秒后仍未释放）；"
                "请等对方的操作完成或关闭其他正在运行的 qjtitle 后重试（当前数据库没有改动）"
            ) from None
        raise StoreError(
            f"无法恢复到 {target}（{exc}）；当前数据库没有改动，请检查磁盘空间和权限后重试"
        ) from None
    finally:
        conn.close()


def _stage(source: Path, target: Path) -> Path:
    """A checked copy of the backup beside ``target`` (same file system), brought to the current schema."""
    try:
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=".qjtitle-restore-", suffix=".tmp"
        )  # 0600
        os.close(fd)
    except OSError as exc:
        raise StoreError(
            f"无法在 {target.parent} 写入临时文件（{exc.strerror or exc}）；请检查文件夹权限和磁盘空间"
        ) from None
    staging = Path(name)
    try:
        _copy(source, staging)
        _check(staging)
    except BaseException:
        _remove_staging(staging)
        raise
    return staging


def _remove_staging(staging: Path) -> None:
    for leftover in (
        staging,
        *(staging.with_name(staging.name + s) for s in ("-journal", "-wal", "-shm")),
    ):
        leftover.unlink(missing_ok=True)


@dataclass(frozen=True)
class RestoreResult:
    store: Path
    saved: Path | None  # the replaced store, kept aside
    events: int  # in the audit log after the restore (its own event included)
    chain_ok: bool


def restore(
    db: str | os.PathLike[str] | None,
    source: Path,
    force: bool = False,
    reason: str = "",
    user: str | None = None,
) -> RestoreResult:
    """Replace the store at ``db`` with the backup ``source``.

    Nothing of the live store is touched until the backup has passed every check: SQLite's integrity
    check, the qjtitle tables, the upgrade to the current schema and the audit chain (a broken chain
    is refused unless ``force`` with a ``reason``, which is recorded). A store that holds data is
    replaced only with ``force``. The swap then runs under the store's write lock from the safety
    copy (``qjtitle.db.before-restore-….bak``) to the last row copied, so no write made meanwhile by
    another qjtitle is lost: it is either in the safety copy or waits and lands in the restored store.
    The restore is recorded as an event inside the restored store, in the same transaction."""
    url = resolve_url(db)
    target = sqlite_path(url)
    if target is None:
        raise _pg_hint(url, restore=True)
    source = Path(source).expanduser()
    if not source.is_file():
        raise NotFound(f"找不到备份文件 {source}")
    if target.exists() and source.resolve() == target.resolve():
        raise StoreError("备份文件就是当前数据库文件本身；请指定另一个备份文件")
    _check(source)
    has_data = target.exists() and target.stat().st_size > 0
    if has_data and not force:
        raise AlreadyExists(
            finding(
                "store.restore_over_data",
                f"数据库 {target} 已有数据；恢复会替换其全部内容（现有数据库会先另存一份）",
                field="force",
                hint="确认恢复",
                path=str(target),
            )
        )
    if not target.parent.is_dir():
        raise NotFound(f"数据库所在目录 {target.parent} 不存在；请先创建该目录")
    reason = (reason or "").strip()
    staging = _stage(source, target)
    try:
        prepared = Store(f"sqlite:///{staging.as_posix()}")
        try:
            schema.upgrade(prepared, backup=False)
            chain = audit.verify_store(prepared)
            if not chain.ok and not (force and reason):
                raise StoreError(
                    finding(
                        "store.restore_broken_chain",
                        f"备份 {source.name} 的审计日志不完整：{chain.message}。当前数据库没有改动。"
                        "请换一个备份",
                        file=source.name,
                    ),
                    finding(
                        "store.restore_force",
                        "如确要使用这份备份，须确认",
                        field="force",
                        hint="确认",
                        severity=Severity.NOTE,
                    ),
                    finding(
                        "store.restore_reason",
                        "并写明原因（原因将记入审计日志）",
                        field="reason",
                        hint="写明原因",
                        severity=Severity.NOTE,
                    ),
                )
            saved = _beside(target, "before-restore") if has_data else None
            with prepared.transaction() as session:
                audit.record(
                    session,
                    "db restore",
                    "db.restored",
                    {
                        "from": source.name,
                        "sha256": file_sha256(source),
                        "saved": saved.name if saved else None,
                        "events_before": chain.count,
                        **(
                            {"chain_broken": chain.message, "reason": reason}
                            if not chain.ok
                            else {}
                        ),
                        **({"reason": reason} if reason else {}),
                    },
                    user=user,
                )
        finally:
            prepared.close()
        with closing(sqlite3.connect(staging)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")  # its WAL folded in: one file to attach
        if not target.exists():
            Store(url).close()  # creates the file owner-only
        _swap(target, staging, saved)
    finally:
        _remove_staging(staging)
    return RestoreResult(target, saved, chain.count + 1, chain.ok)


def check_adoptable(source: Path) -> None:
    """Check a store about to be adopted (``db adopt``) as ``db restore`` checks a backup, in a temporary
    copy: SQLite's integrity check, the qjtitle tables, a schema version this qjtitle knows (the copy is
    brought to the current schema) and an intact audit chain. Raises StoreError naming what is wrong;
    the store itself is not touched."""
    _check(source)
    try:
        fd, name = tempfile.mkstemp(prefix=".qjtitle-adopt-", suffix=".tmp")  # 0600
        os.close(fd)
    except OSError as exc:
        raise StoreError(
            f"无法写入临时文件以检查 {source.name}（{exc.strerror or exc}）；请检查磁盘空间"
        ) from None
    staging = Path(name)
    try:
        _copy(source, staging)
        prepared = Store(f"sqlite:///{staging.as_posix()}")
        try:
            schema.upgrade(prepared, backup=False)
            chain = audit.verify_store(prepared)
        finally:
            prepared.close()
        if not chain.ok:
            raise StoreError(
                finding(
                    "store.adopt_broken_chain",
                    f"{source.name} 的审计日志不完整：{chain.message}；未移动任何文件。"
                    "请改用完好的数据库或备份",
                    step=Step.RESTORE_STORE,
                    hint="恢复备份",
                    file=source.name,
                )
            )
    finally:
        _remove_staging(staging)
