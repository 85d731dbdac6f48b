"""qjtitle audit list|verify|export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qjtitle.cli._console import console, err_console, print_json, table
from qjtitle.cli._options import DbOpt, JsonOpt, writes

if TYPE_CHECKING:
    from qjtitle.store.audit_list import ListedEvent

app = typer.Typer(
    help="审计日志：每一次改动的记录（哈希链，只能追加）：列表、核验、导出。", no_args_is_help=True
)

DayOpt = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], show_default=False)]


@app.command("list")
def audit_list(
    since: Annotated[
        datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="从这一天起（含），如 2023-11-01。"),
    ] = None,
    until: Annotated[
        datetime | None, typer.Option("--until", formats=["%Y-%m-%d"], help="到这一天止（含）。")
    ] = None,
    command: Annotated[
        str | None, typer.Option("--command", help="只列命令中含有这些字的事件，如 draw。")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="只列此操作人的事件。")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="只列最近的 N 条。")] = None,
    show_pii: Annotated[
        bool, typer.Option("--show-pii", help="显示完整的身份证号码和电话（默认打码）。")
    ] = False,
    full: Annotated[bool, typer.Option("--full", help="每条事件另列全部内容（含哈希）。")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出审计日志：时间、操作人、命令和所做的事（身份证号码和电话默认打码）。

    示例：qjtitle audit list --since 2023-11-01 --command draw
    """
    from qjtitle.store import read_store
    from qjtitle.store.audit_list import read_events

    events = read_store(
        db,
        lambda reader: read_events(
            reader,
            since.date() if since else None,
            until.date() if until else None,
            command,
            user,
            limit,
            show_pii,
        ),
    )
    if as_json:
        print_json([e.as_dict() for e in events], show_pii=show_pii)
        return

    def who(e: ListedEvent) -> str:
        return (
            e.user if not e.os_user or e.os_user == e.user else f"{e.user}（系统账户 {e.os_user}）"
        )

    from qjtitle.cli._audit_words import sentence

    table(
        "审计日志",
        ["编号", "时间", "操作人", "命令", "所做的事"],
        [
            [
                e.id,
                e.local_time,
                who(e),
                e.command,
                sentence(e.action, e.detail, full),
            ]
            for e in events
        ],
        caption=f"共 {len(events)} 条" if events else "没有符合条件的事件",
    )


@app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor", help="先前记下的某一事件的哈希（如印在备案材料上的），核对它仍在日志中。"
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """逐条核验审计日志的哈希链，并按封存时的摘要核对已封存会议的记录：发现改动时指出是哪一条，退出码为 1。

    示例：qjtitle audit verify --anchor 6501d21ef2941058e2216ad689caa8062682994dc4252e6946a2363c51d6a42a
    """
    from qjtitle.store import audit, open_store

    result = audit.verify_store(open_store(db), anchor)
    if as_json:
        print_json([result.as_dict()])
    elif result.ok:
        console().print(f"审计日志完整：共 {result.count} 条事件，哈希链无断裂。")
        if result.head_id is not None:
            console().print(
                f"最新一条是第{result.head_id}号，哈希 {result.head_hash}（可记下或印在备案材料上，日后用 --anchor 核对）"
            )
        if result.anchor_id is not None:
            console().print(
                f"所给的哈希是第{result.anchor_id}号事件的，仍在日志中（其后又记录了 {result.anchor_events_after} 条事件）。"
            )
    elif result.kind == audit.SEALED_CHANGED:
        found = result.sealed_problems
        err_console().print(
            f"[red]已封存的会议记录被改动（或有记录绕过本程序写入）：[/]哈希链完整，但发现 {len(found)} 处不符：",
            soft_wrap=True,
        )
        for n, problem in enumerate(found, start=1):
            err_console().print(f"{n}. {problem}", soft_wrap=True, markup=False)
    else:
        err_console().print(f"[red]审计日志已被篡改：[/]{result.message}", soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)


@app.command("export")
@writes
def audit_export(
    file: Annotated[
        Path,
        typer.Argument(
            help="导出文件：.jsonl（每行一条，可独立复核哈希）或 .xlsx（便于阅读）。",
            dir_okay=False,
        ),
    ],
    force: Annotated[bool, typer.Option("--force", help="文件已存在时覆盖。")] = False,
    db: DbOpt = None,
) -> None:
    """导出全部审计日志（文件仅本人可读）；导出本身也记入日志。

    示例：qjtitle audit export 审计日志-2023.jsonl
    """
    from qjtitle.store import audit, open_store

    info = audit.export_events(open_store(db), file, force=force)
    console().print(f"已导出 {info.events} 条事件到 {info.file}（SHA-256 {info.sha256[:16]}…）")
    if not info.chain_ok:
        err_console().print(f"[yellow]注意：[/]导出时核验发现日志不完整：{info.chain_message}")
