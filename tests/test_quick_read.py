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
from qjtitle.errors import NotFound
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
