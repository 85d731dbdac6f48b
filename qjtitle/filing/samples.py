"""Sample contexts for ``qjtitle templates check``: the same contexts built from a small fictional
store in a temporary folder (never the user's store), and every template rendered with them."""

from __future__ import annotations

import copy
import tempfile
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import select

from qjtitle import committees, meetings, rules
from qjtitle.documents import catalogue, folders, render
from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.experts import draw_answers, draw_record
from qjtitle.experts import drawing as draw_store
from qjtitle.filing.contexts import Filing
from qjtitle.filing.export import _plan_files
from qjtitle.filing.gather import POST, POST_DOCS, PRE, PRE_DOCS, FilingOptions, gather
from qjtitle.findings import Step, finding
from qjtitle.intake import photos
from qjtitle.models import (
    Applicant,
    Expert,
    ImportBatch,
    MilestoneRecord,
    Review,
    ReviewAssignment,
)
from qjtitle.store import Store

# --- Sample contexts for ``qjtitle templates check`` -------------------------------------------------


def _sample_store(folder: Path) -> tuple[Store, int, int]:
    """A small fictional store with one meeting through its seal (names with & and < on purpose)."""
    from qjtitle import idcard
    from qjtitle.models import (
        Attendance,
        BallotCount,
        MeetingChair,
        MeetingMethod,
        MeetingSeal,
    )
    from qjtitle.store import open_store

    store = open_store(folder / "sample.db")
    committees.add(
        store,
        "SAMPLE",
        "示例职称评审委员会",
        "中级",
        "卫生",
        ["临床医学", "护理"],
        "示例组建单位",
        "示例核准组建部门",
        pool_filed=date(2022, 6, 30),
    )
    meeting, _ = meetings.add(store, "SAMPLE", date(2023, 11, 20), 5, "示例会议室")
    mid = meeting.id or 0
    people = [
        ("张&<丽>", "R&D <示例医院>", rules.STATUS_ACCEPTED),
        ("王芳", "示例第二医院", rules.STATUS_ACCEPTED),
        ("李娜", "示例第二医院", rules.STATUS_NEEDS_CORRECTION),
        ("赵敏", "示例第三医院", rules.STATUS_WITHDRAWN),
    ]
    with store.transaction() as session:
        committee = committees.get(session, "SAMPLE")
        for i, (name, unit, status) in enumerate(people, start=1):
            number = idcard.make("530302", date(1985, 3, i), 120 + 2 * i)
            problems = (
                []
                if status == rules.STATUS_ACCEPTED
                else [
                    {
                        "column": "毕业院校",
                        "cell": "I3",
                        "message": "“毕业院校”为空",
                        "fix": "请填写毕业院校",
                        "kind": "必填项为空",
                    }
                ]
            )
            session.add(
                Applicant(
                    year=2023,
                    committee_id=committee.id or 0,
                    person_key=number,
                    seq=str(i),
                    name=name,
                    gender="女",
                    birth=date(1985, 3, i),
                    id_number=number,
                    unit=unit,
                    unit_key=unit,
                    county="麒麟区",
                    education="大学本科",
                    school="示例医学院",
                    major="护理",
                    graduated=date(2007, 7, 1),
                    work_start=date(2007, 8, 1),
                    current_title="护师",
                    current_title_date=date(2012, 12, 1),
                    series="卫生",
                    specialty="护理",
                    title_name="主管护师",
                    level="中级",
                    route="正常",
                    phone=f"1388800000{i}",
                    years_in_title=11,
                    years_working=16,
                    status=status,
                    problems=problems,
                    source_file="示例.xlsx",
                    source_sheet="Sheet1",
                    source_row=i + 3,
                    correction_deadline=date(2023, 10, 8)
                    if status == rules.STATUS_WITHDRAWN
                    else None,
                )
            )
        session.add(
            ImportBatch(
                committee_id=committee.id or 0,
                year=2023,
                file_name="示例.xlsx",
                sha256="0" * 64,
                rejected=[
                    {
                        "sheet": "Sheet1",
                        "row": 9,
                        "name": "刘洋",
                        "unit": "示例第二医院",
                        "reason": "与第3行是同一身份证号码，重复申报",
                    }
                ],
            )
        )
        for i in range(1, 9):
            session.add(
                Expert(
                    committee_id=committee.id or 0,
                    name=f"示例专家{i}",
                    gender="男",
                    id_number=idcard.make("530302", date(1970, 1, i), 11),
                    unit=f"专家单位{i}",
                    unit_key=f"专家单位{i}",
                    title="副主任护师",
                    level="副高级",
                    series="卫生",
                    specialty="护理",
                    phone=f"1398700000{i}",
                    term_start=date(2022, 7, 1),
                    term_end=date(2025, 6, 30),
                    status="在库",
                )
            )
        for key, first, last in (
            ("pre-publicity", date(2023, 10, 30), date(2023, 11, 3)),
            ("result-publicity", date(2023, 11, 21), date(2023, 11, 27)),
        ):
            session.add(MilestoneRecord(meeting_id=mid, milestone=key, first=first, last=last))
    drawn = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            mid,
            ["甲", "乙", "丙"],
            ["丁"],
            alternates=1,
            seed=["1234", "5678", "9012"],
            drawn_on=date(2023, 11, 10),
            place="示例地点",
        ),
    )
    draw_id = drawn.record["draw"]
    members = [p["id"] for p in drawn.record["picks"] if p["role"] == "member"]
    for eid in members:
        draw_answers.confirm(store, draw_id, eid, True, answered_on=date(2023, 11, 13))
    with store.transaction() as session:
        accepted = [
            a.id or 0
            for a in session.exec(
                select(Applicant).where(Applicant.status == rules.STATUS_ACCEPTED)
            )
        ]
        attending = members[:4]
        for eid in attending:
            session.add(Attendance(meeting_id=mid, expert_id=eid))
        session.add(
            ReviewAssignment(
                meeting_id=mid,
                version=1,
                algorithm="示例",
                seed="示例",
                per_applicant=3,
                reviewers={str(a): attending[:3] for a in accepted},
            )
        )
        for aid in accepted:
            for eid in attending[:3]:
                session.add(
                    Review(
                        meeting_id=mid,
                        applicant_id=aid,
                        expert_id=eid,
                        opinion="材料齐全 & 业绩<突出>。",
                        recommendation="同意",
                    )
                )
            session.add(
                BallotCount(meeting_id=mid, applicant_id=aid, agree=4, disagree=0, abstain=0)
            )
        session.add(
            Review(
                meeting_id=mid,
                applicant_id=accepted[0],
                expert_id=attending[0],
                opinion="更正笔误：材料齐全。",
                recommendation="同意",
                reason="更正笔误",
                after_seal=True,
            )
        )
        session.add(MeetingChair(meeting_id=mid, expert_id=attending[0], role="主任委员"))
        session.add(MeetingMethod(meeting_id=mid, methods=["审阅材料", "面试答辩"]))
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
            with render.capture_contexts() as captured, render.extra_context(draft=False):
                corrections.issue_notices(
                    store,
                    "SAMPLE",
                    folder / "notices",
                    today=date(2023, 9, 25),
                    contact="示例联系人",
                    contact_phone="0874-0000000",
                )
                draw_record.render_document(store, draw_id, folder / "draw.docx")
            contexts.update(captured)
            options = FilingOptions(
                contact="示例联系人",
                contact_phone="0874-0000000",
                address="示例地址",
                methods=("审阅材料", "面试答辩"),
                counter="示例计票人",
                scrutineer="示例监票人",
            )
            for stage in (PRE, POST):
                data = gather(store, mid, stage, today=date(2023, 12, 1))
                filing = Filing(data, options, draft=False)
                filing.files = _plan_files(filing)
                filing.photo_report = photos.PhotoReport()
                for d in PRE_DOCS if stage == PRE else POST_DOCS:
                    if d.template == "review_form.docx":
                        contexts[d.template] = next(filing.review_forms())[1]
                    elif d.template and d.template != draw_record.TEMPLATE:
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


