"""Backups (SQLite online backup API, owner-only, checked) and restores (refused without --force, the
current store saved first, the restore recorded); PostgreSQL stores get the pg_dump / pg_restore command."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from qjtitle import committees
from qjtitle.errors import AlreadyExists, StoreError
from qjtitle.store import Store, audit, backup, open_store, restore

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def codes(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT code FROM committee ORDER BY code")]
    finally:
        conn.close()


def test_backup_copies_a_store_in_use(store, committee, tmp_path: Path) -> None:
    with store.transaction() as session:  # another reader holds the store open meanwhile
        target = tmp_path / "备份" / "qjtitle-20231120.db"
        target.parent.mkdir()
        info = backup.backup(store, target)
        assert session is not None
    assert info.file == target and info.size == target.stat().st_size > 0
    assert codes(target) == ["QJ-WS-ZJ"]
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "qjtitle-20231120.db"
    ]  # no temporary files left
    copy = open_store(target)
    try:
        assert audit.verify_store(copy).ok
    finally:
        copy.close()


@posix_only
def test_a_backup_is_owner_only(store, committee, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    backup.backup(store, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_backup_refuses_to_overwrite_without_force(store, committee, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    target.write_bytes(b"keep me")
    with pytest.raises(AlreadyExists, match=f"备份文件 {target} 已存在") as refused:
        backup.backup(store, target)
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "force"
    assert target.read_bytes() == b"keep me"
    backup.backup(store, target, force=True)
    assert codes(target) == ["QJ-WS-ZJ"]
    with pytest.raises(StoreError, match="备份文件不能是数据库文件本身"):
        backup.backup(store, store.path, force=True)


def test_restore_refuses_without_force_then_saves_the_current_store_first(
    store, committee, db_path, tmp_path: Path
) -> None:
    target = tmp_path / "b.db"
    backup.backup(store, target)
    committees.add(store, "QJ-GC-ZJ", "工程中级", "中级", "工程")  # made after the backup
    store.close()
    with pytest.raises(
        AlreadyExists, match=f"数据库 {db_path} 已有数据；恢复会替换其全部内容"
    ) as refused:
        restore.restore(db_path, target)
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "force"
    assert codes(db_path) == ["QJ-GC-ZJ", "QJ-WS-ZJ"]
    info = restore.restore(db_path, target, force=True)
    assert codes(db_path) == ["QJ-WS-ZJ"]
    saved = Path(str(info.saved))
    assert saved.name.startswith("qjtitle.db.before-restore-") and codes(saved) == [
        "QJ-GC-ZJ",
        "QJ-WS-ZJ",
    ]
    restored = open_store(db_path)
    try:
        events = audit.list_events(restored)
        assert [e.action for e in events] == ["committee.created", "db.restored"]
        assert events[-1].detail["from"] == "b.db" and events[-1].detail["saved"] == saved.name
        assert audit.verify_store(restored).ok
    finally:
        restored.close()


def test_restore_into_a_new_store(store, committee, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    backup.backup(store, target)
    fresh = tmp_path / "new" / "q.db"
    fresh.parent.mkdir()
    info = restore.restore(fresh, target)
    assert info.saved is None and codes(fresh) == ["QJ-WS-ZJ"]
    if os.name == "posix":
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_restore_refuses_what_is_not_a_qjtitle_backup(tmp_path: Path, db_path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="junk.db 不是可用的 SQLite 数据库"):
        restore.restore(db_path, junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(
        StoreError, match="other.db 不是 qjtitle 的数据库（没有审计日志表）；请换一个备份文件"
    ):
        restore.restore(db_path, other)
    assert not db_path.exists()


def test_postgresql_stores_get_the_server_tools_command() -> None:
    store = Store("postgresql+psycopg://qj:secret@db.example:5433/qjtitle")  # no connection is made
    from qjtitle.cli._errors import message_for

    with pytest.raises(StoreError) as info:
        backup.backup(store, Path("x.db"))
    assert message_for(info.value) == (
        (
            "PostgreSQL 数据库（postgresql+psycopg://qj:***@db.example:5433/qjtitle）请用服务器的 pg_dump 备份"
            "（可加入服务器的每日定时任务）；例如：pg_dump -h db.example -p 5433 -U qj -Fc -f qjtitle-备份.dump qjtitle"
        ),
        1,
    )
    assert "pg_dump -h" not in str(info.value)  # the server's command is spelled by the CLI
    with pytest.raises(StoreError) as info:
        restore.restore("postgresql+psycopg://qj:secret@db.example:5433/qjtitle", Path(__file__))
    told = message_for(info.value)
    assert told is not None
    assert (
        "恢复的命令：pg_restore -h db.example -p 5433 -U qj --clean --if-exists --single-transaction -d qjtitle 备份.dump"
        in told[0]
    )
    assert told[0].endswith("恢复后请核对审计日志；请运行 qjtitle audit verify")


def test_cli_backup_and_restore(cli, committee, db_path, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    result = cli("db", "backup", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"已备份到 {target}（") and "完整性检查通过" in result.stdout
    result = cli("db", "backup", str(target))
    assert result.exit_code == 1 and "已存在；请用 --force 确认覆盖" in result.stderr
    result = cli("db", "restore", str(target))
    assert result.exit_code == 1 and "请用 --force 确认恢复" in result.stderr
    result = cli("--as", "李老师", "db", "restore", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert (
        "原数据库已另存为" in result.stdout
        and f"已从 {target} 恢复到 {db_path}（审计日志 2 条，哈希链完整）" in result.stdout
    )


# --- issue 15, item 5: a refused backup touches nothing; the swap holds the write lock ---------------


def tampered_backup(store, tmp_path: Path) -> Path:
    """A backup whose audit log was edited afterwards (the append-only triggers dropped first)."""
    target = tmp_path / "tampered.db"
    backup.backup(store, target)
    conn = sqlite3.connect(target)
    conn.execute("DROP TRIGGER audit_event_no_update")
    conn.execute('UPDATE audit_event SET detail = \'{"code": "X"}\' WHERE id = 1')
    conn.commit()
    conn.close()
    return target


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_restore_refuses_a_broken_audit_chain_without_touching_the_store(
    store, committee, db_path, tmp_path: Path
) -> None:
    (tmp_path / "bk").mkdir()
    bad = tampered_backup(store, tmp_path / "bk")
    committees.add(store, "QJ-GC-ZJ", "工程中级", "中级", "工程")
    store.close()
    before = folder_state(db_path.parent)
    with pytest.raises(StoreError) as info:
        restore.restore(db_path, bad, force=True)
    assert "tampered.db 的审计日志不完整：第1号事件" in str(
        info.value
    ) and "当前数据库没有改动" in str(info.value)
    assert [f.fix.field for f in info.value.also if f.fix] == ["force", "reason"]
    assert (
        folder_state(db_path.parent) == before
    )  # no safety copy, no temporary file, the store as it was
    with pytest.raises(StoreError, match="审计日志不完整"):
        restore.restore(db_path, bad, force=True, reason="   ")
    assert folder_state(db_path.parent) == before
    info2 = restore.restore(db_path, bad, force=True, reason="唯一的备份，日志第1条曾被误改")
    assert info2.chain_ok is False and codes(db_path) == ["QJ-WS-ZJ"]
    restored = open_store(db_path)
    try:
        event = audit.list_events(restored)[-1]
        assert (
            event.action == "db.restored"
            and event.detail["reason"] == "唯一的备份，日志第1条曾被误改"
        )
        assert "第1号事件" in event.detail["chain_broken"]
    finally:
        restored.close()
    assert not [p for p in db_path.parent.iterdir() if p.name.startswith(".qjtitle-restore-")]


def test_cli_restore_needs_a_reason_for_a_broken_chain(
    cli, store, committee, db_path, tmp_path: Path
) -> None:
    bad = tampered_backup(store, tmp_path)
    store.close()
    result = cli("db", "restore", str(bad), "--force")
    assert (
        result.exit_code == 1
        and "审计日志不完整" in result.stderr
        and "Traceback" not in result.output
    )
    result = cli("db", "restore", str(bad), "--force", "--reason", "经主任同意")
    assert result.exit_code == 0, result.output
    assert "哈希链不完整，已按--reason强制恢复并记入审计日志" in "".join(result.stdout.split())


WRITER = r"""
import sys, time
from qjtitle.store import audit
from qjtitle.errors import StoreError
from qjtitle.store import open_store

