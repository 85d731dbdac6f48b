"""Backups of an SQLite store with SQLite's online backup API (restoring one: :mod:`qjtitle.store.restore`).

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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from qjtitle.errors import AlreadyExists, NotFound, StoreError
from qjtitle.findings import Severity, Step, finding
from qjtitle.paths import file_sha256
from qjtitle.store.engine import Store, safe_url
from qjtitle.store.reading import BUSY_TIMEOUT_MS


def _pg_hint(store_url: str, restore: bool = False) -> StoreError:
    url = make_url(store_url)
    database = url.database or "数据库名"
    server: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "database": database,
    }
    if restore:
        return StoreError(
            finding(
                "store.pg_restore",
                f"PostgreSQL 数据库（{safe_url(store_url)}）请由管理员用 pg_restore 恢复：先请各办事机构暂停使用 qjtitle，"
                "用 pg_dump 把现有数据库另存一份，再在一个事务中恢复（失败则不改动）",
                hint="恢复的命令",
                **server,
            ),
            finding(
                "store.verify_after_restore",
                "恢复后请核对审计日志",
                step=Step.VERIFY_AUDIT,
                severity=Severity.NOTE,
            ),
        )
    return StoreError(
        finding(
            "store.pg_backup",
            f"PostgreSQL 数据库（{safe_url(store_url)}）请用服务器的 pg_dump 备份（可加入服务器的每日定时任务）",
            hint="例如",
            **server,
        )
    )


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into ``target`` (a database file, made or overwritten)."""
    with (
        closing(
            sqlite3.connect(
                f"file:{source.as_posix()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
            )
        ) as src,
        closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _check(path: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path.name} 不是可用的 SQLite 数据库（{exc}）；请换一个备份文件"
        ) from None
    if verdict != "ok":
        raise StoreError(f"{path.name} 已损坏（完整性检查：{verdict}）；请换一个备份文件")
    if "audit_event" not in tables:
        raise StoreError(f"{path.name} 不是 qjtitle 的数据库（没有审计日志表）；请换一个备份文件")


def _write_copy(source: Path, target: Path) -> None:
    """Copy into a temporary file beside ``target``, check it, then move it into place (owner-only)."""
    if not target.parent.is_dir():
        raise NotFound(f"备份文件所在的文件夹 {target.parent} 不存在；请先创建")
    try:
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=".qjtitle-backup-", suffix=".tmp"
        )  # mode 0600
        os.close(fd)
    except OSError as exc:
        raise StoreError(
            f"无法在 {target.parent} 写入备份（{exc.strerror or exc}）；请检查文件夹权限和磁盘空间"
        ) from None
    tmp = Path(name)
    try:
        _copy(source, tmp)
        _check(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise StoreError(
            f"无法写入备份 {target}（{exc.strerror or exc}）；请检查文件夹权限和磁盘空间"
        ) from None
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


@dataclass(frozen=True)
class BackupResult:
    file: Path
    size: int  # bytes
    sha256: str


def backup(store: Store, target: Path, force: bool = False) -> BackupResult:
    """Copy the store to ``target``; refuse to overwrite an existing file without ``force``."""
    if store.path is None:
        raise _pg_hint(store.url)
    target = Path(target).expanduser()
    if target.resolve() == store.path.resolve():
        raise StoreError("备份文件不能是数据库文件本身；请换一个文件名")
    if target.exists() and not force:
        raise AlreadyExists(
            finding(
                "store.backup_exists",
                f"备份文件 {target} 已存在",
                field="force",
                hint="确认覆盖",
                path=str(target),
            )
        )
    _write_copy(store.path, target)
    return BackupResult(target, target.stat().st_size, file_sha256(target))


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
