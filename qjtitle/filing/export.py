"""The pre- and post-meeting filing packages (会前备案 / 会后备案).

Pre-meeting (通知 二, due 5 working days before the meeting): filing report,
eligibility review results, pre-meeting publicity, meeting plan, the 附件2 roster
(.xlsx) and every draw record of the meeting with its signature lines.
Post-meeting (通知 四, the platform's list, in its order): filing report, result
publicity, roster of the drawn experts who attended, sign-in sheet, one review
form per applicant, the result confirmation sheet with the votes, the roster of
those who passed (.docx and .xlsx) and their ID photos.

``export_filing`` gathers everything from the store once (:func:`gather`), checks
that the package may be filed (:func:`readiness`: the schedule check, unresolved
applicants, the seal, missing reviews and votes), builds each document's context
(:class:`Filing`), renders the templates into a temporary folder, writes the
manifest and moves the folder into place (:mod:`qjtitle.filing.package`). Forced past
its checks, every page says 【草稿】 and the report lists why.

Public documents (the two publicity notices and the pass roster) carry name,
unit, series/specialty and title only; confidential ones say 内部资料 in the
header. ``sample_context`` builds the same contexts from a small fictional store,
for ``qjtitle templates check``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle.calendar import schedule as schedules
from qjtitle.documents import folders, render
from qjtitle.documents.dates import cn_date
from qjtitle.documents.names import file_name, safe_filename
from qjtitle.documents.render import DocxRenderer
from qjtitle.errors import InvalidValue
from qjtitle.experts import draw_record
from qjtitle.filing import package
from qjtitle.filing.contexts import Filing, incomplete_findings
from qjtitle.filing.gather import (
    PHOTOS_FOLDER_PREFIX,
    POST,
    POST_DOCS,
    PRE,
    PRE_DOCS,
    SIGNED_FOLDER_PREFIX,
    STAGE_NAMES,
    FilingOptions,
    gather,
    not_ready,
    readiness,
    signed_scans,
)
from qjtitle.filing.wording import officer_reason
from qjtitle.findings import Finding, finding
from qjtitle.intake import photos
from qjtitle.logic.workdays import WorkCalendar
from qjtitle.models import (
    AuditEvent,
    Committee,
    Meeting,
)
from qjtitle.store import Store, audit

# --- Spreadsheets ---------------------------------------------------------------------------------


def write_pass_roster_xlsx(path: Path, filing: Filing, with_id_numbers: bool = False) -> None:
    """The pass roster as a workbook: public fields only, formula-like text kept as text; ``with_id_numbers``:
    the internal copy for entry on the province's platform (身份证号码 added, marked 内部资料)."""
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    from qjtitle.spreadsheets.writing import set_cell

    common, people = filing.common(), filing.passed()  # what pass_roster() hands the .docx
    numbers = {a.id: a.id_number for a in filing.data.accepted}
    columns = [
        ("number", "序号", 6),
        ("name", "姓名", 12),
        ("unit", "工作单位", 34),
        ("series", "系列", 10),
        ("specialty", "专业", 16),
        ("title", "评审通过资格", 16),
    ]
    if with_id_numbers:
        columns.insert(2, ("id_number", "身份证号码", 22))
    last = "ABCDEFG"[len(columns) - 1]
    wb = Workbook()
    ws = wb.active
    ws.title = "评审通过人员名册"
    heading = (
        f"{'【草稿】' if filing.draft else ''}{common['committee']['name']}{common['year']}年度评审通过人员名册"
        + ("（内部，供信息平台录入）" if with_id_numbers else "")
    )
    set_cell(ws.cell(row=1, column=1), heading)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name="方正小标宋简体", size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    set_cell(
        ws.cell(row=2, column=1),
        f"评审会议：{common['meeting']['dates']}　通过 {len(people)} 人",
    )
    ws.merge_cells(f"A2:{last}2")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, (_key, h, _width) in enumerate(columns, start=1):
        cell = ws.cell(row=3, column=i, value=h)
        cell.font = Font(name="黑体", bold=True)
        cell.border = border
    boxed = None  # the style of a bordered cell, made once (openpyxl hashes a Border at each set)
    for r, p in enumerate(people, start=4):
        values = {**p, "id_number": numbers.get(p["id"], "")}
        for c, (key, _h, _width) in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=c)
            if boxed is None:
                cell.border = border
                boxed = copy(cell._style)
            else:
                cell._style = copy(boxed)
            set_cell(cell, values[key])
    for c, (_key, _h, width) in enumerate(columns, start=1):
        ws.column_dimensions["ABCDEFG"[c - 1]].width = width
    ws.print_title_rows = "3:3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    package.mark_sheets(wb, draft=filing.draft, confidential=with_id_numbers)
    wb.save(path)