store = open_store(sys.argv[1])
log = open(sys.argv[2], "a", encoding="utf-8")
stop = time.monotonic() + float(sys.argv[3])
n = 0
while time.monotonic() < stop:
    n += 1
    try:
        with store.transaction() as session:
            audit.record(session, "test", "test.write", {"n": n})
    except StoreError:
        continue  # busy: not committed, not logged
    log.write(f"{n}\n")
    log.flush()
store.close()
"""


def written(path: Path) -> set[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            int(r[0])
            for r in conn.execute(
                "SELECT json_extract(detail, '$.n') FROM audit_event WHERE action = 'test.write'"
            )
        }
    finally:
        conn.close()


def test_restore_under_a_concurrent_writer_loses_nothing(
    store, committee, db_path, tmp_path: Path
) -> None:
    import subprocess
    import sys
    import time

    source = tmp_path / "b.db"
    backup.backup(store, source)
    store.close()
    log = tmp_path / "writes.log"
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    writer = subprocess.Popen([sys.executable, str(script), str(db_path), str(log), "12"])
    try:
        while not log.exists() or not log.read_text():
            time.sleep(0.05)
        saved = []
        for _ in range(4):
            info = restore.restore(db_path, source, force=True)
            saved.append(Path(str(info.saved)))
            time.sleep(0.3)
    finally:
        assert writer.wait(timeout=120) == 0
    committed = {int(x) for x in log.read_text().split()}
    kept = written(db_path).union(*(written(p) for p in saved))
    assert len(committed) > 10
    assert committed - kept == set()  # every write the writer saw committed survives somewhere
    final = open_store(db_path)
    try:
        assert audit.verify_store(final).ok
    finally:
        final.close()


# --- issue 23, item 5: db adopt checks a store as db restore checks a backup ---------------------------


def test_adopt_refuses_a_store_with_a_broken_audit_chain_and_moves_nothing(
    store, tmp_path: Path
) -> None:
    from qjtitle.store import adopt_store, user_store_path

    committees.add(store, "QJ-A", "甲评委会", "中级", "卫生")
    (tmp_path / "old").mkdir()
    bad = tampered_backup(store, tmp_path / "old")
    before = bad.read_bytes()
    with pytest.raises(StoreError, match="tampered.db 的审计日志不完整：第1号事件.*未移动任何文件"):
        adopt_store(bad)
    assert bad.read_bytes() == before and not user_store_path().exists()


def test_adopt_refuses_a_store_of_an_unknown_schema_version(store, tmp_path: Path) -> None:
    from qjtitle.store import adopt_store, user_store_path

    newer = tmp_path / "old" / "newer.db"
    newer.parent.mkdir()
    backup.backup(store, newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE qjtitle_alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="数据库的版本 9999 比本程序认识的最新版本"):
        adopt_store(newer)
    assert newer.is_file() and not user_store_path().exists()


def test_adopt_moves_a_sound_store(store, tmp_path: Path) -> None:
    from qjtitle.store import adopt_store, user_store_path

    committees.add(store, "QJ-A", "甲评委会", "中级", "卫生")
    good = tmp_path / "old" / "qjtitle.db"
    good.parent.mkdir()
    backup.backup(store, good)
    result = adopt_store(good)
    assert result.target == user_store_path() and user_store_path().is_file() and not good.exists()
