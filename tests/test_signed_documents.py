"""Every document of the demo's filing packages read back as the secretary who signs it would
(issue 13): the text through python-docx, the pages through LibreOffice and pdftotext.

What a signed document must never hold: developer vocabulary, timestamps, file names, Python
values; a date after the first day of its 公示; a claim, in the pre-meeting report, of a step done
after the report's date; a page holding only a signature, seal or date block; an East Asian font
without a Windows substitute; an East Asian language other than zh-CN.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import docx_text

from qjtitle import demo
from qjtitle.calendar import milestones, schedule
from qjtitle.filing import package

FORBIDDEN = (  # (what, pattern) never in a document a secretary signs and files
    ("二手资料", r"二手资料"),
    ("how a rule is computed", r"除以2|余1"),
    ("random seed", r"随机种子|种子"),
    ("algorithm", r"算法|SHA|sha256|哈希|指纹"),
    ("command names", r"qjtitle|verify-draw|export-filing|--[a-z]"),
    ("UTC", r"UTC"),
    ("ISO date or time", r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}"),
    ("file names", r"\.(?:docx|xlsx|xls|csv|json|pdf|png|jpe?g|db)\b"),
    ("spreadsheet software", r"Excel|WPS"),
    ("float in E notation", r"\d\.\d+E\+\d+"),
    ("Python values", r"\b(?:None|True|False|nan)\b"),
    ("template tags", r"\{\{|\}\}|\{%|%\}"),
)
SIGNATURE_LINE = re.compile(
    r"（盖章）|（签字）|签字：|^日期：|^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|年\s+月\s+日$|^（?联系人：|^出席评审专家签字"
)
PAGE_FURNITURE = re.compile(r"内部资料|不得作为正式|仅供核对|— 第\s*\d+\s*页|^—\s*\d+\s*—$")
CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
WINDOWS_FONTS = {
    "宋体",
    "黑体",
    "仿宋",
    "楷体",
    "新宋体",
    "微软雅黑",
    "SimSun",
    "SimHei",
    "FangSong",
    "KaiTi",
    "NSimSun",
    "Microsoft YaHei",
}


def cn_day(text: str) -> date:
    y, m, d = CN_DATE.search(text).groups()
    return date(int(y), int(m), int(d))


@pytest.fixture(scope="module")
def run(demo_run):
    return demo_run  # built once per session (conftest.py)


@pytest.fixture(scope="module")
def documents(run):
    """(package, path) of every Word document of the three packages (pre final, post draft, post final)."""
    return [(f, p) for f in run.filings for p in sorted(f.folder.rglob("*.docx"))]


def full_text(path: Path) -> str:
    import docx

    d = docx.Document(str(path))
    parts = [docx_text(path)]
    for s in d.sections:
        parts += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
    return "\n".join(parts)


def header_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(
            z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/header")
        )


def sheet_strings(path: Path) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        texts += [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
        texts += [
            h.text or "" for h in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right)
        ]
    return "\n".join(texts)


def test_no_software_vocabulary_in_any_document(run, documents) -> None:
    checked = 0
    for _f, path in documents:
        text = full_text(path)
        for what, pattern in FORBIDDEN:
            found = re.search(pattern, text)
            assert found is None, (
                f"{path.name}: {what}: …{text[max(0, found.start() - 30) : found.end() + 30]}…"
            )
        checked += 1
    for f in run.filings:
        for path in f.folder.glob(
            "0*.xlsx"
        ):  # the rosters (the package list 清单.xlsx is not signed)
            text = sheet_strings(path)
            for what, pattern in FORBIDDEN:
                if what in ("ISO date or time",):
                    continue  # dates are date cells in the 附件2 form
                assert re.search(pattern, text) is None, (path.name, what)
            checked += 1
    assert checked > 100


def test_publicity_is_dated_on_or_before_its_first_day(documents) -> None:
    seen = 0
    for _f, path in documents:
        if "公示.docx" not in path.name:
            continue
        text = docx_text(path)
        first = cn_day(text.split("公示时间：")[1])
        signed = cn_day(text.split("（盖章）")[1])
        assert signed <= first, (path.name, signed, first)
        seen += 1
    assert seen == 3  # 会前公示, and 结果公示 in both post packages


def test_no_document_is_dated_after_its_package(documents) -> None:
    dated = 0
    for f, path in documents:
        day = demo.PRE_FILING_DAY if f.stage == "pre" else demo.POST_FILING_DAY
        text = docx_text(path)
        if "（盖章）" in text:
            assert cn_day(text.split("（盖章）")[1]) <= day, path.name
            dated += 1
        # a milestone stated as done (or being filed) happened on or before the document's date
        for row in (line.split(" | ") for line in text.splitlines() if line.count(" | ") == 4):
            if row[4] in ("已完成", "进行中", "本次报送") and CN_DATE.search(row[2]):
                assert cn_day(row[2]) <= day, (path.name, row)
    assert dated >= 12


def test_the_pre_meeting_report_claims_nothing_done_after_its_date(run) -> None:
    pre = run.filings[0]
    text = docx_text(pre.folder / "01_会前备案报告.docx")
    rows = {r.split(" | ")[0]: r.split(" | ") for r in text.splitlines() if r.count(" | ") == 4}
    assert rows["会前公示"][4] == "已完成" and rows["抽取评委"][4] == "已完成"
    assert rows["会前备案"][4] == "本次报送"
    for later in (
        "核准部门同意召开",
        "结果公示",
        "会后备案",
    ):  # recorded in the store, but after 2023-11-13
        assert rows[later][2] == "—" and rows[later][4] == "计划", rows[later]
    assert rows["评审会议"][4] == "计划召开"


def test_the_draw_and_the_exports_record_their_schedule_steps(run) -> None:
    from qjtitle.store import open_store

    store = open_store(run.store_path)
    try:
        items = {it.key: it for it in schedule.evaluate(store, 1, today=date(2023, 11, 17)).items}
        assert (
            items["draw"].status == milestones.DONE
            and items["draw"].actual_first == demo.DRAW["drawn_on"]
        )
        assert items["pre-filing"].actual_first == demo.PRE_FILING_DAY
        later = {it.key: it for it in schedule.evaluate(store, 1, today=date(2023, 12, 4)).items}
        assert (
            later["post-filing"].actual_first == demo.POST_FILING_DAY
        )  # by the final post package, not the draft
    finally:
        store.close()


def test_the_draft_cannot_be_taken_for_final(run) -> None:
    draft = run.filings[1]
    assert draft.draft and draft.folder.name.endswith("_草稿")
    manifest = json.loads((draft.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["draft"] is True and manifest["draft_reasons"] == draft.reasons
    for path in draft.folder.rglob("*.docx"):
        assert "草稿　不得作为正式备案材料报送" in full_text(path), path.name
        assert 'string="草稿"' in header_xml(path), path.name  # the watermark across the page
    for path in run.filings[2].folder.rglob("*.docx"):
        assert "草稿" not in full_text(path) and "草稿" not in header_xml(path), path.name
    report = docx_text(draft.folder / "01_会后备案报告.docx")
    assert (
        "【草稿】以下问题尚未解决" in report
        and "缺少 3 名通过人员的证件照：蔡善、谭仁、余德" in report
    )
    final = run.filings[2]
    report = docx_text(final.folder / "01_会后备案报告.docx")
    assert "材料不全的说明" in report and f"原因：{demo.FINAL_REASON}" in report
    assert "草稿" not in full_text(final.folder / "01_会后备案报告.docx")
    assert len(list((final.folder / "10_通过人员证件照").iterdir())) == 45


def test_demo_photos_are_valid_images(run) -> None:
    photos = sorted((run.out / "备案材料").parent.glob("证件照/*.png"))
    assert len(photos) == 45
    first = photos[0].read_bytes()
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and first[12:16] == b"IHDR"
    assert int.from_bytes(first[16:20], "big") == 295 and int.from_bytes(first[20:24], "big") == 413
    from qjtitle.portrait import portrait

    assert photos[0].read_bytes() == portrait(1)  # deterministic


def test_fonts_have_windows_substitutes_and_the_language_is_chinese(documents) -> None:
    seen: set[str] = set()
    for _f, path in {
        p: (f, p) for f, p in documents if "/07_" not in p.as_posix() or p.name.startswith("001")
    }.values():
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            table = z.read("word/fontTable.xml").decode("utf-8")
            styles = z.read("word/styles.xml").decode("utf-8")
            used = set()
            for part in names:
                if part.startswith("word/") and part.endswith(".xml"):
                    used |= set(re.findall(r'w:eastAsia="([^"]+)"', z.read(part).decode("utf-8")))
            theme = "".join(z.read(n).decode("utf-8") for n in names if n.startswith("word/theme/"))
        declared = dict(re.findall(r'<w:font w:name="([^"]+)"><w:altName w:val="([^"]+)"/>', table))
        fonts = {u for u in used if not re.fullmatch(r"[a-z]{2}-[A-Z]{2}", u)}
        for font in fonts:
            assert font in WINDOWS_FONTS or declared.get(font) in WINDOWS_FONTS, (path.name, font)
            if font in declared:
                assert re.search(rf'w:name="{font}">.*?<w:charset w:val="86"/>', table), (
                    path.name,
                    font,
                )
        assert "ＭＳ" not in table + styles + theme, path.name
        assert re.search(r'<w:lang [^>]*w:eastAsia="zh-CN"', styles), path.name
        assert 'w:eastAsia="en-US"' not in styles and 'w:eastAsia="ja-JP"' not in styles
        seen |= fonts
    assert {"仿宋_GB2312", "方正小标宋简体", "黑体"} <= seen


# --- The pages, as LibreOffice lays them out -------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(run, documents, tmp_path_factory):
    """Every document (one review form per package) converted to PDF; each page's text lines."""
    soffice, pdftotext = package.find_soffice(), shutil.which("pdftotext")
    if soffice is None or pdftotext is None:
        pytest.skip(
            "LibreOffice（soffice）或 pdftotext（poppler-utils）未安装，无法逐页检查版面；CI 安装了它们"
        )
    root = tmp_path_factory.mktemp("pages")
    chosen = []
    for i, (f, path) in enumerate(documents):
        if "/07_" in path.as_posix() and not path.name.startswith("001"):
            continue
        target = root / f"{i:03d}_{f.stage}{'_draft' if f.draft else ''}_{path.name}"
        shutil.copyfile(path, target)
        chosen.append(target)
    pdfs = package.convert_to_pdf(chosen, soffice)
    result = {}
    for pdf in pdfs:
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
        result[pdf.name] = [
            [
                line.strip()
                for line in page.splitlines()
                if line.strip() and not PAGE_FURNITURE.search(line)
            ]
            for page in text.split("\f")
            if page.strip()
        ]
    return result


