"""Builds the shipped .docx templates (run: python templates/build_templates.py).

The templates are ordinary Word documents with Jinja tags (docxtpl). A secretary
may restyle them in Word or WPS; this script only makes the first version, with
the official layout: A4, 黑体 title, 仿宋 body, page numbers, table headers repeated
on every page, signature and date lines.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
from qjtitle.documents.wordstyle import (
    BODY_FONT,
    BODY_SIZE,
    HEAD_FONT,
    TITLE_FONT,
    new_document,
    properties,
)
from qjtitle.documents.wordstyle import (
    chinese_defaults as _chinese_defaults,
)
from qjtitle.documents.wordstyle import (
    repeat_header as _repeat_header,
)
from qjtitle.documents.wordstyle import (
    set_font as _font,
)

TABLE_SIZE = 11
SEQ_WIDTH = 1.5  # cm: "序号" on one line at 11 pt 黑体 with the cell margins
WINDOWS_FONTS = {
    "宋体",
    "黑体",
    "仿宋",
    "楷体",
    "SimSun",
    "SimHei",
    "FangSong",
    "KaiTi",
    "微软雅黑",
    "Microsoft YaHei",
}


def save(doc, name: str) -> None:
    """Save without what python-docx's default template carries and no document uses: the unused
    styles (styles.xml is 350 KB otherwise), Word 2010's stylesWithEffects.xml and the thumbnail.
    Smaller templates open and save faster, which counts when one is rendered thousands of times."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    _chinese_defaults(doc)
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rel_id)
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
    parts = (
        [doc.element]
        + [s.header._element for s in doc.sections]
        + [s.footer._element for s in doc.sections]
    )
    used = set()
    for el in parts:
        for tag in ("w:pStyle", "w:rStyle", "w:tblStyle"):
            used.update(x.get(qn("w:val")) for x in el.iter(qn(tag)))
    styles = doc.styles.element
    by_id = {st.get(qn("w:styleId")): st for st in styles.findall(qn("w:style"))}
    keep = {sid for sid, st in by_id.items() if st.get(qn("w:default")) == "1"} | (
        used & set(by_id)
    )
    todo = list(keep)
    while todo:
        st = by_id[todo.pop()]
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = st.find(qn(tag))
            if (
                ref is not None
                and ref.get(qn("w:val")) in by_id
                and ref.get(qn("w:val")) not in keep
            ):
                keep.add(ref.get(qn("w:val")))
                todo.append(ref.get(qn("w:val")))
    for sid, st in by_id.items():
        if sid not in keep:
            styles.remove(st)
    doc.save(HERE / name)


def title(doc, text: str, size: float = 22) -> None:
    """The title; a "\n" breaks the line where it reads well (after the committee's name)."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(12)
    p.paragraph_format.keep_with_next = True
    for i, part in enumerate(text.split("\n")):
        run = p.add_run(part)
        _font(run, TITLE_FONT, size)
        if i < text.count("\n"):
            run.add_break()


def para(
    doc,
    text: str,
    indent: bool = True,
    align=None,
    font: str = BODY_FONT,
    size: float = BODY_SIZE,
    bold=False,
    keep: bool = False,
    color: str | None = None,
):
    """A paragraph at the body's 28 pt line; ``keep``: kept on the page of the next one (signature blocks)."""
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    p.paragraph_format.line_spacing = Pt(28 if size >= 14 else size * 1.5)
    if keep:
        p.paragraph_format.keep_with_next = True
        p.paragraph_format.keep_together = True
    _font(p.add_run(text), font, size, bold, color)
    return p


def control(doc, tag: str, keep: bool = False):
    """A docxtpl {%p %} paragraph (removed when rendered)."""
    return para(doc, tag, indent=False, size=6, keep=keep)


def heading(doc, text: str) -> None:
    p = para(doc, text, indent=True, font=HEAD_FONT)
    p.paragraph_format.keep_with_next = True


def _cell_text(
    cell,
    text: str,
    size: float = TABLE_SIZE,
    bold: bool = False,
    font: str = BODY_FONT,
    center: bool = False,
) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _font(p.add_run(text), font, size, bold)


def set_widths(t, widths_cm: list[float]) -> None:
    """Fixed layout with the grid and every cell at the same widths (Word, WPS and LibreOffice agree)."""
    t.autofit = False
    for i, w in enumerate(widths_cm):
        t.columns[i].width = Cm(w)
    for row in t.rows:
        tr_pr = row._tr.get_or_add_trPr()
        if tr_pr.find(qn("w:cantSplit")) is None:
            tr_pr.insert(0, OxmlElement("w:cantSplit"))
        for i, w in enumerate(widths_cm):
            row.cells[i].width = Cm(w)