def write_roster_xlsx(path: Path, filing: Filing) -> None:
    """The 附件2 roster in the canonical format (roster.write_roster_workbook), marked confidential (and draft)."""
    from openpyxl import load_workbook

    from qjtitle.intake.roster import COLUMNS, ROSTER_TITLE, write_roster_workbook
    from qjtitle.spreadsheets.writing import set_cell

    title = f"【草稿】{ROSTER_TITLE}" if filing.draft else ROSTER_TITLE
    rows = filing.roster_rows()
    write_roster_workbook(path, rows, title=title)
    wb = load_workbook(path)
    for ws in list(wb.worksheets)[1:]:
        wb.remove(
            ws
        )  # the instructions sheet (with its sample ID number) is for units filling the form, not for filing
    main = wb.worksheets[0]
    main.title = "全部申报人"
    first_row = (
        4  # below the title, the signature line and the header (roster.write_roster_workbook)
    )
    seq_column = next(i for i, c in enumerate(COLUMNS, start=1) if c.key == "seq")
    units = list(dict.fromkeys(r["unit"] for r in rows))
    for n, unit in enumerate(units, start=1):
        # one sheet per employer, so that each unit's leader signs and stamps its own page (通知 二)
        ws = wb.copy_worksheet(main)
        ws.title = safe_filename(f"{n}_{unit}", 31).replace("[", "_").replace("]", "_")
        for i in reversed(range(len(rows))):
            if rows[i]["unit"] != unit:
                ws.delete_rows(first_row + i)
        for j in range(sum(1 for r in rows if r["unit"] == unit)):
            ws.cell(row=first_row + j, column=seq_column).value = j + 1
        set_cell(
            ws["A2"],
            f"填报单位（盖章）：{unit}          单位分管领导（签字）：                    日期：      年   月   日",
        )
        ws.print_title_rows = main.print_title_rows  # not copied by copy_worksheet
    package.mark_sheets(wb, draft=filing.draft, confidential=True)
    wb.save(path)


# --- 发文字号 ------------------------------------------------------------------------------------------


def doc_code(options: FilingOptions, committee: Committee) -> str:
    """The 发文机关代字: ``--doc-code`` when given, else the committee's (``committee set --doc-code``)."""
    from qjtitle import committees

    return options.doc_code.strip() or committees.doc_code(committee)


def document_number(
    session: Session, committee: Committee, meeting_id: int, stage: str, year: int
) -> tuple[int, bool]:
    """The number of a report's 发文字号 (〔year〕N号, numbered per committee and year of issue): the one a
    final export of the same meeting and stage already used, else the next free one. Kept in the audit
    log's export events, so that the numbers are append-only like the rest of the record."""
    taken = set()
    for e in session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "filing.exported")
        .order_by(col(AuditEvent.id))
    ):
        d = e.detail
        if (
            not d.get("doc_number")
            or d.get("committee") != committee.code
            or d.get("doc_year") != year
        ):
            continue
        if d.get("meeting") == meeting_id and d.get("stage") == stage:
            return int(d["doc_number"]), True
        taken.add(int(d["doc_number"]))
    return max(taken, default=0) + 1, False


# --- The package ------------------------------------------------------------------------------------

Progress = Callable[[int, int, str], None]  # done, total, what


@dataclass
class FilingResult:
    folder: Path
    stage: str
    draft: bool
    reasons: list[str]  # why the package is a draft, as its report words them
    files: list[package.Entry]
    zip: Path | None = None
    photos: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # the reasons, as findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "zip": str(self.zip) if self.zip else None,
            "stage": self.stage,
            "draft": self.draft,
            "reasons": self.reasons,
            "findings": [f.as_json() for f in self.findings],
            "warnings": self.warnings,
            "photos": self.photos,
            "files": [e.__dict__ for e in self.files],
        }


