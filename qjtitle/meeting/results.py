"""What the recorded reviews and votes give (quorum, each applicant against the pass threshold,
what must be voted again), and the seal that closes the meeting's record."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NotRequired, TypedDict, TypeVar

from sqlmodel import Session, col, select

from qjtitle import rules, when
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.logic import tally
from qjtitle.meeting.proceedings import (
    Context,
    ProceedingsError,
    _current_assignment,
    _name_ids,
    check_assignment,
    gathered,
    load,
)
from qjtitle.models import (
    Attendance,
    Ballot,
    BallotCount,
    MeetingChair,
    MeetingMethod,
    MeetingSeal,
    Review,
    ReviewAssignment,
)
from qjtitle.store import Store, audit, sealing
from qjtitle.store.sealing import LateEntry


class Outcome(StrEnum):
    """An applicant's result (equal to the stored and printed words)."""

    PASSED = "通过"
    FAILED = "未通过"
    RETAKE = "须重新表决"
    NOT_VOTED = "未投票"


class VoteMode(StrEnum):
    """How a vote was entered: counts from the anonymous tally sheet (secret ballot), or (a store's
    old records) one ballot per expert."""

    SECRET = "无记名"
    NAMED = "记名"


PASSED, FAILED, RETAKE, NOT_VOTED = (
    Outcome.PASSED,
    Outcome.FAILED,
    Outcome.RETAKE,
    Outcome.NOT_VOTED,
)
SECRET = VoteMode.SECRET


class QuorumJson(TypedDict):
    size: int
    attending: int
    needed: int
    met: bool


class ApplicantJson(TypedDict):
    """:meth:`ApplicantResult.as_dict`: the counts only once voted, ``retake`` only once voted."""

    id: int
    name: str
    unit: str
    specialty: str
    title: str
    voted: bool
    mode: NotRequired[str]
    agree: NotRequired[int]
    disagree: NotRequired[int]
    abstain: NotRequired[int]
    invalid: NotRequired[int]
    denominator: NotRequired[int]
    needed: NotRequired[int]
    margin: NotRequired[int]
    recused: NotRequired[int]
    result: str
    problems: list[str]
    retake: NotRequired[bool]


class ResultsJson(TypedDict):
    """:meth:`MeetingResults.as_dict`: ``--json`` and the filing's contexts."""

    meeting: int
    committee: str
    quorum: QuorumJson
    denominator: str
    denominator_text: str
    applicants: list[ApplicantJson]
    passed: int
    voted: int
    pass_rate: float
    missing_reviews: list[str]
    warnings: list[str]
    sealed_at: str | None
    after_seal: list[dict[str, Any]]
    seal_digest: NotRequired[str]


@dataclass(frozen=True)
class Counted:
    """An applicant's counted vote."""

    mode: VoteMode  # 记名 (one ballot per expert) or 无记名 (counts)
    agree: int
    disagree: int
    abstain: int
    invalid: int
    denominator: int
    needed: int
    margin: int
    recused: int  # attending experts who had to recuse themselves


@dataclass(frozen=True)
class ApplicantResult:
    """One applicant's result: 通过, 未通过, 须重新表决 or 未投票, with the problems found."""

    id: int
    name: str
    unit: str
    specialty: str
    title: str
    result: Outcome
    problems: tuple[str, ...]
    counted: Counted | None  # None: not voted yet

    @property
    def voted(self) -> bool:
        return self.counted is not None

    @property
    def retake(self) -> bool:
        return self.result == RETAKE

    def as_dict(self) -> ApplicantJson:
        out: ApplicantJson = {  # type: ignore[typeddict-item]  # result and problems come last
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "specialty": self.specialty,
            "title": self.title,
            "voted": self.voted,
        }
        if self.counted is None:
            return {**out, "result": self.result, "problems": list(self.problems)}
        c = self.counted
        out |= {
            "mode": c.mode,
            "agree": c.agree,
            "disagree": c.disagree,
            "abstain": c.abstain,
            "invalid": c.invalid,
            "denominator": c.denominator,
            "needed": c.needed,
            "margin": c.margin,
            "recused": c.recused,
        }
        if self.retake:
            return {**out, "result": self.result, "retake": True, "problems": list(self.problems)}
        return {**out, "result": self.result, "problems": list(self.problems), "retake": False}


