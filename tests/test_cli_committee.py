"""qjtitle committee add|list|show."""

from __future__ import annotations

import json
import re

from sqlalchemy import func
from sqlmodel import select

from qjtitle.models import AuditEvent, Committee

ADD = [
    "committee",
    "add",
    "QJ-WS-FG",
    "--name",
    "曲靖市卫生系列副高级职称评审委员会",
    "--level",
    "副高级",
    "--series",
    "卫生",
    "--specialty",
    "临床医学",
    "--specialty",
    " 护理 ",
    "--organizer",
    "曲靖市卫生健康委员会",
    "--approver",
    "曲靖市人力资源和社会保障局",
    "--min-size",
    "25",
    "--pool-filed",
    "2022-06-30",
]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def committee_count(store) -> int:
    with store.transaction() as session:
        return session.exec(select(func.count()).select_from(Committee)).one()


def test_add_then_show_as_json(cli, store):
    result = cli(*ADD)
    assert result.exit_code == 0, result.output
    assert flat(
        "已新建评委会 QJ-WS-FG：曲靖市卫生系列副高级职称评审委员会（副高级，卫生系列）"
    ) in flat(result.stdout)
    result = cli("committee", "show", "QJ-WS-FG", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "code": "QJ-WS-FG",
            "name": "曲靖市卫生系列副高级职称评审委员会",
            "level": "副高级",
            "series": "卫生",
            "specialties": ["临床医学", "护理"],
            "organizer": "曲靖市卫生健康委员会",
            "approver": "曲靖市人力资源和社会保障局",
            "min_size": 25,
            "pool_filed": "2022-06-30",
            "vote_denominator": "all_attending",
            "pass_rate_cap": None,
            "handler": "",
            "contact": "",
            "contact_phone": "",
            "signer": "",
            "doc_code": "",
        }
    ]
    with store.transaction() as session:
        event = session.exec(select(AuditEvent)).one()
        assert (event.command, event.action, event.detail["code"]) == (
            "committee add",
            "committee.created",
            "QJ-WS-FG",
        )


def test_show_as_a_table(cli, committee):
    result = cli("committee", "show", "QJ-WS-ZJ")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    for fragment in (
        "代码",
        "QJ-WS-ZJ",
        "级别",
        "中级",
        "专业",
        "临床医学、护理、药学、医学检验技术",
        "最少人数",
        "11",
        "核准组建部门",
        "曲靖市人力资源和社会保障局",
    ):
        assert flat(fragment) in out


def test_list_as_json_counts_applicants(cli, store, committee, make_workbook):
    from qjtitle.intake.applicants import import_applicants
    from tests.conftest import applicant_row

    assert cli(*ADD).exit_code == 0
    import_applicants(store, [make_workbook([applicant_row()])], "QJ-WS-ZJ", 2023)
    result = cli("committee", "list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(c["code"], c["level"], c["applicants"]) for c in data] == [
        ("QJ-WS-FG", "副高级", 0),
        ("QJ-WS-ZJ", "中级", 1),
    ]
    assert data[1]["pool_filed"] is None
    table = cli("committee", "list")
    assert table.exit_code == 0
    assert "曲靖市卫生系列中级职称评审委员会" in table.stdout
    assert "临床医学、护理、药学、医学检验技术" in flat(table.stdout)


def test_list_empty(cli, store):
    result = cli("committee", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_invalid_level_is_a_usage_error(cli, store):
    result = cli("committee", "add", "X", "--name", "x", "--level", "高级", "--series", "卫生")
    assert result.exit_code == 2
    assert "高级" in result.stderr
    assert "正高级" in result.stderr and "副高级" in result.stderr and "中级" in result.stderr
    assert committee_count(store) == 0


def test_even_min_size_is_refused(cli, store):
    args = [a if a != "25" else "24" for a in ADD]
    result = cli(*args)
    assert result.exit_code == 1
    assert "评委会最少人数 24 无效：评委会组成人员应当为单数（通知 三（二））" in result.stderr
    assert committee_count(store) == 0


def test_duplicate_code_is_refused_and_nothing_changes(cli, store):
    assert cli(*ADD).exit_code == 0
    result = cli(
        "committee", "add", "QJ-WS-FG", "--name", "另一个", "--level", "中级", "--series", "工程"
    )
    assert result.exit_code == 1
    assert (
        "评委会代码“QJ-WS-FG”已存在；请换一个代码，或查看这个评委会：qjtitle committee show QJ-WS-FG"
        in result.stderr
    )
    assert committee_count(store) == 1
    with store.transaction() as session:
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 1
        assert session.exec(select(Committee.name)).one() == "曲靖市卫生系列副高级职称评审委员会"


def test_future_pool_filing_date_is_refused(cli, store):
    args = [a if a != "2022-06-30" else "2099-01-01" for a in ADD]
    result = cli(*args)
    assert result.exit_code == 1
    assert "专家库备案日期 2099-01-01 晚于今天；请核对" in result.stderr


def test_show_unknown_code(cli, committee):
    result = cli("committee", "show", "NOPE")
    assert result.exit_code == 1
    assert (
        "没有代码为“NOPE”的评委会；已有：QJ-WS-ZJ；如是新的评委会，请新建：qjtitle committee add NOPE --name"
        in result.stderr
    )


def test_show_unknown_code_in_an_empty_store(cli, store):
    result = cli("committee", "show", "NOPE", "--json")
    assert result.exit_code == 1
    assert "已有：（尚无评委会）" in result.stderr
    assert result.stdout == ""


def test_set_the_people_and_code_the_documents_print(cli, committee, store):
    result = cli(
        "committee",
        "set",
        "QJ-WS-ZJ",
        "--handler",
        "李芳",
        "--contact",
        "李老师",
        "--contact-phone",
        "0874-3123456",
        "--signer",
        "王国强",
        "--doc-code",
        "曲卫职评",
    )
    assert result.exit_code == 0, result.output
    assert "经办人李芳" in flat(result.stdout) and "签发人王国强" in flat(result.stdout)
    shown = json.loads(cli("committee", "show", "QJ-WS-ZJ", "--json").stdout)[0]
    assert (shown["handler"], shown["signer"], shown["doc_code"]) == ("李芳", "王国强", "曲卫职评")
    with store.transaction() as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "committee.configured")
        ).one()
        assert (
            event.detail["before"]["signer"] == "" and event.detail["after"]["signer"] == "王国强"
        )
    bad = cli("committee", "set", "QJ-WS-ZJ", "--doc-code", "曲卫职评〔2023〕")
    assert bad.exit_code == 1 and "只写代字本身" in bad.stderr
