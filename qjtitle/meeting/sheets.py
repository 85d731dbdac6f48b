"""Meeting day on paper: the sign-in sheet, each reviewer's review form and the anonymous tally sheet
(a secret ballot: counts only), pre-filled with the panel and the applicants, in exactly the columns that
``meeting attend --from-sheet``, ``meeting review --from-sheet`` and ``record-votes`` read back;
and the meeting as it stands (panel, attendance, assignment, reviews, votes), read only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from qjtitle.documents.dates import cn_date
from qjtitle.errors import AlreadyExists, InvalidValue
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.meeting import proceedings
from qjtitle.meeting import results as meeting_results
from qjtitle.meeting.results import MeetingResults
from qjtitle.meetings import MeetingInfo
from qjtitle.models import Review, ReviewAssignment
from qjtitle.paths import write_atomically
from qjtitle.spreadsheets.tables import Column, read_tables
from qjtitle.spreadsheets.text import clean_text, compare_key
from qjtitle.spreadsheets.writing import set_cell
from qjtitle.store import Store

# The answers of drawn experts (draw confirm --from-sheet)
ANSWER_COLUMNS = (
    Column("name", "姓名", ("专家姓名", "专家")),
    Column("expert_id", "专家编号", ("编号",)),
    Column("answer", "答复", ("是否参会", "是否同意", "参会")),
    Column("reason", "理由", ("谢绝理由", "原因", "备注")),
)
_YES = {"同意", "参会", "是", "能", "可以", "√", "✓", "y", "yes", "1"}
_NO = {"谢绝", "不同意", "不参会", "否", "不能", "×", "x", "n", "no", "0"}


def read_answers(path: Path) -> list[tuple[str, bool, str]]:
    """(expert number or name, accepted, reason) for each row of an answer sheet with an answer."""
    answers = []
    for t in read_tables(Path(path), ANSWER_COLUMNS, ("name", "expert_id"), min_matches=2):
        for row in t.rows:
            said = compare_key(clean_text(str(row.cells.get("answer") or "")))
            if not said:
                continue
            who = row.cells.get("expert_id") or row.cells.get("name")
            if said not in _YES | _NO:
                raise InvalidValue(
                    f"{Path(path).name} {t.sheet} 第{row.number}行：答复“{row.cells.get('answer')}”看不懂；请写 同意 或 谢绝"
                )
            answers.append((str(who), said in _YES, clean_text(str(row.cells.get("reason") or ""))))
    if not answers:
        raise InvalidValue(f"{Path(path).name}：没有填写答复的行（“答复”列写 同意 或 谢绝）")
    return answers


# --- The meeting as it stands --------------------------------------------------------------------


@dataclass
class Person:
    id: int
    name: str
    unit: str = ""
    specialty: str = ""
    key: str = ""  # how a sheet names them: the name, or the number when two share it


@dataclass
class Picture:
    meeting: MeetingInfo
    panel: list[Person]  # confirmed members
    unconfirmed: list[Person]
    declined: list[Person]
    attending: list[int]
    applicants: list[Person]
    recused: dict[int, dict[int, str]]
    assignment: (
        dict[str, Any] | None
    )  # {"version", "seed", "reviewers": {applicant id: [expert ids]}}
    results: MeetingResults
    reviews: dict[tuple[int, int], str] = field(
        default_factory=dict
    )  # (applicant, expert) → 同意/不同意
    chair: str = ""  # who chairs, as recorded: "姓名（主任委员）"; "" when none is recorded
    methods: tuple[str, ...] = ()  # the methods recorded as used
    absences: dict[int, str] = field(default_factory=dict)  # expert id → why absent, as recorded

    def expert(self, expert_id: int) -> Person:
        return next(p for p in self.panel if p.id == expert_id)


def _keyed(people: list[Person]) -> list[Person]:
    """Namesakes are named by number on a sheet."""
    counts = Counter(compare_key(p.name) for p in people)
    for p in people:
        p.key = p.name if counts[compare_key(p.name)] == 1 else str(p.id)
    return people


def picture(store: Store, meeting_id: int) -> Picture:
    """Everything recorded so far for a meeting; changes nothing (no new assignment version)."""
    from qjtitle import meetings

    info = meetings.show(store, meeting_id)
    with store.transaction() as session:
        ctx = proceedings.load(session, meeting_id)

        def person(e: Any) -> Person:
            return Person(e.id or 0, e.name, e.unit, e.specialty)

        current = session.exec(
            select(ReviewAssignment)
            .where(ReviewAssignment.meeting_id == meeting_id)
            .order_by(col(ReviewAssignment.id).desc())
        ).first()
        reviews = {
            (r.applicant_id, r.expert_id): r.recommendation
            for r in session.exec(
                select(Review).where(Review.meeting_id == meeting_id).order_by(col(Review.id))
            )
        }
        pic = Picture(
            meeting=info,
            panel=_keyed([person(e) for _, e in sorted(ctx.panel.items())]),
            unconfirmed=[person(e) for _, e in sorted(ctx.unconfirmed.items())],
            declined=[person(e) for _, e in sorted(ctx.declined.items())],
            attending=list(ctx.attending),
            applicants=_keyed(
                [Person(a.id or 0, a.name, a.unit, a.specialty) for a in ctx.applicants]
            ),
            recused={a: dict(r) for a, r in ctx.recused.items()},
            assignment=None
            if current is None
            else {
                "version": current.version,
                "seed": current.seed,
                "reviewers": {int(a): list(e) for a, e in current.reviewers.items()},
            },
            results=meeting_results.compute(session, ctx),
            reviews=reviews,
            chair=f"{ctx.expert_name(ctx.chair.expert_id)}（{ctx.chair.role}）"
            if ctx.chair
            else "",
            methods=ctx.methods,
            absences=dict(ctx.absences),
        )
    return pic


# --- Sheets ----------------------------------------------------------------------------------------


SHEET_STEMS = (
    "签到表",
    "评议表",
    "评议汇总表",
    "计票表",
    "计票表_记名",  # the named and anonymous tallies of earlier versions
    "计票表_无记名",
)  # what write_sheets writes (and wrote)


def _printed(notes: list[str]) -> list[str]:
    """The notes a printed sheet shows: how to type a sheet back belongs to the terminal, not the paper."""
    return [n for n in notes if not n.startswith("录入：")]


def _workbook(
    title: str,
    header: list[str],
    rows: list[list[Any]],
    widths: list[int],
    notes: list[str],
    label: str = "",
) -> Any:
    """One sheet: the title, the meeting and the sheet's number, the notes (above the header, where the
    reading commands never look), the header and the pre-filled rows, with borders and A4 print settings
    (the header row on every page, fitted to the page's width, page numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    set_cell(ws.cell(row=1, column=1), title)
    ws.cell(row=1, column=1).font = Font(name="黑体", bold=True, size=14)
    lines = ([label] if label else []) + _printed(notes)
    for i, note in enumerate(lines, start=2):
        set_cell(ws.cell(row=i, column=1), note)
    top = len(lines) + 2
    for c, text in enumerate(header, start=1):
        cell = ws.cell(row=top, column=c)
        set_cell(cell, text)
        cell.font = Font(name="黑体", bold=True)
        cell.border = box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, values in enumerate(rows, start=top + 1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            set_cell(cell, value)
            cell.border = box
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.row_dimensions[r].height = 30
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.print_title_rows = f"{top}:{top}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if len(header) > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.right.text = "内部资料　注意保密"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    wb.properties.title = title
    wb.properties.creator = ""
    wb.properties.language = "zh-CN"
    return wb


def _save(wb: Any, path: Path) -> Path:
    return write_atomically(path, wb.save, ".xlsx")


def _document(
    title: str,
    header: list[str],
    rows: list[list[Any]],
    widths: list[int],
    notes: list[str],
    label: str = "",
) -> Any:
    """The same sheet for printing from Word, on the filing documents' page (A4, their fonts, zh-CN, page
    numbers): title, the meeting and the sheet's number, a ruled table with room to write whose header
    row repeats on every page, the notes below (kept with the table's end)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from qjtitle.documents import wordstyle as w

    landscape = sum(widths) > 100
    doc = w.new_document(landscape, margins_cm=(1.8, 1.8, 1.8, 1.8))
    w.properties(doc, title)
    section = doc.sections[0]
    mark = section.header.paragraphs[0]
    mark.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    w.set_font(mark.add_run("内部资料　注意保密"), w.HEAD_FONT, 10.5)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_after = Pt(6)
    # the sheet's name on its own line, the committee, day and place below it: never broken mid-date
    name, _, rest = title.partition("（")
    w.set_font(heading.add_run(name), w.TITLE_FONT, 16)
    if rest:
        heading.add_run().add_break()
        w.set_font(heading.add_run(f"（{rest}"), w.TITLE_FONT, 10.5)
    if label:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(6)
        w.set_font(p.add_run(label), w.BODY_FONT, 11)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    page = [section.page_width, section.left_margin, section.right_margin]
    usable = (int(page[0] or 0) - int(page[1] or 0) - int(page[2] or 0)) / sum(widths)
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = int(usable * width)
    for cell, text, width in zip(table.rows[0].cells, header, widths, strict=True):
        cell.text = ""
        w.set_font(cell.paragraphs[0].add_run(text), w.HEAD_FONT, 10.5, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.width = int(usable * width)
    w.repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, value, width in zip(cells, values, widths, strict=True):
            cell.text = ""
            w.set_font(
                cell.paragraphs[0].add_run("" if value is None else str(value)), w.BODY_FONT, 10.5
            )
            cell.width = int(usable * width)
    for row in table.rows[1:]:
        row.height = Cm(1.0)
    printed = _printed(notes)
    for i, note in enumerate(printed):
        p = doc.add_paragraph()
        p.paragraph_format.space_before = Pt(4)
        if i < len(printed) - 1:
            p.paragraph_format.keep_with_next = True
        w.set_font(p.add_run(note), w.BODY_FONT, 11)
    w.chinese_defaults(doc)
    return doc


def existing_sheets(out: Path) -> list[Path]:
    """The sheets already in ``out`` that :func:`write_sheets` would write over (filled in by hand, maybe)."""
    out = Path(out)
    if not out.is_dir():
        return []
    found = [
        p
        for p in sorted(out.iterdir())
        if p.is_file() and p.suffix in (".xlsx", ".docx") and p.stem in SHEET_STEMS
    ]
    folder = out / "评议表"
    if folder.is_dir():
        found += sorted(p for p in folder.iterdir() if p.suffix in (".xlsx", ".docx"))
    return found


def sheet_number(meeting_id: int, n: int) -> str:
    """A meeting-day sheet's number, as printed on it: the meeting and the sheet (第1号会议·表03)."""
    return f"第{meeting_id}号会议·表{n:02d}"


def _safe_name(text: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in text).strip() or "专家"


@dataclass
class SheetSet:
    folder: Path
    files: list[Path]
    skipped: list[Finding]


def write_sheets(store: Store, meeting_id: int, out: Path, force: bool = False) -> SheetSet:
    """The meeting-day sheets in ``out``: 签到表, 评议表 (one per reviewer, once reviewers are
    assigned) and 计票表 (无记名: counts per applicant); each as .xlsx (to type back) and .docx (to print),
    each naming the meeting and numbered (第N号会议·表NN), so that a signed original can be told apart
    and filed. A folder that already holds sheets is refused, naming them (they may have been filled in
    by hand), unless ``force``. How to type a sheet back is the terminal's to say, not the sheet's."""

    there = existing_sheets(Path(out))
    if there and not force:
        shown = "、".join(str(p.relative_to(Path(out))) for p in there[:8])
        more = f" 等 {len(there)} 个文件" if len(there) > 8 else ""
        raise AlreadyExists(
            finding(
                "meeting.sheets_exist",
                f"{out} 中已有会议用表：{shown}{more}。这些表可能已手工填写，为免覆盖拒绝写入；"
                "请换一个文件夹",
                field="force",
                hint="覆盖（确认可以覆盖后）",
                folder=str(out),
            )
        )
    pic = picture(store, meeting_id)
    m = pic.meeting
    if not pic.panel:
        raise InvalidValue(
            finding(
                "meeting.no_panel",
                f"第{meeting_id}号会议还没有确认参会的专家",
                step=Step.CONFIRM_DRAW,
                hint="请先记录专家的答复",
                meeting=meeting_id,
            )
        )
    out = Path(out)
    head = f"{m.committee_name}　{cn_date(m.date)}　{m.place}"
    files: list[Path] = []
    numbered = 0

    def _write(
        out: Path,
        stem: str,
        title: str,
        header: list[str],
        rows: list[list[Any]],
        widths: list[int],
        notes: list[str],
    ) -> list[Path]:
        """``stem``.xlsx to fill in and type back, and ``stem``.docx to print, with the sheet's number."""
        nonlocal numbered
        numbered += 1
        label = f"评审会议：第{m.id}号（{cn_date(m.date)}，{m.place or '地点未定'}）　表号：{sheet_number(m.id, numbered)}"
        wb = _workbook(title, header, rows, widths, notes, label)
        doc = _document(title, header, rows, widths, notes, label)
        return [
            _save(wb, out / f"{stem}.xlsx"),
            write_atomically(out / f"{stem}.docx", doc.save, ".docx"),
        ]

    skipped: list[Finding] = []

    rows = [[p.id, p.name, p.unit, p.specialty, ""] for p in pic.panel]
    files += _write(
        out,
        "签到表",
        f"评审会议签到表（{head}）",
        ["编号", "姓名", "单位", "专业", "签到"],
        rows,
        [8, 12, 30, 16, 16],
        [
            "注：出席的专家在“签到”栏签名；录入时在“签到”栏写 √ 或姓名，缺席写 缺席。",
        ],
    )

    if pic.assignment is None:
        skipped.append(
            finding(
                "meeting.sheets_no_assignment",
                "评议表：尚未安排审阅专家",
                step=Step.ASSIGN_REVIEWERS,
                hint="签到后安排审阅专家，再重新生成",
                severity=Severity.NOTE,
                meeting=meeting_id,
            )
        )
    else:
        reviewers = pic.assignment["reviewers"]
        by_expert: dict[int, list[Person]] = {}
        for a in pic.applicants:
            for e in reviewers.get(a.id, []):
                by_expert.setdefault(e, []).append(a)
        all_rows = []
        for e_id, cases in sorted(by_expert.items()):
            expert = pic.expert(e_id)
            rows = [[a.key, expert.key, "", "", a.unit, a.specialty] for a in cases]
            all_rows += rows
            files += _write(
                out / "评议表",
                f"评议表_{e_id:03d}_{_safe_name(expert.name)}",
                f"专家评议表（{expert.name}，{head}）",
                ["申报人", "评审专家", "评议意见", "评审建议", "单位", "申报专业"],
                rows,
                [12, 12, 50, 12, 28, 16],
                [
                    "注：“评审建议”填 同意 或 不同意；“评议意见”写对申报材料的意见。",
                    "评审专家签名：",
                ],
            )
        files += _write(
            out,
            "评议汇总表",
            f"专家评议汇总表（{head}，审阅安排第{pic.assignment['version']}版）",
            ["申报人", "评审专家", "评议意见", "评审建议", "单位", "申报专业"],
            all_rows,
            [12, 12, 50, 12, 28, 16],
            [],
        )

    # the vote is a secret ballot: one anonymous count sheet, no column per expert
    attending = set(pic.attending)
    rows = []
    for a in pic.applicants:
        recused = sum(1 for e in pic.recused.get(a.id, {}) if e in attending)
        voters = f"{len(attending) - recused}" if attending else ""
        rows.append([a.key, voters, "", "", "", "", a.unit, a.specialty])
    files += _write(
        out,
        "计票表",
        f"表决计票表（无记名投票，{head}）",
        ["申报人", "应投票人数", "同意", "不同意", "弃权", "废票", "单位", "申报专业"],
        rows,
        [11, 13, 8, 9, 8, 8, 25, 16],  # 应投票人数 and 不同意 on one line on portrait A4
        [
            (
                "注：无记名投票，按收回的表决票逐人填各项票数（整数）；同意、不同意、弃权、废票相加"
                "应等于应投票人数（出席专家减去须回避的专家）。"
            ),
            "计票人：　　　　监票人：",
        ],
    )
    return SheetSet(out, files, skipped)
