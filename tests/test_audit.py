"""The audit log: who (--as and the OS account), the hash chain and how each kind of tampering is named,
append-only and fork-free in the database, list with masking, export that anyone can re-check."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from qjtitle import committees
from qjtitle.errors import AlreadyExists
from qjtitle.models import AuditEvent, ImportBatch
from qjtitle.store import audit
from tests.conftest import applicant_row

pytestmark = pytest.mark.both_backends

ID_NUMBER = "530302198503150122"


@pytest.fixture
def three(store):
    """Three events: committees A, B and C created."""
    for code in ("A", "B", "C"):
        committees.add(store, code, f"评委会{code}", "中级", "卫生")
    with store.transaction() as session:
        return session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()


def tamper(store, *statements: str) -> None:
    """What someone with the database file (or superuser rights) could do behind qjtitle's back."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
        for statement in statements:
            conn.exec_driver_sql(statement)


def check(store, anchor=None) -> audit.ChainCheck:
    return audit.verify_store(store, anchor)


def test_an_intact_chain_names_its_head(store, three) -> None:
    result = check(store)
    assert (result.ok, result.count, result.head_id, result.head_hash) == (
        True,
        3,
        three[-1].id,
        three[-1].hash,
    )
    assert [e.prev_hash for e in three] == [audit.GENESIS, three[0].hash, three[1].hash]


def test_an_edited_event_is_named(store, three) -> None:
    tamper(store, f'UPDATE audit_event SET detail = \'{{"code": "X"}}\' WHERE id = {three[1].id}')
    result = check(store)
    assert (result.ok, result.kind, result.broken_id) == (False, audit.EDITED, three[1].id)
    assert result.message.startswith(f"第{three[1].id}号事件（") and result.message.endswith(
        "，committee.created）的内容与其哈希不符：该事件记录后被改动过"
    )


def test_a_deleted_event_is_named_by_the_one_after_it(store, three) -> None:
    tamper(store, f"DELETE FROM audit_event WHERE id = {three[1].id}")
    result = check(store)
    assert (result.kind, result.broken_id) == (audit.DELETED, three[2].id)
    assert (
        f"已不在日志中：第{three[0].id}号事件与第{three[2].id}号之间的事件被删除了"
        in result.message
    )


def test_deleting_the_first_events_is_caught(store, three) -> None:
    tamper(store, f"DELETE FROM audit_event WHERE id = {three[0].id}")
    result = check(store)
    assert (result.kind, result.broken_id) == (audit.DELETED, three[1].id)
    assert f"第{three[1].id}号之前的事件被删除了" in result.message


def test_reordered_events_are_named(store, three) -> None:
    a, b = three[1], three[2]

    def put(row_id: int, e: AuditEvent) -> str:
        return (
            f"UPDATE audit_event SET detail = '{json.dumps(e.detail, ensure_ascii=False)}', "
            f"at = '{e.at.isoformat()}', prev_hash = '{e.prev_hash}', hash = '{e.hash}' WHERE id = {row_id}"
        )

    # Swap the contents of rows 2 and 3 (through a free prev_hash: the unique index stays satisfied).
    tamper(
        store,
        f"UPDATE audit_event SET prev_hash = 'moving', hash = 'moving' WHERE id = {b.id}",
        put(a.id, b),
        put(b.id, a),
    )
    result = check(store)
    assert (result.kind, result.broken_id) == (audit.REORDERED, a.id)
    assert (
        f"本应接在第{b.id}号事件之后，却排在第{three[0].id}号事件之后：事件的顺序被调换过"
        in result.message
    )


def test_a_rewritten_tail_is_caught_by_an_anchor(store, three) -> None:
    old_head = three[-1].hash
    # Edit the last event and recompute its hash: the chain itself is consistent again.
    edited = AuditEvent(**{**three[-1].model_dump(), "detail": {"code": "FORGED"}})
    edited.hash = audit.digest(edited)
    tamper(
        store,
        f"UPDATE audit_event SET detail = '{{\"code\": \"FORGED\"}}', hash = '{edited.hash}' WHERE id = {three[-1].id}",
    )
    assert check(store).ok
    result = check(store, anchor=old_head)
    assert (result.ok, result.kind) == (False, audit.ANCHOR_MISSING)
    assert result.message.startswith(f"先前记下的哈希 {old_head[:16]}… 不在日志中")
    assert check(store, anchor=three[0].hash).anchor_id == three[0].id


def test_the_database_refuses_a_fork_of_the_chain(store, three) -> None:
    with pytest.raises(IntegrityError), store.transaction() as session:
        fork = AuditEvent(
            command="x", action="x", detail={}, prev_hash=three[0].hash, hash="f" * 64
        )
        session.add(fork)
    assert check(store).ok


def test_as_names_the_person_and_the_os_account_is_kept(cli, store, make_workbook) -> None:
    result = cli(
        "--as",
        "李老师",
        "committee",
        "add",
        "QJ-WS-ZJ",
        "--name",
        "卫生中级",
        "--level",
        "中级",
        "--series",
        "卫生",
        "--specialty",
        "护理",
    )
    assert result.exit_code == 0, result.output
    result = cli(
        "--as",
        "王 老师",
        "import-applicants",
        str(make_workbook([applicant_row()])),
        "-c",
        "QJ-WS-ZJ",
        "-y",
        "2023",
    )
    assert result.exit_code == 0, result.output
    os.environ["QJTITLE_USER"] = ""  # as a new process would start
    committees.add(store, "QJ-GC-ZJ", "工程中级", "中级", "工程")
    with store.transaction() as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        batch = session.exec(select(ImportBatch)).one()
    me = getpass.getuser()
    assert [(e.action, e.user, e.os_user) for e in events] == [
        ("committee.created", "李老师", me),
        ("applicants.imported", "王 老师", me),
        ("committee.created", me, me),
    ]
    assert batch.user == "王 老师"
    assert check(store).ok