def check_templates(
    names: list[str] | None = None, templates: Path | None = None, store_dir: Path | None = None
) -> list[catalogue.TemplateCheck]:
    """Check templates against their sample contexts. ``names`` are template names or paths of .docx files
    (a file is checked as the template of the same name); none: every template, as overridden by the user folder."""
    user_dir = folders.user_templates_dir(templates, store_dir)
    shipped = folders.shipped_templates()
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
        name = item if item.endswith(folders.TEMPLATE_SUFFIXES) else f"{item}.docx"
        if name not in shipped:
            raise InvalidValue(
                finding(
                    "template.unknown",
                    f"没有名为 {item} 的模板；qjtitle 的模板有：{'、'.join(shipped)}",
                    step=Step.LIST_TEMPLATES,
                    hint="查看模板",
                    names=[item],
                )
            )
        own = user_dir / name if user_dir is not None else None
        if own is not None and own.is_file():
            targets.append((name, own, "自定义"))
        else:
            targets.append((name, shipped[name], "自带"))
    checks = [
        catalogue.check_template(name, path, sample_context(name), source)
        for name, path, source in targets
    ]
    by_folder: dict[Path, dict[str, str | None]] = {}
    for c in checks:
        if c.source != "自带" and c.path.parent.is_dir():
            by_folder.setdefault(c.path.parent, {})[c.name] = c.sha256 if c.ok else None
    for folder, results in by_folder.items():
        try:
            folders.record_checked(folder, results)
        except (OSError, QjtitleError):
            pass  # a read-only folder: the checks stand, the files are just not accepted for later use
    return checks