def table(
    doc,
    headers: list[str],
    loop: str,
    cells: list[str],
    widths_cm: list[float],
    size: float = TABLE_SIZE,
):
    """A table whose header repeats on each page and whose body is a docxtpl {%tr for %} loop."""
    t = doc.add_table(rows=3, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(headers):
        _cell_text(t.rows[0].cells[i], h, size, True, HEAD_FONT, center=True)
    _repeat_header(t.rows[0])
    _cell_text(t.rows[1].cells[0], "{%tr " + loop + " %}", size)
    for i, c in enumerate(cells):
        _cell_text(t.rows[2].cells[i], c, size, center=headers[i] in ("序号", "人数", "性别"))
    row = t.add_row()
    _cell_text(row.cells[0], "{%tr endfor %}", size)
    set_widths(t, widths_cm)
    return t


def draft_marker(doc) -> None:
    """A 【草稿】 line shown only when the context says draft."""
    control(doc, "{%p if draft %}")
    para(doc, "【草稿】", indent=False, font=HEAD_FONT, size=14, color="C00000")
    control(doc, "{%p endif %}")


def sign_block(doc, lines_: list[tuple[str, dict]]) -> None:
    """Signature, seal and date lines, each kept with the next so that the block stays together and with
    the paragraph before it (which the caller also marks ``keep``): never alone on a page."""
    for i, (text, kw) in enumerate(lines_):
        last = i == len(lines_) - 1
        para(doc, text, keep=not last, **{"indent": False, **kw})


def correction_notice() -> None:
    doc = new_document()
    doc_title(doc, "职称申报材料补正告知书")
    draft_marker(doc)
    title(doc, "职称申报材料补正告知书")
    para(doc, "{{ notice_number }}", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ unit }}：", indent=False)
    control(doc, "{%p if items %}")
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
        [
            "{{ item.number }}",
            "{{ item.name }}",
            "{{ item.where }}",
            "{{ item.column }}",
            "{{ item.message }}",
            "{{ item.fix }}",
        ],
        # 身份证号码 and 现职取得时间 (栏目) on one line; the sentences wrap in the two wide columns
        [SEQ_WIDTH, 1.6, 2.8, 2.8, 3.8, 3.1],
        size=10.5,
    )
    control(doc, "{%p endif %}")
    control(doc, "{%p if rejected %}")
    heading(doc, "以下申报未予受理：")
    control(doc, "{%p for r in rejected %}")
    para(doc, "{{ loop.index }}. {{ r.name }}（{{ r.where }}）：{{ r.reason }}")
    control(doc, "{%p endfor %}")
    control(doc, "{%p endif %}")
    para(
        doc,
        "请于 {{ deadline_text }}{{ deadline_note }}（{{ deadline_wd }}个工作日内）前将补正后的申报信息表（附件2格式）及相关材料重新报送。"
        "逾期未补正的，视为放弃本年度申报。{% if provisional %}（注：{{ provisional }}）{% endif %}",
        keep=True,  # with the contact and the seal: never a page of only those
    )
    para(doc, "联系人：{{ contact }}　　联系电话：{{ contact_phone }}", indent=True, keep=True)
    sign_block(
        doc,
        [
            ("", {}),
            (
                "{{ committee.organizer or committee.name }}（盖章）",
                {"align": WD_ALIGN_PARAGRAPH.RIGHT},
            ),
            ("{{ issued_text }}", {"align": WD_ALIGN_PARAGRAPH.RIGHT}),
            ("", {}),
            ("签收人：__________　签收日期：____年__月__日", {}),
        ],
    )
    save(doc, "correction_notice.docx")


