"""qjtitle imports list|undo: every import run of applicant rosters, and taking one back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from qjtitle.cli._console import console, moment, print_json, table
from qjtitle.cli._options import DbOpt, JsonOpt, YesOpt, confirm_irreversible, writes

if TYPE_CHECKING:
    from qjtitle.intake.withdrawal import ImportRun

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

    runs = list_imports(db, committee, year)
    if as_json:
        print_json([r.as_dict() for r in runs])
        return
    if not runs:
        console().print("还没有导入过申报表。")
        return
    _print_runs(runs)


def _counts(r: ImportRun) -> str:
    parts = [("新增", r.added), ("更新", r.updated), ("未变", r.unchanged), ("未受理", r.rejected)]
    return "、".join(f"{label} {n}" for label, n in parts if n) or "—"


def _print_runs(runs: list[ImportRun]) -> None:
    """Readable at 80 columns: one committee goes in the title, a year without a meeting is
    starred and said once below, the reasons of undone runs are listed below the table."""
    codes = sorted({r.committee for r in runs})
    several = len(codes) > 1
    no_meeting = any(not r.meeting_in_year for r in runs)
    table(
        "导入记录" if several else f"导入记录（{codes[0]}）",
        ["编号", "文件", *(["评委会"] if several else []), "年度", "导入时间", "人数", "状态"],
        [
            [
                r.number,
                r.file,
                *([r.committee] if several else []),
                f"{r.year}" if r.meeting_in_year else f"{r.year}*",
                moment(r.imported_at),
                _counts(r),
                "已撤销" if r.undone else "有效",
            ]
            for r in runs
        ],
        caption="* 该评委会在这一年度没有评审会议：请核对年度是否填对" if no_meeting else None,
    )
    for r in runs:
        if r.undone:
            console().print(f"第 {r.number} 次导入已撤销，理由：{r.undone}", soft_wrap=True)
    if any(not r.undone for r in runs):
        console().print("导错了可用 qjtitle imports undo 编号 --reason 理由 撤销其中一次。")


@app.command("undo")
@writes
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
    from qjtitle.intake.withdrawal import undo_import, undo_plan
    from qjtitle.store import open_store

    store = open_store(db)
    if not yes:  # what it would do, asked before (and refused before asking when it cannot)
        confirm_irreversible(yes, undo_plan(store, number).question())
    done = undo_import(store, number, reason)
    if as_json:
        print_json(done.as_dict())
        return
    console().print(
        f"已撤销第 {done.number} 次导入（{done.file}，{done.committee}，{done.year}年度），"
        f"理由：{done.reason}",
        soft_wrap=True,
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
