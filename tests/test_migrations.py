"""Schema migrations with Alembic: shipped revisions, a legacy store stamped and upgraded with all its
rows, a store at the baseline with data upgraded on both backends, and a failing revision rolled back."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from qjtitle.errors import StoreError
from qjtitle.experts import draw_record
from qjtitle.models import AuditEvent, Meeting
from qjtitle.store import APPEND_ONLY, FROZEN_FACTS, Store, audit, open_store, resolve_url, schema

LEGACY_DUMP = Path(__file__).parent / "data" / "legacy_m001.sql"
REVISIONS = [
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0010",
    "0011",
    "0012",
    "0013",
]


def test_the_shipped_revisions_form_one_line_up_to_head() -> None:
    found = schema.revisions()
    assert [r.revision for r in found] == REVISIONS
    assert found[-1].revision == schema.HEAD
    assert all(
        r.description and "\u4e00" <= r.description[0] <= "\u9fff" for r in found
    )  # shown in Chinese


def _triggers(store: Store) -> set[tuple[str, str]]:
    with store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.execute(
                text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
                )
            )
        return {(r[0], r[1]) for r in rows}


@pytest.mark.both_backends
def test_the_migrated_schema_is_the_models_schema_with_every_trigger(store, backend) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # A model changed without a revision shows up here: add one in qjtitle/store/migrations/versions.
    assert [
        d for d in diff if not (d[0] == "remove_table" and d[1].name == schema.VERSION_TABLE)
    ] == []
    per_table = 2  # UPDATE and DELETE triggers (SQLite), or a row trigger and a TRUNCATE trigger (PostgreSQL)
    expected = {table for tables, _ in APPEND_ONLY.values() for table in tables}
    frozen = set(FROZEN_FACTS)  # applicant and expert: frozen once a seal lists them
    found = _triggers(store)
    assert {t for t, _ in found} == expected | frozen
    # and one more on ballot: no new named ballots (revision 0006, the secret ballot)
    assert ("ballot", "ballot_no_insert") in found
    assert len(found) == per_table * len(expected) + 2 * len(frozen) + 1


def _load_legacy(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(LEGACY_DUMP.read_text(encoding="utf-8"))
    conn.close()


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, by the columns the legacy store had."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        out = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            out[table] = (
                columns,
                sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr),
            )
        return out
    finally:
        conn.close()


def _problems_decoded(columns: list[str], rows: list[tuple], as_findings: bool = False) -> list:
    """Applicant rows with their problems parsed (and, for rows from before 0013, as findings)."""
    from qjtitle.intake.roster_checks import stored_problem

    i = columns.index("problems")
    out = []
    for r in rows:
        problems = json.loads(r[i])
        if as_findings:
            problems = [stored_problem(p) for p in problems]
        out.append((*r[:i], json.dumps(problems, sort_keys=True), *r[i + 1 :]))
    return sorted(out, key=repr)


def test_a_legacy_store_is_stamped_not_recreated_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "legacy.db"
    _load_legacy(path)
    before = _rows(path)
    assert (
        len(before["applicant"][1]) == 59
        and len(before["ballot"][1]) == 489
        and len(before["audit_event"][1]) == 27
    )

    legacy = Store(resolve_url(path))
    info = schema.status(legacy)
    assert (info.current, info.legacy, [p.revision for p in info.pending]) == (
        None,
        True,
        REVISIONS[1:],
    )
    legacy.close()

    store = open_store(path)
    try:
        assert schema.state(store).current == schema.HEAD
        after = _rows(path)
        for table, (columns, rows) in before.items():
            new_columns, new_rows = after[table]
            assert new_columns[: len(columns)] == columns, (
                table
            )  # new columns only ever added at the end
            kept = [r[: len(columns)] for r in new_rows]
            if table == "applicant":  # revision 0013: each problem now stored as a finding
                assert sum(len(json.loads(r[columns.index("problems")])) for r in rows) > 0
                assert _problems_decoded(columns, kept) == _problems_decoded(columns, rows, True)
                continue
            assert sorted(kept, key=repr) == rows or table == "audit_event", table
        # The audit log: the 27 old events unchanged, one more saying what the upgrade did.
        width = len(before["audit_event"][0])
        assert (
            sorted((r[:width] for r in after["audit_event"][1] if r[0] <= 27), key=repr)
            == before["audit_event"][1]
        )
        with store.transaction() as session:
            assert audit.check(session).ok
            last = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (
            last.action,
            last.detail["from"],
            last.detail["to"],
            last.detail["applied"],
            last.detail["legacy_stamped"],
        ) == (
            "db.upgraded",
            "0001",
            schema.HEAD,
            REVISIONS[1:],
            True,
        )
        # Rows from before revision 0008 have no audit event: one event names where they end.
        with store.transaction() as session:
            (tied,) = session.exec(
                select(AuditEvent).where(AuditEvent.action == "store.events_tied")
            ).all()
        assert tied.detail["baseline"]["ballot"] == len(before["ballot"][1])
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO attendance (meeting_id, expert_id, present, source, reason, after_seal, "
                "recorded_at, user, event_digest) SELECT meeting_id, expert_id, 0, '', '', 1, "
                "recorded_at, user, '' FROM attendance WHERE id = 1"
            )
        with store.transaction() as session:
            check = audit.check(session)
        assert (
            f"签到记录（attendance 表）第{len(before['attendance'][1]) + 1}号记录没有写入它的审计事件"
            in check.message
        )
        # The backup taken before the upgrade is the legacy store, row for row.
        (backup,) = tmp_path.glob("legacy.db.before-0002-*.bak")
        assert last.detail["backup"] == backup.name
        assert _rows(backup) == before
        # Evidence still refuses changes, and the stored draw still re-checks.
        with pytest.raises(IntegrityError, match="只能追加"), store.transaction() as session:
            session.execute(text("DELETE FROM ballot"))
        assert draw_record.verify_draw(store, 1).record.ok
        # The named ballots of the old store stay, read only, and their results still read (0006) …
        from qjtitle.meeting import results as meeting_results

        summary = meeting_results.results(store, 1)
        assert summary.voted > 0 and {a.counted.mode for a in summary.applicants if a.counted} == {
            "记名"
        }
        # … while a new vote tied to an expert is refused: the vote is a secret ballot.
        with pytest.raises(IntegrityError, match="无记名投票"), store.transaction() as session:
            session.execute(
                text(
                    'INSERT INTO ballot (meeting_id, applicant_id, expert_id, choice, reason, after_seal, recorded_at, "user") '
                    'SELECT meeting_id, applicant_id, expert_id, choice, reason, after_seal, recorded_at, "user" '
                    "FROM ballot LIMIT 1"
                )
            )
    finally:
        store.close()


def _at_baseline(url: str) -> Store:
    """A store built by the first revision only."""
    from alembic import command

    store = Store(resolve_url(url))
    with store.engine.connect() as conn:
        cfg = schema.config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, schema.BASELINE)
    assert schema.state(store).current == schema.BASELINE
    return store


def _old_event(prev: str, n: int) -> AuditEvent:
    event = AuditEvent(
        at=datetime(2023, 9, 25, 8, n, tzinfo=UTC),
        user="李老师",
        command="committee add",
        action="committee.created",
        detail={"code": f"C{n}", "身份证号码": "530302198503150122"},
        prev_hash=prev,
    )
    event.hash = audit.digest(event)  # os_user empty: the digest of a 0001 event
    return event


@pytest.mark.both_backends
def test_a_store_at_the_baseline_with_data_upgrades_and_loses_nothing(store_url, backend) -> None:
    store = _at_baseline(store_url)
    first = _old_event(audit.GENESIS, 1)
    second = _old_event(first.hash, 2)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO committee (code, name, level, series, specialties, organizer, approver, vote_denominator, created_at) "
                "VALUES ('QJ-WS-ZJ', '曲靖市卫生系列中级职称评审委员会', '中级', '卫生', '[\"护理\"]', '', '', 'all_attending', :t)"
            ),
            {"t": datetime(2023, 9, 25, tzinfo=UTC)},
        )
        conn.execute(
            text(
                "INSERT INTO meeting (committee_id, date, place, size, created_at) VALUES (1, :d, '会议中心', 11, :t)"
            ),
            {"d": date(2023, 11, 20), "t": datetime(2023, 9, 25, tzinfo=UTC)},
        )
        for e in (first, second):
            conn.execute(
                text(
                    'INSERT INTO audit_event (at, "user", command, action, detail, prev_hash, hash) '
                    "VALUES (:at, :user, :command, :action, :detail, :prev, :hash)"
                ),
                {
                    "at": e.at,
                    "user": e.user,
                    "command": e.command,
                    "action": e.action,
                    "detail": json.dumps(e.detail, ensure_ascii=False),
                    "prev": e.prev_hash,
                    "hash": e.hash,
                },
            )
    result = schema.upgrade(store)
    assert (result.before, result.after, result.applied) == ("0001", schema.HEAD, REVISIONS[1:])
    assert (result.backup is not None) == (backend == "sqlite")
    with store.transaction() as session:
        meeting = session.get(Meeting, 1)
        assert (meeting.date, meeting.size, meeting.year) == (date(2023, 11, 20), 11, None)
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.hash, e.os_user) for e in events[:2]] == [(first.hash, ""), (second.hash, "")]
        assert (
            events[2].action == "db.upgraded"
            and events[2].prev_hash == second.hash
            and events[2].os_user
        )
        assert audit.check(session).ok
    store.close()


FLAT_PROBLEMS = [  # as revision 0012 stored them
    {
        "column": "联系电话",
        "cell": "T3",
        "message": "联系电话“0871-98765”格式不对",
        "fix": "请填写11位手机号码，或带区号的固定电话（如 0874-3123456）",
        "kind": "联系电话",
    },
    {
        "column": "身份证号码",
        "cell": "",
        "message": "同一身份证号码又由罗平县中医医院（04_罗平县中医医院.csv 第4行）报送",
        "fix": "申报人一个年度内只能申报一次职称晋升评审；请与申报人核实，只保留一处申报",
        "kind": "重复申报",
    },
]


def _applicant(store: Store, key: str, problems: list[dict]) -> int:
    from qjtitle.models import Applicant

    with store.transaction() as session:
        a = Applicant(
            year=2023, committee_id=1, person_key=key, name=key, status="待补正", problems=problems
        )
        session.add(a)
        session.flush()
        return a.id or 0


def _problems_in_store(store: Store, applicant_id: int) -> list[dict]:
    with store.engine.connect() as conn:
        value = conn.execute(
            text("SELECT problems FROM applicant WHERE id = :i"), {"i": applicant_id}
        ).scalar_one()
    return json.loads(value) if isinstance(value, str) else value


def _migrate(store: Store, to: str, down: bool = False) -> None:
    from alembic import command

    with store.engine.connect() as conn:
        cfg = schema.config()
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, to)


@pytest.mark.both_backends
def test_0013_stores_import_problems_as_findings_and_back(store, committee, backend) -> None:
    from qjtitle.findings import Finding
    from qjtitle.intake.roster_checks import Problem

    findings = [Problem.from_stored(p).as_stored() for p in FLAT_PROBLEMS]
    assert findings == [Problem.from_stored(p).as_finding().as_json() for p in FLAT_PROBLEMS]
    old = _applicant(store, "旧", FLAT_PROBLEMS)  # an old backup's row, read as it is
    new = _applicant(store, "新", findings)
    none = _applicant(store, "无", [])
    _migrate(store, "0012", down=True)
    assert schema.state(store).current == "0012"
    assert [_problems_in_store(store, i) for i in (old, new, none)] == [
        FLAT_PROBLEMS,
        FLAT_PROBLEMS,
        [],
    ]
    _migrate(store, "0013")
    assert schema.state(store).current == "0013"
    assert [_problems_in_store(store, i) for i in (old, new, none)] == [findings, findings, []]
    phone, twice = findings
    assert (phone["code"], phone["severity"], phone["rule"], phone["facts"], phone["fix"]) == (
        "intake.phone",
        "error",
        None,
        {"column": "联系电话", "cell": "T3"},
        {"step": None, "field": None, "args": {}, "hint": FLAT_PROBLEMS[0]["fix"]},
    )
    assert (
        twice["code"] == "intake.duplicate" and twice["rule"]["name"] == "ONE_APPLICATION_PER_YEAR"
    )
    assert isinstance(Problem.from_stored(twice).as_finding(), Finding)


def _broken_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped revisions plus one more, which changes three things and then fails."""
    scripts = tmp_path / "migrations"
    shutil.copytree(
        Path(schema.__file__).parent / "migrations",
        scripts,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (scripts / "versions" / "9999_broken.py").write_text(
        '"""坏的升级：建表、加列、写数据后失败。"""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f'revision = "9999"\ndown_revision = "{schema.HEAD}"\nbranch_labels = None\ndepends_on = None\n\n\n'
        "def upgrade():\n"
        '    op.create_table("half_done", sa.Column("x", sa.Integer()))\n'
        '    with op.batch_alter_table("committee") as batch:\n'
        '        batch.add_column(sa.Column("extra", sa.String(), nullable=True))\n'
        "    op.execute(\"UPDATE committee SET name = 'changed'\")\n"
        '    raise RuntimeError("boom")\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(schema, "SCRIPT_LOCATION", str(scripts))
    monkeypatch.setattr(schema, "HEAD", "9999")


@pytest.mark.both_backends
def test_a_failing_revision_rolls_back_completely(
    store, store_url, committee, backend, tmp_path, monkeypatch
) -> None:
    store.close()
    head = schema.HEAD
    _broken_scripts(tmp_path, monkeypatch)
    with pytest.raises(RuntimeError, match="boom"):
        open_store(store_url)
    monkeypatch.undo()
    again = Store(resolve_url(store_url))
    try:
        assert schema.state(again).current == head
        with again.engine.connect() as conn:
            insp = inspect(conn)
            assert "half_done" not in insp.get_table_names()
            assert "extra" not in {c["name"] for c in insp.get_columns("committee")}
            assert (
                conn.execute(text("SELECT name FROM committee")).scalar_one()
                == "曲靖市卫生系列中级职称评审委员会"
            )
        with again.transaction() as session:
            assert [e.action for e in session.exec(select(AuditEvent))] == ["committee.created"]
    finally:
        again.close()
    if backend == "sqlite":
        assert len(list(tmp_path.glob("qjtitle.db.before-9999-*.bak"))) == 1
    open_store(store_url).close()  # usable as it was


def test_a_store_from_a_newer_qjtitle_is_refused(store, db_path) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '0099'"))
    store.close()
    with pytest.raises(
        StoreError,
        match=f"数据库的版本 0099 比本程序认识的最新版本 {schema.HEAD} 还新，是用更新版本的 qjtitle 建立或升级的；请先升级 qjtitle",
    ):
        open_store(db_path)


def test_a_database_of_another_program_is_refused(tmp_path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    with pytest.raises(StoreError, match=r"中已有其他程序的表（invoices），不是 qjtitle 的数据库"):
        open_store(path)


def test_cli_status_and_upgrade_of_a_legacy_store(cli, tmp_path) -> None:
    path = tmp_path / "legacy.db"
    _load_legacy(path)
    result = cli("db", "status", "--db", str(path), "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)[0]
    assert (
        info["legacy"],
        info["current"],
        info["head"],
        [p["revision"] for p in info["pending"]],
    ) == (
        True,
        None,
        schema.HEAD,
        REVISIONS[1:],
    )
    result = cli("db", "status", "--db", str(path))
    assert (
        "旧版迁移 m001_initial（相当于 0001，升级时将先标记）" in result.stdout
        and "待执行的升级" in result.stdout
    )
    result = cli("db", "upgrade", "--db", str(path))
    assert result.exit_code == 0, result.output
    (backup,) = tmp_path.glob("legacy.db.before-0002-*.bak")
    assert f"升级前已备份到 {backup}" in result.stdout
    assert "旧版迁移建立的数据库已标记为版本 0001（表结构相同，未重建）" in result.stdout
    assert "已升级：" + " → ".join(REVISIONS) in result.stdout
    result = cli("db", "upgrade", "--db", str(path))
    assert f"数据库已是最新版本（{schema.HEAD}），无须升级。" in result.stdout
    assert "数据库已是最新版本。" in cli("db", "status", "--db", str(path)).stdout


def test_two_processes_opening_a_new_store_at_once_both_succeed(tmp_path) -> None:
    import subprocess
    import sys

    path = tmp_path / "race.db"
    code = "import sys; from qjtitle.store import open_store; from qjtitle.store import schema; s = open_store(sys.argv[1]); print(schema.state(s).current)"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0].strip() for o in outs] == [schema.HEAD, schema.HEAD]
