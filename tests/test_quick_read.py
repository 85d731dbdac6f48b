"""Reading at the pace of the command (issue 27): ``applicants list`` reads an SQLite store at the
current schema with the standard library's sqlite3 (qjtitle.store.read_store), and gives exactly
what the models and SQLAlchemy give; any other store goes the usual way."""

from __future__ import annotations

import sqlite3
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal

import pytest
import typer

from qjtitle import committees, idcard
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.intake.applicants import import_applicants
from qjtitle.intake.lookup import DATE_COLUMNS, JSON_COLUMNS, list_applicants
from tests.conftest import applicant_row

YEAR = 2023


def _people(make_workbook):
    """Applicants of three units (one with LIKE's wildcards in its name), one needing correction."""
    rows = [
        applicant_row(
            序号=1, 姓名="张丽", 身份证号码=idcard.make("530302", date(1985, 3, 15), 122)
        ),
        applicant_row(
            序号=2,
            姓名="王芳",
            身份证号码=idcard.make("530302", date(1986, 4, 2), 31),
            工作单位="曲靖市_第二%人民医院",
        ),
        applicant_row(
            序号=3,
            姓名="李娜",
            身份证号码=idcard.make("530302", date(1987, 5, 3), 44),
            工作单位="富源县人民医院",
            毕业时间="",  # a problem: 待补正
        ),
    ]
    return make_workbook(rows, name="01_三院.xlsx")


def _orm_ids(store, committee_id=None, year=None, status=None):
    """The applicants' ids as the models and SQLAlchemy's ORM find and order them."""
    from sqlmodel import col, select

    from qjtitle.models import Applicant

    with store.transaction() as session:
        query = select(Applicant)
        if committee_id is not None:
            query = query.where(Applicant.committee_id == committee_id)
        if year is not None:
            query = query.where(Applicant.year == year)
        if status is not None:
            query = query.where(Applicant.status == status)
        query = query.order_by(
            col(Applicant.unit_key), col(Applicant.source_row), col(Applicant.id)
        )
        return [a.id for a in session.exec(query)]


FILTERS = [
    {},
    {"committee_code": "QJ-WS-ZJ"},
    {"year": YEAR},
    {"year": YEAR + 1},
    {"status": "待补正"},
    {"unit": "富源"},
    {"unit": "_第二%"},  # LIKE's wildcards are matched as written
    {"unit": "第_"},  # … so this matches nothing
    {"show_pii": True},
]


@pytest.mark.both_backends
def test_the_sql_finds_what_the_models_find(store, committee, make_workbook):
    import_applicants(store, [_people(make_workbook)], "QJ-WS-ZJ", YEAR)
    everyone = _orm_ids(store)
    assert len(everyone) == 3
    assert [a.id for a in list_applicants(store)] == everyone
    assert [a.id for a in list_applicants(store, "QJ-WS-ZJ")] == _orm_ids(store, committee.id)
    assert [a.id for a in list_applicants(store, status="待补正")] == _orm_ids(
        store, status="待补正"
    )
    assert [a.id for a in list_applicants(store, year=YEAR + 1)] == []
    assert [a.name for a in list_applicants(store, unit="_第二%")] == ["王芳"]
    assert list_applicants(store, unit="第_") == []
    (needing,) = [a for a in list_applicants(store, status="待补正") if a.name == "李娜"]
    assert needing.problems and needing.problems[0].column
    assert isinstance(needing.birth, date) and needing.graduated is None
    with pytest.raises(NotFound, match="没有代码为“QJ-XX”的评委会；已有：QJ-WS-ZJ"):
        list_applicants(store, "QJ-XX")


