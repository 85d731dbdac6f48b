"""qjtitle imports list|undo: every import run of applicant rosters, and taking one back."""

from __future__ import annotations

from typing import Annotated

import typer

from qjtitle.cli._console import console, moment, print_json, table
from qjtitle.cli._errors import friendly_errors
from qjtitle.cli._options import DbOpt, JsonOpt, YesOpt, confirm_irreversible

app = typer.Typer(
    help="导入记录：每次导入的编号、文件、评委会、年度和新增/更新/未变人数；撤销一次导入。",
    no_args_is_help=True,
)


@app.command("list")
def imports_list(
    committee: Annotated[
        str | None, typer.Option("--committee", "-c", help="只列该评委会的导入。")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", "-y", help="只列该年度的导入。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出每次导入申报表：编号、文件、评委会、年度，新增、更新、未变和未受理的人数；已撤销的注明理由。

    示例：qjtitle imports list --committee QJ-WS-ZJ
    """
    from qjtitle.intake.withdrawal import list_imports
    from qjtitle.store import open_store

    with friendly_errors():
        runs = list_imports(open_store(db), committee, year)
    if as_json:
        print_json([r.as_dict() for r in runs])
        return
    if not runs:
        console().print("还没有导入过申报表。")
        return
    table(
        "导入记录",
        ["编号", "文件", "评委会", "年度", "导入时间", "新增", "更新", "未变", "未受理", "状态"],
        [
            [
                r.number,
                r.file,
                r.committee,
                r.year if r.meeting_in_year else f"{r.year}（该年度无评审会议）",
                moment(r.imported_at),
                r.added,
                r.updated,
                r.unchanged,
                r.rejected,
                f"已撤销：{r.undone}" if r.undone else "有效",
            ]
            for r in runs
        ],
    )


@app.command("undo")
def imports_undo(
    number: Annotated[int, typer.Argument(help="导入编号（imports list 中的编号）。")],
    reason: Annotated[str, typer.Option("--reason", help="理由（必填，记入审计日志）。")],
    yes: YesOpt = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """撤销一次导入：这次新增的申报人改为“已撤回”，这次更新的申报人恢复为导入前的内容；
    记录都保留，审计日志记下理由。会议封存后不能撤销，请用 applicants correct。

    示例：qjtitle imports undo 3 --reason 误导入到2024年度 --yes
    """
    from qjtitle.intake.withdrawal import undo_import
    from qjtitle.store import open_store

    with friendly_errors():
        store = open_store(db)
        confirm_irreversible(yes, f"撤销第 {number} 次导入？")
        done = undo_import(store, number, reason)
    if as_json:
        print_json(done.as_dict())
        return
    console().print(
        f"已撤销第 {done.number} 次导入（{done.file}，{done.committee}，{done.year}年度）：理由：{done.reason}"
    )
    if done.withdrawn:
        table(
            f"这次新增的 {len(done.withdrawn)} 人已撤回",
            ["编号", "姓名", "单位", "原状态"],
            [[c.id, c.name, c.unit, c.before] for c in done.withdrawn],
        )
    if done.restored:
        table(
            f"这次更新的 {len(done.restored)} 人已恢复为导入前的内容",
            ["编号", "姓名", "单位", "状态"],
            [[c.id, c.name, c.unit, f"{c.before} → {c.after}"] for c in done.restored],
        )
