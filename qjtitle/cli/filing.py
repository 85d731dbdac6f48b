"""qjtitle export-filing, and qjtitle templates list|copy|check."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qjtitle.cli._console import console, err_console, print_json, styled, table, warn
from qjtitle.cli._options import CalendarOpt, DbOpt, JsonOpt, MeetingArg, writes

if TYPE_CHECKING:
    from qjtitle.filing.package import Entry

app = typer.Typer(help="文书模板：列出、复制出来修改、检查自己修改的模板。", no_args_is_help=True)

TemplatesOpt = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        help="自定义模板文件夹（同名文件优先）；默认使用数据库文件旁的 templates 文件夹（如有）。",
        show_default=False,
    ),
]


class Stage(str, Enum):
    pre = "pre"
    post = "post"


@writes
def export_filing(
    meeting: MeetingArg,
    stage: Annotated[
        Stage,
        typer.Option(
            "--stage", help="pre（会前）：会前备案；post（会后）：会后备案。", show_default=False
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="输出文件夹：材料放在其中以评委会、会议和阶段命名的子文件夹里。"
        ),
    ],
    make_zip: Annotated[bool, typer.Option("--zip", help="另外打包为同名 .zip 文件。")] = False,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf", help="用 LibreOffice 把每份 Word 文件另存为 PDF（需已安装 LibreOffice）。"
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="检查未通过时仍然生成，每页标“草稿”，并在报告中列出原因。"),
    ] = False,
    final: Annotated[
        bool,
        typer.Option(
            "--final",
            help="会后备案材料不全（如缺证件照）时仍作为正式材料生成；须用 --reason 说明原因，报告中写明。",
        ),
    ] = False,
    final_reason: Annotated[
        str, typer.Option("--reason", help="与 --final 同用：材料不全仍正式报送的原因。")
    ] = "",
    publicity_where: Annotated[
        str,
        typer.Option(
            "--publicity-where",
            help="会后备案：结果公示的发布范围（如 曲靖市卫生健康委员会网站和各申报单位公示栏）。",
        ),
    ] = "",
    doc_code: Annotated[
        str,
        typer.Option(
            "--doc-code",
            help="备案报告发文字号的机关代字（如 曲卫职评）；默认组建单位名称前两字加“职评”。编号按评委会和年度自动递增。",
        ),
    ] = "",
    objections: Annotated[
        str,
        typer.Option(
            "--objections", help="会后备案：公示期间收到的异议及处理情况（如 公示期间未收到异议）。"
        ),
    ] = "",
    photos: Annotated[
        Path | None,
        typer.Option(
            "--photos",
            help="会后备案：通过人员证件照所在文件夹（按身份证号码或姓名匹配）。",
            show_default=False,
        ),
    ] = None,
    signed_dir: Annotated[
        Path | None,
        typer.Option(
            "--signed",
            help="会后备案：评审会议当天签字原件（签到表、评议表、计票表）扫描件所在文件夹（PDF 或图片）；没有则为草稿。",
            show_default=False,
        ),
    ] = None,
    contact: Annotated[
        str, typer.Option("--contact", help="联系人（备案报告落款；默认为评委会设置的联系人）。")
    ] = "",
    contact_phone: Annotated[
        str,
        typer.Option(
            "--contact-phone", help="办事机构联系电话（备案报告和公示中受理异议的电话）。"
        ),
    ] = "",
    address: Annotated[str, typer.Option("--address", help="公示中受理异议的地址。")] = "",
    method: Annotated[
        list[str] | None,
        typer.Option(
            "--method",
            help="会前备案：拟采用的评审方式（可重复）：审阅材料、个人述职、面试答辩、实践操作、业绩展示。默认 审阅材料。会后备案写 qjtitle meeting methods 记录的实际方式。",
        ),
    ] = None,
    counter: Annotated[str, typer.Option("--counter", help="计票人姓名（签字确认表）。")] = "",
    scrutineer: Annotated[
        str, typer.Option("--scrutineer", help="监票人姓名（签字确认表）。")
    ] = "",
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="同名材料文件夹已存在时用新生成的替换。")
    ] = False,
    today: Annotated[
        datetime | None,
        typer.Option(
            "--date",
            formats=["%Y-%m-%d"],
            help="材料落款和核对时间节点的日期；默认今天。",
            show_default=False,
        ),
    ] = None,
    templates: TemplatesOpt = None,
    calendar: CalendarOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """生成会前备案（--stage pre）或会后备案（--stage post）的全套材料：Word 文书、Excel 名册、清单和 SHA-256。

    会前：会前备案报告、资格审查结果、会前公示、评审方案、申报信息表（附件2）、专家抽取记录表。

    会后：会后备案报告、结果公示、参会评委抽取名册、签到表、每人一份专家评议表、评审结果签字确认表、评审通过人员名册（Word 和 Excel）、通过人员证件照。

    时间节点有错误、仍有待补正的申报人、会议未封存、评议或表决缺失时拒绝生成并逐条列出原因；加 --force 则每页标“草稿”。
    会后备案材料不全（缺证件照、未说明公示情况）时生成草稿并列出原因；确需正式报送的，加 --final --reason 说明原因。
    正式材料生成后自动登记时间节点“会前备案”或“会后备案”。

    示例：qjtitle export-filing 1 --stage pre --out 备案材料 --zip --contact 李老师 --contact-phone 0874-3123456
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qjtitle.cli._findings import say
    from qjtitle.filing.export import export_filing as run_export
    from qjtitle.filing.gather import FilingOptions
    from qjtitle.logic.workdays import WorkCalendar
    from qjtitle.store import open_store

    if method and stage is Stage.post:
        warn(
            f"会后备案写会议记录的实际评审方式（qjtitle meeting methods {meeting} …），"
            "--method 只用于会前备案，本次未使用"
        )
    store = open_store(db)
    options = FilingOptions(
        contact=contact,
        contact_phone=contact_phone,
        address=address,
        methods=tuple(method or ("审阅材料",)),
        counter=counter,
        scrutineer=scrutineer,
        final_reason=final_reason,
        publicity_where=publicity_where,
        objections=objections,
        doc_code=doc_code,
    )
    with Progress(
        TextColumn("[bold]生成[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console(),
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("", total=None)
        result = run_export(
            store,
            meeting,
            stage.value,
            out,
            options=options,
            force=force,
            make_zip=make_zip,
            pdf=pdf,
            photos_dir=photos,
            signed_dir=signed_dir,
            templates=templates,
            overwrite=overwrite,
            today=today.date() if today else None,
            calendar=WorkCalendar.load(calendar, store.directory),
            final=final,
            progress=lambda done, total, what: progress.update(
                task, completed=done, total=total, description=what
            ),
        )
    if as_json:
        print_json(result.as_dict())
        return
    stage_name = "会前备案" if stage is Stage.pre else "会后备案"
    label = "（草稿：检查未通过，每页已标“草稿”，不得作为正式备案材料）" if result.draft else ""
    table(
        f"{stage_name}材料{label}",
        ["文件", "名称", "公开", "大小（字节）"],
        _summarise(result.files),
    )
    for why in result.findings:
        warn(f"草稿原因：{say(why)}")
    for message in result.warnings:
        warn(message)
    console().print(f"已生成：{result.folder}")
    if result.zip:
        console().print(f"压缩包：{result.zip}")
    console().print("清单（含每个文件的 SHA-256）：清单.xlsx、manifest.json")


def _summarise(entries: list[Entry]) -> list[list[object]]:
    """Rows for the table: files inside a sub-folder (review forms, photos, their PDFs) as one row per folder and kind."""
    rows: list[list[object]] = []
    groups: dict[tuple[str, str], list[object]] = {}  # (folder, suffix) → its row
    totals: dict[tuple[str, str], list[int]] = {}  # (folder, suffix) → [bytes, files]
    for e in entries:
        public = "公开" if e.public else "内部"
        if "/" not in e.file:
            rows.append([e.file, e.title, public, e.size])
            continue
        key = (e.file.split("/")[0], Path(e.file).suffix)
        if key not in groups:
            groups[key] = [f"{key[0]}/*{key[1]}", e.title.split("：")[0], public, 0]
            totals[key] = [0, 0]
            rows.append(groups[key])
        totals[key][0] += e.size
        totals[key][1] += 1
    for key, row in groups.items():
        row[1], row[3] = f"{row[1]}（{totals[key][1]} 份）", totals[key][0]
    return rows


@app.command("list")
def templates_list(
    templates: TemplatesOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """列出全部文书模板，以及实际使用的是自带的还是自定义的。

    示例：qjtitle templates list --templates 我的模板
    """
    from qjtitle.documents.catalogue import list_templates
    from qjtitle.documents.folders import user_templates_dir
    from qjtitle.store import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(db))
    items = list_templates(user_templates_dir(templates, path.parent if path else None))
    if as_json:
        print_json([i.as_dict() for i in items])
        return
    table(
        "文书模板",
        ["文件名", "名称", "来源", "使用的文件"],
        [[i.name, i.title, i.source, str(i.path)] for i in items],
        caption="自定义模板：用 qjtitle templates copy 文件夹 复制出来，在 Word 中修改，生成时加 --templates 文件夹",
    )


@app.command("copy")
def templates_copy(
    dest: Annotated[
        Path,
        typer.Argument(help="复制到的文件夹（放在数据库文件旁并命名为 templates 时自动使用）。"),
    ],
    name: Annotated[
        list[str] | None,
        typer.Argument(
            help="只复制这些模板（文件名，可省略 .docx）；默认全部。", show_default=False
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="覆盖文件夹中已有的同名模板。")
    ] = False,
) -> None:
    """把自带的文书模板复制出来，供在 Word 中修改（标记 {{ }}、{% %} 须保留）。

    示例：qjtitle templates copy 我的模板 review_form pre_publicity
    """
    from qjtitle.documents.catalogue import copy_templates

    written = copy_templates(dest, name or None, overwrite)
    for path in written:
        console().print(f"已复制：{path}")
    console().print(
        f"修改后检查：qjtitle templates check --templates {dest}；生成材料时加 --templates {dest}"
    )


@app.command("check")
def templates_check(
    name: Annotated[
        list[str] | None,
        typer.Argument(
            help="模板名或 .docx 文件路径（文件名须与要替换的模板相同）；默认全部。",
            show_default=False,
        ),
    ] = None,
    templates: TemplatesOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """用样例数据检查模板：语法错误（指出第几行）、未知变量、不安全的标记、试生成能否打开。有错误时退出码为 1。

    数据库旁 templates 文件夹中的模板须经此检查通过才会使用；检查后又改动的须重新检查。

    示例：qjtitle templates check 我的模板/review_form.docx
    """
    from qjtitle.filing.samples import check_templates
    from qjtitle.store import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(db))
    with console().status("正在用样例数据试生成…"):
        checks = check_templates(name or None, templates, path.parent if path else None)
    if as_json:
        print_json([c.as_dict() for c in checks])
    else:
        table(
            "模板检查",
            ["模板", "来源", "结果", "文件"],
            [
                [
                    c.name,
                    c.source,
                    "通过" if c.ok else styled(f"[red]{len(c.errors)} 个错误[/]"),
                    str(c.path),
                ]
                for c in checks
            ],
        )
        for c in checks:
            for message in c.errors:
                err_console().print(f"[red]错误：[/]{message}", soft_wrap=True)
    if any(not c.ok for c in checks):
        raise typer.Exit(1)
