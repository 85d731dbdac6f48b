"""qjtitle demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qjtitle.cli._console import console, table, warn


def demo(
    out: Annotated[
        Path, typer.Option("--out", help="输出文件夹（不会覆盖非 demo 生成的文件夹）。")
    ] = Path("qjtitle-demo"),
) -> None:
    """用随附的示例数据演示完整流程：新建评委会、导入4个单位的申报表、生成补正告知书、排出评审会议时间节点、抽取专家并复核、签到、安排审阅、评议、表决并封存、生成会前和会后备案材料。

    示例：qjtitle demo --out 演示
    """
    from qjtitle import demo as demo_lib
    from qjtitle.cli.applicants import print_import_report
    from qjtitle.cli.draw import PICK_COLUMNS, pick_rows, print_draw_summary
    from qjtitle.cli.proceedings import print_results
    from qjtitle.cli.schedule import print_schedule

    with console().status("演示进行中…") as status:
        result = demo_lib.run(out, step=lambda text: status.update(f"演示：{text}…"))
    console().rule("导入")
    print_import_report(result.import_report, details=True)
    console().rule("一次性补正告知")
    table(
        f"补正告知书（补正期限 {result.notices[0].deadline if result.notices else '—'}）",
        ["单位", "待补正人数", "问题数", "未受理", "文件"],
        [[n.unit, n.applicants, n.problems, n.rejected, n.path.name] for n in result.notices],
    )
    if result.meeting_schedule is not None:
        console().rule("评审会议时间节点")
        print_schedule(result.meeting_schedule)
    if result.draw is not None:
        console().rule("专家抽取（终端显示已密封姓名）")
        r = result.draw
        console().print(
            f"专家库导入 {result.pool.imported if result.pool else 0} 人；抽取记录 {r['draw']}，"
            f"抽取人员 {'、'.join(r['drawers'])}，监督人员 {'、'.join(r['supervisors'])}，种子 {r['seed']}"
        )
        print_draw_summary(r)
        table(
            "抽取结果（委员在前，备选按递补顺序）", PICK_COLUMNS, pick_rows(r["picks"], sealed=True)
        )
        if result.verified is not None:
            verdict = "一致" if result.verified.ok else "不一致"
            console().print(f"复核（按记录和当前专家库重新计算）：{verdict}")
        if result.exported is not None:
            path, ok = result.exported
            console().print(
                "核准组建部门独立复核导出的记录（只需 Python，不需数据库；规范见 docs/draw-spec.md）："
            )
            verdict = (
                "结论：抽取结果可复核，一致" if ok else "结论：不一致，见 qjtitle-verify 的输出"
            )
            console().print(f"  qjtitle-verify {path}  → {verdict}", soft_wrap=True)
        if result.decline and result.decline.get("replacement"):
            rep = result.decline["replacement"]
            console().print(
                f"第{rep['position']}位委员谢绝参会（{result.decline['reason']}），由第{rep['alternate_position']}位备选专家递补"
            )
    if result.results is not None:
        console().rule("评审会议：签到、审阅、表决")
        if result.conflict:
            console().print(
                f"登记回避：1 名专家与申报人 {result.conflict.applicant} 有利害关系（{result.conflict.reason}），不审阅、不投票"
            )
        print_results(result.results)
    if result.filings:
        from qjtitle.filing.gather import STAGE_NAMES

        console().rule("会前备案、会后备案材料")
        if result.withdrawn:
            console().print(
                f"补正期限已过：{len(result.withdrawn)} 名逾期未补正的申报人视为放弃（资格审查结果中列为退回）"
            )
        table(
            None,
            ["阶段", "文件数", "草稿", "文件夹", "压缩包"],
            [
                [
                    STAGE_NAMES[f.stage],
                    len(f.files),
                    "是" if f.draft else "否",
                    str(f.folder),
                    str(f.zip or "—"),
                ]
                for f in result.filings
            ],
        )
        for f in result.filings:
            for why in f.reasons:
                warn(f"{STAGE_NAMES[f.stage]}草稿原因：{why}")
        final = result.filings[-1]
        if not final.draft and final.stage == "post":
            console().print(
                "会后备案正式材料：其余证件照由单位另行报送，已用 --final --reason 说明，报告中写明"
            )
        console().print(
            f"重新生成：qjtitle export-filing 1 --stage post --out 备案材料 --date 2023-12-01 --photos 证件照 "
            f"--final --reason 说明原因 --overwrite --db {result.store_path}"
        )
    console().rule("生成的文件")
    table(None, ["内容", "位置"], [list(s) for s in result.steps])
    console().print(
        f"演示完成。继续体验：qjtitle applicants list --db {result.store_path} --status 视为放弃"
    )
    if result.meeting_schedule is not None:
        console().print(
            f"评审会议时间节点：qjtitle schedule {result.meeting_schedule.meeting.id} --db {result.store_path}"
        )
