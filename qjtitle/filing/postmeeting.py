"""The post-meeting documents' contexts: report, publicity, attendance, review forms, votes, pass roster."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from qjtitle import meetings, rules
from qjtitle.documents.dates import cn_date
from qjtitle.filing.common import FilingBase, PublicPerson
from qjtitle.filing.gather import NOT_RECORDED
from qjtitle.filing.wording import (
    date_range,
    local_day,
    plain_reason,
    quorum_text,
    rule_citation,
)
from qjtitle.intake import photos
from qjtitle.logic import tally
from qjtitle.models import Applicant, Expert


def skipped_alternates(draw: dict[str, Any]) -> list[list[str]]:
    """For each replacement of the draw record, the alternates before the one who came in, and why
    each was passed over (specialty, a decline, already seated)."""
    picks = draw.get("picks", [])
    alternates = [p for p in picks if p["role"] == "alternate"]
    declined = {a["expert"] for a in draw.get("answers", []) if a.get("accepted") is False}
    used: set[int] = set()
    out = []
    for r in draw.get("replacements", []):
        slot = next(
            (
                p["slot"]
                for p in picks
                if p["role"] == "member" and p["position"] == r["member_position"]
            ),
            "",
        )
        skipped = []
        for p in alternates:
            if p["position"] >= r["alternate_position"]:
                break
            if p["id"] in used:
                why = "已递补其他席位"
            elif p["id"] in declined:
                why = "已谢绝"
            elif slot and p["specialty"] != slot:
                why = f"专业为{p['specialty']}，与该席位（{slot}）不符"
            else:
                why = "不符合该席位的专业要求"
            skipped.append(f"第{p['position']}位备选专家{p['name']}{why}")
        used.add(r["in"])
        out.append(skipped)
    return out


class PostMeeting(FilingBase):
    """The contexts of the post-meeting package (会后备案)."""

    def _quorum(self) -> tally.Quorum:
        attending = len(self.data.ctx.attending) if self.data.ctx else 0
        return tally.Quorum(self.data.meeting.size, attending)

    def chair(self) -> dict[str, str]:
        """Who chaired the meeting, as recorded (an attending expert): name and role as signed."""
        ctx = self.data.ctx
        presiding = ctx.presiding if ctx else None
        if ctx is None or presiding is None:
            return {"name": "＿＿＿＿＿＿", "role": "评委会主任委员"}
        eid, role = presiding
        return {
            "name": ctx.expert_name(eid),
            "role": "评委会主任委员" if role == "主任委员" else "评委会副主任委员（主持会议）",
        }

    def assignment_way(self) -> str:
        """How the reviewers were given out, as the stored assignment did it (v2: one of the
        applicant's specialty first; where none could be given, how many and that the forms say why)."""
        a = self.data.assignment
        if a is None or not a.algorithm.endswith("-v2"):
            return "审阅专家随机分配"
        gaps = len(a.specialty_gaps)
        return "审阅专家随机分配，每名申报人至少有一名与其同专业的审阅专家" + (
            f"（{gaps} 人没有同专业专家出席或均须回避，原因见其专家评议表）" if gaps else ""
        )

    def methods(self) -> list[str]:
        """The methods the meeting recorded as used (none recorded: the secretary has not said)."""
        ctx = self.data.ctx
        return list(ctx.methods) if ctx and ctx.methods else [NOT_RECORDED]

    def result_rows(self) -> list[dict[str, Any]]:
        """The applicants' rows of the meeting's results (``voting.results``)."""
        return list((self.data.results or {}).get("applicants", []))

    def passed(self) -> list[PublicPerson]:
        """The people who passed, public fields only, numbered."""
        by_id = {a.id: a for a in self.data.accepted}
        out: list[PublicPerson] = []
        for row in self.result_rows():
            if row["result"] == "通过" and row["id"] in by_id:
                out.append(self._public_person(len(out) + 1, by_id[row["id"]]))
                out[-1]["id"] = row["id"]
        return out

    def postfiling_report(self) -> dict[str, object]:
        c, m = self.data.committee, self.data.meeting
        results = self.data.results or {}
        quorum = self._quorum()
        result_pub = self.period("result-publicity")
        rate = results.get("pass_rate", 0.0)
        sealed = local_day(results.get("sealed_at"))
        facts = [
            ("评委会", f"{c.name}（{c.code}）"),
            (
                "评审会议",
                f"{date_range(m.date, meetings.last_day(m))}，{m.place or '（地点未定）'}",
            ),
            ("出席情况", quorum_text(quorum)),
            ("主持会议", "{name}（{role}）".format(**self.chair())),
            ("评审方式", "、".join(self.methods())),
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
                    f"每人由 {self.data.assignment.per_applicant} 名专家独自审阅，{self.assignment_way()}",
                )
            )
        report = self.photo_report or photos.PhotoReport()
        return {
            **self.common(),
            "findings": [plain_reason(f.message) for f in self.data.schedule.warnings]
            + [plain_reason(w) for w in results.get("warnings", [])],
            "post_rule": rule_citation(rules.POST_FILING_AFTER_MEETING),
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

    def after_seal(self) -> list[dict[str, object]]:
        return [  # who typed it (a login name) is in the audit log, not in a filed document
            {
                **{k: v for k, v in e.items() if k != "user"},
                "recorded_at": cn_date(local_day(e["recorded_at"])),
            }
            for e in (self.data.results or {}).get("after_seal", [])
        ]

    def consent(self) -> dict[str, object]:
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

    def publicity_account(self) -> dict[str, object]:
        """结果公示情况: where and when the result was posted, objections received and how they were handled."""
        period = self.period("result-publicity")
        return {
            **self.common(),
            "period": period,
            "people": len(self.passed()),
            "where": self.options.publicity_where or NOT_RECORDED,
            "objections": self.options.objections or NOT_RECORDED,
        }

    def review_account(self) -> dict[str, object]:
        """评审情况说明: attendance, absences, substitutions, recusals, votes, pass rate, corrections after the seal."""
        ctx = self.data.ctx
        results = self.data.results or {}
        quorum = self._quorum()
        draw = self.data.standing_draw or {}
        names = {p["id"]: p["name"] for p in draw.get("picks", [])}
        substitutions = [
            f"第{r['member_position']}位委员{names.get(r['out'], '')}不能参会"
            # the record's reason starts with the name ("何建平谢绝：出差"): not said twice
            + (f"（{r['reason'].removeprefix(names.get(r['out'], ''))}）" if r["reason"] else "")
            + f"，由第{r['alternate_position']}位备选专家{names.get(r['in'], '')}递补"
            + (f"（依次跳过：{'；'.join(skipped)}）" if skipped else "")
            for r, skipped in zip(
                draw.get("replacements", []), skipped_alternates(draw), strict=True
            )
        ]
        absent = [
            e.name + (f"（{ctx.absences[eid]}）" if ctx.absences.get(eid) else "")
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
            "attendance": quorum_text(quorum),
            "absent": absent,
            "substitutions": substitutions,
            "recusals": recusals,
            "per_applicant": self.data.assignment.per_applicant
            if self.data.assignment
            else int(rules.REVIEWERS_MIN.value),
            "methods": self.methods(),
            "assignment_way": self.assignment_way(),
            "chair": self.chair(),
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

    def result_publicity(self) -> dict[str, object]:
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

    def attending_experts(self) -> dict[str, object]:
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
        rows: list[dict[str, object]] = []
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

    def sign_in_sheet(self) -> dict[str, object]:
        ctx = self.data.ctx
        attending = set(ctx.attending) if ctx else set()
        # in the order of the sheet signed on the day (meeting.sheets: by expert number)
        rows = [
            {
                "number": i,
                "name": e.name,
                "unit": e.unit,
                "title": e.title,
                "specialty": e.specialty,
                "present": "出席"
                if eid in attending
                else "缺席" + (f"（{ctx.absences[eid]}）" if ctx and ctx.absences.get(eid) else ""),
                "signed": "已签（见原件）" if eid in attending else "",
            }
            for i, (eid, e) in enumerate(sorted(ctx.panel.items()) if ctx else [], start=1)
        ]
        quorum = self._quorum()
        return {
            **self.common(),
            "experts": rows,
            "size": quorum.size,
            "attending": quorum.attending,
            "quorum_text": quorum_text(quorum),
        }

    def review_forms(self) -> Iterator[tuple[Applicant, dict[str, object]]]:
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
        gaps = self.data.assignment.specialty_gaps if self.data.assignment else {}
        rule = rules.REVIEWERS_MIN.text
        attending = len(ctx.attending)
        way = self._vote_rule()["way"]  # once: it reads every applicant's result
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
                        # signed on the expert's own sheet of the day (filed as a scan), as the
                        # typed 签到表 says of its signatures
                        "signed": "已签（见原件）" if r else "",
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
                    "reviewer_rule": rule
                    + (f"；未安排同专业专家，因{gaps[str(aid)]}" if str(aid) in gaps else ""),
                    "vote": {
                        "attending": attending,
                        "recused": v.get("recused", 0) if v.get("voted") else 0,
                        "agree": v.get("agree", "—"),
                        "disagree": v.get("disagree", "—"),
                        "way": way,
                        "abstain": v.get("abstain", "—"),
                        "invalid": v.get("invalid", 0),
                        "result": v.get("result", "未投票"),
                    },
                },
            )

    def result_confirmation(self) -> dict[str, object]:
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
                    "abstain": r.get("abstain", "—"),
                    "invalid": r.get("invalid", 0) if voted else "—",
                    "needed": r.get("needed", "—"),
                    "result": r["result"],
                }
            )
        passed = sum(1 for r in rows if r["result"] == "通过")
        experts = [ctx.expert_name(e) for e in ctx.attending] if ctx else []
        blank = "＿＿＿＿＿＿"
        return {
            **self.common(),
            "size": quorum.size,
            "attending": quorum.attending,
            "quorum_text": quorum_text(quorum),
            "vote": self._vote_rule(),
            "rows": rows,
            "passed": passed,
            "failed": len(rows) - passed,
            "counter": self.options.counter or blank,
            "scrutineer": self.options.scrutineer or blank,
            "chair": self.chair()["name"],
            "chair_role": self.chair()["role"],
            "experts": experts,
            "expert_rows": [  # three a row, numbered, the last row padded
                [f"{i + k + 1}. {n}" for k, n in enumerate(experts[i : i + 3])] + [""] * 2
                for i in range(0, len(experts), 3)
            ],
        }

    def pass_roster(self) -> dict[str, object]:
        return {**self.common(), "people": self.passed()}