@dataclass(frozen=True)
class MeetingResults:
    """A meeting's results as recorded so far (``meeting results``; ``meeting seal`` adds the seal)."""

    meeting: int
    committee: str
    quorum: tally.Quorum
    denominator: str  # tally.DENOMINATORS' code
    denominator_text: str
    applicants: tuple[ApplicantResult, ...]
    passed: int
    voted: int
    pass_rate: float
    missing_reviews: tuple[str, ...]
    warnings: tuple[str, ...]
    sealed_at: datetime | None
    after_seal: tuple[LateEntry, ...]  # entries and corrections made after the seal
    seal_digest: str | None = None  # set by ``seal``
    changes: tuple[
        str, ...
    ] = ()  # set by ``record_votes``: recorded results it changed (before → after)
    unchanged: tuple[
        str, ...
    ] = ()  # set by ``record_votes``: applicants whose counts were entered again as recorded
    findings: tuple[Finding, ...] = ()  # the warnings, as findings

    def as_dict(self) -> ResultsJson:
        """The JSON form (``--json``, the filing's contexts)."""
        q = self.quorum
        out: ResultsJson = {
            "meeting": self.meeting,
            "committee": self.committee,
            "quorum": {"size": q.size, "attending": q.attending, "needed": q.needed, "met": q.met},
            "denominator": self.denominator,
            "denominator_text": self.denominator_text,
            "applicants": [a.as_dict() for a in self.applicants],
            "passed": self.passed,
            "voted": self.voted,
            "pass_rate": self.pass_rate,
            "missing_reviews": list(self.missing_reviews),
            "warnings": list(self.warnings),
            "sealed_at": self.sealed_at.isoformat() if self.sealed_at else None,
            "after_seal": [e.as_dict() for e in self.after_seal],
        }
        if self.seal_digest is not None:
            out["seal_digest"] = self.seal_digest
        return out


def _latest_reviews(session: Session, meeting_id: int) -> dict[tuple[int, int], Review]:
    latest: dict[tuple[int, int], Review] = {}
    for r in session.exec(
        select(Review).where(Review.meeting_id == meeting_id).order_by(col(Review.id))
    ):
        latest[(r.applicant_id, r.expert_id)] = r
    return latest


