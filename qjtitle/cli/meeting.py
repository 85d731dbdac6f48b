"""qjtitle meeting add|list|show|sheets; the meeting day's commands (attend, assign, review,
results, seal) are written in :mod:`qjtitle.cli.proceedings` and registered here."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qjtitle.cli import proceedings
from qjtitle.cli._console import console, moment, print_json, table, warn
from qjtitle.cli._options import CommitteeOpt, DbOpt, JsonOpt, MeetingArg, writes

if TYPE_CHECKING:
    from qjtitle.meeting.sheets import Picture

app = typer.Typer(
    help="评审会议：新建、列表、查看；签到、主持人、评审方式、安排审阅、录入评议、表决结果、封存。会议编号用于各后续命令。",
    no_args_is_help=True,
)

_DATE = ["%Y-%m-%d"]


@app.command("add")
@writes
def meeting_add(
    committee: CommitteeOpt,
    day: Annotated[
        datetime, typer.Option("--date", formats=_DATE, help="会议（第一天）日期，如 2023-11-20。")
    ],
    place: Annotated[str, typer.Option("--place", help="会议地点。")],
    size: Annotated[int, typer.Option("--size", help="评委会人数（单数，不少于评委会最少人数）。")],
    end_date: Annotated[
        datetime | None, typer.Option("--end", formats=_DATE, help="多天会议的最后一天。")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", help="评审年度（默认为会议日期的年份；跨年召开时填上一年）。"),
    ] = None,
    db: DbOpt = None,
) -> None:
    """新建一次评审会议，显示其会议编号。

    示例：qjtitle meeting add --committee QJ-WS-ZJ --date 2023-11-20 --place 曲靖市会议中心 --size 11
    """
    from qjtitle import meetings
    from qjtitle.store import open_store

    m, warnings = meetings.add(
        open_store(db),
        committee,
        day.date(),
        size,
        place,
        end_date.date() if end_date else None,
        year=year,
    )
    when = f"{m.date} 至 {m.end_date}" if m.end_date else f"{m.date}"
    console().print(
        f"已新建评审会议，编号 [bold]{m.id}[/]：{committee}，{when}，{m.place}，{m.size} 人"
    )
    from qjtitle.cli._findings import say

    for found in warnings:
        warn(say(found))
    console().print(f"查看时间节点：qjtitle schedule {m.id}")


@app.command("list")
def meeting_list(
    committee: Annotated[
        str | None, typer.Option("--committee", "-c", help="只列出该评委会的会议。")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", "-y", help="只列出该年度的会议。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出评审会议（按日期）。

    示例：qjtitle meeting list --year 2023
    """
    from qjtitle import meetings
    from qjtitle.store import open_store

    items = meetings.list_all(open_store(db), committee, year)
    if as_json:
        print_json([m.as_dict() for m in items])
        return
    table(
        "评审会议",
        ["编号", "评委会", "级别", "日期", "结束日期", "地点", "人数"],
        [[m.id, m.committee, m.level, m.date, m.end_date or "", m.place, m.size] for m in items],
    )


