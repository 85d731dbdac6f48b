"""qjtitle import-experts, qjtitle experts list|show|check, and qjtitle conflicts add|list."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qjtitle.cli._console import console, print_json, table, warn
from qjtitle.cli._options import CommitteeOpt, DbOpt, JsonOpt, KeepMapOpt, MapOpt, writes

if TYPE_CHECKING:
    from qjtitle.experts.pool import PoolImportReport

app = typer.Typer(help="评审专家库：列表、查看、任期与备案到期检查。", no_args_is_help=True)
conflicts_app = typer.Typer(
    help="申报回避：登记专家与申报人的利害关系，列出已登记的回避。", no_args_is_help=True
)

ShowPiiOpt = Annotated[
    bool, typer.Option("--show-pii", help="显示完整的身份证号码和电话（默认打码）。")
]
DateOpt = Annotated[
    datetime | None,
    typer.Option("--date", formats=["%Y-%m-%d"], help="日期，如 2023-11-20；默认今天。"),
]


@writes
def import_experts(
    path: Annotated[Path, typer.Argument(help="专家库表格（.xlsx/.xls/.csv）。")],
    committee: CommitteeOpt,
    pool_filed: Annotated[
        datetime | None,
        typer.Option(
            "--pool-filed",
            formats=["%Y-%m-%d"],
            help="本次专家库备案（或重新备案）日期，如 2022-06-30。",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="本文件是完整的专家库：库中在库、但文件里没有的专家改为出库，不再参加抽取"
            "（文件有未导入的行时拒绝）。",
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入数据库。")] = False,
    column_map: MapOpt = None,
    keep_map: KeepMapOpt = False,
    db: DbOpt = None,
) -> None:
    """导入评委会的评审专家库（按身份证号码新增或更新），逐行检查并一次列出每行的全部问题。

    列：姓名、性别、身份证号码、工作单位、职称、职称级别、系列、专业、联系电话、入库时间、任期起止、状态。
    没有“系列”列的表格按该评委会的系列导入（并提示一次）；找不到其他必填列时不导入并说明看到的列，
    可用 --map 表中列名=规定列名 对应过去（加 --keep-map 保存给该评委会）。
    有问题的行不导入；给出 --pool-filed 时登记专家库备案日期，重新备案时检查新入库专家是否达到三分之一。
    库中在库、但文件里没有的专家会列出（仍可被抽取）；本文件是完整的专家库时加 --replace 让他们出库。

    示例：qjtitle import-experts 专家库_卫生中级.xlsx --committee QJ-WS-ZJ --pool-filed 2022-06-30
    """
    from qjtitle.experts.pool import import_experts as run_import
    from qjtitle.experts.pool_format import COLUMNS
    from qjtitle.spreadsheets.tables import MissingColumnsError, resolve_mapping
    from qjtitle.store import open_store

    store = open_store(db)
    try:
        report = run_import(
            store,
            path,
            committee,
            pool_filed.date() if pool_filed else None,
            dry_run=dry_run,
            replace=replace,
            mapping=resolve_mapping(COLUMNS, column_map or []),
            keep_mapping=keep_map and not dry_run,
        )
    except MissingColumnsError as exc:
        hint = " ".join(f"--map {seen}={label}" for seen, label in exc.found.suggestions)
        hint = hint or f"--map 表中列名={exc.found.missing[0]}"
        warn(f"重新导入时加 {hint} 把列对应过去；再加 --keep-map 保存给本评委会。")
        raise
    _print_import(report, store.directory or Path.cwd())
    if keep_map and column_map and not dry_run:
        console().print(
            f"已为评委会 {committee} 保存列名对应：{'、'.join(column_map)}；以后导入自动识别。"
        )


def _print_import(report: PoolImportReport, list_folder: Path) -> None:
    from rich.markup import escape

    from qjtitle.experts.pool import write_problem_list
    from qjtitle.experts.pool_format import KINDS
    from qjtitle.intake.import_report import REPORT_LINES

    kinds = (
        "；".join(f"{k} {report.problem_kinds[k]}" for k in KINDS if report.problem_kinds.get(k))
        or "—"
    )
    title = "专家库导入结果（试运行，未写入）" if report.dry_run else "专家库导入结果"
    table(
        title,
        ["文件", "行数", "新增", "更新", "未导入", "问题（按类）"],
        [
            [
                report.path.name,
                report.rows,
                report.imported,
                report.updated,
                len(report.rejected),
                kinds,
            ]
        ],
    )
    if report.rejected:
        rows = [
            [r.sheet, r.row, r.name, p.cell or p.column, p.message, p.fix]
            for r in report.rejected
            for p in r.problems
        ]
        table(
            "未导入的行（每行的全部问题）",
            ["工作表", "行", "姓名", "位置", "问题", "更正方法"],
            rows[:REPORT_LINES],
        )
        if len(rows) > REPORT_LINES:  # a wrong file can bring 100,000: the rest goes to a file
            listed = write_problem_list(report, list_folder)
            console().print(
                f"问题较多，终端只显示前 {REPORT_LINES} 条；全部 {len(rows)} 条已写入：",
                soft_wrap=True,
            )
            console().print(escape(str(listed)), soft_wrap=True, highlight=False)
    if report.absent:
        shown = [[a.id, a.name, a.unit, a.specialty] for a in report.absent]
        if report.retired:
            table(
                f"改为出库、不再参加抽取的专家（{len(shown)} 人，不在本文件中）",
                ["编号", "姓名", "单位", "专业"],
                shown,
            )
        else:
            table(
                f"库中在库、但不在本文件中的专家（{len(shown)} 人，仍可被抽取）",
                ["编号", "姓名", "单位", "专业"],
                shown,
            )
            warn(
                f"以上 {len(shown)} 名专家不在 {report.path.name} 中，仍在库、仍可被抽取。"
                "如本文件是完整的专家库，请加 --replace 重新导入，让他们出库"
            )
    if report.series_from_committee:
        console().print(
            f"{report.path.name} 没有“系列”列：各行按本评委会的系列“{report.series_from_committee}”导入。"
        )
    if report.skipped:
        from qjtitle.privacy import mask_text

        table(
            f"跳过的行（不是专家，{len(report.skipped)} 行）",
            ["工作表", "行", "原因", "内容"],
            [[sheet, s.row, s.reason, mask_text(s.text)] for sheet, s in report.skipped],
        )
    if report.pool_filed:
        console().print(f"专家库备案日期：{report.pool_filed}")
    if report.first_import and report.imported:
        console().print(f"首次导入本评委会的专家库：新增专家 {report.imported} 人。")
    if report.refiling is not None:
        (console().print if report.refiling.ok else warn)(report.refiling.message(importing=True))
    if report.dry_run:
        console().print("[bold]试运行：数据库未作任何改动。[/]")


@app.command("list")
def experts_list(
    committee: Annotated[str | None, typer.Option("--committee", "-c", help="评委会代码。")] = None,
    active_only: Annotated[
        bool,
        typer.Option(
            "--active-only", help="只列出可以抽取的专家：在库，且任期覆盖今天（或 --date）。"
        ),
    ] = False,
    when: Annotated[
        datetime | None,
        typer.Option(
            "--date", help="与 --active-only 合用：按这一天判断任期，默认今天。", show_default=False
        ),
    ] = None,
    specialty: Annotated[str | None, typer.Option("--specialty", help="专业。")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="工作单位（包含该文字即可）。")] = None,
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出专家库中的专家（可按评委会、状态、专业、单位筛选）。

    示例：qjtitle experts list --committee QJ-WS-ZJ --specialty 护理
    """
    from qjtitle.experts.pool import list_experts
    from qjtitle.store import open_store

    items = list_experts(
        open_store(db),
        committee,
        True if active_only else None,
        specialty,
        unit,
        show_pii,
        on=when.date() if when else None,
    )
    if as_json:
        print_json([e.as_dict() for e in items], show_pii=show_pii)
        return
    table(
        f"评审专家（{len(items)} 人）",
        ["编号", "姓名", "工作单位", "职称", "级别", "专业", "任期", "状态"],
        [
            [
                e.id,
                e.name,
                e.unit,
                e.title,
                e.level,
                e.specialty,
                f"{e.term_start}至{e.term_end}",
                e.status,
            ]
            for e in items
        ],
    )


