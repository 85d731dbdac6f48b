"""Entering the meeting's attendance, reviews and votes (one by one or read from the sheets), every
entry checked against the panel, the assignment, attendance and recusals; ``results`` says what they give.

The vote is a secret ballot (无记名投票): it is entered as counts per applicant (同意, 不同意,
弃权, 废票) from the anonymous tally sheet, never as a vote tied to an expert. Re-entering a
review or a vote that changes what was recorded lists every change and needs a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from qjtitle import when
from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.findings import Finding, Step, finding
from qjtitle.logic import tally
from qjtitle.meeting.proceedings import (
    RECOMMENDATIONS,
    ProceedingsError,
    _after_seal,
    _current_assignment,
    _find_applicant,
    _find_expert,
    gathered,
    has_votes,
    load,
    located,
)
from qjtitle.meeting.results import (
    FAILED,
    PASSED,
    SECRET,
    ApplicantResult,
    MeetingResults,
    _latest_reviews,
    changes,
    compute,
    missing_reviews,
)
from qjtitle.models import Attendance, BallotCount, Review
from qjtitle.spreadsheets.tables import Column, read_tables
from qjtitle.spreadsheets.text import clean_text
from qjtitle.store import Store, audit

# --- Attendance --------------------------------------------------------------------


@dataclass
class AttendanceResult:
    attending: list[tuple[int, str]]
    quorum: tally.Quorum
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    absent: list[str] = field(
        default_factory=list
    )  # recorded absent (never signed in), with the reason
    changes: list[str] = field(
        default_factory=list
    )  # recorded outcomes this changed (before → after)
    chair_left: str = ""  # the recorded chair, when this took them off the attendance
    unaccounted: list[str] = field(
        default_factory=list
    )  # confirmed members neither signed in nor recorded absent (no reason yet for the documents)


def attend(
    store: Store,
    meeting_id: int,
    present: Sequence[str] = (),
    absent: Sequence[str] = (),
    reason: str = "",
    source: str = "",
    user: str | None = None,
) -> AttendanceResult:
    """Record who signed in (``present``), and who did not come or left (``absent``, with the reason,
    which the documents state). A change of attendance that changes a recorded result lists the
    changes and needs a reason."""
    if absent and not reason.strip():
        raise InvalidValue(
            finding(
                "meeting.absence_needs_reason",
                "登记缺席或撤销签到须写明理由，将写入备案材料",
                field="reason",
                hint="写明理由（如 病假、因公出差）",
                meeting=meeting_id,
            )
        )
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        voted = has_votes(session, meeting_id)
        before = compute(session, ctx) if voted else None
        result = AttendanceResult([], tally.Quorum(ctx.meeting.size, 0))
        problems: list[Finding] = []

        def find(key: str) -> int:
            try:
                return _find_expert(ctx, key)
            except QjtitleError as exc:
                problems.append(exc.finding)
                return 0

        present_ids, absent_ids = [find(k) for k in present], [find(k) for k in absent]
        if problems:  # every name checked, all problems told at once, nothing written
            raise InvalidValue(
                gathered(
                    "meeting.attendance_problems",
                    "签到有以下问题，均未写入：",
                    problems,
                    meeting=meeting_id,
                )
            )
        u = user or audit.current_user()
        for eid in present_ids:
            if eid in ctx.attending:
                continue
            session.add(
                Attendance(
                    meeting_id=meeting_id,
                    expert_id=eid,
                    present=True,
                    source=source,
                    reason=reason,
                    after_seal=after,
                    user=u,
                )
            )
            ctx.attending.append(eid)
            result.added.append(ctx.expert_name(eid))
        for eid in dict.fromkeys(absent_ids):
            was_present = eid in ctx.attending
            if not was_present and ctx.absences.get(eid) == reason.strip():
                continue  # the same absence entered again
            session.add(
                Attendance(
                    meeting_id=meeting_id,
                    expert_id=eid,
                    present=False,
                    source=source,
                    reason=reason.strip(),
                    after_seal=after,
                    user=u,
                )
            )
            if was_present:
                ctx.attending.remove(eid)
                result.removed.append(ctx.expert_name(eid))
            else:
                result.absent.append(ctx.expert_name(eid))
        if before is not None:
            session.flush()
            result.changes = changes(before, compute(session, ctx))
            if result.changes and not reason.strip():
                raise ProceedingsError(
                    finding(
                        "meeting.attendance_changes_results",
                        f"第{meeting_id}号会议已录入投票，此时再改签到会改变应投票的专家和通过所需票数，"
                        "以下已记录的表决结果将改变：\n" + "\n".join(result.changes) + "\n均未写入",
                        field="reason",
                        hint="写明确属漏记的理由，之后须由现出席专家重新表决",
                        meeting=meeting_id,
                    )
                )
        result.attending = [(e, ctx.expert_name(e)) for e in ctx.attending]
        result.unaccounted = [
            ctx.expert_name(e)
            for e in ctx.panel
            if e not in ctx.attending and e not in ctx.absences and e not in absent_ids
        ]
        if ctx.chair is not None and ctx.expert_name(ctx.chair.expert_id) in result.removed:
            result.chair_left = f"{ctx.expert_name(ctx.chair.expert_id)}（{ctx.chair.role}）"
        result.quorum = tally.Quorum(ctx.meeting.size, len(ctx.attending))
        audit.record(
            session,
            "meeting attend",
            "meeting.attendance",
            {
                "meeting": meeting_id,
                "added": result.added,
                "removed": result.removed,
                "absent": result.absent,
                "reason": reason,
                "attending": len(ctx.attending),
                "after_seal": after,
                "after_votes": voted,
                "changes": result.changes,
            },
            user=user,
        )
    return result


# --- Reviews -----------------------------------------------------------------------

REVIEW_COLUMNS = (
    Column("applicant", "申报人", ("申报人姓名", "姓名", "申报人编号")),
    Column("expert", "评审专家", ("专家", "专家姓名", "审阅专家", "专家编号")),
    Column("opinion", "评议意见", ("审阅意见", "意见", "专家意见")),
    Column("recommendation", "评审建议", ("建议", "表决建议", "是否同意")),
)


@dataclass
class ReviewEntry:
    applicant: str
    expert: str
    opinion: str
    recommendation: str
    where: str = ""


def review_sheet(path: Path) -> list[ReviewEntry]:
    entries = []
    for t in read_tables(path, REVIEW_COLUMNS, ("applicant", "expert")):
        for row in t.rows:
            c = row.cells
            entries.append(
                ReviewEntry(
                    str(c.get("applicant") or ""),
                    str(c.get("expert") or ""),
                    str(c.get("opinion") or ""),
                    str(c.get("recommendation") or ""),
                    f"{path.name} {t.sheet} 第{row.number}行",
                )
            )
    return entries


@dataclass(frozen=True)
class ReviewOutcome:
    recorded: int  # opinions recorded now
    missing: tuple[str, ...]  # reviews still to enter (results.missing_reviews)
    changes: tuple[str, ...] = ()  # recorded reviews this changed (before → after)
    unchanged: int = 0  # entries the same as recorded: not written again


def record_reviews(
    store: Store,
    meeting_id: int,
    entries: Sequence[ReviewEntry],
    reason: str = "",
    user: str | None = None,
) -> ReviewOutcome:
    """Record reviewers' opinions; every entry is checked against the assignment, all problems listed."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        current = _current_assignment(session, meeting_id)
        if current is None:
            raise ProceedingsError(
                finding(
                    "meeting.no_assignment",
                    "还没有审阅安排",
                    step=Step.ASSIGN_REVIEWERS,
                    hint="请先安排审阅",
                    meeting=meeting_id,
                )
            )
        assigned = {int(k): set(v) for k, v in current.reviewers.items()}
        problems: list[Finding | str] = []
        rows = []
        for entry in entries:
            where = f"{entry.where}：" if entry.where else ""
            try:
                aid = _find_applicant(ctx, entry.applicant)
                eid = _find_expert(ctx, entry.expert)
            except QjtitleError as exc:
                problems.append(located(where, exc.finding))
                continue
            if eid not in assigned.get(aid, set()):
                problems.append(
                    f"{where}{ctx.expert_name(eid)} 未被安排审阅 {ctx.applicant(aid).name}（专家须独自审阅所分配的材料）"
                )
            recommendation = clean_text(entry.recommendation)
            if recommendation not in RECOMMENDATIONS:
                problems.append(f"{where}评审建议“{recommendation}”应为 同意 或 不同意")
            if not clean_text(entry.opinion):
                problems.append(f"{where}评议意见为空；请填写专家的书面意见")
            rows.append((aid, eid, clean_text(entry.opinion), recommendation))
        if problems:
            raise ProceedingsError(
                gathered(
                    "meeting.review_problems",
                    "评议记录有以下问题，均未写入：",
                    problems,
                    meeting=meeting_id,
                )
            )
        recorded = _latest_reviews(session, meeting_id)
        changed, new_rows, same = [], [], 0
        for aid, eid, opinion, recommendation in rows:
            old = recorded.get((aid, eid))
            if old is not None and (old.opinion, old.recommendation) == (opinion, recommendation):
                same += 1
                continue
            if old is not None:
                what = f"{ctx.applicant(aid).name}（{ctx.expert_name(eid)}）："
                if old.recommendation != recommendation:
                    what += f"评审建议 {old.recommendation} → {recommendation}"
                if old.opinion != opinion:
                    what += ("；" if old.recommendation != recommendation else "") + (
                        f"评议意见“{old.opinion}” → “{opinion}”"
                    )
                changed.append(what)
            new_rows.append((aid, eid, opinion, recommendation))
        if changed and not reason.strip():
            raise ProceedingsError(
                finding(
                    "meeting.reviews_change",
                    "以下已录入的评议将被改变：\n" + "\n".join(changed) + "\n均未写入",
                    field="reason",
                    hint="写明确需更改的理由",
                    meeting=meeting_id,
                )
            )
        for aid, eid, opinion, recommendation in new_rows:
            session.add(
                Review(
                    meeting_id=meeting_id,
                    applicant_id=aid,
                    expert_id=eid,
                    opinion=opinion,
                    recommendation=recommendation,
                    reason=reason,
                    after_seal=after,
                    user=user or audit.current_user(),
                )
            )
        audit.record(
            session,
            "meeting review",
            "meeting.reviews",
            {
                "meeting": meeting_id,
                "entries": len(new_rows),
                "reason": reason,
                "after_seal": after,
                "changes": changed,
            },
            user=user,
        )
        return ReviewOutcome(
            len(new_rows), tuple(missing_reviews(session, ctx)), tuple(changed), same
        )


