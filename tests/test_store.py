"""The store: private file, foreign keys, WAL, migrations, transactions, the append-only audit chain."""

from __future__ import annotations

import os
import stat
from datetime import date

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from qjtitle import committees
from qjtitle.errors import StoreError
from qjtitle.models import Applicant, AuditEvent, Committee, ImportBatch
from qjtitle.store import audit, open_store, resolve_url, schema
from tests.conftest import applicant_row

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def scalar(store, sql: str):
    with store.transaction() as session:
        return session.execute(text(sql)).scalar_one()


@posix_only
def test_store_file_is_owner_only(store, committee, db_path):
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    for suffix in ("-wal", "-shm"):  # SQLite gives its side files the mode of the database
        side = db_path.with_name(db_path.name + suffix)
        assert side.exists(), suffix
        assert stat.S_IMODE(side.stat().st_mode) == 0o600, suffix


@posix_only
def test_an_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    s = open_store(path)
    s.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.both_backends
def test_foreign_keys_are_on(store, committee, backend):
    if backend == "sqlite":
        assert scalar(store, "PRAGMA foreign_keys") == 1
    with pytest.raises(IntegrityError), store.transaction() as session:
        session.add(ImportBatch(committee_id=999, year=2023, file_name="x.xlsx", sha256=""))
    with store.transaction() as session:
        assert session.exec(select(ImportBatch)).all() == []


def test_journal_is_wal(store):
    assert scalar(store, "PRAGMA journal_mode") == "wal"


@pytest.mark.both_backends
def test_schema_version_is_recorded(store, store_url):
    with store.transaction() as session:
        assert session.execute(
            text(f"SELECT version_num FROM {schema.VERSION_TABLE}")
        ).scalars().all() == [schema.HEAD]
    info = schema.status(store)
    assert (info.current, info.head, info.pending, info.up_to_date) == (
        schema.HEAD,
        schema.HEAD,
        (),
        True,
    )
    assert schema.upgrade(store).applied == []
    again = open_store(store_url)  # reopening applies nothing twice
    try:
        assert schema.state(again).current == schema.HEAD
    finally:
        again.close()


@pytest.mark.both_backends
def test_blank_store_has_the_tables(store):
    with store.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    assert {
        "committee",
        "applicant",
        "import_batch",
        "correction_notice",
        "audit_event",
        schema.VERSION_TABLE,
    } <= names


@pytest.mark.both_backends
def test_a_failing_transaction_leaves_the_store_unchanged(store, committee):
    with pytest.raises(RuntimeError), store.transaction() as session:
        session.add(Committee(code="TMP", name="临时", level="中级", series="卫生"))
        session.flush()
        audit.record(session, "test", "committee.created", {"code": "TMP"})
        raise RuntimeError("interrupted")
    with store.transaction() as session:
        assert session.exec(select(Committee.code)).all() == ["QJ-WS-ZJ"]
        assert len(session.exec(select(AuditEvent)).all()) == 1


@pytest.mark.both_backends
def test_an_import_failing_midway_writes_nothing_for_that_file(
    store, committee, make_workbook, monkeypatch
):
    from qjtitle.intake import applicants

    calls = []

    def failing_record(*args, **kwargs):
        calls.append(args[1])
        raise RuntimeError("disk went away")

    monkeypatch.setattr(applicants.audit, "record", failing_record)
    path = make_workbook([applicant_row()])
    with pytest.raises(RuntimeError, match="disk went away"):
        applicants.import_applicants(store, [path], "QJ-WS-ZJ", 2023)
    assert calls == ["import-applicants"]
    with store.transaction() as session:
        assert session.exec(select(Applicant)).all() == []
        assert session.exec(select(ImportBatch)).all() == []


# --- The audit log -----------------------------------------------------------------


@pytest.mark.both_backends
def test_audit_chain_verifies(store, committee):
    committees.add(store, "QJ-GC-ZJ", "工程中级", "中级", "工程")
    with store.transaction() as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["committee.created", "committee.created"]
        assert events[0].prev_hash == audit.GENESIS
        assert events[1].prev_hash == events[0].hash
        assert all(len(e.hash) == 64 for e in events)
        assert audit.check(session).broken_id is None


@pytest.mark.both_backends
def test_audit_chain_detects_a_forged_event(store, committee):
    with store.transaction() as session:
        forged = AuditEvent(
            command="x",
            action="committee.created",
            detail={"code": "FAKE"},
            prev_hash="f" * 64,
            hash="0" * 64,
        )
        session.add(forged)
        session.flush()
        forged_id = forged.id
    with store.transaction() as session:
        assert audit.check(session).broken_id == forged_id


@pytest.mark.both_backends
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET \"user\" = 'someone else'",
        "DELETE FROM audit_event",
        "UPDATE audit_event SET command = ''",
    ],
)
def test_the_database_refuses_to_change_audit_events(store, committee, sql):
    with (
        pytest.raises(IntegrityError, match="审计日志只能追加，不能修改或删除"),
        store.transaction() as session,
    ):
        session.execute(text(sql))
    with store.transaction() as session:
        (event,) = session.exec(select(AuditEvent)).all()
        assert event.detail["code"] == "QJ-WS-ZJ"
        assert audit.check(session).broken_id is None


