"""What every document of a filing shows (committee, meeting, milestones, publicity periods, vote rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from qjtitle import committees, meetings, rules
from qjtitle.calendar.milestones import DAY, LATEST, MILESTONES, RANGE, SPAN, WINDOW, Item
from qjtitle.documents.dates import cn_date
from qjtitle.filing.gather import PRE, FilingData, FilingOptions
from qjtitle.filing.wording import (
    CITATION_NOTE,
    STATUS_WORDS,
    basis,
    date_range,
    officer_findings,
    plain_dates,
    plain_reason,
)
from qjtitle.intake import photos
from qjtitle.logic import tally
from qjtitle.meeting.results import SECRET
from qjtitle.models import Applicant
from qjtitle.privacy import mask_text


class MeetingFacts(TypedDict):
    """The meeting as every document names it."""

    id: int | None
    date: str
    end_date: str
    place: str
    size: int
    dates: str


class FinalNote(TypedDict):
    """What a package made final with a reason lacks, and the reason (``--final --reason``)."""

    items: list[str]
    reason: str


class Common(TypedDict):
    """What every document's context holds (a template context is a dict of these and its own keys)."""

    draft: bool
    committee: dict[str, Any]  # committees.as_dict
    meeting: MeetingFacts
    year: int
    issued: str
    organizer: str
    contact: str
    contact_phone: str
    handler: str  # 经办人, as the committee set it (never a login name)
    signer: str  # 签发人 of the reports
    address: str
    objection_to: str
    files: list[dict[str, object]]
    findings: list[str]
    draft_reasons: list[str]
    final_note: FinalNote | None
    citation_note: str
    doc_number: str
    transcribed: str  # what a typed transcription of a signed sheet says it is


class PublicPerson(TypedDict):
    """One person as a public notice shows them (a row of the publicity and the pass roster)."""

    number: int
    name: str
    unit: str
    series: str
    specialty: str
    title: str
    id: NotRequired[int]  # the applicant's id (the pass roster's people, for their photos)