def test_no_page_holds_only_a_signature_seal_or_date_block(pages) -> None:
    assert len(pages) >= 20
    for name, doc_pages in pages.items():
        for number, page_lines in enumerate(doc_pages, start=1):
            assert page_lines, f"{name} 第{number}页是空白页"
            alone = all(SIGNATURE_LINE.search(line) for line in page_lines)
            assert not alone, f"{name} 第{number}页只有签字、盖章或日期：{page_lines}"


def test_pages_hold_no_software_vocabulary_either(pages) -> None:
    for name, doc_pages in pages.items():
        text = "\n".join(line for page in doc_pages for line in page)
        for what, pattern in FORBIDDEN:
            if what == "template tags":
                continue
            assert re.search(pattern, text) is None, (name, what)


def test_signature_blocks_follow_the_last_lines_of_text(pages) -> None:
    signed = 0
    for name, doc_pages in pages.items():
        for page_lines in doc_pages:
            first = next(
                (i for i, line in enumerate(page_lines) if SIGNATURE_LINE.search(line)), None
            )
            if first is not None:
                assert first >= 1, f"{name}: 签字、盖章或日期在页首，与正文分离：{page_lines[:3]}"
                signed += 1
    assert signed >= 12


def test_reports_carry_a_document_number_per_committee_and_year(run) -> None:
    pre, draft, final = run.filings
    signer = demo.OFFICERS["signer"]
    assert docx_text(pre.folder / "01_会前备案报告.docx").startswith(
        f"曲卫职评〔2023〕1号\t签发人：{signer}\n关于"
    )
    assert docx_text(draft.folder / "01_会后备案报告.docx").startswith(
        f"\t签发人：{signer}\n关于"
    )  # a draft has no number
    assert docx_text(final.folder / "01_会后备案报告.docx").startswith(
        f"曲卫职评〔2023〕2号\t签发人：{signer}\n关于"
    )


