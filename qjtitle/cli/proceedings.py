"""qjtitle meeting attend|chair|methods|assign|review|results|seal and qjtitle record-votes: the meeting day's
records, entered as the meeting goes (registered on the ``meeting`` group by :mod:`qjtitle.cli.meeting`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qjtitle.cli._console import console, moment, print_json, styled, table, warn
from qjtitle.cli._options import (
    DbOpt,
    JsonOpt,
    MeetingArg,
    YesOpt,
    confirm_irreversible,
    with_rule_numbers,
    writes,
)
from qjtitle.rules import REVIEWERS_MIN as _REVIEWERS_RULE  # stdlib only: cheap at start-up

if TYPE_CHECKING:
    from collections.abc import Sequence

    from qjtitle.logic.tally import Quorum
    from qjtitle.meeting.results import MeetingResults

REVIEWERS_MIN = int(_REVIEWERS_RULE.value)

ReasonOpt = Annotated[
    str, typer.Option("--reason", help="更正理由（封存后的任何改动、撤销签到时必填）。")
]


def _quorum_line(q: Quorum) -> str:
    colour = "green" if q.met else "red"
    return f"[{colour}]{q.describe()}[/]"


@with_rule_numbers
@writes
def meeting_attend(
    meeting: MeetingArg,
    experts: Annotated[
        list[str] | None, typer.Argument(help="签到的专家（编号或姓名）。", show_default=False)
    ] = None,
    from_sheet: Annotated[
        Path | None,
        typer.Option(
            "--from-sheet",
            help="签到表（录入成表格：姓名/编号、签到）。",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    absent: Annotated[
        list[str] | None,
        typer.Option(
            "--absent", help="缺席或撤销签到的专家（可重复，须写 --reason，理由写入备案材料）。"
        ),
    ] = None,
    reason: ReasonOpt = "",
    db: DbOpt = None,
) -> None:
    """记录签到：只有抽取并确认参会的专家（含递补的备选专家）可以签到；显示出席人数是否达到评委会人数的{quorum}。缺席的专家用 --absent 加 --reason 登记理由。

    示例：qjtitle meeting attend 1 张三 李四 12 或 qjtitle meeting attend 1 --from-sheet 签到表.xlsx；缺席：qjtitle meeting attend 1 --absent 王五 --reason 病假
    """
    from qjtitle.meeting import proceedings, voting
    from qjtitle.store import open_store

    present = list(experts or [])
    if from_sheet is not None:
        present += proceedings.sign_in_sheet(from_sheet)
    result = voting.attend(
        open_store(db),
        meeting,
        present,
        absent or [],
        reason,
        source=from_sheet.name if from_sheet else "",
    )
    if result.added:
        console().print(f"新签到 {len(result.added)} 人：{'、'.join(result.added)}")
    if result.removed:
        console().print(
            f"撤销签到 {len(result.removed)} 人：{'、'.join(result.removed)}（{reason}）"
        )
    if result.absent:
        console().print(f"登记缺席 {len(result.absent)} 人：{'、'.join(result.absent)}（{reason}）")
    for change in result.changes:
        warn(f"表决结果改变：{change}（{reason}）")
    table(
        f"出席专家（{len(result.attending)} 人）",
        ["编号", "姓名"],
        [list(a) for a in result.attending],
    )
    console().print(_quorum_line(result.quorum))
    if result.chair_left:
        warn(
            f"记录的主持人 {result.chair_left} 已不在出席名单中；封存前请记录出席的主持人："
            f"qjtitle meeting chair {meeting} 专家"
        )
    if result.unaccounted:
        warn(
            f"尚未签到、也未登记缺席理由：{'、'.join(result.unaccounted)}。缺席理由写入备案材料，请登记："
            f"qjtitle meeting attend {meeting} --absent {result.unaccounted[0]} --reason 理由"
        )


@with_rule_numbers
@writes
def meeting_assign(
    meeting: MeetingArg,
    per_applicant: Annotated[
        int,
        typer.Option("--per-applicant", help=f"每名申报人的审阅专家人数（至少{REVIEWERS_MIN}）。"),
    ] = REVIEWERS_MIN,
    seed: Annotated[
        str | None, typer.Option("--seed", help="随机种子（不填则自动生成并记录，可据此复现）。")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="手工调整：申报人=专家1,专家2,专家3（编号或姓名，可重复）。"),
    ] = None,
    reason: ReasonOpt = "",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """为每名申报人安排至少{reviewers_min}名出席专家独自审阅：回避的专家不安排，有出席且无须回避的同专业专家时至少安排1名（没有时说明原因），工作量平均；可复现、可手工调整。

    示例：qjtitle meeting assign 1 --per-applicant 3；手工调整：qjtitle meeting assign 1 --set 张丽=5,8,11 --reason 专业更对口
    """
    from qjtitle.errors import InvalidValue
    from qjtitle.meeting import proceedings
    from qjtitle.store import open_store

    overrides: dict[str, Sequence[str]] = {}
    for item in set_ or []:
        applicant, sep, experts = item.partition("=")
        if not sep or not experts.strip():
            raise InvalidValue(f"--set “{item}” 格式不对；应为 申报人=专家1,专家2,专家3")
        overrides[applicant.strip()] = [
            e for e in experts.replace("，", ",").split(",") if e.strip()
        ]
    result = proceedings.assign_reviewers(
        open_store(db), meeting, per_applicant, seed, overrides, reason
    )
    if as_json:
        print_json(
            [
                {
                    "applicant": a,
                    "name": result.applicants[a],
                    "reviewers": [{"id": e, "name": result.names.get(e, str(e))} for e in experts],
                    "specialty_gap": result.gaps.get(a, ""),
                }
                for a, experts in result.reviewers.items()
            ]
        )
        return
    table(
        f"审阅安排（第{result.version}版，种子 {result.seed}）",
        ["申报人", "审阅专家"],
        [
            [result.applicants[a], "、".join(result.names.get(e, str(e)) for e in experts)]
            for a, experts in result.reviewers.items()
        ],
    )
    loads = list(result.load.values())
    console().print(f"每位专家审阅 {min(loads)}～{max(loads)} 份（共 {sum(loads)} 份）")
    for a, why in result.gaps.items():
        warn(f"{result.applicants[a]}：未安排同专业专家审阅，因为{why}")


@writes
def meeting_review(
    meeting: MeetingArg,
    from_sheet: Annotated[
        Path | None,
        typer.Option(
            "--from-sheet",
            help="评议表（申报人、评审专家、评议意见、评审建议）。",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    applicant: Annotated[
        str | None, typer.Option("--applicant", help="逐条录入：申报人（编号或姓名）。")
    ] = None,
    expert: Annotated[
        str | None, typer.Option("--expert", help="逐条录入：评审专家（编号或姓名）。")
    ] = None,
    opinion: Annotated[str, typer.Option("--opinion", help="逐条录入：评议意见。")] = "",
    recommend: Annotated[
        str, typer.Option("--recommend", help="逐条录入：评审建议，同意 或 不同意。")
    ] = "",
    reason: ReasonOpt = "",
    db: DbOpt = None,
) -> None:
    """录入审阅专家的评议意见和评审建议；列出尚未录入的评议（投票前须补齐）。

    示例：qjtitle meeting review 1 --from-sheet 会议用表/评议汇总表.xlsx
    """
    from qjtitle.errors import InvalidValue
    from qjtitle.meeting import voting
    from qjtitle.store import open_store

    entries = voting.review_sheet(from_sheet) if from_sheet else []
    if applicant or expert:
        if not (applicant and expert):
            raise InvalidValue("逐条录入须同时给出 --applicant 和 --expert")
        entries.append(voting.ReviewEntry(applicant, expert, opinion, recommend))
    if not entries:
        raise InvalidValue(
            "没有要录入的评议：请给出 --from-sheet 文件，或 --applicant/--expert/--opinion/--recommend"
        )
    outcome = voting.record_reviews(open_store(db), meeting, entries, reason)
    console().print(f"已录入 {outcome.recorded} 条评议意见。")
    if outcome.unchanged:
        console().print(f"{outcome.unchanged} 条与已录入的相同，未重复写入。")
    for change in outcome.changes:
        warn(f"评议改变：{change}（{reason}）")
    if outcome.missing:
        warn(f"尚有 {len(outcome.missing)} 条评议未录入：\n" + "\n".join(outcome.missing))
    else:
        console().print("全部评议意见已录入。")


@writes
def meeting_chair(
    meeting: MeetingArg,
    expert: Annotated[str, typer.Argument(help="主持会议的专家（编号或姓名），须已签到出席。")],
    role: Annotated[
        str, typer.Option("--role", help="主持人职务：主任委员，或主持会议的副主任委员。")
    ] = "主任委员",
    reason: ReasonOpt = "",
    db: DbOpt = None,
) -> None:
    """记录主持本次会议的主任委员（或主持会议的副主任委员）：须是出席会议的专家；备案材料署其姓名。封存前必须记录。

    示例：qjtitle meeting chair 1 张三；副主任委员主持：qjtitle meeting chair 1 李四 --role 副主任委员
    """
    from qjtitle.meeting import proceedings
    from qjtitle.store import open_store

    outcome = proceedings.record_chair(open_store(db), meeting, expert, role, reason)
    before = f"（原记录：{outcome.before}）" if outcome.before else ""
    console().print(f"主持会议：{outcome.name}（{outcome.role}）{before}")


@writes
def meeting_methods(
    meeting: MeetingArg,
    methods: Annotated[
        list[str],
        typer.Argument(
            help="实际采用的评审方式：审阅材料、个人述职、面试答辩、实践操作、业绩展示。",
            show_default=False,
        ),
    ],
    reason: ReasonOpt = "",
    db: DbOpt = None,
) -> None:
    """记录本次会议实际采用的评审方式；会后备案材料只写这些方式。封存前必须记录。

    示例：qjtitle meeting methods 1 审阅材料 面试答辩
    """
    from qjtitle.meeting import proceedings
    from qjtitle.store import open_store

    used = proceedings.record_methods(open_store(db), meeting, methods, reason)
    console().print(f"评审方式：{'、'.join(used)}")


def print_results(summary: MeetingResults) -> None:
    from qjtitle.cli._findings import say

    rows: list[list[Any]] = []
    for r in summary.applicants:
        c = r.counted
        if c is None:
            rows.append([r.name, r.unit, "—", "—", "—", "—", "—", "—", styled("[yellow]未投票[/]")])
            continue
        margin = f"{c.margin:+d}"
        verdict = styled("[green]通过[/]" if r.result == "通过" else "[red]未通过[/]")
        if r.retake:
            verdict = styled("[red]须重新表决[/]")
        elif r.problems:
            verdict = styled("[red]投票有误[/]")
        rows.append(
            [
                r.name,
                r.unit,
                c.agree,
                c.disagree,
                c.abstain,
                c.invalid,
                f"{c.needed}/{c.denominator}",
                margin,
                verdict,
            ]
        )
    q = summary.quorum
    table(
        f"表决结果（出席 {q.attending}/{q.size} 人）",
        ["申报人", "单位", "同意", "不同意", "弃权", "废票", "需同意/基数", "差额", "结果"],
        rows,
        caption=summary.denominator_text,
    )
    console().print(
        f"通过 {summary.passed} 人 / 已表决 {summary.voted} 人，通过率 {summary.pass_rate:.1%}"
    )
    for r in summary.applicants:
        for p in r.problems:
            if r.voted:
                warn(f"{r.name}：{p}")
    for found in summary.findings:
        warn(say(found))
    if summary.missing_reviews:
        warn(f"尚有 {len(summary.missing_reviews)} 条评议未录入")
    if summary.sealed_at:
        console().print(f"已封存：{moment(summary.sealed_at)}")
    for e in summary.after_seal:
        warn(f"封存后更正（{e.what}）：{e.reason}（{moment(e.recorded_at)}，{e.user}）")


@writes
def meeting_results(meeting: MeetingArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """显示表决结果：每名申报人的同意、不同意、弃权票，所需票数和差额，通过率；超过通过率上限时提示。

    示例：qjtitle meeting results 1
    """
    from qjtitle.meeting import results
    from qjtitle.store import open_store

    summary = results.results(open_store(db), meeting)
    if as_json:
        print_json([summary.as_dict()])
        return
    print_results(summary)


@writes
def meeting_seal(meeting: MeetingArg, db: DbOpt = None, yes: YesOpt = False) -> None:
    """封存会议记录（签到、审阅安排、评议、投票）；封存后的任何更正须写明理由并在备案材料中列出。

    示例：qjtitle meeting seal 1 --yes
    """
    from qjtitle.meeting import results
    from qjtitle.store import open_store

    store = open_store(db)
    confirm_irreversible(yes, f"封存第{meeting}号会议的记录？")
    summary = results.seal(store, meeting)
    print_results(summary)
    console().print("[bold]会议记录已封存。[/]")


@with_rule_numbers
@writes
def record_votes(
    meeting: MeetingArg,
    sheet_arg: Annotated[Path | None, typer.Argument(hidden=True, show_default=False)] = None,
    sheet: Annotated[
        Path | None,
        typer.Option(
            "--from-sheet",
            help="无记名计票表：每行一名申报人，同意/不同意/弃权/废票 各项票数（qjtitle meeting sheets 生成）。",
            show_default=False,
        ),
    ] = None,
    applicant: Annotated[
        str | None, typer.Option("--applicant", help="逐条录入：申报人（编号或姓名）。")
    ] = None,
    agree: Annotated[int | None, typer.Option("--agree", help="逐条录入：同意票数。")] = None,
    disagree: Annotated[
        int | None, typer.Option("--disagree", help="逐条录入：不同意票数。")
    ] = None,
    abstain: Annotated[int | None, typer.Option("--abstain", help="逐条录入：弃权票数。")] = None,
    invalid: Annotated[
        int, typer.Option("--invalid", help="逐条录入：废票（无效票）数，按不同意计算。")
    ] = 0,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="更正理由（封存后、或改变已录入的表决结果时必填；列出每项改动）。"
        ),
    ] = "",
    db: DbOpt = None,
) -> None:
    """录入无记名投票的票数并检查：每名申报人的同意、不同意、弃权、废票相加须等于出席且无须回避的专家人数；显示每人是否达到通过票数。

    同意票达到出席专家的{pass_threshold}以上为通过（有专家回避时的基数见 qjtitle committee set --vote-denominator）。
    表决为无记名投票，不录入专家个人的投票；改变已录入的结果须写明 --reason。

    示例：qjtitle record-votes 1 --from-sheet 计票表.xlsx；逐条：qjtitle record-votes 1 --applicant 张丽 --agree 7 --disagree 1 --abstain 1
    """
    from qjtitle.errors import InvalidValue
    from qjtitle.meeting import voting
    from qjtitle.store import open_store

    sheet = sheet or sheet_arg  # the file as a bare argument: the spelling before --from-sheet
    store = open_store(db)
    entries = []
    if sheet is not None:
        if not sheet.is_file():
            raise InvalidValue(f"找不到计票表 {sheet}")
        entries += voting.vote_sheet(sheet)
    if applicant:
        if agree is None or disagree is None or abstain is None:
            raise InvalidValue("逐条录入须给出 --agree、--disagree、--abstain 三个票数（无记名）")
        entries.append(
            voting.VoteEntry(applicant, counts=(agree, disagree, abstain), invalid=invalid)
        )
    if not entries:
        raise InvalidValue("没有要录入的投票：请给出计票表文件，或 --applicant 加票数")
    summary = voting.record_votes(store, meeting, entries, reason)
    print_results(summary)
    if summary.unchanged:
        console().print(
            f"{len(summary.unchanged)} 名申报人的票数与已录入的相同，未重复写入："
            + "、".join(summary.unchanged)
        )
    for change in summary.changes:
        warn(f"表决结果改变：{change}（{reason}）")
