"""The pre-meeting documents' contexts: filing report, eligibility results, publicity, meeting plan, roster."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from qjtitle import meetings, rules
from qjtitle.documents.dates import cn_date
from qjtitle.filing.common import FilingBase
from qjtitle.filing.gather import AGENDA
from qjtitle.filing.wording import date_range, plain_problem, rejection_text, rule_citation
from qjtitle.logic import tally
from qjtitle.privacy import mask_text

_SAME_PERSON = re.compile(r"身份证号码相同|同一身份证号码|重复申报")


class PreMeeting(FilingBase):
    """The contexts of the pre-meeting package (会前备案)."""

    def _draw_summary(self, d: dict[str, Any]) -> dict[str, object]:
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
        if d.get("fills"):  # a supplementary draw (补抽) of vacant seats
            seats = "、".join(f"第{p}位" for p in d["fills"]["seats"])
            status = f"补抽{seats}委员，接在第{d['fills']['draw']}号记录之后" + (
                f"；{status}" if status else ""
            )
        return {
            "number": d["draw"],
            "drawn_on": cn_date(date.fromisoformat(d["drawn_on"])),
            "summary": f"符合条件专家 {d['eligible_count']} 人，抽取委员 {members} 人、备选 {alternates} 人；"
            f"抽取人员 {'、'.join(d['drawers'])}，监督人员 {'、'.join(d['supervisors'])}",
            "status": status,
        }

    def counts(self) -> dict[str, int]:
        """People, not rows: a row refused because its person is already an applicant (a second
        application of the same person) counts that person once."""
        by = Counter(a.status for a in self.data.applicants)
        names = {a.name for a in self.data.applicants}
        others = {  # refused rows of people who are not applicants already (a second application is not)
            f"{r.get('name', '')}@{r.get('unit', '')}"
            for r in self.data.rejected
            if not (r.get("name") in names and _SAME_PERSON.search(str(r.get("reason", ""))))
        }
        rejected = len(others)
        return {
            "duplicates": len(self.data.rejected)
            - sum(
                1
                for r in self.data.rejected
                if f"{r.get('name', '')}@{r.get('unit', '')}" in others
            ),
            "received": len(self.data.applicants) + len(others),
            "passed": by[rules.STATUS_ACCEPTED],
            "returned": by[rules.STATUS_NEEDS_CORRECTION] + by[rules.STATUS_WITHDRAWN] + rejected,
            "pending": by[rules.STATUS_NEEDS_CORRECTION],
            "withdrawn": by[rules.STATUS_WITHDRAWN],
            "rejected": rejected,
        }

    def prefiling_report(self) -> dict[str, object]:
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
                f"{date_range(m.date, meetings.last_day(m))}，{m.place or '（地点未定）'}",
            ),
            ("评委会人数", f"{m.size} 人；出席不少于 {quorum.needed} 人"),
            (
                "申报人数",
                f"收到 {n['received']} 人：资格审查通过 {n['passed']} 人，退回 {n['returned']} 人"
                + (f"（另有重复报送 {n['duplicates']} 份未予受理）" if n["duplicates"] else ""),
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
        return {
            **self.common(),
            "pre_rule": rule_citation(rules.PRE_FILING_BEFORE_MEETING),
            "facts": [{"label": k, "value": v} for k, v in facts],
            "milestones": self.milestones(),
            "draws": [self._draw_summary(d) for d in self.data.draws],
        }

    def eligibility_results(self) -> dict[str, object]:
        rows: list[dict[str, object]] = []
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
                    "reason": mask_text(rejection_text(r)),
                }
            )
        for i, row in enumerate(rows, start=1):
            row["number"] = i
        return {
            **self.common(),
            # dated the day of the review (before the 会前公示 that publishes it), when recorded
            "issued": cn_date(self.data.eligibility_on or self.data.today),
            "summary": self.counts(),
            "rows": rows,
            "correction_rule": {
                "text": "对不符合规定条件的申报材料，应当一次性告知需要补充更正的全部内容，逾期未补正的，视为放弃",
                "source": rules.cite(rules.CORRECTION_DEFAULT.source),
            },
        }

    def pre_publicity(self) -> dict[str, object]:
        return {
            **self.common(),
            "people": [
                self._public_person(i, a) for i, a in enumerate(self.data.accepted, start=1)
            ],
            "period": self.period("pre-publicity"),
        }

    def meeting_plan(self) -> dict[str, object]:
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
            "odd_rule": rule_citation(rules.COMMITTEE_SIZE_ODD, short=True),
            "drawers_rule": rule_citation(rules.DRAWERS, short=True),
            "quorum_rule": rule_citation(rules.QUORUM, short=True),
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

    def roster_rows(self) -> list[dict[str, object]]:
        """The 附件2 rows of the applicants who go to the meeting, renumbered."""
        from qjtitle.intake.roster import COLUMNS

        return [
            {**{c.key: getattr(a, c.key) for c in COLUMNS}, "seq": i}
            for i, a in enumerate(self.data.accepted, start=1)
        ]
