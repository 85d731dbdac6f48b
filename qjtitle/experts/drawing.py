"""Draws in the store: the witnessed draw of a meeting's experts, its record, re-check, answers and signatures.

The selection itself is :mod:`qjtitle.logic.draw` (pure); this module gathers its inputs
from the store (the meeting, the pool, the recusals), checks the procedure (three
distinct drawers, a supervisor, the member count, the 5-working-day deadline),
and writes the record. Draw tables are append-only in the database: a redraw is a
new record citing the one it voids, and an answer or a replacement is a new row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from qjtitle import meetings, rules, when
from qjtitle.calendar import schedule as schedules
from qjtitle.errors import InvalidValue
from qjtitle.experts import eligible
from qjtitle.experts.draw_record import (
    _core,
    _voided_by,
    record_dict,
    record_format,
    standing_chain,
)
from qjtitle.findings import Finding, Severity, Step, finding
from qjtitle.logic import draw as algo
from qjtitle.logic import draw_inputs, draw_verify
from qjtitle.logic.workdays import WorkCalendar
from qjtitle.models import (
    Committee,
    DrawPick,
    DrawRecord,
    Meeting,
    MeetingSeal,
    utcnow,
)
from qjtitle.spreadsheets.text import clean_text
from qjtitle.store import Store, audit, is_unique_violation

RECORD_FORMAT = 2
"""The record format new draws are fingerprinted in (docs/draw-spec.md 1.2); kept in the draw's
snapshot, since a stored draw keeps the format it was signed in (format 1 before spec 1.2)."""


def parse_specialties(values: list[str]) -> tuple[list[str], dict[str, int]]:
    """``["临床医学=5", "护理=3", "药学"]`` → (names in order, fixed member counts)."""
    names: list[str] = []
    quotas: dict[str, int] = {}
    for value in values:
        text = clean_text(value).replace("＝", "=").replace("：", "=").replace(":", "=")
        name, sep, count = text.partition("=")
        name = name.strip()
        if not name:
            raise InvalidValue(
                finding(
                    "draw.specialty_name",
                    f"所需专业“{value}”缺少专业名称",
                    field="specialties",
                    hint="写成 专业=人数（如 临床医学=5）或只写专业名称",
                    value=value,
                )
            )
        if name in names:
            raise InvalidValue(f"专业“{name}”重复指定；每个专业只写一次")
        names.append(name)
        if sep:
            if not count.strip().isdigit() or int(count) < 1:
                raise InvalidValue(
                    finding(
                        "draw.specialty_count",
                        f"所需专业“{value}”的人数“{count}”无效",
                        field="specialties",
                        hint=f"写正整数，如 {name}=3",
                        value=value,
                    )
                )
            quotas[name] = int(count)
    return names, quotas


def parse_alternates(values: list[str] | int | None) -> tuple[int, dict[str, int]]:
    """``["2", "工程造价=1"]`` → (alternates open to every specialty, alternates by specialty)."""
    if values is None or isinstance(values, int):
        return values or 0, {}
    plain: int | None = None
    by_specialty: dict[str, int] = {}
    for value in values:
        text = clean_text(value).replace("＝", "=").replace("：", "=").replace(":", "=")
        name, sep, count = text.rpartition("=") if "=" in text else ("", "", text)
        count = count.strip()
        if not count.isdigit() or (sep and int(count) < 1):
            raise InvalidValue(
                finding(
                    "draw.alternates",
                    f"备选人数“{value}”无效",
                    field="alternates",
                    hint="写人数（如 4）或 专业=人数（如 工程造价=1）",
                    value=value,
                )
            )
        if not sep:
            if plain is not None:
                raise InvalidValue(
                    finding(
                        "draw.alternates_twice",
                        "不限专业的备选人数只写一次",
                        field="alternates",
                        hint="只写一个人数（如 4）",
                    )
                )
            plain = int(count)
            continue
        name = name.strip()
        if not name or name in by_specialty:
            raise InvalidValue(
                finding(
                    "draw.alternates_specialty",
                    f"备选“{value}”缺少专业名称或专业重复",
                    field="alternates",
                    hint="每个专业只写一次 专业=人数",
                    value=value,
                )
            )
        by_specialty[name] = int(count)
    return plain or 0, by_specialty


def _names(values: list[str]) -> list[str]:
    return [clean_text(v) for v in values if clean_text(v)]


def _check_people(drawers: list[str], supervisors: list[str]) -> None:
    need = int(rules.DRAWERS.value)
    if len(drawers) != need or len(set(drawers)) != need:
        given = "、".join(drawers) if drawers else "无"
        raise InvalidValue(
            finding(
                "draw.drawers",
                f"抽取须有 {need} 名不同的抽取人员（{rules.DRAWERS.text}，{rules.DRAWERS.source}），现为：{given}",
                field="drawers",
                hint="分别写出三人姓名",
                rule="DRAWERS",
                drawers=list(drawers),
            )
        )
    if len(supervisors) < int(rules.SUPERVISORS_MIN.value):
        raise InvalidValue(
            finding(
                "draw.no_supervisor",
                f"抽取须在监督人员监督下进行（{rules.SUPERVISORS_MIN.text}，{rules.SUPERVISORS_MIN.source}）",
                field="supervisors",
                hint="写明监督人员",
                rule="SUPERVISORS_MIN",
            )
        )
    both = sorted(set(drawers) & set(supervisors))
    if both:
        raise InvalidValue(f"{'、'.join(both)} 不能既是抽取人员又是监督人员；请另请监督人员")
    if len(set(supervisors)) != len(supervisors):
        raise InvalidValue("监督人员姓名重复；每人只写一次")


@dataclass(frozen=True)
class DrawRequest:
    """What the secretary asks for at a draw (``draw-experts``), as given: built once by the CLI and
    handed to the rehearsal (:func:`rehearse`), the draw (:func:`draw_experts`) or the
    supplementary draw (:func:`fill_vacancies`, which takes the people, the seed, the date, the
    place and the late reason, and keeps the rest of the draw it fills).

    The field names are the CLI's parameter names: a finding's ``field`` names one of them."""

    meeting_id: int
    drawers: Sequence[str] = ()
    supervisors: Sequence[str] = ()
    members: int | None = None  # None: the meeting's committee size
    alternates: int | Sequence[str] = 0  # a count, or ["2", "工程造价=1"] as typed
    specialties: Sequence[str] = ()  # ["临床医学=5", "护理"] as typed
    seed: Sequence[str] = ()  # the drawers' parts, one each
    unit_cap: int | None = None
    generate_seed: bool | None = None  # None (library callers of old): generated when no part given
    same_unit: bool = True
    drawn_on: date | None = None  # None: today
    place: str = ""
    late_reason: str = ""
    voids: int | None = None
    void_reason: str = ""

    @property
    def generate(self) -> bool:
        """Whether the seed is generated (not entered by the drawers)."""
        return not self.seed if self.generate_seed is None else self.generate_seed


@dataclass
class DrawOutcome:
    record: dict[str, Any]  # as exported
    warnings: list[Finding] = field(default_factory=list)  # the record keeps their messages
    deadline: date | None = None


@dataclass
class _Plan:
    """A draw request read (step 1 of a draw): names cleaned, the people checked, specialties and
    alternates parsed, the seed made; nothing looked up in the store yet."""

    request: DrawRequest
    drawers: list[str]
    supervisors: list[str]
    names: list[str]  # the specialties asked for, as typed
    quotas: dict[str, int]  # fixed member counts, by specialty as typed
    alternates: int  # open to every specialty
    by_specialty: dict[str, int]  # alternates of one specialty, as typed
    place: str
    late_reason: str
    void_reason: str
    seed: str
    seed_source: str
    drawn_on: date
    warnings: list[Finding]


def _plan(request: DrawRequest) -> _Plan:
    drawers, supervisors = _names(list(request.drawers)), _names(list(request.supervisors))
    _check_people(drawers, supervisors)
    names, quotas = parse_specialties(list(request.specialties))
    spare = request.alternates
    alternates, by_specialty = parse_alternates(spare if isinstance(spare, int) else list(spare))
    seed_text, seed_source, warnings = _seed(list(request.seed))
    return _Plan(
        request,
        drawers,
        supervisors,
        names,
        quotas,
        alternates,
        by_specialty,
        clean_text(request.place),
        clean_text(request.late_reason),
        clean_text(request.void_reason),
        seed_text,
        seed_source,
        when.fact_date(request.drawn_on, "抽取"),
        warnings,
    )


@dataclass
class _Checked:
    """What the store allows (step 2): the meeting and its committee, the deadline, the selection
    request with the specialties spelt as in the pool, and the eligible experts."""

    meeting: Meeting
    committee: Committee
    deadline: date
    selection: draw_inputs.Request
    specialties: tuple[str, ...]
    eligibility: eligible.Eligibility


def _check(session: Session, plan: _Plan, calendar: WorkCalendar) -> _Checked:
    request = plan.request
    # On PostgreSQL a second draw for the same meeting waits here until the first commits, then
    # sees it (_check_voids refuses); SQLite's BEGIN IMMEDIATE already serialises the two.
    session.exec(
        select(Meeting.id).where(Meeting.id == request.meeting_id).with_for_update()
    ).first()
    meeting = meetings.get(session, request.meeting_id)
    committee = session.get(Committee, meeting.committee_id)
    assert committee is not None
    members = meeting.size if request.members is None else request.members
    errors = _size_findings(committee, meeting, members, plan.names, plan.quotas)
    if errors:
        raise InvalidValue(_joined(errors))
    _check_not_sealed(session, meeting.id)
    deadline = _deadline_checks(meeting, plan.drawn_on, plan.late_reason, calendar, plan.warnings)
    _check_voids(session, meeting, request.voids, plan.void_reason)
    check_seed_parts(list(request.seed), plan.drawers, request.generate)
    spelled = eligible.canonical_specialties(session, committee.id or 0, plan.names)
    canonical = tuple(spelled.values())
    selection = draw_inputs.Request.make(
        members,
        plan.alternates,
        {spelled[name]: n for name, n in plan.quotas.items()},
        request.unit_cap,
        _spell(session, committee, plan.names, plan.by_specialty),
    )
    declined = eligible.declined_for(session, meeting.id or 0)
    elig = eligible.eligibility(session, meeting, canonical, request.same_unit, declined=declined)
    problems = algo.feasibility_problems(elig.eligible, selection)
    if problems:
        raise algo.DrawImpossible(_explain(problems, elig, selection, committee.code))
    return _Checked(meeting, committee, deadline, selection, canonical, elig)


def _snapshot(committee: Committee, meeting: Meeting) -> dict[str, Any]:
    """The committee and the meeting as they were at the draw (kept in the record)."""
    return {
        "record_format": RECORD_FORMAT,  # draw_record.record_format reads it back
        "committee": {"code": committee.code, "name": committee.name, "level": committee.level},
        "meeting": {
            "id": meeting.id,
            "date": meeting.date.isoformat(),
            "end_date": meeting.end_date.isoformat() if meeting.end_date else None,
            "place": meeting.place,
            "size": meeting.size,
        },
    }


def _apply(
    session: Session, plan: _Plan, checked: _Checked, user: str | None
) -> tuple[DrawRecord, list[algo.Pick]]:
    """Step 3: select, then write the record (fingerprinted before saving) and its picks."""
    meeting, committee, elig = checked.meeting, checked.committee, checked.eligibility
    picks = algo.select(plan.seed, elig.eligible, checked.selection)
    drawn_alternates = sum(1 for p in picks if p.role == draw_inputs.ALTERNATE)
    if drawn_alternates < checked.selection.all_alternates:
        plan.warnings.append(
            finding(
                "draw.few_alternates",
                f"单位上限下只抽到 {drawn_alternates} 名备选专家（要求 {checked.selection.all_alternates} 名）",
                severity=Severity.WARNING,
                drawn=drawn_alternates,
                asked=checked.selection.all_alternates,
            )
        )
    record = DrawRecord(
        meeting_id=meeting.id or 0,
        committee_id=committee.id or 0,
        snapshot=_snapshot(committee, meeting),
        algorithm=draw_inputs.ALGORITHM,
        seed=plan.seed,
        seed_source=plan.seed_source,
        pool_sha256=draw_inputs.pool_digest(elig.eligible),
        eligible=[c.entry() for c in elig.eligible],
        eligible_count=len(elig.eligible),
        exclusions={reason: [i["id"] for i in items] for reason, items in elig.excluded.items()},
        params={
            **checked.selection.as_dict(),
            "specialties": list(checked.specialties),
            "same_unit_recusal": plan.request.same_unit,
        },
        drawers=plan.drawers,
        supervisors=plan.supervisors,
        drawn_on=plan.drawn_on,
        place=plan.place,
        late_reason=plan.late_reason,
        voids_id=plan.request.voids,
        void_reason=plan.void_reason,
        warnings=[w.message for w in plan.warnings],  # the record keeps the facts as text
        recorded_at=utcnow().replace(microsecond=0),
        user=user or audit.current_user(),
    )
    # The fingerprint is fixed before saving: a saved record can never be updated.
    record.record_sha256 = draw_verify.record_digest(_core(record, [p.as_dict() for p in picks]))
    session.add(record)
    try:
        session.flush()
    except (
        IntegrityError
    ) as exc:  # the database's own guard (revision 0003), should the lock be bypassed
        if is_unique_violation(exc, "uq_draw_record_first") or is_unique_violation(
            exc, "uq_draw_record_voids"
        ):
            raise InvalidValue(
                finding(
                    "draw.concurrent",
                    f"评审会议 {meeting.id} 刚刚已由另一处完成抽取，本次抽取未记录",
                    step=Step.LIST_DRAWS,
                    hint="请查看",
                    meeting=meeting.id,
                )
            ) from None
        raise
    _add_picks(session, record.id or 0, picks)
    session.flush()
    return record, picks


def _audit(session: Session, record: DrawRecord, picks: list[algo.Pick], user: str | None) -> None:
    """Step 4: the audit event and the schedule's 抽取评委 step."""
    audit.record(
        session,
        "draw-experts",
        "draw.recorded",
        {
            "draw": record.id,
            "meeting": record.meeting_id,
            "seed": record.seed,
            "pool_sha256": record.pool_sha256,
            "record_sha256": record.record_sha256,
            "eligible": record.eligible_count,
            "picks": len(picks),
            "voids": record.voids_id,
        },
        user=user,
    )
    schedules.record_step(
        session, record.meeting_id, "draw", record.drawn_on, "draw-experts", user=user
    )  # schedule: 抽取评委