# --- Issue 22: what happened, in an officer's words, ready to print ---------------------------------


def test_reports_close_as_reports_and_list_the_materials_as_numbered(run) -> None:
    for f in run.filings:
        report = f.folder / "01_会前备案报告.docx"
        if not report.exists():
            report = f.folder / "01_会后备案报告.docx"
        text = docx_text(report)
        assert "特此报告。" in text and "签发人：" in text
        for what in ("校验码", "工作记录", "complete_years", "日历文件", "root", "经办人 "):
            assert what not in text, (report.name, what)
        assert not re.search(r"[0-9a-f]{16}", text), report.name
        listed = text.split("本次报送材料（编号与材料编号一致）：\n")[1].splitlines()
        numbers = {int(line.split(".")[0]) for line in listed if re.match(r"\d+\. ", line)}
        on_disk = {int(p.name[:2]) for p in f.folder.iterdir() if re.match(r"\d\d_", p.name)}
        assert numbers == on_disk, (report.name, numbers, on_disk)
    pre = docx_text(run.filings[0].folder / "01_会前备案报告.docx")
    assert (
        "申报人数 | 收到 59 人：资格审查通过 49 人，退回 10 人（另有重复报送 1 份未予受理）" in pre
    )


def test_the_package_list_is_for_people_and_the_digests_stay_in_the_manifest(run) -> None:
    from openpyxl import load_workbook

    for f in run.filings:  # every sheet printed from the packages' workbooks: A4, titles, to width
        for path in f.folder.glob("*.xlsx"):
            for ws in load_workbook(path).worksheets:
                assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, (path.name, ws.title)
                assert ws.print_title_rows and ws.page_setup.fitToWidth == 1, (path.name, ws.title)
                assert ws.sheet_properties.pageSetUpPr.fitToPage, (path.name, ws.title)

    for f in run.filings:
        ws = load_workbook(f.folder / "清单.xlsx").active
        assert [c.value for c in ws[3]] == ["序号", "材料名称", "文件名", "页数", "份数"]
        text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
        day = demo.PRE_FILING_DAY if f.stage == "pre" else demo.POST_FILING_DAY
        assert f"编制日期：{day.year}年{day.month}月{day.day}日" in text
        assert not re.search(r"[0-9a-f]{40}|\d{4}-\d{2}-\d{2}T|UTC|\+08:00|字节|SHA", text)
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.print_title_rows
        manifest = json.loads((f.folder / "manifest.json").read_text(encoding="utf-8"))
        assert all(len(e["sha256"]) == 64 for e in manifest["files"])


