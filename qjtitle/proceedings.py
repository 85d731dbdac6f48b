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
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from qjtitle import assignment, audit, draw_store, experts, meeting, rules, sealing, tally
from qjtitle.errors import InvalidValue, NotFound, QjtitleError
from qjtitle.models import (
    Applicant,
    Attendance,
    Ballot,
    BallotCount,
    Committee,
    Expert,
    Meeting,
    MeetingSeal,
    Review,
    ReviewAssignment,
)
from qjtitle.spreadsheets import Column, clean_text, compare_key, read_tables
from qjtitle.store import Store

RECOMMENDATIONS = ("同意", "不同意")


class ProceedingsError(QjtitleError):
    """A meeting record that the rules refuse (quorum, recusal, missing votes, a sealed meeting)."""


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
    members = draw_store.current_panel(session, meeting_id)
    if members is None:
        raise ProceedingsError(
            f"第{meeting_id}号会议还没有抽取专家；请先运行 qjtitle draw-experts {meeting_id} …"
        )
    panel = {p.expert.id: p.expert for p in members if p.accepted is True and p.expert.id is not None}
    declined = {p.expert.id: p.expert for p in members if p.accepted is False and p.expert.id is not None}
    unconfirmed = {p.expert.id: p.expert for p in members if p.accepted is None and p.expert.id is not None}
    seal = session.exec(select(MeetingSeal).where(MeetingSeal.meeting_id == meeting_id)).first()
    frozen = sealing.frozen_applicant_ids(session, meeting_id) if seal is not None else None
    # A sealed meeting decided on the applicants its seal lists, whatever was imported since.
    which = (
        col(Applicant.id).in_(frozen)
        if frozen is not None
        else (Applicant.committee_id == m.committee_id) & (Applicant.year == meeting.evaluation_year(m))
        & (Applicant.status == rules.STATUS_ACCEPTED)
    )
    applicants = list(
        session.exec(
            select(Applicant)
            .where(which)
            .order_by(col(Applicant.unit_key), col(Applicant.source_file), col(Applicant.source_row))
        )
    )
    recused: dict[int, dict[int, str]] = {a.id: {} for a in applicants if a.id is not None}
    same_unit = experts.REASONS["same_unit"]
    for expert_id, applicant_id, reason in experts.recusals(session, m):
        if applicant_id in recused:
            label = "同单位回避" if reason == same_unit else f"声明回避（{reason}）"
            recused[applicant_id].setdefault(expert_id, label)
    latest: dict[int, bool] = {}
    order: list[int] = []
    for row in session.exec(select(Attendance).where(Attendance.meeting_id == meeting_id).order_by(col(Attendance.id))):
        latest[row.expert_id] = row.present
        if row.expert_id not in order:
            order.append(row.expert_id)
    # an expert who signed in and later left the panel (a decline, a redraw) no longer counts
    attending = [e for e in order if latest[e] and e in panel]
    return Context(m, committee, panel, declined, unconfirmed, applicants, recused, attending, seal)


