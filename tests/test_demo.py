"""qjtitle demo: the shipped sample rosters give exactly the errors listed in sample_data/generate.py."""

from __future__ import annotations

import importlib.util
import re
import shutil
from datetime import date

import pytest
from sqlmodel import select

from qjtitle import demo
from qjtitle.models import Applicant
from qjtitle.paths import sample_data_dir
from qjtitle.store import open_store


def load_generate():
    spec = importlib.util.spec_from_file_location(
        "sample_generate", sample_data_dir() / "generate.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATE = load_generate()
# How each description in ERRORS shows in the problem the import reports.
FRAGMENTS = {
    "校验位错误": "身份证号码校验位错误",
    "与身份证不符": "身份证号码显示为",
    "格式不对": "格式不对",
    "2015.1 有歧义（1月还是10月）": "“2015.1”有歧义",
    "被 Excel 存成数字": "身份证号码被 Excel 存成了数字",
    "为空": "“毕业院校”为空",
    "现职已是中级，不属晋升": "已是中级，申报中级不属于晋升",
    "与 01 第5行同一人：一人一年只能申报一次": "与01_曲靖市第一人民医院.xlsx（2023年申报）第5行是同一身份证号码",
}


@pytest.fixture
def result(demo_run):
    return demo_run  # built once per session (conftest.py)


def found_problems(result) -> list[tuple[str, int, str, str]]:
    found = []
    for f in result.import_report.files:
        found += [
            (f.path.name, number, p.column, p.message)
            for _sheet, number, _name, p in f.row_problems
        ]
        found += [(f.path.name, r.row, "身份证号码", r.reason) for r in f.rejected]
    return sorted(found)


def test_demo_finds_exactly_the_listed_errors(result):
    found = found_problems(result)
    assert [(file, row, column) for file, row, column, _ in found] == sorted(
        (file, row, column) for file, row, column, _ in GENERATE.ERRORS
    )
    expected = {(file, row, column): what for file, row, column, what in GENERATE.ERRORS}
    for file, row, column, message in found:
        assert FRAGMENTS[expected[file, row, column]] in message, (file, row, message)


def test_demo_import_counts(result):
    report = result.import_report
    assert [
        (f.path.name, f.rows, f.imported, f.updated, f.needs_correction, len(f.rejected), f.error)
        for f in report.files
    ] == [
        ("01_曲靖市第一人民医院.xlsx", 18, 18, 0, 4, 0, None),
        ("02_宣威市人民医院.xlsx", 16, 16, 0, 4, 0, None),
        ("03_陆良县人民医院.xls", 14, 14, 0, 1, 0, None),
        ("04_罗平县中医医院.csv", 12, 11, 0, 0, 1, None),
    ]
    assert [f.sheets for f in report.files] == [
        ["2023年申报"],
        ["Sheet1"],
        ["申报人员"],
        ["04_罗平县中医医院"],
    ]
    assert report.files[0].skipped_notes == 1  # the 注： row under the table
    totals = report.totals()
    assert totals.rows == 60 == totals.imported + totals.updated + totals.rejected


def test_demo_store_and_normalised_cells(result):
    store = open_store(result.store_path)
    try:
        with store.transaction() as session:
            people = session.exec(select(Applicant)).all()
    finally:
        store.close()
    assert len(people) == 59
    by_place = {(a.source_file, a.source_row): a for a in people}
    first = by_place["01_曲靖市第一人民医院.xlsx", 4]
    assert re.fullmatch(r"1[3589]\d{9}", first.phone)  # written in full-width digits
    assert by_place["01_曲靖市第一人民医院.xlsx", 7].county == "麒麟区"  # written as 麒麟
    twice = by_place["01_曲靖市第一人民医院.xlsx", 5]
    assert twice.name == twice.name.strip() and "\u200b" not in twice.name
    assert (
        twice.status == "视为放弃"
    )  # not corrected by the deadline (the demo expires on 2023-10-09)
    assert [p["message"] for p in twice.problems] == [
        "同一身份证号码又由罗平县中医医院（04_罗平县中医医院.csv 第4行）报送"
    ]
    assert sum(a.status == "视为放弃" for a in people) == 10 == len(result.withdrawn)
    assert sum(a.status == "已受理" for a in people) == 49


def test_demo_notices(result):
    import docx

    assert [(n.unit, n.applicants, n.problems, n.rejected, n.deadline) for n in result.notices] == [
        ("宣威市人民医院", 4, 4, 0, date(2023, 10, 8)),
        ("曲靖市第一人民医院", 5, 5, 0, date(2023, 10, 8)),
        ("罗平县中医医院", 0, 0, 1, date(2023, 10, 8)),
        ("陆良县人民医院", 1, 1, 0, date(2023, 10, 8)),
    ]
    folder = result.out / "补正告知书"
    assert sorted(p.name for p in folder.glob("*.docx")) == [n.path.name for n in result.notices]
    text = "\n".join(p.text for p in docx.Document(str(result.notices[2].path)).paragraphs)
    assert "以下申报未予受理：" in text
    assert "请于 2023年10月8日（星期日，调休上班）" in text
    assert result.blank_form.is_file()
    assert (result.out / demo.MARKER).is_file()


def test_demo_runs_end_to_end(demo_cli, tmp_path, cli):
    out, result = demo_cli  # `qjtitle demo --out FOLDER`, run once per session (conftest.py)
    assert result.exit_code == 0, result.output
    assert (out / "qjtitle.db").is_file()
    assert len(list((out / "补正告知书").glob("*.docx"))) == 4
    text = re.sub(r"\s+", "", result.stdout)
    assert (
        "共4个文件60行：新增59，更新0，其中待补正10（含此前已受理、因本次重复申报改为待补正的1人）；未受理1；"
        in text
    )
    assert (
        "改为待补正田美（01_曲靖市第一人民医院.xlsx第5行）：04_罗平县中医医院.csv中又报送了此人"
        in text
    )
    assert "补正告知书（补正期限2023-10-08）" in text
    assert "演示完成。" in text
    assert f"qjtitle-verify{out / '专家抽取' / '抽取记录.json'}→结论：抽取结果可复核，一致" in text

    # Re-running into its own folder starts afresh (here a copy of it: the session's stays as it is).
    shutil.copytree(out, tmp_path / "demo")
    out = tmp_path / "demo"
    (out / "stale.txt").write_text("old")
    again = cli("demo", "--out", str(out))
    assert again.exit_code == 0, again.output
    assert not (out / "stale.txt").exists()
    assert len(list((out / "补正告知书").glob("*.docx"))) == 4
    store = open_store(out / "qjtitle.db")
    try:
        with store.transaction() as session:
            assert len(session.exec(select(Applicant)).all()) == 59
    finally:
        store.close()


def test_demo_refuses_a_folder_it_did_not_make(tmp_path, cli):
    out = tmp_path / "我的文件"
    out.mkdir()
    (out / "重要.xlsx").write_bytes(b"keep me")
    result = cli("demo", "--out", str(out))
    assert result.exit_code == 1
    assert re.sub(r"\s+", "", "已存在且不是 qjtitle demo 生成的文件夹，为免误删拒绝写入") in re.sub(
        r"\s+", "", result.stderr
    )
    assert sorted(p.name for p in out.iterdir()) == ["重要.xlsx"]
    assert (out / "重要.xlsx").read_bytes() == b"keep me"


def test_demo_refuses_a_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("x")
    with pytest.raises(demo.DemoFolderError, match="是一个文件；请用 --out 指定一个文件夹"):
        demo.run(target)
    assert target.read_text() == "x"


def test_an_empty_existing_folder_is_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert demo.prepare_folder(out) == out
    assert sorted(p.name for p in out.iterdir()) == [demo.MARKER]


def test_sample_rosters_match_the_generator():
    names = sorted(p.name for p in (sample_data_dir() / "rosters").iterdir())
    assert names == sorted(file for file, *_ in GENERATE.EMPLOYERS)
    assert GENERATE.YEAR == demo.YEAR


def test_demo_runs_the_whole_procedure(result):
    assert result.results is not None and result.results.sealed_at
    assert result.exported is not None and result.exported[1], (
        "the stand-alone verifier accepts the exported record"
    )
    assert (result.results.passed, result.results.voted) == (48, 49)
    # the pre-meeting package final; the post-meeting one a draft while three photos are missing, then final
    # with the reason recorded
    assert [(f.stage, f.draft) for f in result.filings] == [
        ("pre", False),
        ("post", True),
        ("post", False),
    ]
    assert result.filings[1].reasons == [
        "缺少 3 名通过人员的证件照：蔡善、谭仁、余德；请提供通过人员的证件照"
    ]
    assert result.filings[2].photos["found"] == 45
    # public documents of both packages name no ID number, phone number or expert
    import docx

    scanned = 0
    for f in result.filings:
        for path in f.folder.glob("*.docx"):
            if not any(word in path.name for word in ("公示", "通过人员名册")):
                continue
            text = "\n".join(p.text for p in docx.Document(path).paragraphs)
            text += "\n".join(
                c.text for t in docx.Document(path).tables for r in t.rows for c in r.cells
            )
            assert not re.search(r"\d{17}[\dX]|1[3-9]\d{9}", text), path.name
            for pick in result.draw["picks"]:
                assert pick["name"] not in text, (path.name, "expert name")
            scanned += 1
    assert scanned >= 3