def test_list_masks_id_and_phone_numbers_unless_asked(store, cli) -> None:
    with store.transaction() as session:
        audit.record(
            session,
            "test",
            "something.done",
            {"身份证号码": ID_NUMBER, "note": f"电话 13888000001，{ID_NUMBER}"},
            user="李老师",
        )
    (item,) = audit.list_events(store)
    assert item.detail == {
        "身份证号码": "530302********0122",
        "note": "电话 138****0001，530302********0122",
    }
    (item,) = audit.list_events(store, show_pii=True)
    assert item.detail["身份证号码"] == ID_NUMBER
    result = cli("audit", "list")
    assert result.exit_code == 0, result.output
    assert (
        "530302********0122" in result.stdout
        and ID_NUMBER not in result.stdout
        and "李老师" in result.stdout
    )
    result = cli("audit", "list", "--show-pii", "--json")
    assert json.loads(result.stdout)[0]["detail"]["身份证号码"] == ID_NUMBER


def test_list_filters(store, three) -> None:
    with store.transaction() as session:
        audit.record(session, "draw-experts", "draw.recorded", {"draw": 1}, user="王明")
    assert [e.action for e in audit.list_events(store, command="draw")] == ["draw.recorded"]
    assert [e.user for e in audit.list_events(store, user="王明")] == ["王明"]
    assert [e.id for e in audit.list_events(store, limit=2)] == [three[2].id, three[2].id + 1]
    today = date.today()
    assert len(audit.list_events(store, since=today, until=today)) == 4
    assert audit.list_events(store, until=date(2000, 1, 1)) == []


def _recompute(line: dict) -> str:
    """The digest as README describes it, written again here from the exported fields alone."""
    fields = {k: line[k] for k in ("at", "user", "command", "action", "detail")}
    fields["prev"] = line["prev_hash"]
    if line["os_user"]:
        fields["os_user"] = line["os_user"]
    body = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def test_export_as_json_lines_can_be_rechecked_anywhere(store, three, tmp_path: Path) -> None:
    out = tmp_path / "导出" / "audit.jsonl"
    info = audit.export_events(store, out)
    assert (info.events, info.chain_ok, info.head_hash) == (3, True, three[-1].hash)
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    prev = audit.GENESIS
    for line in lines:
        assert line["prev_hash"] == prev and _recompute(line) == line["hash"]
        prev = line["hash"]
    assert info.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    (last,) = audit.list_events(store, limit=1)
    assert (
        last.action,
        last.detail["file"],
        last.detail["events"],
        last.detail["sha256"],
    ) == (
        "audit.exported",
        "audit.jsonl",
        3,
        info.sha256,
    )
    with pytest.raises(AlreadyExists, match="audit.jsonl 已存在") as refused:
        audit.export_events(store, out)
    assert refused.value.finding.fix is not None and refused.value.finding.fix.field == "force"
    assert audit.export_events(store, out, force=True).events == 4


def test_export_as_xlsx_never_writes_a_formula(store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    committees.add(store, '=HYPERLINK("http://x")', "+SUM(A1)", "中级", "@卫生")
    out = audit.export_events(store, tmp_path / "audit.xlsx").file
    ws = load_workbook(out).active
    values = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in values)
    detail = json.loads(ws["G2"].value)
    assert detail["code"] == '=HYPERLINK("http://x")'
    assert ws["F2"].value == "committee.created"


def test_cli_verify_reports_tampering_with_exit_1(cli, store, three) -> None:
    result = cli("audit", "verify")
    assert result.exit_code == 0
    assert (
        f"审计日志完整：共 3 条事件，哈希链无断裂。\n最新一条是第{three[-1].id}号，哈希 {three[-1].hash}"
        in result.stdout
    )
    tamper(store, f"UPDATE audit_event SET \"user\" = '某人' WHERE id = {three[0].id}")
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"审计日志已被篡改：第{three[0].id}号事件（" in result.stderr
    assert json.loads(cli("audit", "verify", "--json").stdout)[0]["broken_id"] == three[0].id


def test_cli_export(cli, store, three, tmp_path: Path) -> None:
    result = cli("audit", "export", str(tmp_path / "log.jsonl"))
    assert result.exit_code == 0, result.output
    assert "已导出 3 条事件到" in result.stdout
    result = cli("audit", "export", str(tmp_path / "log.csv"))
    assert result.exit_code == 1 and "请用 .jsonl（可复核）或 .xlsx（便于阅读）" in result.stderr


def test_every_change_of_the_demo_is_an_event(demo_run) -> None:
    from qjtitle.store import open_store

    result = demo_run
    store = open_store(result.store_path)
    try:
        actions = {e.action for e in audit.list_events(store)}
        assert check(store).ok
    finally:
        store.close()
    assert {
        "committee.created",
        "applicants.imported",
        "corrections.issued",
        "meeting.created",
        "experts.imported",
        "draw.recorded",
        "draw.exported",
        "draw.document",
        "draw.answered",
        "conflict.declared",
        "meeting.attendance",
        "meeting.assigned",
        "meeting.reviews",
        "meeting.votes",
        "meeting.sealed",
    } <= actions
