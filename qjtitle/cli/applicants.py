"""qjtitle import-applicants, and qjtitle applicants template|list|show|corrections|expire|withdraw|reinstate."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qjtitle.cli._console import console, err_console, print_json, styled, table, warn
from qjtitle.cli._options import (
    CommitteeOpt,
    DbOpt,
    JsonOpt,
    KeepMapOpt,
    MapOpt,
    YearOpt,
    YesOpt,
    confirm_irreversible,
    parse_year,
    writes,
)

if TYPE_CHECKING:
    from qjtitle.intake.import_report import ImportReport
    from qjtitle.intake.withdrawal import StatusChange
    from qjtitle.spreadsheets.tables import SkippedRow

app = typer.Typer(
    help="申报人：空白申报表、列表、查看、一次性告知补正、逾期视为放弃、撤回与恢复。",
    no_args_is_help=True,
)

ShowPiiOpt = Annotated[
    bool, typer.Option("--show-pii", help="显示完整的身份证号码和电话（默认打码）。")
]


@writes
def import_applicants(
    paths: Annotated[
        list[Path],
        typer.Argument(help="申报信息表文件或文件夹（文件夹内逐层查找 .xlsx/.xls/.csv）。"),
    ],
    committee: CommitteeOpt,
    year: YearOpt,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入数据库。")] = False,
    details: Annotated[bool, typer.Option("--details", help="逐行列出每个问题。")] = False,
    column_map: MapOpt = None,
    keep_map: KeepMapOpt = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="问题清单（CSV）写到这个文件夹；默认写在所导入的表格旁边（试运行时只在给出 --out 时写）。",
            show_default=False,
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """批量导入各单位报送的申报信息表（附件2），逐行检查并列出全部问题。

    有问题的行以“待补正”状态导入，不会丢失；同一单位改正后的表再次导入会更新原记录。
    表头可在任意行、可为两行合并表头；找不到必填的列时整个文件不导入并说明看到的列，
    可用 --map 表中列名=规定列名 对应过去（加 --keep-map 保存给该评委会）。
    表尾的填表人、审核人、合计、空行等不是申报人的行跳过并逐行列出。
    任一文件无法读取时退出码为 1（其余文件照常导入）。

    示例：qjtitle import-applicants 收件/2023/ --committee QJ-WS-ZJ --year 2023 --dry-run
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qjtitle.intake.applicants import collect_files
    from qjtitle.intake.applicants import import_applicants as run_import
    from qjtitle.intake.roster import COLUMNS
    from qjtitle.spreadsheets.tables import resolve_mapping
    from qjtitle.store import open_store

    mapping = resolve_mapping(COLUMNS, column_map or [])
    store = open_store(db)
    files = collect_files(paths)
    total = len(files)
    with Progress(
        TextColumn("[bold]导入[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console(),
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)
        report = run_import(
            store,
            paths,
            committee,
            year,
            dry_run=dry_run,
            progress=lambda p: progress.update(task, advance=1, description=p.name),
            mapping=mapping,
            keep_mapping=keep_map,
        )
    beside = paths[0] if paths[0].is_dir() else (files[0].parent if files else Path.cwd())
    print_import_report(
        report,
        details,
        out or (None if dry_run else beside),
        always_write=out is not None,
        committee=committee,
    )
    if keep_map and mapping and not dry_run:
        shown = "、".join(column_map or [])
        console().print(f"已为评委会 {committee} 保存列名对应：{shown}；以后导入自动识别。")
    if report.failed:
        raise typer.Exit(1)


def print_import_report(
    report: ImportReport,
    details: bool,
    list_folder: Path | None = None,
    always_write: bool = False,
    committee: str | None = None,
) -> None:
    """The per-file table and totals; rejected rows (and row problems with ``details``) up to REPORT_LINES
    each, the full list then written to a CSV in ``list_folder``/导入问题清单 whose path is printed
    (``always_write``: written even when everything was shown); rows skipped as not people."""
    from rich.markup import escape

    from qjtitle.cli._findings import command_line, fix_text
    from qjtitle.findings import Step
    from qjtitle.intake.import_report import REPORT_LINES, write_problem_list
    from qjtitle.intake.roster_checks import KINDS

    rows: list[list[object]] = []
    for f in report.files:
        if f.error:
            why = "[red]缺少必填的列，未导入[/]" if f.missing else "[red]无法读取[/]"
            rows.append([f.path.name, "—", "—", "—", "—", "—", styled(why)])
            continue
        kinds = "；".join(f"{k} {f.problem_kinds[k]}" for k in KINDS if f.problem_kinds.get(k))
        corrections = f.needs_correction + len(
            f.flagged
        )  # with those this file made 待补正 elsewhere
        rows.append(
            [f.path.name, f.rows, f.imported, f.updated, corrections, len(f.rejected), kinds or "—"]
        )
    title = "导入结果（试运行，未写入）" if report.dry_run else "导入结果"
    table(title, ["文件", "行数", "新增", "更新", "待补正", "未受理", "问题（按类）"], rows)
    t = report.totals()
    console().print(
        f"共 {t.files} 个文件 {t.rows} 行：新增 {t.imported}，更新 {t.updated}，"
        f"其中待补正 {t.needs_correction}"
        + (f"（含此前已受理、因本次重复申报改为待补正的 {t.flagged} 人）" if t.flagged else "")
        + f"；未受理 {t.rejected}；无法读取的文件 {t.unreadable} 个。"
    )
    if (
        t.files > 1 and not report.dry_run
    ):  # a folder: each file its own transaction (README, 第3节)
        console().print(
            f"每个文件单独提交：{t.files - t.unreadable} 个文件已写入，"
            f"{t.unreadable} 个文件未写入任何内容。"
        )
    _print_run_numbers(report)
    for f in report.files:
        for who in f.flagged:
            console().print(
                f"[yellow]改为待补正[/] {escape(who)}：{escape(f.path.name)} 中又报送了此人（重复申报）"
            )
    shown = 0
    if t.unchanged or t.harmless or t.frozen:
        console().print(
            f"已封存会议评审过的申报人：未变 {t.unchanged}，仅更新联系电话/备注 {t.harmless}，"
            f"因会更改评审认定的事项而未导入 {t.frozen}（见下）。"
        )
    for f in report.files:
        for h in f.harmless:
            console().print(f"[cyan]仅更新[/] {escape(f'{f.path.name} {h}')}")
    for f in report.files:
        if f.error:
            err_console().print(
                f"[red]✗[/] {escape(f.error)}", soft_wrap=True
            )  # an error: on stderr
        for r in f.rejected[: max(0, REPORT_LINES - shown)]:
            why = f"{r.reason}；{fix_text(r.fix)}" if r.fix else r.reason
            console().print(
                f"[yellow]未受理[/] {escape(f'{f.path.name} {r.sheet} 第{r.row}行 {r.name}：{why}')}"
            )
        shown += len(f.rejected)
        for m in f.missing:
            hint = " ".join(f"--map {seen}={label}" for seen, label in m.suggestions) or (
                f"--map 表中列名={m.missing[0]}"
            )
            console().print(
                f"[yellow]提示[/] 重新导入时加 {escape(hint)} 把列对应过去；"
                "再加 --keep-map 保存给本评委会，以后同样的表头自动识别。",
                soft_wrap=True,
            )
    _print_skipped([(f.path.name, sheet, s) for f in report.files for sheet, s in f.skipped])
    cut = shown > REPORT_LINES
    if details:
        cut = _print_row_problems(report, REPORT_LINES) or cut
    lines_total = sum(len(f.rejected) + len(f.row_problems) + len(f.skipped) for f in report.files)
    if (cut or (always_write and lines_total)) and list_folder is not None:
        path = write_problem_list(report, list_folder)
        console().print(
            (
                f"逐行结果较多，终端只显示前 {REPORT_LINES} 条；全部 {lines_total} 条已写入："
                if cut
                else f"全部 {lines_total} 条逐行结果已写入："
            ),
            soft_wrap=True,
        )
        console().print(escape(str(path)), soft_wrap=True, highlight=False)
    if not details and t.needs_correction:
        notice = command_line(Step.ISSUE_CORRECTIONS, {"committee": committee})
        console().print(
            escape(f"逐行问题：加 --details 查看，或用 {notice} 生成一次性告知书。"),
            soft_wrap=True,
        )
    if report.dry_run:
        console().print("[bold]试运行：数据库未作任何改动。[/]")


def _print_run_numbers(report: ImportReport) -> None:
    """Each file's import number (the way back is ``imports undo``), and a year without a meeting."""
    if report.meeting_years:
        held = "、".join(f"{y}" for y in report.meeting_years)
        console().print(
            f"[yellow]注意：[/]该评委会在 {report.year} 年度没有评审会议（有评审会议的年度：{held}）；"
            "请核对 --year 是否填对。",
            soft_wrap=True,
        )
    elif report.meeting_years is not None:
        console().print(
            f"提示：该评委会还没有新建评审会议，无法核对 {report.year} 年度是否有评审；请核对 --year 是否填对。",
            soft_wrap=True,
        )
    numbers = [str(f.batch) for f in report.files if f.batch is not None]
    if numbers:
        console().print(
            f"导入编号：{'、'.join(numbers)}；导错了可用 qjtitle imports undo 编号 --reason 理由 撤销。",
            soft_wrap=True,
        )


def _print_skipped(skipped: list[tuple[str, str, SkippedRow]]) -> None:
    """Rows passed over as not people (footers, totals, repeated headers, separators), each with its row."""
    from qjtitle.intake.import_report import REPORT_LINES
    from qjtitle.privacy import mask_text

    if not skipped:
        return
    table(
        f"跳过的行（不是申报人，{len(skipped)} 行）",
        ["文件", "工作表", "行", "原因", "内容"],
        [
            [name, sheet, s.row, s.reason, mask_text(s.text)]
            for name, sheet, s in skipped[:REPORT_LINES]
        ],
    )
    if len(skipped) > REPORT_LINES:
        console().print(f"……另有 {len(skipped) - REPORT_LINES} 行跳过，未逐一列出。")


def _print_row_problems(report: ImportReport, limit: int) -> bool:
    """The first ``limit`` row problems as a table; True when there were more."""
    from itertools import islice

    from qjtitle.privacy import mask_text

    every = (
        (f, sheet, number, name, p)
        for f in report.files
        for sheet, number, name, p in f.row_problems
    )
    rows = [
        [
            str(v)
            for v in (
                f.path.name,
                sheet,
                number,
                name,
                p.cell or p.column,
                mask_text(p.message),
                p.fix,
            )
        ]
        for f, sheet, number, name, p in islice(every, limit)
    ]
    table("逐行问题", ["文件", "工作表", "行", "姓名", "位置", "问题", "更正方法"], rows)
    return sum(len(f.row_problems) for f in report.files) > limit


@app.command("template")
def applicants_template(
    out_arg: Annotated[Path | None, typer.Argument(hidden=True, show_default=False)] = None,
    out: Annotated[Path, typer.Option("--out", help="要生成的空白申报表 .xlsx。")] = Path(
        "曲靖市专业技术人员职称申报信息表.xlsx"
    ),
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件。")] = False,
    committee: Annotated[
        str | None,
        typer.Option(
            "--committee",
            "-c",
            help="评委会代码：填表说明的示例用该评委会的系列、专业和级别（不给时这些列不举例）。",
        ),
    ] = None,
    db: DbOpt = None,  # only read for --committee
) -> None:
    """生成空白的申报信息表（附件2）：标题行、表头、身份证号码和电话为文本格式、下拉选项、填表说明。

    示例：qjtitle applicants template --out 曲靖市专业技术人员职称申报信息表.xlsx
    """
    out = out_arg or out  # the file as a bare argument: the spelling before --out
    from qjtitle.errors import AlreadyExists
    from qjtitle.intake.roster import write_roster_workbook

    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    if out.exists() and not force:
        raise AlreadyExists(f"{out} 已存在；加 --force 覆盖，或换一个文件名")
    examples: dict[str, str] = {}
    if committee:
        from qjtitle.intake.roster_checks import template_examples
        from qjtitle.store import open_store

        examples = template_examples(open_store(db), committee)
    write_roster_workbook(out, examples=examples)
    console().print(f"已生成空白申报表：{out}")


@app.command("list")
def applicants_list(
    committee: Annotated[str | None, typer.Option("--committee", "-c", help="评委会代码。")] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", parser=parse_year, help="评审年度。")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="状态：已受理、待补正、视为放弃。")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="工作单位（包含该文字即可）。")] = None,
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出申报人（可按评委会、年度、状态、单位筛选）。

    示例：qjtitle applicants list --committee QJ-WS-ZJ --status 待补正
    """
    from qjtitle.intake.lookup import list_applicants

    items = list_applicants(db, committee, year, status, unit, show_pii)
    if as_json:
        print_json([a.as_dict() for a in items], show_pii=show_pii)
        return
    table(
        f"申报人（{len(items)} 人）",
        ["编号", "姓名", "身份证号码", "工作单位", "申报专业", "申报资格", "状态", "问题数"],
        [
            [
                a.id,
                a.name,
                a.id_number,
                a.unit,
                a.specialty,
                a.title_name,
                a.status,
                len(a.problems),
            ]
            for a in items
        ],
    )


@app.command("show")
def applicants_show(
    key: Annotated[str, typer.Argument(help="申报人编号、18位身份证号码或姓名。")],
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看申报人的全部信息和待补正的问题。

    示例：qjtitle applicants show 12
    """
    from qjtitle.intake.lookup import show_applicant
    from qjtitle.intake.roster import COLUMNS
    from qjtitle.store import open_store

    items = show_applicant(open_store(db), key, show_pii)
    if as_json:
        print_json([a.as_dict() for a in items], show_pii=show_pii)
        return
    for a in items:
        rows: list[list[object]] = [
            ["编号", a.id],
            ["年度", a.year],
            ["评委会", a.committee],
            ["状态", a.status],
        ]
        rows += [[c.label, getattr(a, c.key)] for c in COLUMNS]
        rows += [
            ["任现职年限（至当年底）", a.years_in_title],
            ["工作年限（至当年底）", a.years_working],
        ]
        rows += [["来源", f"{a.source_file} {a.source_sheet} 第{a.source_row}行"]]
        if a.correction_deadline:
            rows.append(["补正期限", a.correction_deadline])
        table(f"{a.name}", ["项目", "内容"], rows)
        if a.problems:
            table(
                "待补正的问题",
                ["位置", "问题", "更正方法"],
                [[p.cell or p.column, p.message, p.fix] for p in a.problems],
            )


@app.command("correct")
@writes
def applicants_correct(
    key: Annotated[str, typer.Argument(help="申报人编号、18位身份证号码或姓名。")],
    changes: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="更正的事项：事项=新内容，如 专业=护理（可重复）；事项为 姓名、身份证号码、工作单位、系列、专业、级别、申报资格、申报途径。",
        ),
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="更正理由（必填，列入会后备案材料“封存后的更正”）。")
    ],
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="评审年度（同一人多个年度时）。")
    ] = None,
    db: DbOpt = None,
) -> None:
    """更正已封存会议评审过的申报人（如笔误）：只能追加登记，原内容和理由保留，并在会后备案材料中列出。

    示例：qjtitle applicants correct 12 --set 工作单位=罗平县人民医院 --reason 申报表单位名称笔误
    """
    from qjtitle.errors import InvalidValue
    from qjtitle.intake.after_seal import correct_applicant
    from qjtitle.store import open_store

    parsed = {}
    for item in changes:
        label, sep, value = item.partition("=")
        if not sep or not value.strip():
            raise InvalidValue(f"--set “{item}” 格式不对；应为 事项=新内容，如 --set 专业=护理")
        parsed[label.strip()] = value.strip()
    done = correct_applicant(open_store(db), key, parsed, reason, year)
    for c in done.changes:
        console().print(
            f"已登记更正：{done.name} 的{c.label} {c.old_shown or '（空）'} → {c.new_shown}"
        )
    console().print(f"理由：{done.reason}；将列入{done.meeting_label}会后备案材料“封存后的更正”。")