def draw_experts(
    store: Store,
    request: DrawRequest,
    calendar: WorkCalendar | None = None,
    user: str | None = None,
) -> DrawOutcome:
    """Draw the experts of a meeting and record it, in four steps: read the request (plan), check
    it against the store and the rules (check), select and write the record (apply), and log it
    (audit); see the module docstring and :mod:`qjtitle.logic.draw`."""
    plan = _plan(request)
    calendar = calendar or WorkCalendar.load(store_dir=store.directory)
    with store.transaction() as session:
        checked = _check(session, plan, calendar)
        record, picks = _apply(session, plan, checked, user)
        _audit(session, record, picks, user)
        exported = record_dict(session, record)
    return DrawOutcome(exported, plan.warnings, checked.deadline)


# --- The supplementary draw (补抽) of vacant seats (spec §15) -----------------------------------------


def fill_vacancies(
    store: Store,
    request: DrawRequest,
    calendar: WorkCalendar | None = None,
    user: str | None = None,
) -> DrawOutcome:
    """Draw one expert for each vacant seat of the meeting's standing draw (补抽), witnessed and
    seeded as a draw, from the eligible experts of the seat's slot less everyone drawn for the
    meeting's standing draw and its fills, and everyone who declined. The record is chained to the
    last record of the standing draw (its number and fingerprint); the original stays the standing
    draw. Of the ``request`` it takes the people, the seed, the date, the place and the late reason."""
    meeting_id = request.meeting_id
    drawers, supervisors = _names(list(request.drawers)), _names(list(request.supervisors))
    _check_people(drawers, supervisors)
    late_reason, place = clean_text(request.late_reason), clean_text(request.place)
    seed_text, seed_source, warnings = _seed(list(request.seed))
    drawn_on = when.fact_date(request.drawn_on, "补抽")
    calendar = calendar or WorkCalendar.load(store_dir=store.directory)
    with store.transaction() as session:
        session.exec(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update()).first()
        meeting = meetings.get(session, meeting_id)
        committee = session.get(Committee, meeting.committee_id)
        assert committee is not None
        _check_not_sealed(session, meeting.id, "不能再补抽")
        chain = standing_chain(session, meeting.id or 0)
        if not chain:
            raise InvalidValue(
                finding(
                    "draw.none",
                    f"评审会议 {meeting.id} 还没有有效的抽取记录，无从补抽",
                    step=Step.DRAW_EXPERTS,
                    hint="请先抽取",
                    meeting=meeting.id,
                )
            )
        original, previous = chain[0], chain[-1]
        if record_format(original) != 2:
            raise InvalidValue(
                finding(
                    "draw.fill_format_1",
                    f"第{original.id}号抽取记录是记录格式 1（规范 1.2 以前），其空缺位次未单独记录，不能补抽",
                    step=Step.REDRAW_EXPERTS,
                    hint="请重新抽取",
                    meeting=meeting.id,
                    record=original.id,
                )
            )
        seats: dict[int, int | None] = {}
        drawn: set[int] = set()
        unit_of: dict[int, str] = {}
        for record in chain:
            data = record_dict(session, record)
            seats.update({m["position"]: m["id"] for m in data["members_now"]})
            drawn.update(p["id"] for p in data["picks"])
            unit_of.update({p["id"]: p["unit"] for p in data["picks"]})
        vacant = sorted(pos for pos, eid in seats.items() if eid is None)
        if not vacant:
            raise InvalidValue(
                finding(
                    "draw.no_vacancy",
                    f"评审会议 {meeting.id} 的第{original.id}号抽取没有空缺的委员位次，无需补抽",
                    step=Step.SHOW_DRAW,
                    hint="查看当前委员",
                    meeting=meeting.id,
                    record=previous.id,
                )
            )
        if drawn_on < previous.drawn_on:
            raise InvalidValue(
                finding(
                    "draw.fill_date",
                    f"补抽日期 {drawn_on} 早于第{previous.id}号抽取记录的日期 {previous.drawn_on}",
                    field="drawn_on",
                    record=previous.id,
                )
            )
        deadline = _deadline_checks(meeting, drawn_on, late_reason, calendar, warnings)
        check_seed_parts(list(request.seed), drawers, request.generate)
        slot_of = {
            p["position"]: p["slot"]
            for p in record_dict(session, original)["picks"]
            if p["role"] == draw_inputs.MEMBER
        }
        params = original.params
        fixed = dict(params.get("quotas") or {})
        fill_quotas = {s: n for s, n in Counter(slot_of[p] for p in vacant).items() if s}
        names = [s for s in params.get("specialties") or [] if s in fill_quotas or s not in fixed]
        cap = params.get("unit_cap")
        # Under a unit cap the panel keeps it (spec §15): units at the cap among the seated members
        # are left out, and the fill takes at most one expert of any other unit.
        selection = draw_inputs.Request.make(
            len(vacant), 0, fill_quotas, 1 if cap is not None else None, {}
        )
        ordered: list[int] = []
        for label in algo.member_slots(selection):  # the k-th member slot fills the k-th seat
            ordered.append(next(p for p in vacant if slot_of[p] == label and p not in ordered))
        same_unit = bool(params.get("same_unit_recusal", True))
        declined = eligible.declined_for(session, meeting.id or 0)
        elig = eligible.eligibility(session, meeting, tuple(names), same_unit, declined=declined)
        elig = eligible.without_drawn(elig, drawn)
        if cap is not None:
            seated = Counter(unit_of[eid] for eid in seats.values() if eid is not None)
            elig = eligible.without_units(elig, {u for u, n in seated.items() if n >= cap})
        problems = algo.feasibility_problems(elig.eligible, selection)
        if problems:
            raise algo.DrawImpossible(_explain(problems, elig, selection, committee.code, "补抽："))
        picks = algo.select(seed_text, elig.eligible, selection)
        now = utcnow().replace(microsecond=0)
        snapshot = {
            **_snapshot(committee, meeting),
            draw_verify.FILL_KEY: {
                "draw": previous.id,
                "record_sha256": previous.record_sha256,
                "seats": ordered,
            },
        }
        record = DrawRecord(
            meeting_id=meeting.id or 0,
            committee_id=committee.id or 0,
            snapshot=snapshot,
            algorithm=draw_inputs.ALGORITHM,
            seed=seed_text,
            seed_source=seed_source,
            pool_sha256=draw_inputs.pool_digest(elig.eligible),
            eligible=[c.entry() for c in elig.eligible],
            eligible_count=len(elig.eligible),
            exclusions={
                reason: [i["id"] for i in items] for reason, items in elig.excluded.items()
            },
            params={**selection.as_dict(), "specialties": names, "same_unit_recusal": same_unit},
            drawers=drawers,
            supervisors=supervisors,
            drawn_on=drawn_on,
            place=place,
            late_reason=late_reason,
            fills_id=previous.id,
            warnings=[w.message for w in warnings],  # the record keeps the facts as text
            recorded_at=now,
            user=user or audit.current_user(),
        )
        pick_dicts = [p.as_dict() for p in picks]
        record.record_sha256 = draw_verify.record_digest(_core(record, pick_dicts))
        session.add(record)
        session.flush()
        _add_picks(session, record.id or 0, picks)
        session.flush()
        audit.record(
            session,
            "draw-experts --fill",
            "draw.filled",
            {
                "draw": record.id,
                "meeting": meeting.id,
                "fills": previous.id,
                "seats": ordered,
                "seed": seed_text,
                "pool_sha256": record.pool_sha256,
                "record_sha256": record.record_sha256,
                "eligible": record.eligible_count,
                "picks": [p.candidate.id for p in picks],
            },
            user=user,
        )
        exported = record_dict(session, record)
    return DrawOutcome(exported, warnings, deadline)