def test_the_quick_way_gives_what_the_usual_way_gives(store, committee, make_workbook, db_path):
    import_applicants(store, [_people(make_workbook)], "QJ-WS-ZJ", YEAR)
    for given in FILTERS:
        assert list_applicants(str(db_path), **given) == list_applicants(store, **given), given
    quick = list_applicants(str(db_path), status="待补正")[0]
    assert quick.as_dict() == list_applicants(store, status="待补正")[0].as_dict()
    with pytest.raises(NotFound) as quick_error:
        list_applicants(str(db_path), "QJ-XX")
    with pytest.raises(NotFound) as usual_error:
        list_applicants(store, "QJ-XX")
    assert str(quick_error.value) == str(usual_error.value)


@pytest.mark.both_backends
def test_committee_list_reads_what_the_models_hold(store, committee, make_workbook, db_path):
    from qjtitle.committees import CommitteeInfo, CommitteeRow

    committees.configure(store, "QJ-WS-ZJ", pass_rate_cap=0.6, officers={"signer": "李明"})
    committees.add(store, "QJ-AA", "另一个评委会", "副高级", "卫生", ["护理"], "甲", "乙", 15)
    import_applicants(store, [_people(make_workbook)], "QJ-WS-ZJ", YEAR)
    with store.transaction() as session:
        from sqlmodel import select

        from qjtitle.models import Committee

        held = [CommitteeInfo.of(c) for c in session.exec(select(Committee))]
    expected = sorted(
        (CommitteeRow(c, 3 if c.code == "QJ-WS-ZJ" else 0) for c in held),
        key=lambda r: r.committee.code,
    )
    assert committees.list_all(store) == expected
    assert expected[1].committee.signer == "李明" and expected[1].committee.specialties
    if store.path is not None:  # the quick way, by the file
        assert committees.list_all(str(db_path)) == expected


def test_the_decoded_columns_are_the_models_dates_and_json():
    from sqlalchemy import JSON, Date

    from qjtitle.models import Applicant

    table = Applicant.__table__  # type: ignore[attr-defined]
    assert set(DATE_COLUMNS) == {c.name for c in table.columns if isinstance(c.type, Date)}
    assert set(JSON_COLUMNS) == {c.name for c in table.columns if isinstance(c.type, JSON)}


def test_a_store_behind_the_schema_is_upgraded_the_usual_way(store, committee, db_path):
    from qjtitle.store import schema

    store.close()
    with sqlite3.connect(db_path) as conn:  # as if made by an older qjtitle (the revision only)
        conn.execute(f"UPDATE {schema.VERSION_TABLE} SET version_num = 'not-head'")
    with pytest.raises(Exception, match="not-head"):
        list_applicants(str(db_path))  # went the usual way, which does not know that revision
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"UPDATE {schema.VERSION_TABLE} SET version_num = :h", {"h": schema.HEAD})
    assert list_applicants(str(db_path)) == []


def test_any_store_url_is_read(store, committee, db_path, monkeypatch):
    """A relative sqlite:/// URL, or one with options, is read the usual way, as before."""
    store.close()
    monkeypatch.chdir(db_path.parent)
    for url in (f"sqlite:///{db_path.name}", f"sqlite:///file:{db_path}?mode=ro&uri=true"):
        assert list_applicants(url) == []
        (row,) = committees.list_all(url)
        assert row.committee.code == "QJ-WS-ZJ"


def test_a_missing_store_is_reported_and_not_made(cli, db_path):
    result = cli("applicants", "list")
    assert result.exit_code != 0
    assert "还没有数据库" in result.stderr
    assert not db_path.exists()


# --- The table: the body rows written directly, the rest drawn by Rich -------------------------

VALUES = ["", "1", "12", "张三", "曲靖市第一人民医院", "530302********4491", "a b", "—", "○", "é"]


def _printed(monkeypatch, width, terminal, title, columns, rows, quick):
    """What :func:`qjtitle.cli._console.table` prints on a console ``width`` wide (a colour
    terminal or not); ``quick`` False: always through Rich's table."""
    import io

    from rich.console import Console

    from qjtitle.cli import _console

    file = io.StringIO()
    made = Console(
        file=file,
        width=width,
        force_terminal=terminal,
        color_system="truecolor" if terminal else None,
        no_color=False,
        highlight=False,
    )
    with monkeypatch.context() as patch:
        patch.setattr(_console, "console", lambda: made)
        if not quick:
            patch.setattr(_console, "_plain_table", lambda *args: False)
        _console.table(title, columns, rows)
    return file.getvalue()