@app.command("show")
def experts_show(
    key: Annotated[str, typer.Argument(help="专家编号、18位身份证号码或姓名。")],
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看一名专家的全部信息。

    示例：qjtitle experts show 12
    """
    from qjtitle.experts.pool import show_expert
    from qjtitle.store import open_store

    items = show_expert(open_store(db), key, show_pii)
    if as_json:
        print_json([e.as_dict() for e in items], show_pii=show_pii)
        return
    labels = {
        "id": "编号",
        "committee": "评委会",
        "name": "姓名",
        "gender": "性别",
        "id_number": "身份证号码",
        "unit": "工作单位",
        "title": "职称",
        "level": "职称级别",
        "series": "系列",
        "specialty": "专业",
        "phone": "联系电话",
        "joined": "入库时间",
        "term_start": "任期起",
        "term_end": "任期止",
        "status": "状态",
        "active": "可抽取",
        "source": "来源",
    }
    for e in items:
        table(
            e.name,
            ["项目", "内容"],
            [
                [labels[k], ("是" if v else "否") if isinstance(v, bool) else v]
                for k, v in e.as_dict().items()
            ],
        )


@app.command("check")
def experts_check(
    committee: CommitteeOpt,
    when: DateOpt = None,
    within: Annotated[
        int | None,
        typer.Option("--within", help="提前多少天提示到期（默认180天）。", show_default=False),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """检查专家任期和专家库备案是否即将到期；须重新备案时检查新入库专家是否达到三分之一。

    示例：qjtitle experts check --committee QJ-WS-ZJ --date 2025-03-01
    """
    from qjtitle.cli._findings import say_here
    from qjtitle.experts.pool import check_pool
    from qjtitle.store import open_store

    result = check_pool(open_store(db), committee, when.date() if when else None, within)
    if as_json:
        data = result.as_dict()
        data["refiling_message"] = (
            say_here(result.refiling_finding) if result.refiling_finding else ""
        )
        data["warnings"] = [say_here(w) for w in result.warnings]
        data["findings"] = [w.as_json() for w in result.warnings]
        print_json(data)
        return
    table(
        f"专家库检查（{result.committee}，{result.on}，提前 {result.within_days} 天）",
        ["项目", "内容"],
        [
            ["专家库备案日期", result.pool_filed or "未登记"],
            ["备案有效期至", result.pool_valid_until or "—"],
            ["备案状态", result.pool_filing],
            [
                "专家总数 / 在库 / 任期内",
                f"{result.experts} / {result.active} / {result.in_term}",
            ],
            ["任期即将届满", len(result.expiring_terms)],
            ["在库但任期已满", len(result.ended_terms)],
            [
                "新入库专家（重新备案）",
                say_here(result.refiling_finding) if result.refiling_finding else "—",
            ],
        ],
    )
    for title, terms in (
        ("任期即将届满的专家", result.expiring_terms),
        ("在库但任期已满的专家", result.ended_terms),
    ):
        if terms:
            table(
                title,
                ["编号", "姓名", "单位", "专业", "任期止"],
                [[e.id, e.name, e.unit, e.specialty, e.term_end] for e in terms],
            )
    for found in result.warnings:
        warn(say_here(found))


@conflicts_app.command("add")
@writes
def conflicts_add(
    expert: Annotated[
        str,
        typer.Option(
            "--expert",
            metavar="编号或姓名",
            help="专家：编号、姓名或身份证号码（qjtitle experts list）。",
        ),
    ],
    applicant: Annotated[
        str,
        typer.Option(
            "--applicant",
            metavar="编号或姓名",
            help="申报人：编号、姓名或身份证号码（qjtitle applicants list）。",
        ),
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="回避理由，如 近亲属、同一科室、师生关系。")
    ] = "",
    when: DateOpt = None,
    db: DbOpt = None,
) -> None:
    """登记专家与申报人之间的利害关系：该专家不参与该申报人的评议和表决，抽取时也排除。

    示例：qjtitle conflicts add --expert 韩致亮 --applicant 35 --reason 近亲属
    """
    from qjtitle.experts.recusal import add_conflict
    from qjtitle.intake import names
    from qjtitle.store import open_store

    store = open_store(db)
    ids = names.expert_id(store, expert), names.applicant_id(store, applicant)
    item = add_conflict(store, *ids, reason, when.date() if when else None)
    console().print(
        f"已登记回避：专家 {item.expert}（编号 {item.expert_id}）— 申报人 {item.applicant}（{item.applicant_unit}）：{item.reason}"
    )


@conflicts_app.command("list")
def conflicts_list(
    committee: Annotated[str | None, typer.Option("--committee", "-c", help="评委会代码。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出已登记的申报回避。

    示例：qjtitle conflicts list --committee QJ-WS-ZJ
    """
    from qjtitle.experts.recusal import list_conflicts
    from qjtitle.store import open_store

    items = list_conflicts(open_store(db), committee)
    if as_json:
        print_json([c.as_dict() for c in items])
        return
    table(
        f"申报回避（{len(items)} 条）",
        ["编号", "专家", "申报人", "申报人单位", "年度", "理由", "登记日期"],
        [
            [
                c.id,
                f"{c.expert}（{c.expert_id}）",
                f"{c.applicant}（{c.applicant_id}）",
                c.applicant_unit,
                c.year,
                c.reason,
                c.declared_on,
            ]
            for c in items
        ],
    )
