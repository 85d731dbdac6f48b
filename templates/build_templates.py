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


def save(doc, name: str) -> None:
    """Save without what python-docx's default template carries and no document uses: the unused
    styles (styles.xml is 350 KB otherwise), Word 2010's stylesWithEffects.xml and the thumbnail.
    Smaller templates open and save faster, which counts when one is rendered thousands of times."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rel_id)
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
    parts = [doc.element] + [s.header._element for s in doc.sections] + [s.footer._element for s in doc.sections]
    used = set()
    for el in parts:
        for tag in ("w:pStyle", "w:rStyle", "w:tblStyle"):
            used.update(x.get(qn("w:val")) for x in el.iter(qn(tag)))
    styles = doc.styles.element
    by_id = {st.get(qn("w:styleId")): st for st in styles.findall(qn("w:style"))}
    keep = {sid for sid, st in by_id.items() if st.get(qn("w:default")) == "1"} | (used & set(by_id))
    todo = list(keep)
    while todo:
        st = by_id[todo.pop()]
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = st.find(qn(tag))
            if ref is not None and ref.get(qn("w:val")) in by_id and ref.get(qn("w:val")) not in keep:
                keep.add(ref.get(qn("w:val")))
                todo.append(ref.get(qn("w:val")))
    for sid, st in by_id.items():
        if sid not in keep:
            styles.remove(st)
    doc.save(HERE / name)


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
    doc_title(doc, "职称申报材料补正告知书")
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
    save(doc, "correction_notice.docx")


def draw_record() -> None:
    """评审专家抽取记录表: confidential; filed before the meeting with the drawers' and supervisors' signatures."""
    doc = new_document()
    doc_title(doc, "评审专家抽取记录表")
    # In a filing package forced past its checks the header says 【草稿】 (``draft`` is only set there).
    header = doc.sections[0].header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(header.add_run("{% if draft is defined and draft %}【草稿】{% endif %}"), HEAD_FONT, 12)
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
    save(doc, "draw_record.docx")


# --- Filing documents (会前备案 / 会后备案) ---------------------------------------------------------
#
# Every filing template has a page header that says 【草稿】 when the package was forced
# past its checks ({% if draft %} in the header, so on every page), and 内部资料 on the
# confidential ones (they name experts or hold personal data). Public ones (the two
# publicity notices and the pass roster) hold name, unit, series/specialty and title only.


def page_header(doc, confidential: bool) -> None:
    """【草稿】 on every page when ``draft``; 内部资料 on confidential documents."""
    for section in doc.sections:
        p = section.header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        text = "{% if draft %}【草稿】　{% endif %}" + ("内部资料　注意保密" if confidential else "")
        _font(p.add_run(text), HEAD_FONT, 12)


def doc_title(doc, text: str) -> None:
    """The title Word shows in 文件属性 (and ``qjtitle templates list``)."""
    doc.core_properties.title = text
    doc.core_properties.author = "qjtitle"


def facts_table(doc, loop: str = "for f in facts", widths=(4.0, 11.6), size: float = 11) -> None:
    table(doc, ["项目", "内容"], loop, ["{{ f.label }}", "{{ f.value }}"], list(widths), size=size)


def sign_line(doc, who: str, size: float = 14) -> None:
    para(doc, f"{who}（签字）：____________　日期：______年____月____日", indent=False, size=size)


def issuer(doc) -> None:
    """The issuing body and date, right-aligned, with room for the seal."""
    para(doc, "")
    para(doc, "{{ organizer }}（盖章）", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc, "{{ issued }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)


def lines(doc, loop: str, text: str, size: float = 14, indent: bool = True) -> None:
    """One paragraph per item of ``loop``."""
    para(doc, "{%p " + loop + " %}", indent=False, size=6)
    para(doc, text, indent=indent, size=size)
    para(doc, "{%p endfor %}", indent=False, size=6)


def when(doc, condition: str, build) -> None:  # type: ignore[no-untyped-def]
    para(doc, "{%p if " + condition + " %}", indent=False, size=6)
    build()
    para(doc, "{%p endif %}", indent=False, size=6)


MILESTONE_TABLE = (
    ["时间节点", "计划（期限）", "实际", "依据", "状态"],
    ["{{ m.label }}", "{{ m.when }}", "{{ m.actual }}", "{{ m.basis }}", "{{ m.status }}"],
    [2.6, 3.6, 3.0, 5.2, 1.4],
)


def _filing_notes(doc) -> None:
    """Findings, draft reasons and the package's file list, shared by both filing reports."""
    when(doc, "findings", lambda: (heading(doc, "需要说明的情况"), lines(doc, "for f in findings", "{{ loop.index }}. {{ f }}")))
    when(
        doc,
        "draft_reasons",
        lambda: (
            heading(doc, "【草稿】以下问题尚未解决，本材料仅供核对，不得作为正式备案材料报送："),
            lines(doc, "for r in draft_reasons", "{{ loop.index }}. {{ r }}"),
        ),
    )
    heading(doc, "附件")
    lines(doc, "for f in files", "{{ f.number }}. {{ f.title }}（{{ f.file }}）")