def _spell(
    session: Session, committee: Committee, names: list[str], by_specialty: dict[str, int]
) -> dict[str, int]:
    """Alternates by specialty, each specialty spelt as in the pool (spec §5), as the quotas are."""
    if not by_specialty:
        return {}
    spelled = eligible.canonical_specialties(session, committee.id or 0, list(by_specialty))
    known = eligible.canonical_specialties(session, committee.id or 0, names) if names else {}
    scope = set(known.values())
    outside = [spelled[n] for n in by_specialty if scope and spelled[n] not in scope]
    if outside:
        raise InvalidValue(
            finding(
                "draw.alternate_specialty",
                f"备选专业 {'、'.join(outside)} 不在所需专业之中",
                field="specialties",
                hint="一并列出或改正",
                specialties=outside,
            )
        )
    return {spelled[name]: n for name, n in by_specialty.items()}


def _deadline_checks(
    meeting: Meeting,
    drawn_on: date,
    late_reason: str,
    calendar: WorkCalendar,
    warnings: list[Finding],
) -> date:
    """The latest draw date (5 working days before the meeting); late draws need a reason."""
    rule, quiet = rules.DRAW_BEFORE_MEETING, rules.DRAW_CONFIDENTIALITY_WARNING
    if drawn_on > meeting.date:
        raise InvalidValue(
            finding(
                "draw.after_meeting",
                f"抽取日期 {drawn_on} 晚于评审会议日期 {meeting.date}",
                field="drawn_on",
                drawn_on=drawn_on.isoformat(),
                meeting_date=meeting.date.isoformat(),
            )
        )
    deadline = calendar.nth_before(meeting.date, int(rule.value))
    ahead = calendar.between(drawn_on, meeting.date)
    provisional = calendar.provisional_years(drawn_on, meeting.date)
    if provisional:
        warnings.append(
            finding(
                "draw.provisional_deadline",
                f"{'、'.join(map(str, provisional))} 年调休安排未公布，工作日按周末和法定节假日推算，截止日期为暂定",
                severity=Severity.WARNING,
                years=list(provisional),
            )
        )
    if drawn_on > deadline:
        late = f"抽取日期 {drawn_on} 晚于截止日期 {deadline}（{rule.text}，{rule.source}；距会议仅 {ahead} 个工作日）"
        facts: dict[str, Any] = {"drawn_on": drawn_on.isoformat(), "deadline": deadline.isoformat()}
        if not late_reason:
            raise InvalidValue(
                finding(
                    "draw.late",
                    late,
                    field="late_reason",
                    hint="写明确需补抽的原因后记录",
                    rule="DRAW_BEFORE_MEETING",
                    **facts,
                )
            )
        warnings.append(
            finding(
                "draw.late",
                f"{late}；逾期原因：{late_reason}",
                severity=Severity.WARNING,
                rule="DRAW_BEFORE_MEETING",
                late_reason=late_reason,
                **facts,
            )
        )
    elif ahead > int(quiet.value):
        warnings.append(
            finding(
                "draw.early",
                f"抽取日期距会议还有 {ahead} 个工作日，早于截止日期 {deadline}：{quiet.text}，请做好专家名单保密（{quiet.source}）",
                severity=Severity.WARNING,
                rule="DRAW_CONFIDENTIALITY_WARNING",
                ahead=ahead,
                deadline=deadline.isoformat(),
            )
        )
    return deadline