@app.command("corrections")
@writes
def applicants_corrections(
    committee: CommitteeOpt,
    out: Annotated[Path, typer.Option("--out", help="告知书输出文件夹。")],
    deadline_wd: Annotated[
        int, typer.Option("--deadline-wd", help="补正期限（工作日，自签发次日起算）。")
    ] = 5,
    today: Annotated[
        datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="签发日期，默认今天。")
    ] = None,
    contact: Annotated[str, typer.Option("--contact", help="联系人。")] = "",
    contact_phone: Annotated[str, typer.Option("--contact-phone", help="联系电话。")] = "",
    calendar: Annotated[
        Path | None,
        typer.Option("--calendar", help="工作日历补充文件（见 qjtitle calendar --help）。"),
    ] = None,
    templates: Annotated[
        Path | None, typer.Option("--templates", help="自定义模板文件夹（同名文件优先）。")
    ] = None,
    db: DbOpt = None,
) -> None:
    """为每个有待补正申报人的单位生成一份《补正告知书》（Word），一次性列出全部问题和补正期限。

    示例：qjtitle applicants corrections --committee QJ-WS-ZJ --out 补正告知书/ --deadline-wd 5
    """
    from qjtitle.calendar.schedule import notices_out_of_order
    from qjtitle.intake.corrections import issue_notices
    from qjtitle.logic.workdays import WorkCalendar
    from qjtitle.store import open_store

    store = open_store(db)
    cal = WorkCalendar.load(calendar, store.directory)
    written = issue_notices(
        store,
        committee,
        out,
        deadline_wd,
        today.date() if today else None,
        cal,
        contact,
        contact_phone,
        templates,
        check_order=notices_out_of_order,
    )
    if not written:
        console().print("没有待补正的申报人，无需告知。")
        return
    table(
        f"已生成 {len(written)} 份补正告知书（补正期限 {written[0].deadline}）",
        ["单位", "待补正人数", "问题数", "未受理", "文件"],
        [[w.unit, w.applicants, w.problems, w.rejected, str(w.path)] for w in written],
    )
    first = written[0]
    if not (contact or contact_phone) and (first.contact or first.contact_phone):
        console().print(
            f"联系人沿用上次的告知书：{' '.join(filter(None, [first.contact, first.contact_phone]))}"
            "（要更换请写 --contact 和 --contact-phone）"
        )
    provisional = cal.provisional_years(written[0].deadline)
    if provisional:
        warn(
            f"{'、'.join(map(str, provisional))} 年调休安排未公布，期限为暂定；可用 --calendar 补充。"
        )