NAME_IN_FILE_BYTES = (
    60  # a person's name in a review form's or photo's file name (20 Chinese characters)
)


def folder_name(committee: Committee, meeting: Meeting, stage: str, draft: bool) -> str:
    tail = f"_{meeting.date:%Y-%m-%d}评审会议_{STAGE_NAMES[stage]}" + ("_草稿" if draft else "")
    return file_name(
        "", committee.name, safe_filename(tail)
    )  # a long name shortens, the date stays


def _plan_files(filing: Filing) -> list[dict[str, Any]]:
    """The package's list as the reports show it (before anything is written)."""
    data = filing.data
    items = []
    if data.stage == PRE:
        for d in PRE_DOCS:
            if d.template == draw_record.TEMPLATE:
                for draw in data.draws:
                    items.append(
                        {
                            "number": d.number,
                            "title": f"{d.title}（第{draw['draw']}号）",
                            "file": d.file.format(draw=draw["draw"]),
                        }
                    )
            else:
                items.append({"number": d.number, "title": d.title, "file": d.file})
    else:
        photos_found = bool(filing.photo_report and filing.photo_report.found)
        for d in POST_DOCS:
            if d.file.startswith(PHOTOS_FOLDER_PREFIX) and not photos_found:
                continue  # no folder of photos in the package: the report does not name one
            if d.file.startswith(SIGNED_FOLDER_PREFIX):
                if filing.signed:
                    items.append(
                        {
                            "number": d.number,
                            "title": f"{d.title}（{len(filing.signed)}份）",
                            "file": d.file.split("/")[0] + "/",
                        }
                    )
                continue
            title = (
                f"{d.title}（{len(filing.photo_report.found)}张）"
                if d.file.startswith(PHOTOS_FOLDER_PREFIX) and filing.photo_report
                else d.title
            )
            file = d.file.split("/")[0] + "/" if "/" in d.file else d.file
            items.append({"number": d.number, "title": title, "file": file})
    return items


@dataclass
class _Plan:
    """What an export will write, decided before anything is written."""

    filing: Filing
    findings: list[Finding]  # why the package is a draft
    warnings: list[str]
    number: int  # the 发文字号's number (0 for a draft)
    target: Path


def export_filing(
    store: Store,
    meeting_id: int,
    stage: str,
    out_dir: Path,
    *,
    options: FilingOptions | None = None,
    force: bool = False,
    make_zip: bool = False,
    pdf: bool = False,
    photos_dir: Path | None = None,
    signed_dir: Path | None = None,
    templates: Path | None = None,
    overwrite: bool = False,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
    progress: Progress | None = None,
    user: str | None = None,
    final: bool = False,
) -> FilingResult:
    """Write the ``stage`` package of the meeting into ``out_dir`` (see the module docstring).

    A package the checks refuse is written only with ``force``, as a draft. A post-meeting package
    that lacks something (:func:`incomplete`: ID photos, the publicity account) is a draft unless
    ``final`` with ``options.final_reason`` says why it is filed as it is; the report then states
    what is missing and why. A final package records its filing step (会前备案/会后备案) in the schedule.

    In four steps: check the request, plan the package (gather, readiness, the 发文字号), apply it
    (write the folder), and record it in the audit log as the folder is moved into place."""
    options = options or FilingOptions()
    _check_request(options, final)
    soffice = package.require_soffice() if pdf else None
    user_dir = folders.user_templates_dir(templates, store.directory)
    plan = _plan(
        store,
        meeting_id,
        stage,
        out_dir,
        options,
        force=force,
        final=final,
        photos_dir=photos_dir,
        signed_dir=signed_dir,
        today=today,
        calendar=calendar,
    )
    filing = plan.filing
    with (
        package.PackageFolder(
            plan.target, overwrite=overwrite, is_recorded=_exported(store)
        ) as pkg,
        render.extra_context(draft=filing.draft),
    ):
        photo_summary = _apply(store, pkg, plan, user_dir, soffice, photos_dir, make_zip, progress)
        manifest_sha = package.sha256_of(pkg.root / package.MANIFEST_JSON)
        # Commit first, then the folder and zip appear (two renames); see package.PackageFolder.
        pkg.prepare(manifest_sha)
        with store.transaction() as session:
            _audit(session, plan, manifest_sha, len(pkg.entries), make_zip, user)
        pkg.recorded = True
        try:
            folder = pkg.commit()
        except OSError:
            raise package.PackageError(
                f"材料已生成并记入审计日志，但未能移到 {plan.target}：文件夹或压缩包可能正在被其他程序使用。"
                "请关闭后重新运行同一条 export-filing 命令，未完成的移动会先自动完成"
            ) from None
        zip_path = pkg.final_zip if make_zip else None
    return FilingResult(
        folder,
        stage,
        filing.draft,
        filing.reasons,
        pkg.entries,
        zip_path,
        photo_summary,
        plan.warnings + _photo_warnings(filing.photo_report),
        plan.findings,
    )