def _check_not_sealed(
    session: Session, meeting_id: int | None, what: str = "不能再抽取或重新抽取"
) -> None:
    """No draw (nor answer) once the meeting was sealed: its experts are facts of the meeting by then."""

    seal = session.exec(select(MeetingSeal).where(MeetingSeal.meeting_id == meeting_id)).first()
    if seal is not None:
        raise InvalidValue(
            f"评审会议 {meeting_id} 已于 {seal.sealed_at:%Y-%m-%d} 封存，参会专家已是会议认定的事实，{what}"
        )
    # a draw dated after the meeting day is refused by _deadline_checks


def check_seed_parts(parts: list[str], drawers: list[str], generate: bool) -> None:
    """Each drawer enters a part of the seed at the table: one part (``--seed``) per drawer at least.

    Only the entry is checked here; how the parts become the seed is :func:`qjtitle.logic.draw_inputs.canonical_seed`'s."""
    if generate:
        if parts:
            raise InvalidValue(
                finding(
                    "draw.seed_and_generate",
                    "已给出随机种子又要求由程序生成：请二选一（抽取人员现场输入，或由程序生成）",
                    field="generate_seed",
                )
            )
        return
    given = [p for p in parts if draw_inputs.canonical_seed_pieces(p)]
    if len(given) < len(drawers):
        who = "、".join(drawers) or "抽取人员"
        raise InvalidValue(
            finding(
                "draw.seed_parts",
                f"随机种子只有 {len(given)} 组，少于抽取人员 {len(drawers)} 人（{who}）：每名抽取人员各输入一组数字，"
                "或改由程序生成随机种子",
                field="seed",
                hint="每人写一组（如 4721、9903、1586 各写一次）",
                parts=len(given),
                drawers=list(drawers),
            )
        )