# --- Votes -------------------------------------------------------------------------

COUNT_COLUMNS = (
    Column("applicant", "申报人", ("姓名", "申报人姓名", "申报人编号")),
    Column("agree", "同意", ("同意票", "赞成")),
    Column("disagree", "不同意", ("不同意票", "反对")),
    Column("abstain", "弃权", ("弃权票",)),
    Column("invalid", "废票", ("无效", "无效票", "废票数")),
)


@dataclass
class VoteEntry:
    """One applicant's counted votes, from the anonymous tally sheet (secret ballot)."""

    applicant: str
    counts: tuple[int, int, int]  # 同意, 不同意, 弃权
    invalid: int = 0  # 废票 (spoilt, blank, unreadable): counted as not agreeing
    where: str = ""


def vote_sheet(path: Path) -> list[VoteEntry]:
    """An anonymous tally workbook: one row per applicant with the counts 同意/不同意/弃权 (and 废票)."""
    try:
        tables = read_tables(path, COUNT_COLUMNS, ("applicant",), min_matches=4)
    except QjtitleError as exc:
        raise InvalidValue(
            f"{exc}\n表决为无记名投票：计票表每行一名申报人，填 同意、不同意、弃权、废票 各项票数，"
            "不记录专家个人的投票"
        ) from None
    entries: list[VoteEntry] = []
    problems: list[str] = []
    labels = {c.key: c.label for c in COUNT_COLUMNS}
    for t in tables:
        for row in t.rows:
            where = f"{path.name} {t.sheet} 第{row.number}行"
            numbers = []
            for key in ("agree", "disagree", "abstain", "invalid"):
                value = row.cells.get(key)
                number = _whole(value)
                if number is None:
                    problems.append(f"{where}：{labels[key]}“{value}”应为整数票数")
                numbers.append(number or 0)
            entries.append(
                VoteEntry(
                    str(row.cells.get("applicant") or ""),
                    counts=(numbers[0], numbers[1], numbers[2]),
                    invalid=numbers[3],
                    where=where,
                )
            )
    if problems:
        raise InvalidValue("计票表有以下问题，均未写入：\n" + "\n".join(problems))
    return entries