def test_correction_notices_are_numbered_and_worded_for_employers(run) -> None:
    assert run.notices
    for n, notice in enumerate(run.notices, start=1):
        text = full_text(notice.path)
        assert f"曲卫职评补〔2023〕{n}号" in text
        for what, pattern in FORBIDDEN:
            assert re.search(pattern, text) is None, (notice.path.name, what)
        assert re.search(r"[A-Z]{1,2}\d+\b|Sheet\d|存成了数字|单元格", text) is None, (
            notice.path.name
        )


def test_the_signed_originals_are_filed_and_the_transcriptions_say_so(run) -> None:
    final = run.filings[2]
    scans = sorted((final.folder / "11_会议签字原件扫描件").iterdir())
    assert [p.name for p in scans] == [
        f"{i:02d}_{s}.png" for i, s in enumerate(demo.SIGNED_SHEETS, 1)
    ]
    day = demo.MEETING["day"]
    said = f"本表根据{day.year}年{day.month}月{day.day}日评审会议当天签字的原件录入，签字原件扫描件见本次报送材料第11项。"
    for name in ("06_参会评委签到表.docx", "08_评审结果签字确认表.docx"):
        assert said in docx_text(final.folder / name), name
    form = next((final.folder / "07_参评人员专家评议表").glob("001_*.docx"))
    assert said in docx_text(form)
    report = docx_text(final.folder / "01_会后备案报告.docx")
    assert "11. 评审会议当天签字原件（扫描件）（3份）" in report


def test_the_demo_season_is_one_chain_of_dates(run) -> None:
    from qjtitle.store import open_store

    store = open_store(run.store_path)
    try:
        s = schedule.evaluate(store, 1, today=demo.POST_FILING_DAY)
        assert s.errors == [], [f.message for f in s.errors]
        with store.transaction() as session:
            from qjtitle.models import Meeting

            steps = schedule.chain_steps(
                session,
                session.get(Meeting, 1),
                demo.MEETING["day"],
                schedule._actuals(session, 1),
            )
        firsts = [steps[k][0] for k in milestones.SEASON_CHAIN if k in steps]
        assert firsts == sorted(firsts) and len(firsts) == len(milestones.SEASON_CHAIN)
    finally:
        store.close()


