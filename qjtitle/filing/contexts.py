"""Each document's context (:class:`Filing`): what the templates of a filing show, built from the
gathered data (:mod:`qjtitle.filing.gather`) in the words of :mod:`qjtitle.filing.wording`."""

from __future__ import annotations

from collections.abc import Callable

from qjtitle.filing.gather import POST
from qjtitle.filing.postmeeting import PostMeeting
from qjtitle.filing.premeeting import PreMeeting
from qjtitle.findings import Finding, finding
from qjtitle.intake import photos


def incomplete(filing: Filing) -> list[str]:
    """What a post-meeting package lacks although it may be filed: the package is a draft unless the
    secretary records why it is final all the same (``--final --reason``)."""
    return [f.message for f in incomplete_findings(filing)]


def incomplete_findings(filing: Filing) -> list[Finding]:
    """:func:`incomplete` as findings, each naming the input that supplies what is missing."""
    if filing.data.stage != POST:
        return []
    reasons = []
    report = filing.photo_report or photos.PhotoReport()
    if report.missing:
        names = [p.name for p in report.missing]
        reasons.append(
            finding(
                "filing.photos_missing",
                f"缺少 {len(names)} 名通过人员的证件照：{'、'.join(names)}",
                field="photos",
                hint="提供通过人员的证件照",
            )
        )
    for person, files in report.ambiguous:
        reasons.append(
            finding(
                "filing.photo_ambiguous",
                f"{person.name} 的证件照无法确定（{len(files)} 个文件均可能是其本人），须人工核对后放入",
            )
        )
    if not filing.signed:
        reasons.append(
            finding(
                "filing.signed_missing",
                "缺少评审会议当天签字原件（签到表、专家评议表、计票表）的扫描件；录入稿不能代替签字原件",
                field="signed",
                hint="提供签字原件的扫描件",
            )
        )
    if not filing.options.publicity_where or not filing.options.objections:
        reasons.append(
            finding(
                "filing.publicity_account_missing",
                "未说明结果公示的发布范围和公示期间收到的异议及处理情况（公示情况）",
                field="objections" if filing.options.publicity_where else "publicity_where",
                hint=(
                    "写明公示期间收到的异议及处理情况"
                    if filing.options.publicity_where
                    else "写明结果公示的发布范围"
                ),
            )
        )
    return reasons


class Filing(PreMeeting, PostMeeting):
    """The documents of one package, as template contexts."""

    def context(self, template: str) -> dict[str, object]:
        builders: dict[str, Callable[[], dict[str, object]]] = {
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