def prefiling_report() -> None:
    doc = new_document()
    doc_title(doc, "会前备案报告")
    page_header(doc, confidential=True)
    title(doc, "关于{{ committee.name }}{{ year }}年度评审会议会前备案的报告")
    para(doc, "{{ committee.approver or '核准组建部门' }}：", indent=False)
    para(
        doc,
        "根据{{ pre_rule.source }}“{{ pre_rule.text }}”的要求，{{ committee.name }}定于{{ meeting.dates }}在"
        "{{ meeting.place }}召开{{ year }}年度评审会议。现将资格审查、会前公示、评审方案、申报信息表（附件2）"
        "和专家抽取记录报送备案，请予审核，并出具同意召开的书面意见。",
    )
    heading(doc, "一、基本情况")
    facts_table(doc)
    heading(doc, "二、时间节点")
    para(doc, "各时间节点按工作日计算（起算当日不计，《民法典》第二百零一条）：", size=14)
    table(doc, MILESTONE_TABLE[0], "for m in milestones", MILESTONE_TABLE[1], MILESTONE_TABLE[2], size=10)
    heading(doc, "三、专家抽取")
    lines(doc, "for d in draws", "第{{ d.number }}号抽取记录：{{ d.drawn_on }}抽取，{{ d.summary }}{% if d.status %}（{{ d.status }}）{% endif %}")
    _filing_notes(doc)
    issuer(doc)
    para(doc, "联系人：{{ contact }}　　联系电话：{{ contact_phone }}", indent=False, size=14)
    save(doc, "prefiling_report.docx")


def eligibility_results() -> None:
    doc = new_document(landscape=True)
    doc_title(doc, "资格审查结果")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}{{ year }}年度申报人员资格审查结果")
    para(
        doc,
        "共收到申报 {{ summary.received }} 人，经资格审查：通过 {{ summary.passed }} 人，提交评审会议评审；"
        "退回 {{ summary.returned }} 人（逾期未补正视为放弃 {{ summary.withdrawn }} 人，待补正 {{ summary.pending }} 人，"
        "未予受理 {{ summary.rejected }} 人）。退回原因依据{{ correction_rule.source }}：{{ correction_rule.text }}。",
        size=14,
    )
    table(
        doc,
        ["序号", "姓名", "工作单位", "申报专业", "申报资格", "审查结果", "原因"],
        "for r in rows",
        ["{{ r.number }}", "{{ r.name }}", "{{ r.unit }}", "{{ r.specialty }}", "{{ r.title }}", "{{ r.result }}", "{{ r.reason }}"],
        [1.2, 2.2, 5.0, 2.6, 2.8, 1.8, 9.0],
        size=10.5,
    )
    para(doc, "")
    sign_line(doc, "审查人")
    sign_line(doc, "复核人")
    issuer(doc)
    save(doc, "eligibility_results.docx")