def test_the_meeting_sheets_are_ready_to_print(run, tmp_path) -> None:
    """The meeting-day sheets of the demo's meeting as printed: A4, page numbers, the header row
    repeated, the filing documents' fonts and language, the meeting and a sheet number, no command;
    their workbooks with A4 page setup, print titles and fit-to-width. A second run into the same
    folder refuses (the sheets may have been filled in by hand)."""
    import docx
    from openpyxl import load_workbook

    from qjtitle.errors import AlreadyExists
    from qjtitle.meeting import sheets
    from qjtitle.store import open_store

    copy = tmp_path / "store.db"
    shutil.copyfile(run.store_path, copy)
    store = open_store(copy)
    try:
        made = sheets.write_sheets(store, 1, tmp_path / "会议用表")
        with pytest.raises(AlreadyExists, match="签到表.docx"):
            sheets.write_sheets(store, 1, tmp_path / "会议用表")
    finally:
        store.close()
    printed = [p for p in made.files if p.suffix == ".docx"]
    assert len(printed) >= 4
    numbers = set()
    for path in printed:
        d = docx.Document(str(path))
        section = d.sections[0]
        assert {round(section.page_width.cm, 1), round(section.page_height.cm, 1)} == {21.0, 29.7}
        assert "NUMPAGES" in z_footer(path), path.name  # 第 N 页 共 M 页
        with zipfile.ZipFile(path) as z:
            document = z.read("word/document.xml").decode("utf-8")
            styles = z.read("word/styles.xml").decode("utf-8")
            fonts = z.read("word/fontTable.xml").decode("utf-8")
            theme = "".join(z.read(n).decode("utf-8") for n in z.namelist() if "theme" in n)
        assert "<w:tblHeader" in document, path.name
        assert "ＭＳ" not in fonts + styles + theme, path.name
        assert re.search(r'<w:lang [^>]*w:eastAsia="zh-CN"', styles), path.name
        assert set(re.findall(r'w:eastAsia="([^"]+)"', document)) <= WINDOWS_FONTS | {
            "仿宋_GB2312",
            "方正小标宋简体",
        }
        assert d.core_properties.title and not d.core_properties.author
        text = full_text(path)
        assert "qjtitle" not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text), path.name
        number = re.search(r"表号：(第1号会议·表\d\d)", text)
        assert number and "评审会议：第1号（2023年11月20日" in text, path.name
        numbers.add(number.group(1))
    assert len(numbers) == len(printed)  # every sheet its own number
    for path in (p for p in made.files if p.suffix == ".xlsx"):
        ws = load_workbook(path).active
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, path.name
        assert ws.print_title_rows and ws.page_setup.fitToWidth == 1, path.name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, path.name
        assert "&P" in (ws.oddFooter.center.text or ""), path.name
        assert "qjtitle" not in sheet_strings(path), path.name


def z_footer(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if "footer" in n)


# --- The meeting as held (issue 22: 1, 2, 3, 5) ---------------------------------------------------------


def _post_final(run) -> Path:
    return next(f.folder for f in run.filings if f.stage == "post" and not f.draft)


def test_the_vote_is_a_secret_ballot_in_the_store_and_the_documents(run) -> None:
    from sqlalchemy import text

    from qjtitle.store import open_store

    store = open_store(run.store_path)
    try:
        with store.transaction() as session:
            assert session.exec(text("select count(*) from ballot")).one()[0] == 0
            counted = session.exec(text("select count(*) from ballot_count")).one()[0]
    finally:
        store.close()
    assert counted == run.results.voted == 49
    confirmation = docx_text(_post_final(run) / "08_评审结果签字确认表.docx")
    assert "记名" not in confirmation.replace("无记名", "")


def test_the_chair_is_the_expert_recorded_as_presiding_and_present(run) -> None:
    from qjtitle.meeting import proceedings

    folder = _post_final(run)
    from qjtitle.store import open_store

    store = open_store(run.store_path)
    try:
        with store.transaction() as session:
            ctx = proceedings.load(session, 1)
            presiding = ctx.presiding
            assert presiding is not None and presiding[1] == "主任委员"
            chair = ctx.expert_name(presiding[0])
    finally:
        store.close()
    confirmation = docx_text(folder / "08_评审结果签字确认表.docx")
    assert f"评委会主任委员：{chair}　　签字：" in confirmation and "张立新" not in confirmation
    assert re.search(  # among those present, in the signing grid
        rf"\d+\. {chair} \|", confirmation.split("出席评审专家签字：")[1]
    )
    account = docx_text(folder / "04_评审情况说明.docx")
    assert f"评委会主任委员：{chair}\n签字：" in account
    assert f"主持会议 | {chair}（评委会主任委员）" in docx_text(folder / "01_会后备案报告.docx")


def test_documents_state_the_methods_used_and_the_reasons(run) -> None:
    folder = _post_final(run)
    account = docx_text(folder / "04_评审情况说明.docx")
    assert "采用审阅材料方式评价。" in account and "面试答辩" not in account
    assert re.search(r"未出席：\S+（因病请假）。", account)
    # the declined member named once: "第1位委员某某不能参会（谢绝：出差…）", not "（某某谢绝：…）"
    declined = re.search(r"位委员(\S+?)不能参会（([^）]*)）", account)
    assert declined is not None and declined[2].startswith("谢绝："), account
    assert "（申报人为该专家的近亲属），未审阅、未表决" in account
    # the skipped alternate and why
    assert re.search(
        r"由第13位备选专家\S+递补（依次跳过：第12位备选专家\S+专业为医学检验技术，与该席位（临床医学）不符）",
        account,
    )
    assert "面试答辩" not in docx_text(folder / "01_会后备案报告.docx")
    forms = sorted((folder / "07_参评人员专家评议表").glob("*.docx"))
    votes = [
        line for f in forms for line in docx_text(f).splitlines() if line.startswith("评委会表决")
    ]
    assert len(votes) == 49
    assert sum("其中 1 人回避、未参加表决，同意 9 票" in v for v in votes) == 1
    assert all("出席 10 人" in v for v in votes)