@pytest.mark.both_backends
def test_audit_events_carry_user_and_json_detail(store, committee):
    with store.transaction() as session:
        event = audit.record(
            session, "test", "something.done", {"when": date(2023, 10, 8), "n": 1}, user="李老师"
        )
    assert event.detail == {"when": "2023-10-08", "n": 1}
    with store.transaction() as session:
        assert audit.check(session).broken_id is None
        last = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (last.user, last.command) == ("李老师", "test")


# --- Opening ---------------------------------------------------------------------------


def test_resolve_url(tmp_path, monkeypatch):
    monkeypatch.setenv("QJTITLE_DB", str(tmp_path / "env.db"))
    assert resolve_url(None) == f"sqlite:///{(tmp_path / 'env.db').as_posix()}"
    assert resolve_url(tmp_path / "x.db") == f"sqlite:///{(tmp_path / 'x.db').as_posix()}"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("QJTITLE_DB")
    monkeypatch.chdir(tmp_path)
    assert resolve_url("") == f"sqlite:///{(tmp_path / 'user-data' / 'qjtitle.db').as_posix()}"


def test_store_in_a_missing_folder(tmp_path):
    with pytest.raises(StoreError, match="数据库所在目录 .* 不存在") as caught:
        open_store(tmp_path / "missing" / "q.db")
    fix = caught.value.finding.fix
    assert caught.value.finding.code == "store.no_folder"
    assert fix is not None and fix.field == "db" and "--db" not in str(caught.value)


def test_cli_reports_a_missing_store_folder(cli, tmp_path):
    db = str(tmp_path / "missing" / "q.db")
    result = cli(
        "committee",
        "add",
        "QJ-X",
        "--name",
        "某评委会",
        "--level",
        "中级",
        "--series",
        "卫生",
        "--db",
        db,
    )
    assert result.exit_code == 1
    assert "数据库所在目录" in result.stderr
    assert "请用--db指定其他位置，或先创建该目录" in "".join(result.stderr.split())
    assert not (tmp_path / "missing").exists()


