"""The meeting's reviews and votes as recorded (entered one by one or read from the sheets), the
results they give (quorum, votes against the pass threshold, what must be voted again), and the
seal that closes the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from qjtitle import rules
from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.meeting import assignment, tally
from qjtitle.meeting.proceedings import (
    RECOMMENDATIONS,
    Context,
    ProceedingsError,
    _after_seal,
    _current_assignment,
    _find_applicant,
    _find_expert,
    _name_ids,
    load,
)
from qjtitle.models import (
    Attendance,
    Ballot,
    BallotCount,
    MeetingSeal,
    Review,
    ReviewAssignment,
)
from qjtitle.spreadsheets import Column, clean_text, compare_key, read_tables
from qjtitle.store import Store, audit, sealing

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


def record_reviews(
    store: Store,
    meeting_id: int,
    entries: Sequence[ReviewEntry],
    reason: str = "",
    user: str | None = None,
) -> dict[str, Any]:
    """Record reviewers' opinions; every entry is checked against the assignment, all problems listed."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        current = _current_assignment(session, meeting_id)
        if current is None:
            raise ProceedingsError(f"还没有审阅安排；请先运行 qjtitle meeting assign {meeting_id}")
        assigned = {int(k): set(v) for k, v in current.reviewers.items()}
        problems, rows = [], []
        for entry in entries:
            where = f"{entry.where}：" if entry.where else ""
            try:
                aid = _find_applicant(ctx, entry.applicant)
                eid = _find_expert(ctx, entry.expert)
            except QjtitleError as exc:
                problems.append(f"{where}{exc}")
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
            raise ProceedingsError("评议记录有以下问题，均未写入：\n" + "\n".join(problems))
        for aid, eid, opinion, recommendation in rows:
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
            {"meeting": meeting_id, "entries": len(rows), "reason": reason, "after_seal": after},
            user=user,
        )
        return {"recorded": len(rows), "missing": _missing_reviews(session, ctx)}


def _latest_reviews(session: Session, meeting_id: int) -> dict[tuple[int, int], Review]:
    latest: dict[tuple[int, int], Review] = {}
    for r in session.exec(
        select(Review).where(Review.meeting_id == meeting_id).order_by(col(Review.id))
    ):
        latest[(r.applicant_id, r.expert_id)] = r
    return latest


def _missing_reviews(session: Session, ctx: Context) -> list[str]:
    current = _current_assignment(session, ctx.meeting.id or 0)
    if current is None:
        return [f"{a.name}：尚未安排审阅专家" for a in ctx.applicants]
    done = _latest_reviews(session, ctx.meeting.id or 0)
    missing = []
    for a in ctx.applicants:
        if str(a.id) not in current.reviewers:
            missing.append(f"{a.name}：尚未安排审阅专家")
        for eid in current.reviewers.get(str(a.id), []):
            if (a.id, eid) not in done:
                missing.append(f"{a.name}：{ctx.expert_name(eid)} 的评议意见未录入")
    return missing


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
    applicant: str
    # expert key → choice (open ballot), or (expert key, choice) pairs: an expert given twice is refused
    ballots: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)
    counts: tuple[int, int, int] | None = None  # agree, disagree, abstain (secret ballot)
    where: str = ""
    invalid: int = 0  # 废票 counted in a secret ballot
    duplicate_columns: list[str] = field(
        default_factory=list
    )  # expert columns that appear twice in the sheet

    def pairs(self) -> list[tuple[str, str]]:
        return list(self.ballots.items()) if isinstance(self.ballots, dict) else list(self.ballots)