def draw_record() -> None:
    """评审专家抽取记录表: confidential; filed before the meeting with the drawers' and supervisors' signatures.
    The technical evidence (random numbers, check codes) is in the annex 复核信息, in plain words."""
    doc = new_document()
    doc_title(doc, "评审专家抽取记录表")
    # In a filing package forced past its checks the header says 草稿 (``draft`` is only set there).
    watermark(doc.sections[0], "draft is defined and draft")
    header = doc.sections[0].header.paragraphs[-1]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(
        header.add_run(
            "{% if draft is defined and draft %}草稿　不得作为正式材料报送　{% endif %}"
        ),
        HEAD_FONT,
        12,
        color="C00000",
    )
    _font(header.add_run("内部资料　注意保密"), HEAD_FONT, 12)
    title(doc, "评审专家抽取记录表")
    para(
        doc,
        "{{ committee.name }}　第 {{ draw_number }} 号",
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    control(doc, "{%p if voided %}")
    para(doc, "【作废】{{ voided }}", indent=False, font=HEAD_FONT)
    control(doc, "{%p endif %}")
    facts = [
        ("评委会", "{{ committee.name }}"),
        ("评审会议", "{{ meeting_date }}　{{ meeting_place }}　评委会人数 {{ meeting_size }} 人"),
        ("抽取时间", "{{ drawn_on }}"),
        ("抽取地点", "{{ place }}"),
        ("抽取要求", "{{ params_text }}"),
        ("符合条件专家", "{{ eligible_count }} 人"),
    ]
    t = doc.add_table(rows=len(facts), cols=2)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(t.rows, facts, strict=True):
        _cell_text(row.cells[0], label, TABLE_SIZE, True, HEAD_FONT)
        _cell_text(row.cells[1], value, TABLE_SIZE)
    set_widths(t, [3.2, 12.4])
    heading(doc, "一、排除情况（共 {{ excluded_total }} 人）")
    table(
        doc,
        ["排除原因", "人数"],
        "for x in exclusions",
        ["{{ x.reason }}", "{{ x.count }}"],
        [12.6, 3.0],
    )
    heading(doc, "二、抽取结果：评审委员（按抽取顺序）")
    cells = [
        "{{ m.position }}",
        "{{ m.name }}",
        "{{ m.unit }}",
        "{{ m.title }}",
        "{{ m.specialty }}",
        "{{ m.slot }}",
    ]
    headers = ["序号", "姓名", "工作单位", "职称", "专业", "抽取专业"]
    widths = [SEQ_WIDTH, 1.8, 4.2, 2.4, 2.85, 2.85]
    table(doc, headers, "for m in members", cells, widths, size=10.5)
    heading(doc, "三、备选专家（按递补顺序）")
    table(doc, headers, "for m in alternates", cells, widths, size=10.5)
    control(doc, "{%p if replacements %}")
    heading(doc, "四、替补情况")
    control(doc, "{%p for r in replacements %}")
    para(doc, "{{ loop.index }}. {{ r }}")
    control(doc, "{%p endfor %}")
    control(doc, "{%p endif %}")
    control(doc, "{%p if late_reason %}")
    para(doc, "逾期抽取原因：{{ late_reason }}")
    control(doc, "{%p endif %}")
    control(doc, "{%p if voids %}")
    para(doc, "{{ voids }}")
    control(doc, "{%p endif %}")
    para(
        doc,
        "以上抽取在监督人员监督下进行，抽取结果经抽取人员和监督人员核对无误。专家名单保密，不得公开。"
        "复核所需的信息见附页“复核信息”。",
        keep=True,
    )
    para(doc, "抽取人员（签字）：", indent=False, font=HEAD_FONT, keep=True)
    control(doc, "{%p for d in drawers %}", keep=True)
    para(doc, "{{ d }}　　签字：__________　　　　年　　月　　日", indent=False, keep=True)
    control(doc, "{%p endfor %}", keep=True)
    para(doc, "监督人员（签字）：", indent=False, font=HEAD_FONT, keep=True)
    control(doc, "{%p for s in supervisors %}", keep=True)
    para(doc, "{{ s }}　　签字：__________　　　　年　　月　　日", indent=False, keep=True)
    control(doc, "{%p endfor %}")
    annex = para(doc, "附页：复核信息", indent=False, font=HEAD_FONT)
    annex.paragraph_format.page_break_before = True
    para(
        doc,
        "本表的抽取结果可以复核：用下列随机数和当日符合条件的专家名单，按同一抽取方法重新计算，"
        "得到的委员和备选专家及其顺序应与本表完全一致；名单或结果有任何改动，校验码都会不同。"
        "复核由评委会办事机构或核准组建部门使用抽取记录电子文件进行。",
    )
    review = [
        ("抽取所用随机数", "{{ seed_plain }}（{{ seed_source }}）"),
        ("抽取方法", "{{ method_version }}"),
        ("专家名单校验码", "{{ pool_code }}"),
        ("本记录校验码", "{{ record_code }}"),
    ]
    t = doc.add_table(rows=len(review), cols=2)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(t.rows, review, strict=True):
        _cell_text(row.cells[0], label, TABLE_SIZE, True, HEAD_FONT)
        _cell_text(row.cells[1], value, TABLE_SIZE)
    set_widths(t, [3.6, 12.0])
    save(doc, "draw_record.docx")


# --- Filing documents (会前备案 / 会后备案) ---------------------------------------------------------
#
# Every filing template has a page header that says 草稿 when the package is a draft ({% if draft %}
# in the header, so on every page), and 内部资料 on the confidential ones (they name experts or hold
# personal data). Public ones (the two publicity notices and the pass roster) hold name, unit,
# series/specialty and title only. Signature, seal and date lines are kept with the text before them.


WATERMARK = (  # Word's own kind of watermark (a VML text path behind the page), so that Word, WPS and LibreOffice show it
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:v="urn:schemas-microsoft-com:vml"'
    ' xmlns:o="urn:schemas-microsoft-com:office:office"><w:pict>'
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" path="m@7,l@8,m@5,21600l@6,21600e">'
    '<v:path textpathok="t" o:connecttype="custom"/><v:textpath on="t" fitshape="t"/>'
    '<o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
    '<v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" type="#_x0000_t136" style="position:absolute;'
    "margin-left:0;margin-top:0;width:360pt;height:150pt;rotation:315;z-index:-251657216;mso-position-horizontal:center;"
    'mso-position-horizontal-relative:margin;mso-position-vertical:center;mso-position-vertical-relative:margin"'
    ' o:allowincell="f" fillcolor="#e6b8b7" stroked="f"><v:fill opacity=".5"/>'
    '<v:textpath style="font-family:&quot;黑体&quot;;font-size:1pt" string="草稿"/></v:shape></w:pict></w:r>'
)


def watermark(section, condition: str = "draft") -> None:
    """A large 草稿 across every page while ``condition`` holds (a {%p if %} paragraph pair in the header)."""
    from docx.oxml import parse_xml

    first = section.header.paragraphs[0]
    opening = first.insert_paragraph_before("{%p if " + condition + " %}")
    mark = first.insert_paragraph_before()
    mark._p.append(parse_xml(WATERMARK))
    first.insert_paragraph_before("{%p endif %}")
    for p in (opening, mark):
        p.paragraph_format.space_after = Pt(0)


def page_header(doc, confidential: bool) -> None:
    """草稿 on every page when ``draft`` (a watermark and the header line); 内部资料 on confidential documents."""
    for section in doc.sections:
        watermark(section)
        p = section.header.paragraphs[-1]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(
            p.add_run("{% if draft %}草稿　不得作为正式备案材料报送　{% endif %}"),
            HEAD_FONT,
            12,
            color="C00000",
        )
        if confidential:
            _font(p.add_run("内部资料　注意保密"), HEAD_FONT, 12)


def draft_banner(doc) -> None:
    """Under the title of a draft: what it is, in red."""
    control(doc, "{%p if draft %}")
    para(
        doc,
        "【草稿】仅供核对，不得签字盖章报送",
        indent=False,
        font=HEAD_FONT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        color="C00000",
    )
    control(doc, "{%p endif %}")


def doc_title(doc, text: str) -> None:
    """The title Word shows in 文件属性 (and ``qjtitle templates list``)."""
    properties(doc, text)


def facts_table(
    doc, loop: str = "for f in facts", widths=(3.6, 12.0), size: float = TABLE_SIZE
) -> None:
    table(doc, ["项目", "内容"], loop, ["{{ f.label }}", "{{ f.value }}"], list(widths), size=size)


SIGN = "（签字）：__________　　年　　月　　日"


def issuer_lines(extra: list[tuple[str, dict]] | None = None) -> list[tuple[str, dict]]:
    """The issuing body and date, right-aligned, with room for the seal (for :func:`sign_block`)."""
    right = {"align": WD_ALIGN_PARAGRAPH.RIGHT}
    return [("", {}), ("{{ organizer }}（盖章）", right), ("{{ issued }}", right), *(extra or [])]


def lines(
    doc, loop: str, text: str, size: float = BODY_SIZE, indent: bool = True, keep: bool = False
) -> None:
    """One paragraph per item of ``loop``."""
    control(doc, "{%p " + loop + " %}", keep=keep)
    para(doc, text, indent=indent, size=size, keep=keep)
    control(doc, "{%p endfor %}", keep=keep)


def when(doc, condition: str, build) -> None:  # type: ignore[no-untyped-def]
    control(doc, "{%p if " + condition + " %}")
    build()
    control(doc, "{%p endif %}")


MILESTONE_TABLE = (
    ["时间节点", "时间要求", "实际", "依据", "状态"],
    ["{{ m.label }}", "{{ m.when }}", "{{ m.actual }}", "{{ m.basis }}", "{{ m.status }}"],
    [2.8, 4.2, 3.8, 2.8, 2.0],
)


def milestone_table(doc) -> None:
    table(
        doc,
        MILESTONE_TABLE[0],
        "for m in milestones",
        MILESTONE_TABLE[1],
        MILESTONE_TABLE[2],
        size=10.5,
    )
    para(doc, "{{ citation_note }}", size=12)


def _filing_notes(doc) -> None:
    """Findings, draft reasons, what a final package lacks and why, and the attachments (by title),
    shared by both filing reports; the attachments are kept with the signature block."""
    when(
        doc,
        "findings",
        lambda: (
            heading(doc, "需要说明的情况"),
            lines(doc, "for f in findings", "{{ loop.index }}. {{ f }}"),
        ),
    )
    when(
        doc,
        "final_note",
        lambda: (
            heading(doc, "材料不全的说明"),
            lines(doc, "for r in final_note['items']", "{{ loop.index }}. {{ r }}"),
            para(doc, "原因：{{ final_note['reason'] }}"),
        ),
    )
    when(
        doc,
        "draft_reasons",
        lambda: (
            heading(doc, "【草稿】以下问题尚未解决，本材料仅供核对，不得作为正式备案材料报送："),
            lines(doc, "for r in draft_reasons", "{{ loop.index }}. {{ r }}"),
        ),
    )
    para(doc, "特此报告。")
    para(doc, "本次报送材料（编号与材料编号一致）：", indent=True, keep=True)
    lines(doc, "for f in files", "{{ f.number }}. {{ f.title }}", keep=True)


def _report_head(doc, text: str) -> None:
    """发文字号 on the left and 签发人 on the right of one line (GB/T 9704, 上行文), then the title."""
    from docx.enum.text import WD_TAB_ALIGNMENT

    p = para(doc, "{{ doc_number }}\t签发人：{{ signer }}", indent=False)
    p.paragraph_format.left_indent = Pt(BODY_SIZE)
    p.paragraph_format.space_after = Pt(12)
    p.paragraph_format.tab_stops.add_tab_stop(
        Cm(21 - 2.8 - 2.6) - Pt(BODY_SIZE), WD_TAB_ALIGNMENT.RIGHT
    )
    title(doc, text)
    draft_banner(doc)
    para(doc, "{{ committee.approver or '核准组建部门' }}：", indent=False)


def prefiling_report() -> None:
    doc = new_document()
    doc_title(doc, "会前备案报告")
    page_header(doc, confidential=True)
    _report_head(doc, "关于{{ committee.name }}\n{{ year }}年度评审会议会前备案的报告")
    para(
        doc,
        "根据{{ pre_rule.source }}“{{ pre_rule.text }}”的要求，{{ committee.name }}定于{{ meeting.dates }}在"
        "{{ meeting.place }}召开{{ year }}年度评审会议。现将资格审查、会前公示、评审方案、申报信息表（附件2）"
        "和专家抽取记录报送备案，请予审核，并出具同意召开的书面意见。",
    )
    heading(doc, "一、基本情况")
    facts_table(doc)
    heading(doc, "二、时间节点")
    para(doc, "截至{{ issued }}，各时间节点情况如下（按工作日计算，起算当日不计）：")
    milestone_table(doc)
    heading(doc, "三、专家抽取")
    lines(
        doc,
        "for d in draws",
        "第{{ d.number }}号抽取记录：{{ d.drawn_on }}抽取，{{ d.summary }}{% if d.status %}（{{ d.status }}）{% endif %}。",
    )
    _filing_notes(doc)
    sign_block(
        doc,
        issuer_lines(
            [("（联系人：{{ contact }}，联系电话：{{ contact_phone }}）", {"indent": True})]
        ),
    )
    save(doc, "prefiling_report.docx")


def eligibility_results() -> None:
    doc = new_document(landscape=True)
    doc_title(doc, "资格审查结果")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}{{ year }}年度申报人员资格审查结果")
    draft_banner(doc)
    para(
        doc,
        "共收到申报 {{ summary.received }} 人，经资格审查：通过 {{ summary.passed }} 人，提交评审会议评审；"
        "退回 {{ summary.returned }} 人（逾期未补正视为放弃 {{ summary.withdrawn }} 人，待补正 {{ summary.pending }} 人，"
        "未予受理 {{ summary.rejected }} 人）{% if summary.duplicates %}；另有同一申报人重复报送的申报 {{ summary.duplicates }} 份，未予受理{% endif %}。退回依据{{ correction_rule.source }}：{{ correction_rule.text }}。",
    )
    table(
        doc,
        ["序号", "姓名", "工作单位", "申报专业", "申报资格", "审查结果", "原因"],
        "for r in rows",
        [
            "{{ r.number }}",
            "{{ r.name }}",
            "{{ r.unit }}",
            "{{ r.specialty }}",
            "{{ r.title }}",
            "{{ r.result }}",
            "{{ r.reason }}",
        ],
        [SEQ_WIDTH, 2.2, 5.0, 2.8, 2.8, 2.6, 7.8],
        size=10.5,
    )
    para(doc, "以上共 {{ rows|length }} 人，审查结果属实。", keep=True)
    sign_block(doc, [("", {}), ("审查人" + SIGN, {}), ("复核人" + SIGN, {}), *issuer_lines()[1:]])
    save(doc, "eligibility_results.docx")