def _check_voids(session: Session, meeting: Meeting, voids: int | None, void_reason: str) -> None:
    current = [
        d
        for d in session.exec(
            select(DrawRecord)
            .where(DrawRecord.meeting_id == meeting.id)
            .order_by(col(DrawRecord.id))
        )
        if _voided_by(session, d.id or 0) is None
        and d.fills_id is None  # a fill is not a draw of its own
    ]
    if voids is None:
        if current:
            raise InvalidValue(
                finding(
                    "draw.exists",
                    f"评审会议 {meeting.id} 已有有效的抽取记录（第{current[-1].id}号）",
                    step=Step.REDRAW_EXPERTS,
                    hint="如须重新抽取，请写明作废理由，原记录将保留",
                    meeting=meeting.id,
                    record=current[-1].id,
                )
            )
        return
    target = session.get(DrawRecord, voids)
    if target is None or target.meeting_id != meeting.id:
        raise InvalidValue(
            finding(
                "draw.other_meeting",
                f"第{voids}号抽取记录不属评审会议 {meeting.id}",
                step=Step.LIST_DRAWS,
                hint="请查看本会议的抽取记录",
                meeting=meeting.id,
                record=voids,
            )
        )
    if target.fills_id is not None:
        raise InvalidValue(
            f"第{voids}号是补抽记录，不能单独作废；如须重新抽取，请作废原抽取记录（第{current[-1].id if current else target.fills_id}号）"
        )
    later = _voided_by(session, voids)
    if later is not None:
        raise InvalidValue(
            f"第{voids}号抽取记录已被第{later.id}号作废；如须再抽，请作废第{current[-1].id if current else later.id}号"
        )
    if not void_reason:
        raise InvalidValue(
            finding(
                "draw.void_reason",
                f"重新抽取须写明作废第{voids}号记录的理由",
                field="void_reason",
                hint="写明作废理由",
                record=voids,
            )
        )


