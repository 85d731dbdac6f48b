"""The ``qjtitle`` command. Each module here parses options, calls one library function
and prints; heavy libraries (SQLAlchemy, openpyxl, docxtpl) are imported inside
command bodies only, so ``qjtitle --help`` stays fast."""

from __future__ import annotations

import os
import sys

import typer

from qjtitle import __version__
from qjtitle.cli import (
    applicants,
    audit,
    calendar,
    committee,
    db,
    demo,
    draw,
    experts,
    filing,
    meeting,
    plan,
    schedule,
)

app = typer.Typer(
    name="qjtitle",
    help="曲靖市职称评审委员会办事机构工作工具：申报表批量导入与一次性告知、专家抽取、工作日时间节点、备案材料。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qjtitle {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="显示版本后退出。"),
    as_user: str | None = typer.Option(
        None, "--as", envvar="QJTITLE_USER", show_default=False,
        help="操作人姓名，记入审计日志（默认为系统登录名；系统登录名也会同时记录）。",
    ),
) -> None:
    """曲靖市职称评审委员会办事机构工作工具。"""
    if as_user is not None and as_user.strip():
        os.environ["QJTITLE_USER"] = " ".join(as_user.split())  # read by qjtitle.audit.current_user()


app.command("import-applicants", rich_help_panel="申报")(applicants.import_applicants)
app.add_typer(applicants.app, name="applicants", rich_help_panel="申报")
app.add_typer(committee.app, name="committee", rich_help_panel="评委会")
app.command("demo", rich_help_panel="演示")(demo.demo)
app.command("import-experts", rich_help_panel="专家与抽取")(experts.import_experts)
app.add_typer(experts.app, name="experts", rich_help_panel="专家与抽取")
app.add_typer(experts.conflicts_app, name="conflicts", rich_help_panel="专家与抽取")
app.command("draw-experts", rich_help_panel="专家与抽取")(draw.draw_experts)
app.command("verify-draw", rich_help_panel="专家与抽取")(draw.verify_draw)
app.add_typer(draw.app, name="draw", rich_help_panel="专家与抽取")
app.add_typer(meeting.app, name="meeting", rich_help_panel="评审会议")
app.command("record-votes", rich_help_panel="评审会议")(meeting.record_votes)
app.add_typer(schedule.app, name="schedule", rich_help_panel="时间节点")
app.command("status", rich_help_panel="时间节点")(schedule.status)
app.command("import-plan", rich_help_panel="时间节点")(plan.import_plan)
app.add_typer(calendar.app, name="calendar", rich_help_panel="时间节点")
app.add_typer(db.app, name="db", rich_help_panel="数据库与审计")
app.add_typer(audit.app, name="audit", rich_help_panel="数据库与审计")
app.command("export-filing", rich_help_panel="备案材料")(filing.export_filing)
app.add_typer(filing.app, name="templates", rich_help_panel="备案材料")


def main() -> None:
    """Entry point: unexpected errors become one Chinese line unless QJTITLE_DEBUG is set."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("已中断；本次操作未提交的改动均已撤销。\n")
        sys.exit(130)
    except Exception as exc:  # the last resort: one Chinese line, not a traceback
        if os.environ.get("QJTITLE_DEBUG"):
            raise
        from qjtitle.cli._console import err_console

        err_console().print(
            f"[red]意外错误：[/]{type(exc).__name__}: {exc}\n设置环境变量 QJTITLE_DEBUG=1 重新运行可看到详细信息；本次操作未提交的改动均已撤销。"
        )
        sys.exit(1)
