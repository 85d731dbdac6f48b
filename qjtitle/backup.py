"""Backups of an SQLite store with SQLite's online backup API, and restoring one.

The copy is consistent even while another qjtitle writes (the API copies a snapshot,
WAL included), is checked with ``PRAGMA integrity_check``, and is created owner-only
(0600), like the store. A PostgreSQL store is backed up with the server's own tools:
the error says which command to run.

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
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from qjtitle.errors import AlreadyExists, NotFound, StoreError
from qjtitle.paths import file_sha256
from qjtitle.store import BUSY_TIMEOUT_MS, Store, resolve_url, safe_url, sqlite_path


def _pg_hint(store_url: str, restore: bool = False) -> StoreError:
    url = make_url(store_url)
    where = " ".join(
        part for part in (f"-h {url.host}" if url.host else "", f"-p {url.port}" if url.port else "",
                          f"-U {url.username}" if url.username else "") if part
    )
    database = url.database or "数据库名"
    if restore:
        return StoreError(
            f"PostgreSQL 数据库（{safe_url(store_url)}）请由管理员用 pg_restore 恢复：先请各办事机构暂停使用 qjtitle，"
            f"用 pg_dump 把现有数据库另存一份，再运行 pg_restore {where} --clean --if-exists --single-transaction "
            f"-d {database} 备份.dump（一个事务，失败则不改动）；恢复后运行 qjtitle audit verify 核对审计日志"
        )
    return StoreError(
        f"PostgreSQL 数据库（{safe_url(store_url)}）请用服务器的 pg_dump 备份，例如："
        f"pg_dump {where} -Fc -f qjtitle-备份.dump {database}；可加入服务器的每日定时任务"
    )


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into ``target`` (a database file, made or overwritten)."""
    with closing(sqlite3.connect(f"file:{source.as_posix()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as src, closing(
        sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
    ) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _check(path: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path.name} 不是可用的 SQLite 数据库（{exc}）；请换一个备份文件") from None
    if verdict != "ok":
        raise StoreError(f"{path.name} 已损坏（完整性检查：{verdict}）；请换一个备份文件")
    if "audit_event" not in tables:
        raise StoreError(f"{path.name} 不是 qjtitle 的数据库（没有审计日志表）；请换一个备份文件")


def _write_copy(source: Path, target: Path) -> None:
    """Copy into a temporary file beside ``target``, check it, then move it into place (owner-only)."""
    if not target.parent.is_dir():
        raise NotFound(f"备份文件所在的文件夹 {target.parent} 不存在；请先创建")
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=".qjtitle-backup-", suffix=".tmp")  # mode 0600
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"无法在 {target.parent} 写入备份（{exc.strerror or exc}）；请检查文件夹权限和磁盘空间") from None
    tmp = Path(name)
    try:
        _copy(source, tmp)
        _check(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise StoreError(f"无法写入备份 {target}（{exc.strerror or exc}）；请检查文件夹权限和磁盘空间") from None
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "full" in text:
            raise StoreError(f"磁盘已满，无法写入备份 {target}；请清理磁盘空间后重试") from None
        if "locked" in text or "busy" in text:
            raise StoreError(f"数据库 {source} 正被另一个程序长时间写入；请稍后重试备份") from None
        raise StoreError(f"备份失败（{exc}）；请检查文件夹权限和磁盘空间") from None
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)
    if os.name == "posix":
        target.chmod(0o600)


def backup(store: Store, target: Path, force: bool = False) -> dict[str, Any]:
    """Copy the store to ``target``; refuse to overwrite an existing file without ``force``."""
    if store.path is None:
        raise _pg_hint(store.url)
    target = Path(target).expanduser()
    if target.resolve() == store.path.resolve():
        raise StoreError("备份文件不能是数据库文件本身；请换一个文件名")
    if target.exists() and not force:
        raise AlreadyExists(f"备份文件 {target} 已存在；如确要覆盖请加 --force")
    _write_copy(store.path, target)
    return {"file": str(target), "size": target.stat().st_size, "sha256": file_sha256(target)}


