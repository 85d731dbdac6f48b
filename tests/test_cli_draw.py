"""The expert pool and the draw from the command line: import, draw, verify, export, answers, signatures, document."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import docx
import pytest

from qjtitle.intake import applicants
from qjtitle.paths import sample_data_dir
from tests.conftest import EXPERT_LABELS, expert_row

SAMPLE_POOL = sample_data_dir() / "experts" / "专家库_卫生中级.xlsx"
PEOPLE = ["--drawer", "王明", "--drawer", "李华", "--drawer", "赵强", "--supervisor", "陈静"]
QUOTAS = [
    "--specialty",
    "临床医学=5",
    "--specialty",
    "护理=3",
    "--specialty",
    "药学=2",
    "--specialty",
    "医学检验技术=1",
]
SEED = ["--seed", "4721", "--seed", "9903", "--seed", "1586"]


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the shipped pool (filed 2022-06-30), the sample rosters and the demo's meeting
    on 2023-11-20 (id 1), built once; each test works on its own copy."""
    from qjtitle import committees
    from qjtitle.experts import pool as experts
    from qjtitle.models import Meeting
    from qjtitle.store import open_store

    path = tmp_path_factory.mktemp("sample") / "sample.db"
    store = open_store(path)
    try:
        committees.add(
            store,
            "QJ-WS-ZJ",
            "曲靖市卫生系列中级职称评审委员会",
            "中级",
            "卫生",
            ["临床医学", "护理", "药学", "医学检验技术"],
            "曲靖市卫生健康委员会",
            "曲靖市人力资源和社会保障局",
            11,
        )
        experts.import_experts(store, SAMPLE_POOL, "QJ-WS-ZJ", pool_filed=date(2022, 6, 30))
        applicants.import_applicants(store, [sample_data_dir() / "rosters"], "QJ-WS-ZJ", 2023)
        with store.transaction() as session:
            session.add(
                Meeting(committee_id=1, date=date(2023, 11, 20), place="曲靖市会议中心", size=11)
            )
    finally:
        store.close()
    return path


@pytest.fixture
def sample(sample_store: Path, db_path: Path) -> int:
    """This test's copy of the sample store (the CLI's QJTITLE_DB); returns the meeting id."""
    shutil.copy(sample_store, db_path)
    return 1


def run_draw(cli, meeting: int, *extra: str):
    return cli(
        "draw-experts",
        str(meeting),
        "--alternates",
        "4",
        *QUOTAS,
        *PEOPLE,
        *SEED,
        "--date",
        "2023-11-10",
        "--place",
        "曲靖市卫生健康委员会会议室",
        *extra,
    )