def vote_sheet(path: Path, expert_names: Sequence[str]) -> list[VoteEntry]:
    """A tally workbook: one row per applicant and either one column per attending expert
    (同意/不同意/弃权) or the columns 同意/不同意/弃权 with counts (secret ballot)."""
    columns = (Column("applicant", "申报人", ("姓名", "申报人姓名", "申报人编号")),) + tuple(
        Column(f"expert:{name}", name) for name in expert_names
    )
    try:
        counts = read_tables(path, COUNT_COLUMNS, ("applicant",), min_matches=4)
    except QjtitleError:
        counts = []
    entries: list[VoteEntry] = []
    if counts:
        for t in counts:
            for row in t.rows:
                c = row.cells
                try:
                    numbers = tuple(
                        int(c.get(k) or 0) for k in ("agree", "disagree", "abstain", "invalid")
                    )
                except (TypeError, ValueError):
                    raise InvalidValue(
                        f"{path.name} {t.sheet} 第{row.number}行：票数应为整数"
                    ) from None
                entries.append(
                    VoteEntry(
                        str(c.get("applicant") or ""),
                        counts=numbers[:3],  # type: ignore[arg-type]
                        invalid=numbers[3],
                        where=f"{path.name} {t.sheet} 第{row.number}行",
                    )
                )
        return entries
    names = {compare_key(n): n for n in expert_names}
    for t in read_tables(path, columns, ("applicant",), min_matches=2):
        # a header seen twice is left among the unknown ones: an expert with two columns
        doubled = [names[compare_key(h)] for h in t.unknown_headers if compare_key(h) in names]
        for row in t.rows:
            ballots = [
                (k.removeprefix("expert:"), str(v))
                for k, v in row.cells.items()
                if k.startswith("expert:") and v not in (None, "")
            ]
            entries.append(
                VoteEntry(
                    str(row.cells.get("applicant") or ""),
                    ballots=ballots,
                    where=f"{path.name} {t.sheet} 第{row.number}行",
                    duplicate_columns=doubled,
                )
            )
    return entries


