"""The pre- and post-meeting filing packages (issue 6): every document opened and read back."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import (
    FILING_DRAWERS,
    FILING_FORMULA_UNIT,
    FILING_SUPERVISORS,
    copy_filing_meeting,
    docx_text,
)
from sqlmodel import select

from qjtitle.calendar import schedule
from qjtitle.cli._errors import message_for
from qjtitle.documents import catalogue, dates
from qjtitle.errors import AlreadyExists, TemplateProblem
from qjtitle.filing import export as filing
from qjtitle.filing import gather as gathering
from qjtitle.filing import package, samples
from qjtitle.intake import photos
from qjtitle.intake.roster import COLUMNS
from qjtitle.meeting import proceedings, voting
from qjtitle.meeting import results as meeting_results
from qjtitle.models import AuditEvent

PRE_DAY = date(2023, 11, 13)
POST_DAY = date(2023, 12, 1)
OPTIONS = gathering.FilingOptions(
    contact="李老师",
    contact_phone="0874-3123456",
    address="曲靖市麒麟区示例路1号",
    methods=(
        "审阅材料",
        "面试答辩",
    ),  # the plan's; the meeting recorded 审阅材料、个人述职 (conftest)
    counter="计票人乙",
    scrutineer="监票人丙",
    publicity_where="曲靖市卫生健康委员会网站",
    objections="公示期间未收到异议",
)
FINAL_REASON = "王芳的证件照由所在单位另行报送"


def docx_header(path: Path) -> str:
    import docx

    return "\n".join(p.text for s in docx.Document(str(path)).sections for p in s.header.paragraphs)


def table_rows(path: Path, index: int = 0) -> list[list[str]]:
    import docx

    t = docx.Document(str(path)).tables[index]
    return [[c.text for c in row.cells] for row in t.rows]


def xlsx_text(path: Path) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    parts = []
    for ws in wb.worksheets:
        parts += [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
        parts += [
            h.text or "" for h in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right)
        ]
    return "\n".join(parts)


def text_of(path: Path) -> str:
    if path.suffix == ".docx":
        return docx_text(path) + "\n" + docx_header(path)
    if path.suffix == ".xlsx":
        return xlsx_text(path)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def packages(filing_builds, tmp_path_factory):
    """The sealed meeting (plus a correction after the seal), both packages exported once."""
    root = tmp_path_factory.mktemp("filing")
    fm = copy_filing_meeting(filing_builds("sealed"), root / "meeting")
    assert meeting_results.results(fm.store, fm.meeting).sealed_at
    with fm.store.transaction() as session:
        from qjtitle.models import ReviewAssignment

        assignment = session.exec(
            select(ReviewAssignment).where(ReviewAssignment.meeting_id == fm.meeting)
        ).first()
        first_reviewer = assignment.reviewers[str(fm.applicants["王芳"])][0]
        ctx = proceedings.load(session, fm.meeting)
        first_name = ctx.expert_name(first_reviewer)
    voting.record_reviews(
        fm.store,
        fm.meeting,
        [
            voting.ReviewEntry(
                str(fm.applicants["王芳"]),
                str(first_reviewer),
                "材料齐全，业绩突出（更正笔误）。",
                "同意",
            )
        ],
        reason="评议意见笔误更正",
    )
    pics = root / "证件照"
    pics.mkdir()
    (pics / f"{fm.id_numbers[0]}.jpg").write_bytes(b"\xff\xd8\xff\xe0 photo of zhang")
    (pics / "王芳.jpg").write_bytes(b"\xff\xd8\xff\xe0 one")
    (pics / "02_王芳_一寸.png").write_bytes(b"\x89PNG two")
    (pics / "无关的人.jpg").write_bytes(b"\xff\xd8 other")
    scans = root / "签字原件"  # the sheets signed on the day, scanned
    scans.mkdir()
    (scans / "签到表.pdf").write_bytes(b"%PDF-1.4 scan of the sign-in sheet")
    (scans / "计票表.jpg").write_bytes(b"\xff\xd8\xff\xe0 scan of the tally")
    (scans / "空白.pdf").write_bytes(b"")  # empty: left out
    pre = filing.export_filing(
        fm.store, fm.meeting, "pre", root / "out", options=OPTIONS, today=PRE_DAY, make_zip=True
    )
    # 王芳's photo is ambiguous: the package is final only with the reason recorded
    post = filing.export_filing(
        fm.store,
        fm.meeting,
        "post",
        root / "out",
        today=POST_DAY,
        photos_dir=pics,
        signed_dir=scans,
        make_zip=True,
        options=dataclasses.replace(OPTIONS, final_reason=FINAL_REASON),
        final=True,
    )
    yield {"fm": fm, "pre": pre, "post": post, "root": root, "corrected_by": first_name}
    fm.store.close()


# --- The pre-meeting package ---------------------------------------------------------------------


def test_pre_package_files_in_the_notice_order(packages) -> None:
    pre = packages["pre"]
    assert pre.folder.name == "曲靖市卫生系列中级职称评审委员会_2023-11-20评审会议_会前备案"
    assert not pre.draft and pre.reasons == []
    assert sorted(p.name for p in pre.folder.iterdir()) == [
        "01_会前备案报告.docx",
        "02_资格审查结果.docx",
        "03_会前公示.docx",
        "04_评审方案.docx",
        "05_职称申报信息表（附件2）.xlsx",
        "06_专家抽取记录表_第1号.docx",
        "manifest.json",
        "清单.xlsx",
    ]
    assert [p.name for p in pre.folder.parent.iterdir() if p.name.startswith(".tmp-")] == []


def test_manifest_hashes_match_the_files(packages) -> None:
    for result in (packages["pre"], packages["post"]):
        data = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
        on_disk = sorted(
            p.relative_to(result.folder).as_posix() for p in result.folder.rglob("*") if p.is_file()
        )
        assert sorted(f["file"] for f in data["files"]) == [
            f for f in on_disk if f != "manifest.json"
        ]
        for f in data["files"]:
            path = result.folder / f["file"]
            assert package.sha256_of(path) == f["sha256"] and path.stat().st_size == f["size"]
            assert f["generated_at"][:4] == str(date.today().year)
        assert data["qjtitle_version"] and data["format"] == package.MANIFEST_FORMAT
        assert data["stage"] == result.stage and data["draft"] is False
        assert package.verify(result.folder) == []
        from openpyxl import load_workbook

        ws = load_workbook(result.folder / "清单.xlsx").active
        rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
        listed = {
            r[2]: r[1] for r in rows
        }  # the list for people: titles and file names, no digests
        assert listed == {f["file"]: f["title"] for f in data["files"] if f["file"] != "清单.xlsx"}
        assert [c.value for c in ws[3]] == ["序号", "材料名称", "文件名", "页数", "份数"]
        assert all(r[4] == 1 for r in rows)
        text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
        assert re.search(r"编制日期：\d{4}年\d{1,2}月\d{1,2}日", text)
        assert not re.search(r"[0-9a-f]{32}|\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}|UTC|字节", text)
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.print_title_rows


def test_a_changed_file_no_longer_matches_the_manifest(packages, tmp_path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(packages["pre"].folder, copy)
    (copy / "03_会前公示.docx").write_bytes(b"changed")
    assert package.verify(copy) == ["03_会前公示.docx 与清单中的 SHA-256 不符（已被修改）"]


def test_zip_holds_the_folder(packages) -> None:
    pre = packages["pre"]
    assert pre.zip == pre.folder.with_name(pre.folder.name + ".zip")
    with zipfile.ZipFile(pre.zip) as z:
        names = sorted(z.namelist())
        assert names == sorted(
            f"{pre.folder.name}/{p.relative_to(pre.folder).as_posix()}"
            for p in pre.folder.rglob("*")
            if p.is_file()
        )
        assert (
            z.read(f"{pre.folder.name}/03_会前公示.docx")
            == (pre.folder / "03_会前公示.docx").read_bytes()
        )


def test_prefiling_report(packages) -> None:
    path = packages["pre"].folder / "01_会前备案报告.docx"
    text = docx_text(path)
    assert "关于曲靖市卫生系列中级职称评审委员会\n2023年度评审会议会前备案的报告" in text
    assert "曲靖市人力资源和社会保障局：" in text
    assert "定于2023年11月20日在曲靖市会议中心召开2023年度评审会议" in text
    assert "申报人数 | 收到 5 人：资格审查通过 3 人，退回 2 人" in text
    assert "评委会人数 | 11 人；出席不少于 8 人" in text
    assert "专家抽取 | 第1号：2023年11月10日，符合条件 15 人，抽取委员 11 人、备选 2 人" in text
    milestones = {row[0]: row for row in table_rows(path, 1)}
    assert milestones["会前备案"][1:] == [
        "不晚于2023年11月13日",
        "2023年11月13日",
        "《通知》二",
        "本次报送",
    ]
    assert milestones["抽取评委"][2:] == [
        "2023年11月10日",
        "《通知》三（一）",
        "已完成",
    ]  # recorded by the draw
    assert milestones["评审会议"][2:] == ["—", "—", "计划召开"]
    # what happened after the report's date is not stated: the result publicity recorded later is planned
    assert milestones["结果公示"][2:] == ["—", "《通知》三（一）", "计划"]
    assert milestones["会后备案"][4] == "计划"
    assert (
        "第1号抽取记录：2023年11月10日抽取，符合条件专家 15 人，抽取委员 11 人、备选 2 人；抽取人员 王明、李华、赵强，监督人员 陈静"
        in text
    )
    assert (
        "注：《通知》指《曲靖市人力资源和社会保障局关于做好2023年度全市高中级专业技术职称评审工作的通知》。"
        in text
    )
    # numbered as the files are (01_ is the report itself), after the report's closing
    assert "特此报告。\n本次报送材料（编号与材料编号一致）：\n" in text
    attachments = text.split("本次报送材料（编号与材料编号一致）：\n")[1].split("\n")[:6]
    assert attachments == [
        "1. 会前备案报告（本报告）",
        "2. 资格审查结果",
        "3. 会前公示",
        "4. 评审方案",
        "5. 曲靖市专业技术人员职称申报信息表（附件2）",
        "6. 评审专家抽取记录表（第1号）",
    ]
    files = sorted(p.name for p in path.parent.glob("0*"))
    assert [f[:2] for f in files] == ["01", "02", "03", "04", "05", "06"]
    assert (
        "（联系人：李老师，联系电话：0874-3123456）" in text
    )  # the 附注 under the date (GB/T 9704)
    assert "草稿" not in text + docx_header(path)
    assert "内部资料" in docx_header(path)


def test_eligibility_results(packages) -> None:
    rows = table_rows(packages["pre"].folder / "02_资格审查结果.docx")
    assert rows[0] == ["序号", "姓名", "工作单位", "申报专业", "申报资格", "审查结果", "原因"]
    by_name = {r[1]: r for r in rows[1:]}
    assert sorted(by_name) == ["刘洋", "张&<丽>", "李娜", "王芳", "赵敏"]
    assert by_name["张&<丽>"][2:6] == ["R&D <研究> 中心", "护理", "主管护师", "通过"]
    assert by_name["王芳"][2] == FILING_FORMULA_UNIT
    assert by_name["赵敏"][5] == "退回（视为放弃）"
    assert by_name["赵敏"][6].startswith("逾期未补正（补正期限2023年10月8日）：“毕业院校”为空")
    assert by_name["刘洋"][5] == "未予受理" and "同一身份证号码" in by_name["刘洋"][6]
    text = docx_text(packages["pre"].folder / "02_资格审查结果.docx")
    assert "共收到申报 5 人，经资格审查：通过 3 人" in text and "未予受理 1 人" in text
    for number in packages["fm"].id_numbers:
        assert number not in text


def test_pre_publicity_is_public_and_shows_only_public_fields(packages) -> None:
    path = packages["pre"].folder / "03_会前公示.docx"
    rows = table_rows(path)
    assert rows[0] == ["序号", "姓名", "工作单位", "系列", "专业", "申报资格"]
    assert rows[1:] == [
        ["1", "王芳", "=1+2", "卫生", "护理", "主管护师"],
        ["2", "张&<丽>", "R&D <研究> 中心", "卫生", "护理", "主管护师"],
        ["3", "李娜", "宣威市人民医院", "卫生", "护理", "主管护师"],
    ]
    text = docx_text(path)
    recorded = {
        it.key: it
        for it in schedule.evaluate(
            packages["fm"].store, packages["fm"].meeting, today=PRE_DAY
        ).items
    }
    first, last = recorded["pre-publicity"].actual_first, recorded["pre-publicity"].actual_last
    assert f"公示时间：{dates.cn_date(first)}至{dates.cn_date(last)}（5个工作日" in text
    assert (
        "请以书面形式向曲靖市卫生健康委员会反映（地址：曲靖市麒麟区示例路1号），联系电话：0874-3123456。"
        in text
    )
    assert "&amp;" not in text and "&lt;" not in text
    assert "内部资料" not in docx_header(path)


def test_meeting_plan(packages) -> None:
    text = docx_text(packages["pre"].folder / "04_评审方案.docx")
    assert "经资格审查通过的申报人 3 人，按申报专业：" in text and "护理 | 3" in text
    assert "本次评审会议评委会由 11 名评审专家组成" in text
    assert text.splitlines()[2] == (
        "根据《曲靖市人力资源和社会保障局关于做好2023年度全市高中级专业技术职称评审工作的通知》（以下简称《通知》）和"
        "《职称评审管理暂行规定》（人社部令第40号），制定本次评审会议评审方案。"
    )
    assert "抽取结果由 3 名抽取人员签字确认（《通知》三（二））" in text
    assert "已于2023年11月10日抽取委员 11 人" in text and "另抽取备选专家 2 人" in text
    assert "出席评审会议的评审专家不少于 8 人" in text
    assert "采用审阅材料、面试答辩等方式进行评价" in text
    assert "每名申报人的申报材料由 3 名评审专家独自审阅" in text
    assert (
        "同意票数达到出席评审会议的评审专家总数2/3以上的为评审通过（《职称评审管理暂行规定》；《民法典》第一千二百五十九条）"
        in text
    )
    assert "会前备案 | 不晚于2023年11月13日 | 《通知》二" in text
    assert "审阅专家由评委会办事机构随机分配" in text and "种子" not in text
    assert "5. 出席评审专家对每名申报人无记名投票表决" in text


def test_roster_workbook_is_the_canonical_form_with_formula_text_kept(packages) -> None:
    from openpyxl import load_workbook

    path = packages["pre"].folder / "05_职称申报信息表（附件2）.xlsx"
    wb = load_workbook(path)
    ws = wb["全部申报人"]
    # one sheet per employer for its leader's signature and stamp; no instructions sheet with its sample ID
    assert wb.sheetnames == ["全部申报人", "1_=1+2", "2_R&D _研究_ 中心", "3_宣威市人民医院"]
    assert wb["3_宣威市人民医院"]["A2"].value.startswith("填报单位（盖章）：宣威市人民医院")
    assert [
        r[1] for r in wb["3_宣威市人民医院"].iter_rows(min_row=4, values_only=True) if r[1]
    ] == ["李娜"]
    assert ws["A1"].value == "曲靖市专业技术人员职称申报信息表"
    assert [c.value for c in ws[3]] == [c.label for c in COLUMNS]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if any(v is not None for v in r)]
    assert [r[1] for r in rows] == ["王芳", "张&<丽>", "李娜"]
    assert [r[0] for r in rows] == [1, 2, 3]
    unit = ws.cell(row=4, column=[c.key for c in COLUMNS].index("unit") + 1)
    assert unit.value == FILING_FORMULA_UNIT and unit.data_type == "s"
    assert (
        rows[1][4] == packages["fm"].id_numbers[0]
    )  # ID numbers are in the confidential roster, as text
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet  # no formula anywhere
    assert ws.oddHeader.right.text == "内部资料　注意保密"


def test_draw_record_with_signature_lines(packages) -> None:
    text = docx_text(packages["pre"].folder / "06_专家抽取记录表_第1号.docx")
    path = packages["pre"].folder / "06_专家抽取记录表_第1号.docx"
    assert "评审专家抽取记录表" in text and "内部资料　注意保密" in docx_header(path)
    for person in [*FILING_DRAWERS, *FILING_SUPERVISORS]:
        assert f"{person}　　签字：__________　　　　年　　月　　日" in text
    assert "附页：复核信息" in text and "抽取所用随机数 | 1111、2222、3333" in text


# --- The post-meeting package --------------------------------------------------------------------


def test_post_package_files(packages) -> None:
    post = packages["post"]
    top = sorted(p.name for p in post.folder.iterdir())
    assert top == [
        "01_会后备案报告.docx",
        "02_评审结果公示.docx",
        "03_结果公示情况.docx",
        "04_评审情况说明.docx",
        "05_参会评委抽取名册.docx",
        "06_参会评委签到表.docx",
        "07_参评人员专家评议表",
        "08_评审结果签字确认表.docx",
        "09_评审通过人员名册.docx",
        "09_评审通过人员名册.xlsx",
        "09_评审通过人员名册_内部_含身份证号码.xlsx",
        "10_通过人员证件照",
        "11_会议签字原件扫描件",
        "manifest.json",
        "清单.xlsx",
    ]
    assert sorted(p.name for p in (post.folder / "07_参评人员专家评议表").iterdir()) == [
        "001_王芳.docx",
        "002_张&_丽_.docx",
        "003_李娜.docx",
    ]


def test_review_forms_carry_the_reviewers_opinions(packages) -> None:
    forms = packages["post"].folder / "07_参评人员专家评议表"
    text = docx_text(forms / "003_李娜.docx")
    assert "专家评议表" in text and "第 3 号" in text
    assert "姓名 | 李娜" in text and "申报资格 | 主管护师（中级，正常）" in text
    reviews = table_rows(forms / "003_李娜.docx", 1)
    assert reviews[0] == ["序号", "评审专家", "评议意见", "评审建议", "专家签名"]
    assert len(reviews) == 4  # three reviewers
    assert all(r[2] == "业绩一般 & 代表作<不足>。" and r[3] == "不同意" for r in reviews[1:])
    # each reviewer signed their own sheet of the day, filed as a scan (as the 签到表 says)
    assert all(r[4] == "已签（见原件）" for r in reviews[1:])
    assert (
        "评委会表决（无记名投票）：出席 9 人，同意 5 票，不同意 4 票，弃权 0 票；未通过。" in text
    )
    corrected = table_rows(forms / "001_王芳.docx", 1)
    assert corrected[1][1:4] == [
        packages["corrected_by"],
        "材料齐全，业绩突出（更正笔误）。",
        "同意",
    ]
    assert "内部资料" in docx_header(forms / "001_王芳.docx")


def test_result_confirmation_with_the_votes_and_every_signature_line(packages) -> None:
    path = packages["post"].folder / "08_评审结果签字确认表.docx"
    rows = table_rows(path)
    assert rows[0] == [
        "序号",
        "姓名",
        "工作单位",
        "申报资格",
        "出席人数",
        "回避",
        "同意",
        "不同意",
        "弃权",
        "废票",
        "通过所需",
        "表决结果",
    ]
    assert rows[1:] == [
        ["1", "王芳", "=1+2", "主管护师", "9", "0", "8", "0", "1", "0", "6", "通过"],
        ["2", "张&<丽>", "R&D <研究> 中心", "主管护师", "9", "0", "9", "0", "0", "0", "6", "通过"],
        ["3", "李娜", "宣威市人民医院", "主管护师", "9", "0", "5", "4", "0", "0", "6", "未通过"],
    ]
    text = docx_text(path)
    assert "共评审 3 人，通过 2 人，未通过 1 人。" in text
    assert "计票人：计票人乙　　签字：" in text and "监票人：监票人丙　　签字：" in text
    # the chair recorded at the meeting (an attending expert), not a name typed at export
    assert f"评委会主任委员：{packages['fm'].attending[0]}　　签字：" in text
    # every attending expert in the signing grid (three a row, a blank cell to sign beside each)
    grid = table_rows(path, 1)
    assert grid[0] == ["评审专家", "签字"] * 3
    signers = [c for row in grid[1:] for c in row[0::2] if c]
    assert signers == [f"{i}. {n}" for i, n in enumerate(packages["fm"].attending, start=1)]
    assert all(c == "" for row in grid[1:] for c in row[1::2])
    assert "评委会11人，出席9人，至少需8人" in text


def test_sign_in_sheet_and_attending_roster(packages) -> None:
    fm = packages["fm"]
    sheet = table_rows(packages["post"].folder / "06_参会评委签到表.docx")
    assert len(sheet) == 12  # the 11 seated members who accepted
    present = [r[1] for r in sheet[1:] if r[5] == "出席"]
    assert sorted(present) == sorted(fm.attending) and sum(r[5] == "缺席" for r in sheet[1:]) == 2
    # the typed transcription of the sheet signed on the day: in its order, saying so
    assert all(r[6] == ("已签（见原件）" if r[5] == "出席" else "") for r in sheet[1:])
    assert (
        "本表根据2023年11月20日评审会议当天签字的原件录入，签字原件扫描件见本次报送材料第11项。"
        in (docx_text(packages["post"].folder / "06_参会评委签到表.docx"))
    )
    filed = sorted(p.name for p in (packages["post"].folder / "11_会议签字原件扫描件").iterdir())
    assert filed == ["01_签到表.pdf", "02_计票表.jpg"]
    assert "应到 11 人，实到 9 人。" in docx_text(
        packages["post"].folder / "06_参会评委签到表.docx"
    )
    roster = table_rows(packages["post"].folder / "05_参会评委抽取名册.docx")
    assert sorted(r[1] for r in roster[1:]) == sorted(fm.attending)
    assert "依据第1号抽取记录（2023年11月10日在监督人员监督下从专家库中随机抽取）" in docx_text(
        packages["post"].folder / "05_参会评委抽取名册.docx"
    )


def test_post_report_lists_corrections_after_the_seal_and_the_photos(packages) -> None:
    path = packages["post"].folder / "01_会后备案报告.docx"
    text = docx_text(path)
    assert "共评审 3 人，通过 2 人" in text
    assert "评审结果 | 评审 3 人，通过 2 人，通过率 66.7%" in text
    assert "结果公示 | 2023年11月21日至2023年11月27日（5个工作日）" in text
    corrections = table_rows(path, 2)
    assert corrections[0] == ["序号", "更正内容", "理由", "登记日期"]  # no login names
    assert [r[1:3] for r in corrections[1:]] == [["评议意见", "评议意见笔误更正"]]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", corrections[1][3])
    assert "通过 2 人，已收集证件照 1 张。无法确定、须人工核对 1 人：王芳。" in text
    assert "核准部门同意召开 | 2023年11月15日" in text
    # final despite the ambiguous photo: what is missing and why, in the report
    assert (
        "材料不全的说明\n1. 王芳 的证件照无法确定（2 个文件均可能是其本人），须人工核对后放入\n原因："
        + FINAL_REASON
        in text
    )
    attachments = text.split("本次报送材料（编号与材料编号一致）：\n")[1].split("\n")[:11]
    assert attachments == [
        "1. 会后备案报告（本报告）",
        "2. 评审结果公示",
        "3. 结果公示情况",
        "4. 评审情况说明",
        "5. 参会评委抽取名册",
        "6. 参会评委签到表",
        "7. 参评人员专家评议表",
        "8. 评审结果签字确认表（含投票信息）",
        "9. 评审通过人员名册",
        "10. 通过人员证件照（1张）",
        "11. 评审会议当天签字原件（扫描件）（2份）",
    ]
    manifest = json.loads((packages["post"].folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["draft"] is False and manifest["final_despite"]["reason"] == FINAL_REASON


def test_publicity_and_review_accounts(packages) -> None:
    folder = packages["post"].folder
    text = docx_text(folder / "03_结果公示情况.docx")
    assert "2023年11月21日至2023年11月27日，共5个工作日" in text
    assert "曲靖市卫生健康委员会网站。" in text and "公示期间未收到异议。" in text
    account = docx_text(folder / "04_评审情况说明.docx")
    assert "召开。评委会11人，出席9人，至少需8人：达到法定人数。" in account
    assert "共评审 3 人，通过 2 人，通过率 66.7%" in account and "未通过：李娜。" in account
    assert "更正评议意见，理由：评议意见笔误更正。" in account
    # the methods the meeting recorded, only those; the chair as recorded
    assert "采用审阅材料、个人述职方式评价。" in account and "面试答辩" not in account
    assert f"评委会主任委员：{packages['fm'].attending[0]}\n签字：" in account


def test_internal_pass_roster_has_the_id_numbers_and_is_not_public(packages) -> None:
    from openpyxl import load_workbook

    post = packages["post"]
    path = post.folder / "09_评审通过人员名册_内部_含身份证号码.xlsx"
    ws = load_workbook(path).active
    assert [c.value for c in ws[3]][:3] == ["序号", "姓名", "身份证号码"]
    assert ws["C5"].value == packages["fm"].id_numbers[0] and ws["C5"].data_type == "s"
    assert ws.oddHeader.right.text == "内部资料　注意保密"
    entry = next(e for e in post.files if e.file == path.name)
    assert entry.public is False


def test_pass_roster_docx_and_xlsx(packages) -> None:
    from openpyxl import load_workbook

    post = packages["post"].folder
    rows = table_rows(post / "09_评审通过人员名册.docx")
    assert rows[1:] == [
        ["1", "王芳", "=1+2", "卫生", "护理", "主管护师"],
        ["2", "张&<丽>", "R&D <研究> 中心", "卫生", "护理", "主管护师"],
    ]
    ws = load_workbook(post / "09_评审通过人员名册.xlsx").active
    assert ws["A1"].value == "曲靖市卫生系列中级职称评审委员会2023年度评审通过人员名册"
    assert [c.value for c in ws[3]] == ["序号", "姓名", "工作单位", "系列", "专业", "评审通过资格"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=4)] == [
        [1, "王芳", "=1+2", "卫生", "护理", "主管护师"],
        [2, "张&<丽>", "R&D <研究> 中心", "卫生", "护理", "主管护师"],
    ]
    assert ws["C4"].data_type == "s" and ws["C4"].quotePrefix
    with zipfile.ZipFile(post / "09_评审通过人员名册.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_photos_are_matched_never_guessed(packages) -> None:
    post = packages["post"]
    folder = post.folder / "10_通过人员证件照"
    assert [p.name for p in folder.iterdir()] == ["002_张&_丽_.jpg"]
    assert (folder / "002_张&_丽_.jpg").read_bytes() == b"\xff\xd8\xff\xe0 photo of zhang"
    assert post.photos == {
        "found": 1,
        "missing": [],
        "ambiguous": [{"name": "王芳", "files": ["02_王芳_一寸.png", "王芳.jpg"]}],
        "unused": ["无关的人.jpg"],
        "empty": [],
    }
    manifest = json.loads((post.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["photos"]["ambiguous"][0]["name"] == "王芳"
    assert any("王芳 的证件照无法确定" in w for w in post.warnings)


def test_result_publicity(packages) -> None:
    path = packages["post"].folder / "02_评审结果公示.docx"
    text = docx_text(path)
    assert (
        "经曲靖市卫生系列中级职称评审委员会于2023年11月20日评审，以下 2 名同志通过中级职称评审，现予公示。"
        in text
    )
    assert "公示时间：2023年11月21日至2023年11月27日（5个工作日" in text
    assert [r[1] for r in table_rows(path)[1:]] == ["王芳", "张&<丽>"]


def test_public_documents_hold_no_id_numbers_phones_or_expert_names(packages) -> None:
    fm = packages["fm"]
    public = []
    for result in (packages["pre"], packages["post"]):
        data = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
        public += [result.folder / f["file"] for f in data["files"] if f["public"]]
    assert sorted(p.name for p in public) == [
        "02_评审结果公示.docx",
        "03_会前公示.docx",
        "09_评审通过人员名册.docx",
        "09_评审通过人员名册.xlsx",
    ]
    for path in public:
        text = text_of(path)
        assert "张&<丽>" in text
        for secret in [*fm.id_numbers, *fm.phones, *fm.expert_names]:
            assert secret not in text, (path.name, secret)
        assert "内部资料" not in text


def test_confidential_documents_say_so_in_the_header(packages) -> None:
    for result in (packages["pre"], packages["post"]):
        data = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
        for f in data["files"]:
            if f["file"].endswith(".docx") and not f["public"] and "抽取记录表" not in f["file"]:
                assert "内部资料　注意保密" in docx_header(result.folder / f["file"]), f["file"]


def test_the_export_is_recorded_in_the_audit_log(packages) -> None:
    with packages["fm"].store.transaction() as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "filing.exported")
        ).all()
        assert [(e.detail["stage"], e.detail["draft"], e.detail["files"]) for e in events] == [
            ("pre", False, 7),
            ("post", False, 17),  # with the two scans of the signed originals
        ]
        recorded = session.exec(
            select(AuditEvent).where(AuditEvent.action == "milestone.recorded")
        ).all()
        steps = [
            (e.command, e.detail["milestone"], str(e.detail["first"]))
            for e in recorded
            if e.command != "schedule record"
        ]
        assert steps == [
            ("draw-experts", "draw", "2023-11-10"),
            ("export-filing", "pre-filing", "2023-11-13"),
            ("export-filing", "post-filing", "2023-12-01"),
        ]
        assert events[1].detail["manifest_sha256"] == package.sha256_of(
            packages["post"].folder / "manifest.json"
        )


# --- Checks before writing ---------------------------------------------------------------------------


def _no_package(out: Path) -> None:
    assert not out.exists() or [p.name for p in out.iterdir()] == []


def test_refused_while_not_sealed_and_listed_reasons(unsealed, tmp_path) -> None:
    fm = unsealed
    with pytest.raises(gathering.FilingNotReady) as info:
        filing.export_filing(fm.store, fm.meeting, "post", tmp_path / "out", today=POST_DAY)
    message = str(info.value)
    assert message.startswith(
        "第1号会议的会后备案材料暂不能生成，原因如下：\n1. 申报人 赵敏（宣威市人民医院）仍待补正"
    )
    assert "\n2. 评审会议尚未封存\n" in message
    assert message.endswith("请解决后重新运行")
    # the terminal words each reason's step as its command line, and the way to a draft
    told = message_for(info.value)
    assert told is not None
    assert "\n2. 评审会议尚未封存；核对签到、评议和表决后封存：qjtitle meeting seal 1\n" in told[0]
    assert told[0].endswith("请解决后重新运行；请用 --force 先生成每页标“草稿”的材料供核对")
    assert [r.code for r in info.value.reasons][:2] == [
        "filing.needs_correction",
        "filing.not_sealed",
    ]
    _no_package(tmp_path / "out")
    forced = filing.export_filing(
        fm.store, fm.meeting, "post", tmp_path / "out", today=POST_DAY, force=True
    )
    assert forced.draft and forced.folder.name.endswith("_会后备案_草稿")
    for path in forced.folder.rglob("*.docx"):
        assert "草稿　不得作为正式备案材料报送" in docx_header(path), path.name
    for path in forced.folder.rglob("*.xlsx"):
        assert "【草稿】" in xlsx_text(path), path.name
    text = docx_text(forced.folder / "01_会后备案报告.docx")
    assert "【草稿】以下问题尚未解决，本材料仅供核对，不得作为正式备案材料报送：" in text
    assert "2. 评审会议尚未封存" in text
    data = json.loads((forced.folder / "manifest.json").read_text(encoding="utf-8"))
    assert data["draft"] is True and len(data["draft_reasons"]) == 5
    assert data["draft_reasons"][2:] == [
        "缺少 2 名通过人员的证件照：王芳、张&<丽>；请提供通过人员的证件照",
        (
            "缺少评审会议当天签字原件（签到表、专家评议表、计票表）的扫描件；录入稿不能代替签字原件"
            "；请提供签字原件的扫描件"
        ),
        "未说明结果公示的发布范围和公示期间收到的异议及处理情况（公示情况）；请写明结果公示的发布范围",
    ]
    assert "3. 缺少 2 名通过人员的证件照：王芳、张&<丽>" in text and "qjtitle" not in text


def test_refused_while_the_schedule_check_fails(unsealed, tmp_path) -> None:
    fm = unsealed
    late = date(2023, 11, 15)
    schedule.record(  # 2 working days late, recorded as it happened
        fm.store, fm.meeting, "pre-filing", late, force_reason="照实登记"
    )
    with pytest.raises(gathering.FilingNotReady) as info:
        filing.export_filing(fm.store, fm.meeting, "pre", tmp_path / "out", today=late)
    message = str(info.value)
    assert (
        "1. 时间节点不符合规定：会前备案日期 2023-11-15（三） 晚于最晚日期 2023-11-13（一），晚了 2 个工作日"
        in message
    )
    told = message_for(info.value)
    assert told is not None
    assert (
        "（评委会在召开评审会议前5个工作日向核准组建部门进行会前备案，《曲靖市人力资源和社会保障局关于做好2023年度全市高中级专业技术职称评审工作的通知》二）；请核对时间节点：qjtitle schedule check 1"
        in told[0]
    )
    assert "2. 申报人 赵敏（宣威市人民医院）仍待补正（尚未发出补正告知，1 处问题）" in message
    _no_package(tmp_path / "out")
    forced = filing.export_filing(
        fm.store, fm.meeting, "pre", tmp_path / "out", today=late, force=True
    )
    for path in forced.folder.glob("*.docx"):
        assert "草稿" in docx_header(path), path.name
    # a package dated before the late record does not know of it (documents state what was true on their date)
    early = filing.export_filing(
        fm.store, fm.meeting, "pre", tmp_path / "early", today=PRE_DAY, force=True
    )
    assert not any("时间节点" in r for r in early.reasons)
    rows = {r[1]: r for r in table_rows(forced.folder / "02_资格审查结果.docx")[1:]}
    assert rows["赵敏"][5] == "待补正"


def test_refused_while_the_season_is_out_of_order_and_the_results_dated_by_their_review(
    sealed, tmp_path
) -> None:
    """The season's chain is checked before any export: a 资格审查 recorded after the 会前公示 that
    publishes its result is listed in Chinese and nothing is written; in order, the 资格审查结果
    bears the day of the review."""
    pre_publicity = {
        it.key: it for it in schedule.evaluate(sealed.store, sealed.meeting, today=PRE_DAY).items
    }["pre-publicity"].actual_first
    with pytest.raises(schedule.RuleBroken):  # refused where it is typed …
        schedule.record(sealed.store, sealed.meeting, "eligibility", PRE_DAY, today=PRE_DAY)
    schedule.record(  # … and where it was recorded as it happened, refused again at the export
        sealed.store, sealed.meeting, "eligibility", PRE_DAY, today=PRE_DAY, force_reason="照实登记"
    )
    with pytest.raises(gathering.FilingNotReady) as info:
        filing.export_filing(sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY)
    assert "会前公示" in str(info.value) and "在资格审查（" in str(info.value)
    assert "顺序不合逻辑" in str(info.value)
    _no_package(tmp_path / "out")
    review = date(2023, 10, 20)
    assert review < pre_publicity
    schedule.record(sealed.store, sealed.meeting, "eligibility", review, today=PRE_DAY)
    done = filing.export_filing(
        sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY
    )
    text = docx_text(done.folder / "02_资格审查结果.docx")
    assert "2023年10月20日" in text and "2023年11月13日" not in text
    assert "Sheet" not in text


@pytest.fixture
def sealed(filing_meeting):
    return filing_meeting


@pytest.fixture
def unsealed(filing_builds, tmp_path):
    fm = copy_filing_meeting(filing_builds("unsealed"), tmp_path / "unsealed")
    yield fm
    fm.store.close()


def test_document_numbers_count_per_committee_and_year_and_a_re_export_keeps_its_number(
    sealed, tmp_path
) -> None:
    def number(result) -> str:
        return docx_text(result.folder / "01_会前备案报告.docx").splitlines()[0].split("\t")[0]

    options = dataclasses.replace(OPTIONS, doc_code="曲卫职评")
    first = filing.export_filing(
        sealed.store, sealed.meeting, "pre", tmp_path / "a", options=options, today=PRE_DAY
    )
    assert number(first) == "曲卫职评〔2023〕1号"
    again = filing.export_filing(
        sealed.store,
        sealed.meeting,
        "pre",
        tmp_path / "a",
        options=options,
        today=PRE_DAY,
        overwrite=True,
    )
    assert number(again) == "曲卫职评〔2023〕1号"
    post = filing.export_filing(
        sealed.store,
        sealed.meeting,
        "post",
        tmp_path / "a",
        today=POST_DAY,
        final=True,
        options=dataclasses.replace(options, final_reason=FINAL_REASON),
    )
    assert (
        docx_text(post.folder / "01_会后备案报告.docx").splitlines()[0].split("\t")[0]
        == "曲卫职评〔2023〕2号"
    )
    plain = filing.export_filing(
        sealed.store, sealed.meeting, "pre", tmp_path / "b", options=OPTIONS, today=PRE_DAY
    )
    assert (
        number(plain) == "曲靖职评〔2023〕1号"
    )  # default code: the organizer's first two characters


def test_an_existing_package_is_kept_unless_overwrite(sealed, tmp_path) -> None:
    first = filing.export_filing(
        sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY
    )
    with pytest.raises(AlreadyExists, match="已存在；请换一个保存材料的文件夹"):
        filing.export_filing(sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY)
    again = filing.export_filing(
        sealed.store,
        sealed.meeting,
        "pre",
        tmp_path / "out",
        today=PRE_DAY,
        overwrite=True,
        options=gathering.FilingOptions(contact="王老师"),
    )
    assert again.folder == first.folder
    assert "联系人：王老师" in docx_text(again.folder / "01_会前备案报告.docx")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [first.folder.name]


def test_an_interrupted_export_leaves_no_half_package(sealed, tmp_path, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(filing, "write_roster_xlsx", broken)
    with pytest.raises(KeyboardInterrupt):
        filing.export_filing(sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY)
    assert list((tmp_path / "out").iterdir()) == []
    with sealed.store.transaction() as session:
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.action == "filing.exported")).all()
            == []
        )


def test_a_user_template_overrides_the_shipped_one(sealed, tmp_path) -> None:
    import docx

    mine = tmp_path / "我的模板"
    catalogue.copy_templates(mine, ["pre_publicity"])
    doc = docx.Document(str(mine / "pre_publicity.docx"))
    doc.add_paragraph("本公示由{{ committee.organizer }}自定义模板生成")
    doc.save(str(mine / "pre_publicity.docx"))
    result = filing.export_filing(
        sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY, templates=mine
    )
    assert "本公示由曲靖市卫生健康委员会自定义模板生成" in docx_text(
        result.folder / "03_会前公示.docx"
    )
    assert "本公示由" not in docx_text(result.folder / "04_评审方案.docx")


def test_a_templates_folder_beside_the_store_is_used(sealed, tmp_path) -> None:
    import docx

    beside = sealed.store.directory / "templates"
    catalogue.copy_templates(beside, ["review_form"])
    doc = docx.Document(str(beside / "review_form.docx"))
    doc.add_paragraph("本表由数据库旁的模板生成")
    doc.save(str(beside / "review_form.docx"))
    with pytest.raises(
        TemplateProblem, match="尚未通过检查"
    ):  # issue 15: only as `templates check` accepted it
        filing.export_filing(sealed.store, sealed.meeting, "post", tmp_path / "out", today=POST_DAY)
    assert [
        c.ok for c in samples.check_templates(["review_form"], store_dir=sealed.store.directory)
    ] == [True]
    result = filing.export_filing(
        sealed.store, sealed.meeting, "post", tmp_path / "out", today=POST_DAY
    )
    assert "本表由数据库旁的模板生成" in docx_text(
        result.folder / "07_参评人员专家评议表" / "003_李娜.docx"
    )


def test_a_broken_user_template_names_the_template_and_the_line(sealed, tmp_path) -> None:
    import docx

    mine = tmp_path / "我的模板"
    catalogue.copy_templates(mine, ["meeting_plan"])
    doc = docx.Document(str(mine / "meeting_plan.docx"))
    doc.add_paragraph("评审地点：{{ meeting.place ")
    doc.save(str(mine / "meeting_plan.docx"))
    with pytest.raises(TemplateProblem) as info:
        filing.export_filing(
            sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY, templates=mine
        )
    message = str(info.value)
    assert str(mine / "meeting_plan.docx") in message
    assert (
        "正文第" in message
        and "行" in message
        and "评审地点：{{ meeting.place" in message
        and "语法错误" in message
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_pdf_needs_libreoffice_and_says_how_to_install_it(sealed, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(package, "find_soffice", lambda: None)
    with pytest.raises(package.PackageError, match="sudo apt install libreoffice-writer"):
        filing.export_filing(
            sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY, pdf=True
        )
    assert not (tmp_path / "out").exists()


def test_generated_documents_open_in_libreoffice(packages, tmp_path) -> None:
    soffice = package.find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice（soffice）未安装，无法检查生成的文件能否打开；CI 安装了它")
    import shutil

    docs = []
    for result in (packages["pre"], packages["post"]):
        for path in result.folder.rglob("*.docx"):
            docs.append(tmp_path / path.name)  # one folder: one LibreOffice run
            shutil.copyfile(path, docs[-1])
    pdfs = package.convert_to_pdf(docs, soffice)
    assert len(pdfs) == len(docs) == 16
    for pdf in pdfs:
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000


def test_pdf_option_adds_pdfs_to_the_package(sealed, tmp_path) -> None:
    if package.find_soffice() is None:
        pytest.skip("LibreOffice（soffice）未安装，--pdf 无法测试；CI 安装了它")
    result = filing.export_filing(
        sealed.store, sealed.meeting, "pre", tmp_path / "out", today=PRE_DAY, pdf=True
    )
    pdfs = sorted(p.name for p in result.folder.glob("*.pdf"))
    assert pdfs == [
        "01_会前备案报告.pdf",
        "02_资格审查结果.pdf",
        "03_会前公示.pdf",
        "04_评审方案.pdf",
        "06_专家抽取记录表_第1号.pdf",
    ]
    assert package.verify(result.folder) == []
    public = {e.file: e.public for e in result.files}
    assert public["03_会前公示.pdf"] is True and public["04_评审方案.pdf"] is False


# --- Photos and masking ---------------------------------------------------------------------------------


def test_photo_matching(tmp_path) -> None:
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    a, b, c, d = (
        photos.Person(1, "张丽", "530302198503010123"),
        photos.Person(2, "王芳", "53030219850302014X"),
        photos.Person(3, "李娜", "530302198503030127"),
        photos.Person(4, "李娜", "530302198503040125"),
    )
    (folder / "sub" / "01_张丽_证件照.JPG").write_bytes(b"a")
    (folder / "530302198503020141.jpg").write_bytes(b"not wang: another number")
    (folder / "王芳_53030219850302014x.png").write_bytes(b"b")
    (folder / "李娜.jpg").write_bytes(b"c")
    (folder / "说明.txt").write_text("not an image")
    report = photos.match(folder, [a, b, c, d])
    assert report.found == {
        1: folder / "sub" / "01_张丽_证件照.JPG",
        2: folder / "王芳_53030219850302014x.png",
    }
    assert [(p.key, [f.name for f in files]) for p, files in report.ambiguous] == [
        (3, ["李娜.jpg"]),
        (4, ["李娜.jpg"]),
    ]
    assert report.missing == [] and [f.name for f in report.unused] == ["530302198503020141.jpg"]
    assert [p.key for p in photos.match(None, [a]).missing] == [1]
    assert photos.name_key("02_张丽（一寸蓝底）") == "张丽"
    with pytest.raises(Exception, match="证件照文件夹 .* 不存在"):
        photos.match(tmp_path / "none", [a])


def test_an_empty_photo_is_never_taken(tmp_path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "张丽.jpg").write_bytes(b"")
    report = photos.match(folder, [photos.Person(1, "张丽", "530302198503010123")])
    assert report.found == {} and [p.key for p in report.missing] == [1]
    assert report.as_dict(folder)["empty"] == ["张丽.jpg"]


def test_photos_never_follow_links_outside_the_folder(tmp_path):
    import os

    from qjtitle.intake import photos

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "张丽.jpg").write_bytes(b"\xff\xd8\xff")
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "王芳.jpg").write_bytes(b"\xff\xd8\xff")
    if not hasattr(os, "symlink"):
        pytest.skip("no symlinks on this system")
    os.symlink(outside / "张丽.jpg", folder / "张丽.jpg")
    os.symlink(outside, folder / "更多")
    assert [p.name for p in photos.images(folder)] == ["王芳.jpg"]


@pytest.mark.skipif(os.name != "posix", reason="owner-only modes are POSIX permissions")
def test_packages_are_owner_only(packages) -> None:
    import stat

    for result in (packages["pre"], packages["post"]):
        assert stat.S_IMODE(result.folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(result.zip.stat().st_mode) == 0o600


def test_a_report_states_a_provisional_calendar_without_the_calendar_file() -> None:
    """The provisional-calendar warning as a report states it: what was assumed, not how to edit the
    calendar file (no complete_years, file name or command)."""
    from qjtitle.filing.wording import plain_reason
    from qjtitle.logic.workdays import WorkCalendar

    warning = WorkCalendar().provisional_warning(date(2031, 3, 3), date(2031, 5, 6))
    assert "日历补充文件" in warning  # the terminal's words (no longer the file's key either)
    text = plain_reason(warning)
    assert text.startswith("2031年的调休安排尚未公布，相关日期为暂定")
    for what in ("complete_years", "calendar", ".toml", "qjtitle", "国务院公布后请在"):
        assert what not in text, what


def test_documents_word_stored_findings_and_fall_back_for_rows_of_an_old_store() -> None:
    """Issue 26: a problem stored as a finding is worded from its message (cell and value are facts);
    a problem of an older store (kind, column, a message naming cells) by its kind; the same for a
    refused row. Nothing reaches the document that names a cell, a file or a spreadsheet."""
    from qjtitle.filing.wording import plain_problem, rejection_text

    stored = {
        "code": "intake.required",
        "message": "“现专业技术职务”未填写",
        "severity": "error",
        "facts": {"column": "现专业技术职务", "cell": "H5", "value": ""},
        "fix": {"hint": "请填写现专业技术职务"},
    }
    assert plain_problem(stored) == "“现专业技术职务”未填写"
    old = {"column": "出生日期", "cell": "E5", "message": "E5 单元格的日期无法识别", "kind": "日期"}
    assert plain_problem(old) == "“出生日期”填写有误，无法确定日期"
    refused_old = {"reason": "与 乙单位.xlsx（Sheet1）第5行 重复；请核对后只保留一份", "name": "甲"}
    assert rejection_text(refused_old) == "与 其他单位报送的申报 重复"
    refused_new = {
        "code": "intake.duplicate",
        "message": "与其他单位报送的申报重复",
        "facts": {"file": "乙单位.xlsx", "row": 5},
    }
    assert rejection_text(refused_new) == "与其他单位报送的申报重复"
    for text in (plain_problem(stored), plain_problem(old), rejection_text(refused_new)):
        assert not re.search(r"[A-Z]{1,2}[0-9]+|\.xlsx|单元格|Excel|qjtitle|--", text), text


def test_draft_reasons_are_findings_worded_for_officers(unsealed, tmp_path) -> None:
    """The reasons of a draft are findings: the terminal gets their command lines, the package (report,
    manifest, audit event) the officer's words, without any command or option."""
    fm = unsealed
    forced = filing.export_filing(
        fm.store, fm.meeting, "post", tmp_path / "out", today=POST_DAY, force=True
    )
    codes = [f.code for f in forced.findings]
    assert "filing.not_sealed" in codes
    sealed_reason = forced.reasons[codes.index("filing.not_sealed")]
    assert sealed_reason == "评审会议尚未封存；核对签到、评议和表决后封存"
    for text in forced.reasons:
        assert "qjtitle" not in text and "--" not in text, text
    manifest = json.loads((forced.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["draft_reasons"] == forced.reasons
    data = forced.as_dict()
    assert [f["code"] for f in data["findings"]] == codes


def test_incomplete_post_package_names_the_option_that_supplies_it(unsealed, tmp_path) -> None:
    """A post-meeting draft's missing scans and publicity account say which input supplies them: the
    terminal names the option of export-filing, the report says what to provide (no option)."""
    from qjtitle.cli._findings import say

    fm = unsealed
    forced = filing.export_filing(
        fm.store, fm.meeting, "post", tmp_path / "out", today=POST_DAY, force=True
    )
    by_code = {f.code: f for f in forced.findings}
    signed = by_code["filing.signed_missing"]
    assert signed.fix is not None and signed.fix.field == "signed"
    assert say(signed).endswith("；请用 --signed 提供签字原件的扫描件")
    publicity = by_code["filing.publicity_account_missing"]
    assert publicity.fix is not None and publicity.fix.field == "publicity_where"
    assert say(publicity).endswith("；请用 --publicity-where 写明结果公示的发布范围")
    reasons = forced.reasons
    assert any(r.endswith("录入稿不能代替签字原件；请提供签字原件的扫描件") for r in reasons), (
        reasons
    )
    for text in reasons:
        assert "--" not in text and "文件夹" not in text, text


def test_schedule_reason_drops_the_schedules_own_command_and_keeps_the_rule() -> None:
    """The schedule's "完成后请用 qjtitle schedule record …" clause is not quoted into a filing reason:
    the reason keeps the fact, and the document keeps the rule (it read "已过 2 个工作日；完成后；…")."""
    from qjtitle.filing.gather import _QUOTED_COMMAND

    message = (
        "推荐公示应不晚于 2026-12-27（日），至今（2026-12-29（二））未登记，已过 2 个工作日；"
        "完成后请用 qjtitle schedule record 会议编号 recommendation-publicity 日期 登记"
    )
    assert _QUOTED_COMMAND.sub("", message) == (
        "推荐公示应不晚于 2026-12-27（日），至今（2026-12-29（二））未登记，已过 2 个工作日"
    )
    kept = "会前备案应不晚于 2023-11-13（一），已过 1 个工作日"
    assert _QUOTED_COMMAND.sub("", kept) == kept


def test_a_stored_finding_that_names_excel_or_a_file_is_worded_plainly() -> None:
    """The eligibility results quoted a stored finding's message as it was: "身份证号码被 Excel 存成了数字
    （5.3038****E+17）" and "（04_罗平县中医医院.csv 第4行）" reached a signed document."""
    from qjtitle.filing.wording import plain_problem

    stored = {
        "code": "intake.id_number",
        "message": "身份证号码被 Excel 存成了数字（5.3038**********E+17），后几位已丢失",
        "facts": {"column": "身份证号码", "cell": "E3"},
    }
    assert plain_problem(stored) == "身份证号码不完整，后几位已丢失"
    duplicate = {
        "code": "intake.duplicate",
        "message": "同一身份证号码又由罗平县中医医院（04_罗平县中医医院.csv 第4行）报送",
    }
    assert plain_problem(duplicate) == "同一身份证号码又由罗平县中医医院报送"
    for text in (plain_problem(stored), plain_problem(duplicate)):
        assert not re.search(r"Excel|E\+|\.csv|\.xlsx|第4行", text), text
    from qjtitle.filing.wording import rejection_text

    refused = {"finding": duplicate}
    assert rejection_text(refused) == "同一身份证号码又由罗平县中医医院报送"