def _check_request(options: FilingOptions, final: bool) -> None:
    """The request itself: the methods chosen, a reason with ``final``."""
    options.check()
    if final and not options.final_reason.strip():
        raise InvalidValue(
            finding(
                "filing.final_without_reason",
                "材料不全仍正式报送的，须说明原因（如：其余证件照由所在单位直接报送）",
                field="final_reason",
                hint="说明原因",
            )
        )


def _plan(
    store: Store,
    meeting_id: int,
    stage: str,
    out_dir: Path,
    options: FilingOptions,
    *,
    force: bool,
    final: bool,
    photos_dir: Path | None,
    signed_dir: Path | None,
    today: date | None,
    calendar: WorkCalendar | None,
) -> _Plan:
    """Read the store, check the package may be filed (refused unless ``force``), decide whether it is
    a draft, its list of files, its 发文字号 and its folder."""
    data = gather(store, meeting_id, stage, today, calendar)
    reasons = readiness(data)
    if reasons and not force:
        raise not_ready(data, reasons)
    filing = Filing(data, options, draft=bool(reasons))
    with store.transaction() as session:
        filing.audit_head = audit.head(session).as_dict()
    warnings = [f.text for f in data.schedule.warnings]
    if stage == POST:
        numbers = {a.id: a.id_number for a in data.accepted}
        people = [
            photos.Person(p["id"], p["name"], numbers.get(p["id"], "")) for p in filing.passed()
        ]
        filing.photo_report = photos.match(photos_dir, people)
        filing.signed = signed_scans(signed_dir)
        warnings += list((data.results or {}).get("warnings", []))
    missing = incomplete_findings(filing)
    if missing and final:
        filing.final_despite = [m.message for m in missing]
    elif missing:
        filing.draft = True
        reasons = [*reasons, *missing]
    filing.reasons = [officer_reason(r) for r in reasons]
    filing.files = _plan_files(filing)
    number = 0
    if not filing.draft:
        with store.transaction() as session:
            number, _reused = document_number(
                session, data.committee, meeting_id, stage, data.today.year
            )
        filing.doc_number = f"{doc_code(options, data.committee)}〔{data.today.year}〕{number}号"
    target = Path(out_dir) / folder_name(data.committee, data.meeting, stage, filing.draft)
    return _Plan(filing, reasons, warnings, number, target)