def test_the_demo_assignment_gives_each_applicant_a_reviewer_of_their_specialty(run) -> None:
    from qjtitle.meeting import proceedings
    from qjtitle.models import ReviewAssignment
    from qjtitle.store import open_store

    store = open_store(run.store_path)
    try:
        with store.transaction() as session:
            ctx = proceedings.load(session, 1)
            current = proceedings._current_assignment(session, 1)
            assert isinstance(current, ReviewAssignment)
            reviewers = {int(k): v for k, v in current.reviewers.items()}
            assert proceedings.check_assignment(ctx, reviewers, current.per_applicant) == []
            specialty = {e: ctx.panel[e].specialty for e in ctx.attending}
            for a in ctx.applicants:
                assert any(specialty[e] == a.specialty for e in reviewers[a.id or 0]), a.name
            assert current.specialty_gaps == {}
    finally:
        store.close()


# --- What the approving department and a secretary still found (issue 22, second reading) -----------


def test_the_vote_is_stated_as_a_secret_ballot_and_spoilt_ballots_have_their_own_column(
    run, tmp_path
) -> None:
    """评审情况说明, 评审方案, the review forms and the result confirmation say 无记名投票; 废票 is a column
    of its own in the confirmation (never put into the 弃权 cell) and a count of its own on the form."""
    from qjtitle.filing import export as filing
    from qjtitle.meeting import voting
    from qjtitle.store import open_store

    folder = _post_final(run)
    account = docx_text(folder / "04_评审情况说明.docx")
    assert "出席专家对每名申报人无记名投票表决" in account
    assert "每名申报人至少有一名与其同专业的审阅专家" in account
    pre = next(f.folder for f in run.filings if f.stage == "pre")
    assert "以无记名投票方式共同表决产生" in docx_text(pre / "04_评审方案.docx")
    # one applicant's ballots with a spoilt one, entered again as the tally sheet says
    copy = tmp_path / "store.db"
    shutil.copyfile(run.store_path, copy)
    store = open_store(copy)
    try:
        row = run.results.applicants[2]
        voting.record_votes(
            store,
            1,
            [voting.VoteEntry(str(row.id), counts=(8, 1, 0), invalid=1)],
            reason="核对计票表",
        )
        out = filing.export_filing(
            store,
            1,
            "post",
            tmp_path / "post",
            options=demo.FILING_OPTIONS,
            force=True,
            today=demo.POST_FILING_DAY,
        )
    finally:
        store.close()
    import docx

    confirmation = docx.Document(str(out.folder / "08_评审结果签字确认表.docx"))
    table = confirmation.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[8:10] == ["弃权", "废票"], header
    spoilt = next(r for r in table.rows if r.cells[1].text == row.name)
    assert [c.text for c in spoilt.cells[6:10]] == ["8", "1", "0", "1"]
    assert all("另废票" not in c.text for r in table.rows for c in r.cells)
    text = docx_text(out.folder / "08_评审结果签字确认表.docx")
    assert "表决方式：无记名投票。" in text and "弃权票、废票按不同意计算" in text
    form = next((out.folder / "07_参评人员专家评议表").glob(f"*_{row.name}.docx"))
    assert re.search(
        r"评委会表决（无记名投票）：出席 10 人，同意 8 票，不同意 1 票，弃权 0 票，废票 1 张；",
        docx_text(form),
    )


def test_typed_tables_keep_ordinary_content_on_one_line(pages) -> None:
    """The typed 签到表, 抽取名册 and 签字确认表 on A4 (LibreOffice → PDF): a unit, a title, a specialty,
    an absence with its reason, a replacement and the column headers each on one line."""
    wanted = {
        "参会评委签到表": ("缺席（因病请假）", "医学检验技术", "副主任医师", "已签（见原件）"),
        "参会评委抽取名册": ("备选递补（第13位，替补第1位委员）", "医学检验技术", "副主任护师"),
        "评审结果签字确认表": ("出席人数", "通过所需", "废票", "主管检验技师"),
    }
    seen = set()
    for name, doc_pages in pages.items():
        for title, texts in wanted.items():
            if title in name and "_draft" not in name:
                lines = [line.replace(" ", "") for page in doc_pages for line in page]
                for text in texts:
                    assert any(text in line for line in lines), f"{name}：“{text}”折行"
                seen.add(title)
    assert seen == set(wanted)


