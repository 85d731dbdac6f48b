"""Entering the meeting's reviews and votes (one by one or read from the sheets), every entry checked
against the assignment, attendance and recusals; ``results`` says what they give."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qjtitle import when
from qjtitle.errors import InvalidValue, QjtitleError
from qjtitle.meeting import tally
from qjtitle.meeting.proceedings import (
    RECOMMENDATIONS,
    ProceedingsError,
    _after_seal,
    _current_assignment,
    _find_applicant,
    _find_expert,
    _name_ids,
    load,
)
from qjtitle.meeting.results import MeetingResults, compute, missing_reviews
from qjtitle.models import (
    Ballot,
    BallotCount,
    Review,
)
from qjtitle.spreadsheets.tables import Column, read_tables
from qjtitle.spreadsheets.text import clean_text, compare_key
from qjtitle.store import Store, audit

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
        return ReviewOutcome(len(rows), tuple(missing_reviews(session, ctx)))


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
) -> MeetingResults:
    """Check and record votes (all problems listed, nothing written when any); return the results (as ``results``)."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        when.meeting_held(ctx.meeting.date, "录入表决结果")
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
        return compute(session, ctx)


def attending_names(store: Store, meeting_id: int) -> list[str]:
    """Names of the attending experts (the columns of an open tally sheet); namesakes by number."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        names = [ctx.expert_name(e) for e in ctx.attending]
        return [
            n if names.count(n) == 1 else str(e) for n, e in zip(names, ctx.attending, strict=True)
        ]