def shown(cli, draw: int = 1) -> dict:
    result = cli("draw", "show", str(draw), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_experts_reports_the_pool(cli, committee) -> None:
    result = cli(
        "import-experts", str(SAMPLE_POOL), "--committee", "QJ-WS-ZJ", "--pool-filed", "2022-06-30"
    )
    assert result.exit_code == 0, result.output
    assert "专家库_卫生中级.xlsx │ 60   │ 60   │ 0    │ 0" in result.output
    assert "专家库备案日期：2022-06-30" in result.output
    listed = json.loads(
        cli(
            "experts",
            "list",
            "--committee",
            "QJ-WS-ZJ",
            "--active-only",
            "--date",
            "2023-11-20",
            "--json",
        ).stdout
    )
    ended = json.loads(
        cli(
            "experts",
            "list",
            "--committee",
            "QJ-WS-ZJ",
            "--active-only",
            "--date",
            "2035-01-01",
            "--json",
        ).stdout
    )
    assert ended == []  # terms over: nobody to draw, though all are 在库
    assert len(listed) == 52 and all(
        "*" in e["id_number"] for e in listed
    )  # 57 在库, 5 past their term
    one = json.loads(cli("experts", "show", str(listed[0]["id"]), "--json", "--show-pii").stdout)[0]
    assert len(one["id_number"]) == 18
    check = json.loads(
        cli("experts", "check", "--committee", "QJ-WS-ZJ", "--date", "2025-03-01", "--json").stdout
    )
    assert check["pool_filing"] == "即将到期" and len(check["ended_terms"]) == 5


def test_import_experts_lists_every_problem_of_a_rejected_row(
    cli, committee, make_workbook
) -> None:
    path = make_workbook(
        [expert_row(1), expert_row(2, 性别="女", 任期起止="2022.07", 状态="")],
        headers=EXPERT_LABELS,
    )
    result = cli("import-experts", str(path), "--committee", "QJ-WS-ZJ", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "未导入的行（每行的全部问题）" in result.output
    for text in (
        "“状态”为空",
        "性别填“女”，身份证号码显示为“男”",
        "任期起止“2022.07”无法识别",
        "试运行",
    ):
        assert text in result.output
    assert json.loads(cli("experts", "list", "--json").stdout) == []


def test_draw_verify_export_confirm_sign_and_document(cli, sample, tmp_path: Path) -> None:
    result = run_draw(cli, sample)
    assert result.exit_code == 0, result.output
    assert "第 1 号抽取记录" in result.output
    assert "随机种子：4721/9903/1586/（抽取人员现场输入）" in result.output
    assert re.search(r"│ 符合条件的专家\s+│ 38 人", result.output)
    assert re.search(r"│ 排除：与申报人同单位（回避）\s+│ 12 人", result.output)
    record = shown(cli)
    assert [p["role"] for p in record["picks"]] == ["member"] * 11 + ["alternate"] * 4
    assert record["picks"][0]["name"] in result.output
    assert record["exclusions"].keys() == {"same_unit", "term", "inactive", "level"}

    verified = cli("verify-draw", "1")
    assert verified.exit_code == 0, verified.output
    assert "结论：抽取结果可复核，一致" in verified.output

    exported = tmp_path / "第1号抽取记录.json"
    assert cli("draw", "export", "1", "--json", str(exported)).exit_code == 0
    assert cli("verify-draw", "--record", str(exported)).exit_code == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    data["picks"][2]["name"], data["picks"][3]["name"] = (
        data["picks"][3]["name"],
        data["picks"][2]["name"],
    )
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused = cli("verify-draw", "--record", str(edited))
    assert refused.exit_code == 1
    assert "第3位不符" in refused.output and "记录指纹不符" in refused.output

    member = next(p for p in record["picks"] if p["slot"] == "临床医学")
    declined = cli(
        "draw",
        "confirm",
        "1",
        str(member["id"]),
        "--declined",
        "--reason",
        "出差",
        "--date",
        "2023-11-12",
    )
    assert declined.exit_code == 0, declined.output
    first_clinical_alternate = next(
        p for p in record["picks"] if p["role"] == "alternate" and p["specialty"] == "临床医学"
    )
    assert (
        f"由第{first_clinical_alternate['position']}位备选 {first_clinical_alternate['name']}"
        in declined.output
    )
    after = shown(cli)
    assert {"position": member["position"], "id": first_clinical_alternate["id"]} in after[
        "members_now"
    ]
    assert len(after["picks"]) == 15 and after["answers"][0]["accepted"] is False
    again = cli("draw", "confirm", "1", str(member["id"]), "--accepted")
    assert again.exit_code == 1 and "替补不能撤回" in again.stderr

    scan = tmp_path / "签字.pdf"
    scan.write_bytes(b"%PDF-1.4 signed")
    signed = cli("draw", "sign", "1", "--scan", str(scan), "--date", "2023-11-10")
    assert signed.exit_code == 0 and "王明、李华、赵强、陈静" in signed.output
    listed = json.loads(cli("draw", "list", "--json").stdout)
    assert listed[0]["signed"] is True and listed[0]["voided_by"] is None

    out = tmp_path / "抽取记录表.docx"
    assert cli("draw", "document", "1", "--out", str(out)).exit_code == 0
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    header = "\n".join(p.text for s in document.sections for p in s.header.paragraphs)
    assert "评审专家抽取记录表" in text and "内部资料　注意保密" in header
    for name in ("王明", "李华", "赵强", "陈静"):
        assert f"{name}　　签字：" in text
    # the evidence for a re-check is in the annex 复核信息, in plain words (check codes in groups of eight)
    assert "附页：复核信息" in text and "4721、9903、1586（抽取人员现场输入）" in cells
    assert record["pool_sha256"][:8] + " " + record["pool_sha256"][8:16] in cells
    assert record["record_sha256"][-16:-8] + " " + record["record_sha256"][-8:] in cells
    assert "SHA" not in text + cells and "qjtitle" not in text + cells
    assert "2023年11月20日　曲靖市会议中心" in cells
    assert "与申报人同单位（回避）\n12" in cells
    assert all(p["name"] in cells for p in record["picks"])
    assert (
        f"由第{first_clinical_alternate['position']}位备选 {first_clinical_alternate['name']} 替补（{member['name']}谢绝：出差）"
        in text
    )


def test_sealed_output_shows_no_names(cli, sample) -> None:
    result = run_draw(cli, sample, "--sealed")
    assert result.exit_code == 0, result.output
    record = shown(cli)
    assert not any(p["name"] in result.output for p in record["picks"])
    sealed = cli("draw", "show", "1", "--sealed")
    assert not any(p["name"] in sealed.output for p in record["picks"])
    sealed_json = json.loads(cli("draw", "show", "1", "--sealed", "--json").stdout)
    assert sealed_json["eligible"] == [] and all("＊" in p["name"] for p in sealed_json["picks"])


def test_a_changed_expert_makes_verify_report_a_mismatch(cli, sample, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    assert run_draw(cli, sample).exit_code == 0
    record = shown(cli)
    first = record["picks"][0]
    wb = load_workbook(SAMPLE_POOL)
    for row in wb.active.iter_rows(min_row=3):
        if row[0].value == first["name"]:
            row[0].value = first["name"] + "甲"
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    assert cli("import-experts", str(changed), "--committee", "QJ-WS-ZJ").exit_code == 0
    result = cli("verify-draw", "1")
    assert result.exit_code == 1
    assert "记录本身：一致" in result.output
    assert "当前专家库：不一致" in result.output
    assert f"与记录中的 {record['pool_sha256']} 不符" in result.output
    assert f"专家编号 {first['id']} 的信息已改变" in result.output
    assert "按当前专家库重算的抽取结果：第1位不符" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--drawer", "王明", "--drawer", "李华", "--supervisor", "陈静"], "3 名不同的抽取人员"),
        (
            ["--drawer", "王明", "--drawer", "王明", "--drawer", "赵强", "--supervisor", "陈静"],
            "3 名不同的抽取人员",
        ),
        (["--drawer", "王明", "--drawer", "李华", "--drawer", "赵强"], "监督人员监督下"),
        (
            ["--drawer", "王明", "--drawer", "李华", "--drawer", "赵强", "--supervisor", "王明"],
            "既是抽取人员又是监督人员",
        ),
        ([*PEOPLE, "--members", "10"], "应当为单数"),
        ([*PEOPLE, "--members", "9"], "与该评审会议的评委会人数 11 不符"),
        ([*PEOPLE, "--specialty", "护理=3", "--date", "2023-11-10"], "其余委员没有可来自的专业"),
        ([*PEOPLE, "--date", "2023-11-15"], "--late-reason"),
        ([*PEOPLE, "--date", "2023-11-21"], "晚于评审会议日期"),
    ],
)
def test_draw_refuses_without_the_procedure(cli, sample, args, message) -> None:
    result = cli("draw-experts", str(sample), *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert json.loads(cli("draw", "list", "--json").stdout) == []


def test_a_too_small_pool_explains_which_constraint_removed_whom(cli, sample) -> None:
    result = cli(
        "draw-experts",
        str(sample),
        *PEOPLE,
        *SEED,
        "--alternates",
        "30",
        "--specialty",
        "药学=3",
        "--specialty",
        "护理",
        "--date",
        "2023-11-10",
    )
    assert result.exit_code == 1
    err = result.stderr
    assert "符合条件的专家不足，无法抽取" in err
    assert "共 41 人" in err
    assert (
        "已排除：已停用 3 人，任期未覆盖会议日期 5 人，职称级别不符 2 人，专业不在所需范围" in err
    )
    assert "与申报人同单位（回避）" in err
    assert "其中“药学”专业已排除：" in err
    assert "职称级别的要求：40号令" in err


def test_late_and_early_draws_are_recorded_with_a_warning(cli, sample) -> None:
    args = ["draw-experts", str(sample), "--alternates", "2", *PEOPLE, *SEED]
    late = cli(*args, "--date", "2023-11-15", "--late-reason", "原定专家库更新后补抽")
    assert late.exit_code == 0, late.output
    assert (
        "晚于截止日期 2023-11-13" in late.stderr and "逾期原因：原定专家库更新后补抽" in late.stderr
    )
    assert shown(cli)["late_reason"] == "原定专家库更新后补抽"
    early = cli(*args, "--date", "2023-10-20", "--voids", "1", "--reason", "逾期，重新安排")
    assert early.exit_code == 0, early.output
    assert "专家名单保密期过长" in early.stderr


def test_redraws_are_listed_with_what_they_void(cli, sample) -> None:
    assert run_draw(cli, sample).exit_code == 0
    again = run_draw(cli, sample)
    assert again.exit_code == 1 and "--voids 1 --reason" in again.stderr
    redraw = run_draw(cli, sample, "--voids", "1", "--reason", "抽取人员李华需回避")
    assert redraw.exit_code == 0, redraw.output
    listing = cli("draw", "list")
    assert (
        "已作废（第2号）" in listing.output
        and "重抽，作废第1号：抽取人员李华需回避" in listing.output
    )
    assert cli("verify-draw", "1").exit_code == 0 and cli("verify-draw", "2").exit_code == 0


def test_conflicts_from_the_command_line(cli, sample) -> None:
    expert = json.loads(cli("experts", "list", "--json").stdout)[0]["id"]
    applicant = json.loads(cli("applicants", "list", "--json").stdout)[0]["id"]
    added = cli(
        "conflicts",
        "add",
        "--expert",
        str(expert),
        "--applicant",
        str(applicant),
        "--reason",
        "近亲属",
    )
    assert added.exit_code == 0, added.output
    assert "已登记回避" in added.output
    listed = json.loads(cli("conflicts", "list", "--committee", "QJ-WS-ZJ", "--json").stdout)
    assert [(c["expert_id"], c["applicant_id"], c["reason"]) for c in listed] == [
        (expert, applicant, "近亲属")
    ]


def test_verify_draw_needs_a_draw_or_a_record(cli, store) -> None:
    result = cli("verify-draw")
    assert result.exit_code == 1 and "二者选一" in result.stderr
    missing = cli("verify-draw", "--record", "no-such-file.json")
    assert missing.exit_code == 1 and "找不到抽取记录文件" in missing.stderr


def test_a_dry_run_checks_everything_and_draws_nothing(cli, sample, db_path: Path) -> None:
    """draw-experts --dry-run: the checks of the draw, eligible counts by slot and unit, whether the
    alternates can replace; the store byte-identical afterwards, exit 1 when the draw would fail."""
    before = db_path.read_bytes()
    result = cli(
        "draw-experts",
        str(sample),
        "--alternates",
        "4",
        *QUOTAS,
        "--unit-cap",
        "3",
        "--date",
        "2023-11-10",
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert "演练（不抽取、不记录）" in result.output and "结论：可以抽取" in result.output
    assert re.search(r"│ 抽取人员和监督人员\s+│ 待定", result.output)
    assert re.search(r"│ 临床医学\s+│ 5\s+│ 16\s+│ 11\s+│", result.output)
    assert "每单位上限：3" in result.output
    assert db_path.read_bytes() == before
    assert json.loads(cli("draw", "list", "--json").stdout) == []

    data = cli(
        "draw-experts",
        str(sample),
        "--alternates",
        "4",
        *QUOTAS,
        *PEOPLE,
        "--date",
        "2023-11-10",
        "--dry-run",
        "--json",
    )
    report = json.loads(data.stdout)
    assert report["ok"] and report["eligible_count"] == 38
    assert {row["slot"]: row["seats"] for row in report["slots"]} == {
        "临床医学": 5,
        "护理": 3,
        "药学": 2,
        "医学检验技术": 1,
    }
    assert all(row["eligible"] == row["seats"] + row["spare"] for row in report["slots"])
    assert sum(u["eligible"] for u in report["units"]) == 38

    short = cli(
        "draw-experts",
        str(sample),
        "--specialty",
        "药学=10",
        "--specialty",
        "临床医学",
        "--seed",
        "47\u200b21",
        "--date",
        "2023-11-10",
        "--dry-run",
    )
    assert short.exit_code == 1, short.output
    assert "结论：不能抽取" in short.output and "U+200B" in short.output
    failed = json.loads(
        cli(
            "draw-experts",
            str(sample),
            "--specialty",
            "药学=10",
            "--specialty",
            "临床医学",
            "--date",
            "2023-11-10",
            "--dry-run",
            "--json",
        ).stdout
    )
    assert not failed["ok"]
    assert any(
        "专业“药学”需抽取委员 10 人" in c["detail"] for c in failed["checks"] if c["ok"] is False
    )
    assert db_path.read_bytes() == before


def test_alternates_by_specialty_replace_a_declining_member_of_that_specialty(
    cli, sample, tmp_path: Path
) -> None:
    """--alternates 护理=1 besides the plain count: a nursing alternate drawn after the members, who
    replaces a declining nursing member; the record (format 2) verifies in both verifiers."""
    bad = run_draw(cli, sample, "--alternates", "护理=0")
    assert bad.exit_code != 0 and "专业=人数" in bad.output
    result = run_draw(cli, sample, "--alternates", "护理=1")
    assert result.exit_code == 0, result.output
    record = shown(cli)
    assert record["format"] == "qjtitle-draw-record/2"
    assert record["params"]["alternate_quotas"] == {"护理": 1}
    roles = [(p["role"], p["slot"]) for p in record["picks"][11:]]
    assert roles == [("alternate", "护理")] + [("alternate", "")] * 4
    nurse = next(p for p in record["picks"] if p["slot"] == "护理" and p["role"] == "member")
    declined = cli(
        "draw",
        "confirm",
        "1",
        str(nurse["id"]),
        "--declined",
        "--reason",
        "出差",
        "--date",
        "2023-11-12",
    )
    assert declined.exit_code == 0, declined.output
    after = shown(cli)
    assert after["replacements"][0]["in"] == record["picks"][11]["id"]
    exported = tmp_path / "record.json"
    assert cli("draw", "export", "1", "--json", str(exported)).exit_code == 0
    assert cli("verify-draw", "--record", str(exported)).exit_code == 0
    from tests.test_verify_record import run_standalone

    assert run_standalone(exported).returncode == 0
    rehearsal = json.loads(
        cli(
            "draw-experts",
            str(sample),
            "--alternates",
            "2",
            "--alternates",
            "护理=1",
            *QUOTAS,
            "--date",
            "2023-11-10",
            "--voids",
            "1",
            "--reason",
            "演练",
            "--dry-run",
            "--json",
        ).stdout
    )
    assert {r["slot"]: r["alternates"] for r in rehearsal["slots"]}["护理"] == 1


def test_unit_cap_zero_and_a_repeated_answer(cli, sample) -> None:
    """--unit-cap 0 is refused (not read as unlimited), nothing drawn; the same answer entered
    twice is recorded once."""
    refused = run_draw(cli, sample, "--unit-cap", "0")
    assert refused.exit_code != 0 and "应为正整数" in refused.output
    hidden = cli(
        "draw-experts",
        str(sample),
        "--alternates",
        "4",
        *QUOTAS,
        *PEOPLE,
        "--seed",
        "4721",
        "--seed",
        "99\u200b03",
        "--seed",
        "1586",
        "--date",
        "2023-11-10",
    )
    assert hidden.exit_code != 0 and "看不见的字符 U+200B" in hidden.output
    assert json.loads(cli("draw", "list", "--json").stdout) == []
    assert run_draw(cli, sample).exit_code == 0
    member = shown(cli)["picks"][0]
    for _ in range(2):
        said = cli("draw", "confirm", "1", str(member["id"]), "--accepted", "--date", "2023-11-12")
        assert said.exit_code == 0, said.output
    assert "未重复记录" in said.output
    assert [a["expert"] for a in shown(cli)["answers"]] == [member["id"]]