@app.command("expire")
@writes
def applicants_expire(
    committee: CommitteeOpt,
    today: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="以该日期判断是否逾期，默认今天。"),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    yes: YesOpt = False,
) -> None:
    """把补正期限已过仍未补正的申报标记为“视为放弃”（日期不能晚于今天；恢复要逐人 applicants reinstate）。

    示例：qjtitle applicants expire --committee QJ-WS-ZJ --yes
    """
    from qjtitle.intake.corrections import expire, overdue
    from qjtitle.store import open_store

    day = today.date() if today else None
    store = open_store(db)
    due = [] if yes else overdue(store, committee, day)  # asked only when someone is due
    if due:
        names = "、".join(r.name for r in due[:3]) + (f"等 {len(due)} 人" if len(due) > 3 else "")
        confirm_irreversible(yes, f"把逾期未补正的 {names} 标记为“视为放弃”？")
    result = expire(store, committee, day)
    if as_json:
        print_json([r.as_dict() for r in result])
        return
    if not result:
        console().print("没有逾期未补正的申报。")
        return
    table(
        f"{len(result)} 人逾期未补正，已视为放弃",
        ["编号", "姓名", "单位", "补正期限"],
        [[r.id, r.name, r.unit, r.deadline] for r in result],
    )


ReasonOpt = Annotated[str, typer.Option("--reason", help="理由（必填，记入审计日志）。")]
ApplicantYearOpt = Annotated[
    int | None, typer.Option("--year", "-y", help="评审年度（同一人多个年度时）。")
]


