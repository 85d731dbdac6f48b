"""The ``qjtitle`` command. Each module here parses options, calls one library function
and prints; heavy libraries (SQLAlchemy, openpyxl, docxtpl) are imported inside
command bodies only, and a command's module only when that command runs (``COMMANDS``),
so ``qjtitle --help`` stays fast."""

from __future__ import annotations

import os
import sys

import typer

from qjtitle import __version__
from qjtitle.cli._lazy import Entry, LazyGroup
from qjtitle.cli._zh import old_spelling

# Every root command: where it lives (imported only when it is used), its panel in `qjtitle --help`
# and its line there (the first line of its own help; tests/test_startup.py checks they agree).
COMMANDS: dict[str, Entry] = {
    "import-applicants": Entry(
        "qjtitle.cli.applicants:import_applicants",
        "申报",
        "批量导入各单位报送的申报信息表（附件2），逐行检查并列出全部问题。",
    ),
    "applicants": Entry(
        "qjtitle.cli.applicants:app",
        "申报",
        "申报人：空白申报表、列表、查看、一次性告知补正、逾期视为放弃、撤回与恢复。",
    ),
    "imports": Entry(
        "qjtitle.cli.imports:app",
        "申报",
        "导入记录：每次导入的编号、文件、评委会、年度和新增/更新/未变人数；撤销一次导入。",
    ),
    "committee": Entry("qjtitle.cli.committee:app", "评委会", "评委会：新建、列表、查看。"),
    "demo": Entry(
        "qjtitle.cli.demo:demo",
        "演示",
        "用随附的示例数据演示完整流程：新建评委会、导入4个单位的申报表、生成补正告知书、排出评审会议时间节点、"
        "抽取专家并复核、签到、安排审阅、评议、表决并封存、生成会前和会后备案材料。",
    ),
    "import-experts": Entry(
        "qjtitle.cli.experts:import_experts",
        "专家与抽取",
        "导入评委会的评审专家库（按身份证号码新增或更新），逐行检查并一次列出每行的全部问题。",
    ),
    "experts": Entry(
        "qjtitle.cli.experts:app", "专家与抽取", "评审专家库：列表、查看、任期与备案到期检查。"
    ),
    "conflicts": Entry(
        "qjtitle.cli.experts:conflicts_app",
        "专家与抽取",
        "申报回避：登记专家与申报人的利害关系，列出已登记的回避。",
    ),
    "draw-experts": Entry(
        "qjtitle.cli.draw:draw_experts",
        "专家与抽取",
        "在监督人员监督下，从专家库中为评审会议随机抽取评审专家（委员和备选），并留下可复核的记录。",
    ),
    "verify-draw": Entry(
        "qjtitle.cli.draw:verify_draw",
        "专家与抽取",
        "复核一次抽取：重算抽取结果，与记录和当前专家库核对。",
    ),
    "draw": Entry(
        "qjtitle.cli.draw_record:app",
        "专家与抽取",
        "专家抽取记录：列表、查看、导出、专家答复与替补、签字、抽取记录表。",
    ),
    "meeting": Entry(
        "qjtitle.cli.meeting:app",
        "评审会议",
        "评审会议：新建、列表、查看；签到、主持人、评审方式、安排审阅、录入评议、表决结果、封存。会议编号用于各后续命令。",
    ),
    "record-votes": Entry(
        "qjtitle.cli.proceedings:record_votes",
        "评审会议",
        "录入无记名投票的票数并检查：每名申报人的同意、不同意、弃权、废票相加须等于出席且无须回避的专家人数；显示每人是否达到通过票数。",
    ),
    "schedule": Entry(
        "qjtitle.cli.schedule:app",
        "时间节点",
        "评审会议的时间节点：qjtitle schedule 会议编号 按工作日排出全部节点；record 登记实际日期；check 核对。",
    ),
    "status": Entry(
        "qjtitle.cli.schedule:status",
        "时间节点",
        "全年一览：每次评审会议的下一个节点、剩余工作日，以及逾期和有问题的节点，最紧急的在前。",
    ),
    "import-plan": Entry(
        "qjtitle.cli.plan:import_plan",
        "时间节点",
        "导入年度评审计划（附件1）：评委会、级别、系列和计划评审时间，替换该年度原有的计划。",
    ),
    "calendar": Entry(
        "qjtitle.cli.calendar:app",
        "时间节点",
        "工作日历：按月查看节假日和调休，检查自定义日历文件。",
    ),
    "db": Entry("qjtitle.cli.db:app", "数据库与审计", "数据库：版本与升级、备份与恢复。"),
    "audit": Entry(
        "qjtitle.cli.audit:app",
        "数据库与审计",
        "审计日志：每一次改动的记录（哈希链，只能追加）：列表、核验、导出。",
    ),
    "export-filing": Entry(
        "qjtitle.cli.filing:export_filing",
        "备案材料",
        "生成会前备案（--stage pre）或会后备案（--stage post）的全套材料：Word 文书、Excel 名册、清单和 SHA-256。",
    ),
    "templates": Entry(
        "qjtitle.cli.filing:app", "备案材料", "文书模板：列出、复制出来修改、检查自己修改的模板。"
    ),
}


class _Root(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    name="qjtitle",
    cls=_Root,
    help="曲靖市职称评审委员会办事机构工作工具：申报表批量导入与一次性告知、专家抽取、工作日时间节点、备案材料。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    # old option spellings (--today, --end-date, --ics) still work: qjtitle.cli._zh.OLD_SPELLINGS
    context_settings={"help_option_names": ["-h", "--help"], "token_normalize_func": old_spelling},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qjtitle {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="显示版本后退出。"
    ),
    as_user: str | None = typer.Option(
        None,
        "--as",
        envvar="QJTITLE_USER",
        metavar="姓名",
        show_default=False,
        help="操作人姓名，记入审计日志（默认为系统登录名；系统登录名也会同时记录）。",
    ),
) -> None:
    """曲靖市职称评审委员会办事机构工作工具。"""
    if as_user is not None and as_user.strip():
        # read by qjtitle.store.audit.current_user()
        os.environ["QJTITLE_USER"] = " ".join(as_user.split())


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
        from qjtitle.cli._errors import unexpected

        sys.exit(unexpected(exc))