def _publicity(doc, who: str, title_column: str) -> None:
    table(
        doc,
        ["序号", "姓名", "工作单位", "系列", "专业", title_column],
        "for p in people",
        [
            "{{ p.number }}",
            "{{ p.name }}",
            "{{ p.unit }}",
            "{{ p.series }}",
            "{{ p.specialty }}",
            "{{ p.title }}",
        ],
        [SEQ_WIDTH, 1.9, 4.5, 1.4, 3.0, 3.3],
        size=TABLE_SIZE,
    )
    para(
        doc,
        "公示时间：{{ period.text }}（{{ period.workdays }}个工作日）。",
        keep=True,
    )
    para(
        doc,
        "公示期间，对" + who + "有异议的，请以书面形式向{{ objection_to }}反映"
        "{% if address %}（地址：{{ address }}）{% endif %}{% if contact_phone %}，联系电话：{{ contact_phone }}{% endif %}。"
        "反映情况须实事求是，以单位名义反映的须加盖单位公章，以个人名义反映的须署真实姓名。",
        keep=True,
    )
    right = {"align": WD_ALIGN_PARAGRAPH.RIGHT}
    sign_block(doc, [("", {}), ("{{ organizer }}（盖章）", right), ("{{ period.issued }}", right)])


def pre_publicity() -> None:
    doc = new_document()
    doc_title(doc, "会前公示")
    page_header(doc, confidential=False)
    title(doc, "{{ committee.name }}\n{{ year }}年度职称评审会前公示")
    draft_banner(doc)
    para(
        doc,
        "根据{{ period.source }}关于会前公示的要求，经资格审查，以下 {{ people|length }} 名同志符合申报条件，"
        "拟提交{{ committee.name }}评审，现予公示。",
    )
    _publicity(doc, "公示对象", "申报资格")
    save(doc, "pre_publicity.docx")