def _apply(
    store: Store,
    pkg: package.PackageFolder,
    plan: _Plan,
    user_dir: Path | None,
    soffice: str | None,
    photos_dir: Path | None,
    make_zip: bool,
    progress: Progress | None,
) -> dict[str, Any] | None:
    """Write the package into ``pkg``: the documents, their PDFs, the manifest and the zip. Returns
    the summary of the photos (for the manifest and the result)."""
    filing, data = plan.filing, plan.filing.data
    stage = data.stage
    if stage == PRE:
        _write_pre(store, pkg, filing, user_dir, progress)
    else:
        _write_post(pkg, filing, user_dir, progress)
    if soffice is not None:
        _pdfs(pkg, soffice, progress)
    photo_summary = filing.photo_report.as_dict(photos_dir) if filing.photo_report else None
    meta = {
        "committee": {"code": data.committee.code, "name": data.committee.name},
        "meeting": {
            "id": data.meeting.id,
            "date": data.meeting.date.isoformat(),
            "place": data.meeting.place,
        },
        "stage": stage,
        "stage_name": STAGE_NAMES[stage],
        "issued": data.today.isoformat(),
        "issued_text": cn_date(data.today),
        "draft": filing.draft,
        "draft_reasons": filing.reasons,
        "final_despite": {"missing": filing.final_despite, "reason": filing.options.final_reason}
        if filing.final_despite
        else None,
        "photos": photo_summary,
        # the audit chain's end when the package was made: kept outside the store, it shows later
        # whether events were cut from the end (the audit check with this anchor)
        "audit_head": filing.audit_head,
    }
    pkg.write_manifest(
        meta,
        f"{data.committee.name}{STAGE_NAMES[stage]}材料清单{'（草稿）' if filing.draft else ''}",
    )
    if make_zip:
        pkg.make_zip()
    return photo_summary


def _audit(
    session: Session, plan: _Plan, manifest_sha: str, files: int, make_zip: bool, user: str | None
) -> None:
    """Record the export (and, for a final package, its filing step in the schedule) in the
    transaction that commits the package; refused when another package took its 发文字号 meanwhile."""
    filing, data = plan.filing, plan.filing.data
    meeting_id, stage, number = data.meeting.id or 0, data.stage, plan.number
    if (
        number
        and document_number(session, data.committee, meeting_id, stage, data.today.year)[0]
        != number
    ):
        raise package.PackageError(
            f"发文字号 {filing.doc_number} 刚被同时生成的另一份材料使用，本次没有生成；请重新运行"
        )
    audit.record(
        session,
        "export-filing",
        "filing.exported",
        {
            "meeting": meeting_id,
            "stage": stage,
            "folder": str(plan.target),
            "draft": filing.draft,
            "reasons": filing.reasons,
            "files": files,
            "manifest_sha256": manifest_sha,
            "zip": make_zip,
            "final_reason": filing.options.final_reason if filing.final_despite else "",
            "committee": data.committee.code,
            "doc_year": data.today.year if number else None,
            "doc_number": number or None,
            "doc_text": filing.doc_number,
        },
        user=user,
    )
    if not filing.draft:  # the schedule's 会前备案/会后备案 is this export, on the package's date
        schedules.record_step(
            session,
            meeting_id,
            "pre-filing" if stage == PRE else "post-filing",
            data.today,
            "export-filing",
            user=user,
        )


def _photo_warnings(report: photos.PhotoReport | None) -> list[str]:
    """What the secretary is told about the ID photos after the export."""
    if report is None or not (report.missing or report.ambiguous):
        return []
    warnings = []
    if report.missing:
        names = [p.name for p in report.missing]
        shown = "、".join(names[:10]) + (" 等（全部名单见会后备案报告）" if len(names) > 10 else "")
        warnings.append(f"缺少证件照 {len(names)} 人：{shown}")
    for p, files in report.ambiguous:
        warnings.append(
            f"{p.name} 的证件照无法确定（{'、'.join(f.name for f in files)}），请手工放入"
        )
    for f in report.empty:
        warnings.append(f"证件照文件 {f.name} 是空的（0 字节），未采用；请重新提供")
    return warnings


def _exported(store: Store) -> Callable[[str], bool]:
    """Whether a package with this manifest SHA-256 was recorded as exported (finishes interrupted exports)."""

    def recorded(manifest_sha256: str) -> bool:
        from qjtitle.models import AuditEvent

        with store.transaction() as session:
            details = session.exec(
                select(AuditEvent.detail)
                .where(AuditEvent.action == "filing.exported")
                .order_by(col(AuditEvent.id).desc())
                .limit(500)
            ).all()
        return any(
            isinstance(d, dict) and d.get("manifest_sha256") == manifest_sha256 for d in details
        )

    return recorded


