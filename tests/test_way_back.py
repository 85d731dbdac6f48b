"""Issue 24.1: withdraw and reinstate an applicant, list and undo import runs: on the record, nothing
deleted, refused after the seal; the refused cases change nothing (the SQLite file byte-identical)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from qjtitle import idcard, rules
from qjtitle.cli._findings import say
from qjtitle.errors import InvalidValue
from qjtitle.findings import Step
from qjtitle.intake import withdrawal
from qjtitle.intake.applicants import import_applicants
from qjtitle.meetings import meeting_applicants
from qjtitle.models import Applicant, ApplicantWithdrawal, AuditEvent, ImportBatch, Meeting
from qjtitle.store import audit, sealing
from tests.conftest import applicant_row

pytestmark = pytest.mark.both_backends


def person(name: str, seq: int, **overrides: Any) -> dict[str, Any]:
    return applicant_row(
        序号=seq,
        姓名=name,
        身份证号码=idcard.make("530302", date(1985, 3, seq), 120 + 2 * seq),
        **overrides,
    )


def applicants(store) -> dict[str, Applicant]:
    with store.transaction() as session:
        return {a.name: a for a in session.exec(select(Applicant))}


def actions(store) -> list[str]:
    with store.transaction() as session:
        return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def _state(store) -> Any:
    with store.transaction() as session:
        return (
            sorted(repr(sorted(a.model_dump().items())) for a in session.exec(select(Applicant))),
            len(list(session.exec(select(AuditEvent)))),
            len(list(session.exec(select(ApplicantWithdrawal)))),
        )


@contextmanager
def unchanged(store, backend: str, db_path: Path) -> Iterator[None]:
    """What the block refuses leaves the store as it was: byte for byte on SQLite."""
    before = db_path.read_bytes() if backend == "sqlite" else _state(store)
    yield
    after = db_path.read_bytes() if backend == "sqlite" else _state(store)
    assert after == before


@pytest.fixture
def roster(store, committee, make_workbook):
    """Three applicants of 一院 imported for 2023 (run 1)."""
    path = make_workbook(
        [person("张丽", 1), person("王芳", 2), person("李强", 3, 联系电话="123")], name="一院.xlsx"
    )
    report = import_applicants(store, [path], "QJ-WS-ZJ", 2023)
    assert report.files[0].batch is not None
    return path


def test_withdraw_and_reinstate_are_recorded_and_leave_the_lists(
    store, roster, backend, db_path, draw_meeting
):
    m = draw_meeting()
    a = applicants(store)
    done = withdrawal.withdraw(store, str(a["王芳"].id), "本人书面申请撤回")
    assert (done.before, done.after) == (rules.STATUS_ACCEPTED, rules.STATUS_RETRACTED)
    assert applicants(store)["王芳"].status == rules.STATUS_RETRACTED
    with store.transaction() as session:
        meeting = session.get(Meeting, m)
        assert "王芳" not in {x.name for x in meeting_applicants(session, meeting)}
    # withdrawing again, or reinstating an application that is before the committee: refused, nothing written
    with unchanged(store, backend, db_path):
        with pytest.raises(InvalidValue, match="已经撤回"):
            withdrawal.withdraw(store, "王芳", "再撤一次")
        with pytest.raises(InvalidValue, match="无须恢复"):
            withdrawal.reinstate(store, "张丽", "没有撤回过")
        with pytest.raises(InvalidValue, match="撤回申报须写明理由") as no_reason:
            withdrawal.withdraw(store, "张丽", "  ")
    assert no_reason.value.finding.fix.field == "reason"
    back = withdrawal.reinstate(store, "王芳", "撤回申请已收回")
    assert (back.before, back.after) == (rules.STATUS_RETRACTED, rules.STATUS_ACCEPTED)
    # 李强 (wrong phone) is 待补正: withdrawn and reinstated, back to 待补正
    withdrawal.withdraw(store, "李强", "该行不是申报")
    assert (
        withdrawal.reinstate(store, "李强", "核实确为申报").after == rules.STATUS_NEEDS_CORRECTION
    )
    assert actions(store)[-4:] == [
        "applicant.withdrawn",
        "applicant.reinstated",
        "applicant.withdrawn",
        "applicant.reinstated",
    ]
    with store.transaction() as session:
        kept = list(session.exec(select(ApplicantWithdrawal).order_by(ApplicantWithdrawal.id)))
    assert [(w.action, w.reason) for w in kept][:2] == [
        ("withdraw", "本人书面申请撤回"),
        ("reinstate", "撤回申请已收回"),
    ]
    assert audit.verify_store(store).ok


def test_a_row_of_a_withdrawn_applicant_is_refused_with_the_way_back(store, roster, cli):
    from qjtitle.intake.import_report import problem_lines

    wang = applicants(store)["王芳"].id
    withdrawal.withdraw(store, str(wang), "本人书面申请撤回")
    report = import_applicants(store, [roster], "QJ-WS-ZJ", 2023)
    (refused,) = report.files[0].rejected
    assert refused.reason == f"王芳（编号 {wang}）已撤回申报，本行未导入"  # kept, told: no command
    assert refused.fix is not None
    assert (refused.fix.step, refused.fix.args["key"]) == (Step.REINSTATE_APPLICANT, wang)
    (line,) = [x for x in problem_lines(report) if x.result == "未受理"]
    assert (line.problem, line.fix) == (refused.reason, "请恢复申报")
    r = cli("import-applicants", str(roster), "-c", "QJ-WS-ZJ", "-y", "2023")
    assert r.exit_code == 0, r.output
    assert (
        f"已撤回申报，本行未导入；确需恢复请用：qjtitle applicants reinstate {wang} --reason 理由"
        in "".join(r.stdout.split("\n"))
    )


def test_reinstating_a_withdrawal_after_the_deadline_clears_the_deadline(
    store, roster, backend, db_path
):
    from qjtitle.intake import corrections

    corrections.issue_notices(store, "QJ-WS-ZJ", db_path.parent / "告知书", today=date(2023, 9, 25))
    gone = corrections.expire(store, "QJ-WS-ZJ", today=date(2023, 11, 1))
    assert [g.name for g in gone] == ["李强"]
    done = withdrawal.reinstate(store, "李强", "补正材料按期寄出，邮戳为证")
    assert (done.before, done.after) == (rules.STATUS_WITHDRAWN, rules.STATUS_NEEDS_CORRECTION)
    again = applicants(store)["李强"]
    assert again.correction_deadline is None
    assert corrections.expire(store, "QJ-WS-ZJ", today=date(2023, 11, 1)) == []
    with store.transaction() as session:
        w = session.exec(select(ApplicantWithdrawal)).one()
    assert w.deadline_before is not None and w.status_before == rules.STATUS_WITHDRAWN
    assert audit.verify_store(store).ok


def test_a_withdrawn_applicant_is_not_revived_by_importing_the_file_again(store, roster):
    withdrawal.withdraw(store, "王芳", "本人书面申请撤回")
    report = import_applicants(store, [roster], "QJ-WS-ZJ", 2023)
    assert applicants(store)["王芳"].status == rules.STATUS_RETRACTED
    assert any("已撤回申报" in r.reason and r.name == "王芳" for r in report.files[0].rejected)


def test_imports_are_numbered_and_an_undo_restores_what_a_run_changed(
    store, roster, make_workbook, backend, db_path
):
    before = applicants(store)
    corrected = make_workbook(
        [
            person("张丽", 1),
            person("王芳", 2, 联系电话="13888000002"),
            person("李强", 3, 联系电话="13888000003"),
            person("赵敏", 4),
        ],
        name="一院.xlsx",
    )
    second = import_applicants(store, [corrected], "QJ-WS-ZJ", 2023).files[0]
    runs = withdrawal.list_imports(store, "QJ-WS-ZJ")
    assert [(r.number, r.file, r.year, r.added, r.updated, r.unchanged) for r in runs] == [
        (runs[0].number, "一院.xlsx", 2023, 3, 0, 0),
        (second.batch, "一院.xlsx", 2023, 1, 2, 1),
    ]
    # the first run cannot be undone while the second one changed its rows
    refused = pytest.raises(InvalidValue, match=f"请先撤销第 {second.batch} 次导入")
    with unchanged(store, backend, db_path), refused:
        withdrawal.undo_import(store, runs[0].number, "试试")
    done = withdrawal.undo_import(store, second.batch or 0, "误把改正前的表当作改正后的")
    assert [c.name for c in done.withdrawn] == ["赵敏"]
    assert sorted(c.name for c in done.restored) == ["张丽", "李强", "王芳"]
    after = applicants(store)
    assert after["赵敏"].status == rules.STATUS_RETRACTED
    for name in ("张丽", "王芳", "李强"):
        assert withdrawal.snapshot(after[name]) == withdrawal.snapshot(before[name])
    assert after["李强"].status == rules.STATUS_NEEDS_CORRECTION
    listed = withdrawal.list_imports(store)
    assert listed[-1].undone == "误把改正前的表当作改正后的"
    again = pytest.raises(InvalidValue, match="已于.*撤销.*无须再撤销")
    with unchanged(store, backend, db_path), again as refused:
        withdrawal.undo_import(store, second.batch or 0, "再撤一次")
    assert say(refused.value.finding).endswith(
        "无须再撤销；其中个别人要恢复，请用：qjtitle applicants reinstate 申报人编号或姓名 --reason 理由"
    )
    assert actions(store)[-1] == "applicants.import_undone"
    assert audit.verify_store(store).ok


def test_a_file_imported_into_the_wrong_year_is_undone_and_imported_again(
    store, committee, make_workbook, draw_meeting
):
    draw_meeting()  # a meeting in 2023
    path = make_workbook([person("张丽", 1)], name="二院.xlsx")
    wrong = import_applicants(store, [path], "QJ-WS-ZJ", 2024)
    assert wrong.meeting_years == (2023,)  # said plainly: no meeting of the committee in 2024
    withdrawal.undo_import(store, wrong.files[0].batch or 0, "年度填错，应为2023")
    right = import_applicants(store, [path], "QJ-WS-ZJ", 2023)
    assert right.meeting_years is None and right.files[0].imported == 1
    with store.transaction() as session:
        rows = {(a.year, a.status) for a in session.exec(select(Applicant))}
    assert rows == {(2024, rules.STATUS_RETRACTED), (2023, rules.STATUS_ACCEPTED)}
    assert audit.verify_store(store).ok


def test_a_file_imported_into_the_wrong_committee_can_be_sent_again_after_the_undo(
    store, committee, make_workbook
):
    from qjtitle import committees

    committees.add(
        store,
        "QJ-WS-FG",
        "曲靖市卫生系列副高级职称评审委员会",
        "中级",
        "卫生",
        ["护理"],
        "卫健委",
        "人社局",
        11,
    )
    path = make_workbook([person("张丽", 1)], name="三院.xlsx")
    wrong = import_applicants(store, [path], "QJ-WS-FG", 2023)
    withdrawal.undo_import(store, wrong.files[0].batch or 0, "评委会选错")
    right = import_applicants(store, [path], "QJ-WS-ZJ", 2023)
    assert right.files[0].rejected == []
    a = applicants(store)["张丽"]
    assert a.status == rules.STATUS_ACCEPTED and a.committee_id == committee.id
    # undoing the second run puts the row back as the undo left it: withdrawn, in the first committee
    withdrawal.undo_import(store, right.files[0].batch or 0, "再撤销")
    assert applicants(store)["张丽"].status == rules.STATUS_RETRACTED
    assert audit.verify_store(store).ok


def test_after_the_seal_each_way_back_is_refused_and_points_to_correct(
    store_url, backend, tmp_path
):
    from tests.conftest import build_filing_meeting

    fm = build_filing_meeting(tmp_path / "m", url=None if backend == "sqlite" else store_url)
    store = fm.store
    db_file = tmp_path / "m" / "qjtitle.db"
    _name, number = next(iter(fm.applicants.items()))
    with store.transaction() as session:
        batch = session.exec(select(ImportBatch)).first()
    assert batch is not None
    with unchanged(store, backend, db_file):
        with pytest.raises(sealing.SealError, match="评审并封存，不能再撤回") as withdrawn:
            withdrawal.withdraw(store, str(number), "太晚了")
        with pytest.raises(sealing.SealError, match="评审并封存，不能再撤销这次导入") as undone:
            withdrawal.undo_import(store, batch.id or 0, "太晚了")
    for refused in (withdrawn, undone):  # the way on: a correction after the seal
        assert refused.value.finding.fix.step == Step.CORRECT_APPLICANT
        assert f"applicants correct {refused.value.finding.fix.args['key']} --set" in say(
            refused.value.finding
        )
    assert audit.verify_store(store).ok
    store.close()


def test_cli_withdraw_reinstate_imports_list_and_undo(cli, store, roster, backend, db_path):
    a = applicants(store)
    r = cli("applicants", "withdraw", str(a["王芳"].id), "--reason", "本人书面申请撤回")
    assert r.exit_code == 0, r.output
    assert "已撤回：王芳" in r.output and "已受理 → 已撤回" in r.output
    r = cli("applicants", "list", "--committee", "QJ-WS-ZJ", "--status", "已撤回", "--json")
    assert [x["name"] for x in json.loads(r.stdout)] == ["王芳"]
    r = cli("applicants", "reinstate", "王芳", "--reason", "撤回申请已收回")
    assert r.exit_code == 0 and "已撤回 → 已受理" in r.output
    r = cli("imports", "list", "--json")
    runs = json.loads(r.stdout)
    assert [(x["file"], x["committee"], x["year"], x["added"]) for x in runs] == [
        ("一院.xlsx", "QJ-WS-ZJ", 2023, 3)
    ]
    r = cli("imports", "list")
    assert "导入记录（QJ-WS-ZJ）" in r.output and "2023*" in r.output
    assert "* 该评委会在这一年度没有评审会议" in r.output
    with unchanged(store, backend, db_path):  # not on a terminal: --yes is needed
        r = cli("imports", "undo", str(runs[0]["number"]), "--reason", "导错")
        assert r.exit_code == 1 and "--yes" in r.stderr
        # the question says what the undo would do
        assert (
            "撤销第 1 次导入（一院.xlsx，QJ-WS-ZJ，2023年度）：3 人改为“已撤回”，0 人恢复"
            in r.stderr
        )
    r = cli("imports", "undo", str(runs[0]["number"]), "--reason", "导错", "--yes")
    assert r.exit_code == 0, r.output
    assert "这次新增的 3 人已撤回" in r.output
    with unchanged(store, backend, db_path):  # refused before anything is asked
        r = cli("imports", "undo", str(runs[0]["number"]), "--reason", "再撤")
        assert r.exit_code == 1 and "无须再撤销" in r.stderr and "--yes" not in r.stderr
    r = cli("imports", "list")
    assert "第 1 次导入已撤销，理由：导错" in r.output
    assert audit.verify_store(store).ok


def test_cli_import_summary_names_the_run_and_a_year_without_a_meeting(
    cli, store, committee, make_workbook, draw_meeting
):
    draw_meeting()
    path = make_workbook([person("张丽", 1)], name="四院.xlsx")
    r = cli("import-applicants", str(path), "--committee", "QJ-WS-ZJ", "--year", "2024")
    assert r.exit_code == 0, r.output
    assert "该评委会在 2024 年度没有评审会议（有评审会议的年度：2023）" in r.output
    assert "导入编号：1；导错了可用 qjtitle imports undo 编号 --reason 理由 撤销" in r.output


def test_a_withdrawn_applicant_leaves_the_filing_roster_and_counts(filing_builds, tmp_path):
    from qjtitle.filing import gather as gathering
    from qjtitle.filing.premeeting import PreMeeting
    from tests.conftest import copy_filing_meeting

    fm = copy_filing_meeting(filing_builds("unsealed"), tmp_path / "m")
    try:
        options = gathering.FilingOptions()
        before = PreMeeting(
            gathering.gather(fm.store, fm.meeting, "pre", date(2023, 11, 13)), options
        )
        name = next(iter(fm.applicants))
        withdrawal.withdraw(fm.store, str(fm.applicants[name]), "本人书面申请撤回")
        after = PreMeeting(
            gathering.gather(fm.store, fm.meeting, "pre", date(2023, 11, 13)), options
        )
        assert name in {a.name for a in before.data.accepted}
        assert name not in {a.name for a in after.data.applicants}
        assert after.counts()["received"] == before.counts()["received"] - 1
        assert after.counts()["passed"] == before.counts()["passed"] - 1
        rows = after.eligibility_results()["rows"]
        assert all(r["name"] != name for r in rows)  # type: ignore[union-attr]
        assert audit.verify_store(fm.store).ok
    finally:
        fm.store.close()


def test_an_undo_is_refused_when_a_later_run_flagged_one_of_its_rows(
    store, roster, make_workbook, backend, db_path
):
    """A later run that only flags a row (the same ID sent by another unit) changed it too: undoing
    the earlier run would silently drop that flag, so it is refused until the later run is undone."""
    first = withdrawal.list_imports(store)[0].number
    other = make_workbook([person("王芳", 2, 工作单位="曲靖市第二人民医院")], name="二院.xlsx")
    later = import_applicants(store, [other], "QJ-WS-ZJ", 2023).files[0]
    flagged = applicants(store)["王芳"]
    assert flagged.status == rules.STATUS_NEEDS_CORRECTION
    assert any("又由" in p["message"] for p in flagged.problems)
    refused = pytest.raises(InvalidValue, match=f"请先撤销第 {later.batch} 次导入")
    with unchanged(store, backend, db_path), refused:
        withdrawal.undo_import(store, first, "试试")
    withdrawal.undo_import(store, later.batch or 0, "二院的表报错了人")
    assert applicants(store)["王芳"].status == rules.STATUS_ACCEPTED
    withdrawal.undo_import(store, first, "整份表作废")
    assert applicants(store)["王芳"].status == rules.STATUS_RETRACTED
    assert audit.verify_store(store).ok


def test_imports_list_reads_at_80_columns(cli, store, roster, make_workbook, monkeypatch, request):
    """Ten narrow columns folded every cell (file names, years, times) over three or four lines;
    at 80 columns a run's facts now stay whole on its first line, the committee in the title."""
    from rich.cells import cell_len

    path = make_workbook([person("赵敏", 4)], name="曲靖市第二人民医院.xlsx")
    import_applicants(store, [path], "QJ-WS-ZJ", 2023)
    withdrawal.undo_import(store, 1, "年度填错，应为2024")
    from qjtitle.cli._console import console

    monkeypatch.setenv("COLUMNS", "80")  # read when the (cached) console is made
    console.cache_clear()
    request.addfinalizer(console.cache_clear)
    r = cli("imports", "list")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()  # (stderr names the store, a long temporary path here)
    assert max(cell_len(line) for line in lines) <= 80, r.stdout
    one = next(line for line in lines if line.startswith("│ 1 "))
    assert "一院.xlsx" in one and "2023*" in one and "新增 3" in one and "已撤销" in one
    two = next(line for line in lines if line.startswith("│ 2 "))
    # a long file name is what folds (the widest column gives way first); the rest stays whole
    assert "曲靖市第二人民医院" in two and "2023*" in two and "新增 1" in two and "有效" in two
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", two)
    assert "导入记录（QJ-WS-ZJ）" in r.output
    assert "第 1 次导入已撤销，理由：年度填错，应为2024" in r.output


