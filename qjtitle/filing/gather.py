"""What a filing is made of: its stages and documents, the options, the store read once
(:func:`gather`), and the checks before anything is written (:func:`readiness`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import meetings, rules
from qjtitle.calendar import schedule as schedules
from qjtitle.errors import InvalidValue, NotFound, QjtitleError
from qjtitle.experts import draw_record
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.logic import tally
from qjtitle.logic.workdays import WorkCalendar
from qjtitle.meeting import proceedings
from qjtitle.meeting import results as meeting_results
from qjtitle.models import (
    Applicant,
    Committee,
    DrawRecord,
    Expert,
    ImportBatch,
    ImportUndo,
    Meeting,
    MilestoneRecord,
    Review,
    ReviewAssignment,
)
from qjtitle.store import Store

PRE, POST = "pre", "post"
STAGE_NAMES = {PRE: "会前备案", POST: "会后备案"}

AGENDA = (
    "评审专家签到，核对出席人数是否达到法定人数",
    "宣布评审纪律和回避要求",
    "评审专家按审阅安排独自审阅申报材料，填写专家评议表",
    "审阅专家介绍评议意见，评委会集体评议",
    "出席评审专家对每名申报人无记名投票表决",
    "计票、监票，宣布表决结果；出席评审专家在评审结果签字确认表上签字",
    "封存评审材料",
)
DEFAULT_METHODS = ("审阅材料",)
NOT_RECORDED = "（未录入）"


class FilingNotReady(QjtitleError):
    """The package may not be filed yet; the message lists every reason (``reasons``: as findings)."""

    def __init__(self, what: Finding | str, *also: Finding, reasons: list[Finding] | None = None):
        super().__init__(what, *also)
        self.reasons = reasons or []


@dataclass(frozen=True)
class Doc:
    """One item of a package's list, in the notice's order."""

    number: int
    title: str
    template: str  # a .docx template, or '' for a spreadsheet or a folder
    public: bool
    file: str  # the name in the package


PRE_DOCS = (
    Doc(1, "会前备案报告", "prefiling_report.docx", False, "01_会前备案报告.docx"),
    Doc(2, "资格审查结果", "eligibility_results.docx", False, "02_资格审查结果.docx"),
    Doc(3, "会前公示", "pre_publicity.docx", True, "03_会前公示.docx"),
    Doc(4, "评审方案", "meeting_plan.docx", False, "04_评审方案.docx"),
    Doc(
        5, "曲靖市专业技术人员职称申报信息表（附件2）", "", False, "05_职称申报信息表（附件2）.xlsx"
    ),
    Doc(6, "评审专家抽取记录表", draw_record.TEMPLATE, False, "06_专家抽取记录表_第{draw}号.docx"),
)
POST_DOCS = (
    Doc(1, "会后备案报告", "postfiling_report.docx", False, "01_会后备案报告.docx"),
    Doc(2, "评审结果公示", "result_publicity.docx", True, "02_评审结果公示.docx"),
    Doc(3, "结果公示情况", "publicity_account.docx", False, "03_结果公示情况.docx"),
    Doc(4, "评审情况说明", "review_account.docx", False, "04_评审情况说明.docx"),
    Doc(5, "参会评委抽取名册", "attending_experts.docx", False, "05_参会评委抽取名册.docx"),
    Doc(6, "参会评委签到表", "sign_in_sheet.docx", False, "06_参会评委签到表.docx"),
    Doc(
        7,
        "参评人员专家评议表",
        "review_form.docx",
        False,
        "07_参评人员专家评议表/{number}_{name}.docx",
    ),
    Doc(
        8,
        "评审结果签字确认表（含投票信息）",
        "result_confirmation.docx",
        False,
        "08_评审结果签字确认表.docx",
    ),
    Doc(9, "评审通过人员名册", "pass_roster.docx", True, "09_评审通过人员名册.docx"),
    Doc(9, "评审通过人员名册（电子表格）", "", True, "09_评审通过人员名册.xlsx"),
    Doc(
        9,
        "评审通过人员名册（内部，含身份证号码，供信息平台录入）",
        "",
        False,
        "09_评审通过人员名册_内部_含身份证号码.xlsx",
    ),
    Doc(10, "通过人员证件照", "", False, "10_通过人员证件照/{number}_{name}{suffix}"),
    Doc(11, "评审会议当天签字原件（扫描件）", "", False, "11_会议签字原件扫描件/{name}"),
)
PHOTOS_FOLDER_PREFIX = "10_"
SIGNED_FOLDER_PREFIX = "11_"
SCAN_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


def signed_scans(folder: Path | None) -> list[Path]:
    """The scans of the sheets signed on the meeting day (sign-in, review forms, tally), gathered from
    a folder as the ID photos are: every PDF or image in it, in name order; empty and hidden files and
    links that lead outside the folder are left out."""
    if folder is None:
        return []
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFound(
            finding(
                "filing.no_signed_folder",
                f"签字原件扫描件文件夹 {folder} 不存在",
                field="signed_dir",
                hint="指定已有的文件夹",
                folder=str(folder),
            )
        )
    root = folder.resolve()
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SCAN_SUFFIXES
        and not p.name.startswith((".", "~$"))
        and not p.is_symlink()
        and p.resolve().is_relative_to(root)
        and p.stat().st_size > 0
    )


@dataclass
class FilingOptions:
    """What the store does not know: who to contact, the methods chosen, who counts the votes."""

    contact: str = ""
    contact_phone: str = ""  # the office's phone for objections (never an applicant's)
    address: str = ""
    objection_to: str = ""  # who receives objections (default: the organizer)
    methods: tuple[str, ...] = DEFAULT_METHODS  # planned (评审方案); the meeting records those used
    counter: str = ""
    scrutineer: str = ""
    final_reason: str = (
        ""  # why an incomplete post-meeting package is final all the same (--final --reason)
    )
    publicity_where: str = ""  # where the result publicity was posted (公示情况)
    objections: str = (
        ""  # objections received during the result publicity and how they were handled
    )
    doc_code: str = ""  # 发文机关代字 of the reports' 发文字号 (default: the organizer's first two characters + 职评)

    def check(self) -> None:
        unknown = [m for m in self.methods if m not in rules.METHODS]
        if unknown:
            raise InvalidValue(
                f"评审方式 {'、'.join(unknown)} 无效；可选：{'、'.join(rules.METHODS)}（{rules.METHODS_SOURCE}）"
            )
        if not self.methods:
            raise InvalidValue(f"至少选择一种评审方式：{'、'.join(rules.METHODS)}")


# --- Gathering ----------------------------------------------------------------------------------


@dataclass
class FilingData:
    """Everything a package needs, read from the store once."""

    stage: str
    today: date
    calendar: WorkCalendar
    committee: Committee
    meeting: Meeting
    applicants: list[Applicant]  # every applicant of the committee and year, in roster order
    rejected: list[dict[str, Any]]  # rows refused at import (latest import of each file)
    schedule: schedules.Schedule
    draws: list[dict[str, Any]]  # every draw record of the meeting, oldest first (record_dict)
    experts: dict[int, Expert]  # the drawn experts, by id
    pool_size: int
    ctx: proceedings.Context | None = None  # the meeting's proceedings (None before the draw)
    load_problem: Finding | None = None  # why the proceedings could not be read
    results: dict[str, Any] | None = None
    assignment: ReviewAssignment | None = None
    reviews: dict[tuple[int, int], Review] = field(default_factory=dict)
    consent_note: str = (
        ""  # the reference of the approver's written consent (schedule record consent --note)
    )
    eligibility_on: date | None = None  # the day of the 资格审查 (schedule record eligibility)

    @cached_property
    def accepted(self) -> list[Applicant]:
        return [a for a in self.applicants if a.status == rules.STATUS_ACCEPTED]

    @property
    def standing_draw(self) -> dict[str, Any] | None:
        standing = [
            d for d in self.draws if d.get("voided_by") is None and "fills" not in d
        ]  # a fill (补抽) is listed among the draws, the draw it fills stays the standing one
        return standing[-1] if standing else None


def gather(
    store: Store,
    meeting_id: int,
    stage: str,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
) -> FilingData:
    """Read what a package of ``stage`` needs for the meeting."""
    if stage not in STAGE_NAMES:
        raise InvalidValue(f"备案阶段“{stage}”无效；应为 pre（会前备案）或 post（会后备案）")
    today = today or date.today()
    cal = calendar or WorkCalendar.load(store_dir=store.directory)
    with store.transaction() as session:
        meeting = meetings.get(session, meeting_id)
        committee = session.get(Committee, meeting.committee_id)
        assert committee is not None
        applicants = list(
            session.exec(
                select(Applicant)
                .where(
                    Applicant.committee_id == committee.id,
                    Applicant.year == meetings.evaluation_year(meeting),
                    Applicant.status != rules.STATUS_RETRACTED,  # withdrawn: not an application
                )
                .order_by(
                    col(Applicant.unit_key), col(Applicant.source_file), col(Applicant.source_row)
                )
            )
        )
        draws = [
            draw_record.record_dict(session, r)
            for r in session.exec(
                select(DrawRecord)
                .where(DrawRecord.meeting_id == meeting_id)
                .order_by(col(DrawRecord.id))
            )
        ]
        drawn = {p["id"] for d in draws for p in d["picks"]}
        experts = (
            {e.id or 0: e for e in session.exec(select(Expert).where(col(Expert.id).in_(drawn)))}
            if drawn
            else {}
        )
        pool_size = len(
            session.exec(select(Expert.id).where(Expert.committee_id == committee.id)).all()
        )
        data = FilingData(
            stage,
            today,
            cal,
            committee,
            meeting,
            applicants,
            _rejected_rows(session, committee.id or 0, meetings.evaluation_year(meeting)),
            schedules.Schedule(meetings.MeetingInfo.of(meeting, committee), today, []),
            draws,
            experts,
            pool_size,
        )
        consent = session.exec(
            select(MilestoneRecord).where(
                MilestoneRecord.meeting_id == meeting_id, MilestoneRecord.milestone == "consent"
            )
        ).first()
        data.consent_note = (
            consent.note if consent is not None and consent.first <= data.today else ""
        )
        review = session.exec(
            select(MilestoneRecord).where(
                MilestoneRecord.meeting_id == meeting_id,
                MilestoneRecord.milestone == "eligibility",
            )
        ).first()
        if review is not None and review.first <= data.today:
            data.eligibility_on = review.first
        if stage == POST:
            try:
                data.ctx = proceedings.load(session, meeting_id)
            except QjtitleError as exc:
                data.load_problem = exc.finding
            if data.ctx is not None:
                data.assignment = session.exec(
                    select(ReviewAssignment)
                    .where(ReviewAssignment.meeting_id == meeting_id)
                    .order_by(col(ReviewAssignment.id).desc())
                ).first()
                for r in session.exec(
                    select(Review).where(Review.meeting_id == meeting_id).order_by(col(Review.id))
                ):
                    data.reviews[(r.applicant_id, r.expert_id)] = r
    data.schedule = schedules.evaluate(store, meeting_id, today=today, calendar=cal, as_of=True)
    if data.ctx is not None:
        data.results = dict(meeting_results.results(store, meeting_id).as_dict())
    return data


def _rejected_rows(session: Session, committee_id: int, year: int) -> list[dict[str, Any]]:
    latest: dict[str, ImportBatch] = {}
    for batch in session.exec(
        select(ImportBatch)
        .where(ImportBatch.committee_id == committee_id, ImportBatch.year == year)
        .where(col(ImportBatch.id).notin_(select(ImportUndo.import_batch_id)))  # runs taken back
        .order_by(col(ImportBatch.id))
    ):
        latest[batch.file_name] = batch
    return [{**r, "file": batch.file_name} for batch in latest.values() for r in batch.rejected]


# --- The checks before writing ------------------------------------------------------------------


# The schedule's own "next step" clause (``；完成后请用 qjtitle schedule record … 登记``): the filing's
# finding gives its next step as data, so the quoted command is left out of the fact.
_QUOTED_COMMAND = re.compile(r"[；，]\s*[^；，。]*?请(?:先)?(?:运行|用)\s*qjtitle [^；。（]*")


def readiness(data: FilingData) -> list[Finding]:
    """Every reason the package may not be filed yet (empty when it may), each with its next step."""
    meeting = data.meeting.id
    reasons: list[Finding] = []
    for f in data.schedule.errors:
        basis = f"（{f.rule.text}，{rules.cite(f.rule.source)}）" if f.rule else ""
        fact = _QUOTED_COMMAND.sub("", f.message)
        reasons.append(
            finding(
                "filing.schedule",
                f"时间节点不符合规定：{fact}{basis}",
                step=Step.CHECK_SCHEDULE,
                hint="请核对时间节点",
                meeting=meeting,
            )
        )
    for a in data.applicants:
        if a.status == rules.STATUS_NEEDS_CORRECTION:
            deadline = (
                f"补正期限 {a.correction_deadline}" if a.correction_deadline else "尚未发出补正告知"
            )
            reasons.append(
                finding(
                    "filing.needs_correction",
                    f"申报人 {a.name}（{a.unit}）仍待补正（{deadline}，{len(a.problems)} 处问题）：改正后重新导入",
                    step=Step.EXPIRE_APPLICANTS,
                    hint="或期限过后标记为视为放弃",
                    committee=data.committee.code,
                )
            )
    if not data.accepted:
        reasons.append(finding("filing.no_accepted", "没有已受理（资格审查通过）的申报人"))
    if data.standing_draw is None:
        reasons.append(
            finding("filing.no_draw", "尚未抽取评审专家", step=Step.DRAW_EXPERTS, meeting=meeting)
        )
    if data.stage == POST:
        if data.ctx is None:
            if data.load_problem is not None:
                reasons.append(data.load_problem)
        else:
            if data.ctx.sealed is None:
                reasons.append(
                    finding(
                        "filing.not_sealed",
                        "评审会议尚未封存",
                        step=Step.SEAL_MEETING,
                        hint="核对签到、评议和表决后封存",
                        meeting=meeting,
                    )
                )
            results = data.results or {}
            quorum = results.get("quorum", {})
            if quorum and not quorum.get("met"):
                described = tally.Quorum(quorum["size"], quorum["attending"]).describe()
                reasons.append(finding("filing.quorum", described))
            reasons += [
                finding("filing.missing_review", f"评议意见缺失：{m}")
                for m in results.get("missing_reviews", [])
            ]
            for row in results.get("applicants", []):
                reasons += [
                    finding("filing.vote", f"表决：{row['name']}：{p}") for p in row["problems"]
                ]
    return [r for r in reasons if r.message]


def not_ready(data: FilingData, reasons: list[Finding]) -> FilingNotReady:
    """The refusal of a package with ``reasons``: each reason numbered, then the way to a draft."""
    numbered = [replace(r, message=f"{i}. {r.message}") for i, r in enumerate(reasons, start=1)]
    return FilingNotReady(
        finding(
            "filing.not_ready",
            f"第{data.meeting.id}号会议的{STAGE_NAMES[data.stage]}材料暂不能生成，原因如下：",
            meeting=data.meeting.id,
            stage=data.stage,
        ),
        *numbered,
        finding(
            "filing.draft_possible",
            "请解决后重新运行",
            field="force",
            hint="先生成每页标“草稿”的材料供核对",
            severity=Severity.NOTE,
        ),
        reasons=reasons,
    )