def test_correction_notices_out_of_the_seasons_order_are_refused(
    run, tmp_path, make_workbook, cli
) -> None:
    """Notices dated after the 资格审查 and the 会前公示 that publish its result are refused with the
    list of what would be out of order, before anything is written; dated in order they are written."""
    from qjtitle import idcard
    from qjtitle.calendar import schedule
    from qjtitle.intake import corrections
    from qjtitle.intake.applicants import import_applicants
    from qjtitle.models import Applicant
    from qjtitle.store import open_store
    from tests.conftest import applicant_row

    copy = tmp_path / "store.db"
    shutil.copyfile(run.store_path, copy)
    store = open_store(copy)
    out = tmp_path / "告知书"
    try:
        row = applicant_row(
            姓名="晚报送", 联系电话="123", 身份证号码=idcard.make("530302", date(1986, 4, 2), 131)
        )
        import_applicants(store, [make_workbook([row], name="补报.xlsx")], "QJ-WS-ZJ", 2023)
        with pytest.raises(corrections.NoticesOutOfOrder) as refused:
            corrections.issue_notices(
                store,
                "QJ-WS-ZJ",
                out,
                today=date(2023, 11, 8),
                check_order=schedule.notices_out_of_order,
            )
        message = str(refused.value)
        assert "落款日期为2023年11月8日的补正告知书暂不能生成，时间节点顺序不合逻辑" in message
        assert "1. 第1号会议" in message and "资格审查" in message and "会前公示" in message
        assert not out.exists()
        with store.transaction() as session:
            late = session.exec(
                __import__("sqlmodel").select(Applicant).where(Applicant.name == "晚报送")
            ).one()
            assert late.correction_deadline is None  # nobody was told
    finally:
        store.close()
    result = cli(
        "applicants",
        "corrections",
        "-c",
        "QJ-WS-ZJ",
        "--out",
        str(out),
        "--date",
        "2023-11-08",
        "--db",
        str(copy),
    )
    assert result.exit_code == 1 and "顺序不合逻辑" in result.stderr and not out.exists()
    result = cli(
        "applicants",
        "corrections",
        "-c",
        "QJ-WS-ZJ",
        "--out",
        str(out),
        "--date",
        "2023-09-20",
        "--db",
        str(copy),
    )
    assert result.exit_code == 0, result.stderr
    assert len(list(out.glob("*.docx"))) == 1


def test_the_meeting_sheets_print_their_titles_and_headers_whole(run, tmp_path) -> None:
    """The printed 签到表 and 计票表 (LibreOffice → PDF): the sheet's name on a line of its own, the
    committee and the day below it unbroken, and the 计票表's header cells each on one line."""
    from qjtitle.meeting import sheets
    from qjtitle.store import open_store

    soffice, pdftotext = package.find_soffice(), shutil.which("pdftotext")
    if soffice is None or pdftotext is None:
        pytest.skip("LibreOffice（soffice）或 pdftotext（poppler-utils）未安装，无法检查版面")
    copy = tmp_path / "store.db"
    shutil.copyfile(run.store_path, copy)
    store = open_store(copy)
    try:
        made = sheets.write_sheets(store, 1, tmp_path / "会议用表")
    finally:
        store.close()
    chosen = [p for p in made.files if p.name in ("签到表.docx", "计票表.docx")]
    texts = {}
    for pdf in package.convert_to_pdf(chosen, soffice):
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
        texts[pdf.stem] = [line.replace(" ", "") for line in text.splitlines() if line.strip()]
    assert texts["签到表"][1] == "评审会议签到表"
    assert texts["计票表"][1] == "表决计票表"
    head = "曲靖市卫生系列中级职称评审委员会2023年11月20日曲靖市会议中心）"
    assert texts["签到表"][2].replace("\u3000", "") == "（" + head, texts["签到表"][:4]
    assert texts["计票表"][2].replace("\u3000", "") == "（无记名投票，" + head, texts["计票表"][:4]
    header = next(line for line in texts["计票表"] if line.startswith("申报人"))
    assert "应投票人数同意不同意弃权废票单位申报专业" in header, header


def test_the_correction_notices_fields_print_on_one_line(run, tmp_path) -> None:
    """The notice's table on portrait A4 (LibreOffice → PDF): the field names (栏目) stay whole."""
    soffice, pdftotext = package.find_soffice(), shutil.which("pdftotext")
    if soffice is None or pdftotext is None:
        pytest.skip("LibreOffice（soffice）或 pdftotext（poppler-utils）未安装，无法检查版面")
    chosen = []
    for notice in run.notices:
        chosen.append(tmp_path / notice.path.name)
        shutil.copyfile(notice.path, chosen[-1])
    text = ""
    for pdf in package.convert_to_pdf(chosen, soffice):
        text += subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
    cells = {cell for line in text.splitlines() for cell in re.split(r"\s{2,}", line.strip())}
    for field in ("身份证号码", "现职取得时间", "联系电话"):
        assert field in cells, field


