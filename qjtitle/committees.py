"""Committees (评委会): create, list, look up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from qjtitle import rules
from qjtitle.errors import AlreadyExists, InvalidValue, NotFound
from qjtitle.findings import Step, finding
from qjtitle.store import read_store
from qjtitle.store.reading import Reader, day, json_value

if TYPE_CHECKING:
    from sqlmodel import Session

    from qjtitle.models import Committee
    from qjtitle.store import Store

# SQLAlchemy, the models and the audit chain are imported by the functions that use them, so that
# ``committee list`` reads through qjtitle.store.read_store without them.


def get(session: Session, code: str) -> Committee:
    from sqlmodel import select

    from qjtitle.models import Committee

    committee = session.exec(select(Committee).where(Committee.code == code)).first()
    if committee is None:
        codes = session.exec(select(Committee.code).order_by(Committee.code)).all()
        raise unknown_committee(code, list(codes))
    return committee


def unknown_committee(code: str, codes: list[str]) -> NotFound:
    """The error for a committee code that names none of ``codes`` (the known ones)."""
    known = "、".join(codes) if codes else "（尚无评委会）"
    return NotFound(
        finding(
            "committee.not_found",
            f"没有代码为“{code}”的评委会；已有：{known}",
            step=Step.ADD_COMMITTEE,
            hint="如是新的评委会，请新建",
            committee=code,
        )
    )


def add(
    store: Store,
    code: str,
    name: str,
    level: str,
    series: str,
    specialties: list[str] | None = None,
    organizer: str = "",
    approver: str = "",
    min_size: int | None = None,
    pool_filed: date | None = None,
) -> Committee:
    code = code.strip()
    if not code:
        raise InvalidValue("评委会代码不能为空")
    if level not in rules.LEVELS:
        raise InvalidValue(f"评委会级别“{level}”无效；应为 {'、'.join(rules.LEVELS)} 之一")
    odd = rules.COMMITTEE_SIZE_ODD
    if min_size is not None and (min_size < 1 or min_size % int(odd.value) != 1):
        raise InvalidValue(
            f"评委会最少人数 {min_size} 无效：评委会组成人员应当为单数（{odd.source}）"
        )
    if pool_filed is not None and pool_filed > date.today():
        raise InvalidValue(f"专家库备案日期 {pool_filed} 晚于今天；请核对")
    from sqlmodel import select

    from qjtitle.models import Committee
    from qjtitle.store import audit

    with store.transaction() as session:
        if session.exec(select(Committee).where(Committee.code == code)).first():
            raise AlreadyExists(
                finding(
                    "committee.exists",
                    f"评委会代码“{code}”已存在",
                    step=Step.SHOW_COMMITTEE,
                    hint="请换一个代码，或查看这个评委会",
                    committee=code,
                )
            )
        committee = Committee(
            code=code,
            name=name.strip(),
            level=level,
            series=series.strip(),
            specialties=[s.strip() for s in specialties or [] if s.strip()],
            organizer=organizer.strip(),
            approver=approver.strip(),
            min_size=min_size,
            pool_filed=pool_filed,
        )
        session.add(committee)
        session.flush()
        audit.record(session, "committee add", "committee.created", as_dict(committee))
    return committee


# What a committee's documents print, by the names of its fields (committee set).
OFFICER_FIELDS = {
    "handler": "经办人",
    "contact": "联系人",
    "contact_phone": "联系电话",
    "signer": "签发人",
    "doc_code": "发文机关代字",
}


def doc_code(committee: Committee) -> str:
    """The 发文机关代字 of its document numbers: as set, else the organizer's first two characters + 职评."""
    return committee.doc_code or f"{(committee.organizer or committee.name)[:2]}职评"


# The vote denominators as a secretary names them (tally.DENOMINATORS holds the stored codes).
DENOMINATOR_NAMES = {"全部出席": "all_attending", "无须回避": "eligible"}


def denominator_name(code: str) -> str:
    return next((name for name, c in DENOMINATOR_NAMES.items() if c == code), code)


