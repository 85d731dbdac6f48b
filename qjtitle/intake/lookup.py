"""Looking applicants up: listing them by committee, year, status and unit, showing one by key."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import date
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from qjtitle import rules
from qjtitle.errors import InvalidValue, NotFound
from qjtitle.findings import Step, finding
from qjtitle.intake.roster_checks import Problem
from qjtitle.privacy import mask_id, mask_phone, mask_text
from qjtitle.spreadsheets.text import clean_text, compare_key
from qjtitle.store import read_store
from qjtitle.store.reading import Reader, day, json_value, like_contains

if TYPE_CHECKING:
    from sqlmodel import Session

    from qjtitle.models import Applicant
    from qjtitle.store import Store

# SQLAlchemy and the models are imported only by the functions that write or take a session:
# listing reads through qjtitle.store.reading, which reads an SQLite store with sqlite3 alone.


@dataclass(frozen=True)
class ApplicantView:
    """One applicant as listed and shown: ID and phone numbers, and numbers typed into free text,
    masked unless ``show_pii``. The fields run in the order of ``as_dict`` (``--json``)."""

    id: int
    year: int
    committee: str  # the committee's code
    # The roster's columns (intake.roster.COLUMNS), in its order
    seq: str
    name: str
    gender: str
    birth: date | None
    id_number: str
    unit: str
    county: str
    education: str
    school: str
    major: str
    graduated: date | None
    work_start: date | None
    current_title: str
    current_title_date: date | None
    series: str
    specialty: str
    title_name: str
    level: str
    route: str
    phone: str
    note: str
    # Derived on import
    unit_key: str
    years_in_title: int | None
    years_working: int | None
    status: str
    problems: tuple[Problem, ...]
    source_file: str
    source_sheet: str
    source_row: int
    correction_deadline: date | None

    def as_dict(self) -> dict[str, Any]:
        """For ``--json``: dates as ISO strings, problems as findings (``Finding.as_json``)."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif f.name == "problems":
                value = [p.as_stored() for p in self.problems]
            data[f.name] = value
        return data


def _problem(stored: dict[str, Any]) -> Problem:
    """A problem as the store keeps it: a finding (``Problem.as_stored``), or the flat form of a
    store from before revision 0013."""
    return Problem.from_stored(stored)


def _masked_problem(stored: dict[str, Any], a: Applicant | SimpleNamespace) -> Problem:
    """A problem's message may quote the ID number or phone as written (Excel's 5.30302198503151E+17)."""
    problem = Problem.from_stored(stored)
    message = problem.message
    for secret, mask in ((a.id_number, mask_id), (a.phone, mask_phone)):
        if secret and secret in message:
            message = message.replace(secret, mask(secret))
    problem.message = mask_text(message)
    return problem


def _unchanged(text: str) -> str:
    return text


def view(
    a: Applicant | SimpleNamespace, committee_code: str = "", show_pii: bool = False
) -> ApplicantView:
    """``a`` (a model, or a row read by :func:`_stored`) for listing and showing; masked unless ``show_pii``."""
    text = _unchanged if show_pii else mask_text
    return ApplicantView(
        id=a.id or 0,  # read from the store: always set
        year=a.year,
        committee=committee_code,
        seq=a.seq,
        name=text(a.name),
        gender=a.gender,
        birth=a.birth,
        id_number=a.id_number if show_pii else mask_id(a.id_number),
        unit=text(a.unit),
        county=a.county,
        education=a.education,
        school=text(a.school),
        major=text(a.major),
        graduated=a.graduated,
        work_start=a.work_start,
        current_title=text(a.current_title),
        current_title_date=a.current_title_date,
        series=text(a.series),
        specialty=text(a.specialty),
        title_name=text(a.title_name),
        level=a.level,
        route=a.route,
        phone=a.phone if show_pii else mask_phone(a.phone),
        note=text(a.note),
        unit_key=a.unit_key,
        years_in_title=a.years_in_title,
        years_working=a.years_working,
        status=a.status,
        problems=tuple(_problem(p) for p in a.problems)
        if show_pii
        else tuple(_masked_problem(p, a) for p in a.problems),
        source_file=a.source_file,
        source_sheet=a.source_sheet,
        source_row=a.source_row,
        correction_deadline=a.correction_deadline,
    )


# The columns of ``applicant`` kept as dates and as JSON (models.Applicant), decoded from a row
DATE_COLUMNS = ("birth", "graduated", "work_start", "current_title_date", "correction_deadline")
JSON_COLUMNS = ("problems",)