def test_cli_a_footer_row_is_withdrawn_by_name_and_said_plainly(
    cli, store, committee, make_workbook
):
    """A row with a name and nothing else (a 合计 footer is skipped now, this one is not) has no unit:
    the message had an empty "，，"; the same name in two years named only bare numbers, now their
    years, units and statuses."""
    path = make_workbook([person("张丽", 1), ["9", "王五"]], name="五院.xlsx")
    import_applicants(store, [path], "QJ-WS-ZJ", 2024)
    withdrawal.undo_import(store, 1, "年度填错")
    import_applicants(store, [path], "QJ-WS-ZJ", 2023)
    r = cli("applicants", "withdraw", "王五", "--reason", "表尾合计行")
    assert r.exit_code == 1
    assert re.search(
        r"有多名申报人为“王五”：\d+（2024年度，无单位，已撤回）、\d+（2023年度", r.stderr
    )
    assert "；请用 --year 写明年度，或改用编号" in r.stderr
    r = cli("applicants", "withdraw", "王五", "--year", "2023", "--reason", "表尾合计行")
    assert r.exit_code == 0, r.output
    assert re.search(
        r"已撤回：王五（编号 \d+，2023年度）待补正 → 已撤回；理由：表尾合计行", r.stdout
    )
    assert audit.verify_store(store).ok


def test_an_undo_puts_back_problems_kept_before_findings_as_findings():
    """A run kept (in its snapshots) before revision 0013 restores its problems in today's shape."""
    from qjtitle.intake.roster_checks import KIND_PHONE, Problem

    flat = Problem("联系电话", "联系电话“123”格式不对", "请填写11位手机号码", KIND_PHONE, "T2")
    a = Applicant(year=2023, committee_id=1, person_key="k")
    withdrawal._restore(a, {"status": "待补正", "problems": [flat.as_dict()]})
    assert a.problems == [flat.as_stored()] and a.problems[0]["code"] == "intake.phone"