def test_an_engineering_committees_notice_reads_as_sent(store, make_workbook, tmp_path) -> None:
    """Another series (工程, no 发文机关代字 configured): the dates the import normalised read as the
    employer writes them (never 1984-02-03), and the page with the seal also holds the deadline."""
    from qjtitle import committees, idcard
    from qjtitle.intake import corrections
    from qjtitle.intake.applicants import import_applicants
    from tests.conftest import applicant_row

    committees.add(
        store,
        "QJ-GC-ZJ",
        "曲靖市工程系列中级职称评审委员会",
        "中级",
        "工程",
        ["建筑工程", "市政工程"],
        organizer="曲靖市住房和城乡建设局",
        approver="曲靖市人力资源和社会保障局",
    )
    row = applicant_row(
        姓名="周工",
        工作单位="曲靖市建筑设计院",
        联系电话="123",
        身份证号码=idcard.make("530302", date(1984, 2, 3), 117),
        现专业技术职务="助理工程师",
        申报系列="工程",
        申报专业="建筑工程",
        申报资格名称="工程师",
    )
    import_applicants(store, [make_workbook([row], sheet="2023年申报")], "QJ-GC-ZJ", 2023)
    written = corrections.issue_notices(
        store, "QJ-GC-ZJ", tmp_path / "告知书", today=date(2023, 9, 25)
    )
    text = full_text(written[0].path)
    assert "曲靖职评补〔2023〕1号" in text and "曲靖市住房和城乡建设局（盖章）" in text
    assert "出生年月填“1985年3月”，身份证号码显示为“1984年2月3日”" in text
    assert re.search(r"(?:19|20)\d{2}-\d{2}", text) is None
    assert not re.search("卫生|医院|医学", text)
    soffice, pdftotext = package.find_soffice(), shutil.which("pdftotext")
    if soffice is None or pdftotext is None:
        pytest.skip("LibreOffice（soffice）或 pdftotext（poppler-utils）未安装，无法检查版面")
    (pdf,) = package.convert_to_pdf([written[0].path], soffice)
    pages_ = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    for page in (p for p in pages_.split("\f") if p.strip()):
        lines = [x.strip() for x in page.splitlines() if x.strip() and not PAGE_FURNITURE.search(x)]
        assert not all(SIGNATURE_LINE.search(x) or x.startswith("签收人") for x in lines), lines


def test_the_result_confirmation_signatures_share_a_page_with_the_votes(pages) -> None:
    """The experts sign beside the table they confirm: the page with their signing grid also holds
    rows of the vote (here the demo's final package: 49 applicants and 10 experts, the grid three
    to a row). LibreOffice does not keep a table's last rows with the paragraph after it, so a
    table that ends at the foot of a page (the draft, with its banner) still leaves the block to
    the next page, which begins with the count of the votes."""
    checked = 0
    for name, doc_pages in pages.items():
        if "评审结果签字确认表" not in name or "_draft" in name:
            continue
        page = next(p for p in doc_pages if any("出席评审专家签字" in line for line in p))
        assert any(re.match(r"\d+\s+\S+.*(?:通过|未通过|须重新表决)$", line) for line in page), (
            name,
            page[:3],
        )
        checked += 1
    assert checked >= 1


def test_the_recommendation_publicitys_requirement_is_not_a_window_it_missed(run) -> None:
    """The employers' 推荐公示 (4–8 September, before their submission) is done in time: the
    reports state its requirement as a length and a latest end, not the latest window laid out."""
    pre = next(f.folder for f in run.filings if f.stage == "pre")
    for path in (pre / "01_会前备案报告.docx", _post_final(run) / "01_会后备案报告.docx"):
        text = docx_text(path)
        assert (
            "推荐公示 | 不少于5个工作日，不晚于2023年11月3日结束 | 2023年9月4日至2023年9月8日"
            in text
        ), path.name


def test_the_package_list_numbers_each_file_as_the_report_numbers_its_material(run) -> None:
    """清单's 序号 is the material's number in the report's list (8 is the 评审结果签字确认表 in
    both); the files of one material are numbered 7-1, 7-2 …"""
    from openpyxl import load_workbook

    folder = _post_final(run)
    report = docx_text(folder / "01_会后备案报告.docx")
    listed = dict(re.findall(r"^(\d+)\. (\S+?)(?:（[^）]*）)*$", report, flags=re.MULTILINE))
    assert listed["8"].startswith("评审结果签字确认表")
    ws = load_workbook(folder / "清单.xlsx").active
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    by_number = {str(r[0]): r for r in rows}
    assert by_number["8"][1].startswith("评审结果签字确认表")
    assert by_number["1"][1] == "会后备案报告"
    assert by_number["7-1"][1] == "参评人员专家评议表：" + run.results.applicants[0].name
    assert by_number["7-49"][2].startswith("07_参评人员专家评议表/049_")
    for r in rows:  # every number's material is the one the file name begins with
        assert str(r[0]).split("-")[0] == str(int(str(r[2]).split("_")[0])), r