def _explain(
    problems: list[str],
    elig: eligible.Eligibility,
    request: draw_inputs.Request,
    committee: str,
    lead: str = "",
) -> Finding:
    """Why the pool is too small: the shortfall, then which constraint removed how many experts."""
    if not elig.eligible and not any(elig.excluded.values()):
        return finding(
            "draw.empty_pool",
            lead + "专家库是空的，无法抽取：本评委会还没有导入评审专家",
            step=Step.IMPORT_EXPERTS,
            hint="请先导入专家库",
            committee=committee,
        )
    lines = [lead + "符合条件的专家不足，无法抽取：" + "；".join(problems)]
    lines.append(
        f"会议日期 {elig.on} 符合条件的专家 {len(elig.eligible)} 人；已排除：{elig.summary()}"
    )
    for specialty, _ in request.quotas:
        lines.append(f"其中“{specialty}”专业已排除：{elig.by_specialty(specialty)}")
    if elig.counts()["level"]:
        lines.append(f"职称级别的要求：{rules.EXPERT_LEVELS_SOURCE}")
    return finding(
        "draw.too_few",
        "\n".join(lines),
        step=Step.CHECK_EXPERTS,
        hint="请核对专家库、任期与状态，或调整人数、专业、单位上限（同单位回避也可关闭，须有充分理由）",
        problems=list(problems),
        eligible=len(elig.eligible),
    )


def _size_findings(
    committee: Committee, meeting: Meeting, members: int, names: list[str], quotas: dict[str, int]
) -> list[Finding]:
    """What is wrong with the member count asked for (the draw and its rehearsal alike)."""
    errors, _ = meetings.size_problems(committee, members)
    found = [e if isinstance(e, Finding) else finding("meeting.size", e) for e in errors]
    if members != meeting.size:
        found.append(
            finding(
                "draw.members",
                f"委员人数 {members} 与该评审会议的评委会人数 {meeting.size} 不符",
                field="members",
                hint=str(meeting.size),
                members=members,
                size=meeting.size,
            )
        )
    if names and len(quotas) == len(names) and sum(quotas.values()) < members:
        found.append(
            finding(
                "draw.quotas_short",
                f"各专业指定人数之和 {sum(quotas.values())} 少于委员人数 {members}，其余委员没有可来自的专业",
                field="specialties",
                hint="列出其余委员可来自的专业（只写专业名，如 临床医学），或让各专业人数之和等于委员人数",
                members=members,
            )
        )
    return found


