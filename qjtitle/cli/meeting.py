"""qjtitle meeting add|list|show."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from qjtitle.cli._console import console, print_json, table, warn
from qjtitle.cli._errors import friendly_errors
from qjtitle.cli._options import CommitteeOpt, DbOpt, JsonOpt

app = typer.Typer(help="评审会议：新建、列表、查看。会议编号用于 schedule 等后续命令。", no_args_is_help=True)

MeetingArg = Annotated[int, typer.Argument(help="会议编号（meeting add 时显示）。", show_default=False)]
_DATE = ["%Y-%m-%d"]


@app.command("add")
def meeting_add(
    committee: CommitteeOpt,
    day: Annotated[datetime, typer.Option("--date", formats=_DATE, help="会议（第一天）日期，如 2023-11-20。")],
    place: Annotated[str, typer.Option("--place", help="会议地点。")],
    size: Annotated[int, typer.Option("--size", help="评委会人数（单数，不少于评委会最少人数）。")],
    end_date: Annotated[
        datetime | None, typer.Option("--end-date", formats=_DATE, help="多天会议的最后一天。")
    ] = None,
    db: DbOpt = None,
) -> None:
    """新建一次评审会议，显示其会议编号。

    示例：qjtitle meeting add --committee QJ-WS-ZJ --date 2023-11-20 --place 曲靖市会议中心 --size 11
    """
    from qjtitle import meeting as meetings
    from qjtitle.store import open_store

    with friendly_errors():
        m, warnings = meetings.add(
            open_store(db), committee, day.date(), size, place, end_date.date() if end_date else None
        )
    when = f"{m.date} 至 {m.end_date}" if m.end_date else f"{m.date}"
    console().print(f"已新建评审会议，编号 [bold]{m.id}[/]：{committee}，{when}，{m.place}，{m.size} 人")
    for message in warnings:
        warn(message)
    console().print(f"查看时间节点：qjtitle schedule {m.id}")


@app.command("list")
def meeting_list(
    committee: Annotated[str | None, typer.Option("--committee", "-c", help="只列出该评委会的会议。")] = None,
    year: Annotated[int | None, typer.Option("--year", "-y", help="只列出该年度的会议。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出评审会议（按日期）。

    示例：qjtitle meeting list --year 2023
    """
    from qjtitle import meeting as meetings
    from qjtitle.store import open_store

    with friendly_errors():
        items = meetings.list_all(open_store(db), committee, year)
    if as_json:
        print_json(items)
        return
    table(
        "评审会议",
        ["编号", "评委会", "级别", "日期", "结束日期", "地点", "人数"],
        [[m["id"], m["committee"], m["level"], m["date"], m["end_date"] or "", m["place"], m["size"]] for m in items],
    )


@app.command("show")
def meeting_show(meeting: MeetingArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """查看一次评审会议。

    示例：qjtitle meeting show 1
    """
    from qjtitle import meeting as meetings
    from qjtitle.store import open_store

    with friendly_errors():
        item = meetings.show(open_store(db), meeting)
    if as_json:
        print_json([item])
        return
    labels = {
        "id": "编号", "committee": "评委会代码", "committee_name": "评委会", "level": "级别", "date": "日期",
        "end_date": "结束日期", "place": "地点", "size": "评委会人数",
    }
    table(None, ["项目", "内容"], [[labels[k], "" if v is None else v] for k, v in item.items()])
