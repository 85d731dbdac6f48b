"""The official page of every Word document the tool writes (GB/T 9704): A4, the official fonts with
their Windows substitutes, zh-CN as the East Asian language, no Japanese theme fonts, page numbers in
the footer, table headers repeated on every page. Used by ``templates/build_templates.py`` for the
filing templates and by the meeting-day sheets, so that both print alike."""

from __future__ import annotations

import re
from typing import Any

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEAD_FONT = "黑体"
BODY_SIZE = 16  # 三号, GB/T 9704

# The font table: the official fonts, which stock Windows 10/11 lacks, each with the font Word and WPS
# put in its place (w:altName) and the GB2312 character set (86), so that no renderer falls back to a
# Japanese font; the stock Chinese fonts with their English names. Nothing else (python-docx's default
# lists Japanese fonts).
_GB2312_SIG = '<w:sig w:usb0="00000001" w:usb1="080E0000" w:usb2="00000010" w:usb3="00000000" w:csb0="00040000" w:csb1="00000000"/>'
FONTS = (  # name, substitute (altName), panose, family, pitch
    ("仿宋_GB2312", "仿宋", "02010609030101010101", "modern", "fixed"),
    ("方正小标宋简体", "宋体", "02000000000000000000", "script", "variable"),
    ("黑体", "SimHei", "02010609060101010101", "modern", "fixed"),
    ("宋体", "SimSun", "02010600030101010101", "auto", "variable"),
    ("仿宋", "FangSong", "02010609060101010101", "modern", "fixed"),
    ("楷体", "KaiTi", "02010609060101010101", "modern", "fixed"),
)


def font_table_xml() -> bytes:
    fonts = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/><w:charset w:val="86"/>'
        f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/>{_GB2312_SIG}</w:font>'
        for name, alt, panose, family, pitch in FONTS
    )
    latin = (
        '<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
        '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"{fonts}{latin}</w:fonts>"
    ).encode()


def set_font(
    run: Any, name: str, size: float, bold: bool = False, color: str | None = None
) -> None:
    """A run in ``name`` for every script (Latin and East Asian alike)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def new_document(landscape: bool = False, margins_cm: tuple[float, ...] | None = None) -> Any:
    """An empty A4 document with the official margins (or ``margins_cm``: top, bottom, left, right),
    仿宋 body and page numbers in the footer."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    top, bottom, left, right = margins_cm or (
        (2.5, 2.5, 2.5, 2.5) if landscape else (3.7, 3.5, 2.8, 2.6)
    )
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(BODY_SIZE)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)
    page_number_footer(section)
    return doc


def chinese_defaults(doc: Any) -> None:
    """zh-CN as the East Asian language, the official fonts as defaults, no Japanese theme fonts."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr, value in (
        ("w:ascii", "Times New Roman"),
        ("w:hAnsi", "Times New Roman"),
        ("w:eastAsia", BODY_FONT),
        ("w:cs", "Times New Roman"),
    ):
        fonts.set(qn(attr), value)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    normal = doc.styles["Normal"].element.get_or_add_rPr()
    if normal.find(qn("w:lang")) is None:
        el = OxmlElement("w:lang")
        el.set(qn("w:val"), "en-US")
        el.set(qn("w:eastAsia"), "zh-CN")
        normal.append(el)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    for part in doc.part.package.iter_parts():
        if part.partname == "/word/fontTable.xml":
            part._blob = font_table_xml()
        elif part.partname.startswith("/word/theme/"):
            xml = part.blob.decode("utf-8")
            xml = re.sub(r'<a:font script="Jpan" typeface="[^"]*"/>', "", xml)
            part._blob = xml.encode("utf-8")


def _field(paragraph: Any, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    set_font(run, "宋体", 14)
    for kind, text in (
        ("begin", None),
        (None, instruction),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
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


def page_number_footer(section: Any) -> None:
    """— 第 N 页 共 M 页 — centred in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, fld in (("— 第 ", "PAGE"), (" 页 共 ", "NUMPAGES"), (" 页 —", None)):
        set_font(p.add_run(text), "宋体", 14)
        if fld:
            _field(p, fld)


def repeat_header(row: Any) -> None:
    """The table row repeats at the top of every page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def properties(doc: Any, title: str) -> None:
    """The document properties Word shows (文件属性): its title; no author or comments."""
    doc.core_properties.title = title
    doc.core_properties.author = ""
    doc.core_properties.comments = ""
    doc.core_properties.last_modified_by = ""
    doc.core_properties.language = "zh-CN"
