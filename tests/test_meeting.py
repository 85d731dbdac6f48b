"""Meetings: creation with the size rules, listing, showing; the CLI prints the id later commands use."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from qjtitle import committees
from qjtitle import meetings as meeting
from qjtitle.errors import AlreadyExists, InvalidValue, NotFound
from qjtitle.models import AuditEvent

# Store-level tests run on SQLite and, when configured, on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_backends


def test_add_list_show(store, committee) -> None:
    m, warnings = meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, " 曲靖市会议中心 ")
    assert (m.id, m.date, m.end_date, m.place, m.size, warnings) == (
        1,
        date(2023, 11, 20),
        None,
        "曲靖市会议中心",
        11,
        [],
    )
    m2, _ = meeting.add(
        store, "QJ-WS-ZJ", date(2024, 3, 4), 13, "会议室", end_date=date(2024, 3, 5)
    )
    assert m2.end_date == date(2024, 3, 5) and meeting.last_day(m2) == date(2024, 3, 5)
    assert [x.id for x in meeting.list_all(store)] == [1, 2]
    assert [x.id for x in meeting.list_all(store, year=2024)] == [2]
    assert [x.id for x in meeting.list_all(store, committee_code="QJ-WS-ZJ", year=2023)] == [1]
    assert meeting.show(store, 2).last_day == date(2024, 3, 5)
    assert meeting.show(store, 1).as_dict() == {
        "id": 1,
        "committee": "QJ-WS-ZJ",
        "committee_name": "曲靖市卫生系列中级职称评审委员会",
        "level": "中级",
        "date": "2023-11-20",
        "end_date": None,
        "place": "曲靖市会议中心",
        "size": 11,
        "year": 2023,
    }
    with store.transaction() as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "meeting.created")
        ).all()
    assert [e.detail["date"] for e in events] == ["2023-11-20", "2024-03-04"]


def test_size_must_be_odd_and_at_least_the_committee_minimum(store, committee) -> None:
    with pytest.raises(
        InvalidValue, match=r"评委会人数 12 无效：评委会组成人员应当为单数.*（通知 三（二））"
    ) as refused:
        meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 12)
    found = refused.value.finding
    assert found.code == "meeting.size_even" and found.rule == "COMMITTEE_SIZE_ODD"
    assert found.fix is not None and found.fix.hint == "请改为单数，如 13"
    with pytest.raises(InvalidValue, match="评委会人数 9 少于评委会 QJ-WS-ZJ 的最少人数 11"):
        meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 9)
    with pytest.raises(InvalidValue, match="应当为单数"):
        meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 0)
    assert meeting.list_all(store) == []


def test_senior_committee_without_a_minimum_warns_below_the_specialty_floor(store) -> None:
    committees.add(store, "QJ-GX", "曲靖市高级评委会", "副高级", "教育")
    _, warnings = meeting.add(store, "QJ-GX", date(2023, 11, 20), 9)
    assert len(warnings) == 1 and "高级评委会按专业组建的不少于11人" in warnings[0].message
    assert warnings[0].severity == "warning"


def test_dates_duplicates_and_unknowns(store, committee) -> None:
    with pytest.raises(InvalidValue, match="会议结束日期 2023-11-19 早于开始日期 2023-11-20"):
        meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, end_date=date(2023, 11, 19))
    m, _ = meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11, end_date=date(2023, 11, 20))
    assert m.end_date is None  # a one-day meeting
    with pytest.raises(AlreadyExists, match="在 2023-11-20 已有评审会议（编号 1）"):
        meeting.add(store, "QJ-WS-ZJ", date(2023, 11, 20), 11)
    with pytest.raises(NotFound, match="没有代码为“QJ-X”的评委会"):
        meeting.add(store, "QJ-X", date(2023, 11, 20), 11)
    with pytest.raises(NotFound, match="没有编号为 7 的评审会议；最近的会议编号：1"):
        meeting.show(store, 7)


def test_cli_add_prints_the_id_and_list_show_json(cli, committee) -> None:
    result = cli(
        "meeting",
        "add",
        "--committee",
        "QJ-WS-ZJ",
        "--date",
        "2023-11-20",
        "--place",
        "曲靖市会议中心",
        "--size",
        "11",
    )
    assert result.exit_code == 0, result.output
    assert "已新建评审会议，编号 1：QJ-WS-ZJ，2023-11-20，曲靖市会议中心，11 人" in result.output
    assert "qjtitle schedule 1" in result.output
    listed = cli("meeting", "list", "--json")
    assert [m["place"] for m in json.loads(listed.stdout)] == ["曲靖市会议中心"]
    shown = cli("meeting", "show", "1", "--json")
    assert json.loads(shown.stdout)[0]["size"] == 11
    table = cli("meeting", "show", "1")
    assert "评委会人数" in table.output and "曲靖市会议中心" in table.output


def test_cli_refuses_an_even_size_with_exit_1(cli, committee) -> None:
    result = cli(
        "meeting",
        "add",
        "--committee",
        "QJ-WS-ZJ",
        "--date",
        "2023-11-20",
        "--place",
        "x",
        "--size",
        "10",
    )
    assert result.exit_code == 1
    assert "错误：评委会人数 10 无效" in result.stderr
    missing = cli("meeting", "show", "3")
    assert missing.exit_code == 1 and "没有编号为 3 的评审会议" in missing.stderr
