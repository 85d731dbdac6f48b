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

import copy
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from qjtitle import committees, documents, rules
from qjtitle.calendar import schedule as schedules
from qjtitle.calendar.workdays import WorkCalendar
from qjtitle.documents import DocxRenderer, cn_date, safe_filename
from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.experts import drawing as draw_store
from qjtitle.filing import package
from qjtitle.intake import photos
from qjtitle.meeting import proceedings, tally
from qjtitle.meeting import record as meetings
from qjtitle.models import (
    Applicant,
    AuditEvent,
    Committee,
    DrawRecord,
    Expert,
    ImportBatch,
    Meeting,
    MilestoneRecord,
    Review,
    ReviewAssignment,
)
from qjtitle.privacy import mask_text
from qjtitle.store import Store, audit

PRE, POST = "pre", "post"
STAGE_NAMES = {PRE: "会前备案", POST: "会后备案"}

AGENDA = (
    "评审专家签到，核对出席人数是否达到法定人数",
    "宣布评审纪律和回避要求",
    "评审专家按审阅安排独自审阅申报材料，填写专家评议表",
    "审阅专家介绍评议意见，评委会集体评议",
    "出席评审专家对每名申报人投票表决",
    "计票、监票，宣布表决结果；出席评审专家在评审结果签字确认表上签字",
    "封存评审材料",
)
DEFAULT_METHODS = ("审阅材料",)
NOT_RECORDED = "（未录入）"


class FilingNotReady(QjtitleError):
    """The package may not be filed yet; the message lists every reason."""


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
    Doc(5, "曲靖市专业技术人员职称申报信息表（附件2）", "", False, "05_职称申报信息表（附件2）.xlsx"),
    Doc(6, "评审专家抽取记录表", draw_store.TEMPLATE, False, "06_专家抽取记录表_第{draw}号.docx"),
)
POST_DOCS = (
    Doc(1, "会后备案报告", "postfiling_report.docx", False, "01_会后备案报告.docx"),
    Doc(2, "评审结果公示", "result_publicity.docx", True, "02_评审结果公示.docx"),
    Doc(3, "结果公示情况", "publicity_account.docx", False, "03_结果公示情况.docx"),
    Doc(4, "评审情况说明", "review_account.docx", False, "04_评审情况说明.docx"),
    Doc(5, "参会评委抽取名册", "attending_experts.docx", False, "05_参会评委抽取名册.docx"),
    Doc(6, "参会评委签到表", "sign_in_sheet.docx", False, "06_参会评委签到表.docx"),
    Doc(7, "参评人员专家评议表", "review_form.docx", False, "07_参评人员专家评议表/{number}_{name}.docx"),
    Doc(8, "评审结果签字确认表（含投票信息）", "result_confirmation.docx", False, "08_评审结果签字确认表.docx"),
    Doc(9, "评审通过人员名册", "pass_roster.docx", True, "09_评审通过人员名册.docx"),
    Doc(9, "评审通过人员名册（电子表格）", "", True, "09_评审通过人员名册.xlsx"),
    Doc(9, "评审通过人员名册（内部，含身份证号码，供信息平台录入）", "", False, "09_评审通过人员名册_内部_含身份证号码.xlsx"),
    Doc(10, "通过人员证件照", "", False, "10_通过人员证件照/{number}_{name}{suffix}"),
)
PHOTOS_FOLDER_PREFIX = "10_"
FILING_TEMPLATES = tuple(dict.fromkeys(d.template for d in (*PRE_DOCS, *POST_DOCS) if d.template))


@dataclass
class FilingOptions:
    """What the store does not know: who to contact, the methods chosen, who counts the votes."""

    contact: str = ""
    contact_phone: str = ""  # the office's phone for objections (never an applicant's)
    address: str = ""
    objection_to: str = ""  # who receives objections (default: the organizer)
    methods: tuple[str, ...] = DEFAULT_METHODS
    chair: str = ""
    counter: str = ""
    scrutineer: str = ""
    final_reason: str = ""  # why an incomplete post-meeting package is final all the same (--final --reason)
    publicity_where: str = ""  # where the result publicity was posted (公示情况)
    objections: str = ""  # objections received during the result publicity and how they were handled
    doc_code: str = ""  # 发文机关代字 of the reports' 发文字号 (default: the organizer's first two characters + 职评)

    def check(self) -> None:
        unknown = [m for m in self.methods if m not in rules.METHODS]
        if unknown:
            raise InvalidValue(f"评审方式 {'、'.join(unknown)} 无效；可选：{'、'.join(rules.METHODS)}（{rules.METHODS_SOURCE}）")
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
    load_problem: str = ""
    results: dict[str, Any] | None = None
    assignment: ReviewAssignment | None = None
    reviews: dict[tuple[int, int], Review] = field(default_factory=dict)
    consent_note: str = ""  # the reference of the approver's written consent (schedule record consent --note)

    @cached_property
    def accepted(self) -> list[Applicant]:
        return [a for a in self.applicants if a.status == rules.STATUS_ACCEPTED]

    @property
    def standing_draw(self) -> dict[str, Any] | None:
        standing = [d for d in self.draws if d.get("voided_by") is None]
        return standing[-1] if standing else None


def gather(store: Store, meeting_id: int, stage: str, today: date | None = None, calendar: WorkCalendar | None = None) -> FilingData:
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
                .where(Applicant.committee_id == committee.id, Applicant.year == meetings.evaluation_year(meeting))
                .order_by(col(Applicant.unit_key), col(Applicant.source_file), col(Applicant.source_row))
            )
        )
        draws = [
            draw_store.record_dict(session, r)
            for r in session.exec(select(DrawRecord).where(DrawRecord.meeting_id == meeting_id).order_by(col(DrawRecord.id)))
        ]
        drawn = {p["id"] for d in draws for p in d["picks"]}
        experts = {e.id or 0: e for e in session.exec(select(Expert).where(col(Expert.id).in_(drawn)))} if drawn else {}
        pool_size = len(session.exec(select(Expert.id).where(Expert.committee_id == committee.id)).all())
        data = FilingData(
            stage, today, cal, committee, meeting, applicants, _rejected_rows(session, committee.id or 0, meetings.evaluation_year(meeting)),
            schedules.Schedule({}, today, []), draws, experts, pool_size,
        )
        consent = session.exec(
            select(MilestoneRecord).where(MilestoneRecord.meeting_id == meeting_id, MilestoneRecord.milestone == "consent")
        ).first()
        data.consent_note = consent.note if consent is not None and consent.first <= data.today else ""
        if stage == POST:
            try:
                data.ctx = proceedings.load(session, meeting_id)
            except QjtitleError as exc:
                data.load_problem = str(exc)
            if data.ctx is not None:
                data.assignment = session.exec(
                    select(ReviewAssignment).where(ReviewAssignment.meeting_id == meeting_id).order_by(col(ReviewAssignment.id).desc())
                ).first()
                for r in session.exec(select(Review).where(Review.meeting_id == meeting_id).order_by(col(Review.id))):
                    data.reviews[(r.applicant_id, r.expert_id)] = r
    data.schedule = schedules.evaluate(store, meeting_id, today=today, calendar=cal, as_of=True)
    if data.ctx is not None:
        data.results = proceedings.results(store, meeting_id)
    return data