@pytest.mark.parametrize("terminal", [False, True])
def test_the_quick_table_is_the_table_rich_draws(monkeypatch, terminal):
    import random

    from qjtitle.cli import _console

    drawn: list[bool] = []
    real = _console._plain_table
    monkeypatch.setattr(_console, "_plain_table", lambda *a: drawn.append(real(*a)) or drawn[-1])
    chosen = random.Random(27)
    for _ in range(80):
        columns = [
            chosen.choice(["编号", "姓名", "工作单位", "", "x"])
            for _ in range(chosen.randint(1, 6))
        ]
        rows = [
            [chosen.choice([*VALUES, None, 7, 12.5]) for _ in columns]
            for _ in range(chosen.choice([0, 1, 3, 20]))
        ]
        title = chosen.choice(
            [None, "申报人（3 人）", "一个很长很长很长很长很长很长很长很长很长的标题", "x"]
        )
        width = chosen.choice([30, 60, 80, 200])
        args = (width, terminal, title, columns, rows)
        quick = _printed(monkeypatch, *args, quick=True)
        assert quick == _printed(monkeypatch, *args, quick=False), args
    assert 30 < sum(drawn) < len(drawn)  # both ways were compared: many tables fit, some did not


def test_styled_values_and_captions_go_through_rich(monkeypatch):
    from qjtitle.cli import _console
    from qjtitle.cli._console import styled

    calls: list[object] = []
    monkeypatch.setattr(_console, "_plain_table", lambda *a: calls.append(a) or False)
    for rows in [[[styled("[red]无法读取[/]"), "a"]]]:
        _printed(monkeypatch, 80, True, "t", ["甲", "乙"], rows, quick=True)
    assert calls == []
    _printed(monkeypatch, 80, True, "t", ["甲", "乙"], [["a", "b"]], quick=True)
    assert len(calls) == 1


# --- Typer's coercion, built only for values that need it -----------------------------------------


class Colour(str, Enum):
    red = "red"
    blue = "blue"


def _probe_command(deferred: bool):
    """A command with options of many kinds, returning what it was given; its coercion deferred
    (qjtitle.cli._lazy.defer_coercion) or Typer's own."""
    import typer.main

    from qjtitle.cli._lazy import defer_coercion

    seen: dict[str, object] = {}
    app = typer.Typer()

    @app.command()
    def probe(
        name: Annotated[str | None, typer.Option()] = None,
        count: Annotated[int | None, typer.Option(min=1)] = None,
        where: Annotated[Path | None, typer.Option()] = None,
        tag: Annotated[list[str] | None, typer.Option()] = None,
        colour: Annotated[Colour | None, typer.Option()] = None,
        mode: Annotated[Literal["a", "b"] | None, typer.Option()] = None,
        upper: Annotated[str | None, typer.Option(parser=str.upper)] = None,
        flag: bool = False,
    ) -> None:
        seen.update(locals())

    command = typer.main.get_command(app)
    if deferred:
        defer_coercion(command)
    return command, seen


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--name", "张三"],
        ["--count", "3", "--where", "a/b", "--tag", "x", "--tag", "y"],
        ["--colour", "blue", "--mode", "b", "--upper", "abc", "--flag"],
        ["--count", "0"],  # below min: the same usage error
        ["--count", "x"],
        ["--colour", "green"],
    ],
)
def test_deferred_coercion_gives_what_typer_gives(args):
    outcomes = []
    for deferred in (False, True):
        command, seen = _probe_command(deferred)
        try:
            command.main(args, standalone_mode=False)
            outcomes.append(("ok", {k: v for k, v in seen.items() if k != "seen"}))
        except typer.BadParameter as exc:
            outcomes.append(("error", exc.format_message()))
    assert outcomes[0] == outcomes[1]
    if args == ["--name", "张三"]:
        assert outcomes[0][1]["name"] == "张三"