def result_publicity() -> None:
    doc = new_document()
    doc_title(doc, "评审结果公示")
    page_header(doc, confidential=False)
    title(doc, "{{ committee.name }}\n{{ year }}年度职称评审结果公示")
    draft_banner(doc)
    para(
        doc,
        "经{{ committee.name }}于{{ meeting.dates }}评审，以下 {{ people|length }} 名同志通过"
        "{{ committee.level }}职称评审，现予公示。",
    )
    _publicity(doc, "评审结果", "评审通过资格")
    save(doc, "result_publicity.docx")


def meeting_plan() -> None:
    doc = new_document()
    doc_title(doc, "评审方案")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}\n{{ year }}年度评审会议评审方案")
    draft_banner(doc)
    para(doc, "根据{{ basis }}，制定本次评审会议评审方案。")
    heading(doc, "一、评审时间和地点")
    para(doc, "{{ meeting.dates }}，{{ meeting.place }}。")
    heading(doc, "二、评审对象")
    para(doc, "经资格审查通过的申报人 {{ applicants_total }} 人，按申报专业：")
    table(
        doc,
        ["申报专业", "人数"],
        "for s in by_specialty",
        ["{{ s.specialty }}", "{{ s.count }}"],
        [12.6, 3.0],
    )
    heading(doc, "三、评委会组成")
    para(
        doc,
        "本次评审会议评委会由 {{ composition.size }} 名评审专家组成（{{ odd_rule.text }}，{{ odd_rule.source }}），"
        "在监督人员监督下从本评委会专家库中随机抽取产生，抽取结果由 {{ drawers_rule.value }} 名抽取人员签字确认"
        "（{{ drawers_rule.source }}）。{{ composition.text }}",
    )
    para(
        doc,
        "出席评审会议的评审专家不少于 {{ composition.quorum_needed }} 人（{{ quorum_rule.text }}，{{ quorum_rule.source }}）。",
    )
    heading(doc, "四、评审方式")
    para(doc, "采用{{ methods|join('、') }}等方式进行评价（{{ methods_source }}）。")
    heading(doc, "五、审阅安排")
    para(
        doc,
        "每名申报人的申报材料由 {{ reviewers.per_applicant }} 名评审专家独自审阅，并填写专家评议表"
        "（{{ reviewers.text }}，{{ reviewers.source }}）。审阅专家由评委会办事机构随机分配，有与申报人同专业的专家出席且无须回避时，至少安排一名同专业专家审阅，分配情况留存备查。"
        "与申报人同单位或有利害关系的专家回避，不审阅、不表决该申报人。",
    )
    heading(doc, "六、表决办法")
    para(
        doc,
        "评审结果由出席评审会议的评审专家以{{ vote.way }}方式共同表决产生，不得委托投票，会后不得补投。{{ vote.text }}（{{ vote.source }}）；{{ vote.denominator }}；弃权票、废票按不同意计算。",
    )
    heading(doc, "七、时间安排")
    table(
        doc,
        ["时间节点", "时间要求", "依据"],
        "for m in milestones",
        ["{{ m.label }}", "{{ m.when }}", "{{ m.basis }}"],
        [3.6, 7.6, 4.4],
        size=10.5,
    )
    heading(doc, "八、会议议程")
    lines(doc, "for a in agenda", "{{ loop.index }}. {{ a }}")
    heading(doc, "九、纪律要求")
    para(
        doc,
        "评审专家名单、评审情况和表决结果严格保密；评审会议不对外公开；评审材料会后封存、归档。",
        keep=True,
    )
    sign_block(doc, issuer_lines())
    save(doc, "meeting_plan.docx")