def _print_change(done: StatusChange, what: str) -> None:
    unit = f"，{done.unit}" if done.unit else ""  # a footer row has none
    console().print(
        f"已{what}：{done.name}（编号 {done.id}{unit}，{done.year}年度）"
        f"{done.before} → {done.after}；理由：{done.reason}",
        soft_wrap=True,
    )


@app.command("withdraw")
@writes
def applicants_withdraw(
    key: Annotated[str, typer.Argument(help="申报人编号、18位身份证号码或姓名。")],
    reason: ReasonOpt,
    year: ApplicantYearOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """撤回一名申报人（本人撤回申报，或该行本不是申报）：状态改为“已撤回”，离开名册、公示和统计；
    记录保留，可用 applicants reinstate 恢复。会议封存后不能撤回，请用 applicants correct。

    示例：qjtitle applicants withdraw 12 --reason 本人书面申请撤回
    """
    from qjtitle.intake.withdrawal import withdraw
    from qjtitle.store import open_store

    done = withdraw(open_store(db), key, reason, year)
    if as_json:
        print_json(done.as_dict())
        return
    _print_change(done, "撤回")


@app.command("reinstate")
@writes
def applicants_reinstate(
    key: Annotated[str, typer.Argument(help="申报人编号、18位身份证号码或姓名。")],
    reason: ReasonOpt,
    year: ApplicantYearOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """恢复一名已撤回或视为放弃的申报人：撤回的回到撤回前的状态；视为放弃的回到“待补正”
    （已过的补正期限清除，可重新导入改正后的表或重新告知）。会议封存后不能恢复。

    示例：qjtitle applicants reinstate 12 --reason 补正材料已按期寄出，邮戳为证
    """
    from qjtitle.intake.withdrawal import reinstate
    from qjtitle.store import open_store

    done = reinstate(open_store(db), key, reason, year)
    if as_json:
        print_json(done.as_dict())
        return
    _print_change(done, "恢复")
