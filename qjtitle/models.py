"""The tables of the store (SQLModel).

Names follow DESIGN.md's domain words. Dates are ``date``; times are UTC
``datetime``. Lists and problem records are JSON columns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
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
    created_at: datetime = Field(default_factory=utcnow)


class Meeting(SQLModel, table=True):
    """评审会议 of a committee. ``id`` is the MEETING argument of every later command."""

    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    date: date  # (first) meeting day
    end_date: date | None = None  # last meeting day of a meeting held over several days
    place: str = ""
    size: int  # 评委会人数 for this meeting (odd)
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
    rejected: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    imported_at: datetime = Field(default_factory=utcnow)
    user: str = ""


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
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
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

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    user: str = ""
    command: str = ""
    action: str = ""
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = ""
    hash: str = ""