def postfiling_report() -> None:
    doc = new_document()
    doc_title(doc, "会后备案报告")
    page_header(doc, confidential=True)
    _report_head(doc, "关于{{ committee.name }}\n{{ year }}年度评审会议会后备案的报告")
    para(
        doc,
        "{{ committee.name }}于{{ meeting.dates }}在{{ meeting.place }}召开{{ year }}年度评审会议，"
        "共评审 {{ summary.voted }} 人，通过 {{ summary.passed }} 人。根据{{ post_rule.source }}“{{ post_rule.text }}”"
        "的要求，现将评审情况报告如下。",
    )
    heading(doc, "一、基本情况")
    facts_table(doc)
    heading(doc, "二、时间节点")
    milestone_table(doc)
    heading(doc, "三、封存后的更正")
    when(
        doc,
        "after_seal",
        lambda: table(
            doc,
            ["序号", "更正内容", "理由", "登记日期"],
            "for c in after_seal",
            [
                "{{ loop.index }}",
                "{{ c.what }}",
                "{{ c.reason }}",
                "{{ c.recorded_at }}",
            ],
            [SEQ_WIDTH, 3.4, 7.4, 3.3],
            size=10.5,
        ),
    )
    when(doc, "not after_seal", lambda: para(doc, "会议材料封存后没有更正。"))
    heading(doc, "四、通过人员证件照")
    para(
        doc,
        "通过 {{ summary.passed }} 人，已收集证件照 {{ photos.found }} 张。"
        "{% if photos.missing %}缺少 {{ photos.missing|length }} 人：{{ photos.missing|join('、') }}。{% endif %}"
        "{% if photos.ambiguous %}无法确定、须人工核对 {{ photos.ambiguous|length }} 人：{{ photos.ambiguous|join('、') }}。{% endif %}",
    )
    _filing_notes(doc)
    sign_block(
        doc,
        issuer_lines(
            [("（联系人：{{ contact }}，联系电话：{{ contact_phone }}）", {"indent": True})]
        ),
    )
    save(doc, "postfiling_report.docx")


def publicity_account() -> None:
    """结果公示情况 (通知 四): where and when the result was posted, objections and how they were handled."""
    doc = new_document()
    doc_title(doc, "结果公示情况")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}\n{{ year }}年度评审结果公示情况")
    draft_banner(doc)
    para(
        doc,
        "{{ committee.name }}{{ year }}年度评审会议于{{ meeting.dates }}召开，评审通过 {{ people }} 人。"
        "评审结果公示情况如下：",
    )
    heading(doc, "一、公示时间")
    para(
        doc,
        "{{ period.text }}，共{{ period.workdays }}个工作日（{{ period.rule }}，{{ period.source }}）。",
    )
    heading(doc, "二、公示范围")
    para(doc, "{{ where }}。")
    heading(doc, "三、异议及处理情况")
    para(doc, "{{ objections }}。", keep=True)
    sign_block(doc, issuer_lines())
    save(doc, "publicity_account.docx")