def _publicity(doc, who: str, title_column: str) -> None:
    table(
        doc,
        ["序号", "姓名", "工作单位", "系列", "专业", title_column],
        "for p in people",
        ["{{ p.number }}", "{{ p.name }}", "{{ p.unit }}", "{{ p.series }}", "{{ p.specialty }}", "{{ p.title }}"],
        [1.2, 2.2, 5.2, 1.6, 2.6, 3.2],
        size=11,
    )
    para(
        doc,
        "公示时间：{{ period.text }}（{{ period.workdays }}个工作日，{{ period.rule }}，{{ period.source }}）。",
    )
    para(
        doc,
        "公示期间，对" + who + "有异议的，请以书面形式向{{ objection_to }}反映"
        "{% if address %}（地址：{{ address }}）{% endif %}{% if contact_phone %}，联系电话：{{ contact_phone }}{% endif %}。"
        "反映情况须实事求是，以单位名义反映的须加盖单位公章，以个人名义反映的须署真实姓名。",
    )
    issuer(doc)


def pre_publicity() -> None:
    doc = new_document()
    doc_title(doc, "会前公示")
    page_header(doc, confidential=False)
    title(doc, "{{ committee.name }}{{ year }}年度职称评审会前公示")
    para(
        doc,
        "根据职称评审工作有关规定，经资格审查，以下 {{ people|length }} 名同志符合申报条件，"
        "拟提交{{ committee.name }}评审，现予公示。",
    )
    _publicity(doc, "公示对象", "申报资格")
    save(doc, "pre_publicity.docx")


def result_publicity() -> None:
    doc = new_document()
    doc_title(doc, "评审结果公示")
    page_header(doc, confidential=False)
    title(doc, "{{ committee.name }}{{ year }}年度职称评审结果公示")
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
    title(doc, "{{ committee.name }}{{ year }}年度评审会议评审方案")
    heading(doc, "一、评审时间和地点")
    para(doc, "{{ meeting.dates }}，{{ meeting.place }}。")
    heading(doc, "二、评审对象")
    para(doc, "经资格审查通过的申报人 {{ applicants_total }} 人，按申报专业：")
    table(doc, ["申报专业", "人数"], "for s in by_specialty", ["{{ s.specialty }}", "{{ s.count }}"], [10.0, 5.6])
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
        "（{{ reviewers.text }}，{{ reviewers.source }}）。与申报人同单位或有利害关系的专家回避，"
        "不审阅、不表决该申报人。审阅专家按随机种子分配，可复核。",
    )
    heading(doc, "六、表决办法")
    para(doc, "评审结果由出席评审会议的评审专家共同投票产生，不得委托投票，会后不得补投。{{ vote.text }}（{{ vote.source }}）；{{ vote.denominator }}；弃权按不同意计算。")
    heading(doc, "七、时间安排")
    table(
        doc,
        ["时间节点", "时间", "依据"],
        "for m in milestones",
        ["{{ m.label }}", "{{ m.when }}", "{{ m.basis }}"],
        [3.2, 5.0, 7.4],
        size=10.5,
    )
    heading(doc, "八、会议议程")
    lines(doc, "for a in agenda", "{{ loop.index }}. {{ a }}")
    heading(doc, "九、纪律要求")
    para(doc, "评审专家名单、评审情况和表决结果严格保密；评审会议不对外公开；评审材料会后封存、归档。")
    issuer(doc)
    save(doc, "meeting_plan.docx")