def missing_reviews(session: Session, ctx: Context) -> list[str]:
    """Applicants without reviewers, and assigned reviews not yet entered."""
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


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def compute(session: Session, ctx: Context) -> MeetingResults:
    meeting_id = ctx.meeting.id or 0
    ballots: dict[int, dict[int, str]] = {}
    ballot_time: dict[int, datetime] = {}
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
    sign_ins: list[
        tuple[datetime, Attendance, bool]
    ] = []  # (when, row, whether it changed attendance)
    state: dict[int, bool] = {}
    for row in session.exec(
        select(Attendance).where(Attendance.meeting_id == meeting_id).order_by(col(Attendance.id))
    ):
        sign_ins.append(
            (_utc(row.recorded_at), row, state.get(row.expert_id, False) != row.present)
        )
        state[row.expert_id] = row.present
    # a sealed meeting keeps the denominator it was sealed with, whatever the committee setting says now
    denominator: str = (
        ctx.sealed.summary.get("denominator", ctx.committee.vote_denominator)
        if ctx.sealed
        else ctx.committee.vote_denominator
    )
    rows: list[ApplicantResult] = []
    for a in ctx.applicants:
        aid = a.id or 0
        recused = set(ctx.recused.get(aid, {})) & set(ctx.attending)
        person = (aid, a.name, a.unit, a.specialty, a.title_name)
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
            mode, voted_at = SECRET, _utc(c.recorded_at)
        elif aid in ballots:
            r = tally.tally_ballots(aid, ballots[aid], ctx.attending, recused, denominator)
            mode, voted_at = VoteMode.NAMED, _utc(ballot_time[aid])
        else:
            rows.append(ApplicantResult(*person, NOT_VOTED, ("尚未录入投票",), None))
            continue
        counted = Counted(
            mode,
            r.agree,
            r.disagree,
            r.abstain,
            r.invalid,
            r.denominator,
            r.needed,
            r.margin,
            len(recused),
        )
        # sign-ins changed after this applicant's vote (with a reason): the vote must be taken again
        changed = [
            ctx.expert_name(row.expert_id) + ("签到" if row.present else "撤销签到")
            for t, row, flips in sign_ins
            if flips and t > voted_at
        ]
        if changed:
            problem = f"表决后签到有变动（{'、'.join(changed)}），出席专家与投票时不同，须由现出席专家重新表决"
            rows.append(ApplicantResult(*person, RETAKE, (problem,), counted))
            continue
        verdict = PASSED if r.passed else FAILED
        rows.append(ApplicantResult(*person, verdict, tuple(_name_ids(ctx, r.problems)), counted))
    voted = [r for r in rows if r.voted]
    passed = sum(1 for r in voted if r.result == PASSED)
    rate = passed / len(voted) if voted else 0.0
    warnings: list[Finding] = []
    if ctx.committee.pass_rate_cap is not None and voted and rate > ctx.committee.pass_rate_cap:
        warnings.append(
            finding(
                "meeting.pass_rate_over_cap",
                f"通过率 {rate:.1%} 超过评委会设定的上限 {ctx.committee.pass_rate_cap:.0%}（{rules.PASS_RATE_CONTROL.text}，"
                f"{rules.PASS_RATE_CONTROL.source}）",
                rule="PASS_RATE_CONTROL",
                severity=Severity.WARNING,
                pass_rate=rate,
                cap=ctx.committee.pass_rate_cap,
            )
        )
    if not quorum.met:
        warnings.append(
            finding(
                "meeting.no_quorum",
                quorum.describe(),
                rule="QUORUM",
                severity=Severity.WARNING,
                size=quorum.size,
                attending=quorum.attending,
            )
        )
    retake = [r.name for r in rows if r.retake]
    if retake:
        warnings.append(
            finding(
                "meeting.retake",
                f"以下申报人须重新表决（表决后签到有变动）：{'、'.join(retake)}",
                severity=Severity.WARNING,
                applicants=retake,
            )
        )
    return MeetingResults(
        meeting=meeting_id,
        committee=ctx.committee.code,
        quorum=quorum,
        denominator=denominator,
        denominator_text=tally.DENOMINATORS.get(denominator, ""),
        applicants=tuple(rows),
        passed=passed,
        voted=len(voted),
        pass_rate=rate,
        missing_reviews=tuple(missing_reviews(session, ctx)),
        warnings=tuple(f.message for f in warnings),
        findings=tuple(warnings),
        sealed_at=ctx.sealed.sealed_at if ctx.sealed else None,
        after_seal=tuple(_after_seal_entries(session, meeting_id)),
    )


def changes(before: MeetingResults, after: MeetingResults) -> list[str]:
    """Every recorded result that ``after`` changes (before → after): an applicant's result or counted votes.
    A result not yet voted, or to be voted again, is not a recorded one."""

    def votes(r: ApplicantResult) -> str:
        c = r.counted
        if c is None:
            return ""
        spoilt = f"，废票{c.invalid}" if c.invalid else ""
        return f"同意{c.agree}，不同意{c.disagree}，弃权{c.abstain}{spoilt}"

    now = {r.id: r for r in after.applicants}
    out = []
    for r in before.applicants:
        new = now.get(r.id)
        if r.result not in (PASSED, FAILED) or new is None:
            continue
        if votes(r) == votes(new) and r.result != new.result:
            out.append(f"{r.name}（{votes(r)}）：{r.result} → {new.result}")
        elif votes(r) != votes(new):
            out.append(f"{r.name}：{votes(r)}：{r.result} → {votes(new)}：{new.result}")
    return out


# What can be entered after the seal (with a reason).
_Entered = TypeVar(
    "_Entered",
    Attendance,
    ReviewAssignment,
    Review,
    Ballot,
    BallotCount,
    MeetingChair,
    MeetingMethod,
)


def _entered_after_seal(session: Session, model: type[_Entered], meeting_id: int) -> list[_Entered]:
    query = select(model).where(model.meeting_id == meeting_id, model.after_seal == True)
    return list(session.exec(query))


