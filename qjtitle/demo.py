"""The whole procedure on the shipped sample data, into one folder.

Each step is the same library call a secretary's command makes; the demo only
chooses the sample inputs and fixed dates (the 2023 evaluation year), so its
output is the same on every run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypedDict

from qjtitle import committees, verify_record
from qjtitle import meetings as meeting
from qjtitle.calendar import schedule, yearpage, yearview
from qjtitle.errors import QjtitleError
from qjtitle.experts import draw_answers, draw_record, recusal
from qjtitle.experts import drawing as draw_store
from qjtitle.experts import pool as experts
from qjtitle.filing import export as filing
from qjtitle.filing import gather as gathering
from qjtitle.intake import applicants, corrections
from qjtitle.intake.import_report import ImportReport
from qjtitle.intake.roster import write_roster_workbook
from qjtitle.meeting import proceedings, voting
from qjtitle.meeting import results as meeting_results
from qjtitle.meeting.results import MeetingResults
from qjtitle.paths import make_private_dir, sample_data_dir
from qjtitle.store import Store, open_store


class CommitteeSpec(TypedDict):
    """The sample committee, as :func:`qjtitle.committees.add` takes it."""

    code: str
    name: str
    level: str
    series: str
    specialties: list[str]
    organizer: str
    approver: str
    min_size: int
    pool_filed: date


class MeetingSpec(TypedDict):
    """The sample meeting, as :func:`qjtitle.meetings.add` takes it."""

    day: date
    place: str
    size: int


class DrawSpec(TypedDict):
    """The sample draw, as :func:`qjtitle.experts.drawing.draw_experts` takes it."""

    drawers: list[str]
    supervisors: list[str]
    seed: list[str]
    drawn_on: date
    place: str
    specialties: list[str]
    alternates: int


MARKER = ".qjtitle-demo"
YEAR = 2023
COMMITTEE: CommitteeSpec = {
    "code": "QJ-WS-ZJ",
    "name": "曲靖市卫生系列中级职称评审委员会",
    "level": "中级",
    "series": "卫生",
    "specialties": ["临床医学", "护理", "药学", "医学检验技术"],
    "organizer": "曲靖市卫生健康委员会",
    "approver": "曲靖市人力资源和社会保障局",
    "min_size": 11,
    "pool_filed": date(2022, 6, 30),
}
CORRECTIONS_ISSUED = date(2023, 9, 25)  # 5 working days later is Sun 2023-10-08, a make-up workday
MEETING: MeetingSpec = {"day": date(2023, 11, 20), "place": "曲靖市会议中心", "size": 11}
ICS_STAMP = datetime(2023, 9, 25, tzinfo=UTC)  # fixed, so that the .ics is the same on every run
DRAW: DrawSpec = {
    "drawers": ["王明", "李华", "赵强"],
    "supervisors": ["陈静"],
    "seed": ["4721", "9903", "1586"],  # digits typed by each drawer at the table
    "drawn_on": date(2023, 11, 10),  # 6 working days before the meeting: in time, not too early
    "place": "曲靖市卫生健康委员会会议室",
    "specialties": ["临床医学=5", "护理=3", "药学=2", "医学检验技术=1"],
    "alternates": 4,
}
DECLINE = ("出差，无法参会", date(2023, 11, 13))  # the first 临床医学 member declines
# The day after the correction deadline: the rest count as withdrawn.
CORRECTIONS_EXPIRED = date(2023, 10, 9)
ELIGIBILITY_DAY = date(2023, 10, 20)  # 资格审查 done: after the corrections, before the 会前公示
OFFICERS = {  # what the committee's documents print (committee set)
    "handler": "李芳",
    "contact": "李老师",
    "contact_phone": "0874-3123456",
    "signer": "王国强",
    "doc_code": "曲卫职评",
}
MILESTONES_DONE = (  # what the sample committee did, each in time (schedule record); the draw and the
    # two filings record themselves (draw-experts, export-filing)
    # in the season's logical order (calendar.milestones.SEASON_CHAIN): the call for applications,
    # the employers' 推荐公示, their submission, the correction notices (CORRECTIONS_ISSUED), the
    # eligibility review after the correction deadline, then the 会前公示 that publishes its result
    ("notice", date(2023, 9, 1), None, ""),
    ("recommendation-publicity", date(2023, 9, 4), date(2023, 9, 8), ""),
    ("submission", date(2023, 9, 15), None, ""),
    ("eligibility", ELIGIBILITY_DAY, None, ""),
    ("pre-publicity", date(2023, 11, 6), date(2023, 11, 10), ""),
    ("consent", date(2023, 11, 15), None, "曲人社专技函〔2023〕101号"),  # a fictional reference
    ("result-publicity", date(2023, 11, 21), date(2023, 11, 27), ""),
)
# The last passers whose units have not sent ID photos yet: the first post package is a draft.
PHOTOS_MISSING = 3
FINAL_REASON = "其余 3 名通过人员的证件照由所在单位直接报送核准组建部门"
PRE_FILING_DAY = date(2023, 11, 13)  # 5 working days before the meeting
# After the result publicity, within 15 working days of the meeting.
POST_FILING_DAY = date(2023, 12, 1)
FILING_OPTIONS = gathering.FilingOptions(
    contact="李老师",
    contact_phone="0874-3123456",
    address="曲靖市卫生健康委员会人事科",
    methods=(
        "审阅材料",
    ),  # the meeting plan's methods; the meeting records what it used (METHODS_USED)
    counter="王明",
    scrutineer="陈静",
    publicity_where="曲靖市卫生健康委员会门户网站和各申报人所在单位公示栏",
    objections="公示期间未收到异议",
    doc_code="曲卫职评",
)
ASSIGNMENT_SEED = "20231120"
ABSENCE_REASON = "因病请假"  # the seated member who did not come
METHODS_USED = ("审阅材料",)  # no interview was held
FAILING = 3  # the applicant (by position in the meeting's list) the committee does not pass


@dataclass
class DemoResult:
    out: Path
    store_path: Path
    committee: str
    blank_form: Path
    import_report: ImportReport
    notices: list[corrections.NoticeWritten] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)  # (what, where)
    # The sample meeting's milestones as of CORRECTIONS_ISSUED.
    meeting_schedule: schedule.Schedule | None = None
    pool: experts.PoolImportReport | None = None
    draw: dict[str, Any] | None = None  # the draw record as stored (the published JSON)
    verified: draw_record.DrawCheck | None = None
    # The exported record and the stand-alone verifier's verdict on it.
    exported: tuple[Path, bool] | None = None
    decline: dict[str, Any] | None = None  # the declined member and the alternate who replaced them
    conflict: recusal.ConflictView | None = None  # the declared recusal of one reviewer
    results: MeetingResults | None = None  # the sealed tally of the meeting
    withdrawn: list[corrections.Withdrawn] = field(default_factory=list)  # not corrected in time
    # The pre- and post-meeting packages.
    filings: list[filing.FilingResult] = field(default_factory=list)
    year_page: Path | None = None  # the year at a glance (HTML), as of POST_FILING_DAY


class DemoFolderError(QjtitleError):
    """The demo's output folder is a file, or a folder the demo did not make."""


