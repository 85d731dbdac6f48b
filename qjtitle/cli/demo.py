"""qjtitle demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qjtitle.cli._console import console, table
from qjtitle.cli._errors import friendly_errors


def demo(
    out: Annotated[Path, typer.Option("--out", help="输出文件夹（不会覆盖非 demo 生成的文件夹）。")] = Path("qjtitle-demo"),
) -> None:
    """用随附的示例数据演示完整流程：新建评委会、导入4个单位的申报表、生成补正告知书。

    示例：qjtitle demo --out 演示
    """
    from qjtitle import demo as demo_lib
    from qjtitle.cli.applicants import _print_report

    with friendly_errors(), console().status("演示进行中…") as status:
        result = demo_lib.run(out, step=lambda text: status.update(f"演示：{text}…"))
    console().rule("导入")
    _print_report(result.import_report, details=True)
    console().rule("一次性补正告知")
    table(
        f"补正告知书（补正期限 {result.notices[0].deadline if result.notices else '—'}）",
        ["单位", "待补正人数", "问题数", "未受理", "文件"],
        [[n.unit, n.applicants, n.problems, n.rejected, n.path.name] for n in result.notices],
    )
    console().rule("生成的文件")
    table(None, ["内容", "位置"], [list(s) for s in result.steps])
    console().print(
        f"演示完成。继续体验：qjtitle applicants list --db {result.store_path} --status 待补正"
    )