def _renderer(cache: dict[str, DocxRenderer], name: str, user_dir: Path | None) -> DocxRenderer:
    if name not in cache:
        cache[name] = DocxRenderer(name, user_dir)
    return cache[name]


def _write_pre(
    store: Store,
    pkg: package.PackageFolder,
    filing: Filing,
    user_dir: Path | None,
    progress: Progress | None,
) -> None:
    data = filing.data
    total = len(PRE_DOCS) - 1 + len(data.draws)
    done = 0
    renderers: dict[str, DocxRenderer] = {}
    for d in PRE_DOCS:
        if d.template == draw_record.TEMPLATE:
            for draw in data.draws:
                name = d.file.format(draw=draw["draw"])
                draw_record.render_document(store, draw["draw"], pkg.path(name), user_dir)
                pkg.add(name, f"{d.title}（第{draw['draw']}号）", d.public)
                done += 1
                if progress:
                    progress(done, total, name)
            continue
        if d.template:
            _renderer(renderers, d.template, user_dir).render(
                filing.context(d.template), pkg.path(d.file)
            )
        else:
            write_roster_xlsx(pkg.path(d.file), filing)
        pkg.add(d.file, d.title, d.public)
        done += 1
        if progress:
            progress(done, total, d.file)


def _write_post(
    pkg: package.PackageFolder, filing: Filing, user_dir: Path | None, progress: Progress | None
) -> None:
    data = filing.data
    forms = len(data.ctx.applicants) if data.ctx else 0
    report = filing.photo_report or photos.PhotoReport()
    total = (
        len(POST_DOCS) - 3 + forms + len(report.found) + len(filing.signed)
    )  # the forms, the photos and the scans counted one by one
    done = 0
    renderers: dict[str, DocxRenderer] = {}

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, what)

    for d in POST_DOCS:
        if d.template == "review_form.docx":
            renderer = _renderer(renderers, d.template, user_dir)
            width = max(3, len(str(forms)))
            for a, context in filing.review_forms():
                name = d.file.format(
                    number=f"{context['number']:0{width}d}",
                    name=safe_filename(a.name or "未填姓名", NAME_IN_FILE_BYTES),
                )
                pkg.write(name, renderer.render_bytes(context), f"{d.title}：{a.name}", d.public)
                step(name)
        elif d.file.startswith(SIGNED_FOLDER_PREFIX):
            width = max(2, len(str(len(filing.signed))))
            for i, source in enumerate(filing.signed, start=1):
                name = d.file.format(
                    name=f"{i:0{width}d}_{safe_filename(source.stem, NAME_IN_FILE_BYTES * 2)}"
                    + source.suffix.lower()
                )
                shutil.copyfile(source, pkg.path(name))
                pkg.add(name, f"{d.title}：{source.stem}", d.public)
                step(name)
        elif d.file.startswith(PHOTOS_FOLDER_PREFIX):
            people = {p["id"]: p for p in filing.passed()}
            width = max(3, len(str(len(people))))
            for key, source in report.found.items():
                p = people[key]
                name = d.file.format(
                    number=f"{p['number']:0{width}d}",
                    name=safe_filename(p["name"] or "未填姓名", NAME_IN_FILE_BYTES),
                    suffix=source.suffix.lower(),
                )
                shutil.copyfile(source, pkg.path(name))
                pkg.add(name, f"{d.title}：{p['name']}", d.public)
                step(name)
        elif d.template:
            _renderer(renderers, d.template, user_dir).render(
                filing.context(d.template), pkg.path(d.file)
            )
            pkg.add(d.file, d.title, d.public)
            step(d.file)
        else:
            write_pass_roster_xlsx(pkg.path(d.file), filing, with_id_numbers=not d.public)
            pkg.add(d.file, d.title, d.public)
            step(d.file)


def _pdfs(pkg: package.PackageFolder, soffice: str, progress: Progress | None) -> None:
    docs = [e for e in list(pkg.entries) if e.file.endswith(".docx")]
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(docs), "转换为 PDF")

    package.convert_to_pdf([pkg.root / e.file for e in docs], soffice, step)
    for e in docs:
        pdf = e.file[: -len(".docx")] + ".pdf"
        pkg.add(pdf, f"{e.title}（PDF）", e.public)