def _rejected_rows(session, committee_id: int, year: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    latest: dict[str, ImportBatch] = {}
    for batch in session.exec(
        select(ImportBatch).where(ImportBatch.committee_id == committee_id, ImportBatch.year == year).order_by(col(ImportBatch.id))
    ):
        latest[batch.file_name] = batch
    return [
        {**r, "file": batch.file_name}
        for batch in latest.values()
        for r in batch.rejected
    ]


# --- The checks before writing ------------------------------------------------------------------


def readiness(data: FilingData) -> list[str]:
    """Every reason the package may not be filed yet (empty when it may)."""
    reasons = []
    for f in data.schedule.errors:
        basis = f"（{f.rule.text}，{rules.cite(f.rule.source)}）" if f.rule else ""
        reasons.append(f"时间节点不符合规定：{f.message}{basis}；核对：qjtitle schedule check {data.meeting.id}")
    for a in data.applicants:
        if a.status == rules.STATUS_NEEDS_CORRECTION:
            deadline = f"补正期限 {a.correction_deadline}" if a.correction_deadline else "尚未发出补正告知"
            reasons.append(
                f"申报人 {a.name}（{a.unit}）仍待补正（{deadline}，{len(a.problems)} 处问题）：改正后重新导入，"
                "或期限过后运行 qjtitle applicants expire 标记为视为放弃"
            )
    if not data.accepted:
        reasons.append("没有已受理（资格审查通过）的申报人")
    if data.standing_draw is None:
        reasons.append(f"尚未抽取评审专家；请运行 qjtitle draw-experts {data.meeting.id} …")
    if data.stage == POST:
        if data.ctx is None:
            reasons.append(data.load_problem)
        else:
            if data.ctx.sealed is None:
                reasons.append(f"评审会议尚未封存：核对签到、评议和表决后运行 qjtitle meeting seal {data.meeting.id}")
            results = data.results or {}
            quorum = results.get("quorum", {})
            if quorum and not quorum.get("met"):
                reasons.append(tally.Quorum(quorum["size"], quorum["attending"]).describe())
            reasons += [f"评议意见缺失：{m}" for m in results.get("missing_reviews", [])]
            for row in results.get("applicants", []):
                reasons += [f"表决：{row['name']}：{p}" for p in row["problems"]]
    return [r for r in reasons if r]


def incomplete(filing: Filing) -> list[str]:
    """What a post-meeting package lacks although it may be filed: the package is a draft unless the
    secretary records why it is final all the same (``--final --reason``)."""
    if filing.data.stage != POST:
        return []
    reasons = []
    report = filing.photo_report or photos.PhotoReport()
    if report.missing:
        names = [p.name for p in report.missing]
        reasons.append(f"缺少 {len(names)} 名通过人员的证件照：{'、'.join(names)}")
    for person, files in report.ambiguous:
        reasons.append(f"{person.name} 的证件照无法确定（{len(files)} 个文件均可能是其本人），须人工核对后放入")
    if not filing.options.publicity_where or not filing.options.objections:
        reasons.append("未说明结果公示的发布范围和公示期间收到的异议及处理情况（公示情况）")
    return reasons


# --- Contexts -------------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"(?<![0-9])(\d{4})-(\d{2})-(\d{2})(?:（[一二三四五六日]）)?")
_COMMAND = re.compile(r"[；，]?\s*(?:核对：|请|或)?(?:运行|用)?\s*qjtitle [^；。\n]*")


_SOURCE = re.compile(
    r"40号令（二手资料）|40号令|通知 [一二三四五六七八九十]+(?:（[一二三四五六七八九十]+）)?|民法典 第[一二三四五六七八九十百千零]+条|实践（[^）]*）"
)


def _quorum_text(quorum: tally.Quorum) -> str:
    return f"评委会{quorum.size}人，出席{quorum.attending}人，至少需{quorum.needed}人：{'达到' if quorum.met else '未达到'}法定人数"


def plain_dates(text: str) -> str:
    """ISO dates in a message (2023-11-13 or 2023-11-13（一）) in Chinese form (2023年11月13日)."""
    return _ISO_DAY.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)


def plain_reason(text: str) -> str:
    """A message as a signed (or draft) document may show it: no command names, Chinese dates."""
    text = _SOURCE.sub(lambda m: rules.cite(m.group()), _COMMAND.sub("", text))
    return plain_dates(text).strip("；， ")


_TECHNICAL = re.compile(r"Excel|WPS|[0-9]\.[0-9]+E\+[0-9]+|\.(?:xlsx|xls|csv|et)\b|单元格|[A-Z]{1,2}[0-9]+\b", re.IGNORECASE)
_FILE_REF = re.compile(r"[^，；、（）\s与]+\.(?:xlsx|xls|csv|et)(?:（[^）]*）)?(?:第[0-9]+行)?", re.IGNORECASE)
PROBLEM_WORDS = {  # a problem of the import as the eligibility results state it, by kind
    "重复申报": "本年度重复申报", "必填项为空": "“{column}”未填写", "与身份证不符": "“{column}”与身份证号码不符",
    "身份证号码": "身份证号码有误或不完整", "联系电话": "联系电话有误", "日期": "“{column}”填写有误，无法确定日期",
}


def plain_problem(problem: dict[str, Any], secrets: tuple[str, ...] = ()) -> str:
    """A problem found at import in the words of a signed document: its own message when that is plain,
    else what kind of problem it is (never spreadsheet terms, cell names or file names)."""
    message = str(problem.get("message", ""))
    if message and not _TECHNICAL.search(message):
        return plain_dates(mask_text(message, secrets))
    column = str(problem.get("column", "")) or "申报信息"
    return PROBLEM_WORDS.get(str(problem.get("kind", "")), "“{column}”填写有误").format(column=column)


def plain_rejection(reason: str) -> str:
    """Why a row was not accepted, without file names, rows or notes on the rule (the first clause)."""
    first = reason.split("；")[0]
    return plain_dates(mask_text(_FILE_REF.sub("其他单位报送的申报", first)))


def _local_day(stamp: Any) -> date | None:
    """The local calendar day of a stored time (ISO text or datetime; naive means UTC)."""
    from datetime import UTC, datetime

    if not stamp:
        return None
    moment = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().date()


def _date_range(first: date | None, last: date | None) -> str:
    if first is None:
        return "（未定）"
    if last is None or last == first:
        return cn_date(first)
    return f"{cn_date(first)}至{cn_date(last)}"


def _basis(rule: rules.Rule | None) -> str:
    return rules.cite(rule.source, short=True) if rule else "—"


def _rule(rule: rules.Rule, short: bool = False) -> dict[str, Any]:
    """A rule as documents cite it: what it says and the document it comes from, by name (``short``: 《通知》,
    in a document that names the notice in full first)."""
    return {"text": rule.text, "source": rules.cite(rule.source, short), "value": int(rule.value) if rule.unit else rule.value}


CITATION_NOTE = f"注：{rules.SHORT_NAMES['通知']}指{rules.DOCUMENT_NAMES['通知']}。"
STATUS_WORDS = {  # a milestone's status as of a document's date, in the words of a filing report
    schedules.DONE: "已完成", schedules.STARTED: "进行中", schedules.PROBLEM: "已完成（有疑问）",
    schedules.TODO: "计划", schedules.SOON: "计划", schedules.WAITING: "计划", schedules.OVERDUE: "逾期未办",
    "待召开": "计划召开", "进行中": "正在召开", "已召开": "已召开",
}


def _abstain_text(row: dict[str, Any]) -> Any:
    """The 弃权 cell; invalid ballots (废票, counted as not agreeing) are shown beside it until the
    templates get a column of their own."""
    abstain = row.get("abstain", "—")
    return f"{abstain}（另废票 {row['invalid']}）" if row.get("invalid") else abstain


