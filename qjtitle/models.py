"""The tables of the store (SQLModel).

Names follow DESIGN.md's domain words. Dates are ``date``; times are UTC
``datetime``. Lists and problem records are JSON columns.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Committee(SQLModel, table=True):
    """职称评审委员会 (评委会)."""

    __tablename__ = "committee"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str
    level: str  # rules.LEVELS
    series: str  # 系列
    specialties: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    organizer: str = ""  # 组建单位
    approver: str = ""  # 核准组建部门
    min_size: int | None = None
    pool_filed: date | None = None  # 专家库备案日期
    vote_denominator: str = (
        "all_attending"  # tally.DENOMINATORS: who counts in the 2/3 when some are recused
    )
    pass_rate_cap: float | None = None  # optional 通过率 cap (warning only, 通知 三（三）)
    # What its documents print (committee set): 经办人, contact, 签发人, 发文机关代字 (曲卫职评)
    handler: str = Field(default="", sa_column_kwargs={"server_default": ""})
    contact: str = Field(default="", sa_column_kwargs={"server_default": ""})
    contact_phone: str = Field(default="", sa_column_kwargs={"server_default": ""})
    signer: str = Field(default="", sa_column_kwargs={"server_default": ""})
    doc_code: str = Field(default="", sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow)


class Meeting(SQLModel, table=True):
    """评审会议 of a committee. ``id`` is the MEETING argument of every later command."""

    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    date: dt.date  # (first) meeting day (dt.: the field's name hides the type)
    end_date: dt.date | None = None  # last meeting day of a meeting held over several days
    place: str = ""
    size: int  # 评委会人数 for this meeting (odd)
    year: int | None = (
        None  # the evaluation year (评审年度) when it differs from the meeting date's year
    )
    created_at: datetime = Field(default_factory=utcnow)


class ImportBatch(SQLModel, table=True):
    """One workbook imported (or refused) by ``import-applicants``."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    year: int
    file_name: str
    sha256: str
    row_count: int = 0
    imported: int = 0  # new applicants
    updated: int = 0  # existing applicants updated by a corrected file
    needs_correction: int = 0
    rejected: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    imported_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    unchanged: int = 0  # existing applicants sent again exactly as stored (revision 0010)
    # the stored values of every applicant this run changed, as they were before it (imports undo)
    previous: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    added_ids: list[int] = Field(  # the applicants this run added (imports undo withdraws them)
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class Applicant(SQLModel, table=True):
    """申报人: one row of an application roster (附件2)."""

    __tablename__ = "applicant"
    __table_args__ = (UniqueConstraint("year", "person_key", name="uq_applicant_year_person"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    # The ID number when it is well-formed, else "姓名@单位": one application per person per year.
    person_key: str
    seq: str = ""
    name: str = ""
    gender: str = ""
    birth: date | None = None
    id_number: str = ""
    unit: str = ""
    unit_key: str = Field(default="", index=True)  # unit name normalised for comparison
    county: str = ""
    education: str = ""
    school: str = ""
    major: str = ""
    graduated: date | None = None
    work_start: date | None = None
    current_title: str = ""
    current_title_date: date | None = None
    series: str = ""
    specialty: str = ""
    title_name: str = ""
    level: str = ""
    route: str = ""
    phone: str = ""
    note: str = ""
    years_in_title: int | None = None  # full years in the current title up to 31 Dec
    years_working: int | None = None  # full years since starting work up to 31 Dec
    status: str = Field(default="", index=True)  # rules.STATUSES
    problems: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    source_file: str = ""
    source_sheet: str = ""
    source_row: int = 0
    import_batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    correction_deadline: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CorrectionNotice(SQLModel, table=True):
    """一次性告知补正通知: one document sent to one employer."""

    __tablename__ = "correction_notice"

    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    unit: str
    issued_on: date
    deadline: date
    applicant_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    problem_count: int = 0
    file_name: str = ""
    sha256: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """One change to the store, hash-chained to the previous event."""

    __tablename__ = "audit_event"
    # One successor per event: the hash chain cannot fork (revision 0002).
    __table_args__ = (Index("uq_audit_event_prev_hash", "prev_hash", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    user: str = ""  # who: the name given with --as, else the OS account
    os_user: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the OS account (revision 0002)
    command: str = ""
    action: str = ""
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = ""
    hash: str = ""


class MilestoneRecord(SQLModel, table=True):
    """What actually happened for one milestone of a meeting (``schedule record``); the latest entry stands."""

    __tablename__ = "milestone_record"
    __table_args__ = (
        UniqueConstraint("meeting_id", "milestone", name="uq_milestone_record_meeting"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    milestone: str  # a key of calendar.milestones.MILESTONES
    first: date  # the day it happened, or the first day of a publicity
    last: date | None = None  # the last day of a publicity
    note: str = ""
    user: str = ""
    recorded_at: datetime = Field(default_factory=utcnow)


class PlanEntry(SQLModel, table=True):
    """One line of the year's evaluation plan (评审计划, 附件1), from ``import-plan``."""

    __tablename__ = "plan_entry"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    committee_id: int | None = Field(default=None, foreign_key="committee.id", index=True)
    committee_name: str
    committee_code: str = ""
    level: str = ""
    series: str = ""
    specialty: str = ""
    start: date  # first day of the planned period
    end: date  # last day of the planned period
    period_text: str = ""  # as written in the plan
    source_file: str = ""
    source_row: int = 0
    imported_at: datetime = Field(default_factory=utcnow)


class Expert(SQLModel, table=True):
    """评审专家: one expert of a committee's pool (专家库), from ``import-experts``.

    Never deleted: an expert who leaves the pool is marked inactive, so that the
    ``id`` a draw record cites keeps meaning the same person."""

    __tablename__ = "expert"
    __table_args__ = (
        UniqueConstraint("committee_id", "id_number", name="uq_expert_committee_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    name: str
    gender: str = ""
    id_number: str
    unit: str = ""
    unit_key: str = Field(default="", index=True)  # unit name normalised for comparison
    title: str = ""  # 职称, e.g. 副主任医师
    level: str = ""  # rules.TITLE_LADDER
    series: str = ""
    specialty: str = ""
    phone: str = ""
    joined: date | None = None  # 入库时间
    term_start: date
    term_end: date
    status: str = ""  # as written (在库, 停用, ...)
    active: bool = True
    source_file: str = ""
    source_row: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Conflict(SQLModel, table=True):
    """A declared conflict of interest (回避) between an expert and an applicant."""

    __tablename__ = "conflict"
    __table_args__ = (UniqueConstraint("expert_id", "applicant_id", name="uq_conflict_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    expert_id: int = Field(foreign_key="expert.id", index=True)
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    reason: str
    declared_on: date
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)
    created_at: datetime = Field(default_factory=utcnow)


class DrawRecord(SQLModel, table=True):
    """One draw of a meeting's experts (抽取记录). Append-only: the store refuses UPDATE and DELETE."""

    __tablename__ = "draw_record"
    # One standing draw per meeting (revision 0003): one first draw, and each draw voided at most once;
    # a supplementary draw (补抽, fills_id, revision 0012) is not a first draw.
    __table_args__ = (
        Index(
            "uq_draw_record_first",
            "meeting_id",
            unique=True,
            sqlite_where=text("voids_id IS NULL AND fills_id IS NULL"),
            postgresql_where=text("voids_id IS NULL AND fills_id IS NULL"),
        ),
        Index("uq_draw_record_voids", "voids_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    snapshot: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )  # committee, meeting at the draw
    algorithm: str
    seed: str  # canonical form
    seed_source: str  # "drawers" | "secrets"
    pool_sha256: str
    eligible: list[Any] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # [id, name, specialty, unit]
    eligible_count: int
    exclusions: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )  # reason → [ids]
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    drawers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    supervisors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    drawn_on: date
    place: str = ""
    late_reason: str = ""
    voids_id: int | None = Field(default=None, foreign_key="draw_record.id")
    void_reason: str = ""
    fills_id: int | None = Field(
        default=None, index=True
    )  # 补抽: the draw whose vacant seats it fills
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    record_sha256: str = ""
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""


class DrawPick(SQLModel, table=True):
    """One position of a draw, members first then alternates. Append-only."""

    __tablename__ = "draw_pick"
    __table_args__ = (UniqueConstraint("draw_id", "position", name="uq_draw_pick_position"),)

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw_record.id", index=True)
    position: int
    role: str  # draw.MEMBER | draw.ALTERNATE
    slot: str = ""  # specialty of a fixed-count member slot
    expert_id: int = Field(foreign_key="expert.id")
    name: str
    specialty: str = ""
    unit: str = ""


class DrawAnswer(SQLModel, table=True):
    """A drawn expert's answer (accepted / declined). Append-only; the latest answer stands."""

    __tablename__ = "draw_answer"

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw_record.id", index=True)
    expert_id: int = Field(foreign_key="expert.id")
    accepted: bool
    reason: str = ""
    answered_on: date
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class DrawReplacement(SQLModel, table=True):
    """A declined member replaced by the next alternate in order. Append-only."""

    __tablename__ = "draw_replacement"

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw_record.id", index=True)
    member_position: int  # the member position that changed hands
    out_expert_id: int = Field(foreign_key="expert.id")
    in_expert_id: int = Field(foreign_key="expert.id")
    alternate_position: int  # where the replacement stood among the picks
    reason: str
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class DrawSignature(SQLModel, table=True):
    """The drawers and supervisors signed the printed record; the scan's SHA-256. Append-only."""

    __tablename__ = "draw_signature"

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="draw_record.id", index=True)
    signers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    signed_on: date
    scan_name: str
    scan_sha256: str
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


# --- The meeting's proceedings (proceedings.py). Append-only: the latest entry for a key
# stands; ``after_seal`` marks entries made after the meeting was sealed (with a reason).


class Attendance(SQLModel, table=True):
    """签到: an expert of the drawn panel signed in (present) or a correction (not present)."""

    __tablename__ = "attendance"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    expert_id: int = Field(foreign_key="expert.id")
    present: bool = True
    source: str = ""  # the sign-in sheet's file name, or "" when typed
    reason: str = ""
    after_seal: bool = False
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class ReviewAssignment(SQLModel, table=True):
    """One version of the reviewer assignment of a meeting (applicant id → expert ids)."""

    __tablename__ = "review_assignment"
    __table_args__ = (
        UniqueConstraint("meeting_id", "version", name="uq_review_assignment_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    version: int
    algorithm: str
    seed: str
    per_applicant: int
    reviewers: dict[str, list[int]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # applicant id → why no reviewer of the applicant's specialty could be given (revision 0006)
    specialty_gaps: dict[str, str] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False, server_default=text("'{}'")),
    )
    reason: str = ""
    after_seal: bool = False
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class Review(SQLModel, table=True):
    """专家评议: a reviewer's written opinion and recommendation on one applicant."""

    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    applicant_id: int = Field(foreign_key="applicant.id")
    expert_id: int = Field(foreign_key="expert.id")
    opinion: str
    recommendation: str  # 同意 | 不同意
    reason: str = ""
    after_seal: bool = False
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class Ballot(SQLModel, table=True):
    """One expert's vote on one applicant (the open tally of stores before revision 0006, read only:
    the vote is a secret ballot, and the store refuses new rows)."""

    __tablename__ = "ballot"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    applicant_id: int = Field(foreign_key="applicant.id")
    expert_id: int = Field(foreign_key="expert.id")
    choice: str  # tally.CHOICES
    reason: str = ""
    after_seal: bool = False
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class BallotCount(SQLModel, table=True):
    """The counted votes on one applicant (secret ballot)."""

    __tablename__ = "ballot_count"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    applicant_id: int = Field(foreign_key="applicant.id")
    agree: int
    disagree: int
    abstain: int
    invalid: int = Field(
        default=0, sa_column_kwargs={"server_default": "0"}
    )  # 废票 (revision 0005)
    reason: str = ""
    after_seal: bool = False
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class MeetingChair(SQLModel, table=True):
    """Who chaired the meeting (主任委员, or the 副主任委员 presiding): an attending expert (revision 0006)."""

    __tablename__ = "meeting_chair"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    expert_id: int = Field(foreign_key="expert.id")
    role: str  # proceedings.CHAIR_ROLES
    reason: str = ""
    after_seal: bool = False
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class MeetingMethod(SQLModel, table=True):
    """The evaluation methods the meeting actually used (rules.METHODS; revision 0006)."""

    __tablename__ = "meeting_method"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    methods: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str = ""
    after_seal: bool = False
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class MeetingSeal(SQLModel, table=True):
    """The meeting's attendance, reviews and votes were frozen (``meeting seal``)."""

    __tablename__ = "meeting_seal"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    sealed_at: datetime = Field(default_factory=utcnow)
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    user: str = ""


# --- What a seal froze (sealing.py, revision 0005). Append-only.


class SealedRow(SQLModel, table=True):
    """An applicant or expert a sealed meeting decided on, with the facts it decided on.

    The store refuses to change those facts (or delete the row) once a seal lists it;
    an applicant's fact changes only through a recorded ``ApplicantCorrection``."""

    __tablename__ = "sealed_row"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "row_id", name="uq_sealed_row"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    kind: str  # "applicant" | "expert"
    row_id: int = Field(index=True)
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sealed_at: datetime = Field(default_factory=utcnow)


class ApplicantWithdrawal(SQLModel, table=True):
    """撤回与恢复: an applicant withdrawn (已撤回) or reinstated before the seal, with the reason."""

    __tablename__ = "applicant_withdrawal"

    id: int | None = Field(default=None, primary_key=True)
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    action: str  # "withdraw" or "reinstate"
    status_before: str
    status_after: str
    deadline_before: date | None = None  # the correction deadline a reinstatement cleared
    reason: str
    import_batch_id: int | None = Field(
        default=None, foreign_key="import_batch.id"
    )  # the import run undone, when the withdrawal is part of ``imports undo``
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""


class ImportUndo(SQLModel, table=True):
    """撤销一次导入: one import run taken back (added rows withdrawn, updated rows restored)."""

    __tablename__ = "import_undo"

    id: int | None = Field(default=None, primary_key=True)
    import_batch_id: int = Field(foreign_key="import_batch.id", unique=True)
    reason: str
    withdrawn: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    restored: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""


class ApplicantCorrection(SQLModel, table=True):
    """封存后的更正: one evaluated fact of a frozen applicant corrected, with a reason."""

    __tablename__ = "applicant_correction"

    id: int | None = Field(default=None, primary_key=True)
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    fact: str  # a key of store.FROZEN_FACTS["applicant"]
    old_value: str = ""
    new_value: str = ""
    reason: str
    recorded_at: datetime = Field(default_factory=utcnow)
    user: str = ""
    event_id: int | None = None  # the audit event that wrote the row (revision 0008)
    event_digest: str = Field(
        default="", sa_column_kwargs={"server_default": ""}
    )  # the row's digest as that event lists it (store.sealing.tie_digest)


class ColumnAlias(SQLModel, table=True):
    """A header name an employer's file uses, kept for a committee as one of a format's columns
    (``import-applicants``/``import-experts --map 名称=列 --keep-map``), so that the next file with
    that name reads itself."""

    __tablename__ = "column_alias"
    __table_args__ = (UniqueConstraint("committee_id", "form", "header", name="uq_column_alias"),)

    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    form: str  # roster | pool
    header: str  # the name as the file has it
    column: str  # the column's key in the format (intake.roster / experts.pool_format)
    kept_at: datetime = Field(default_factory=utcnow)
    user: str = ""