def _joined(found: list[Finding]) -> Finding:
    """Several problems as one refusal: their facts in order, and the first suggested fix."""
    if len(found) == 1:
        return found[0]
    fix = next((f.fix for f in found if f.fix is not None), None)
    return Finding(
        found[0].code,
        "；".join(f.message for f in found),
        rule=found[0].rule,
        facts={k: v for f in found for k, v in f.facts.items()},
        fix=fix,
    )


# --- The rehearsal (draw-experts --dry-run) ---------------------------------------------------------


@dataclass
class RehearsalCheck:
    what: str  # the check, in the secretary's words
    ok: bool | None  # None: cannot be checked yet (e.g. no drawers named before the day)
    detail: str = ""  # what was found, as a fact (a failed check: its finding's message)
    finding: Finding | None = None  # a failed check: the refusal the draw would give

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"check": self.what, "ok": self.ok, "detail": self.detail}
        if self.finding is not None:
            data["finding"] = self.finding.as_json()
        return data


@dataclass
class Rehearsal:
    """What ``draw-experts`` would check, and whether the draw can succeed; nothing drawn or written."""

    meeting: int
    checks: list[RehearsalCheck]
    eligible_count: int = 0
    excluded: dict[str, int] = field(default_factory=dict)  # reason → count
    slots: list[SlotFit] = field(default_factory=list)  # per member-slot label
    units: list[dict[str, Any]] = field(default_factory=list)  # per unit (comparison key)
    unit_cap: int | None = None
    alternates: int = 0

    @property
    def ok(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "meeting": self.meeting,
            "ok": self.ok,
            "checks": [c.as_dict() for c in self.checks],
            "eligible_count": self.eligible_count,
            "excluded": self.excluded,
            "slots": [slot.as_dict() for slot in self.slots],
            "units": self.units,
            "unit_cap": self.unit_cap,
            "alternates": self.alternates,
        }


def rehearse(store: Store, request: DrawRequest, calendar: WorkCalendar | None = None) -> Rehearsal:
    """Every check of :func:`draw_experts`, each reported rather than raised, and the pool as the
    draw would see it: eligible experts by specialty and unit, how many could still serve as an
    alternate for each member slot, and the unit cap. Draws nothing and writes nothing."""
    meeting_id, members, unit_cap = request.meeting_id, request.members, request.unit_cap
    seed, specialties = list(request.seed), list(request.specialties)
    alternates = (
        request.alternates if isinstance(request.alternates, int) else list(request.alternates)
    )
    generate_seed, same_unit = bool(request.generate_seed), request.same_unit
    drawn_on, late_reason = request.drawn_on, request.late_reason
    voids, void_reason = request.voids, request.void_reason
    checks: list[RehearsalCheck] = []

    def check(what: str, step: Any, ok_text: str = "") -> Any:
        try:
            value = step()
        except InvalidValue as exc:
            checks.append(RehearsalCheck(what, False, exc.finding.message, exc.finding))
            return None
        checks.append(RehearsalCheck(what, True, ok_text))
        return value if value is not None else True

    drawers, supervisors = _names(list(request.drawers)), _names(list(request.supervisors))
    if drawers or supervisors:
        check(
            "抽取人员和监督人员",
            lambda: _check_people(drawers, supervisors),
            f"抽取人员 {'、'.join(drawers)}；监督人员 {'、'.join(supervisors)}",
        )
    else:
        checks.append(
            RehearsalCheck(
                "抽取人员和监督人员",
                None,
                f"未给出；抽取时须有 {rules.DRAWERS.value} 名不同的抽取人员和至少 "
                f"{rules.SUPERVISORS_MIN.value} 名监督人员（{rules.DRAWERS.source}）",
            )
        )
    if seed or generate_seed:
        check(
            "随机种子",
            lambda: _seed_rehearsal(seed or [], drawers, generate_seed),
            "种子的写法可用（演练不使用种子，不抽取）" if seed else "抽取时由程序生成",
        )
    else:
        checks.append(
            RehearsalCheck("随机种子", None, "抽取时由每名抽取人员现场各输入一组数字（演练不需要）")
        )
    parsed = check("专业和人数的写法", lambda: parse_specialties(specialties or []))
    names, quotas = parsed if isinstance(parsed, tuple) else ([], {})
    spare = check("备选人数的写法", lambda: parse_alternates(alternates))
    plain, by_specialty = spare if isinstance(spare, tuple) else (0, {})
    drawn_on = drawn_on or date.today()
    calendar = calendar or WorkCalendar.load(store_dir=store.directory)
    result = Rehearsal(meeting_id, checks, unit_cap=unit_cap, alternates=plain)
    with store.transaction() as session:
        meeting = meetings.get(session, meeting_id)
        committee = session.get(Committee, meeting.committee_id)
        assert committee is not None
        size = meeting.size if members is None else members

        def sizes() -> None:
            errors = _size_findings(committee, meeting, size, names, quotas)
            if errors:
                raise InvalidValue(_joined(errors))

        extra = "".join(f"，{name}备选 {n} 人" for name, n in by_specialty.items())
        check("委员人数", sizes, f"委员 {size} 人，不限专业的备选 {plain} 人{extra}")
        check("会议尚未封存", lambda: _check_not_sealed(session, meeting.id))
        warnings: list[Finding] = []
        deadline = check(
            "抽取日期",
            lambda: (
                when.fact_date(drawn_on, "抽取"),
                _deadline_checks(meeting, drawn_on, late_reason, calendar, warnings),
            )[1],
        )
        if deadline is not None and checks[-1].ok:
            checks[-1].detail = "；".join(
                [f"{drawn_on}，截止日期 {deadline}", *(w.message for w in warnings)]
            )
        check(
            "已有的抽取记录",
            lambda: _check_voids(session, meeting, voids, void_reason),
            f"重新抽取，作废第{voids}号" if voids else "本会议还没有有效的抽取记录",
        )
        spelled = check(
            "所需专业",
            lambda: eligible.canonical_specialties(session, committee.id or 0, names),
        )
        if not isinstance(spelled, dict):
            return result
        fixed = {spelled[name]: n for name, n in quotas.items()}
        request = check(
            "抽取参数",
            lambda: draw_inputs.Request.make(
                size, plain, fixed, unit_cap, _spell(session, committee, names, by_specialty)
            ),
        )
        declined = eligible.declined_for(session, meeting.id or 0)
        elig = eligible.eligibility(
            session, meeting, tuple(spelled.values()), same_unit, declined=declined
        )
    result.eligible_count = len(elig.eligible)
    result.excluded = {r: n for r, n in elig.counts().items() if n}
    if not isinstance(request, draw_inputs.Request):
        return result
    result.slots = _slot_fit(elig.eligible, request)
    by_unit: dict[str, int] = {}
    for c in elig.eligible:
        by_unit[c.unit] = by_unit.get(c.unit, 0) + 1
    result.units = [
        {"unit": unit, "eligible": n, "capped": unit_cap is not None and n > unit_cap}
        for unit, n in sorted(by_unit.items(), key=lambda item: (-item[1], item[0]))
    ]
    problems = algo.feasibility_problems(elig.eligible, request)
    checks.append(
        RehearsalCheck(
            "符合条件的专家能否凑齐（含单位上限）",
            not problems,
            "；".join(problems)
            if problems
            else f"符合条件的专家 {len(elig.eligible)} 人，凑得齐委员 {request.members} 人和备选 {request.alternates} 人",
        )
    )
    return result


