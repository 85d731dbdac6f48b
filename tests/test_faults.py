"""Faults: an import killed mid-transaction (SIGKILL), a full disk, a read-only store, a store locked by
another process. Each ends with the store exactly as it was, still usable, and a Chinese message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from qjtitle import idcard
from qjtitle import store as store_mod
from qjtitle.errors import StoreError
from qjtitle.intake.applicants import import_applicants
from qjtitle.store import audit, engine, open_store
from tests.conftest import LABELS, applicant_row

posix_only = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and file modes are POSIX")


def big_roster(path: Path, rows: int, first: int = 0) -> Path:
    """A roster of ``rows`` valid, distinct applicants, written fast (openpyxl's write-only mode)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(LABELS)
    for i in range(first, first + rows):
        number = idcard.make(
            "530302", date(1970, 1, 1) + timedelta(days=i // 400), 100 + i % 400 * 2
        )
        row = applicant_row(
            序号=i + 1,
            姓名=f"申报人{i}",
            身份证号码=number,
            出生年月=f"{1970 + i // 400 // 365}.01",
            性别=idcard.gender_of(number),
        )
        row["出生年月"] = None  # the ID number says it; not every roster fills it
        ws.append([row.get(h) for h in LABELS])
    wb.save(path)
    return path


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("applicant", "import_batch", "audit_event")
        }


KILLED_CHILD = """
import sys, time
from pathlib import Path
from qjtitle.intake import applicants
from qjtitle.store import open_store

real = applicants.audit.record
def record(*args, **kwargs):  # every applicant row is written by now, in the open transaction
    event = real(*args, **kwargs)
    args[0].flush()
    Path(sys.argv[3]).write_text("inserted")
    time.sleep(120)
    return event

applicants.audit.record = record
applicants.import_applicants(open_store(sys.argv[1]), [Path(sys.argv[2])], "QJ-WS-ZJ", 2023)
"""


@posix_only
@pytest.mark.both_backends
def test_an_import_killed_midway_leaves_the_store_unchanged_and_usable(
    store, store_url, committee, make_workbook, tmp_path
) -> None:
    import_applicants(
        store, [make_workbook([applicant_row()], name="first.xlsx")], "QJ-WS-ZJ", 2023
    )
    before = counts(store)
    roster = big_roster(tmp_path / "large.xlsx", 3000, first=10)
    marker = tmp_path / "inserted.flag"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, store_url, str(roster), str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never reached the insert"
            time.sleep(0.05)
        with child.stdout, child.stderr:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    time.sleep(0.2)  # PostgreSQL notices the dropped connection and rolls back
    assert counts(store) == before
    again = open_store(store_url)
    try:
        assert audit.verify_store(again).ok
        report = import_applicants(again, [roster], "QJ-WS-ZJ", 2023)
        assert report.totals().imported == 3000
        assert counts(again)["applicant"] == before["applicant"] + 3000
        if store.path is not None:
            with again.engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    finally:
        again.close()


def test_a_full_disk_is_a_clear_error_and_writes_nothing(
    store, committee, make_workbook, cli, db_path
) -> None:
    before = counts(store)
    store.close()

    def cap(
        dbapi_connection, _record
    ) -> None:  # SQLite's own "database or disk is full" (SQLITE_FULL)
        if "sqlite" in type(dbapi_connection).__module__:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 1}")

    event.listen(Engine, "connect", cap)
    try:
        rows = [
            applicant_row(
                序号=i,
                姓名=f"申报人{i}",
                身份证号码=idcard.make("530302", date(1985, 3, 1 + i % 28), 100 + i),
                备注="说明" * 200,
            )
            for i in range(200)
        ]
        result = cli("import-applicants", str(make_workbook(rows)), "-c", "QJ-WS-ZJ", "-y", "2023")
    finally:
        event.remove(Engine, "connect", cap)
    assert result.exit_code == 1
    assert (
        result.stderr.strip().splitlines()
        == [  # the store named first, as by every writing command
            f"数据库：{db_path}",
            f"错误：磁盘已满，无法写入数据库 {db_path}；请清理磁盘空间后重试（本次操作未写入任何数据）",
        ]
    )
    assert "Traceback" not in result.output
    again = open_store(db_path)
    try:
        assert counts(again) == before
    finally:
        again.close()


