"""qjtitle schedule [show] MEETING | record | check, and qjtitle status."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from qjtitle.cli._console import console, err_console, print_json, styled, table, warn
from qjtitle.cli._options import CalendarOpt, DbOpt, JsonOpt, MeetingArg, with_rule_numbers, writes

if TYPE_CHECKING:
    from qjtitle.calendar.findings import ScheduleFinding
    from qjtitle.calendar.schedule import Schedule
    from qjtitle.logic.workdays import WorkCalendar
    from qjtitle.store import Store


class _ShowByDefault(TyperGroup):
    """``qjtitle schedule 3`` is ``qjtitle schedule show 3``."""

    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["show", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_ShowByDefault,
    help="评审会议的时间节点：qjtitle schedule 会议编号 按工作日排出全部节点；record 登记实际日期；check 核对。",
    no_args_is_help=True,
)

_DATE = ["%Y-%m-%d"]
TodayOpt = Annotated[
    datetime | None,
    typer.Option(
        "--date",
        formats=_DATE,
        help="以该日期为“今天”计算剩余工作日和逾期，默认今天。",
        show_default=False,
    ),
]
HtmlOpt = Annotated[
    Path | None,
    typer.Option(
        "--html",
        help="另存为一个网页文件（时间轴、节假日和调休、状态、近几周待办；不联网，可直接打开和打印）。",
        show_default=False,
    ),
]
_STATUS_STYLE = {
    "逾期": "red",
    "有问题": "red",
    "临近": "yellow",
    "已完成": "green",
    "已开始": "yellow",
}


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _left(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return f"已过 {-days}"
    return "今天" if days == 0 else str(days)


def _load(db: str | None, calendar: Path | None) -> tuple[Store, WorkCalendar]:
    from qjtitle.logic.workdays import WorkCalendar
    from qjtitle.store import open_store

    store = open_store(db)
    return store, WorkCalendar.load(calendar, store.directory)


def print_schedule(s: Schedule) -> None:
    """The milestone table of a meeting (also used by the demo)."""
    from rich.markup import escape

    m = s.meeting
    when = f"{m.date} 至 {m.end_date}" if m.end_date else f"{m.date}"
    recorded = any(it.actual for it in s.items)
    rows = []
    for it in s.items:
        style = _STATUS_STYLE.get(it.status)
        status = styled(f"[{style}]{escape(it.status)}[/]") if style else it.status
        shown = it.when + ("（暂定）" if it.provisional else "")
        shown += f"；补假若与推测不同：{it.otherwise}" if it.otherwise else ""
        row = [it.label, shown, _left(it.days_left), status]
        row += [it.actual] if recorded else []
        rows.append([*row, it.rule.source if it.rule else ""])
    columns = (
        ["节点", "时间（窗口或期限）", "剩余工作日", "状态"]
        + (["实际日期"] if recorded else [])
        + ["依据"]
    )
    table(
        f"会议 {m.id}：{m.committee_name}，{when}，{m.place}，{m.size}人",
        columns,
        rows,
        caption=styled(
            f"剩余工作日自 {s.today} 起算（当日不计）"
            + ("；[yellow]含暂定日期[/]" if s.provisional else "")
        ),
    )
    if s.provisional:
        warn(s.provisional)


def _print_findings(findings: list[ScheduleFinding], title: str) -> None:
    from rich.markup import escape

    from qjtitle.cli._findings import say

    out = console()
    out.print(f"[bold]{escape(title)}[/]")
    for f in findings:
        level = "[red]错误[/]" if f.level == "error" else "[yellow]提示[/]"
        where = f"（{f.day}）" if f.day else ""
        out.print(f"{level} {f.label}{where}：{escape(say(f.finding))}", soft_wrap=True)
        details = [f"依据：{f.rule.text}（{f.rule.source}）"] if f.rule else []
        details += [f"允许：{f.allowed}"] if f.allowed else []
        details += [f"相差 {f.missed_by} 个工作日"] if f.missed_by is not None else []
        if details:
            out.print("     " + escape("；".join(details)), soft_wrap=True)


@app.command("show")
@with_rule_numbers
def schedule_show(
    meeting: MeetingArg,
    out: Annotated[
        Path | None, typer.Option("--out", help="另存为 .ics 日历文件，可导入手机或电脑日历。")
    ] = None,
    html: HtmlOpt = None,
    today: TodayOpt = None,
    calendar: CalendarOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """按工作日排出评审会议的全部时间节点：每个节点的最晚（或最早）日期、依据、剩余工作日和状态。

    也可以省略 show，直接写 qjtitle schedule 会议编号。推荐、会前、结果公示各排满{publicity_min}个工作日且互不冲突；
    尚未公布调休安排的年份标“暂定”。

    示例：qjtitle schedule 1 --out 评审会议.ics --html 评审会议.html
    """
    from qjtitle.calendar import schedule as schedules

    store, cal = _load(db, calendar)
    s = schedules.evaluate(store, meeting, _day(today), cal)
    count = schedules.write_ics(s, out) if out else 0
    if html:
        from qjtitle.calendar import yearpage, yearview

        yearpage.write_html(yearview.gather_meeting(store, meeting, _day(today), cal), html)
    if as_json:
        print_json(
            [
                {
                    "meeting": s.meeting.id,
                    **it.as_dict(),
                    "warning": s.provisional if it.provisional else "",
                }
                for it in s.items
            ]
        )
    else:
        print_schedule(s)
    if out:
        err_console().print(f"已写入日历文件 {out}（{count} 个日程）")
    if html:
        err_console().print(f"已写入网页 {html}（用浏览器打开；打印请选 A4 横向）")


@app.command("record")
@writes
def schedule_record(
    meeting: MeetingArg,
    milestone: Annotated[
        str,
        typer.Argument(
            help="节点：notice、recommendation-publicity、pre-publicity、draw、pre-filing、consent、result-publicity、post-filing、appointment、platform-entry、refiling-request、pilot-request，或其中文名。"
        ),
    ],
    day: Annotated[
        datetime,
        typer.Argument(
            formats=_DATE, help="实际日期（公示为开始日期），如 2023-11-06。", show_default=False
        ),
    ],
    last: Annotated[
        datetime | None, typer.Option("--end", formats=_DATE, help="公示的结束日期。")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="备注（如文号）。")] = "",
    force: Annotated[
        bool, typer.Option("--force", help="日期违反规则时仍照实登记（须同时写 --reason）。")
    ] = False,
    force_reason: Annotated[
        str, typer.Option("--reason", help="照实登记违反规则的日期的理由（记入审计日志）。")
    ] = "",
    today: TodayOpt = None,
    calendar: CalendarOpt = None,
    db: DbOpt = None,
) -> None:
    """登记一个时间节点的实际日期（再次登记同一节点会替换原来的日期，审计日志保留原值）。

    晚于今天的日期、早于评审会议的结果公示不能登记；违反规则的日期不登记、退出码为 1，
    确属实情时加 --force --reason 理由 照实登记。

    示例：qjtitle schedule record 1 pre-publicity 2023-11-06 --end 2023-11-10
    """
    from qjtitle.calendar import schedule as schedules

    if (
        force_reason and not force
    ):  # else the reason, meant for the audit log, would be dropped unsaid
        raise typer.BadParameter(
            "--reason 只和 --force 一起用（照实登记违反规则的日期时写明理由）；"
            "日期不违反规则时去掉 --reason，违反时加 --force",
            param_hint="--reason",
        )
    store, cal = _load(db, calendar)
    try:
        r = schedules.record(
            store,
            meeting,
            milestone,
            day.date(),
            _day(last),
            note,
            _day(today),
            cal,
            force_reason=force_reason if force else None,
        )
    except schedules.RuleBroken as exc:
        _print_findings(exc.findings, "违反规则的问题")
        raise
    span = f"{r.first} 至 {r.last}" if r.last else f"{r.first}"
    console().print(f"已登记 会议 {r.meeting_id} 的{r.milestone.label}：{span}")
    if r.previous:
        old = f"{r.previous['first']}" + (f" 至 {r.previous['last']}" if r.previous["last"] else "")
        console().print(f"（替换了原登记的 {old}）")
    if r.findings:
        _print_findings(r.findings, "与本节点有关的问题")


@app.command("check")
def schedule_check(
    meeting: MeetingArg,
    today: TodayOpt = None,
    calendar: CalendarOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """按规则和逻辑顺序核对已登记的全部时间节点（系统录入前请务必运行）。

    每个问题都列出节点、日期、依据、允许的日期和相差的工作日数。有错误时退出码为 1；
    只有提示（抽取过早、会前备案时公示未结束、调休暂定、不在评审计划时间内）时退出码为 0。

    示例：qjtitle schedule check 1
    """
    from qjtitle.calendar import schedule as schedules

    store, cal = _load(db, calendar)
    s = schedules.evaluate(store, meeting, _day(today), cal)
    if as_json:
        from qjtitle.cli._findings import say

        print_json(
            [
                {
                    "meeting": s.meeting.id,
                    **f.as_dict(),
                    "message": say(f.finding),
                    "finding": f.finding.as_json(),
                }
                for f in s.findings
            ]
        )
    else:
        m = s.meeting
        if s.findings:
            _print_findings(s.findings, f"会议 {m.id}（{m.committee}，{m.date}）核对结果")
        summary = f"{len(s.errors)} 个错误，{len(s.warnings)} 个提示（以 {s.today} 为今天）"
        if s.ok:
            console().print(f"[green]核对通过[/]：{summary}")
        else:
            err_console().print(
                f"[red]核对未通过[/]：{summary}；请改正后用 qjtitle schedule record 重新登记"
            )
    if not s.ok:
        raise typer.Exit(1)


def status(
    year: Annotated[int | None, typer.Option("--year", "-y", help="评审年度，默认今年。")] = None,
    html: HtmlOpt = None,
    today: TodayOpt = None,
    calendar: CalendarOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """全年一览：每次评审会议的下一个节点、剩余工作日，以及逾期和有问题的节点，最紧急的在前。

    加 --html 文件 另存为全年进度网页：每个评委会、每次会议的时间轴（节假日和调休标出底色），
    每个节点的状态（颜色和文字）、依据和条款，以及近几周的待办月历。

    示例：qjtitle status --year 2023 --html 年度进度.html
    """
    from qjtitle.calendar import schedule as schedules

    store, cal = _load(db, calendar)
    rows = schedules.status(store, year, _day(today), cal)
    if html:
        from qjtitle.calendar import yearpage, yearview

        yearpage.write_html(yearview.gather_year(store, year, _day(today), cal), html)
        err_console().print(f"已写入网页 {html}（用浏览器打开；打印请选 A4 横向）")
    if as_json:
        from qjtitle.cli._findings import say

        print_json([{**r.as_dict(), "errors": [say(f) for f in r.findings]} for r in rows])
        return
    from rich.markup import escape

    shown_today = _day(today) or date.today()
    out: list[list[Any]] = []
    for r in rows:
        trouble = [f"[red]逾期：{escape('、'.join(r.overdue))}[/]"] if r.overdue else []
        trouble += [f"[red]{len(r.errors)} 个错误[/]"] if r.errors else []
        trouble += ["[yellow]暂定[/]"] if r.provisional else []
        out.append(
            [
                r.meeting.id,
                r.meeting.committee,
                r.meeting.date,
                r.meeting.place,
                r.next or "（全部完成）",
                r.next_when,
                _left(r.days_left),
                styled("；".join(trouble)),
            ]
        )
    table(
        f"{year or shown_today.year}年度评审会议（以 {shown_today} 为今天）",
        ["会议", "评委会", "日期", "地点", "下一个节点", "期限", "剩余工作日", "逾期与问题"],
        out,
        caption="详情：qjtitle schedule 会议编号；核对：qjtitle schedule check 会议编号",
    )
    print_reminders(store, year or shown_today.year, shown_today, bool(rows))


def print_reminders(store: Any, year: int, today: date, shown: bool) -> None:
    """Which store this is, the years that hold meetings when this one has none, overdue corrections."""
    from qjtitle.calendar import reminders

    console().print(f"[dim]数据库：{store.where}[/]", soft_wrap=True)
    years = reminders.meeting_years(store)
    if not shown:
        if years:
            listed = "、".join(f"{y}年度（{n}次）" for y, n in years.items())
            console().print(
                f"{year}年度没有评审会议。有会议的年度：{listed}；查看：qjtitle status --year {max(years)}"
            )
        else:
            console().print(
                "还没有评审会议：qjtitle meeting add --committee 代码 --date 日期 --place 地点 --size 人数"
            )
    for item in reminders.overdue_corrections(store, today):
        warn(
            f"评委会 {item.committee} 有 {item.count} 名申报人已过补正期限（最早 {item.earliest}）仍为待补正；"
            f"核实未补正后运行 qjtitle applicants expire --committee {item.committee} 标记为视为放弃"
        )
