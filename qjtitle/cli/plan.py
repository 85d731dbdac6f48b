"""qjtitle import-plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qjtitle.cli._console import console, table, warn
from qjtitle.cli._options import DbOpt, creates


@creates
def import_plan(
    file: Annotated[Path, typer.Argument(help="年度评审计划（附件1）：.xlsx、.xls 或 .csv。")],
    year: Annotated[
        int | None,
        typer.Option(
            "--year", "-y", help="评审年度；默认从评审时间或文件名中识别。", show_default=False
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """导入年度评审计划（附件1）：评委会、级别、系列和计划评审时间，替换该年度原有的计划。

    评审时间可以写成 2023年10月、10-11月、10月中旬、第四季度、2023-10-16至2023-11-30，或分“开始时间”“结束时间”两列。
    任一行有问题时不导入任何内容。导入后 schedule check 会提示不在计划时间内的会议（《通知》一）。

    示例：qjtitle import-plan 曲靖市2023年度评审计划.xlsx --year 2023
    """
    from qjtitle.calendar.plan import import_plan as run_import
    from qjtitle.store import open_store

    result = run_import(open_store(db), file, year)
    table(
        f"{result.year}年度评审计划：{len(result.entries)} 个评委会"
        + (f"（替换原有 {result.replaced} 条）" if result.replaced else ""),
        ["行", "评委会", "代码", "级别", "系列", "计划评审时间", "起", "止"],
        [
            [
                e.row,
                e.committee_name,
                e.committee or "—",
                e.level,
                e.series,
                e.period,
                e.start,
                e.end,
            ]
            for e in result.entries
        ],
    )
    from qjtitle.cli._findings import say

    for found in result.warnings:
        warn(say(found))
    console().print("会议是否在计划时间内：qjtitle schedule check 会议编号")