def test_a_read_only_store_is_a_clear_error(store, committee, cli, db_path) -> None:
    before = counts(store)
    store.close()
    # SQLite's read-only mode: what a file on a read-only share or with the read-only attribute gives,
    # and it works when the tests run as root (where chmod does not stop writes).
    url = f"sqlite:///file:{db_path}?mode=ro&uri=true"
    result = cli(
        "committee",
        "add",
        "QJ-GC-ZJ",
        "--name",
        "工程中级",
        "--level",
        "中级",
        "--series",
        "工程",
        "--db",
        url,
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (  # after the line naming the store
        f"错误：数据库 {db_path} 是只读的，无法写入（本次操作未写入任何数据）；请用 --db 指定可写的位置，或检查文件和所在文件夹的权限"
    )
    again = open_store(db_path)
    try:
        assert counts(again) == before
    finally:
        again.close()


@posix_only
@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="running as root: chmod does not stop root from writing",
)
def test_a_store_in_a_read_only_folder_is_a_clear_error(store, committee, cli, db_path) -> None:
    store.close()
    db_path.chmod(0o400)
    db_path.parent.chmod(0o500)
    try:
        result = cli(
            "committee",
            "add",
            "QJ-GC-ZJ",
            "--name",
            "工程中级",
            "--level",
            "中级",
            "--series",
            "工程",
        )
    finally:
        db_path.parent.chmod(0o700)
        db_path.chmod(0o600)
    assert result.exit_code == 1
    assert "是只读的，无法写入" in result.stderr or "无法打开数据库" in result.stderr


HOLDER = """
import sys, time
from pathlib import Path
from qjtitle.store import open_store
store = open_store(sys.argv[1])
with store.engine.connect() as conn:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO plan_entry (year, committee_name, start, \\"end\\", period_text, source_file, source_row, committee_code, level, series, specialty, imported_at) VALUES (2023, 'x', '2023-01-01', '2023-01-02', '', '', 0, '', '', '', '', '2023-01-01')")
    else:
        conn.exec_driver_sql("LOCK TABLE committee IN ACCESS EXCLUSIVE MODE")
    Path(sys.argv[2]).write_text("locked")
    time.sleep(float(sys.argv[3]))
    conn.rollback()
"""


@pytest.mark.both_backends
def test_a_store_locked_by_another_process_waits_then_says_so(
    store, store_url, committee, cli, backend, tmp_path, monkeypatch
) -> None:
    before = counts(store)
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 1000)
    monkeypatch.setattr(engine, "LOCK_TIMEOUT_MS", 1000)
    marker = tmp_path / "locked.flag"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, store_url, str(marker), "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert holder.poll() is None, holder.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        started = time.monotonic()
        result = cli(
            "committee",
            "add",
            "QJ-GC-ZJ",
            "--name",
            "工程中级",
            "--level",
            "中级",
            "--series",
            "工程",
        )
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.communicate()
    assert result.exit_code == 1
    where = store.path if backend == "sqlite" else store_mod.safe_url(store_url)
    assert result.stderr.strip().splitlines()[-1] == (  # after the line naming the store
        f"错误：数据库 {where} 正被另一个程序使用（等待 1 秒后仍未释放）；"
        "请等对方的操作完成或关闭其他正在运行的 qjtitle 后重试（本次操作未写入任何数据）"
    )
    assert 0.9 <= waited < 15
    assert counts(store) == before


def test_unreachable_postgresql_server_is_a_clear_error() -> None:
    with pytest.raises(
        StoreError,
        match=r"无法连接数据库服务器 postgresql\+psycopg://qj:\*\*\*@127.0.0.1:9/qjtitle\?connect_timeout=3；请确认服务器已启动",
    ):
        open_store("postgresql+psycopg://qj:secret@127.0.0.1:9/qjtitle?connect_timeout=3")
