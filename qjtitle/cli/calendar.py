"""qjtitle calendar show|check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qjtitle.cli._console import console, print_json, styled, table, warn
from qjtitle.cli._options import CalendarOpt, DbOpt, JsonOpt

app = typer.Typer(
    help="工作日历：按月查看节假日和调休，检查自定义日历文件。\n\n"
    "国务院办公厅尚未公布（或程序尚未收录）某年的放假安排时，可把它写进日历补充文件"
    "（TOML 格式的文本文件，写法见 README 的“工作日历”一节），用 --calendar 指定，"
    "或放在数据库文件旁，命名为 qjtitle.calendar.toml。",
    no_args_is_help=True,
)

_MARK = {"holiday": "[red]休[/]", "makeup": "[blue]班[/]", "weekend": "[dim]·[/]", "workday": ""}
_KIND = {"holiday": "休息", "makeup": "调休上班", "weekend": "周末", "workday": "工作日"}


def _store_dir(db: str | None) -> Path | None:
    """The folder of the store named by --db / QJTITLE_DB, without opening (or creating) it."""
    from qjtitle.store import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(db))
    return path.parent if path else None


@app.command("show")
def calendar_show(
    month: Annotated[str, typer.Argument(help="月份，如 2023-10。")],
    calendar: CalendarOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """按月显示工作日历：节假日标“休”，调休上班日标“班”，并列出每个特殊日期及其来源。

    尚未公布调休安排的年份会提示“暂定”，直到在日历补充文件中写明该年的安排已完整。

    示例：qjtitle calendar show 2023-10
    """

    from qjtitle.logic.workdays import WorkCalendar, parse_month

    year, number = parse_month(month)
    cal = WorkCalendar.load(calendar, _store_dir(db))
    days = cal.month(year, number)
    warning = cal.provisional_warning(days[0].day)
    if as_json:
        print_json([{**d.as_dict(), "provisional": bool(warning)} for d in days])
        return
    weeks: list[list[str]] = []
    row = [""] * days[0].day.weekday()
    for d in days:
        mark = _MARK[d.kind]
        row.append(styled(f"{d.day.day}{' ' + mark if mark else ''}"))
        if len(row) == 7:
            weeks.append(row)
            row = []
    if row:
        weeks.append(row + [""] * (7 - len(row)))
    workdays = sum(d.workday for d in days)
    table(
        f"{year}年{number}月工作日历",
        ["一", "二", "三", "四", "五", "六", "日"],
        weeks,
        caption=f"本月 {workdays} 个工作日；休=节假日休息，班=调休上班",
    )
    special = [d for d in days if d.label or d.kind in ("holiday", "makeup")]
    if special:
        table(
            None,
            ["日期", "星期", "类别", "说明", "来源"],
            [[d.day, d.as_dict()["weekday"], _KIND[d.kind], d.label, d.source] for d in special],
        )
    if warning:
        warn(warning)


@app.command("check")
def calendar_check(file: Annotated[Path, typer.Argument(help="日历补充文件（TOML）。")]) -> None:
    """检查自定义工作日历文件：格式、日期，以及不起作用或可能遗漏的项。

    文件格式见 README“工作日历”一节。格式错误时退出码为 1；只有提示时退出码为 0。

    示例：qjtitle calendar check qjtitle.calendar.toml
    """
    from qjtitle.logic.workdays import check_file

    result = check_file(file)
    overrides = result.overrides
    years = "、".join(str(y) for y in sorted(overrides.complete_years)) or "（无）"
    console().print(
        f"{file}：格式正确。休息日 {len(overrides.holidays)} 个，调休上班日 {len(overrides.workdays)} 个，"
        f"完整年份 {years}。"
    )
    for message in result.warnings:
        warn(message)
    if not result.warnings:
        console().print("没有发现问题。")