def configure(
    store: Store,
    code: str,
    vote_denominator: str | None = None,
    pass_rate_cap: float | None = None,
    clear_pass_rate_cap: bool = False,
    officers: dict[str, str] | None = None,
) -> Committee:
    """Change a committee's settings: the vote denominator under recusal, the optional pass-rate cap,
    and ``officers``, what its documents print (:data:`OFFICER_FIELDS`: 经办人, contact, 签发人, 代字)."""
    officers = {k: v.strip() for k, v in (officers or {}).items()}
    unknown = [k for k in officers if k not in OFFICER_FIELDS]
    if unknown:
        raise InvalidValue(f"评委会没有设置项 {'、'.join(unknown)}")
    code_text = officers.get("doc_code", "")
    if code_text and any(c in code_text for c in "〔〕[]号0123456789"):
        raise InvalidValue(
            f"发文机关代字“{code_text}”只写代字本身，如 曲卫职评（年份和序号自动加上：曲卫职评〔2023〕1号）"
        )
    from qjtitle.logic.tally import DENOMINATORS

    if vote_denominator is not None:
        vote_denominator = DENOMINATOR_NAMES.get(vote_denominator.strip(), vote_denominator.strip())
    if vote_denominator is not None and vote_denominator not in DENOMINATORS:
        choices = "；".join(f"{name}（{DENOMINATORS[k]}）" for name, k in DENOMINATOR_NAMES.items())
        raise InvalidValue(f"表决基数“{vote_denominator}”无效；可选 {choices}")
    if pass_rate_cap is not None and not 0 < pass_rate_cap <= 1:
        raise InvalidValue(f"通过率上限 {pass_rate_cap} 无效；应为 0 到 1 之间的小数，如 0.6")
    from qjtitle.store import audit

    with store.transaction() as session:
        committee = get(session, code)
        before = as_dict(committee)
        if vote_denominator is not None:
            committee.vote_denominator = vote_denominator
        if pass_rate_cap is not None:
            committee.pass_rate_cap = pass_rate_cap
        if clear_pass_rate_cap:
            committee.pass_rate_cap = None
        for key, value in officers.items():
            setattr(committee, key, value)
        session.add(committee)
        audit.record(
            session,
            "committee set",
            "committee.configured",
            {"before": before, "after": as_dict(committee)},
        )
    return committee


@dataclass(frozen=True)
class CommitteeInfo:
    """A committee's settings as read (``committee show``)."""

    code: str
    name: str
    level: str
    series: str
    specialties: tuple[str, ...]
    organizer: str
    approver: str
    min_size: int | None
    pool_filed: date | None
    vote_denominator: str
    pass_rate_cap: float | None
    handler: str = ""
    contact: str = ""
    contact_phone: str = ""
    signer: str = ""
    doc_code: str = ""

    @classmethod
    def of(cls, committee: Committee) -> CommitteeInfo:
        return cls(
            committee.code,
            committee.name,
            committee.level,
            committee.series,
            tuple(committee.specialties),
            committee.organizer,
            committee.approver,
            committee.min_size,
            committee.pool_filed,
            committee.vote_denominator,
            committee.pass_rate_cap,
            committee.handler,
            committee.contact,
            committee.contact_phone,
            committee.signer,
            committee.doc_code,
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (``--json``, the audit log and the documents' contexts)."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "series": self.series,
            "specialties": list(self.specialties),
            "organizer": self.organizer,
            "approver": self.approver,
            "min_size": self.min_size,
            "pool_filed": self.pool_filed.isoformat() if self.pool_filed else None,
            "vote_denominator": self.vote_denominator,
            "pass_rate_cap": self.pass_rate_cap,
            "handler": self.handler,
            "contact": self.contact,
            "contact_phone": self.contact_phone,
            "signer": self.signer,
            "doc_code": self.doc_code,
        }


@dataclass(frozen=True)
class CommitteeRow:
    """A committee with its number of applicants (``committee list``)."""

    committee: CommitteeInfo
    applicants: int

    def as_dict(self) -> dict[str, Any]:
        return {**self.committee.as_dict(), "applicants": self.applicants}


def as_dict(committee: Committee) -> dict[str, Any]:
    return CommitteeInfo.of(committee).as_dict()


def list_all(store: Store | str | os.PathLike[str] | None) -> list[CommitteeRow]:
    """Every committee by code, with its number of applicants; ``store`` is an open store or
    where one is (:func:`qjtitle.store.read_store`)."""

    def work(reader: Reader) -> list[CommitteeRow]:
        counts = {
            r["committee_id"]: r["n"]
            for r in reader.rows(
                "SELECT committee_id, COUNT(*) AS n FROM applicant GROUP BY committee_id"
            )
        }
        return [
            CommitteeRow(_info(row), counts.get(row["id"], 0))
            for row in reader.rows("SELECT * FROM committee ORDER BY code")
        ]

    return read_store(store, work)


def _info(row: dict[str, Any]) -> CommitteeInfo:
    """A row of ``committee`` read as SQL (models.Committee's columns) as its settings."""
    return CommitteeInfo(
        row["code"],
        row["name"],
        row["level"],
        row["series"],
        tuple(json_value(row["specialties"])),
        row["organizer"],
        row["approver"],
        row["min_size"],
        day(row["pool_filed"]),
        row["vote_denominator"],
        row["pass_rate_cap"],
        row["handler"],
        row["contact"],
        row["contact_phone"],
        row["signer"],
        row["doc_code"],
    )


def show(store: Store, code: str) -> CommitteeInfo:
    with store.transaction() as session:
        return CommitteeInfo.of(get(session, code))
