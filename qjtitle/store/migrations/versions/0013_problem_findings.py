"""申报人的待补正问题以结构化的“发现”保存（代码、事实、依据、补正提示）。

An applicant's problems found at import are stored as findings, in the shape of
``qjtitle.findings.Finding.as_json``: ``code`` (``intake.<kind>``), ``severity``, ``message``,
``rule`` (the rules.py rule it rests on, or null), ``facts`` (``column``, ``cell``) and ``fix``
(``hint``: the old fix text; no step, no field). Before, each was the flat
``{column, cell, message, fix, kind}``. Every existing row is rewritten (the JSON in Python, on
SQLite and PostgreSQL alike); the downgrade writes the flat form back. The kinds and codes are
copied here as they were at this revision, so that later renames do not change what it does.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

KIND_CODES = {
    "必填项为空": "intake.required",
    "身份证号码": "intake.id_number",
    "日期": "intake.date",
    "与身份证不符": "intake.id_mismatch",
    "选项不规范": "intake.choice",
    "申报级别": "intake.ladder",
    "联系电话": "intake.phone",
    "个人号码": "intake.private_number",
    "控制字符": "intake.control_character",
    "姓名有空格": "intake.name_space",
    "不属本评委会": "intake.committee",
    "重复申报": "intake.duplicate",
}
CODE_KINDS = {code: kind for kind, code in KIND_CODES.items()}
ONE_APPLICATION_PER_YEAR = {
    "name": "ONE_APPLICATION_PER_YEAR",
    "text": "申报人一个年度内只能申报一次职称晋升评审",
    "source": "通知 六（五）",
}

applicant = sa.table("applicant", sa.column("id", sa.Integer()), sa.column("problems", sa.JSON()))


def as_finding(p: dict[str, Any]) -> dict[str, Any]:
    """A flat problem as a finding (one already a finding is kept as it is)."""
    if "code" in p:
        return p
    kind = str(p.get("kind", ""))
    return {
        "code": KIND_CODES.get(kind, "intake.other"),
        "severity": "error",
        "message": str(p.get("message", "")),
        "rule": dict(ONE_APPLICATION_PER_YEAR) if kind == "重复申报" else None,
        "facts": {"column": str(p.get("column", "")), "cell": str(p.get("cell", ""))},
        "fix": {"step": None, "field": None, "args": {}, "hint": str(p.get("fix", ""))},
    }


def as_flat(p: dict[str, Any]) -> dict[str, Any]:
    """A finding as the flat problem of revision 0012 (one already flat is kept as it is)."""
    if "code" not in p:
        return p
    facts = p.get("facts") or {}
    fix = p.get("fix") or {}
    return {
        "column": str(facts.get("column", "")),
        "cell": str(facts.get("cell", "")),
        "message": str(p.get("message", "")),
        "fix": str(fix.get("hint", "")),
        "kind": CODE_KINDS.get(str(p["code"]), str(p["code"])),
    }


def _rewrite(convert: Any) -> None:
    conn = op.get_bind()
    changed = []
    for row_id, problems in conn.execute(sa.select(applicant.c.id, applicant.c.problems)):
        if not problems:
            continue
        new = [convert(p) for p in problems]
        if new != problems:
            changed.append({"row_id": row_id, "new": new})
    if changed:
        conn.execute(
            applicant.update()
            .where(applicant.c.id == sa.bindparam("row_id"))
            .values(problems=sa.bindparam("new", type_=sa.JSON())),
            changed,
        )


def upgrade() -> None:
    _rewrite(as_finding)


def downgrade() -> None:
    _rewrite(as_flat)
