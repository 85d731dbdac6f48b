"""Builds the shipped .docx templates (run: python templates/build_templates.py).

The templates are ordinary Word documents with Jinja tags (docxtpl). A secretary
may restyle them in Word or WPS; this script only makes the first version, with
the official layout: A4, 黑体 title, 仿宋 body, page numbers, table headers repeated
on every page, signature and date lines.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEAD_FONT = "黑体"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def new_document(landscape: bool = False) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    if landscape:
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.left_margin = section.right_margin = Cm(2.5)
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(16)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
    _page_number_footer(section)
    return doc


def _field(paragraph, instruction: str) -> None:
    run = paragraph.add_run()
    _font(run, "宋体", 14)
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._element.append(el)
        elif text == instruction:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
            run._element.append(el)
        else:
            el = OxmlElement("w:t")
            el.text = text
            run._element.append(el)


def _page_number_footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, fld in (("— 第 ", "PAGE"), (" 页 共 ", "NUMPAGES"), (" 页 —", None)):
        _font(p.add_run(text), "宋体", 14)
        if fld:
            _field(p, fld)


def title(doc, text: str, size: float = 22) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(12)
    _font(p.add_run(text), TITLE_FONT, size)


def para(doc, text: str, indent: bool = True, align=None, font: str = BODY_FONT, size: float = 16, bold=False):
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    p.paragraph_format.line_spacing = Pt(28)
    _font(p.add_run(text), font, size, bold)
    return p


def heading(doc, text: str) -> None:
    para(doc, text, indent=True, font=HEAD_FONT)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cell_text(cell, text: str, size: float = 11, bold: bool = False, font: str = BODY_FONT) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    _font(p.add_run(text), font, size, bold)


def table(doc, headers: list[str], loop: str, cells: list[str], widths_cm: list[float], size: float = 11):
    """A table whose header repeats on each page and whose body is a docxtpl {%tr for %} loop."""
    t = doc.add_table(rows=3, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(headers):
        _cell_text(t.rows[0].cells[i], h, size, True, HEAD_FONT)
    _repeat_header(t.rows[0])
    _cell_text(t.rows[1].cells[0], "{%tr " + loop + " %}", size)
    for i, c in enumerate(cells):
        _cell_text(t.rows[2].cells[i], c, size)
    row = t.add_row()
    _cell_text(row.cells[0], "{%tr endfor %}", size)
    t.autofit = False
    for i, w in enumerate(widths_cm):
        t.columns[i].width = Cm(w)
    for row in t.rows:
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        for i, w in enumerate(widths_cm):
            row.cells[i].width = Cm(w)
    return t


def draft_marker(doc) -> None:
    """A 【草稿】 line shown only when the context says draft."""
    para(doc, "{%p if draft %}", indent=False, size=6)
    para(doc, "【草稿】", indent=False, font=HEAD_FONT, size=14)
    para(doc, "{%p endif %}", indent=False, size=6)


def correction_notice() -> None:
    doc = new_document()
    draft_marker(doc)
    title(doc, "职称申报材料补正告知书")
    para(doc, "{{ notice_number }}", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    para(doc, "{{ unit }}：", indent=False)
    para(doc, "{%p if items %}", indent=False, size=6)
    para(
        doc,
        "你单位报送的{{ year }}年度{{ committee.name }}申报材料，经资格审查，共有 {{ applicants|length }} 名申报人的 "
        "{{ problem_count }} 处内容需要补充更正。根据{{ rule_source }}“应当一次性告知推荐单位或申报人需要补充更正的全部内容，"
        "逾期未补正的，视为放弃”的规定，现将需要补正的全部内容一次性告知如下：",
    )
    table(
        doc,
        ["序号", "姓名", "原表位置", "栏目", "存在问题", "更正方法"],
        "for item in items",
        ["{{ item.number }}", "{{ item.name }}", "{{ item.where }}", "{{ item.column }}", "{{ item.message }}", "{{ item.fix }}"],
        [1.0, 1.6, 3.4, 2.0, 4.6, 3.0],
        size=10.5,
    )
    para(doc, "{%p endif %}", indent=False, size=6)
    para(doc, "{%p if rejected %}", indent=False, size=6)
    heading(doc, "以下申报未予受理：")
    para(doc, "{%p for r in rejected %}", indent=False, size=6)
    para(doc, "{{ loop.index }}. {{ r.name }}（{{ r.where }}）：{{ r.reason }}")
    para(doc, "{%p endfor %}", indent=False, size=6)
    para(doc, "{%p endif %}", indent=False, size=6)
    para(
        doc,
        "请于 {{ deadline_text }}{{ deadline_note }}（{{ deadline_wd }}个工作日内）前将补正后的申报信息表（附件2格式）及相关材料重新报送。"
        "逾期未补正的，视为放弃本年度申报。{% if provisional %}（注：{{ provisional }}）{% endif %}",
    )
    para(doc, "联系人：{{ contact }}        联系电话：{{ contact_phone }}", indent=True)
    para(doc, "")
    para(doc, "{{ committee.organizer or committee.name }}（盖章）", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc, "{{ issued_text }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc, "")
    para(doc, "签收人：____________    签收日期：______年____月____日", indent=False, size=14)
    doc.save(HERE / "correction_notice.docx")


def draw_record() -> None:
    """评审专家抽取记录表: confidential; filed before the meeting with the drawers' and supervisors' signatures."""
    doc = new_document()
    para(doc, "内部材料　严格保密", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, font=HEAD_FONT, size=12)
    title(doc, "评审专家抽取记录表")
    para(doc, "{{ committee.name }}　第 {{ draw_number }} 号", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    para(doc, "{%p if voided %}", indent=False, size=6)
    para(doc, "【作废】{{ voided }}", indent=False, font=HEAD_FONT, size=14)
    para(doc, "{%p endif %}", indent=False, size=6)
    facts = [
        ("评委会", "{{ committee.name }}（{{ committee.code }}）"),
        ("评审会议", "{{ meeting_date }}　{{ meeting_place }}　评委会人数 {{ meeting_size }} 人"),
        ("抽取时间", "{{ drawn_on }}（系统记录时间 {{ recorded_at }}）"),
        ("抽取地点", "{{ place }}"),
        ("抽取要求", "{{ params_text }}"),
        ("随机种子", "{{ seed }}（{{ seed_source }}）"),
        ("算法版本", "{{ algorithm }}"),
        ("符合条件专家", "{{ eligible_count }} 人；名单哈希（SHA-256）：{{ pool_sha256 }}"),
        ("记录指纹", "{{ record_sha256 }}"),
    ]
    t = doc.add_table(rows=len(facts), cols=2)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(t.rows, facts, strict=True):
        _cell_text(row.cells[0], label, 11, True, HEAD_FONT)
        _cell_text(row.cells[1], value, 10.5)
        row.cells[0].width, row.cells[1].width = Cm(3.2), Cm(12.4)
    heading(doc, "一、排除情况（共 {{ excluded_total }} 人）")
    table(doc, ["排除原因", "人数"], "for x in exclusions", ["{{ x.reason }}", "{{ x.count }}"], [10.0, 5.6])
    heading(doc, "二、抽取结果：评审委员（按抽取顺序）")
    cells = ["{{ m.position }}", "{{ m.name }}", "{{ m.unit }}", "{{ m.title }}", "{{ m.specialty }}", "{{ m.slot }}"]
    headers = ["序号", "姓名", "工作单位", "职称", "专业", "抽取专业"]
    widths = [1.3, 2.0, 5.0, 2.8, 2.5, 2.0]
    table(doc, headers, "for m in members", cells, widths, size=10.5)
    heading(doc, "三、备选专家（按递补顺序）")
    table(doc, headers, "for m in alternates", cells, widths, size=10.5)
    para(doc, "{%p if replacements %}", indent=False, size=6)
    heading(doc, "四、替补情况")
    para(doc, "{%p for r in replacements %}", indent=False, size=6)
    para(doc, "{{ loop.index }}. {{ r }}", size=14)
    para(doc, "{%p endfor %}", indent=False, size=6)
    para(doc, "{%p endif %}", indent=False, size=6)
    para(doc, "{%p if late_reason %}", indent=False, size=6)
    para(doc, "逾期抽取原因：{{ late_reason }}", size=14)
    para(doc, "{%p endif %}", indent=False, size=6)
    para(doc, "{%p if voids %}", indent=False, size=6)
    para(doc, "{{ voids }}", size=14)
    para(doc, "{%p endif %}", indent=False, size=6)
    para(
        doc,
        "复核：任何人可用 qjtitle verify-draw {{ draw_number }}，或用导出的记录文件 qjtitle verify-draw --record 文件，"
        "由随机种子和符合条件专家名单重算抽取结果，核对是否与本表一致。专家名单保密，不得公开。",
        size=12,
    )
    para(doc, "抽取人员（签字）：", indent=False, font=HEAD_FONT, size=14)
    para(doc, "{%p for d in drawers %}", indent=False, size=6)
    para(doc, "{{ d }}　　签字：________________　　日期：______年____月____日", indent=False, size=14)
    para(doc, "{%p endfor %}", indent=False, size=6)
    para(doc, "监督人员（签字）：", indent=False, font=HEAD_FONT, size=14)
    para(doc, "{%p for s in supervisors %}", indent=False, size=6)
    para(doc, "{{ s }}　　签字：________________　　日期：______年____月____日", indent=False, size=14)
    para(doc, "{%p endfor %}", indent=False, size=6)
    doc.save(HERE / "draw_record.docx")


BUILDERS = {"correction_notice.docx": correction_notice, "draw_record.docx": draw_record}

if __name__ == "__main__":
    for name, build in BUILDERS.items():
        build()
        print("wrote", HERE / name)