def test_the_commands_hooks_run_once_on_the_quick_way(cli, tmp_path, monkeypatch):
    """The --db choice's hooks (here: the note about an old store in the working folder) run once
    when the store is read the quick way."""
    monkeypatch.delenv("QJTITLE_DB")
    monkeypatch.chdir(tmp_path)
    add = [
        "committee",
        "add",
        "QJ-NEW",
        "--name",
        "新评委会",
        "--level",
        "中级",
        "--series",
        "卫生",
    ]
    assert cli(*add).exit_code == 0  # the default store, in the user data folder
    sqlite3.connect(tmp_path / "qjtitle.db").close()  # an old store here
    listed = cli("committee", "list")
    assert listed.exit_code == 0 and "QJ-NEW" in listed.stdout
    assert listed.stderr.count("当前文件夹有一个数据库") == 1


# --- audit list and imports list: the same SQL, read the quick way -------------------------------


def _orm_events(store, since=None, until=None, command=None, user=None, limit=None, show_pii=False):
    """``audit list``'s events as the models and SQLAlchemy's ORM found them (before issue 27)."""
    from sqlmodel import col, select

    from qjtitle.models import AuditEvent
    from qjtitle.privacy import mask_tree
    from qjtitle.store.audit_list import ListedEvent, local_time

    with store.transaction() as session:
        query = select(AuditEvent)
        if command:
            query = query.where(col(AuditEvent.command).contains(command.strip(), autoescape=True))
        if user:
            query = query.where(col(AuditEvent.user) == user.strip())
        events = list(session.exec(query.order_by(col(AuditEvent.id))))
    local = [(e, e.at.astimezone().date()) for e in events]
    picked = [
        e for e, d in local if (since is None or d >= since) and (until is None or d <= until)
    ]
    if limit is not None:
        picked = picked[-limit:]
    return [
        ListedEvent(
            e.id or 0,
            e.at,
            e.user,
            e.os_user,
            e.command,
            e.action,
            e.detail if show_pii else mask_tree(e.detail),
            e.prev_hash,
            e.hash,
            local_time(e.at),
        )
        for e in picked
    ]


def _events_to_list(store, make_workbook):
    """Events of several commands and users, one with an ID number and a command with LIKE's
    wildcards in it."""
    from qjtitle.store import audit

    import_applicants(store, [_people(make_workbook)], "QJ-WS-ZJ", YEAR)
    number = idcard.make("530302", date(1985, 3, 15), 122)
    with store.transaction() as session:
        audit.record(session, "draw 3", "draw.recorded", {"id_number": number}, user="王明")
        audit.record(session, "x_%y", "note", {"phone": "13888000001"}, user=" 李四 ")


def _audit_filters():
    today = date.today()
    return [
        {},
        {"command": "draw"},
        {"command": "_%"},  # LIKE's wildcards are matched as written
        {"command": "%"},
        {"command": "  "},
        {"user": "王明"},
        {"user": " 王明 "},
        {"limit": 2},
        {"limit": 1, "command": "import"},
        {"since": today, "until": today},
        {"since": date(2000, 1, 1)},
        {"until": date(2000, 1, 1)},
        {"show_pii": True},
    ]


@pytest.mark.both_backends
def test_audit_list_reads_what_the_models_hold(store, committee, make_workbook, db_path):
    from qjtitle.store import audit, read_store
    from qjtitle.store.audit_list import read_events

    _events_to_list(store, make_workbook)
    assert len(_orm_events(store)) >= 4
    for given in _audit_filters():
        expected = _orm_events(store, **given)
        assert audit.list_events(store, **given) == expected, given
        if store.path is not None:  # the quick way, by the file
            assert read_store(str(db_path), lambda r, g=given: read_events(r, **g)) == expected
    (masked,) = audit.list_events(store, user="王明")
    assert "*" in masked.detail["id_number"]
    assert [e.command for e in audit.list_events(store, command="_%")] == ["x_%y"]
    for wrong in ({"limit": 0}, {"since": date(2024, 1, 2), "until": date(2024, 1, 1)}):
        with pytest.raises(InvalidValue) as quick_error:
            read_store(store, lambda r, w=wrong: read_events(r, **w))
        assert quick_error.value.finding.code in ("audit.limit", "audit.dates")


