"""qjtitle export-filing and qjtitle templates list|copy|check, through the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import copy_filing_meeting

from qjtitle.filing import package


@pytest.fixture
def db(filing_builds, tmp_path):
    return str(copy_filing_meeting(filing_builds("sealed"), tmp_path / "store").store.path)


def test_export_pre_with_zip(cli, db, tmp_path) -> None:
    out = tmp_path / "备案"
    result = cli(
        "export-filing",
        "1",
        "--stage",
        "pre",
        "--out",
        str(out),
        "--zip",
        "--date",
        "2023-11-13",
        "--contact",
        "李老师",
        "--contact-phone",
        "0874-3123456",
        "--method",
        "审阅材料",
        "--method",
        "个人述职",
        "--db",
        db,
    )
    assert result.exit_code == 0, result.output
    folder = out / "曲靖市卫生系列中级职称评审委员会_2023-11-20评审会议_会前备案"
    assert f"已生成：{folder}" in result.stdout.replace("\n", "")
    assert "压缩包：" in result.stdout
    for name in (
        "01_会前备案报告.docx",
        "03_会前公示.docx",
        "05_职称申报信息表（附件2）.xlsx",
        "06_专家抽取记录表_第1号.docx",
    ):
        assert name in result.stdout
    assert (folder / "manifest.json").is_file() and folder.with_name(folder.name + ".zip").is_file()
    assert package.verify(folder) == []


def test_export_post_as_json_with_photos(cli, db, tmp_path) -> None:
    pics = tmp_path / "pics"
    pics.mkdir()
    (pics / "王芳.jpg").write_bytes(b"\xff\xd8")
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "签到表.pdf").write_bytes(b"%PDF-1.4")
    args = [
        "export-filing",
        "1",
        "--stage",
        "post",
        "--out",
        str(tmp_path / "out"),
        "--date",
        "2023-12-01",
        "--photos",
        str(pics),
        "--signed",
        str(scans),
        "--publicity-where",
        "委网站",
        "--objections",
        "未收到异议",
        "--json",
        "--db",
        db,
    ]
    # a photo missing: a draft, with the reason
    result = cli(*args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["draft"] is True and data["reasons"] == [
        "缺少 1 名通过人员的证件照：张&<丽>；请提供通过人员的证件照"
    ]
    assert data["folder"].endswith("_会后备案_草稿")
    # --final needs the reason
    refused = cli(*args, "--final")
    assert refused.exit_code != 0 and "--reason" in refused.output
    result = cli(*args, "--final", "--reason", "由单位另行报送")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["stage"] == "post" and data["draft"] is False and data["reasons"] == []
    assert data["photos"] == {
        "found": 1,
        "missing": ["张&<丽>"],
        "ambiguous": [],
        "unused": [],
        "empty": [],
    }
    assert "缺少证件照 1 人：张&<丽>" in data["warnings"]
    files = [f["file"] for f in data["files"]]
    assert (
        "10_通过人员证件照/001_王芳.jpg" in files and "07_参评人员专家评议表/003_李娜.docx" in files
    )


def test_export_refuses_with_every_reason_and_force_makes_a_draft(
    cli, filing_builds, tmp_path
) -> None:
    db = str(copy_filing_meeting(filing_builds("unsealed"), tmp_path / "store").store.path)
    out = tmp_path / "out"
    result = cli(
        "export-filing",
        "1",
        "--stage",
        "post",
        "--out",
        str(out),
        "--date",
        "2023-12-01",
        "--db",
        db,
    )
    assert result.exit_code == 1
    assert "第1号会议的会后备案材料暂不能生成，原因如下：" in result.stderr
    assert "评审会议尚未封存" in result.stderr and "--force" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    result = cli(
        "export-filing",
        "1",
        "--stage",
        "post",
        "--out",
        str(out),
        "--date",
        "2023-12-01",
        "--force",
        "--db",
        db,
    )
    assert result.exit_code == 0, result.output
    assert "草稿" in result.stdout and "草稿原因：评审会议尚未封存" in result.stderr
    assert [p.name for p in out.iterdir()] == [
        "曲靖市卫生系列中级职称评审委员会_2023-11-20评审会议_会后备案_草稿"
    ]


def test_export_pdf_without_libreoffice_says_how_to_install(cli, db, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(package, "find_soffice", lambda: None)
    result = cli(
        "export-filing",
        "1",
        "--stage",
        "pre",
        "--out",
        str(tmp_path / "o"),
        "--pdf",
        "--date",
        "2023-11-13",
        "--db",
        db,
    )
    assert result.exit_code == 1
    assert "未找到 LibreOffice（soffice）" in result.stderr and "libreoffice.org" in result.stderr


def test_export_rejects_an_unknown_method(cli, db, tmp_path) -> None:
    result = cli(
        "export-filing",
        "1",
        "--stage",
        "pre",
        "--out",
        str(tmp_path / "o"),
        "--method",
        "抽签",
        "--db",
        db,
    )
    assert result.exit_code == 1 and "评审方式 抽签 无效" in result.stderr


def test_templates_list_copy_check(cli, tmp_path) -> None:
    result = cli("templates", "list", "--json")
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert len(items) == 15 and {i["source"] for i in items} == {"自带"}
    assert {i["name"]: i["title"] for i in items}[
        "result_confirmation.docx"
    ] == "评审结果签字确认表"
    mine = tmp_path / "我的模板"
    result = cli("templates", "copy", str(mine), "review_form", "pass_roster.docx")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in mine.iterdir()) == ["pass_roster.docx", "review_form.docx"]
    again = cli("templates", "copy", str(mine), "review_form")
    assert again.exit_code == 1 and "--overwrite" in again.stderr
    result = cli("templates", "list", "--templates", str(mine))
    assert result.exit_code == 0 and "自定义" in result.stdout
    result = cli("templates", "check", "--templates", str(mine), "review_form", "pass_roster")
    assert result.exit_code == 0, result.output
    assert "通过" in result.stdout


def test_templates_check_reports_a_broken_template(cli, tmp_path) -> None:
    import docx

    mine = tmp_path / "mine"
    cli("templates", "copy", str(mine), "review_form")
    doc = docx.Document(str(mine / "review_form.docx"))
    doc.add_paragraph("专家：{{ reviews[0].expert }")
    doc.save(str(mine / "review_form.docx"))
    result = cli("templates", "check", str(mine / "review_form.docx"))
    assert result.exit_code == 1
    assert f"模板 {mine / 'review_form.docx'} 正文第" in result.stderr.replace("\n", "")
    assert "语法错误" in result.stderr
    data = json.loads(cli("templates", "check", str(mine / "review_form.docx"), "--json").stdout)
    assert data[0]["ok"] is False and data[0]["source"] == "指定文件"


def test_templates_beside_the_store_are_listed(cli, tmp_path) -> None:
    beside = tmp_path / "templates"  # QJTITLE_DB is tmp_path/qjtitle.db in every test
    cli("templates", "copy", str(beside), "sign_in_sheet")
    items = {i["name"]: i for i in json.loads(cli("templates", "list", "--json").stdout)}
    assert (
        items["sign_in_sheet.docx"]["source"] == "自定义（未通过 templates check，不会使用）"
    )  # issue 15
    assert cli("templates", "check", "sign_in_sheet").exit_code == 0
    items = {i["name"]: i for i in json.loads(cli("templates", "list", "--json").stdout)}
    assert items["sign_in_sheet.docx"]["source"] == "自定义"


def test_help_imports_no_heavy_library() -> None:
    snippet = (
        "import json, sys\n"
        "from qjtitle.cli import main\n"
        "for args in (['export-filing', '--help'], ['templates', '--help'], ['templates', 'check', '--help']):\n"
        "    sys.argv = ['qjtitle', *args]\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'openpyxl', 'docxtpl', 'docx', 'jinja2')\n"
        "print('@@' + json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", snippet],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.rsplit("@@", 1)[1]) == []


def test_export_post_says_it_uses_the_methods_recorded_not_method(cli, db, tmp_path) -> None:
    args = ["export-filing", "1", "--stage", "post", "--out", str(tmp_path / "o"), "--db", db]
    result = cli(*args, "--method", "面试答辩", "--date", "2020-01-01")
    assert "会后备案写会议记录的实际评审方式（qjtitle meeting methods 1 …）" in result.stderr
    assert "--method 只用于会前备案，本次未使用" in result.stderr
    result = cli(*args, "--date", "2020-01-01")
    assert "--method 只用于会前备案" not in result.stderr
