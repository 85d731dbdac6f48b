"""Each document's context (:class:`Filing`): what the templates of a filing show, built from the
gathered data (:mod:`qjtitle.filing.gather`) in the words of :mod:`qjtitle.filing.wording`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qjtitle import committees, rules
from qjtitle.calendar import milestones
from qjtitle.documents import cn_date
from qjtitle.filing.gather import AGENDA, NOT_RECORDED, POST, PRE, FilingData, FilingOptions
from qjtitle.filing.wording import (
    CITATION_NOTE,
    STATUS_WORDS,
    _abstain_text,
    _basis,
    _date_range,
    _local_day,
    _quorum_text,
    _rule,
    plain_dates,
    plain_problem,
    plain_reason,
    plain_rejection,
)
from qjtitle.intake import photos
from qjtitle.meeting import record as meetings
from qjtitle.meeting import tally
from qjtitle.models import (
    Applicant,
    Expert,
)
from qjtitle.privacy import mask_text


def incomplete(filing: Filing) -> list[str]:
    """What a post-meeting package lacks although it may be filed: the package is a draft unless the
    secretary records why it is final all the same (``--final --reason``)."""
    if filing.data.stage != POST:
        return []
    reasons = []
    report = filing.photo_report or photos.PhotoReport()
    if report.missing:
        names = [p.name for p in report.missing]
        reasons.append(f"缺少 {len(names)} 名通过人员的证件照：{'、'.join(names)}")
    for person, files in report.ambiguous:
        reasons.append(
            f"{person.name} 的证件照无法确定（{len(files)} 个文件均可能是其本人），须人工核对后放入"
        )
    if not filing.options.publicity_where or not filing.options.objections:
        reasons.append("未说明结果公示的发布范围和公示期间收到的异议及处理情况（公示情况）")
    return reasons


@dataclass
class Filing:
    """The documents of one package, as template contexts."""

    data: FilingData
    options: FilingOptions
    draft: bool = False
    reasons: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # the package's list (report annex)
    photo_report: photos.PhotoReport | None = None
    final_despite: list[str] = field(
        default_factory=list
    )  # what is missing from a package made final with a reason
    doc_number: str = ""  # the report's 发文字号 (a final package only), e.g. 曲卫职评〔2023〕3号
    audit_head: dict[str, Any] | None = (
        None  # the audit chain's end at export (manifest.json: audit_head)
    )

    # -- shared --

    def _audit_fact(self) -> list[tuple[str, str]]:
        h = self.audit_head
        if not h:
            return []
        text = (
            f"本材料生成时工作记录共 {h['events']} 条，末条记录校验码前16位为 {h['hash'][:16]}"
            "（完整校验码附在材料清单中，可据以核对此后的记录未被删改）"
        )
        return [("工作记录", text)]

    def common(self) -> dict[str, Any]:
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
                "dates": _date_range(m.date, last),
            },
            "year": meetings.evaluation_year(m),
            "issued": cn_date(self.data.today),
            "organizer": c.organizer or c.name,
            "contact": self.options.contact or "＿＿＿＿",
            "contact_phone": self.options.contact_phone,
            "address": self.options.address,
            "objection_to": self.options.objection_to or c.organizer or c.name,
            "files": self.attachments(),
            "findings": [plain_reason(f.message) for f in self.data.schedule.warnings],
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
        }

    def attachments(self) -> list[dict[str, Any]]:
        """The report's attachments: every other item of the package by title, numbered from 1."""
        by_number: dict[int, str] = {}
        for f in self.files:
            if f["number"] != 1:
                by_number.setdefault(f["number"], f["title"])
        return [{"number": i, "title": t} for i, t in enumerate(by_number.values(), start=1)]

    def milestones(self, with_actual: bool = True) -> list[dict[str, Any]]:
        """The milestones as of the document's date: what was done by then, the rest as planned;
        the package's own filing step is "本次报送"."""
        own = "pre-filing" if self.data.stage == PRE else "post-filing"
        rows = []
        for it in self.data.schedule.items:
            status = STATUS_WORDS.get(it.status, it.status)
            actual = _date_range(it.actual_first, it.actual_last) if it.actual_first else ""
            if (
                it.actual_first
                and it.actual_last is None
                and milestones.MILESTONES[it.key].kind == milestones.WINDOW
            ):
                actual = f"{cn_date(it.actual_first)}起"
            if it.key == own:
                status, actual = "本次报送", cn_date(self.data.today)
            rows.append(
                {
                    "label": it.label,
                    "when": self._when(it),
                    "actual": actual or ("—" if with_actual else ""),
                    "basis": _basis(it.rule),
                    "status": status,
                }
            )
        return rows

    @staticmethod
    def _when(it: milestones.Item) -> str:
        """A milestone's window or deadline in Chinese dates."""
        if it.kind == milestones.LATEST and it.latest:
            return f"不晚于{cn_date(it.latest)}"
        if it.kind == milestones.RANGE and it.latest:
            return (
                f"{cn_date(it.earliest)}至{cn_date(it.latest)}"
                if it.earliest
                else f"不晚于{cn_date(it.latest)}"
            )
        if it.kind in (milestones.SPAN, milestones.DAY) and it.earliest:
            return _date_range(it.earliest, it.latest)
        return plain_dates(it.note)

    def _item(self, key: str) -> milestones.Item | None:
        return next((it for it in self.data.schedule.items if it.key == key), None)

    def period(self, key: str) -> dict[str, Any]:
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
            "text": _date_range(first, last),
            "workdays": days,
            "rule": rules.PUBLICITY_MIN.text,
            "source": rules.cite(rules.PUBLICITY_MIN.source),
            "issued": cn_date(issued),
            "issued_on": issued,
        }

    def _quorum(self) -> tally.Quorum:
        attending = len(self.data.ctx.attending) if self.data.ctx else 0
        return tally.Quorum(self.data.meeting.size, attending)

    def _vote_rule(self) -> dict[str, str]:
        return {
            "text": rules.PASS_THRESHOLD.text,
            "source": rules.cite(rules.PASS_THRESHOLD.source),
            "denominator": plain_reason(
                tally.DENOMINATORS.get(self.data.committee.vote_denominator, "")
            ),
        }

    def _draw_summary(self, d: dict[str, Any]) -> dict[str, Any]:
        members = sum(1 for p in d["picks"] if p["role"] == "member")
        alternates = len(d["picks"]) - members
        status = (
            f"已被第{d['voided_by']}号作废"
            if d.get("voided_by")
            else (
                "重新抽取，作废第{}号：{}".format(d["voids"], d["void_reason"])
                if d.get("voids")
                else ""
            )
        )
        return {
            "number": d["draw"],
            "drawn_on": cn_date(date.fromisoformat(d["drawn_on"])),
            "summary": f"符合条件专家 {d['eligible_count']} 人，抽取委员 {members} 人、备选 {alternates} 人；"
            f"抽取人员 {'、'.join(d['drawers'])}，监督人员 {'、'.join(d['supervisors'])}",
            "status": status,
        }

    # -- pre-meeting --

    def counts(self) -> dict[str, int]:
        by = Counter(a.status for a in self.data.applicants)
        rejected = len(self.data.rejected)
        return {
            "received": len(self.data.applicants) + rejected,
            "passed": by[rules.STATUS_ACCEPTED],
            "returned": by[rules.STATUS_NEEDS_CORRECTION] + by[rules.STATUS_WITHDRAWN] + rejected,
            "pending": by[rules.STATUS_NEEDS_CORRECTION],
            "withdrawn": by[rules.STATUS_WITHDRAWN],
            "rejected": rejected,
        }

    def prefiling_report(self) -> dict[str, Any]:
        c, m, n = self.data.committee, self.data.meeting, self.counts()
        draw = self.data.standing_draw
        quorum = tally.Quorum(m.size, 0)
        pre = self.period("pre-publicity")
        facts = [
            ("评委会", f"{c.name}（{c.code}）"),
            ("级别、系列", f"{c.level}，{c.series}系列"),
            ("评审专业", "、".join(c.specialties) or "—"),
            ("组建单位", c.organizer or "—"),
            ("核准组建部门", c.approver or "—"),
            (
                "评审会议",
                f"{_date_range(m.date, meetings.last_day(m))}，{m.place or '（地点未定）'}",
            ),
            ("评委会人数", f"{m.size} 人；出席不少于 {quorum.needed} 人"),
            (
                "申报人数",
                f"收到 {n['received']} 人：资格审查通过 {n['passed']} 人，退回 {n['returned']} 人",
            ),
            ("会前公示", f"{pre['text']}（{pre['workdays']}个工作日）"),
            (
                "专家库",
                f"{self.data.pool_size} 人"
                + (f"，{cn_date(c.pool_filed)}备案" if c.pool_filed else ""),
            ),
        ]
        if draw is not None:
            members = sum(1 for p in draw["picks"] if p["role"] == "member")
            drawn = (
                f"第{draw['draw']}号：{cn_date(date.fromisoformat(draw['drawn_on']))}，符合条件 {draw['eligible_count']} 人，"
                f"抽取委员 {members} 人、备选 {len(draw['picks']) - members} 人"
            )
            facts.append(("专家抽取", drawn))
        facts += self._audit_fact()
        return {
            **self.common(),
            "pre_rule": _rule(rules.PRE_FILING_BEFORE_MEETING),
            "facts": [{"label": k, "value": v} for k, v in facts],
            "milestones": self.milestones(),
            "draws": [self._draw_summary(d) for d in self.data.draws],
        }

    def eligibility_results(self) -> dict[str, Any]:
        rows = []
        for a in self.data.applicants:
            if a.status == rules.STATUS_ACCEPTED:
                result, reason = "通过", ""
            else:
                problems = "；".join(
                    dict.fromkeys(plain_problem(p, (a.id_number, a.phone)) for p in a.problems)
                )
                if a.status == rules.STATUS_WITHDRAWN:
                    result = "退回（视为放弃）"
                    due = (
                        f"（补正期限{cn_date(a.correction_deadline)}）"
                        if a.correction_deadline
                        else ""
                    )
                    reason = f"逾期未补正{due}：{problems}" if problems else f"逾期未补正{due}"
                else:
                    result, reason = "待补正", problems
            rows.append(
                {
                    "name": mask_text(a.name),
                    "unit": mask_text(a.unit),
                    "specialty": a.specialty,
                    "title": a.title_name,
                    "result": result,
                    "reason": reason,
                }
            )
        for r in self.data.rejected:
            rows.append(
                {
                    "name": mask_text(r.get("name", "")),
                    "unit": mask_text(r.get("unit", "")),
                    "specialty": "",
                    "title": "",
                    "result": "未予受理",
                    "reason": mask_text(plain_rejection(str(r.get("reason", "")))),
                }
            )
        for i, row in enumerate(rows, start=1):
            row["number"] = i
        return {
            **self.common(),
            "summary": self.counts(),
            "rows": rows,
            "correction_rule": {
                "text": "对不符合规定条件的申报材料，应当一次性告知需要补充更正的全部内容，逾期未补正的，视为放弃",
                "source": rules.cite(rules.CORRECTION_DEFAULT.source),
            },
        }

    @staticmethod
    def _public_person(number: int, a: Applicant | dict[str, Any]) -> dict[str, Any]:
        """Name, unit, series/specialty and title only: what a public notice may show."""
        get = (lambda k: a.get(k, "")) if isinstance(a, dict) else (lambda k: getattr(a, k))
        return {
            "number": number,
            "name": mask_text(get("name")),
            "unit": mask_text(get("unit")),
            "series": get("series"),
            "specialty": get("specialty"),
            "title": get("title_name"),
        }

    def pre_publicity(self) -> dict[str, Any]:
        return {
            **self.common(),
            "people": [
                self._public_person(i, a) for i, a in enumerate(self.data.accepted, start=1)
            ],
            "period": self.period("pre-publicity"),
        }

    def meeting_plan(self) -> dict[str, Any]:
        m = self.data.meeting
        by_specialty = Counter(a.specialty for a in self.data.accepted)
        draw = self.data.standing_draw
        if draw is None:
            text = "评审专家尚未抽取。"
        else:
            params = draw["params"]
            quotas = "、".join(f"{s} {n} 人" for s, n in params.get("quotas", {}).items())
            scope = "、".join(params.get("specialties") or [])
            text = (
                f"已于{cn_date(date.fromisoformat(draw['drawn_on']))}抽取委员 {params['members']} 人"
                + (f"（{quotas}）" if quotas else "")
                + (f"，专业范围：{scope}" if scope else "")
                + f"；另抽取备选专家 {params['alternates']} 人，委员谢绝参会时按抽取顺序递补。"
            )
        per = (
            self.data.assignment.per_applicant
            if self.data.assignment
            else int(rules.REVIEWERS_MIN.value)
        )
        planned = [it for it in self.milestones(with_actual=False)]
        return {
            **self.common(),
            "applicants_total": len(self.data.accepted),
            "by_specialty": [
                {"specialty": s or "（未填写）", "count": n}
                for s, n in sorted(by_specialty.items())
            ],
            "composition": {
                "size": m.size,
                "quorum_needed": tally.Quorum(m.size, 0).needed,
                "text": text,
            },
            "basis": f"{rules.DOCUMENT_NAMES['通知']}（以下简称{rules.SHORT_NAMES['通知']}）和{rules.DOCUMENT_NAMES['40号令']}",
            "odd_rule": _rule(rules.COMMITTEE_SIZE_ODD, short=True),
            "drawers_rule": _rule(rules.DRAWERS, short=True),
            "quorum_rule": _rule(rules.QUORUM, short=True),
            "methods": list(self.options.methods),
            "methods_source": rules.cite(rules.METHODS_SOURCE, short=True),
            "reviewers": {
                "per_applicant": max(per, int(rules.REVIEWERS_MIN.value)),
                "text": rules.REVIEWERS_MIN.text,
                "source": rules.cite(rules.REVIEWERS_MIN.source, short=True),
            },
            "vote": {
                **self._vote_rule(),
                "source": rules.cite(rules.PASS_THRESHOLD.source, short=True),
            },
            "milestones": planned,
            "agenda": list(AGENDA),
        }

    def roster_rows(self) -> list[dict[str, Any]]:
        """The 附件2 rows of the applicants who go to the meeting, renumbered."""
        from qjtitle.intake.roster import COLUMNS

        return [
            {**{c.key: getattr(a, c.key) for c in COLUMNS}, "seq": i}
            for i, a in enumerate(self.data.accepted, start=1)
        ]

    # -- post-meeting --

    def result_rows(self) -> list[dict[str, Any]]:
        return list((self.data.results or {}).get("applicants", []))

    def passed(self) -> list[dict[str, Any]]:
        """The people who passed, public fields only, numbered."""
        by_id = {a.id: a for a in self.data.accepted}
        out = []
        for row in self.result_rows():
            if row["result"] == "通过" and row["id"] in by_id:
                out.append(self._public_person(len(out) + 1, by_id[row["id"]]))
                out[-1]["id"] = row["id"]
        return out

    def postfiling_report(self) -> dict[str, Any]:
        c, m = self.data.committee, self.data.meeting
        results = self.data.results or {}
        quorum = self._quorum()
        result_pub = self.period("result-publicity")
        rate = results.get("pass_rate", 0.0)
        sealed = _local_day(results.get("sealed_at"))
        facts = [
            ("评委会", f"{c.name}（{c.code}）"),
            (
                "评审会议",
                f"{_date_range(m.date, meetings.last_day(m))}，{m.place or '（地点未定）'}",
            ),
            ("出席情况", _quorum_text(quorum)),
            (
                "评审结果",
                f"评审 {results.get('voted', 0)} 人，通过 {results.get('passed', 0)} 人，通过率 {rate:.1%}",
            ),
            (
                "表决规则",
                f"{rules.PASS_THRESHOLD.text}；{plain_reason(results.get('denominator_text', ''))}",
            ),
            ("结果公示", f"{result_pub['text']}（{result_pub['workdays']}个工作日）"),
            ("核准部门同意召开", self.consent()["text"]),
            (
                "评审材料",
                "已封存"
                + (f"（{cn_date(sealed)}）" if sealed and sealed <= self.data.today else "")
                if sealed
                else "未封存",
            ),
        ]
        if self.data.assignment is not None:
            facts.append(
                (
                    "审阅安排",
                    f"每人由 {self.data.assignment.per_applicant} 名专家独自审阅，审阅专家随机分配",
                )
            )
        facts += self._audit_fact()
        report = self.photo_report or photos.PhotoReport()
        return {
            **self.common(),
            "findings": [plain_reason(f.message) for f in self.data.schedule.warnings]
            + [plain_reason(w) for w in results.get("warnings", [])],
            "post_rule": _rule(rules.POST_FILING_AFTER_MEETING),
            "summary": {"voted": results.get("voted", 0), "passed": results.get("passed", 0)},
            "facts": [{"label": k, "value": v} for k, v in facts],
            "milestones": self.milestones(),
            "after_seal": self.after_seal(),
            "photos": {
                "found": len(report.found),
                "missing": [p.name for p in report.missing],
                "ambiguous": [p.name for p, _files in report.ambiguous],
            },
        }

    def after_seal(self) -> list[dict[str, Any]]:
        return [
            {**e, "recorded_at": cn_date(_local_day(e["recorded_at"]))}
            for e in (self.data.results or {}).get("after_seal", [])
        ]

    def consent(self) -> dict[str, Any]:
        """The approver's written consent to hold the meeting: its date and reference, as recorded."""
        it = self._item("consent")
        day = it.actual_first if it is not None else None
        ref = self.data.consent_note
        if day is None:
            return {"date": "", "reference": ref, "text": "（未登记）"}
        return {
            "date": cn_date(day),
            "reference": ref,
            "text": f"{cn_date(day)}" + (f"，{ref}" if ref else ""),
        }

    def publicity_account(self) -> dict[str, Any]:
        """结果公示情况: where and when the result was posted, objections received and how they were handled."""
        period = self.period("result-publicity")
        return {
            **self.common(),
            "period": period,
            "people": len(self.passed()),
            "where": self.options.publicity_where or NOT_RECORDED,
            "objections": self.options.objections or NOT_RECORDED,
        }

    def review_account(self) -> dict[str, Any]:
        """评审情况说明: attendance, absences, substitutions, recusals, votes, pass rate, corrections after the seal."""
        ctx = self.data.ctx
        results = self.data.results or {}
        quorum = self._quorum()
        draw = self.data.standing_draw or {}
        names = {p["id"]: p["name"] for p in draw.get("picks", [])}
        substitutions = [
            f"第{r['member_position']}位委员{names.get(r['out'], '')}不能参会"
            + (f"（{r['reason']}）" if r["reason"] else "")
            + f"，由第{r['alternate_position']}位备选专家{names.get(r['in'], '')}递补"
            for r in draw.get("replacements", [])
        ]
        absent = [
            e.name
            for eid, e in self._panel_rows()
            if ctx is not None and eid not in set(ctx.attending)
        ]
        recusals = []
        if ctx is not None:
            for a in ctx.applicants:
                for eid, reason in ctx.recused.get(a.id or 0, {}).items():
                    if eid in ctx.attending:
                        why = re.sub(r"^声明回避（(.*)）$", r"\1", reason)
                        recusals.append(
                            f"{ctx.expert_name(eid)}对申报人{a.name}回避（{why}），未审阅、未表决"
                        )
        rate = results.get("pass_rate", 0.0)
        cap = self.data.committee.pass_rate_cap
        rows = self.result_rows()
        failed = [r["name"] for r in rows if r.get("result") == "未通过"]
        return {
            **self.common(),
            "attendance": _quorum_text(quorum),
            "absent": absent,
            "substitutions": substitutions,
            "recusals": recusals,
            "per_applicant": self.data.assignment.per_applicant
            if self.data.assignment
            else int(rules.REVIEWERS_MIN.value),
            "methods": list(self.options.methods),
            "voted": results.get("voted", 0),
            "passed": results.get("passed", 0),
            "failed": failed,
            "rate": f"{rate:.1%}",
            "cap": (
                f"评委会设定的通过率上限为{cap:.0%}，"
                + ("本次未超过上限" if rate <= cap else "本次超过上限，已在报告中说明")
            )
            if cap is not None
            else "评委会未设定通过率上限",
            "vote": self._vote_rule(),
            "after_seal": self.after_seal(),
        }

    def result_publicity(self) -> dict[str, Any]:
        return {**self.common(), "people": self.passed(), "period": self.period("result-publicity")}

    def _panel_rows(self) -> list[tuple[int, Expert]]:
        """The seated members who accepted (and any attending expert), in draw position order."""
        ctx = self.data.ctx
        if ctx is None:
            return []
        positions: dict[int, int] = {}
        draw = self.data.standing_draw
        if draw is not None:
            for p in draw["picks"]:
                positions[p["id"]] = p["position"]
        return sorted(ctx.panel.items(), key=lambda kv: (positions.get(kv[0], 10**6), kv[0]))

    def attending_experts(self) -> dict[str, Any]:
        ctx = self.data.ctx
        draw = self.data.standing_draw or {
            "draw": "—",
            "drawn_on": None,
            "seed": "—",
            "record_sha256": "—",
            "replacements": [],
        }
        replaced_in = {r["in"]: r for r in draw.get("replacements", [])}
        attending = set(ctx.attending) if ctx else set()
        rows = []
        for eid, e in self._panel_rows():
            if eid not in attending:
                continue
            r = replaced_in.get(eid)
            role = (
                f"备选递补（第{r['alternate_position']}位，替补第{r['member_position']}位委员）"
                if r
                else "委员"
            )
            rows.append(
                {
                    "number": len(rows) + 1,
                    "name": e.name,
                    "gender": e.gender,
                    "unit": e.unit,
                    "title": e.title,
                    "specialty": e.specialty,
                    "role": role,
                }
            )
        drawn_on = cn_date(date.fromisoformat(draw["drawn_on"])) if draw.get("drawn_on") else "—"
        return {
            **self.common(),
            "draw": {
                "number": draw["draw"],
                "drawn_on": drawn_on,
                "seed": draw["seed"],
                "fingerprint": draw["record_sha256"],
                "drawers": "、".join(draw.get("drawers", [])),
                "supervisors": "、".join(draw.get("supervisors", [])),
            },
            "size": self.data.meeting.size,
            "experts": rows,
        }

    def sign_in_sheet(self) -> dict[str, Any]:
        ctx = self.data.ctx
        attending = set(ctx.attending) if ctx else set()
        rows = [
            {
                "number": i,
                "name": e.name,
                "unit": e.unit,
                "title": e.title,
                "specialty": e.specialty,
                "present": "出席" if eid in attending else "缺席",
            }
            for i, (eid, e) in enumerate(self._panel_rows(), start=1)
        ]
        quorum = self._quorum()
        return {
            **self.common(),
            "experts": rows,
            "size": quorum.size,
            "attending": quorum.attending,
            "quorum_text": _quorum_text(quorum),
        }

    def review_forms(self) -> Iterator[tuple[Applicant, dict[str, Any]]]:
        """One context per applicant who went to the meeting, in the meeting's order."""
        ctx = self.data.ctx
        if ctx is None:
            return
        common = self.common()
        assigned = {
            int(k): v
            for k, v in (self.data.assignment.reviewers if self.data.assignment else {}).items()
        }
        votes = {r["id"]: r for r in self.result_rows()}
        rule = rules.REVIEWERS_MIN.text
        attending = len(ctx.attending)
        for number, a in enumerate(ctx.applicants, start=1):
            aid = a.id or 0
            reviews = []
            for i, eid in enumerate(assigned.get(aid, []), start=1):
                r = self.data.reviews.get((aid, eid))
                reviews.append(
                    {
                        "number": i,
                        "expert": ctx.expert_name(eid),
                        "opinion": r.opinion if r else NOT_RECORDED,
                        "recommendation": r.recommendation if r else "—",
                    }
                )
            v = votes.get(aid, {})
            facts = [
                ("姓名", a.name),
                ("性别", a.gender),
                ("出生年月", f"{a.birth.year}年{a.birth.month}月" if a.birth else ""),
                ("工作单位", a.unit),
                ("学历", "，".join(x for x in (a.education, a.school, a.major) if x)),
                (
                    "参加工作时间",
                    f"{a.work_start.year}年{a.work_start.month}月" if a.work_start else "",
                ),
                (
                    "现专业技术职务",
                    f"{a.current_title or '无'}"
                    + (
                        f"（{a.current_title_date.year}年{a.current_title_date.month}月取得，任现职 {a.years_in_title} 年）"
                        if a.current_title_date
                        else ""
                    ),
                ),
                ("申报系列、专业", f"{a.series}系列，{a.specialty}"),
                ("申报资格", f"{a.title_name}（{a.level}，{a.route}）"),
            ]
            yield (
                a,
                {
                    **common,
                    "number": number,
                    "applicant": [{"label": k, "value": val} for k, val in facts],
                    "reviews": reviews,
                    "reviewer_rule": rule,
                    "vote": {
                        "attending": attending,
                        "agree": v.get("agree", "—"),
                        "disagree": v.get("disagree", "—"),
                        "abstain": _abstain_text(v),
                        "invalid": v.get("invalid", 0),
                        "result": v.get("result", "未投票"),
                    },
                },
            )

    def result_confirmation(self) -> dict[str, Any]:
        ctx = self.data.ctx
        quorum = self._quorum()
        rows = []
        for i, r in enumerate(self.result_rows(), start=1):
            voted = r.get("voted", False)
            rows.append(
                {
                    "number": i,
                    "name": r["name"],
                    "unit": r["unit"],
                    "title": r["title"],
                    "attending": quorum.attending,
                    "recused": r.get("recused", 0) if voted else "—",
                    "agree": r.get("agree", "—"),
                    "disagree": r.get("disagree", "—"),
                    "abstain": _abstain_text(r),
                    "needed": r.get("needed", "—"),
                    "invalid": r.get("invalid", 0),
                    "result": r["result"],
                }
            )
        passed = sum(1 for r in rows if r["result"] == "通过")
        blank = "＿＿＿＿＿＿"
        return {
            **self.common(),
            "size": quorum.size,
            "attending": quorum.attending,
            "quorum_text": _quorum_text(quorum),
            "vote": self._vote_rule(),
            "rows": rows,
            "passed": passed,
            "failed": len(rows) - passed,
            "counter": self.options.counter or blank,
            "scrutineer": self.options.scrutineer or blank,
            "chair": self.options.chair or blank,
            "experts": [ctx.expert_name(e) for e in ctx.attending] if ctx else [],
        }

    def pass_roster(self) -> dict[str, Any]:
        return {**self.common(), "people": self.passed()}

    def context(self, template: str) -> dict[str, Any]:
        builders: dict[str, Callable[[], dict[str, Any]]] = {
            "prefiling_report.docx": self.prefiling_report,
            "eligibility_results.docx": self.eligibility_results,
            "pre_publicity.docx": self.pre_publicity,
            "meeting_plan.docx": self.meeting_plan,
            "postfiling_report.docx": self.postfiling_report,
            "result_publicity.docx": self.result_publicity,
            "attending_experts.docx": self.attending_experts,
            "sign_in_sheet.docx": self.sign_in_sheet,
            "result_confirmation.docx": self.result_confirmation,
            "pass_roster.docx": self.pass_roster,
            "publicity_account.docx": self.publicity_account,
            "review_account.docx": self.review_account,
        }
        return builders[template]()