def postfiling_report() -> None:
    doc = new_document()
    doc_title(doc, "会后备案报告")
    page_header(doc, confidential=True)
    title(doc, "关于{{ committee.name }}{{ year }}年度评审会议会后备案的报告")
    para(doc, "{{ committee.approver or '核准组建部门' }}：", indent=False)
    para(
        doc,
        "{{ committee.name }}于{{ meeting.dates }}在{{ meeting.place }}召开{{ year }}年度评审会议，"
        "共评审 {{ summary.voted }} 人，通过 {{ summary.passed }} 人。根据{{ post_rule.source }}“{{ post_rule.text }}”"
        "的要求，现将评审情况报告如下。",
    )
    heading(doc, "一、基本情况")
    facts_table(doc)
    heading(doc, "二、时间节点")
    table(doc, MILESTONE_TABLE[0], "for m in milestones", MILESTONE_TABLE[1], MILESTONE_TABLE[2], size=10)
    heading(doc, "三、封存后的更正")
    when(doc, "after_seal", lambda: table(
        doc,
        ["序号", "更正内容", "理由", "登记时间", "经办人"],
        "for c in after_seal",
        ["{{ loop.index }}", "{{ c.what }}", "{{ c.reason }}", "{{ c.recorded_at }}", "{{ c.user }}"],
        [1.2, 2.6, 6.8, 3.2, 2.0],
        size=10.5,
    ))
    when(doc, "not after_seal", lambda: para(doc, "会议封存后没有更正。", size=14))
    heading(doc, "四、通过人员证件照")
    para(doc, "通过 {{ summary.passed }} 人，已收集证件照 {{ photos.found }} 张。", size=14)
    when(doc, "photos.missing", lambda: lines(doc, "for p in photos.missing", "缺少证件照：{{ p }}"))
    when(doc, "photos.ambiguous", lambda: lines(doc, "for p in photos.ambiguous", "无法确定：{{ p }}"))
    _filing_notes(doc)
    issuer(doc)
    para(doc, "联系人：{{ contact }}　　联系电话：{{ contact_phone }}", indent=False, size=14)
    save(doc, "postfiling_report.docx")


def attending_experts() -> None:
    doc = new_document()
    doc_title(doc, "参会评委抽取名册")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}参会评委抽取名册")
    para(doc, "评审会议：{{ meeting.dates }}　{{ meeting.place }}", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    para(
        doc,
        "依据第{{ draw.number }}号抽取记录（{{ draw.drawn_on }}抽取，随机种子 {{ draw.seed }}，记录指纹 {{ draw.fingerprint }}）。"
        "评委会 {{ size }} 人，出席 {{ experts|length }} 人。",
        size=12,
    )
    table(
        doc,
        ["序号", "姓名", "性别", "工作单位", "职称", "专业", "抽取情况"],
        "for e in experts",
        ["{{ e.number }}", "{{ e.name }}", "{{ e.gender }}", "{{ e.unit }}", "{{ e.title }}", "{{ e.specialty }}", "{{ e.role }}"],
        [1.2, 2.0, 1.2, 4.6, 2.6, 2.2, 2.0],
        size=10.5,
    )
    para(doc, "")
    sign_line(doc, "经办人")
    sign_line(doc, "监督人员")
    save(doc, "attending_experts.docx")


def sign_in_sheet() -> None:
    doc = new_document()
    doc_title(doc, "参会评委签到表")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}评审会议签到表")
    para(doc, "会议时间：{{ meeting.dates }}　　会议地点：{{ meeting.place }}", indent=False, size=14)
    table(
        doc,
        ["序号", "姓名", "工作单位", "职称", "专业", "出席情况", "本人签名"],
        "for e in experts",
        ["{{ e.number }}", "{{ e.name }}", "{{ e.unit }}", "{{ e.title }}", "{{ e.specialty }}", "{{ e.present }}", ""],
        [1.2, 2.0, 4.4, 2.4, 2.0, 1.6, 2.2],
        size=10.5,
    )
    para(
        doc,
        "应到 {{ experts|length }} 人，实到 {{ attending }} 人。{{ quorum_text }}。",
        size=14,
    )
    para(doc, "")
    sign_line(doc, "经办人")
    sign_line(doc, "监督人员")
    save(doc, "sign_in_sheet.docx")