def _beside(path: Path, label: str) -> Path:
    """An unused name beside ``path``: ``qjtitle.db.before-0002-20231120T093000.bak``."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.{label}-{stamp}.bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}.bak")
    return target


def auto_backup(store: Store, label: str) -> Path:
    """The copy taken before a schema upgrade: ``qjtitle.db.before-0002-20231120T093000.bak`` beside the store."""
    assert store.path is not None
    target = _beside(store.path, label)
    _write_copy(store.path, target)
    return target


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _replace_contents(conn: sqlite3.Connection) -> None:
    """Inside the caller's write transaction: make ``main`` an exact copy of the attached ``src``
    (schema, rows, AUTOINCREMENT counters, user_version). Foreign keys are off (set by the caller)."""
    objects = conn.execute("SELECT type, name FROM main.sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
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
        raise StoreError(f"备份中有 {len(problems)} 行的关联记录缺失（外键检查未通过）；没有改动当前数据库，请换一个备份文件")


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
        conn.execute("BEGIN IMMEDIATE")  # the write lock: no other writer commits until COMMIT below
        try:
            if saved is not None:
                _write_copy(target, saved)  # a reader's snapshot: the last commit, which nobody can follow now
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
        raise StoreError(f"无法恢复到 {target}（{exc}）；当前数据库没有改动，请检查磁盘空间和权限后重试") from None
    finally:
        conn.close()


def _stage(source: Path, target: Path) -> Path:
    """A checked copy of the backup beside ``target`` (same file system), brought to the current schema."""
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=".qjtitle-restore-", suffix=".tmp")  # 0600
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"无法在 {target.parent} 写入临时文件（{exc.strerror or exc}）；请检查文件夹权限和磁盘空间") from None
    staging = Path(name)
    try:
        _copy(source, staging)
        _check(staging)
    except BaseException:
        _remove_staging(staging)
        raise
    return staging


def _remove_staging(staging: Path) -> None:
    for leftover in (staging, *(staging.with_name(staging.name + s) for s in ("-journal", "-wal", "-shm"))):
        leftover.unlink(missing_ok=True)


def restore(
    db: str | os.PathLike[str] | None, source: Path, force: bool = False, reason: str = "", user: str | None = None
) -> dict[str, Any]:
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
        raise AlreadyExists(f"数据库 {target} 已有数据；恢复会替换其全部内容，如确要恢复请加 --force（现有数据库会先另存一份）")
    if not target.parent.is_dir():
        raise NotFound(f"数据库所在目录 {target.parent} 不存在；请先创建该目录")
    reason = (reason or "").strip()
    staging = _stage(source, target)
    try:
        from qjtitle import audit, schema

        prepared = Store(f"sqlite:///{staging.as_posix()}")
        try:
            schema.upgrade(prepared, backup=False)
            chain = audit.verify_store(prepared)
            if not chain.ok and not (force and reason):
                raise StoreError(
                    f"备份 {source.name} 的审计日志不完整：{chain.message}。当前数据库没有改动。"
                    "请换一个备份；如确要使用这份备份，请加 --force --reason \"原因\"（原因将记入审计日志）"
                )
            saved = _beside(target, "before-restore") if has_data else None
            with prepared.transaction() as session:
                audit.record(
                    session, "db restore", "db.restored",
                    {"from": source.name, "sha256": file_sha256(source), "saved": saved.name if saved else None,
                     "events_before": chain.count,
                     **({"chain_broken": chain.message, "reason": reason} if not chain.ok else {}),
                     **({"reason": reason} if reason else {})},
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
    return {"store": str(target), "saved": str(saved) if saved else None, "events": chain.count + 1,
            "chain_ok": chain.ok}
