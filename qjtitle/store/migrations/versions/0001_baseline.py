"""初始表结构（与旧版迁移 m001_initial 建立的数据库相同），含审计、抽取和会议记录的只可追加触发器。

Baseline: the schema of the stores made by qjtitle's own first migration (``m001_initial``).

Frozen: the tables as they were when migrations moved to Alembic, written out column by
column (not ``create_all`` from today's models, which later revisions change), and the
append-only triggers of the audit, draw and proceedings tables (their SQL is defined once,
in :mod:`qjtitle.store`). A store made by ``m001_initial`` is recognised and stamped at this
revision instead of being created again.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qjtitle.store.engine import BASELINE_GROUPS, create_append_only

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "committee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("series", sa.String(), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("organizer", sa.String(), nullable=False),
        sa.Column("approver", sa.String(), nullable=False),
        sa.Column("min_size", sa.Integer(), nullable=True),
        sa.Column("pool_filed", sa.Date(), nullable=True),
        sa.Column("vote_denominator", sa.String(), nullable=False),
        sa.Column("pass_rate_cap", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_committee_code"), "committee", ["code"], unique=True)
    op.create_table(
        "correction_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("applicant_ids", sa.JSON(), nullable=False),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_correction_notice_committee_id"),
        "correction_notice",
        ["committee_id"],
        unique=False,
    )
    op.create_table(
        "expert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("gender", sa.String(), nullable=False),
        sa.Column("id_number", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("unit_key", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("series", sa.String(), nullable=False),
        sa.Column("specialty", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("joined", sa.Date(), nullable=True),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source_file", sa.String(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("committee_id", "id_number", name="uq_expert_committee_person"),
    )
    op.create_index(op.f("ix_expert_committee_id"), "expert", ["committee_id"], unique=False)
    op.create_index(op.f("ix_expert_unit_key"), "expert", ["unit_key"], unique=False)
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("needs_correction", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_import_batch_committee_id"), "import_batch", ["committee_id"], unique=False
    )
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_meeting_committee_id"), "meeting", ["committee_id"], unique=False)
    op.create_table(
        "plan_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=True),
        sa.Column("committee_name", sa.String(), nullable=False),
        sa.Column("committee_code", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("series", sa.String(), nullable=False),
        sa.Column("specialty", sa.String(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("period_text", sa.String(), nullable=False),
        sa.Column("source_file", sa.String(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_plan_entry_committee_id"), "plan_entry", ["committee_id"], unique=False
    )
    op.create_index(op.f("ix_plan_entry_year"), "plan_entry", ["year"], unique=False)
    op.create_table(
        "applicant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(), nullable=False),
        sa.Column("seq", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("gender", sa.String(), nullable=False),
        sa.Column("birth", sa.Date(), nullable=True),
        sa.Column("id_number", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("unit_key", sa.String(), nullable=False),
        sa.Column("county", sa.String(), nullable=False),
        sa.Column("education", sa.String(), nullable=False),
        sa.Column("school", sa.String(), nullable=False),
        sa.Column("major", sa.String(), nullable=False),
        sa.Column("graduated", sa.Date(), nullable=True),
        sa.Column("work_start", sa.Date(), nullable=True),
        sa.Column("current_title", sa.String(), nullable=False),
        sa.Column("current_title_date", sa.Date(), nullable=True),
        sa.Column("series", sa.String(), nullable=False),
        sa.Column("specialty", sa.String(), nullable=False),
        sa.Column("title_name", sa.String(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("years_in_title", sa.Integer(), nullable=True),
        sa.Column("years_working", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("source_file", sa.String(), nullable=False),
        sa.Column("source_sheet", sa.String(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("correction_deadline", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "person_key", name="uq_applicant_year_person"),
    )
    op.create_index(op.f("ix_applicant_committee_id"), "applicant", ["committee_id"], unique=False)
    op.create_index(op.f("ix_applicant_status"), "applicant", ["status"], unique=False)
    op.create_index(op.f("ix_applicant_unit_key"), "applicant", ["unit_key"], unique=False)
    op.create_index(op.f("ix_applicant_year"), "applicant", ["year"], unique=False)
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("after_seal", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["expert.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_attendance_meeting_id"), "attendance", ["meeting_id"], unique=False)
    op.create_table(
        "draw_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("algorithm", sa.String(), nullable=False),
        sa.Column("seed", sa.String(), nullable=False),
        sa.Column("seed_source", sa.String(), nullable=False),
        sa.Column("pool_sha256", sa.String(), nullable=False),
        sa.Column("eligible", sa.JSON(), nullable=False),
        sa.Column("eligible_count", sa.Integer(), nullable=False),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("drawers", sa.JSON(), nullable=False),
        sa.Column("supervisors", sa.JSON(), nullable=False),
        sa.Column("drawn_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("late_reason", sa.String(), nullable=False),
        sa.Column("voids_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.String(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("record_sha256", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["voids_id"],
            ["draw_record.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_draw_record_committee_id"), "draw_record", ["committee_id"], unique=False
    )
    op.create_index(op.f("ix_draw_record_meeting_id"), "draw_record", ["meeting_id"], unique=False)
    op.create_table(
        "meeting_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id"),
    )
    op.create_table(
        "milestone_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.String(), nullable=False),
        sa.Column("first", sa.Date(), nullable=False),
        sa.Column("last", sa.Date(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "milestone", name="uq_milestone_record_meeting"),
    )
    op.create_index(
        op.f("ix_milestone_record_meeting_id"), "milestone_record", ["meeting_id"], unique=False
    )
    op.create_table(
        "review_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(), nullable=False),
        sa.Column("seed", sa.String(), nullable=False),
        sa.Column("per_applicant", sa.Integer(), nullable=False),
        sa.Column("reviewers", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("after_seal", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "version", name="uq_review_assignment_version"),
    )
    op.create_index(
        op.f("ix_review_assignment_meeting_id"), "review_assignment", ["meeting_id"], unique=False
    )
    op.create_table(
        "ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("after_seal", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["expert.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ballot_meeting_id"), "ballot", ["meeting_id"], unique=False)
    op.create_table(
        "ballot_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("agree", sa.Integer(), nullable=False),
        sa.Column("disagree", sa.Integer(), nullable=False),
        sa.Column("abstain", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("after_seal", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_ballot_count_meeting_id"), "ballot_count", ["meeting_id"], unique=False
    )
    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["expert.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("expert_id", "applicant_id", name="uq_conflict_pair"),
    )
    op.create_index(op.f("ix_conflict_applicant_id"), "conflict", ["applicant_id"], unique=False)
    op.create_index(op.f("ix_conflict_expert_id"), "conflict", ["expert_id"], unique=False)
    op.create_table(
        "draw_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["draw_record.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["expert.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_draw_answer_draw_id"), "draw_answer", ["draw_id"], unique=False)
    op.create_table(
        "draw_pick",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("slot", sa.String(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("specialty", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["draw_record.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["expert.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("draw_id", "position", name="uq_draw_pick_position"),
    )
    op.create_index(op.f("ix_draw_pick_draw_id"), "draw_pick", ["draw_id"], unique=False)
    op.create_table(
        "draw_replacement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("member_position", sa.Integer(), nullable=False),
        sa.Column("out_expert_id", sa.Integer(), nullable=False),
        sa.Column("in_expert_id", sa.Integer(), nullable=False),
        sa.Column("alternate_position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["draw_record.id"],
        ),
        sa.ForeignKeyConstraint(
            ["in_expert_id"],
            ["expert.id"],
        ),
        sa.ForeignKeyConstraint(
            ["out_expert_id"],
            ["expert.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_draw_replacement_draw_id"), "draw_replacement", ["draw_id"], unique=False
    )
    op.create_table(
        "draw_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("signers", sa.JSON(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("scan_name", sa.String(), nullable=False),
        sa.Column("scan_sha256", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["draw_record.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_draw_signature_draw_id"), "draw_signature", ["draw_id"], unique=False)
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("opinion", sa.String(), nullable=False),
        sa.Column("recommendation", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("after_seal", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["expert.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_review_meeting_id"), "review", ["meeting_id"], unique=False)

    bind = op.get_bind()
    for group in BASELINE_GROUPS:
        create_append_only(bind, group)


def downgrade() -> None:
    raise NotImplementedError(
        "qjtitle 不支持把数据库降级到初始版本之前；请从备份恢复（qjtitle db restore）"
    )