def _after_seal_entries(session: Session, meeting_id: int) -> list[LateEntry]:
    rows: list[
        tuple[
            str,
            Attendance
            | ReviewAssignment
            | Review
            | Ballot
            | BallotCount
            | MeetingChair
            | MeetingMethod,
        ]
    ] = [
        *(("签到", r) for r in _entered_after_seal(session, Attendance, meeting_id)),
        *(("审阅安排", r) for r in _entered_after_seal(session, ReviewAssignment, meeting_id)),
        *(("评议意见", r) for r in _entered_after_seal(session, Review, meeting_id)),
        *(("投票", r) for r in _entered_after_seal(session, Ballot, meeting_id)),
        *(("票数", r) for r in _entered_after_seal(session, BallotCount, meeting_id)),
        *(("主持人", r) for r in _entered_after_seal(session, MeetingChair, meeting_id)),
        *(("评审方式", r) for r in _entered_after_seal(session, MeetingMethod, meeting_id)),
    ]
    entered = [LateEntry(what, row.reason, row.recorded_at, row.user) for what, row in rows]
    return entered + sealing.corrections(session, meeting_id)


def as_held_problems(ctx: Context) -> list[Finding]:
    """What the record of the meeting as held still lacks: a chair present, the methods used."""
    problems = []
    m = ctx.meeting.id
    if ctx.presiding is None:
        left = (
            f"记录的主持人 {ctx.expert_name(ctx.chair.expert_id)} 现未在出席名单中；"
            if ctx.chair is not None
            else ""
        )
        problems.append(
            finding(
                "meeting.no_chair",
                f"{left}尚未记录主持会议的主任委员（或主持会议的副主任委员），须是出席会议的专家",
                step=Step.CHOOSE_CHAIR,
                hint="请记录主持会议的主任委员（或副主任委员）",
                meeting=m,
            )
        )
    if not ctx.methods:
        problems.append(
            finding(
                "meeting.no_methods",
                f"尚未记录本次会议实际采用的评审方式（可选：{'、'.join(rules.METHODS)}）",
                step=Step.RECORD_METHODS,
                hint="请记录评审方式",
                meeting=m,
            )
        )
    return problems


def results(store: Store, meeting_id: int) -> MeetingResults:
    with store.transaction() as session:
        return compute(session, load(session, meeting_id))


def seal(store: Store, meeting_id: int, user: str | None = None) -> MeetingResults:
    """Freeze attendance, reviews and votes: refused while votes or reviews are missing or invalid."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        if ctx.sealed is not None:
            raise ProceedingsError(
                f"第{meeting_id}号会议已于 {ctx.sealed.sealed_at:%Y-%m-%d %H:%M} 封存"
            )
        when.meeting_held(ctx.meeting.end_date or ctx.meeting.date, "封存")
        summary = compute(session, ctx)
        problems: list[Finding | str] = list(summary.missing_reviews)
        current = _current_assignment(session, meeting_id)
        if current is not None:
            reviewers = {int(k): v for k, v in current.reviewers.items()}
            unassigned = [a.name for a in ctx.applicants if (a.id or 0) not in reviewers]
            if unassigned:
                problems.append(
                    finding(
                        "meeting.unassigned",
                        f"以下申报人没有安排审阅专家：{'、'.join(unassigned)}",
                        step=Step.ASSIGN_REVIEWERS,
                        hint="请重新安排审阅",
                        meeting=meeting_id,
                    )
                )
            problems += check_assignment(ctx, reviewers, current.per_applicant)
        if not summary.quorum.met:
            problems.append(tally.Quorum(ctx.meeting.size, len(ctx.attending)).describe())
        problems += as_held_problems(ctx)
        for row in summary.applicants:
            problems += [f"{row.name}：{p}" for p in row.problems]
        if problems:
            raise ProceedingsError(
                gathered(
                    "meeting.seal_refused", "以下问题解决前不能封存：", problems, meeting=meeting_id
                )
            )
        frozen = sealing.freeze(
            session,
            meeting_id,
            ctx.applicants,
            [e for e in (*ctx.panel.values(), *ctx.declined.values())],
        )
        kept = summary.as_dict()
        record = MeetingSeal(
            meeting_id=meeting_id,
            user=user or audit.current_user(),
            summary={
                **{k: kept[k] for k in ("quorum", "passed", "voted", "pass_rate", "denominator")},
                **frozen,
                # the meeting as held: who presided (expert id, role) and the methods used
                "chair": list(ctx.presiding) if ctx.presiding else None,
                "methods": list(ctx.methods),
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
        return replace(summary, sealed_at=record.sealed_at, seal_digest=frozen["digest"])