@dataclass
class Filing:
    """The documents of one package, as template contexts."""

    data: FilingData
    options: FilingOptions
    draft: bool = False
    reasons: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # the package's list (report annex)
    photo_report: photos.PhotoReport | None = None
    final_despite: list[str] = field(default_factory=list)  # what is missing from a package made final with a reason
    doc_number: str = ""  # the report's 发文字号 (a final package only), e.g. 曲卫职评〔2023〕3号
    audit_head: dict[str, Any] | None = None  # the audit chain's end at export (manifest.json: audit_head)

    # -- shared --

    def _audit_fact(self) -> list[tuple[str, str]]:
        h = self.audit_head
        if not h:
            return []
        text = (f"本材料生成时工作记录共 {h['events']} 条，末条记录校验码前16位为 {h['hash'][:16]}"
                "（完整校验码附在材料清单中，可据以核对此后的记录未被删改）")
        return [("工作记录", text)]

    def common(self) -> dict[str, Any]:
        c, m = self.data.committee, self.data.meeting
        last = meetings.last_day(m)
        return {
            "draft": self.draft,
            "committee": committees.as_dict(c),
            "meeting": {
                "id": m.id, "date": cn_date(m.date), "end_date": cn_date(m.end_date), "place": m.place or "（未定）",
                "size": m.size, "dates": _date_range(m.date, last),
            },
            "year": meetings.evaluation_year(m),
            "issued": cn_date(self.data.today),
            "organizer": c.organizer or c.name,
            "contact": self.options.contact or "＿＿＿＿",
            "contact_phone": self.options.contact_phone,
            "address": self.options.address,
            "objection_to": self.options.objection_to or c.organizer or c.name,
            "files": self.attachments(),
            "findings": [plain_reason(f.message) for f in self.data.schedule.warnings],
            "draft_reasons": [plain_reason(r) for r in self.reasons] if self.draft else [],
            "final_note": (
                {"items": [plain_reason(r) for r in self.final_despite], "reason": self.options.final_reason}
                if self.final_despite and not self.draft else None
            ),
            "citation_note": CITATION_NOTE,
            "doc_number": self.doc_number,
        }

    def attachments(self) -> list[dict[str, Any]]:
        """The report's attachments: every other item of the package by title, numbered from 1."""
        by_number: dict[int, str] = {}
        for f in self.files:
            if f["number"] != 1:
                by_number.setdefault(f["number"], f["title"])
        return [{"number": i, "title": t} for i, t in enumerate(by_number.values(), start=1)]

    def milestones(self, with_actual: bool = True) -> list[dict[str, Any]]:
        """The milestones as of the document's date: what was done by then, the rest as planned;
        the package's own filing step is "本次报送"."""
        own = "pre-filing" if self.data.stage == PRE else "post-filing"
        rows = []
        for it in self.data.schedule.items:
            status = STATUS_WORDS.get(it.status, it.status)
            actual = _date_range(it.actual_first, it.actual_last) if it.actual_first else ""
            if it.actual_first and it.actual_last is None and schedules.MILESTONES[it.key].kind == schedules.WINDOW:
                actual = f"{cn_date(it.actual_first)}起"
            if it.key == own:
                status, actual = "本次报送", cn_date(self.data.today)
            rows.append({"label": it.label, "when": self._when(it), "actual": actual or ("—" if with_actual else ""),
                         "basis": _basis(it.rule), "status": status})
        return rows

    @staticmethod
    def _when(it: schedules.Item) -> str:
        """A milestone's window or deadline in Chinese dates."""
        if it.kind == schedules.LATEST and it.latest:
            return f"不晚于{cn_date(it.latest)}"
        if it.kind == schedules.RANGE and it.latest:
            return f"{cn_date(it.earliest)}至{cn_date(it.latest)}" if it.earliest else f"不晚于{cn_date(it.latest)}"
        if it.kind in (schedules.SPAN, schedules.DAY) and it.earliest:
            return _date_range(it.earliest, it.latest)
        return plain_dates(it.note)

    def _item(self, key: str) -> schedules.Item | None:
        return next((it for it in self.data.schedule.items if it.key == key), None)

    def period(self, key: str) -> dict[str, Any]:
        """A publicity's dates: as recorded, else as planned."""
        it = self._item(key)
        first = last = None
        if it is not None:
            first, last = (it.actual_first, it.actual_last) if it.actual_first else (it.earliest, it.latest)
        need = int(rules.PUBLICITY_MIN.value)
        if first is not None and last is None:
            last = self.data.calendar.span_end(first, need)
        days = self.data.calendar.count(first, last) if first and last else need
        # a publicity is issued on (or before) its first day, never after it
        issued = min(first, self.data.today) if first else self.data.today
        return {"first": cn_date(first), "last": cn_date(last), "text": _date_range(first, last), "workdays": days,
                "rule": rules.PUBLICITY_MIN.text, "source": rules.cite(rules.PUBLICITY_MIN.source), "issued": cn_date(issued),
                "issued_on": issued}

    def _quorum(self) -> tally.Quorum:
        attending = len(self.data.ctx.attending) if self.data.ctx else 0
        return tally.Quorum(self.data.meeting.size, attending)

    def _vote_rule(self) -> dict[str, str]:
        return {
            "text": rules.PASS_THRESHOLD.text,
            "source": rules.cite(rules.PASS_THRESHOLD.source),
            "denominator": plain_reason(tally.DENOMINATORS.get(self.data.committee.vote_denominator, "")),
        }

    def _draw_summary(self, d: dict[str, Any]) -> dict[str, Any]:
        members = sum(1 for p in d["picks"] if p["role"] == "member")
        alternates = len(d["picks"]) - members
        status = f"已被第{d['voided_by']}号作废" if d.get("voided_by") else ("重新抽取，作废第{}号：{}".format(d["voids"], d["void_reason"]) if d.get("voids") else "")
        return {
            "number": d["draw"],
            "drawn_on": cn_date(date.fromisoformat(d["drawn_on"])),
            "summary": f"符合条件专家 {d['eligible_count']} 人，抽取委员 {members} 人、备选 {alternates} 人；"
            f"抽取人员 {'、'.join(d['drawers'])}，监督人员 {'、'.join(d['supervisors'])}",
            "status": status,
        }

    # -- pre-meeting --

    def counts(self) -> dict[str, int]:
        by = Counter(a.status for a in self.data.applicants)
        rejected = len(self.data.rejected)
        return {
            "received": len(self.data.applicants) + rejected,
            "passed": by[rules.STATUS_ACCEPTED],
            "returned": by[rules.STATUS_NEEDS_CORRECTION] + by[rules.STATUS_WITHDRAWN] + rejected,
            "pending": by[rules.STATUS_NEEDS_CORRECTION],
            "withdrawn": by[rules.STATUS_WITHDRAWN],
            "rejected": rejected,
        }

    def prefiling_report(self) -> dict[str, Any]:
        c, m, n = self.data.committee, self.data.meeting, self.counts()
        draw = self.data.standing_draw
        quorum = tally.Quorum(m.size, 0)
        pre = self.period("pre-publicity")
        facts = [
            ("评委会", f"{c.name}（{c.code}）"),
            ("级别、系列", f"{c.level}，{c.series}系列"),
            ("评审专业", "、".join(c.specialties) or "—"),
            ("组建单位", c.organizer or "—"),
            ("核准组建部门", c.approver or "—"),
            ("评审会议", f"{_date_range(m.date, meetings.last_day(m))}，{m.place or '（地点未定）'}"),
            ("评委会人数", f"{m.size} 人；出席不少于 {quorum.needed} 人"),
            ("申报人数", f"收到 {n['received']} 人：资格审查通过 {n['passed']} 人，退回 {n['returned']} 人"),
            ("会前公示", f"{pre['text']}（{pre['workdays']}个工作日）"),
            ("专家库", f"{self.data.pool_size} 人" + (f"，{cn_date(c.pool_filed)}备案" if c.pool_filed else "")),
        ]
        if draw is not None:
            members = sum(1 for p in draw["picks"] if p["role"] == "member")
            drawn = (
                f"第{draw['draw']}号：{cn_date(date.fromisoformat(draw['drawn_on']))}，符合条件 {draw['eligible_count']} 人，"
                f"抽取委员 {members} 人、备选 {len(draw['picks']) - members} 人"
            )
            facts.append(("专家抽取", drawn))
        facts += self._audit_fact()
        return {
            **self.common(),
            "pre_rule": _rule(rules.PRE_FILING_BEFORE_MEETING),
            "facts": [{"label": k, "value": v} for k, v in facts],
            "milestones": self.milestones(),
            "draws": [self._draw_summary(d) for d in self.data.draws],
        }

    def eligibility_results(self) -> dict[str, Any]:
        rows = []
        for a in self.data.applicants:
            if a.status == rules.STATUS_ACCEPTED:
                result, reason = "通过", ""
            else:
                problems = "；".join(dict.fromkeys(plain_problem(p, (a.id_number, a.phone)) for p in a.problems))
                if a.status == rules.STATUS_WITHDRAWN:
                    result = "退回（视为放弃）"
                    due = f"（补正期限{cn_date(a.correction_deadline)}）" if a.correction_deadline else ""
                    reason = f"逾期未补正{due}：{problems}" if problems else f"逾期未补正{due}"
                else:
                    result, reason = "待补正", problems
            rows.append({"name": mask_text(a.name), "unit": mask_text(a.unit), "specialty": a.specialty, "title": a.title_name,
                         "result": result, "reason": reason})
        for r in self.data.rejected:
            rows.append({"name": mask_text(r.get("name", "")), "unit": mask_text(r.get("unit", "")), "specialty": "",
                         "title": "", "result": "未予受理",
                         "reason": mask_text(plain_rejection(str(r.get("reason", ""))))})
        for i, row in enumerate(rows, start=1):
            row["number"] = i
        return {
            **self.common(),
            "summary": self.counts(),
            "rows": rows,
            "correction_rule": {"text": "对不符合规定条件的申报材料，应当一次性告知需要补充更正的全部内容，逾期未补正的，视为放弃",
                                "source": rules.cite(rules.CORRECTION_DEFAULT.source)},
        }

    @staticmethod
    def _public_person(number: int, a: Applicant | dict[str, Any]) -> dict[str, Any]:
        """Name, unit, series/specialty and title only: what a public notice may show."""
        get = (lambda k: a.get(k, "")) if isinstance(a, dict) else (lambda k: getattr(a, k))
        return {"number": number, "name": mask_text(get("name")), "unit": mask_text(get("unit")), "series": get("series"),
                "specialty": get("specialty"), "title": get("title_name")}

    def pre_publicity(self) -> dict[str, Any]:
        return {
            **self.common(),
            "people": [self._public_person(i, a) for i, a in enumerate(self.data.accepted, start=1)],
            "period": self.period("pre-publicity"),
        }

    def meeting_plan(self) -> dict[str, Any]:
        m = self.data.meeting
        by_specialty = Counter(a.specialty for a in self.data.accepted)
        draw = self.data.standing_draw
        if draw is None:
            text = "评审专家尚未抽取。"
        else:
            params = draw["params"]
            quotas = "、".join(f"{s} {n} 人" for s, n in params.get("quotas", {}).items())
            scope = "、".join(params.get("specialties") or [])
            text = (
                f"已于{cn_date(date.fromisoformat(draw['drawn_on']))}抽取委员 {params['members']} 人"
                + (f"（{quotas}）" if quotas else "")
                + (f"，专业范围：{scope}" if scope else "")
                + f"；另抽取备选专家 {params['alternates']} 人，委员谢绝参会时按抽取顺序递补。"
            )
        per = self.data.assignment.per_applicant if self.data.assignment else int(rules.REVIEWERS_MIN.value)
        planned = [it for it in self.milestones(with_actual=False)]
        return {
            **self.common(),
            "applicants_total": len(self.data.accepted),
            "by_specialty": [{"specialty": s or "（未填写）", "count": n} for s, n in sorted(by_specialty.items())],
            "composition": {"size": m.size, "quorum_needed": tally.Quorum(m.size, 0).needed, "text": text},
            "basis": f"{rules.DOCUMENT_NAMES['通知']}（以下简称{rules.SHORT_NAMES['通知']}）和{rules.DOCUMENT_NAMES['40号令']}",
            "odd_rule": _rule(rules.COMMITTEE_SIZE_ODD, short=True),
            "drawers_rule": _rule(rules.DRAWERS, short=True),
            "quorum_rule": _rule(rules.QUORUM, short=True),
            "methods": list(self.options.methods),
            "methods_source": rules.cite(rules.METHODS_SOURCE, short=True),
            "reviewers": {"per_applicant": max(per, int(rules.REVIEWERS_MIN.value)), "text": rules.REVIEWERS_MIN.text,
                          "source": rules.cite(rules.REVIEWERS_MIN.source, short=True)},
            "vote": {**self._vote_rule(), "source": rules.cite(rules.PASS_THRESHOLD.source, short=True)},
            "milestones": planned,
            "agenda": list(AGENDA),
        }

    def roster_rows(self) -> list[dict[str, Any]]:
        """The 附件2 rows of the applicants who go to the meeting, renumbered."""
        from qjtitle.intake.roster import COLUMNS

        return [{**{c.key: getattr(a, c.key) for c in COLUMNS}, "seq": i} for i, a in enumerate(self.data.accepted, start=1)]

    # -- post-meeting --

    def result_rows(self) -> list[dict[str, Any]]:
        return list((self.data.results or {}).get("applicants", []))

    def passed(self) -> list[dict[str, Any]]:
        """The people who passed, public fields only, numbered."""
        by_id = {a.id: a for a in self.data.accepted}
        out = []
        for row in self.result_rows():
            if row["result"] == "通过" and row["id"] in by_id:
                out.append(self._public_person(len(out) + 1, by_id[row["id"]]))
                out[-1]["id"] = row["id"]
        return out

    def postfiling_report(self) -> dict[str, Any]:
        c, m = self.data.committee, self.data.meeting
        results = self.data.results or {}
        quorum = self._quorum()
        result_pub = self.period("result-publicity")
        rate = results.get("pass_rate", 0.0)
        sealed = _local_day(results.get("sealed_at"))
        facts = [
            ("评委会", f"{c.name}（{c.code}）"),
            ("评审会议", f"{_date_range(m.date, meetings.last_day(m))}，{m.place or '（地点未定）'}"),
            ("出席情况", _quorum_text(quorum)),
            ("评审结果", f"评审 {results.get('voted', 0)} 人，通过 {results.get('passed', 0)} 人，通过率 {rate:.1%}"),
            ("表决规则", f"{rules.PASS_THRESHOLD.text}；{plain_reason(results.get('denominator_text', ''))}"),
            ("结果公示", f"{result_pub['text']}（{result_pub['workdays']}个工作日）"),
            ("核准部门同意召开", self.consent()["text"]),
            ("评审材料", "已封存" + (f"（{cn_date(sealed)}）" if sealed and sealed <= self.data.today else "") if sealed else "未封存"),
        ]
        if self.data.assignment is not None:
            facts.append(("审阅安排", f"每人由 {self.data.assignment.per_applicant} 名专家独自审阅，审阅专家随机分配"))
        facts += self._audit_fact()
        report = self.photo_report or photos.PhotoReport()
        return {
            **self.common(),
            "findings": [plain_reason(f.message) for f in self.data.schedule.warnings]
            + [plain_reason(w) for w in results.get("warnings", [])],
            "post_rule": _rule(rules.POST_FILING_AFTER_MEETING),
            "summary": {"voted": results.get("voted", 0), "passed": results.get("passed", 0)},
            "facts": [{"label": k, "value": v} for k, v in facts],
            "milestones": self.milestones(),
            "after_seal": self.after_seal(),
            "photos": {
                "found": len(report.found),
                "missing": [p.name for p in report.missing],
                "ambiguous": [p.name for p, _files in report.ambiguous],
            },
        }

    def after_seal(self) -> list[dict[str, Any]]:
        return [
            {**e, "recorded_at": cn_date(_local_day(e["recorded_at"]))}
            for e in (self.data.results or {}).get("after_seal", [])
        ]

    def consent(self) -> dict[str, Any]:
        """The approver's written consent to hold the meeting: its date and reference, as recorded."""
        it = self._item("consent")
        day = it.actual_first if it is not None else None
        ref = self.data.consent_note
        if day is None:
            return {"date": "", "reference": ref, "text": "（未登记）"}
        return {"date": cn_date(day), "reference": ref, "text": f"{cn_date(day)}" + (f"，{ref}" if ref else "")}

    def publicity_account(self) -> dict[str, Any]:
        """结果公示情况: where and when the result was posted, objections received and how they were handled."""
        period = self.period("result-publicity")
        return {
            **self.common(),
            "period": period,
            "people": len(self.passed()),
            "where": self.options.publicity_where or NOT_RECORDED,
            "objections": self.options.objections or NOT_RECORDED,
        }

    def review_account(self) -> dict[str, Any]:
        """评审情况说明: attendance, absences, substitutions, recusals, votes, pass rate, corrections after the seal."""
        ctx = self.data.ctx
        results = self.data.results or {}
        quorum = self._quorum()
        draw = self.data.standing_draw or {}
        names = {p["id"]: p["name"] for p in draw.get("picks", [])}
        substitutions = [
            f"第{r['member_position']}位委员{names.get(r['out'], '')}不能参会"
            + (f"（{r['reason']}）" if r["reason"] else "")
            + f"，由第{r['alternate_position']}位备选专家{names.get(r['in'], '')}递补"
            for r in draw.get("replacements", [])
        ]
        absent = [e.name for eid, e in self._panel_rows() if ctx is not None and eid not in set(ctx.attending)]
        recusals = []
        if ctx is not None:
            for a in ctx.applicants:
                for eid, reason in ctx.recused.get(a.id or 0, {}).items():
                    if eid in ctx.attending:
                        why = re.sub(r"^声明回避（(.*)）$", r"\1", reason)
                        recusals.append(f"{ctx.expert_name(eid)}对申报人{a.name}回避（{why}），未审阅、未表决")
        rate = results.get("pass_rate", 0.0)
        cap = self.data.committee.pass_rate_cap
        rows = self.result_rows()
        failed = [r["name"] for r in rows if r.get("result") == "未通过"]
        return {
            **self.common(),
            "attendance": _quorum_text(quorum),
            "absent": absent,
            "substitutions": substitutions,
            "recusals": recusals,
            "per_applicant": self.data.assignment.per_applicant if self.data.assignment else int(rules.REVIEWERS_MIN.value),
            "methods": list(self.options.methods),
            "voted": results.get("voted", 0),
            "passed": results.get("passed", 0),
            "failed": failed,
            "rate": f"{rate:.1%}",
            "cap": (f"评委会设定的通过率上限为{cap:.0%}，" + ("本次未超过上限" if rate <= cap else "本次超过上限，已在报告中说明"))
            if cap is not None else "评委会未设定通过率上限",
            "vote": self._vote_rule(),
            "after_seal": self.after_seal(),
        }

    def result_publicity(self) -> dict[str, Any]:
        return {**self.common(), "people": self.passed(), "period": self.period("result-publicity")}

    def _panel_rows(self) -> list[tuple[int, Expert]]:
        """The seated members who accepted (and any attending expert), in draw position order."""
        ctx = self.data.ctx
        if ctx is None:
            return []
        positions: dict[int, int] = {}
        draw = self.data.standing_draw
        if draw is not None:
            for p in draw["picks"]:
                positions[p["id"]] = p["position"]
        return sorted(ctx.panel.items(), key=lambda kv: (positions.get(kv[0], 10**6), kv[0]))

    def attending_experts(self) -> dict[str, Any]:
        ctx = self.data.ctx
        draw = self.data.standing_draw or {"draw": "—", "drawn_on": None, "seed": "—", "record_sha256": "—", "replacements": []}
        replaced_in = {r["in"]: r for r in draw.get("replacements", [])}
        attending = set(ctx.attending) if ctx else set()
        rows = []
        for eid, e in self._panel_rows():
            if eid not in attending:
                continue
            r = replaced_in.get(eid)
            role = f"备选递补（第{r['alternate_position']}位，替补第{r['member_position']}位委员）" if r else "委员"
            rows.append({"number": len(rows) + 1, "name": e.name, "gender": e.gender, "unit": e.unit, "title": e.title,
                         "specialty": e.specialty, "role": role})
        drawn_on = cn_date(date.fromisoformat(draw["drawn_on"])) if draw.get("drawn_on") else "—"
        return {
            **self.common(),
            "draw": {"number": draw["draw"], "drawn_on": drawn_on, "seed": draw["seed"], "fingerprint": draw["record_sha256"],
                     "drawers": "、".join(draw.get("drawers", [])), "supervisors": "、".join(draw.get("supervisors", []))},
            "size": self.data.meeting.size,
            "experts": rows,
        }

    def sign_in_sheet(self) -> dict[str, Any]:
        ctx = self.data.ctx
        attending = set(ctx.attending) if ctx else set()
        rows = [
            {"number": i, "name": e.name, "unit": e.unit, "title": e.title, "specialty": e.specialty,
             "present": "出席" if eid in attending else "缺席"}
            for i, (eid, e) in enumerate(self._panel_rows(), start=1)
        ]
        quorum = self._quorum()
        return {**self.common(), "experts": rows, "size": quorum.size, "attending": quorum.attending,
                "quorum_text": _quorum_text(quorum)}

    def review_forms(self) -> Iterator[tuple[Applicant, dict[str, Any]]]:
        """One context per applicant who went to the meeting, in the meeting's order."""
        ctx = self.data.ctx
        if ctx is None:
            return
        common = self.common()
        assigned = {int(k): v for k, v in (self.data.assignment.reviewers if self.data.assignment else {}).items()}
        votes = {r["id"]: r for r in self.result_rows()}
        rule = rules.REVIEWERS_MIN.text
        attending = len(ctx.attending)
        for number, a in enumerate(ctx.applicants, start=1):
            aid = a.id or 0
            reviews = []
            for i, eid in enumerate(assigned.get(aid, []), start=1):
                r = self.data.reviews.get((aid, eid))
                reviews.append({"number": i, "expert": ctx.expert_name(eid),
                                "opinion": r.opinion if r else NOT_RECORDED, "recommendation": r.recommendation if r else "—"})
            v = votes.get(aid, {})
            facts = [
                ("姓名", a.name), ("性别", a.gender), ("出生年月", f"{a.birth.year}年{a.birth.month}月" if a.birth else ""),
                ("工作单位", a.unit), ("学历", "，".join(x for x in (a.education, a.school, a.major) if x)),
                ("参加工作时间", f"{a.work_start.year}年{a.work_start.month}月" if a.work_start else ""),
                ("现专业技术职务", f"{a.current_title or '无'}" + (f"（{a.current_title_date.year}年{a.current_title_date.month}月取得，任现职 {a.years_in_title} 年）" if a.current_title_date else "")),
                ("申报系列、专业", f"{a.series}系列，{a.specialty}"),
                ("申报资格", f"{a.title_name}（{a.level}，{a.route}）"),
            ]
            yield a, {
                **common,
                "number": number,
                "applicant": [{"label": k, "value": val} for k, val in facts],
                "reviews": reviews,
                "reviewer_rule": rule,
                "vote": {
                    "attending": attending, "agree": v.get("agree", "—"), "disagree": v.get("disagree", "—"),
                    "abstain": _abstain_text(v), "invalid": v.get("invalid", 0), "result": v.get("result", "未投票"),
                },
            }

    def result_confirmation(self) -> dict[str, Any]:
        ctx = self.data.ctx
        quorum = self._quorum()
        rows = []
        for i, r in enumerate(self.result_rows(), start=1):
            voted = r.get("voted", False)
            rows.append({
                "number": i, "name": r["name"], "unit": r["unit"], "title": r["title"], "attending": quorum.attending,
                "recused": r.get("recused", 0) if voted else "—", "agree": r.get("agree", "—"),
                "disagree": r.get("disagree", "—"), "abstain": _abstain_text(r), "needed": r.get("needed", "—"),
                "invalid": r.get("invalid", 0),
                "result": r["result"],
            })
        passed = sum(1 for r in rows if r["result"] == "通过")
        blank = "＿＿＿＿＿＿"
        return {
            **self.common(),
            "size": quorum.size,
            "attending": quorum.attending,
            "quorum_text": _quorum_text(quorum),
            "vote": self._vote_rule(),
            "rows": rows,
            "passed": passed,
            "failed": len(rows) - passed,
            "counter": self.options.counter or blank,
            "scrutineer": self.options.scrutineer or blank,
            "chair": self.options.chair or blank,
            "experts": [ctx.expert_name(e) for e in ctx.attending] if ctx else [],
        }

    def pass_roster(self) -> dict[str, Any]:
        return {**self.common(), "people": self.passed()}

    def context(self, template: str) -> dict[str, Any]:
        builders: dict[str, Callable[[], dict[str, Any]]] = {
            "prefiling_report.docx": self.prefiling_report,
            "eligibility_results.docx": self.eligibility_results,
            "pre_publicity.docx": self.pre_publicity,
            "meeting_plan.docx": self.meeting_plan,
            "postfiling_report.docx": self.postfiling_report,
            "result_publicity.docx": self.result_publicity,
            "attending_experts.docx": self.attending_experts,
            "sign_in_sheet.docx": self.sign_in_sheet,
            "result_confirmation.docx": self.result_confirmation,
            "pass_roster.docx": self.pass_roster,
            "publicity_account.docx": self.publicity_account,
            "review_account.docx": self.review_account,
        }
        return builders[template]()