def prepare_folder(out: Path) -> Path:
    """An empty folder for the demo; an earlier demo's folder is emptied, any other refused."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise DemoFolderError(f"{out} 是一个文件；请用 --out 指定一个文件夹")
        if any(out.iterdir()):
            if not (out / MARKER).exists():
                raise DemoFolderError(
                    f"{out} 已存在且不是 qjtitle demo 生成的文件夹，为免误删拒绝写入；请用 --out 指定一个新文件夹"
                )
            shutil.rmtree(out)
    make_private_dir(out)
    (out / MARKER).write_text(
        "这个文件夹由 qjtitle demo 生成，再次运行 demo 会清空并重建它。\n", encoding="utf-8"
    )
    return out


def run(out: Path, step: Callable[[str], None] | None = None) -> DemoResult:
    out = prepare_folder(out)
    say = step or (lambda _text: None)
    store_path = out / "qjtitle.db"
    store = open_store(store_path)
    try:
        say("新建评委会")
        committees.add(store, **COMMITTEE)
        committees.configure(store, COMMITTEE["code"], officers=OFFICERS)
        say("生成空白申报表（附件2）")
        blank = out / "空白申报表_附件2.xlsx"
        write_roster_workbook(blank)
        say("导入各单位报送的申报信息表")
        rosters = sample_data_dir() / "rosters"
        report = applicants.import_applicants(store, [rosters], COMMITTEE["code"], YEAR)
        say("生成一次性补正告知书")
        notices = corrections.issue_notices(
            store,
            COMMITTEE["code"],
            out / "补正告知书",
            today=CORRECTIONS_ISSUED,
            contact="李老师",
            contact_phone="0874-3123456",
            check_order=schedule.notices_out_of_order,
        )
        say("补正期限已过：逾期未补正的视为放弃")
        withdrawn = corrections.expire(store, COMMITTEE["code"], today=CORRECTIONS_EXPIRED)
        say("新建评审会议并排出时间节点")
        sample_meeting, _warnings = meeting.add(store, COMMITTEE["code"], **MEETING)
        plan = schedule.evaluate(store, sample_meeting.id or 0, today=CORRECTIONS_ISSUED)
        ics = out / "评审会议时间节点.ics"
        schedule.write_ics(plan, ics, stamp=ICS_STAMP)
        say("导入专家库，抽取评审专家并复核")
        pool = experts.import_experts(
            store, sample_data_dir() / "experts" / "专家库_卫生中级.xlsx", COMMITTEE["code"]
        )
        drawn = draw_store.draw_experts(
            store,
            draw_store.DrawRequest(
                sample_meeting.id or 0,
                DRAW["drawers"],
                DRAW["supervisors"],
                alternates=DRAW["alternates"],
                specialties=DRAW["specialties"],
                seed=DRAW["seed"],
                drawn_on=DRAW["drawn_on"],
                place=DRAW["place"],
            ),
        )
        draw_id = drawn.record["draw"]
        verified = draw_record.verify_draw(store, draw_id)
        declining = next(p for p in drawn.record["picks"] if p["slot"] == "临床医学")
        answer = draw_answers.confirm(
            store, draw_id, declining["id"], False, DECLINE[0], answered_on=DECLINE[1]
        )
        draw_doc = draw_record.render_document(store, draw_id, out / "专家抽取" / "抽取记录表.docx")
        draw_json = draw_record.export_draw(store, draw_id, out / "专家抽取" / "抽取记录.json")
        exported = (
            draw_json,
            verify_record.verify(json.loads(draw_json.read_text(encoding="utf-8")))[0],
        )
        say("评审会议：签到、安排审阅、评议、表决、封存")
        conflict, summary = _proceedings(store, sample_meeting.id or 0, draw_id)
        say("登记时间节点，生成会前备案和会后备案材料")
        filings = _filings(store, sample_meeting.id or 0, out / "备案材料")
        say("生成全年进度网页")
        year_page = yearpage.write_html(
            yearview.gather_year(store, YEAR, POST_FILING_DAY), out / "年度进度.html"
        )
    finally:
        store.close()
    result = DemoResult(
        out,
        store_path,
        COMMITTEE["code"],
        blank,
        report,
        notices,
        meeting_schedule=plan,
        pool=pool,
        draw=drawn.record,
        verified=verified,
        exported=exported,
        decline=answer.as_dict(),
        conflict=conflict,
        results=summary,
        withdrawn=withdrawn,
        filings=filings,
        year_page=year_page,
    )
    result.steps = [
        ("数据库", str(store_path)),
        ("空白申报表", str(blank)),
        ("补正告知书", str(out / "补正告知书")),
        (f"评审会议 {sample_meeting.id} 的时间节点（日历文件，可导入日历软件）", str(ics)),
        ("专家抽取记录表（保密，供三名抽取人员和监督人员签字）", str(draw_doc)),
        ("抽取记录（JSON，核准部门可用 qjtitle-verify 独立复核；保密）", str(draw_json)),
        ("示例证件照（占位图，通过人员中 3 人缺照）", str(out / "证件照")),
        ("示例签字原件扫描件（占位图）", str(out / "签字原件扫描件")),
        *(
            (
                (
                    f"{gathering.STAGE_NAMES[f.stage]}材料{'（草稿：' + '；'.join(f.reasons) + '）' if f.draft else ''}"
                    f"（{len(f.files)} 个文件，清单.xlsx 和 manifest.json 列出各文件 SHA-256）"
                ),
                str(f.folder),
            )
            for f in filings
        ),
        *((f"{gathering.STAGE_NAMES[f.stage]}材料压缩包", str(f.zip)) for f in filings if f.zip),
        ("全年进度网页（时间轴、状态、近几周待办；用浏览器打开，不联网）", str(year_page)),
    ]
    return result


def _proceedings(
    store: Store, meeting_id: int, draw_id: int
) -> tuple[recusal.ConflictView, MeetingResults]:
    """The sample meeting: every remaining member accepts, one stays away, one reviewer declares a
    conflict with one applicant, a present member chairs, three reviewers read each applicant, the
    committee votes by secret ballot (one applicant fails), and the records are sealed."""
    with store.transaction() as session:
        members = draw_answers.current_panel(session, meeting_id) or []
    for m in members:
        if m.accepted is None:
            draw_answers.confirm(store, draw_id, m.expert.id or 0, True, answered_on=DECLINE[1])
    with store.transaction() as session:
        ctx = proceedings.load(session, meeting_id)
        panel = list(ctx.panel)
        cases = [a.id or 0 for a in ctx.applicants]
    absent = panel[-1]
    conflict = recusal.add_conflict(
        store, panel[0], cases[0], "申报人为该专家的近亲属", declared_on=MEETING["day"]
    )
    voting.attend(store, meeting_id, [str(e) for e in panel if e != absent])
    voting.attend(store, meeting_id, absent=[str(absent)], reason=ABSENCE_REASON)
    attending = [e for e in panel if e != absent]
    proceedings.record_chair(store, meeting_id, str(attending[1]), proceedings.CHAIR)
    proceedings.record_methods(store, meeting_id, METHODS_USED)
    plan = proceedings.assign_reviewers(store, meeting_id, seed=ASSIGNMENT_SEED)
    reviews = []
    for case, reviewers in plan.reviewers.items():
        failing = case == cases[FAILING]
        for expert_id in reviewers:
            opinion = (
                "业绩材料不够充分，代表作与申报专业关联不大，建议暂缓。"
                if failing
                else "材料齐全，任现职以来工作业绩突出，专业能力符合申报条件。"
            )
            reviews.append(
                voting.ReviewEntry(
                    str(case), str(expert_id), opinion, "不同意" if failing else "同意"
                )
            )
    voting.record_reviews(store, meeting_id, reviews)
    votes = []  # a secret ballot: the counts of the tally sheet
    for case in cases:
        voters = len(attending) - (1 if case == cases[0] else 0)  # panel[0] recused from cases[0]
        if case == cases[FAILING]:
            counts = (5, voters - 5, 0)
        elif case == cases[1]:
            counts = (voters - 1, 0, 1)
        else:
            counts = (voters, 0, 0)
        votes.append(voting.VoteEntry(str(case), counts=counts))
    voting.record_votes(store, meeting_id, votes)
    sealed = meeting_results.seal(store, meeting_id)
    # shown in the demo's own timeline (the store keeps the real moment of the seal)
    shown_at = datetime.combine(MEETING["day"], datetime.min.time()).replace(hour=17, minute=30)
    return conflict, replace(sealed, sealed_at=shown_at)


def sample_photos(
    store: Store, meeting_id: int, folder: Path, missing: int = PHOTOS_MISSING
) -> list[Path]:
    """Placeholder ID photos (:mod:`qjtitle.portrait`) of those who passed, but for the last ``missing``,
    named as units send them (序号_姓名_证件照.png)."""
    from qjtitle.portrait import portrait

    results = meeting_results.results(store, meeting_id)
    passed = [r.name for r in results.applicants if r.result == "通过"]
    make_private_dir(folder)
    written = []
    for number, name in enumerate(passed[: len(passed) - missing], start=1):
        path = folder / f"{number:02d}_{name}_证件照.png"
        path.write_bytes(portrait(number))
        written.append(path)
    return written


SIGNED_SHEETS = ("01_签到表_签字原件", "02_评议表_签字原件", "03_计票表_签字原件")


def sample_scans(folder: Path) -> list[Path]:
    """Placeholder scans of the sheets signed on the meeting day (blank A4 pages at 50 dpi, named as the
    secretary names them), for the post-meeting package (export-filing --signed)."""
    from qjtitle.portrait import png

    make_private_dir(folder)
    page = png(413, 585, [b"\xff" * 413 * 3] * 585)
    written = []
    for stem in SIGNED_SHEETS:
        path = folder / f"{stem}.png"
        path.write_bytes(page)
        written.append(path)
    return written


def _filings(store: Store, meeting_id: int, out: Path) -> list[filing.FilingResult]:
    """Record the milestones as they happened, then export the packages: the pre-meeting one (final); the
    post-meeting one while three photos are still missing (a draft, with its reasons); and the same one
    made final with the reason recorded."""
    for key, first, last, note in MILESTONES_DONE:
        schedule.record(store, meeting_id, key, first, last, note=note, today=POST_FILING_DAY)
    photos = out.parent / "证件照"
    sample_photos(store, meeting_id, photos)
    signed = out.parent / "签字原件扫描件"
    sample_scans(signed)
    pre = filing.export_filing(
        store,
        meeting_id,
        gathering.PRE,
        out,
        options=FILING_OPTIONS,
        today=PRE_FILING_DAY,
        make_zip=True,
    )
    draft = filing.export_filing(
        store,
        meeting_id,
        gathering.POST,
        out,
        options=FILING_OPTIONS,
        today=POST_FILING_DAY,
        photos_dir=photos,
        signed_dir=signed,
    )
    final_options = replace(FILING_OPTIONS, final_reason=FINAL_REASON)
    post = filing.export_filing(
        store,
        meeting_id,
        gathering.POST,
        out,
        options=final_options,
        today=POST_FILING_DAY,
        photos_dir=photos,
        signed_dir=signed,
        make_zip=True,
        final=True,
    )
    return [pre, draft, post]