def _after_seal(ctx: Context, reason: str) -> bool:
    if ctx.sealed is None:
        return False
    if not reason.strip():
        raise ProceedingsError(
            f"第{ctx.meeting.id}号会议已于 {ctx.sealed.sealed_at:%Y-%m-%d %H:%M} 封存；"
            "封存后的更正须用 --reason 写明理由，并将在备案材料中列出"
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
        raise InvalidValue(f"本次会议有多名专家叫“{key}”；请改用编号：{'、'.join(map(str, matches))}")
    declined = [e for e in ctx.declined.values() if compare_key(e.name) == compare_key(key) or str(e.id) == key]
    if declined:
        raise InvalidValue(f"{declined[0].name} 已谢绝参会，不能签到、审阅或投票")
    waiting = [e for e in ctx.unconfirmed.values() if compare_key(e.name) == compare_key(key) or str(e.id) == key]
    if waiting:
        raise InvalidValue(
            f"{waiting[0].name} 尚未确认参会；请先用 qjtitle draw confirm 抽取记录编号 {waiting[0].id} --accepted 记录其答复"
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
        raise InvalidValue(f"本次会议有多名申报人叫“{key}”；请改用编号：{'、'.join(str(a.id) for a in found)}")
    raise InvalidValue(f"“{key}”不是本次会议（已受理）的申报人；用 qjtitle applicants list --status 已受理 查看")


# --- Attendance --------------------------------------------------------------------

SIGN_IN_COLUMNS = (
    Column("name", "姓名", ("专家姓名", "评审专家", "专家")),
    Column("expert_id", "编号", ("专家编号",)),
    Column("signed", "签到", ("签名", "签字", "是否出席", "出席", "签到情况")),
)
_ABSENT_WORDS = {"否", "缺席", "未到", "请假", "×", "x", "无", "0"}


def sign_in_sheet(path: Path) -> list[str]:
    """Names (or ids) of the experts marked present on a typed-back sign-in sheet."""
    tables = read_tables(path, SIGN_IN_COLUMNS, ("name", "expert_id"), min_matches=2)
    present = []
    for t in tables:
        for row in t.rows:
            mark = clean_text(str(row.cells.get("signed") or ""))
            if not mark or compare_key(mark) in _ABSENT_WORDS:
                continue
            who = row.cells.get("expert_id") or row.cells.get("name")
            if who:
                present.append(str(who))
    return present


@dataclass
class AttendanceResult:
    attending: list[tuple[int, str]]
    quorum: tally.Quorum
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def attend(
    store: Store,
    meeting_id: int,
    present: Sequence[str] = (),
    absent: Sequence[str] = (),
    reason: str = "",
    source: str = "",
    user: str | None = None,
) -> AttendanceResult:
    """Record who signed in (``present``) and corrections (``absent``, with a reason)."""
    if absent and not reason.strip():
        raise InvalidValue("撤销签到须用 --reason 写明理由")
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        voted = _has_votes(session, meeting_id)
        result = AttendanceResult([], tally.Quorum(ctx.meeting.size, 0))
        problems: list[str] = []

        def find(key: str) -> int:
            try:
                return _find_expert(ctx, key)
            except QjtitleError as exc:
                problems.append(str(exc))
                return 0

        present_ids, absent_ids = [find(k) for k in present], [find(k) for k in absent]
        if problems:  # every name checked, all problems told at once, nothing written
            raise InvalidValue("签到有以下问题，均未写入：\n" + "\n".join(dict.fromkeys(problems)))
        late = [k for k, eid in zip(present, present_ids, strict=True) if eid not in ctx.attending]
        if voted and (late or absent) and not reason.strip():
            raise ProceedingsError(
                f"第{meeting_id}号会议已录入投票，此时再改签到（{'、'.join(late or list(absent))}）会改变应投票的专家和"
                "通过所需票数；如确属漏记，请用 --reason 写明理由，之后 qjtitle meeting results 会列出须重新表决的申报人"
            )
        for eid in present_ids:
            if eid in ctx.attending:
                continue
            session.add(Attendance(meeting_id=meeting_id, expert_id=eid, present=True, source=source,
                                   reason=reason, after_seal=after, user=user or audit.current_user()))
            ctx.attending.append(eid)
            result.added.append(ctx.expert_name(eid))
        for eid in absent_ids:
            if eid not in ctx.attending:
                continue
            session.add(Attendance(meeting_id=meeting_id, expert_id=eid, present=False, source=source,
                                   reason=reason, after_seal=after, user=user or audit.current_user()))
            ctx.attending.remove(eid)
            result.removed.append(ctx.expert_name(eid))
        result.attending = [(e, ctx.expert_name(e)) for e in ctx.attending]
        result.quorum = tally.Quorum(ctx.meeting.size, len(ctx.attending))
        audit.record(session, "meeting attend", "meeting.attendance",
                     {"meeting": meeting_id, "added": result.added, "removed": result.removed, "reason": reason,
                      "attending": len(ctx.attending), "after_seal": after, "after_votes": voted}, user=user)
    return result


def _has_votes(session: Session, meeting_id: int) -> bool:
    return any(
        session.exec(select(model.id).where(model.meeting_id == meeting_id).limit(1)).first() is not None
        for model in (Ballot, BallotCount)
    )


# --- Reviewer assignment -------------------------------------------------------------


def _cases(ctx: Context) -> list[assignment.Case]:
    return [assignment.Case(a.id or 0, a.name, a.specialty, a.unit_key) for a in ctx.applicants]


def _reviewers(ctx: Context) -> list[assignment.Reviewer]:
    return [assignment.Reviewer(e, ctx.panel[e].name, ctx.panel[e].specialty, ctx.panel[e].unit_key) for e in ctx.attending]


def _current_assignment(session: Session, meeting_id: int) -> ReviewAssignment | None:
    return session.exec(
        select(ReviewAssignment).where(ReviewAssignment.meeting_id == meeting_id).order_by(col(ReviewAssignment.id).desc())
    ).first()


@dataclass
class AssignmentResult:
    version: int
    seed: str
    reviewers: dict[int, list[int]]
    names: dict[int, str]
    applicants: dict[int, str]
    load: dict[int, int]


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
            raise ProceedingsError(f"第{meeting_id}号会议还没有专家签到；请先运行 qjtitle meeting attend {meeting_id} …")
        previous = _current_assignment(session, meeting_id)
        if overrides:
            if previous is None:
                raise ProceedingsError("还没有审阅安排；请先不带 --set 运行一次 qjtitle meeting assign")
            reviewers = {int(k): list(v) for k, v in previous.reviewers.items()}
            for applicant_key, expert_keys in overrides.items():
                reviewers[_find_applicant(ctx, applicant_key)] = sorted({_find_expert(ctx, k) for k in expert_keys})
            problems = assignment.check(reviewers, ctx.recused, ctx.attending, per_applicant)
            if problems:
                raise ProceedingsError("修改后的审阅安排不符合要求：\n" + "\n".join(_name_ids(ctx, problems)))
            used_seed, algorithm = previous.seed, f"{previous.algorithm}+手工调整"
        else:
            used_seed = seed or secrets.token_hex(8)
            result = assignment.assign(_cases(ctx), _reviewers(ctx), ctx.recused, used_seed, per_applicant)
            reviewers, algorithm = result.reviewers, result.algorithm
        version = (previous.version + 1) if previous else 1
        session.add(
            ReviewAssignment(meeting_id=meeting_id, version=version, algorithm=algorithm, seed=used_seed,
                             per_applicant=per_applicant, reviewers={str(k): v for k, v in reviewers.items()},
                             reason=reason, after_seal=after, user=user or audit.current_user())
        )
        load_count: dict[int, int] = {e: 0 for e in ctx.attending}
        for experts_ in reviewers.values():
            for e in experts_:
                load_count[e] = load_count.get(e, 0) + 1
        audit.record(session, "meeting assign", "meeting.assigned",
                     {"meeting": meeting_id, "version": version, "seed": used_seed, "per_applicant": per_applicant,
                      "overrides": dict(overrides or {}), "reason": reason}, user=user)
        return AssignmentResult(version, used_seed, reviewers, {e: ctx.expert_name(e) for e in ctx.attending},
                                {a.id or 0: a.name for a in ctx.applicants}, load_count)


def _name_ids(ctx: Context, lines: Iterable[str]) -> list[str]:
    """Replace '申报人 12' and '专家 7' in check messages by names."""
    out = []
    names = {a.id: a.name for a in ctx.applicants}
    for line in lines:
        for aid, name in names.items():
            line = line.replace(f"申报人 {aid}：", f"{name}：")
        for eid in set(ctx.panel) | set(ctx.declined):
            line = line.replace(f"专家 {eid} ", f"{ctx.expert_name(eid)} ")
        out.append(line)
    return out


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
            entries.append(ReviewEntry(str(c.get("applicant") or ""), str(c.get("expert") or ""),
                                       str(c.get("opinion") or ""), str(c.get("recommendation") or ""),
                                       f"{path.name} {t.sheet} 第{row.number}行"))
    return entries


def record_reviews(
    store: Store, meeting_id: int, entries: Sequence[ReviewEntry], reason: str = "", user: str | None = None
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
                problems.append(f"{where}{ctx.expert_name(eid)} 未被安排审阅 {ctx.applicant(aid).name}（专家须独自审阅所分配的材料）")
            recommendation = clean_text(entry.recommendation)
            if recommendation not in RECOMMENDATIONS:
                problems.append(f"{where}评审建议“{recommendation}”应为 同意 或 不同意")
            if not clean_text(entry.opinion):
                problems.append(f"{where}评议意见为空；请填写专家的书面意见")
            rows.append((aid, eid, clean_text(entry.opinion), recommendation))
        if problems:
            raise ProceedingsError("评议记录有以下问题，均未写入：\n" + "\n".join(problems))
        for aid, eid, opinion, recommendation in rows:
            session.add(Review(meeting_id=meeting_id, applicant_id=aid, expert_id=eid, opinion=opinion,
                               recommendation=recommendation, reason=reason, after_seal=after,
                               user=user or audit.current_user()))
        audit.record(session, "meeting review", "meeting.reviews", {"meeting": meeting_id, "entries": len(rows),
                     "reason": reason, "after_seal": after}, user=user)
        return {"recorded": len(rows), "missing": _missing_reviews(session, ctx)}


def _latest_reviews(session: Session, meeting_id: int) -> dict[tuple[int, int], Review]:
    latest: dict[tuple[int, int], Review] = {}
    for r in session.exec(select(Review).where(Review.meeting_id == meeting_id).order_by(col(Review.id))):
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
    duplicate_columns: list[str] = field(default_factory=list)  # expert columns that appear twice in the sheet

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
                    numbers = tuple(int(c.get(k) or 0) for k in ("agree", "disagree", "abstain", "invalid"))
                except (TypeError, ValueError):
                    raise InvalidValue(f"{path.name} {t.sheet} 第{row.number}行：票数应为整数") from None
                entries.append(VoteEntry(str(c.get("applicant") or ""), counts=numbers[:3],  # type: ignore[arg-type]
                                         invalid=numbers[3], where=f"{path.name} {t.sheet} 第{row.number}行"))
        return entries
    names = {compare_key(n): n for n in expert_names}
    for t in read_tables(path, columns, ("applicant",), min_matches=2):
        # a header seen twice is left among the unknown ones: an expert with two columns
        doubled = [names[compare_key(h)] for h in t.unknown_headers if compare_key(h) in names]
        for row in t.rows:
            ballots = [(k.removeprefix("expert:"), str(v)) for k, v in row.cells.items()
                       if k.startswith("expert:") and v not in (None, "")]
            entries.append(VoteEntry(str(row.cells.get("applicant") or ""), ballots=ballots,
                                     where=f"{path.name} {t.sheet} 第{row.number}行", duplicate_columns=doubled))
    return entries


def record_votes(
    store: Store, meeting_id: int, entries: Sequence[VoteEntry], reason: str = "", user: str | None = None
) -> dict[str, Any]:
    """Check and record votes (all problems listed, nothing written when any); return the results (as ``results``)."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        after = _after_seal(ctx, reason)
        if not tally.Quorum(ctx.meeting.size, len(ctx.attending)).met:
            raise ProceedingsError(tally.Quorum(ctx.meeting.size, len(ctx.attending)).describe() + "；不能投票")
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
                problems.append(f"{where}{name} 的投票重复：{first}已有其投票；每名申报人只能录入一次")
                continue
            seen_applicants[aid] = entry.where
            recused = set(ctx.recused.get(aid, {}))
            if entry.counts is not None:
                result = tally.tally_counts(aid, *entry.counts, attending=len(ctx.attending),
                                            recused=len(recused & set(ctx.attending)),
                                            denominator=ctx.committee.vote_denominator, invalid=entry.invalid)
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
                    problems.append(f"{where}{name}：{ctx.expert_name(eid)} 的投票“{choice}”应为 {tally.CHOICES_TEXT}")
                    continue
                if eid in ballots:
                    problems.append(f"{where}{name}：{ctx.expert_name(eid)} 的投票重复（{ballots[eid]}、{normal}）；"
                                    "每位专家对每名申报人只能投一票")
                    continue
                ballots[eid] = normal
            result = tally.tally_ballots(aid, ballots, ctx.attending, recused, ctx.committee.vote_denominator)
            problems += [f"{where}{name}：{p}" for p in _name_ids(ctx, result.problems)]
            new_ballots += [(aid, eid, choice) for eid, choice in ballots.items()]
        if problems:
            raise ProceedingsError("投票记录有以下问题，均未写入：\n" + "\n".join(problems))
        u = user or audit.current_user()
        for aid, eid, choice in new_ballots:
            session.add(Ballot(meeting_id=meeting_id, applicant_id=aid, expert_id=eid, choice=choice, reason=reason,
                               after_seal=after, user=u))
        for aid, (agree, disagree, abstain, invalid) in new_counts:
            session.add(BallotCount(meeting_id=meeting_id, applicant_id=aid, agree=agree, disagree=disagree,
                                    abstain=abstain, invalid=invalid, reason=reason, after_seal=after, user=u))
        session.flush()
        audit.record(session, "record-votes", "meeting.votes",
                     {"meeting": meeting_id, "applicants": len(entries), "reason": reason, "after_seal": after}, user=user)
        return _results(session, ctx)


# --- Results and seal ----------------------------------------------------------------


def _results(session: Session, ctx: Context) -> dict[str, Any]:
    meeting_id = ctx.meeting.id or 0
    ballots: dict[int, dict[int, str]] = {}
    ballot_time: dict[int, Any] = {}
    for b in session.exec(select(Ballot).where(Ballot.meeting_id == meeting_id).order_by(col(Ballot.id))):
        ballots.setdefault(b.applicant_id, {})[b.expert_id] = b.choice
        ballot_time[b.applicant_id] = b.recorded_at
    counts: dict[int, BallotCount] = {}
    for c in session.exec(select(BallotCount).where(BallotCount.meeting_id == meeting_id).order_by(col(BallotCount.id))):
        counts[c.applicant_id] = c
    quorum = tally.Quorum(ctx.meeting.size, len(ctx.attending))
    sign_ins = [(_utc(r.recorded_at), r) for r in session.exec(
        select(Attendance).where(Attendance.meeting_id == meeting_id).order_by(col(Attendance.id)))]
    # a sealed meeting keeps the denominator it was sealed with, whatever the committee setting says now
    denominator = ctx.sealed.summary.get("denominator", ctx.committee.vote_denominator) if ctx.sealed else ctx.committee.vote_denominator
    rows = []
    for a in ctx.applicants:
        aid = a.id or 0
        recused = set(ctx.recused.get(aid, {})) & set(ctx.attending)
        # the kind of ballot entered last for an applicant stands (a secret count may replace a tally sheet)
        if aid in counts and (aid not in ballots or counts[aid].recorded_at >= ballot_time[aid]):
            c = counts[aid]
            r = tally.tally_counts(aid, c.agree, c.disagree, c.abstain, len(ctx.attending), len(recused),
                                   denominator, invalid=c.invalid)
            mode = "无记名"
        elif aid in ballots:
            r = tally.tally_ballots(aid, ballots[aid], ctx.attending, recused, denominator)
            mode = "记名"
        else:
            r, mode = None, ""
        voted_at = (_utc(counts[aid].recorded_at) if mode == "无记名" else _utc(ballot_time[aid])) if r else None
        # sign-ins changed after this applicant's vote (with a reason): the vote must be taken again
        changed = [ctx.expert_name(row.expert_id) + ("签到" if row.present else "撤销签到")
                   for t, row in sign_ins if voted_at is not None and t > voted_at]
        if r is not None and changed:
            rows.append({
                "id": aid, "name": a.name, "unit": a.unit, "specialty": a.specialty, "title": a.title_name,
                "voted": True, "mode": mode, "agree": r.agree, "disagree": r.disagree, "abstain": r.abstain,
                "invalid": r.invalid, "denominator": r.denominator, "needed": r.needed, "margin": r.margin,
                "recused": len(recused), "result": "须重新表决", "retake": True,
                "problems": [f"表决后签到有变动（{'、'.join(changed)}），出席专家与投票时不同，须由现出席专家重新表决"],
            })
            continue
        if r is None:
            rows.append({"id": aid, "name": a.name, "unit": a.unit, "specialty": a.specialty, "title": a.title_name,
                         "voted": False, "result": "未投票", "problems": ["尚未录入投票"]})
            continue
        rows.append({
            "id": aid, "name": a.name, "unit": a.unit, "specialty": a.specialty, "title": a.title_name, "voted": True,
            "mode": mode, "agree": r.agree, "disagree": r.disagree, "abstain": r.abstain, "invalid": r.invalid,
            "denominator": r.denominator,
            "needed": r.needed, "margin": r.margin, "recused": len(recused),
            "result": "通过" if r.passed else "未通过", "problems": _name_ids(ctx, r.problems), "retake": False,
        })
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
        "quorum": {"size": quorum.size, "attending": quorum.attending, "needed": quorum.needed, "met": quorum.met},
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


def _after_seal_entries(session: Session, meeting_id: int) -> list[dict[str, Any]]:
    out = []
    for model, what in ((Attendance, "签到"), (ReviewAssignment, "审阅安排"), (Review, "评议意见"), (Ballot, "投票"),
                        (BallotCount, "票数")):
        for row in session.exec(select(model).where(model.meeting_id == meeting_id, model.after_seal == True)):
            out.append({"what": what, "reason": row.reason, "recorded_at": row.recorded_at.isoformat(), "user": row.user})
    return out + sealing.corrections(session, meeting_id)


def results(store: Store, meeting_id: int) -> dict[str, Any]:
    with store.transaction() as session:
        return _results(session, load(session, meeting_id))


def seal(store: Store, meeting_id: int, user: str | None = None) -> dict[str, Any]:
    """Freeze attendance, reviews and votes: refused while votes or reviews are missing or invalid."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        if ctx.sealed is not None:
            raise ProceedingsError(f"第{meeting_id}号会议已于 {ctx.sealed.sealed_at:%Y-%m-%d %H:%M} 封存")
        summary = _results(session, ctx)
        problems = list(summary["missing_reviews"])
        current = _current_assignment(session, meeting_id)
        if current is not None:
            reviewers = {int(k): v for k, v in current.reviewers.items()}
            unassigned = [a.name for a in ctx.applicants if (a.id or 0) not in reviewers]
            if unassigned:
                problems.append(f"以下申报人没有安排审阅专家：{'、'.join(unassigned)}；请重新运行 qjtitle meeting assign")
            problems += _name_ids(ctx, assignment.check(reviewers, ctx.recused, ctx.attending, current.per_applicant))
        if not summary["quorum"]["met"]:
            problems.append(tally.Quorum(ctx.meeting.size, len(ctx.attending)).describe())
        for row in summary["applicants"]:
            problems += [f"{row['name']}：{p}" for p in row["problems"]]
        if problems:
            raise ProceedingsError("以下问题解决前不能封存：\n" + "\n".join(problems))
        frozen = sealing.freeze(session, meeting_id, ctx.applicants,
                                [e for e in (*ctx.panel.values(), *ctx.declined.values())])
        record = MeetingSeal(meeting_id=meeting_id, user=user or audit.current_user(),
                             summary={**{k: summary[k] for k in ("quorum", "passed", "voted", "pass_rate", "denominator")},
                                      **frozen})
        session.add(record)
        session.flush()
        audit.record(session, "meeting seal", "meeting.sealed", {"meeting": meeting_id, **record.summary}, user=user)
        summary["sealed_at"] = record.sealed_at.isoformat()
        summary["seal_digest"] = frozen["digest"]
        return summary



def attending_names(store: Store, meeting_id: int) -> list[str]:
    """Names of the attending experts (the columns of an open tally sheet); namesakes by number."""
    with store.transaction() as session:
        ctx = load(session, meeting_id)
        names = [ctx.expert_name(e) for e in ctx.attending]
        return [n if names.count(n) == 1 else str(e) for n, e in zip(names, ctx.attending, strict=True)]
