"""What happens at the meeting: attendance, reviewer assignment, reviews, votes, results, seal.

通知 三（二）: at least 2/3 of the committee attend; each applicant's materials are
read independently by at least 3 experts; the result is voted by all attending
experts. 40号令: an applicant passes with agree votes from at least 2/3 of the
attending experts. The arithmetic is in ``tally`` and ``assignment`` (pure); this
module keeps the records.

Every record here is append-only (the database refuses UPDATE and DELETE): the
latest entry for a key stands, a correction is a new entry, and once the meeting
is sealed every new entry needs a reason and is marked as made after the seal, so
that the filing shows it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlmodel import Session, col, select

from qjtitle import meetings as meeting
from qjtitle import rules
from qjtitle.errors import InvalidValue, NotFound, QjtitleError
from qjtitle.experts import draw_answers, recusal
from qjtitle.findings import Finding, Step, finding
from qjtitle.logic import assignment
from qjtitle.models import (
    Applicant,
    Attendance,
    Ballot,
    BallotCount,
    Committee,
    Expert,
    Meeting,
    MeetingChair,
    MeetingMethod,
    MeetingSeal,
    ReviewAssignment,
)
from qjtitle.spreadsheets.tables import Column, read_tables
from qjtitle.spreadsheets.text import clean_text, compare_key
from qjtitle.store import Store, audit, sealing

RECOMMENDATIONS = ("同意", "不同意")
# Who presides (DESIGN.md, the meeting as held): the committee's chair, or a vice-chair presiding.
CHAIR, VICE_CHAIR = "主任委员", "副主任委员"
CHAIR_ROLES = (CHAIR, VICE_CHAIR)


class ProceedingsError(QjtitleError):
    """A meeting record that the rules refuse (quorum, recusal, missing votes, a sealed meeting)."""


def in_words(problem: Finding | str) -> str:
    """A problem as one line: the fact, and what to do in words (no command)."""
    if isinstance(problem, str):
        return problem
    hint = problem.fix.hint if problem.fix else ""
    return f"{problem.message}；{hint}" if hint else problem.message


def gathered(code: str, header: str, problems: Sequence[Finding | str], **facts: object) -> Finding:
    """Every problem found at once as one finding: ``header``, then a line each. The first problem
    whose fix is a step lends the finding that fix (its line comes last, where the fix is shown);
    the others say what to do in words."""
    carrier = next((p for p in problems if isinstance(p, Finding) and p.fix and p.fix.step), None)
    lines = [in_words(p) for p in problems if p is not carrier]
    lines += [carrier.message] if carrier is not None else []
    return Finding(
        code,
        "\n".join([header, *dict.fromkeys(lines)]),
        facts=dict(facts),
        fix=carrier.fix if carrier is not None else None,
    )


def located(where: str, problem: Finding) -> Finding:
    """``problem`` said of a place (a sheet's row): ``where`` before its message."""
    return replace(problem, message=f"{where}{problem.message}") if where else problem


# --- Who is who --------------------------------------------------------------------


@dataclass
class Context:
    """A meeting with everything the checks need, loaded once."""

    meeting: Meeting
    committee: Committee
    panel: dict[int, Expert]  # drawn members now (after replacements) who accepted
    declined: dict[int, Expert]
    unconfirmed: dict[int, Expert]  # members whose answer is not recorded yet
    applicants: list[Applicant]  # 已受理 applicants of the meeting, by unit then row
    recused: dict[int, dict[int, str]]  # applicant id → {expert id: reason}
    attending: list[int]  # expert ids signed in, in the order they signed
    sealed: MeetingSeal | None
    chair: MeetingChair | None = (
        None  # the latest chair recorded (may have left since: see presiding)
    )
    methods: tuple[str, ...] = ()  # the evaluation methods recorded as used (rules.METHODS)
    absences: dict[int, str] = field(default_factory=dict)  # expert id → why not present (latest)

    @property
    def presiding(self) -> tuple[int, str] | None:
        """(expert id, role) of the recorded chair, when that expert is present."""
        if self.chair is None or self.chair.expert_id not in self.attending:
            return None
        return self.chair.expert_id, self.chair.role

    def expert_name(self, expert_id: int) -> str:
        e = self.panel.get(expert_id) or self.declined.get(expert_id)
        return e.name if e else f"专家{expert_id}"

    def applicant(self, applicant_id: int) -> Applicant:
        for a in self.applicants:
            if a.id == applicant_id:
                return a
        raise NotFound(f"编号 {applicant_id} 不是本次会议（已受理）的申报人")


def load(session: Session, meeting_id: int) -> Context:
    m = meeting.get(session, meeting_id)
    committee = session.get(Committee, m.committee_id)
    assert committee is not None
    members = draw_answers.current_panel(session, meeting_id)
    if members is None:
        raise ProceedingsError(
            finding(
                "meeting.not_drawn",
                f"第{meeting_id}号会议还没有抽取专家",
                step=Step.DRAW_EXPERTS,
                hint="请先抽取专家",
                meeting=meeting_id,
            )
        )
    panel = {
        p.expert.id: p.expert for p in members if p.accepted is True and p.expert.id is not None
    }
    declined = {
        p.expert.id: p.expert for p in members if p.accepted is False and p.expert.id is not None
    }
    unconfirmed = {
        p.expert.id: p.expert for p in members if p.accepted is None and p.expert.id is not None
    }
    seal = session.exec(select(MeetingSeal).where(MeetingSeal.meeting_id == meeting_id)).first()
    frozen = sealing.frozen_applicant_ids(session, meeting_id) if seal is not None else None
    # A sealed meeting decided on the applicants its seal lists, whatever was imported since.
    which = (
        col(Applicant.id).in_(frozen)
        if frozen is not None
        else (Applicant.committee_id == m.committee_id)
        & (Applicant.year == meeting.evaluation_year(m))
        & (Applicant.status == rules.STATUS_ACCEPTED)
    )
    applicants = list(
        session.exec(
            select(Applicant)
            .where(which)
            .order_by(
                col(Applicant.unit_key), col(Applicant.source_file), col(Applicant.source_row)
            )
        )
    )
    recused = recusal.for_meeting(session, m, [a.id for a in applicants if a.id is not None])
    latest: dict[int, bool] = {}
    order: list[int] = []
    absences: dict[int, str] = {}
    for row in session.exec(
        select(Attendance).where(Attendance.meeting_id == meeting_id).order_by(col(Attendance.id))
    ):
        latest[row.expert_id] = row.present
        if row.expert_id not in order:
            order.append(row.expert_id)
        if row.present:
            absences.pop(row.expert_id, None)
        else:
            absences[row.expert_id] = row.reason
    # an expert who signed in and later left the panel (a decline, a redraw) no longer counts
    attending = [e for e in order if latest[e] and e in panel]
    chair = session.exec(
        select(MeetingChair)
        .where(MeetingChair.meeting_id == meeting_id)
        .order_by(col(MeetingChair.id).desc())
    ).first()
    used = session.exec(
        select(MeetingMethod)
        .where(MeetingMethod.meeting_id == meeting_id)
        .order_by(col(MeetingMethod.id).desc())
    ).first()
    return Context(
        m,
        committee,
        panel,
        declined,
        unconfirmed,
        applicants,
        recused,
        attending,
        seal,
        chair,
        tuple(used.methods) if used else (),
        {e: why for e, why in absences.items() if e in panel and e not in attending},
    )


def _after_seal(ctx: Context, reason: str) -> bool:
    if ctx.sealed is None:
        return False
    if not reason.strip():
        raise ProceedingsError(
            finding(
                "meeting.sealed_needs_reason",
                f"第{ctx.meeting.id}号会议已于 {ctx.sealed.sealed_at:%Y-%m-%d %H:%M} 封存；"
                "封存后的更正须写明理由，并将在备案材料中列出",
                field="reason",
                hint="写明理由",
                meeting=ctx.meeting.id,
            )
        )
    return True


def _find_expert(ctx: Context, key: str) -> int:
    """An expert of the panel by id or name."""
    key = clean_text(str(key))
    if key.isdigit() and int(key) in ctx.panel:
        return int(key)
    matches = [eid for eid, e in ctx.panel.items() if compare_key(e.name) == compare_key(key)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InvalidValue(
            f"本次会议有多名专家叫“{key}”；请改用编号：{'、'.join(map(str, matches))}"
        )
    declined = [
        e
        for e in ctx.declined.values()
        if compare_key(e.name) == compare_key(key) or str(e.id) == key
    ]
    if declined:
        raise InvalidValue(f"{declined[0].name} 已谢绝参会，不能签到、审阅或投票")
    waiting = [
        e
        for e in ctx.unconfirmed.values()
        if compare_key(e.name) == compare_key(key) or str(e.id) == key
    ]
    if waiting:
        raise InvalidValue(
            finding(
                "meeting.expert_unconfirmed",
                f"{waiting[0].name} 尚未确认参会",
                step=Step.CONFIRM_DRAW,
                hint="请先记录其答复",
                expert=waiting[0].name,
            )
        )
    names = "、".join(f"{e.name}（{eid}）" for eid, e in sorted(ctx.panel.items()))
    raise InvalidValue(
        f"“{key}”不是本次会议抽取并确认的专家；只有抽取并确认的专家可以参会。本次会议专家：{names}"
    )


def _find_applicant(ctx: Context, key: str) -> int:
    key = clean_text(str(key))
    if key.isdigit() and len(key) < 10:
        return ctx.applicant(int(key)).id or 0
    if len(key) == 18:
        found = [a for a in ctx.applicants if a.id_number == key.upper()]
    else:
        found = [a for a in ctx.applicants if compare_key(a.name) == compare_key(key)]
    if len(found) == 1:
        return found[0].id or 0
    if len(found) > 1:
        raise InvalidValue(
            f"本次会议有多名申报人叫“{key}”；请改用编号：{'、'.join(str(a.id) for a in found)}"
        )
    raise InvalidValue(
        finding(
            "meeting.not_an_applicant",
            f"“{key}”不是本次会议（已受理）的申报人",
            step=Step.LIST_APPLICANTS,
            hint="请查看已受理的申报人",
            key=key,
        )
    )


# --- Attendance --------------------------------------------------------------------

SIGN_IN_COLUMNS = (
    Column("name", "姓名", ("专家姓名", "评审专家", "专家")),
    Column("expert_id", "编号", ("专家编号",)),
    Column("signed", "签到", ("签名", "签字", "是否出席", "出席", "签到情况")),
)
_ABSENT_WORDS = {"否", "缺席", "未到", "请假", "×", "x", "无", "0"}
# A mark that says why someone was away ("缺席（病假）", "出差") is an absence, not a signature.
_ABSENCE_HINTS = (
    "缺席",
    "未到",
    "请假",
    "病假",
    "事假",
    "出差",
    "公差",
    "未出席",
    "未参会",
    "离会",
)


def sign_in_sheet(path: Path) -> list[str]:
    """Names (or ids) of the experts marked present on a typed-back sign-in sheet."""
    tables = read_tables(path, SIGN_IN_COLUMNS, ("name", "expert_id"), min_matches=2)
    present = []
    for t in tables:
        for row in t.rows:
            mark = clean_text(str(row.cells.get("signed") or ""))
            if (
                not mark
                or compare_key(mark) in _ABSENT_WORDS
                or any(hint in mark for hint in _ABSENCE_HINTS)
            ):
                continue
            who = row.cells.get("expert_id") or row.cells.get("name")
            if who:
                present.append(str(who))
    return present


# --- Who chairs, and how the meeting evaluated ---------------------------------------


@dataclass(frozen=True)
class ChairOutcome:
    expert_id: int
    name: str
    role: str
    before: str  # the chair recorded before ("" when none)


def record_chair(
    store: Store,
    meeting_id: int,
    expert: str,
    role: str = CHAIR,
    reason: str = "",
    user: str | None = None,
) -> ChairOutcome:
    """Record who chairs the meeting: the committee's chair, or the vice-chair presiding; an expert
    signed in at the meeting. The documents name that person."""
    role = clean_text(role)
    if role not in CHAIR_ROLES:
        raise InvalidValue(f"主持会议的职务“{role}”无效；应为 {' 或 '.join(CHAIR_ROLES)}")
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        eid = _find_expert(ctx, expert)
        if eid not in ctx.attending:
            raise ProceedingsError(
                finding(
                    "meeting.chair_not_attending",
                    f"{ctx.expert_name(eid)} 没有签到出席本次会议；主持会议的{role}须是出席会议的专家",
                    step=Step.ATTEND,
                    hint="请先记录其签到",
                    meeting=meeting_id,
                    expert=ctx.expert_name(eid),
                )
            )
        before = f"{ctx.expert_name(ctx.chair.expert_id)}（{ctx.chair.role}）" if ctx.chair else ""
        if ctx.chair is not None and (ctx.chair.expert_id, ctx.chair.role) == (eid, role):
            return ChairOutcome(eid, ctx.expert_name(eid), role, before)
        session.add(
            MeetingChair(
                meeting_id=meeting_id,
                expert_id=eid,
                role=role,
                reason=reason,
                after_seal=after,
                user=user or audit.current_user(),
            )
        )
        audit.record(
            session,
            "meeting chair",
            "meeting.chair",
            {
                "meeting": meeting_id,
                "expert": eid,
                "role": role,
                "before": before,
                "reason": reason,
                "after_seal": after,
            },
            user=user,
        )
        return ChairOutcome(eid, ctx.expert_name(eid), role, before)


def record_methods(
    store: Store,
    meeting_id: int,
    methods: Sequence[str],
    reason: str = "",
    user: str | None = None,
) -> tuple[str, ...]:
    """Record the evaluation methods the meeting actually used (通知 三（三）); the documents state only those."""
    used = tuple(dict.fromkeys(clean_text(m) for m in methods if clean_text(m)))
    unknown = [m for m in used if m not in rules.METHODS]
    if unknown or not used:
        raise InvalidValue(
            (f"评审方式 {'、'.join(unknown)} 无效；" if unknown else "至少写明一种评审方式；")
            + f"可选：{'、'.join(rules.METHODS)}（{rules.METHODS_SOURCE}）"
        )
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        if ctx.methods == used:
            return used
        session.add(
            MeetingMethod(
                meeting_id=meeting_id,
                methods=list(used),
                reason=reason,
                after_seal=after,
                user=user or audit.current_user(),
            )
        )
        audit.record(
            session,
            "meeting methods",
            "meeting.methods",
            {
                "meeting": meeting_id,
                "methods": list(used),
                "before": list(ctx.methods),
                "reason": reason,
                "after_seal": after,
            },
            user=user,
        )
        return used


def has_votes(session: Session, meeting_id: int) -> bool:
    return any(
        session.exec(select(model.id).where(model.meeting_id == meeting_id).limit(1)).first()
        is not None
        for model in (Ballot, BallotCount)
    )


# --- Reviewer assignment -------------------------------------------------------------


def _cases(ctx: Context) -> list[assignment.Case]:
    return [assignment.Case(a.id or 0, a.name, a.specialty, a.unit_key) for a in ctx.applicants]


def _reviewers(ctx: Context) -> list[assignment.Reviewer]:
    return [
        assignment.Reviewer(e, ctx.panel[e].name, ctx.panel[e].specialty, ctx.panel[e].unit_key)
        for e in ctx.attending
    ]


def _current_assignment(session: Session, meeting_id: int) -> ReviewAssignment | None:
    return session.exec(
        select(ReviewAssignment)
        .where(ReviewAssignment.meeting_id == meeting_id)
        .order_by(col(ReviewAssignment.id).desc())
    ).first()


@dataclass
class AssignmentResult:
    version: int
    seed: str
    reviewers: dict[int, list[int]]
    names: dict[int, str]
    applicants: dict[int, str]
    load: dict[int, int]
    gaps: dict[int, str] = field(
        default_factory=dict
    )  # applicant → why no reviewer of their specialty


def check_assignment(
    ctx: Context, reviewers: dict[int, list[int]], per_applicant: int
) -> list[str]:
    """The assignment's problems (assignment.check, with the specialty rule), applicants and experts by name."""
    cases = {c.id: c for c in _cases(ctx)}
    experts = {r.id: r for r in _reviewers(ctx)}
    return _name_ids(
        ctx,
        assignment.check(reviewers, ctx.recused, ctx.attending, per_applicant, cases, experts),
    )


def specialty_gaps(ctx: Context, reviewers: dict[int, list[int]]) -> dict[int, str]:
    """Applicants with no reviewer of their specialty, and why (as the assignment says)."""
    experts = _reviewers(ctx)
    by_id = {r.id: r for r in experts}
    return {
        c.id: assignment.specialty_gap(c, experts, ctx.recused)
        for c in _cases(ctx)
        if c.id in reviewers
        and not any(
            c.specialty and by_id[e].specialty == c.specialty for e in reviewers[c.id] if e in by_id
        )
    }


def assign_reviewers(
    store: Store,
    meeting_id: int,
    per_applicant: int = int(rules.REVIEWERS_MIN.value),
    seed: str | None = None,
    overrides: dict[str, Sequence[str]] | None = None,
    reason: str = "",
    user: str | None = None,
) -> AssignmentResult:
    """Assign reviewers (seeded, reproducible), or apply ``overrides`` (applicant → experts) to the current one."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        if not ctx.applicants:
            raise ProceedingsError("本次会议没有“已受理”的申报人，无需安排审阅")
        if not ctx.attending:
            raise ProceedingsError(
                finding(
                    "meeting.nobody_attending",
                    f"第{meeting_id}号会议还没有专家签到",
                    step=Step.ATTEND,
                    hint="请先记录签到",
                    meeting=meeting_id,
                )
            )
        previous = _current_assignment(session, meeting_id)
        if overrides:
            if previous is None:
                raise ProceedingsError(
                    finding(
                        "meeting.no_assignment",
                        "还没有审阅安排，无从修改",
                        step=Step.ASSIGN_REVIEWERS,
                        hint="请先安排一次审阅（不修改）",
                        meeting=meeting_id,
                    )
                )
            reviewers = {int(k): list(v) for k, v in previous.reviewers.items()}
            for applicant_key, expert_keys in overrides.items():
                reviewers[_find_applicant(ctx, applicant_key)] = sorted(
                    {_find_expert(ctx, k) for k in expert_keys}
                )
            problems = check_assignment(ctx, reviewers, per_applicant)
            if problems:
                raise ProceedingsError("修改后的审阅安排不符合要求：\n" + "\n".join(problems))
            used_seed, algorithm = previous.seed, f"{previous.algorithm}+手工调整"
            gaps = specialty_gaps(ctx, reviewers)
        else:
            used_seed = seed or secrets.token_hex(8)
            result = assignment.assign(
                _cases(ctx), _reviewers(ctx), ctx.recused, used_seed, per_applicant
            )
            reviewers, algorithm, gaps = result.reviewers, result.algorithm, result.gaps
        version = (previous.version + 1) if previous else 1
        session.add(
            ReviewAssignment(
                meeting_id=meeting_id,
                version=version,
                algorithm=algorithm,
                seed=used_seed,
                per_applicant=per_applicant,
                reviewers={str(k): v for k, v in reviewers.items()},
                specialty_gaps={str(k): v for k, v in gaps.items()},
                reason=reason,
                after_seal=after,
                user=user or audit.current_user(),
            )
        )
        load_count: dict[int, int] = {e: 0 for e in ctx.attending}
        for experts_ in reviewers.values():
            for e in experts_:
                load_count[e] = load_count.get(e, 0) + 1
        audit.record(
            session,
            "meeting assign",
            "meeting.assigned",
            {
                "meeting": meeting_id,
                "version": version,
                "seed": used_seed,
                "per_applicant": per_applicant,
                "overrides": dict(overrides or {}),
                "reason": reason,
                "specialty_gaps": {str(k): v for k, v in gaps.items()},
            },
            user=user,
        )
        return AssignmentResult(
            version,
            used_seed,
            reviewers,
            {e: ctx.expert_name(e) for e in ctx.attending},
            {a.id or 0: a.name for a in ctx.applicants},
            load_count,
            gaps,
        )


def _name_ids(ctx: Context, lines: Iterable[str]) -> list[str]:
    """Replace '申报人 12' and '专家 7' in check messages by names."""
    lines = list(lines)
    if not lines:  # the usual case, once per applicant: no table of names to build
        return []
    out = []
    names = {a.id: a.name for a in ctx.applicants}
    for line in lines:
        for aid, name in names.items():
            line = line.replace(f"申报人 {aid}：", f"{name}：")
        for eid in set(ctx.panel) | set(ctx.declined):
            line = line.replace(f"专家 {eid} ", f"{ctx.expert_name(eid)} ")
        out.append(line)
    return out