@app.command("show")
def meeting_show(meeting: MeetingArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """查看一次评审会议：基本信息，以及到目前为止的专家、签到、审阅安排、评议和表决（只查看，不改动）。

    示例：qjtitle meeting show 1
    """
    from qjtitle import meetings
    from qjtitle.errors import QjtitleError
    from qjtitle.store import open_store

    store = open_store(db)
    info = meetings.show(store, meeting)
    try:
        from qjtitle.meeting.sheets import picture

        pic = picture(store, meeting)
    except QjtitleError:  # nothing drawn yet: the meeting alone
        pic = None
    if as_json:
        print_json([info.as_dict()])
        return
    labels = {
        "id": "编号",
        "committee": "评委会代码",
        "committee_name": "评委会",
        "level": "级别",
        "date": "日期",
        "end_date": "结束日期",
        "place": "地点",
        "size": "评委会人数",
        "year": "评审年度",
    }
    table(
        None,
        ["项目", "内容"],
        [[labels.get(k, k), "" if v is None else v] for k, v in info.as_dict().items()],
    )
    if pic is None:
        console().print(f"还没有抽取专家：qjtitle draw-experts {meeting} …")
        return
    print_picture(pic)


def print_picture(pic: Picture) -> None:
    present = set(pic.attending)
    rows = [
        [
            p.id,
            p.name,
            p.unit,
            p.specialty,
            "已签到"
            if p.id in present
            else (f"缺席（{pic.absences[p.id]}）" if p.id in pic.absences else "—")
            if pic.attending or pic.absences
            else "",
        ]
        for p in pic.panel
    ]
    rows += [[p.id, p.name, p.unit, p.specialty, "未答复"] for p in pic.unconfirmed]
    rows += [[p.id, p.name, p.unit, p.specialty, "已谢绝"] for p in pic.declined]
    q = pic.results.quorum
    table(
        f"专家（确认参会 {len(pic.panel)} 人，已签到 {q.attending}/{q.size} 人）",
        ["编号", "姓名", "单位", "专业", "签到"],
        rows,
    )
    console().print(
        f"主持会议：{pic.chair or '尚未记录（qjtitle meeting chair）'}；"
        f"评审方式：{'、'.join(pic.methods) or '尚未记录（qjtitle meeting methods）'}"
    )
    if pic.assignment is None:
        console().print("审阅安排：尚未安排（签到后运行 qjtitle meeting assign）")
    else:
        names = {p.id: p.name for p in pic.panel}
        by_id = {r.id: r for r in pic.results.applicants}
        arows = []
        for a in pic.applicants:
            reviewers = pic.assignment["reviewers"].get(a.id, [])
            done = [
                f"{names.get(e, e)}（{pic.reviews[(a.id, e)]}）"
                if (a.id, e) in pic.reviews
                else f"{names.get(e, e)}（未录入）"
                for e in reviewers
            ]
            r = by_id.get(a.id)
            c = r.counted if r else None
            votes = (
                f"{c.agree}/{c.disagree}/{c.abstain}/{c.invalid} {r.result}"
                if r and c
                else "未投票"
            )
            arows.append([a.id, a.name, a.unit, "、".join(done) or "未安排", votes])
        table(
            f"申报人（审阅安排第{pic.assignment['version']}版；表决：同意/不同意/弃权/废票）",
            ["编号", "姓名", "单位", "审阅专家（评审建议）", "表决"],
            arows,
        )
    missing = pic.results.missing_reviews
    if missing:
        console().print(f"尚有 {len(missing)} 条评议未录入。")
    if pic.results.sealed_at:
        console().print(f"已封存：{moment(pic.results.sealed_at)}")


@app.command("sheets")
def meeting_sheets(
    meeting: MeetingArg,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹（没有会新建）。")] = Path(
        "会议用表"
    ),
    force: Annotated[
        bool,
        typer.Option("--force", help="文件夹中已有会议用表（可能已手工填写）时仍然覆盖。"),
    ] = False,
    db: DbOpt = None,
) -> None:
    """生成会议当天用的表格：签到表、每位审阅专家的评议表、无记名计票表，已填好专家和申报人，每张表印有会议和表号；填好后原样交给 meeting attend、meeting review、record-votes 录入。文件夹中已有会议用表时拒绝覆盖，除非加 --force。

    示例：qjtitle meeting sheets 1 --out 会议用表
    """
    from qjtitle.cli._findings import say
    from qjtitle.meeting.sheets import write_sheets
    from qjtitle.store import open_store

    result = write_sheets(open_store(db), meeting, out, force=force)
    table(
        f"会议用表（{result.folder}）",
        ["文件"],
        [[str(f.relative_to(result.folder))] for f in result.files],
    )
    for note in result.skipped:
        warn(say(note))
    console().print(
        f"填好后录入：qjtitle meeting attend {meeting} --from-sheet 签到表.xlsx；"
        f"qjtitle meeting review {meeting} --from-sheet 评议汇总表.xlsx；"
        f"qjtitle record-votes {meeting} --from-sheet 计票表.xlsx。"
        "会后把签字的原件扫描件放入一个文件夹，生成会后备案时用 --signed 指定。"
    )


# The meeting day's commands, in the order a secretary meets them.
app.command("attend")(proceedings.meeting_attend)
app.command("chair")(proceedings.meeting_chair)
app.command("methods")(proceedings.meeting_methods)
app.command("assign")(proceedings.meeting_assign)
app.command("review")(proceedings.meeting_review)
app.command("results")(proceedings.meeting_results)
app.command("seal")(proceedings.meeting_seal)
