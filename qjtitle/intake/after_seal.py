"""Corrections after the seal (封存后的更正): a fact a sealed meeting decided on is changed only
here, append-only, with its reason, and listed in the post-meeting filing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from qjtitle import privacy
from qjtitle.errors import InvalidValue
from qjtitle.findings import finding
from qjtitle.intake.lookup import one_applicant
from qjtitle.models import ApplicantCorrection
from qjtitle.spreadsheets.text import clean_text, compare_key
from qjtitle.store import Store, audit, sealing
from qjtitle.store.engine import CORRECTION_ACTION


@dataclass(frozen=True)
class FactChange:
    """One fact corrected after the seal: the values as stored, and as shown (ID number masked)."""

    fact: str
    label: str
    old: str
    new: str
    old_shown: str
    new_shown: str


@dataclass(frozen=True)
class SealedCorrection:
    """What ``correct_applicant`` recorded."""

    applicant: int
    name: str
    meeting: int
    meeting_label: str
    changes: tuple[FactChange, ...]
    reason: str


def _refuse_hidden(label: str, fact: str, value: str) -> None:
    """A corrected fact holds no control character, and no ID or phone number outside its own field."""
    if codes := privacy.control_characters_in(value):
        raise InvalidValue(
            f"“{label}”的新内容中含有控制字符或转义字符（{'、'.join(codes)}）；{privacy.CONTROL_FIX}"
        )
    if fact != "id_number" and (kinds := privacy.personal_numbers_in(value)):
        raise InvalidValue(f"“{label}”的新内容中含有{'和'.join(kinds)}；{privacy.PRIVATE_FIX}")


def correct_applicant(
    store: Store,
    key: str,
    changes: dict[str, str],
    reason: str,
    year: int | None = None,
    user: str | None = None,
) -> SealedCorrection:
    """Correct facts of an applicant a sealed meeting decided on: append-only, with a reason."""
    reason = clean_text(reason)
    if not reason:
        raise InvalidValue(
            finding(
                "intake.no_reason",
                "封存后的更正须写明理由（将列入会后备案材料“封存后的更正”）",
                field="reason",
                hint="写明理由",
            )
        )
    if codes := privacy.control_characters_in(reason):
        raise InvalidValue(
            f"理由中含有控制字符或转义字符（{'、'.join(codes)}）；{privacy.CONTROL_FIX}"
        )
    labels = {v: k for k, v in sealing.FACT_LABELS.items() if k in sealing.CORRECTABLE}
    fields: dict[str, str] = {}
    for label, value in changes.items():
        fact = labels.get(clean_text(label)) or (
            clean_text(label) if clean_text(label) in sealing.CORRECTABLE else None
        )
        if fact is None:
            raise InvalidValue(f"“{label}”不是可更正的事项；可更正：{'、'.join(labels)}")
        fields[fact] = clean_text(value).upper() if fact == "id_number" else clean_text(value)
        _refuse_hidden(sealing.FACT_LABELS[fact], fact, fields[fact])
    if not fields:
        raise InvalidValue(
            finding(
                "intake.nothing_to_correct",
                "没有要更正的事项",
                field="changes",
                hint="写明要更正的事项和新内容，如 专业=护理",
            )
        )
    with store.transaction() as session:
        a = one_applicant(session, key, year)
        frozen = sealing.frozen_by(session, "applicant", [a.id or 0])
        if not frozen:
            raise sealing.SealError(
                f"{a.name}（编号 {a.id}）不属于任何已封存的评审会议，无须走封存后更正；改正后的申报表重新导入即可"
            )
        m = frozen[a.id or 0]
        made: list[FactChange] = []
        for fact, value in fields.items():
            old = str(getattr(a, fact) or "")
            if old == value:
                continue
            session.add(
                ApplicantCorrection(
                    applicant_id=a.id or 0,
                    meeting_id=m.id or 0,
                    fact=fact,
                    old_value=old,
                    new_value=value,
                    reason=reason,
                    user=user or audit.current_user(),
                )
            )
            made.append(
                FactChange(
                    fact,
                    sealing.FACT_LABELS[fact],
                    old,
                    value,
                    sealing.masked_fact(fact, old),
                    sealing.masked_fact(fact, value),
                )
            )
        if not made:
            raise InvalidValue(
                finding(
                    "intake.correction_unchanged",
                    f"{a.name} 的这些事项与现有内容相同，没有可更正的",
                    field="changes",
                    hint="写明与现有内容不同的新内容",
                    applicant=a.id,
                )
            )
        # the corrections and their audit event first: the trigger lets a frozen fact change
        # only to a value a correction names, and only with the event that wrote it
        audit.record(
            session,
            "applicants correct",
            CORRECTION_ACTION,
            {
                "applicant": a.id,
                "meeting": m.id,
                "changes": [dataclasses.asdict(c) for c in made],
                "reason": reason,
            },
            user=user,
        )
        for c in made:
            setattr(a, c.fact, c.new)
            if c.fact == "unit":
                a.unit_key = compare_key(c.new)
        session.add(a)
        session.flush()
        return SealedCorrection(
            a.id or 0, a.name, m.id or 0, sealing.meeting_label(m), tuple(made), reason
        )
