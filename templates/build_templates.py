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


BUILDERS = {"correction_notice.docx": correction_notice}

if __name__ == "__main__":
    for name, build in BUILDERS.items():
        build()
        print("wrote", HERE / name)