def review_form() -> None:
    doc = new_document()
    doc_title(doc, "专家评议表")
    page_header(doc, confidential=True)
    title(doc, "专家评议表")
    para(doc, "{{ committee.name }}　{{ meeting.dates }}　第 {{ number }} 号", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    facts_table(doc, "for f in applicant", size=11)
    para(doc, "审阅意见（{{ reviewer_rule }}）：", indent=False, font=HEAD_FONT, size=14)
    table(
        doc,
        ["序号", "评审专家", "评议意见", "评审建议", "专家签名"],
        "for r in reviews",
        ["{{ r.number }}", "{{ r.expert }}", "{{ r.opinion }}", "{{ r.recommendation }}", ""],
        [1.2, 2.2, 7.6, 2.0, 2.6],
        size=10.5,
    )
    para(
        doc,
        "评委会表决：出席 {{ vote.attending }} 人，同意 {{ vote.agree }} 票，不同意 {{ vote.disagree }} 票，"
        "弃权 {{ vote.abstain }} 票；{{ vote.result }}。",
        indent=False,
        size=14,
    )
    save(doc, "review_form.docx")


def result_confirmation() -> None:
    doc = new_document(landscape=True)
    doc_title(doc, "评审结果签字确认表")
    page_header(doc, confidential=True)
    title(doc, "{{ committee.name }}评审结果签字确认表")
    para(
        doc,
        "会议时间：{{ meeting.dates }}　会议地点：{{ meeting.place }}　评委会人数：{{ size }} 人　出席：{{ attending }} 人"
        "（{{ quorum_text }}）",
        indent=False,
        size=12,
    )
    para(doc, "表决规则：{{ vote.text }}（{{ vote.source }}）；{{ vote.denominator }}；弃权按不同意计算。", indent=False, size=12)
    table(
        doc,
        ["序号", "姓名", "工作单位", "申报资格", "出席人数", "回避", "同意", "不同意", "弃权", "通过所需", "表决结果"],
        "for r in rows",
        [
            "{{ r.number }}", "{{ r.name }}", "{{ r.unit }}", "{{ r.title }}", "{{ r.attending }}", "{{ r.recused }}",
            "{{ r.agree }}", "{{ r.disagree }}", "{{ r.abstain }}", "{{ r.needed }}", "{{ r.result }}",
        ],
        [1.2, 2.4, 5.4, 3.0, 1.6, 1.2, 1.4, 1.6, 1.4, 1.8, 2.0],
        size=10.5,
    )
    para(doc, "共评审 {{ rows|length }} 人，通过 {{ passed }} 人，未通过 {{ failed }} 人。", indent=False, size=12)
    para(doc, "计票人：{{ counter }}　　签字：________________", indent=False, size=14)
    para(doc, "监票人：{{ scrutineer }}　　签字：________________", indent=False, size=14)
    para(doc, "评委会主任委员：{{ chair }}　　签字：________________", indent=False, size=14)
    para(doc, "出席评审专家签字：", indent=False, font=HEAD_FONT, size=14)
    lines(doc, "for e in experts", "{{ loop.index }}. {{ e }}　　签字：________________", indent=False)
    para(doc, "日期：______年____月____日", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, size=14)
    save(doc, "result_confirmation.docx")


def pass_roster() -> None:
    doc = new_document()
    doc_title(doc, "评审通过人员名册")
    page_header(doc, confidential=False)
    title(doc, "{{ committee.name }}{{ year }}年度评审通过人员名册")
    para(doc, "评审会议：{{ meeting.dates }}　　通过 {{ people|length }} 人", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    table(
        doc,
        ["序号", "姓名", "工作单位", "系列", "专业", "评审通过资格"],
        "for p in people",
        ["{{ p.number }}", "{{ p.name }}", "{{ p.unit }}", "{{ p.series }}", "{{ p.specialty }}", "{{ p.title }}"],
        [1.2, 2.2, 5.2, 1.6, 2.6, 3.2],
        size=11,
    )
    issuer(doc)
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