def record_votes(
    store: Store,
    meeting_id: int,
    entries: Sequence[VoteEntry],
    reason: str = "",
    user: str | None = None,
) -> dict[str, Any]:
    """Check and record votes (all problems listed, nothing written when any); return the results (as ``results``)."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        if not tally.Quorum(ctx.meeting.size, len(ctx.attending)).met:
            raise ProceedingsError(
                tally.Quorum(ctx.meeting.size, len(ctx.attending)).describe() + "；不能投票"
            )
        problems: list[str] = []
        new_ballots, new_counts = [], []
        seen_applicants: dict[int, str] = {}
        for doubled in sorted({n for e in entries for n in e.duplicate_columns}):
            sheet = next(e.where.split(" ")[0] for e in entries if doubled in e.duplicate_columns)
            problems.append(f"{sheet}：专家 {doubled} 有两列，重复；每位出席专家只能有一列")
        for entry in entries:
            where = f"{entry.where}：" if entry.where else ""
            try:
                aid = _find_applicant(ctx, entry.applicant)
            except QjtitleError as exc:
                problems.append(f"{where}{exc}")
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
            if entry.counts is not None:
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
                continue
            ballots: dict[int, str] = {}
            for key, choice in entry.pairs():
                try:
                    eid = _find_expert(ctx, key)
                except QjtitleError as exc:
                    problems.append(f"{where}{name}：{exc}")
                    continue
                normal = tally.normalise_choice(choice)
                if normal is None:
                    problems.append(
                        f"{where}{name}：{ctx.expert_name(eid)} 的投票“{choice}”应为 {tally.CHOICES_TEXT}"
                    )
                    continue
                if eid in ballots:
                    problems.append(
                        f"{where}{name}：{ctx.expert_name(eid)} 的投票重复（{ballots[eid]}、{normal}）；"
                        "每位专家对每名申报人只能投一票"
                    )
                    continue
                ballots[eid] = normal
            result = tally.tally_ballots(
                aid, ballots, ctx.attending, recused, ctx.committee.vote_denominator
            )
            problems += [f"{where}{name}：{p}" for p in _name_ids(ctx, result.problems)]
            new_ballots += [(aid, eid, choice) for eid, choice in ballots.items()]
        if problems:
            raise ProceedingsError("投票记录有以下问题，均未写入：\n" + "\n".join(problems))
        u = user or audit.current_user()
        for aid, eid, choice in new_ballots:
            session.add(
                Ballot(
                    meeting_id=meeting_id,
                    applicant_id=aid,
                    expert_id=eid,
                    choice=choice,
                    reason=reason,
                    after_seal=after,
                    user=u,
                )
            )
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
        audit.record(
            session,
            "record-votes",
            "meeting.votes",
            {
                "meeting": meeting_id,
                "applicants": len(entries),
                "reason": reason,
                "after_seal": after,
            },
            user=user,
        )
        return _results(session, ctx)


# --- Results and seal ----------------------------------------------------------------


def _results(session: Session, ctx: Context) -> dict[str, Any]:
    meeting_id = ctx.meeting.id or 0
    ballots: dict[int, dict[int, str]] = {}
    ballot_time: dict[int, Any] = {}
    for b in session.exec(
        select(Ballot).where(Ballot.meeting_id == meeting_id).order_by(col(Ballot.id))
    ):
        ballots.setdefault(b.applicant_id, {})[b.expert_id] = b.choice
        ballot_time[b.applicant_id] = b.recorded_at
    counts: dict[int, BallotCount] = {}
    for c in session.exec(
        select(BallotCount)
        .where(BallotCount.meeting_id == meeting_id)
        .order_by(col(BallotCount.id))
    ):
        counts[c.applicant_id] = c
    quorum = tally.Quorum(ctx.meeting.size, len(ctx.attending))
    sign_ins = [
        (_utc(r.recorded_at), r)
        for r in session.exec(
            select(Attendance)
            .where(Attendance.meeting_id == meeting_id)
            .order_by(col(Attendance.id))
        )
    ]
    # a sealed meeting keeps the denominator it was sealed with, whatever the committee setting says now
    denominator = (
        ctx.sealed.summary.get("denominator", ctx.committee.vote_denominator)
        if ctx.sealed
        else ctx.committee.vote_denominator
    )
    rows = []
    for a in ctx.applicants:
        aid = a.id or 0
        recused = set(ctx.recused.get(aid, {})) & set(ctx.attending)
        # the kind of ballot entered last for an applicant stands (a secret count may replace a tally sheet)
        if aid in counts and (aid not in ballots or counts[aid].recorded_at >= ballot_time[aid]):
            c = counts[aid]
            r = tally.tally_counts(
                aid,
                c.agree,
                c.disagree,
                c.abstain,
                len(ctx.attending),
                len(recused),
                denominator,
                invalid=c.invalid,
            )
            mode = "无记名"
        elif aid in ballots:
            r = tally.tally_ballots(aid, ballots[aid], ctx.attending, recused, denominator)
            mode = "记名"
        else:
            r, mode = None, ""
        voted_at = (
            (_utc(counts[aid].recorded_at) if mode == "无记名" else _utc(ballot_time[aid]))
            if r
            else None
        )
        # sign-ins changed after this applicant's vote (with a reason): the vote must be taken again
        changed = [
            ctx.expert_name(row.expert_id) + ("签到" if row.present else "撤销签到")
            for t, row in sign_ins
            if voted_at is not None and t > voted_at
        ]
        person = {
            "id": aid,
            "name": a.name,
            "unit": a.unit,
            "specialty": a.specialty,
            "title": a.title_name,
        }
        if r is None:
            rows.append(
                {**person, "voted": False, "result": "未投票", "problems": ["尚未录入投票"]}
            )
            continue
        counted = {
            **person,
            "voted": True,
            "mode": mode,
            "agree": r.agree,
            "disagree": r.disagree,
            "abstain": r.abstain,
            "invalid": r.invalid,
            "denominator": r.denominator,
            "needed": r.needed,
            "margin": r.margin,
            "recused": len(recused),
        }
        if changed:
            problem = f"表决后签到有变动（{'、'.join(changed)}），出席专家与投票时不同，须由现出席专家重新表决"
            rows.append({**counted, "result": "须重新表决", "retake": True, "problems": [problem]})
            continue
        rows.append(
            {
                **counted,
                "result": "通过" if r.passed else "未通过",
                "problems": _name_ids(ctx, r.problems),
                "retake": False,
            }
        )
    voted = [r for r in rows if r["voted"]]
    passed = sum(1 for r in voted if r["result"] == "通过")
    rate = passed / len(voted) if voted else 0.0
    warnings = []
    if ctx.committee.pass_rate_cap is not None and voted and rate > ctx.committee.pass_rate_cap:
        warnings.append(
            f"通过率 {rate:.1%} 超过评委会设定的上限 {ctx.committee.pass_rate_cap:.0%}（{rules.PASS_RATE_CONTROL.text}，"
            f"{rules.PASS_RATE_CONTROL.source}）"
        )
    if not quorum.met:
        warnings.append(quorum.describe())
    retake = [str(r["name"]) for r in rows if r.get("retake")]
    if retake:
        warnings.append(f"以下申报人须重新表决（表决后签到有变动）：{'、'.join(retake)}")
    return {
        "meeting": meeting_id,
        "committee": ctx.committee.code,
        "quorum": {
            "size": quorum.size,
            "attending": quorum.attending,
            "needed": quorum.needed,
            "met": quorum.met,
        },
        "denominator": denominator,
        "denominator_text": tally.DENOMINATORS.get(denominator, ""),
        "applicants": rows,
        "passed": passed,
        "voted": len(voted),
        "pass_rate": rate,
        "missing_reviews": _missing_reviews(session, ctx),
        "warnings": warnings,
        "sealed_at": ctx.sealed.sealed_at.isoformat() if ctx.sealed else None,
        "after_seal": _after_seal_entries(session, meeting_id),
    }


def _utc(moment: Any) -> Any:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


# What can be entered after the seal (with a reason).
_Entered = TypeVar("_Entered", Attendance, ReviewAssignment, Review, Ballot, BallotCount)


def _entered_after_seal(session: Session, model: type[_Entered], meeting_id: int) -> list[_Entered]:
    query = select(model).where(model.meeting_id == meeting_id, model.after_seal == True)
    return list(session.exec(query))


def _after_seal_entries(session: Session, meeting_id: int) -> list[dict[str, Any]]:
    rows: list[tuple[str, Attendance | ReviewAssignment | Review | Ballot | BallotCount]] = [
        *(("签到", r) for r in _entered_after_seal(session, Attendance, meeting_id)),
        *(("审阅安排", r) for r in _entered_after_seal(session, ReviewAssignment, meeting_id)),
        *(("评议意见", r) for r in _entered_after_seal(session, Review, meeting_id)),
        *(("投票", r) for r in _entered_after_seal(session, Ballot, meeting_id)),
        *(("票数", r) for r in _entered_after_seal(session, BallotCount, meeting_id)),
    ]
    out: list[dict[str, Any]] = [
        {
            "what": what,
            "reason": row.reason,
            "recorded_at": row.recorded_at.isoformat(),
            "user": row.user,
        }
        for what, row in rows
    ]
    return out + sealing.corrections(session, meeting_id)


def results(store: Store, meeting_id: int) -> dict[str, Any]:
    with store.transaction() as session:
        return _results(session, load(session, meeting_id))


def seal(store: Store, meeting_id: int, user: str | None = None) -> dict[str, Any]:
    """Freeze attendance, reviews and votes: refused while votes or reviews are missing or invalid."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        if ctx.sealed is not None:
            raise ProceedingsError(
                f"第{meeting_id}号会议已于 {ctx.sealed.sealed_at:%Y-%m-%d %H:%M} 封存"
            )
        summary = _results(session, ctx)
        problems = list(summary["missing_reviews"])
        current = _current_assignment(session, meeting_id)
        if current is not None:
            reviewers = {int(k): v for k, v in current.reviewers.items()}
            unassigned = [a.name for a in ctx.applicants if (a.id or 0) not in reviewers]
            if unassigned:
                problems.append(
                    f"以下申报人没有安排审阅专家：{'、'.join(unassigned)}；请重新运行 qjtitle meeting assign"
                )
            problems += _name_ids(
                ctx, assignment.check(reviewers, ctx.recused, ctx.attending, current.per_applicant)
            )
        if not summary["quorum"]["met"]:
            problems.append(tally.Quorum(ctx.meeting.size, len(ctx.attending)).describe())
        for row in summary["applicants"]:
            problems += [f"{row['name']}：{p}" for p in row["problems"]]
        if problems:
            raise ProceedingsError("以下问题解决前不能封存：\n" + "\n".join(problems))
        frozen = sealing.freeze(
            session,
            meeting_id,
            ctx.applicants,
            [e for e in (*ctx.panel.values(), *ctx.declined.values())],
        )
        record = MeetingSeal(
            meeting_id=meeting_id,
            user=user or audit.current_user(),
            summary={
                **{
                    k: summary[k] for k in ("quorum", "passed", "voted", "pass_rate", "denominator")
                },
                **frozen,
            },
        )
        session.add(record)
        session.flush()
        audit.record(
            session,
            "meeting seal",
            "meeting.sealed",
            {"meeting": meeting_id, **record.summary},
            user=user,
        )
        summary["sealed_at"] = record.sealed_at.isoformat()
        summary["seal_digest"] = frozen["digest"]
        return summary


def attending_names(store: Store, meeting_id: int) -> list[str]:
    """Names of the attending experts (the columns of an open tally sheet); namesakes by number."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        names = [ctx.expert_name(e) for e in ctx.attending]
        return [
            n if names.count(n) == 1 else str(e) for n, e in zip(names, ctx.attending, strict=True)
        ]
