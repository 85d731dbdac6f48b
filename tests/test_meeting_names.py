"""Meetings named the way people name them, wherever a command takes a meeting: by number, by
date (any spelling the command line accepts), by committee code and date when two committees
meet that day; a day with two meetings answered with a question listing them."""

from __future__ import annotations

from datetime import date

import pytest

from qjtitle.cli._findings import say
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.findings import Step
from qjtitle.intake import names


@pytest.fixture
def two_committees(store, committee, draw_meeting):
    """QJ-WS-ZJ meets 2023-11-20 (and 2023-12-04 to 12-05); QJ-WS-GJ meets 2023-11-20 too:
    (zj_first, zj_long, gj)."""
    from qjtitle import committees
    from qjtitle.models import Meeting

    other = committees.add(
        store,
        "QJ-WS-GJ",
        "曲靖市卫生系列高级职称评审委员会",
        "副高级",
        "卫生",
        ["临床医学"],
        "曲靖市卫生健康委员会",
        "云南省人力资源和社会保障厅",
        11,
    )
    first = draw_meeting()
    with store.transaction() as session:
        long = Meeting(
            committee_id=committee.id, date=date(2023, 12, 4), end_date=date(2023, 12, 5), size=11
        )
        gj = Meeting(committee_id=other.id, date=date(2023, 11, 20), place="曲靖宾馆", size=11)
        session.add_all([long, gj])
        session.flush()
        return first, long.id, gj.id


def test_a_meeting_by_number_date_or_committee_and_date(store, two_committees):
    first, long, gj = two_committees
    assert (
        names.meeting_id(store, "3") == 3
    )  # a number is taken as it is (the command reports a missing one)
    for spelling in (
        "2023-12-04",
        "2023/12/4",
        "20231204",
        "2023.12.04",
        "2023年12月4日",
        "2023-12-05",
    ):
        assert names.meeting_id(store, spelling) == long
    assert names.meeting_id(store, date(2023, 12, 5)) == long
    assert names.meeting_id(store, "QJ-WS-ZJ/2023-11-20") == first
    assert names.meeting_id(store, "qj-ws-gj 2023年11月20日") == gj
    assert names.meeting_id(store, "2023-11-20/QJ-WS-GJ") == gj
    assert names.meeting_id(store, "2023-11-20", committee="QJ-WS-GJ") == gj


def test_a_day_with_two_meetings_is_a_question(store, two_committees):
    first, _long, gj = two_committees
    with pytest.raises(InvalidValue) as asked:
        names.meeting_id(store, "2023-11-20")
    text = str(asked.value)
    assert text.startswith("2023年11月20日有 2 次评审会议，是哪一次？")
    assert f"会议 {first}：QJ-WS-ZJ（曲靖市卫生系列中级职称评审委员会），曲靖市会议中心" in text
    assert f"会议 {gj}：QJ-WS-GJ（曲靖市卫生系列高级职称评审委员会），曲靖宾馆" in text
    assert "如 QJ-WS-ZJ/2023-11-20" in text


def test_no_meeting_that_day_or_no_such_committee(store, two_committees):
    with pytest.raises(NotFound, match="2023年11月21日没有评审会议") as none:
        names.meeting_id(store, "2023-11-21")
    assert (none.value.finding.code, none.value.finding.fix.step) == (
        "intake.no_meeting_that_day",
        Step.LIST_MEETINGS,
    )
    assert say(none.value.finding) == (
        "2023年11月21日没有评审会议；请查看各次会议的编号和日期：qjtitle meeting list"
    )
    with pytest.raises(NotFound, match="评委会 QJ-WS-GJ 2023年12月4日没有评审会议"):
        names.meeting_id(store, "QJ-WS-GJ/2023-12-04")
    with pytest.raises(NotFound, match="没有代码为 QJ-XX 的评委会"):
        names.meeting_id(store, "QJ-XX/2023-11-20")
    with pytest.raises(NotFound, match="不是会议编号，也不是日期"):
        names.meeting_id(store, "11/20/2023")


def test_every_meeting_command_takes_a_date(cli, two_committees):
    first, long, gj = two_committees
    shown = cli("schedule", "2023-12-04")
    assert shown.exit_code == 0, shown.output
    assert f"会议 {long}：" in shown.stdout
    meeting = cli("meeting", "show", "2023年12月5日")
    assert meeting.exit_code == 0, meeting.output
    assert f'"id": {long}' in cli("meeting", "show", "20231204", "--json").stdout
    by_code = cli("meeting", "show", "QJ-WS-GJ/2023-11-20", "--json")
    assert by_code.exit_code == 0 and f'"id": {gj}' in by_code.stdout
    check = cli("schedule", "check", "QJ-WS-ZJ/2023.11.20")
    assert check.exit_code in (0, 1) and f"会议 {first}" in check.output
    listed = cli("draw", "list", "--meeting", "2023-12-04")
    assert listed.exit_code == 0, listed.output
    chosen = cli(
        "draw", "list", "--meeting", "2023-11-20", "--committee", "QJ-WS-GJ"
    )  # the command's own --committee
    assert chosen.exit_code == 0, chosen.output


def test_an_ambiguous_day_on_the_command_line(cli, two_committees):
    first, _long, gj = two_committees
    result = cli("meeting", "show", "2023-11-20")
    assert result.exit_code == 2
    said = "".join(result.stderr.split())  # wrapped at the terminal's width
    assert "参数「会议」：2023年11月20日有2次评审会议，是哪一次？" in said
    assert f"会议{first}：QJ-WS-ZJ" in said and f"会议{gj}：QJ-WS-GJ" in said
    assert "Usage" not in result.output and "Error" not in result.output
    missing = cli("meeting", "seal", "2023-11-22")
    assert missing.exit_code == 2 and "2023年11月22日没有评审会议" in "".join(
        missing.stderr.split()
    )
    nonsense = cli("schedule", "下周一")
    assert nonsense.exit_code == 2 and "不是会议编号，也不是日期" in "".join(
        nonsense.stderr.split()
    )


def test_a_date_needs_a_store_and_says_so(cli, tmp_path):
    result = cli("meeting", "show", "2023-11-20", "--db", str(tmp_path / "无.db"))
    assert result.exit_code == 1
    assert "还没有数据库" in result.stderr
    assert "意外错误" not in result.stderr
    assert not (tmp_path / "无.db").exists()


def test_a_number_or_name_not_found_says_where_to_look_them_up():
    people = [names.Candidate(1, "张三"), names.Candidate(2, "李四")]
    with pytest.raises(NotFound) as by_number:
        names.choose("9", people, "专家", Step.LIST_EXPERTS)
    assert (
        say(by_number.value.finding)
        == "没有编号为 9 的专家；请查看编号和姓名：qjtitle experts list"
    )
    with pytest.raises(NotFound) as by_name:
        names.choose("王五", people, "第4号抽取中的专家", Step.SHOW_DRAW, record=4)
    assert by_name.value.finding.code == "intake.no_such_name"
    assert say(by_name.value.finding) == (
        "找不到第4号抽取中的专家“王五”（可写编号、姓名或18位身份证号码）；请查看：qjtitle draw show 4"
    )