def _orm_imports(store, committee_code=None, year=None):
    """``imports list`` as the models and SQLAlchemy's ORM found it (before issue 27)."""
    from datetime import UTC

    from sqlmodel import col, select

    from qjtitle.intake.withdrawal import ImportRun
    from qjtitle.models import Committee, ImportBatch, ImportUndo, Meeting

    with store.transaction() as session:
        query = select(ImportBatch, Committee.code).join(
            Committee, col(Committee.id) == col(ImportBatch.committee_id)
        )
        if committee_code:
            query = query.where(
                ImportBatch.committee_id == committees.get(session, committee_code).id
            )
        if year:
            query = query.where(ImportBatch.year == year)
        undone = {u.import_batch_id: u.reason for u in session.exec(select(ImportUndo))}
        held = {
            (cid, y or d.year)
            for cid, y, d in session.exec(
                select(col(Meeting.committee_id), col(Meeting.year), col(Meeting.date))
            )
        }
        return [
            ImportRun(
                b.id or 0,
                b.file_name,
                code,
                b.year,
                b.imported_at if b.imported_at.tzinfo else b.imported_at.replace(tzinfo=UTC),
                b.user,
                b.row_count,
                b.imported,
                b.updated - b.unchanged,
                b.unchanged,
                b.needs_correction,
                len(b.rejected),
                undone.get(b.id or 0, ""),
                (b.committee_id, b.year) in held,
            )
            for b, code in session.exec(query.order_by(col(ImportBatch.id)))
        ]


@pytest.mark.both_backends
def test_imports_list_reads_what_the_models_hold(
    store, committee, make_workbook, db_path, draw_meeting
):
    from qjtitle.intake import withdrawal

    draw_meeting()  # a meeting in 2023
    committees.add(store, "QJ-AA", "另一个评委会", "副高级", "卫生", ["护理"], "甲", "乙", 15)
    import_applicants(store, [_people(make_workbook)], "QJ-WS-ZJ", YEAR)
    bad = applicant_row(序号=1, 姓名="", 身份证号码="x")  # not accepted: a rejected row
    other = make_workbook([applicant_row(序号=1, 姓名="赵敏"), bad], name="02_另院.xlsx")
    run = import_applicants(store, [other], "QJ-AA", YEAR + 1).files[0]
    withdrawal.undo_import(store, run.batch or 0, "导错了评委会")
    import_applicants(store, [_people(make_workbook)], "QJ-WS-ZJ", YEAR)  # unchanged rows
    everything = _orm_imports(store)
    assert len(everything) == 3 and everything[1].undone and everything[0].meeting_in_year
    assert not everything[1].meeting_in_year and everything[2].unchanged == 3
    for given in [{}, {"committee_code": "QJ-AA"}, {"year": YEAR}, {"year": YEAR + 5}]:
        expected = _orm_imports(store, **given)
        assert withdrawal.list_imports(store, **given) == expected, given
        if store.path is not None:  # the quick way, by the file
            assert withdrawal.list_imports(str(db_path), **given) == expected, given
    with pytest.raises(NotFound) as usual_error:
        _orm_imports(store, "QJ-XX")
    with pytest.raises(NotFound) as error:
        withdrawal.list_imports(store, "QJ-XX")
    assert str(error.value) == str(usual_error.value)
    if store.path is not None:
        with pytest.raises(NotFound) as quick_error:
            withdrawal.list_imports(str(db_path), "QJ-XX")
        assert str(quick_error.value) == str(usual_error.value)