# --- Spreadsheets ---------------------------------------------------------------------------------


def write_pass_roster_xlsx(path: Path, filing: Filing, with_id_numbers: bool = False) -> None:
    """The pass roster as a workbook: public fields only, formula-like text kept as text; ``with_id_numbers``:
    the internal copy for entry on the province's platform (身份证号码 added, marked 内部资料)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    from qjtitle.spreadsheets import set_cell

    ctx = filing.pass_roster()
    numbers = {a.id: a.id_number for a in filing.data.accepted}
    columns = [("number", "序号", 6), ("name", "姓名", 12), ("unit", "工作单位", 34), ("series", "系列", 10),
               ("specialty", "专业", 16), ("title", "评审通过资格", 16)]
    if with_id_numbers:
        columns.insert(2, ("id_number", "身份证号码", 22))
    last = "ABCDEFG"[len(columns) - 1]
    wb = Workbook()
    ws = wb.active
    ws.title = "评审通过人员名册"
    heading = f"{'【草稿】' if filing.draft else ''}{ctx['committee']['name']}{ctx['year']}年度评审通过人员名册" + (
        "（内部，供信息平台录入）" if with_id_numbers else "")
    set_cell(ws.cell(row=1, column=1), heading)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name="方正小标宋简体", size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    set_cell(ws.cell(row=2, column=1), f"评审会议：{ctx['meeting']['dates']}　通过 {len(ctx['people'])} 人")
    ws.merge_cells(f"A2:{last}2")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, (_key, h, _width) in enumerate(columns, start=1):
        cell = ws.cell(row=3, column=i, value=h)
        cell.font = Font(name="黑体", bold=True)
        cell.border = border
    for r, p in enumerate(ctx["people"], start=4):
        values = {**p, "id_number": numbers.get(p["id"], "")}
        for c, (key, _h, _width) in enumerate(columns, start=1):
            set_cell(ws.cell(row=r, column=c), values[key])
            ws.cell(row=r, column=c).border = border
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

    title = f"【草稿】{ROSTER_TITLE}" if filing.draft else ROSTER_TITLE
    rows = filing.roster_rows()
    write_roster_workbook(path, rows, title=title)
    wb = load_workbook(path)
    for ws in list(wb.worksheets)[1:]:
        wb.remove(ws)  # the instructions sheet (with its sample ID number) is for units filling the form, not for filing
    main = wb.worksheets[0]
    main.title = "全部申报人"
    first_row = 4  # below the title, the signature line and the header (roster.write_roster_workbook)
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
        ws["A2"] = f"填报单位（盖章）：{unit}          单位分管领导（签字）：                    日期：      年   月   日"
    package.mark_sheets(wb, draft=filing.draft, confidential=True)
    wb.save(path)


# --- 发文字号 ------------------------------------------------------------------------------------------


def doc_code(options: FilingOptions, committee: Committee) -> str:
    return options.doc_code.strip() or f"{(committee.organizer or committee.name)[:2]}职评"


def document_number(session, committee: Committee, meeting_id: int, stage: str, year: int) -> tuple[int, bool]:  # type: ignore[no-untyped-def]
    """The number of a report's 发文字号 (〔year〕N号, numbered per committee and year of issue): the one a
    final export of the same meeting and stage already used, else the next free one. Kept in the audit
    log's export events, so that the numbers are append-only like the rest of the record."""
    taken = set()
    for e in session.exec(select(AuditEvent).where(AuditEvent.action == "filing.exported").order_by(col(AuditEvent.id))):
        d = e.detail
        if not d.get("doc_number") or d.get("committee") != committee.code or d.get("doc_year") != year:
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
    reasons: list[str]
    files: list[package.Entry]
    zip: Path | None = None
    photos: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder), "zip": str(self.zip) if self.zip else None, "stage": self.stage,
            "draft": self.draft, "reasons": self.reasons, "warnings": self.warnings, "photos": self.photos,
            "files": [e.__dict__ for e in self.files],
        }