def _stored(row: dict[str, Any]) -> SimpleNamespace:
    """A row of ``applicant`` read as SQL, its dates and problems decoded, for :func:`view`."""
    for name in DATE_COLUMNS:
        row[name] = day(row[name])
    for name in JSON_COLUMNS:
        row[name] = json_value(row[name])
    return SimpleNamespace(**row)


def list_applicants(
    store: Store | str | os.PathLike[str] | None,
    committee_code: str | None = None,
    year: int | None = None,
    status: str | None = None,
    unit: str | None = None,
    show_pii: bool = False,
) -> list[ApplicantView]:
    """The applicants, by unit and row, filtered; ``store`` is an open store or where one is (a
    path or URL, a ``--db`` choice, None for the default), read the quick way
    (:func:`qjtitle.store.read_store`)."""
    if status is not None and status not in rules.STATUSES:
        raise InvalidValue(f"状态“{status}”无效；应为 {'、'.join(rules.STATUSES)} 之一")
    where = ["1 = 1"]
    params: dict[str, Any] = {}
    if committee_code:
        where.append("committee.code = :code")
        params["code"] = committee_code
    if year:
        where.append("applicant.year = :year")
        params["year"] = year
    if status:
        where.append("applicant.status = :status")
        params["status"] = status
    if unit:
        where.append("applicant.unit_key LIKE :unit ESCAPE '/'")
        params["unit"] = like_contains(compare_key(unit))
    sql = (
        "SELECT applicant.*, committee.code AS committee_code FROM applicant "
        "JOIN committee ON committee.id = applicant.committee_id "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY applicant.unit_key, applicant.source_row, applicant.id"
    )

    def work(reader: Reader) -> list[ApplicantView]:
        found = []
        for row in reader.rows(sql, **params):
            code = row.pop("committee_code")
            found.append(view(_stored(row), code, show_pii))
        if committee_code and not found:
            _check_committee(reader, committee_code)
        return found

    return read_store(store, work)


def _check_committee(reader: Reader, code: str) -> None:
    """Refuse a committee code that names none, as :func:`qjtitle.committees.get` does."""
    if not reader.rows("SELECT id FROM committee WHERE code = :code", code=code):
        codes = [r["code"] for r in reader.rows("SELECT code FROM committee ORDER BY code")]
        from qjtitle.committees import unknown_committee

        raise unknown_committee(code, codes)


def show_applicant(store: Store, key: str, show_pii: bool = False) -> list[ApplicantView]:
    """Applicants by store id, full ID number, or name."""
    from sqlmodel import col, select

    from qjtitle.models import Applicant, Committee

    with store.transaction() as session:
        query = select(Applicant, Committee.code).join(
            Committee, col(Committee.id) == col(Applicant.committee_id)
        )
        if key.isdigit() and len(key) < 10:
            query = query.where(Applicant.id == int(key))
        elif len(key) == 18:
            query = query.where(Applicant.id_number == key.upper())
        else:
            query = query.where(Applicant.name == key.strip())
        found = [
            view(a, code, show_pii) for a, code in session.exec(query.order_by(col(Applicant.year)))
        ]
    if not found:
        raise NotFound(
            finding(
                "intake.no_such_applicant",
                f"找不到申报人“{key}”（可用编号、18位身份证号码或姓名查找）",
                step=Step.LIST_APPLICANTS,
                hint="请查看全部",
                key=key,
            )
        )
    return found


def one_applicant(session: Session, key: str, year: int | None = None) -> Applicant:
    """The one applicant ``key`` names (编号, 18-digit ID number or name), in ``year`` if given;
    refused, listing them, when it names several (withdraw, reinstate, correct)."""
    from sqlmodel import select

    from qjtitle.models import Applicant

    key = clean_text(key)
    query = select(Applicant)
    if key.isdigit() and len(key) < 10:
        query = query.where(Applicant.id == int(key))
    elif len(key) == 18:
        query = query.where(Applicant.id_number == key.upper())
    else:
        query = query.where(Applicant.name == key)
    if year is not None:
        query = query.where(Applicant.year == year)
    found = list(session.exec(query))
    if not found:
        raise NotFound(
            finding(
                "intake.no_such_applicant",
                f"找不到申报人“{key}”",
                step=Step.LIST_APPLICANTS,
                hint="请查看编号",
                key=key,
            )
        )
    if len(found) > 1:
        which = "、".join(
            f"{a.id}（{a.year}年度，{a.unit or '无单位'}，{a.status}）" for a in found
        )
        raise InvalidValue(
            finding(
                "intake.ambiguous_applicant",
                f"有多名申报人为“{key}”：{which}",
                field="year",
                hint="写明年度，或改用编号",
                key=key,
            )
        )
    return found[0]