def review_account() -> None:
    """评审情况说明: how the meeting went, for the approver (attendance, recusals, votes, pass rate, corrections)."""
    doc = new_document()
    doc_title(doc, "评审情况说明")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}\n{{ year }}年度评审会议评审情况说明")
    draft_banner(doc)
    heading(doc, "一、会议基本情况")
    para(
        doc,
        "评审会议于{{ meeting.dates }}在{{ meeting.place }}召开。{{ attendance }}。"
        "{% if absent %}未出席：{{ absent|join('、') }}。{% endif %}",
    )
    heading(doc, "二、专家递补和回避")
    when(doc, "substitutions", lambda: lines(doc, "for x in substitutions", "{{ x }}。"))
    when(doc, "not substitutions", lambda: para(doc, "抽取的委员均参会，没有递补。"))
    when(doc, "recusals", lambda: lines(doc, "for x in recusals", "{{ x }}。"))
    when(doc, "not recusals", lambda: para(doc, "没有需要回避的情形。"))
    heading(doc, "三、评审和表决")
    para(
        doc,
        "采用{{ methods|join('、') }}方式评价。每名申报人的材料由 {{ per_applicant }} 名评审专家独自审阅，"
        "{{ assignment_way }}。出席专家对每名申报人{{ vote.way }}表决，{{ vote.text }}；{{ vote.denominator }}。",
    )
    para(
        doc,
        "共评审 {{ voted }} 人，通过 {{ passed }} 人，通过率 {{ rate }}；{{ cap }}。"
        "{% if failed %}未通过：{{ failed|join('、') }}。{% endif %}",
    )
    heading(doc, "四、会议材料封存后的更正")
    when(
        doc,
        "after_seal",
        lambda: lines(
            doc,
            "for c in after_seal",
            "{{ loop.index }}. {{ c.recorded_at }}更正{{ c.what }}，理由：{{ c.reason }}。",
        ),
    )
    when(doc, "not after_seal", lambda: para(doc, "会议材料封存后没有更正。"))
    para(doc, "以上情况属实。", keep=True)
    sign_block(
        doc,
        [
            ("", {}),
            ("{{ chair.role }}：{{ chair.name }}", {}),
            ("签字：__________　　年　　月　　日", {}),
            *issuer_lines()[1:],
        ],
    )
    save(doc, "review_account.docx")


def attending_experts() -> None:
    # landscape: 副主任护师, 医学检验技术 and 备选递补（第13位，替补第1位委员） each on one line
    doc = new_document(landscape=True)
    doc_title(doc, "参会评委抽取名册")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}\n参会评委抽取名册")
    draft_banner(doc)
    para(
        doc,
        "评审会议：{{ meeting.dates }}　{{ meeting.place }}",
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    para(
        doc,
        "依据第{{ draw.number }}号抽取记录（{{ draw.drawn_on }}在监督人员监督下从专家库中随机抽取）。"
        "评委会 {{ size }} 人，出席 {{ experts|length }} 人。",
    )
    table(
        doc,
        ["序号", "姓名", "性别", "工作单位", "职称", "专业", "抽取情况"],
        "for e in experts",
        [
            "{{ e.number }}",
            "{{ e.name }}",
            "{{ e.gender }}",
            "{{ e.unit }}",
            "{{ e.title }}",
            "{{ e.specialty }}",
            "{{ e.role }}",
        ],
        [SEQ_WIDTH, 2.0, 1.4, 5.6, 2.6, 2.8, 7.2],
        size=10.5,
    )
    para(
        doc,
        "以上出席评审会议的评审专家共 {{ experts|length }} 人，均为抽取产生的委员或按顺序递补的备选专家。",
        keep=True,
    )
    sign_block(doc, [("", {}), ("经办人" + SIGN, {}), ("监督人员" + SIGN, {})])
    save(doc, "attending_experts.docx")


def sign_in_sheet() -> None:
    # landscape: a unit of 11 characters, 副主任医师, 医学检验技术, 缺席（因病请假） and
    # 已签（见原件） each on one line at 10.5 pt
    doc = new_document(landscape=True)
    doc_title(doc, "参会评委签到表")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}\n评审会议签到表（录入稿）")
    draft_banner(doc)
    para(doc, "会议时间：{{ meeting.dates }}　　会议地点：{{ meeting.place }}", indent=False)
    para(doc, "{{ transcribed }}", indent=False, size=12)
    table(
        doc,
        ["序号", "姓名", "工作单位", "职称", "专业", "出席情况", "本人签名"],
        "for e in experts",
        [
            "{{ e.number }}",
            "{{ e.name }}",
            "{{ e.unit }}",
            "{{ e.title }}",
            "{{ e.specialty }}",
            "{{ e.present }}",
            "{{ e.signed }}",
        ],
        [SEQ_WIDTH, 2.0, 5.6, 2.6, 2.8, 4.8, 3.6],
        size=10.5,
    )
    para(
        doc, "应到 {{ experts|length }} 人，实到 {{ attending }} 人。{{ quorum_text }}。", keep=True
    )
    sign_block(
        doc,
        [
            ("", {}),
            ("经办人：{{ handler }}　　签字：__________　　年　　月　　日", {}),
            ("监督人员" + SIGN, {}),
        ],
    )
    save(doc, "sign_in_sheet.docx")