def test_a_read_command_never_creates_a_store(cli, tmp_path):
    result = cli("committee", "list", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1
    assert "还没有数据库" in result.stderr and "qjtitle committee add" in result.stderr
    # issue 26: the step is the real command line (there is no --code: the code is its argument)
    told = "".join(result.stderr.split())
    assert "--code" not in told
    assert "开始使用：先新建评委会：qjtitlecommitteeadd评委会代码--name全称" in told
    assert "或导入年度评审计划；请运行qjtitleimport-plan文件" in told
    assert "想先看看整个流程；请运行qjtitledemo" in told
    assert "如果数据在别处，请核对环境变量QJTITLE_DB中的路径；请核对--db" in told
    assert not (tmp_path / "none.db").exists()


def test_default_store_is_found_from_any_folder(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("QJTITLE_DB")
    one, two = tmp_path / "一", tmp_path / "二"
    one.mkdir()
    two.mkdir()
    monkeypatch.chdir(one)
    added = cli(
        "committee", "add", "QJ-X", "--name", "某评委会", "--level", "中级", "--series", "卫生"
    )
    assert added.exit_code == 0, added.output
    store = tmp_path / "user-data" / "qjtitle.db"
    assert (
        added.stderr.splitlines()[0] == f"数据库：{store}"
    )  # a writing command names its store first
    monkeypatch.chdir(two)
    listed = cli("committee", "list")
    assert listed.exit_code == 0 and "QJ-X" in listed.output
    assert not list(one.iterdir()) and not list(two.iterdir())


def test_an_old_store_in_the_working_folder_is_offered_for_moving(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("QJTITLE_DB")
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "qjtitle.db"
    assert (
        cli(
            "committee",
            "add",
            "QJ-OLD",
            "--name",
            "旧评委会",
            "--level",
            "中级",
            "--series",
            "卫生",
            "--db",
            str(old),
        ).exit_code
        == 0
    )
    missing = cli("committee", "list")
    assert missing.exit_code == 1 and "qjtitle db adopt" in missing.stderr
    assert "或在本命令中使用它；请用 --db qjtitle.db" in missing.stderr
    adopted = cli("db", "adopt")
    assert adopted.exit_code == 0, adopted.output
    assert not old.exists() and (tmp_path / "user-data" / "qjtitle.db").is_file()
    listed = cli("committee", "list")
    assert listed.exit_code == 0 and "QJ-OLD" in listed.output


def test_unknown_database_driver(tmp_path):
    with pytest.raises(StoreError):
        open_store("nosuchdb://user@host/db")


def _applicant_fields(
    committee_id: int, n: int, problems: list[dict[str, str]]
) -> dict[str, object]:
    from datetime import UTC, datetime

    return {
        "year": 2023,
        "committee_id": committee_id,
        "person_key": f"key-{n}",
        "seq": str(n),
        "name": f"申报人{n}",
        "gender": "女",
        "birth": date(1985, 3, 1),
        "id_number": "",
        "unit": "曲靖市第一人民医院",
        "unit_key": "曲靖市第一人民医院",
        "county": "麒麟区",
        "education": "大学本科",
        "school": "",
        "major": "",
        "graduated": None,
        "work_start": date(2007, 8, n % 28 + 1),
        "current_title": "",
        "current_title_date": None,
        "series": "卫生",
        "specialty": "护理",
        "title_name": "主管护师",
        "level": "中级",
        "route": "正常",
        "phone": "",
        "note": "O'Brien; 50%",
        "years_in_title": None,
        "years_working": 16,
        "status": "已受理",
        "problems": problems,
        "source_file": "a.xlsx",
        "source_sheet": "表",
        "source_row": n,
        "import_batch_id": None,
        "correction_deadline": date(2023, 5, 31),
        "created_at": datetime(2023, 5, 1, 8, 30, 15, 123456, tzinfo=UTC),
        "updated_at": datetime(2023, 5, 1, 8, 30, 15, 123456, tzinfo=UTC),
    }


@pytest.mark.both_backends
def test_bulk_insert_writes_what_a_core_insert_writes(store, committee):
    """store.bulk_insert (the import's fast path) stores dates, times, JSON and None exactly as SQLAlchemy's insert."""
    from sqlalchemy import insert

    from qjtitle.store import bulk_insert

    problem = [
        {
            "column": "身份证号码",
            "message": "校验位错误",
            "fix": "请核对",
            "kind": "身份证号码",
            "cell": "E6",
        }
    ]
    ours = [_applicant_fields(committee.id, n, problem if n % 2 else []) for n in range(1, 6)]
    core = [{**row, "person_key": f"core-{row['person_key']}"} for row in ours]
    with store.transaction() as session:
        bulk_insert(session.connection(), Applicant.__table__, ours)
        session.connection().execute(insert(Applicant.__table__), core)
    with store.transaction() as session:
        raw = session.connection().exec_driver_sql("SELECT * FROM applicant ORDER BY id").fetchall()
        loaded = session.exec(select(Applicant).order_by(Applicant.id)).all()
    assert len(raw) == 10
    for mine, theirs in zip(raw[:5], raw[5:], strict=True):  # the stored values, column by column
        assert mine[4:] == theirs[4:] and mine[1:3] == theirs[1:3]
    assert [a.problems for a in loaded[:5]] == [problem, [], problem, [], problem]
    assert loaded[0].birth == date(1985, 3, 1) and loaded[0].graduated is None
    assert loaded[0].note == "O'Brien; 50%"
    with pytest.raises(IntegrityError), store.transaction() as session:  # constraints still hold
        bulk_insert(session.connection(), Applicant.__table__, [ours[0]])


@pytest.mark.both_backends
def test_bulk_insert_refuses_rows_without_a_column_that_has_a_default(store, committee):
    from qjtitle.store import bulk_insert

    row = _applicant_fields(committee.id, 1, [])
    del row["status"]
    with pytest.raises(ValueError, match="status"), store.transaction() as session:
        bulk_insert(session.connection(), Applicant.__table__, [row])


@pytest.mark.both_backends
def test_bulk_insert_converts_equal_values_that_are_written_differently(store, committee):
    """One instant in two time zones, and True beside 1, are equal keys but not the same stored value."""
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import insert

    from qjtitle.store import bulk_insert

    utc = datetime(2023, 5, 1, 8, 0, tzinfo=UTC)
    beijing = utc.astimezone(timezone(timedelta(hours=8)))
    assert utc == beijing
    rows = [
        {**_applicant_fields(committee.id, n, []), "created_at": when}
        for n, when in ((1, utc), (2, beijing))
    ]
    core = [{**row, "person_key": f"core-{row['person_key']}"} for row in rows]
    with store.transaction() as session:
        bulk_insert(session.connection(), Applicant.__table__, rows)
        session.connection().execute(insert(Applicant.__table__), core)
        stored = (
            session.connection()
            .exec_driver_sql("SELECT created_at FROM applicant ORDER BY id")
            .scalars()
            .all()
        )
    assert stored[:2] == stored[2:]


def test_a_backup_restores_onto_a_new_computer(cli, tmp_path, monkeypatch):
    assert (
        cli(
            "committee", "add", "QJ-X", "--name", "某评委会", "--level", "中级", "--series", "卫生"
        ).exit_code
        == 0
    )
    assert cli("db", "backup", str(tmp_path / "备份" / "x.db")).exit_code == 0
    monkeypatch.delenv("QJTITLE_DB")
    monkeypatch.setenv(
        "QJTITLE_DATA_DIR", str(tmp_path / "新电脑")
    )  # its user data folder does not exist yet
    restored = cli("db", "restore", str(tmp_path / "备份" / "x.db"))
    assert restored.exit_code == 0, restored.output
    assert (tmp_path / "新电脑" / "qjtitle.db").is_file()
    assert "QJ-X" in cli("committee", "list").stdout