def _seed_rehearsal(seed: list[str], drawers: list[str], generate: bool) -> None:
    if seed:
        draw_inputs.canonical_seed(seed)  # refuses invisible and look-alike characters
    check_seed_parts(seed, drawers or ["甲", "乙", "丙"], generate)


@dataclass(frozen=True)
class SlotFit:
    """One member-slot label in the rehearsal: its seats, the eligible experts it accepts, how many
    of them are left to be drawn as alternates that could replace a declining member of that slot,
    and the alternates drawn for its specialty alone."""

    slot: str  # a specialty, or FREE_SLOT (open to the specialties without a fixed count)
    seats: int
    eligible: int
    spare: int
    alternates: int
    specialties: dict[str, int] | None = None  # the open slot: eligible experts by specialty

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "slot": self.slot,
            "seats": self.seats,
            "eligible": self.eligible,
            "spare": self.spare,
            "alternates": self.alternates,
        }
        if self.specialties is not None:
            data["specialties"] = self.specialties
        return data


def _slot_fit(
    candidates: list[draw_inputs.Candidate], request: draw_inputs.Request
) -> list[SlotFit]:
    """For each member-slot label: see :class:`SlotFit`."""
    fixed = dict(request.quotas)
    by_specialty: dict[str, int] = {}
    for c in candidates:
        by_specialty[c.specialty] = by_specialty.get(c.specialty, 0) + 1
    rows = []
    own = dict(request.alternate_quotas)
    for specialty, seats in request.quotas:
        fit = by_specialty.get(specialty, 0)
        rows.append(SlotFit(specialty, seats, fit, max(fit - seats, 0), own.get(specialty, 0)))
    free = request.members - sum(fixed.values())
    if free:
        others = {s: n for s, n in by_specialty.items() if s not in fixed}
        fit = sum(others.values())
        rows.append(
            SlotFit(
                draw_inputs.FREE_SLOT,
                free,
                fit,
                max(fit - free, 0),
                sum(n for name, n in own.items() if name not in fixed),
                dict(sorted(others.items())),
            )
        )
    return rows


def _add_picks(session: Session, draw_id: int, picks: Sequence[algo.Pick]) -> None:
    """The draw's picks as rows, members then alternates, as the record lists them."""
    for p in picks:
        session.add(
            DrawPick(
                draw_id=draw_id,
                position=p.position,
                role=p.role,
                slot=p.slot,
                expert_id=p.candidate.id,
                name=p.candidate.name,
                specialty=p.candidate.specialty,
                unit=p.candidate.unit,
            )
        )


def _seed(seed: list[str] | None) -> tuple[str, str, list[Finding]]:
    """The seed as used (the drawers' parts made canonical, else one from ``secrets``), where it
    came from, and the warning a short seed gets (the draw and the fill alike)."""
    if seed:
        seed_text, source = draw_inputs.canonical_seed(seed), draw_inputs.SeedSource.DRAWERS
    else:
        seed_text, source = draw_inputs.random_seed(), draw_inputs.SeedSource.SECRETS
    short = draw_inputs.seed_warning(seed_text)
    if short is None:
        return seed_text, source, []
    return seed_text, source, [finding("draw.short_seed", short, severity=Severity.WARNING)]