def review_form() -> None:
    doc = new_document()
    doc_title(doc, "专家评议表")
    page_header(doc, confidential=True)
    title(doc, "专家评议表（录入稿）")
    draft_banner(doc)
    para(doc, "{{ transcribed }}", indent=False, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(
        doc,
        "{{ committee.name }}　{{ meeting.dates }}　第 {{ number }} 号",
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=14,
    )
    facts_table(doc, "for f in applicant")
    para(doc, "审阅意见（{{ reviewer_rule }}）：", indent=False, font=HEAD_FONT, keep=True)
    table(
        doc,
        ["序号", "评审专家", "评议意见", "评审建议", "专家签名"],
        "for r in reviews",
        [
            "{{ r.number }}",
            "{{ r.expert }}",
            "{{ r.opinion }}",
            "{{ r.recommendation }}",
            "{{ r.signed }}",
        ],
        [SEQ_WIDTH, 2.0, 6.6, 2.0, 3.5],
        size=10.5,
    )
    para(
        doc,
        "评委会表决（{{ vote.way }}）：出席 {{ vote.attending }} 人，{% if vote.recused %}其中 {{ vote.recused }} 人回避、未参加表决，{% endif %}"
        "同意 {{ vote.agree }} 票，不同意 {{ vote.disagree }} 票，"
        "弃权 {{ vote.abstain }} 票{% if vote.invalid %}，废票 {{ vote.invalid }} 张{% endif %}；{{ vote.result }}。",
        indent=False,
    )
    save(doc, "review_form.docx")


def result_confirmation() -> None:
    doc = new_document(landscape=True)
    doc_title(doc, "评审结果签字确认表")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}评审结果签字确认表")
    draft_banner(doc)
    para(doc, "{{ transcribed }}", indent=False, size=12)
    para(
        doc,
        "会议时间：{{ meeting.dates }}　会议地点：{{ meeting.place }}　评委会人数：{{ size }} 人　出席：{{ attending }} 人"
        "（{{ quorum_text }}）",
        indent=False,
        size=14,
    )
    para(
        doc,
        "表决方式：{{ vote.way }}。表决规则：{{ vote.text }}（{{ vote.source }}）；{{ vote.denominator }}；弃权票、废票按不同意计算。",
        indent=False,
        size=14,
    )
    table(
        doc,
        [
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
        ],
        "for r in rows",
        [
            "{{ r.number }}",
            "{{ r.name }}",
            "{{ r.unit }}",
            "{{ r.title }}",
            "{{ r.attending }}",
            "{{ r.recused }}",
            "{{ r.agree }}",
            "{{ r.disagree }}",
            "{{ r.abstain }}",
            "{{ r.invalid }}",
            "{{ r.needed }}",
            "{{ r.result }}",
        ],
        # landscape A4 leaves 24.7 cm: 出席人数, 通过所需 and 须重新表决 each on one line at 10.5 pt
        [SEQ_WIDTH, 2.0, 4.6, 2.8, 2.0, 1.4, 1.4, 1.8, 1.4, 1.4, 2.0, 2.4],
        size=10.5,
    )
    para(
        doc,
        "共评审 {{ rows|length }} 人，通过 {{ passed }} 人，未通过 {{ failed }} 人。以上表决结果属实。",
        indent=False,
        keep=True,
    )
    sign_block(
        doc,
        [
            ("计票人：{{ counter }}　　签字：____________", {}),
            ("监票人：{{ scrutineer }}　　签字：____________", {}),
            ("{{ chair_role }}：{{ chair }}　　签字：____________", {}),
            ("出席评审专家签字：", {"font": HEAD_FONT}),
        ],
    )
    # the last line above is kept with the grid below; three experts a row, so that the block fits
    # beside the table's last rows rather than on a page of its own
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    grid = table(
        doc,
        ["评审专家", "签字", "评审专家", "签字", "评审专家", "签字"],
        "for three in expert_rows",
        ["{{ three[0] }}", "", "{{ three[1] }}", "", "{{ three[2] }}", ""],
        [2.8, 5.4, 2.8, 5.4, 2.8, 5.4],
        size=12,
    )
    for row in grid.rows:
        row.height = Cm(0.9)
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True
    para(doc, "日期：____年__月__日", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    save(doc, "result_confirmation.docx")


def pass_roster() -> None:
    doc = new_document()
    doc_title(doc, "评审通过人员名册")
    page_header(doc, confidential=False)
    title(doc, "{{ committee.name }}\n{{ year }}年度评审通过人员名册")
    draft_banner(doc)
    para(
        doc,
        "评审会议：{{ meeting.dates }}　　通过 {{ people|length }} 人",
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    table(
        doc,
        ["序号", "姓名", "工作单位", "系列", "专业", "评审通过资格"],
        "for p in people",
        [
            "{{ p.number }}",
            "{{ p.name }}",
            "{{ p.unit }}",
            "{{ p.series }}",
            "{{ p.specialty }}",
            "{{ p.title }}",
        ],
        [SEQ_WIDTH, 1.9, 4.5, 1.4, 3.0, 3.3],
        size=TABLE_SIZE,
    )
    para(doc, "以上共 {{ people|length }} 人。", keep=True)
    sign_block(doc, issuer_lines())
    save(doc, "pass_roster.docx")


BUILDERS = {
    "correction_notice.docx": correction_notice,
    "draw_record.docx": draw_record,
    "prefiling_report.docx": prefiling_report,
    "eligibility_results.docx": eligibility_results,
    "pre_publicity.docx": pre_publicity,
    "meeting_plan.docx": meeting_plan,
    "postfiling_report.docx": postfiling_report,
    "result_publicity.docx": result_publicity,
    "publicity_account.docx": publicity_account,
    "review_account.docx": review_account,
    "attending_experts.docx": attending_experts,
    "sign_in_sheet.docx": sign_in_sheet,
    "review_form.docx": review_form,
    "result_confirmation.docx": result_confirmation,
    "pass_roster.docx": pass_roster,
}

if __name__ == "__main__":
    for name, build in BUILDERS.items():
        build()
        print("wrote", HERE / name)