@dataclass
class FilingBase:
    """The data of one package and what its documents share; :class:`qjtitle.filing.contexts.Filing`
    adds each document's context."""

    data: FilingData
    options: FilingOptions
    draft: bool = False
    reasons: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # the package's list (report annex)
    photo_report: photos.PhotoReport | None = None
    signed: list[Path] = field(
        default_factory=list
    )  # scans of the sheets signed on the meeting day
    final_despite: list[str] = field(
        default_factory=list
    )  # what is missing from a package made final with a reason
    doc_number: str = ""  # the report's 发文字号 (a final package only), e.g. 曲卫职评〔2023〕3号
    audit_head: dict[str, Any] | None = (
        None  # the audit chain's end at export (manifest.json: audit_head)
    )

    def common(self) -> Common:
        c, m = self.data.committee, self.data.meeting
        last = meetings.last_day(m)
        return {
            "draft": self.draft,
            "committee": committees.as_dict(c),
            "meeting": {
                "id": m.id,
                "date": cn_date(m.date),
                "end_date": cn_date(m.end_date),
                "place": m.place or "（未定）",
                "size": m.size,
                "dates": date_range(m.date, last),
            },
            "year": meetings.evaluation_year(m),
            "issued": cn_date(self.data.today),
            "organizer": c.organizer or c.name,
            "contact": self.options.contact or c.contact or "＿＿＿＿",
            "contact_phone": self.options.contact_phone or c.contact_phone,
            "handler": c.handler or "＿＿＿＿",
            "signer": c.signer or "＿＿＿＿",
            "address": self.options.address,
            "objection_to": self.options.objection_to or c.organizer or c.name,
            "files": self.attachments(),
            "findings": officer_findings(self.data.schedule.warnings),
            "draft_reasons": [plain_reason(r) for r in self.reasons] if self.draft else [],
            "final_note": (
                {
                    "items": [plain_reason(r) for r in self.final_despite],
                    "reason": self.options.final_reason,
                }
                if self.final_despite and not self.draft
                else None
            ),
            "citation_note": CITATION_NOTE,
            "doc_number": self.doc_number,
            "transcribed": self.transcribed(),
        }

    def transcribed(self) -> str:
        """The line a typed transcription of a meeting-day sheet carries: from the signed original of
        the meeting day, and where its scan is filed."""
        day = cn_date(self.data.meeting.date)
        scans = next((f for f in self.files if str(f["file"]).startswith("11_")), None)
        where = (
            f"，签字原件扫描件见本次报送材料第{scans['number']}项"
            if scans
            else "；签字原件扫描件尚未收齐"
        )
        return f"本表根据{day}评审会议当天签字的原件录入{where}。"

    def attachments(self) -> list[dict[str, object]]:
        """The package's items by title, numbered as its files are (the report itself is item 1, so that
        the numbers the report lists are those on the files it is sent with)."""
        by_number: dict[int, str] = {}
        for f in self.files:
            by_number.setdefault(int(f["number"]), f["title"])
        return [
            {"number": n, "title": f"{t}（本报告）" if n == 1 else t}
            for n, t in sorted(by_number.items())
        ]

    def issued_on(self, key: str) -> date:
        """The day a document issued at the milestone ``key`` bears: the day recorded for it when
        that is not after the package's date, else the package's date."""
        it = self._item(key)
        if it is not None and it.actual_first and it.actual_first <= self.data.today:
            return it.actual_first
        return self.data.today

    def milestones(self, with_actual: bool = True) -> list[dict[str, object]]:
        """The milestones as of the document's date: what was done by then, the rest as planned;
        the package's own filing step is "本次报送"."""
        own = "pre-filing" if self.data.stage == PRE else "post-filing"
        rows: list[dict[str, object]] = []
        for it in self.data.schedule.items:
            status = STATUS_WORDS.get(it.status, it.status)
            actual = date_range(it.actual_first, it.actual_last) if it.actual_first else ""
            if it.actual_first and it.actual_last is None and MILESTONES[it.key].kind == WINDOW:
                actual = f"{cn_date(it.actual_first)}起"
            if it.key == own:
                status, actual = "本次报送", cn_date(self.data.today)
            rows.append(
                {
                    "label": it.label,
                    "when": self._when(it),
                    "actual": actual or ("—" if with_actual else ""),
                    "basis": basis(it.rule),
                    "status": status,
                }
            )
        return rows

    @staticmethod
    def _when(it: Item) -> str:
        """A milestone's window or deadline in Chinese dates."""
        if it.kind == LATEST and it.latest:
            return f"不晚于{cn_date(it.latest)}"
        if it.key == "recommendation-publicity" and it.latest:
            # the plan lays it out as late as it may be: a requirement on its end and length, not
            # a window (the employers' 推荐公示 comes before their submission, weeks earlier)
            return f"不少于{int(rules.PUBLICITY_MIN.value)}个工作日，不晚于{cn_date(it.latest)}结束"
        if it.kind == RANGE and it.latest:
            return (
                f"{cn_date(it.earliest)}至{cn_date(it.latest)}"
                if it.earliest
                else f"不晚于{cn_date(it.latest)}"
            )
        if it.kind in (SPAN, DAY) and it.earliest:
            return date_range(it.earliest, it.latest)
        return plain_dates(it.note)

    def _item(self, key: str) -> Item | None:
        return next((it for it in self.data.schedule.items if it.key == key), None)

    def period(self, key: str) -> dict[str, object]:
        """A publicity's dates: as recorded, else as planned."""
        it = self._item(key)
        first = last = None
        if it is not None:
            first, last = (
                (it.actual_first, it.actual_last) if it.actual_first else (it.earliest, it.latest)
            )
        need = int(rules.PUBLICITY_MIN.value)
        if first is not None and last is None:
            last = self.data.calendar.span_end(first, need)
        days = self.data.calendar.count(first, last) if first and last else need
        # a publicity is issued on (or before) its first day, never after it
        issued = min(first, self.data.today) if first else self.data.today
        return {
            "first": cn_date(first),
            "last": cn_date(last),
            "text": date_range(first, last),
            "workdays": days,
            "rule": rules.PUBLICITY_MIN.text,
            "source": rules.cite(rules.PUBLICITY_MIN.source),
            "issued": cn_date(issued),
            "issued_on": issued,
        }

    def _vote_rule(self) -> dict[str, str]:
        rows = [r for r in (self.data.results or {}).get("applicants", []) if r.get("voted")]
        named = any(r.get("mode", SECRET) != SECRET for r in rows)  # a store's old named ballots
        return {
            "way": "记名投票" if named else "无记名投票",
            "text": rules.PASS_THRESHOLD.text,
            "source": rules.cite(rules.PASS_THRESHOLD.source),
            "denominator": plain_reason(
                tally.DENOMINATORS.get(self.data.committee.vote_denominator, "")
            ),
        }

    @staticmethod
    def _public_person(number: int, a: Applicant | dict[str, Any]) -> PublicPerson:
        """Name, unit, series/specialty and title only: what a public notice may show."""

        def get(key: str) -> str:
            value: str = a.get(key, "") if isinstance(a, dict) else getattr(a, key)
            return value

        return {
            "number": number,
            "name": mask_text(get("name")),
            "unit": mask_text(get("unit")),
            "series": mask_text(get("series")),
            "specialty": mask_text(get("specialty")),
            "title": mask_text(get("title_name")),
        }