def _whole(value: object) -> int | None:
    """A count as read from a cell (whole floats already ints, texts cleaned): a whole number, empty
    as 0; anything else (7.5, 七, a bool) None."""
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def record_votes(
    store: Store,
    meeting_id: int,
    entries: Sequence[VoteEntry],
    reason: str = "",
    user: str | None = None,
) -> MeetingResults:
    """Check and record the counted votes (all problems listed, nothing written when any); return the
    results (as ``results``). Counts that change a recorded result are listed and need a reason."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        when.meeting_held(ctx.meeting.date, "录入表决结果")
        after = _after_seal(ctx, reason)
        if not tally.Quorum(ctx.meeting.size, len(ctx.attending)).met:
            raise ProceedingsError(
                tally.Quorum(ctx.meeting.size, len(ctx.attending)).describe() + "；不能投票"
            )
        problems: list[Finding | str] = []
        new_counts = []
        seen_applicants: dict[int, str] = {}
        for entry in entries:
            where = f"{entry.where}：" if entry.where else ""
            try:
                aid = _find_applicant(ctx, entry.applicant)
            except QjtitleError as exc:
                problems.append(located(where, exc.finding))
                continue
            name = ctx.applicant(aid).name
            if aid in seen_applicants:
                first = seen_applicants[aid] or "前面"
                problems.append(
                    f"{where}{name} 的投票重复：{first}已有其投票；每名申报人只能录入一次"
                )
                continue
            seen_applicants[aid] = entry.where
            recused = set(ctx.recused.get(aid, {}))
            result = tally.tally_counts(
                aid,
                *entry.counts,
                attending=len(ctx.attending),
                recused=len(recused & set(ctx.attending)),
                denominator=ctx.committee.vote_denominator,
                invalid=entry.invalid,
            )
            problems += [f"{where}{name}：{p}" for p in result.problems]
            new_counts.append((aid, (*entry.counts, entry.invalid)))
        if problems:
            raise ProceedingsError(
                gathered(
                    "meeting.vote_problems",
                    "投票记录有以下问题，均未写入：",
                    problems,
                    meeting=meeting_id,
                )
            )
        before = compute(session, ctx)
        recorded = {r.id: r for r in before.applicants}
        unchanged = [aid for aid, numbers in new_counts if _same_count(recorded.get(aid), numbers)]
        new_counts = [(aid, numbers) for aid, numbers in new_counts if aid not in unchanged]
        u = user or audit.current_user()
        for aid, (agree, disagree, abstain, invalid) in new_counts:
            session.add(
                BallotCount(
                    meeting_id=meeting_id,
                    applicant_id=aid,
                    agree=agree,
                    disagree=disagree,
                    abstain=abstain,
                    invalid=invalid,
                    reason=reason,
                    after_seal=after,
                    user=u,
                )
            )
        session.flush()
        now = compute(session, ctx)
        changed = changes(before, now)
        if changed and not reason.strip():
            raise ProceedingsError(
                finding(
                    "meeting.votes_change",
                    "以下已记录的表决结果将被改变：\n" + "\n".join(changed) + "\n均未写入",
                    field="reason",
                    hint="写明确需更改的理由（如 计票有误，复核计票表）",
                    meeting=meeting_id,
                )
            )
        audit.record(
            session,
            "record-votes",
            "meeting.votes",
            {
                "meeting": meeting_id,
                "applicants": len(new_counts),
                "unchanged": len(unchanged),
                "reason": reason,
                "after_seal": after,
                "changes": changed,
            },
            user=user,
        )
        return replace(
            now,
            changes=tuple(changed),
            unchanged=tuple(ctx.applicant(aid).name for aid in unchanged),
        )


def _same_count(recorded: ApplicantResult | None, numbers: tuple[int, int, int, int]) -> bool:
    """The counts entered again as they stand (a result to be voted again is not one that stands)."""
    if recorded is None or recorded.result not in (PASSED, FAILED) or recorded.counted is None:
        return False
    c = recorded.counted
    return c.mode == SECRET and (c.agree, c.disagree, c.abstain, c.invalid) == numbers