NAME_IN_FILE_BYTES = 60  # a person's name in a review form's or photo's file name (20 Chinese characters)


def folder_name(committee: Committee, meeting: Meeting, stage: str, draft: bool) -> str:
    tail = f"_{meeting.date:%Y-%m-%d}评审会议_{STAGE_NAMES[stage]}" + ("_草稿" if draft else "")
    return documents.file_name("", committee.name, safe_filename(tail))  # a long name shortens, the date stays


def _plan_files(filing: Filing) -> list[dict[str, Any]]:
    """The package's list as the reports show it (before anything is written)."""
    data = filing.data
    items = []
    if data.stage == PRE:
        for d in PRE_DOCS:
            if d.template == draw_store.TEMPLATE:
                for draw in data.draws:
                    items.append({"number": d.number, "title": f"{d.title}（第{draw['draw']}号）", "file": d.file.format(draw=draw["draw"])})
            else:
                items.append({"number": d.number, "title": d.title, "file": d.file})
    else:
        photos_found = bool(filing.photo_report and filing.photo_report.found)
        for d in POST_DOCS:
            if d.file.startswith(PHOTOS_FOLDER_PREFIX) and not photos_found:
                continue  # no folder of photos in the package: the report does not name one
            title = f"{d.title}（{len(filing.photo_report.found)}张）" if d.file.startswith(PHOTOS_FOLDER_PREFIX) and filing.photo_report else d.title
            file = d.file.split("/")[0] + "/" if "/" in d.file else d.file
            items.append({"number": d.number, "title": title, "file": file})
    return items


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
    what is missing and why. A final package records its filing step (会前备案/会后备案) in the schedule."""
    options = options or FilingOptions()
    options.check()
    if final and not options.final_reason.strip():
        raise InvalidValue("--final 须同时用 --reason 说明材料不全仍正式报送的原因（如：其余证件照由所在单位直接报送）")
    soffice = package.require_soffice() if pdf else None
    user_dir = documents.user_templates_dir(templates, store.directory)
    data = gather(store, meeting_id, stage, today, calendar)
    reasons = readiness(data)
    if reasons and not force:
        listed = "\n".join(f"{i}. {r}" for i, r in enumerate(reasons, start=1))
        raise FilingNotReady(
            f"第{meeting_id}号会议的{STAGE_NAMES[stage]}材料暂不能生成，原因如下：\n{listed}\n"
            "请解决后重新运行；如需先生成每页标“草稿”的材料供核对，请加 --force"
        )
    filing = Filing(data, options, draft=bool(reasons), reasons=reasons)
    with store.transaction() as session:
        filing.audit_head = audit.head(session)
    warnings = [f.message for f in data.schedule.warnings]
    if stage == POST:
        numbers = {a.id: a.id_number for a in data.accepted}
        people = [photos.Person(p["id"], p["name"], numbers.get(p["id"], "")) for p in filing.passed()]
        filing.photo_report = photos.match(photos_dir, people)
        warnings += list((data.results or {}).get("warnings", []))
    missing = incomplete(filing)
    if missing and final:
        filing.final_despite = missing
    elif missing:
        filing.draft = True
        filing.reasons = reasons = [*reasons, *missing]
    filing.files = _plan_files(filing)
    number = 0
    if not filing.draft:
        with store.transaction() as session:
            number, _reused = document_number(session, data.committee, meeting_id, stage, data.today.year)
        filing.doc_number = f"{doc_code(options, data.committee)}〔{data.today.year}〕{number}号"
    target = Path(out_dir) / folder_name(data.committee, data.meeting, stage, filing.draft)
    with package.PackageFolder(target, overwrite=overwrite, is_recorded=_exported(store)) as pkg, \
            documents.extra_context(draft=filing.draft):
        if stage == PRE:
            _write_pre(store, pkg, filing, user_dir, progress)
        else:
            _write_post(pkg, filing, user_dir, progress)
        if soffice is not None:
            _pdfs(pkg, soffice, progress)
        photo_summary = filing.photo_report.as_dict(photos_dir) if filing.photo_report else None
        meta = {
            "committee": {"code": data.committee.code, "name": data.committee.name},
            "meeting": {"id": data.meeting.id, "date": data.meeting.date.isoformat(), "place": data.meeting.place},
            "stage": stage,
            "stage_name": STAGE_NAMES[stage],
            "draft": filing.draft,
            "draft_reasons": reasons,
            "final_despite": {"missing": filing.final_despite, "reason": options.final_reason} if filing.final_despite else None,
            "photos": photo_summary,
            # the audit chain's end when the package was made: kept outside the store, it shows later
            # whether events were cut from the end (qjtitle audit verify --anchor HASH)
            "audit_head": filing.audit_head,
        }
        pkg.write_manifest(meta, f"{target.name} 材料清单")
        manifest_sha = package.sha256_of(pkg.root / package.MANIFEST_JSON)
        if make_zip:
            pkg.make_zip()
        # Commit first, then the folder and zip appear (two renames); see package.PackageFolder.
        pkg.prepare(manifest_sha)
        with store.transaction() as session:
            if number and document_number(session, data.committee, meeting_id, stage, data.today.year)[0] != number:
                raise package.PackageError(f"发文字号 {filing.doc_number} 刚被同时生成的另一份材料使用，本次没有生成；请重新运行")
            audit.record(
                session,
                "export-filing",
                "filing.exported",
                {"meeting": meeting_id, "stage": stage, "folder": str(target), "draft": filing.draft, "reasons": reasons,
                 "files": len(pkg.entries), "manifest_sha256": manifest_sha, "zip": make_zip,
                 "final_reason": options.final_reason if filing.final_despite else "",
                 "committee": data.committee.code, "doc_year": data.today.year if number else None,
                 "doc_number": number or None, "doc_text": filing.doc_number},
                user=user,
            )
            if not filing.draft:  # the schedule's 会前备案/会后备案 is this export, on the package's date
                schedules.record_step(session, meeting_id, "pre-filing" if stage == PRE else "post-filing", data.today,
                                      "export-filing", user=user)
        pkg.recorded = True
        try:
            folder = pkg.commit()
        except OSError:
            raise package.PackageError(
                f"材料已生成并记入审计日志，但未能移到 {target}：文件夹或压缩包可能正在被其他程序使用。"
                "请关闭后重新运行同一条 export-filing 命令，未完成的移动会先自动完成"
            ) from None
        zip_path = pkg.final_zip if make_zip else None
    if filing.photo_report and (filing.photo_report.missing or filing.photo_report.ambiguous):
        report = filing.photo_report
        if report.missing:
            names = [p.name for p in report.missing]
            shown = "、".join(names[:10]) + (" 等（全部名单见会后备案报告）" if len(names) > 10 else "")
            warnings.append(f"缺少证件照 {len(names)} 人：{shown}")
        for p, files in report.ambiguous:
            warnings.append(f"{p.name} 的证件照无法确定（{'、'.join(f.name for f in files)}），请手工放入")
        for f in report.empty:
            warnings.append(f"证件照文件 {f.name} 是空的（0 字节），未采用；请重新提供")
    return FilingResult(folder, stage, filing.draft, reasons, pkg.entries, zip_path, photo_summary, warnings)


def _exported(store: Store) -> Callable[[str], bool]:
    """Whether a package with this manifest SHA-256 was recorded as exported (finishes interrupted exports)."""

    def recorded(manifest_sha256: str) -> bool:
        from qjtitle.models import AuditEvent

        with store.transaction() as session:
            details = session.exec(
                select(AuditEvent.detail).where(AuditEvent.action == "filing.exported").order_by(col(AuditEvent.id).desc()).limit(500)
            ).all()
        return any(isinstance(d, dict) and d.get("manifest_sha256") == manifest_sha256 for d in details)

    return recorded


def _renderer(cache: dict[str, DocxRenderer], name: str, user_dir: Path | None) -> DocxRenderer:
    if name not in cache:
        cache[name] = DocxRenderer(name, user_dir)
    return cache[name]


def _write_pre(store: Store, pkg: package.PackageFolder, filing: Filing, user_dir: Path | None, progress: Progress | None) -> None:
    data = filing.data
    total = len(PRE_DOCS) - 1 + len(data.draws)
    done = 0
    renderers: dict[str, DocxRenderer] = {}
    for d in PRE_DOCS:
        if d.template == draw_store.TEMPLATE:
            for draw in data.draws:
                name = d.file.format(draw=draw["draw"])
                draw_store.render_document(store, draw["draw"], pkg.path(name), user_dir)
                pkg.add(name, f"{d.title}（第{draw['draw']}号）", d.public)
                done += 1
                if progress:
                    progress(done, total, name)
            continue
        if d.template:
            _renderer(renderers, d.template, user_dir).render(filing.context(d.template), pkg.path(d.file))
        else:
            write_roster_xlsx(pkg.path(d.file), filing)
        pkg.add(d.file, d.title, d.public)
        done += 1
        if progress:
            progress(done, total, d.file)


def _write_post(pkg: package.PackageFolder, filing: Filing, user_dir: Path | None, progress: Progress | None) -> None:
    data = filing.data
    forms = len(data.ctx.applicants) if data.ctx else 0
    report = filing.photo_report or photos.PhotoReport()
    total = len(POST_DOCS) - 2 + forms + len(report.found)  # the forms and the photos counted one by one
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
                name = d.file.format(number=f"{context['number']:0{width}d}", name=safe_filename(a.name or "未填姓名", NAME_IN_FILE_BYTES))
                renderer.render(context, pkg.path(name))
                pkg.add(name, f"{d.title}：{a.name}", d.public)
                step(name)
        elif d.file.startswith(PHOTOS_FOLDER_PREFIX):
            people = {p["id"]: p for p in filing.passed()}
            width = max(3, len(str(len(people))))
            for key, source in report.found.items():
                p = people[key]
                name = d.file.format(number=f"{p['number']:0{width}d}", name=safe_filename(p["name"] or "未填姓名", NAME_IN_FILE_BYTES),
                                     suffix=source.suffix.lower())
                shutil.copyfile(source, pkg.path(name))
                pkg.add(name, f"{d.title}：{p['name']}", d.public)
                step(name)
        elif d.template:
            _renderer(renderers, d.template, user_dir).render(filing.context(d.template), pkg.path(d.file))
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


# --- Sample contexts for ``qjtitle templates check`` -------------------------------------------------


def _sample_store(folder: Path) -> tuple[Store, int, int]:
    """A small fictional store with one meeting through its seal (names with & and < on purpose)."""
    from qjtitle import idcard
    from qjtitle.models import Attendance, BallotCount, MeetingSeal, MilestoneRecord
    from qjtitle.store import open_store

    store = open_store(folder / "sample.db")
    committees.add(store, "SAMPLE", "示例职称评审委员会", "中级", "卫生", ["临床医学", "护理"],
                   "示例组建单位", "示例核准组建部门", pool_filed=date(2022, 6, 30))
    meeting, _ = meetings.add(store, "SAMPLE", date(2023, 11, 20), 5, "示例会议室")
    mid = meeting.id or 0
    people = [("张&<丽>", "R&D <示例医院>", rules.STATUS_ACCEPTED), ("王芳", "示例第二医院", rules.STATUS_ACCEPTED),
              ("李娜", "示例第二医院", rules.STATUS_NEEDS_CORRECTION), ("赵敏", "示例第三医院", rules.STATUS_WITHDRAWN)]
    with store.transaction() as session:
        committee = committees.get(session, "SAMPLE")
        for i, (name, unit, status) in enumerate(people, start=1):
            number = idcard.make("530302", date(1985, 3, i), 120 + 2 * i)
            problems = [] if status == rules.STATUS_ACCEPTED else [
                {"column": "毕业院校", "cell": "I3", "message": "“毕业院校”为空", "fix": "请填写毕业院校", "kind": "必填项为空"}]
            session.add(Applicant(
                year=2023, committee_id=committee.id or 0, person_key=number, seq=str(i), name=name, gender="女",
                birth=date(1985, 3, i), id_number=number, unit=unit, unit_key=unit, county="麒麟区", education="大学本科",
                school="示例医学院", major="护理", graduated=date(2007, 7, 1), work_start=date(2007, 8, 1),
                current_title="护师", current_title_date=date(2012, 12, 1), series="卫生", specialty="护理",
                title_name="主管护师", level="中级", route="正常", phone=f"1388800000{i}", years_in_title=11,
                years_working=16, status=status, problems=problems, source_file="示例.xlsx", source_sheet="Sheet1",
                source_row=i + 3, correction_deadline=date(2023, 10, 8) if status == rules.STATUS_WITHDRAWN else None,
            ))
        session.add(ImportBatch(committee_id=committee.id or 0, year=2023, file_name="示例.xlsx", sha256="0" * 64,
                                rejected=[{"sheet": "Sheet1", "row": 9, "name": "刘洋", "unit": "示例第二医院",
                                           "reason": "与第3行是同一身份证号码，重复申报"}]))
        for i in range(1, 9):
            session.add(Expert(
                committee_id=committee.id or 0, name=f"示例专家{i}", gender="男", id_number=idcard.make("530302", date(1970, 1, i), 11),
                unit=f"专家单位{i}", unit_key=f"专家单位{i}", title="副主任护师", level="副高级", series="卫生", specialty="护理",
                phone=f"1398700000{i}", term_start=date(2022, 7, 1), term_end=date(2025, 6, 30), status="在库",
            ))
        for key, first, last in (("pre-publicity", date(2023, 10, 30), date(2023, 11, 3)),
                                 ("result-publicity", date(2023, 11, 21), date(2023, 11, 27))):
            session.add(MilestoneRecord(meeting_id=mid, milestone=key, first=first, last=last))
    drawn = draw_store.draw_experts(store, mid, ["甲", "乙", "丙"], ["丁"], alternates=1, seed=["1234", "5678", "9012"],
                                    drawn_on=date(2023, 11, 10), place="示例地点")
    draw_id = drawn.record["draw"]
    members = [p["id"] for p in drawn.record["picks"] if p["role"] == "member"]
    for eid in members:
        draw_store.confirm(store, draw_id, eid, True, answered_on=date(2023, 11, 13))
    with store.transaction() as session:
        accepted = [a.id or 0 for a in session.exec(select(Applicant).where(Applicant.status == rules.STATUS_ACCEPTED))]
        attending = members[:4]
        for eid in attending:
            session.add(Attendance(meeting_id=mid, expert_id=eid))
        session.add(ReviewAssignment(meeting_id=mid, version=1, algorithm="示例", seed="示例", per_applicant=3,
                                     reviewers={str(a): attending[:3] for a in accepted}))
        for aid in accepted:
            for eid in attending[:3]:
                session.add(Review(meeting_id=mid, applicant_id=aid, expert_id=eid, opinion="材料齐全 & 业绩<突出>。",
                                   recommendation="同意"))
            session.add(BallotCount(meeting_id=mid, applicant_id=aid, agree=4, disagree=0, abstain=0))
        session.add(Review(meeting_id=mid, applicant_id=accepted[0], expert_id=attending[0], opinion="更正笔误：材料齐全。",
                           recommendation="同意", reason="更正笔误", after_seal=True))
        session.add(MeetingSeal(meeting_id=mid))
    return store, mid, draw_id


@cache
def _samples() -> dict[str, dict[str, Any]]:
    from qjtitle.intake import corrections

    contexts: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="qjtitle-sample-") as tmp:
        folder = Path(tmp)
        store, mid, draw_id = _sample_store(folder)
        try:
            with documents.capture_contexts() as captured, documents.extra_context(draft=False):
                corrections.issue_notices(store, "SAMPLE", folder / "notices", today=date(2023, 9, 25),
                                          contact="示例联系人", contact_phone="0874-0000000")
                draw_store.render_document(store, draw_id, folder / "draw.docx")
            contexts.update(captured)
            options = FilingOptions(contact="示例联系人", contact_phone="0874-0000000", address="示例地址",
                                    methods=("审阅材料", "面试答辩"), chair="示例主任委员", counter="示例计票人", scrutineer="示例监票人")
            for stage in (PRE, POST):
                data = gather(store, mid, stage, today=date(2023, 12, 1))
                filing = Filing(data, options, draft=False)
                filing.files = _plan_files(filing)
                filing.photo_report = photos.PhotoReport()
                for d in (PRE_DOCS if stage == PRE else POST_DOCS):
                    if d.template == "review_form.docx":
                        contexts[d.template] = next(filing.review_forms())[1]
                    elif d.template and d.template != draw_store.TEMPLATE:
                        contexts[d.template] = filing.context(d.template)
        finally:
            store.close()
    return contexts


def sample_context(template: str) -> dict[str, Any]:
    """A full, realistic context for ``template`` (a fresh copy), built by the same code as the real documents."""
    samples = _samples()
    if template not in samples:
        known = "、".join(sorted(samples))
        raise InvalidValue(f"没有模板 {template} 的样例数据；qjtitle 的模板有：{known}")
    return copy.deepcopy(samples[template])


def check_templates(names: list[str] | None = None, templates: Path | None = None, store_dir: Path | None = None) -> list[documents.TemplateCheck]:
    """Check templates against their sample contexts. ``names`` are template names or paths of .docx files
    (a file is checked as the template of the same name); none: every template, as overridden by the user folder."""
    user_dir = documents.user_templates_dir(templates, store_dir)
    shipped = documents.shipped_templates()
    targets: list[tuple[str, Path, str]] = []
    for item in names or list(shipped):
        path = Path(item)
        if path.suffix.lower() == ".docx" and (path.is_file() or len(path.parts) > 1):
            if path.name not in shipped:
                raise InvalidValue(
                    f"{path.name} 不是 qjtitle 的模板名，检查时不知道用哪一份样例数据；"
                    f"请把文件命名为要替换的模板名之一：{'、'.join(shipped)}"
                )
            targets.append((path.name, path, "指定文件"))
            continue
        name = item if item.endswith(documents.TEMPLATE_SUFFIXES) else f"{item}.docx"
        if name not in shipped:
            raise InvalidValue(f"没有名为 {item} 的模板；qjtitle 的模板有：{'、'.join(shipped)}（qjtitle templates list）")
        own = user_dir / name if user_dir is not None else None
        if own is not None and own.is_file():
            targets.append((name, own, "自定义"))
        else:
            targets.append((name, shipped[name], "自带"))
    checks = [documents.check_template(name, path, sample_context(name), source) for name, path, source in targets]
    by_folder: dict[Path, dict[str, str | None]] = {}
    for c in checks:
        if c.source != "自带" and c.path.parent.is_dir():
            by_folder.setdefault(c.path.parent, {})[c.name] = c.sha256 if c.ok else None
    for folder, results in by_folder.items():
        try:
            documents.record_checked(folder, results)
        except (OSError, QjtitleError):
            pass  # a read-only folder: the checks stand, the files are just not accepted for later use
    return checks
