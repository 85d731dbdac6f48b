"""qjtitle db status|upgrade|backup|restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qjtitle.cli._console import console, print_json, table
from qjtitle.cli._options import DbOpt, JsonOpt, creates, writes

app = typer.Typer(
    help="数据库：版本与升级、备份与恢复。\n\n"
    "每条命令都可用 --db（或环境变量 QJTITLE_DB）另用一个数据库：写文件路径，"
    "或全市共用的 PostgreSQL 数据库地址，如 postgresql+psycopg://用户@服务器/数据库。",
    no_args_is_help=True,
)

ForceOpt = Annotated[
    bool, typer.Option("--force", help="目标文件已存在时覆盖（恢复前会先备份现有数据库）。")
]


@app.command("status")
def db_status(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """显示数据库的当前版本、最新版本和待执行的升级（不做任何改动）。

    示例：qjtitle db status
    """
    from qjtitle.store import open_store, schema

    info = schema.status(open_store(db, upgrade=False))
    if as_json:
        print_json([info.as_dict()])
        return
    current: str | None
    if info.new:
        current = "（新数据库，尚未建表）"
    elif info.legacy:
        current = f"旧版迁移 m001_initial（相当于 {schema.BASELINE}，升级时将先标记）"
    else:
        current = info.current
    table(
        None,
        ["项目", "内容"],
        [
            ["数据库", info.store],
            ["类型", info.backend],
            ["当前版本", current],
            ["最新版本", info.head],
        ],
    )
    if info.pending:
        table(
            "待执行的升级",
            ["版本", "内容"],
            [[p.revision, p.description] for p in info.pending],
        )
        console().print(
            "运行 [bold]qjtitle db upgrade[/] 升级（SQLite 数据库会先自动备份）；任何命令打开数据库时也会自动升级。"
        )
    else:
        console().print("数据库已是最新版本。")


@app.command("upgrade")
@creates
def db_upgrade(db: DbOpt = None) -> None:
    """把数据库升级到最新版本：每个版本在一个事务中完成，失败则该版本完全回滚；SQLite 数据库先自动备份。

    示例：qjtitle db upgrade --db 曲靖职称.db
    """
    from qjtitle.store import open_store, schema

    store = open_store(db, upgrade=False)
    result = schema.upgrade(store)
    if result.backup:
        console().print(f"升级前已备份到 {result.backup}")
    if result.stamped_legacy:
        console().print(f"旧版迁移建立的数据库已标记为版本 {schema.BASELINE}（表结构相同，未重建）")
    if result.applied:
        console().print(f"已升级：{' → '.join([result.before or '空数据库', *result.applied])}")
    else:
        console().print(f"数据库已是最新版本（{result.after}），无须升级。")


@app.command("backup")
def db_backup(
    file: Annotated[
        Path, typer.Argument(help="备份文件路径，如 备份/qjtitle-20231120.db。", dir_okay=False)
    ],
    force: ForceOpt = False,
    db: DbOpt = None,
) -> None:
    """备份数据库（SQLite 在线备份，使用中也可备份；备份文件仅本人可读）。PostgreSQL 请用 pg_dump。

    示例：qjtitle db backup 备份/qjtitle-20231120.db
    """
    from qjtitle.store import backup, open_store

    store = open_store(db)
    file.parent.mkdir(parents=True, exist_ok=True)  # 备份/ made as --out would make it
    info = backup.backup(store, file, force=force)
    console().print(
        f"已备份到 {info.file}（{info.size:,} 字节，完整性检查通过，SHA-256 {info.sha256[:16]}…）"
    )


@app.command("restore")
@creates
def db_restore(
    file: Annotated[
        Path, typer.Argument(help="qjtitle db backup 生成的备份文件。", exists=True, dir_okay=False)
    ],
    force: ForceOpt = False,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="审计日志不完整的备份仍要恢复时，说明原因（须同时加 --force，记入审计日志）。",
        ),
    ] = "",
    db: DbOpt = None,
) -> None:
    """用备份文件恢复数据库；数据库已有数据时须加 --force，且恢复前先把现有数据库另存一份。

    恢复前先检查备份（完整性、表结构、审计日志哈希链），未通过时不改动现有数据库；恢复期间其他 qjtitle 的写入会等待，不会丢失。

    示例：qjtitle db restore 备份/qjtitle-20231120.db --force
    """
    from qjtitle.paths import make_private_dir, user_store_path
    from qjtitle.store import resolve_url, restore, sqlite_path

    if sqlite_path(resolve_url(db)) == user_store_path():  # the first restore on a new computer
        make_private_dir(user_store_path().parent)
    info = restore.restore(db, file, force=force, reason=reason)
    if info.saved:
        console().print(f"原数据库已另存为 {info.saved}")
    chain = "哈希链完整" if info.chain_ok else "哈希链不完整，已按 --reason 强制恢复并记入审计日志"
    console().print(f"已从 {file} 恢复到 {info.store}（审计日志 {info.events} 条，{chain}）")


@app.command("adopt")
@writes
def db_adopt(
    file: Annotated[
        Path,
        typer.Argument(
            help="要移到默认位置的数据库文件，默认是当前文件夹的 qjtitle.db。", show_default=False
        ),
    ] = Path("qjtitle.db"),
    force: Annotated[
        bool, typer.Option("--force", help="默认位置已有数据库时，把它改名保留后替换。")
    ] = False,
) -> None:
    """把一个数据库文件（如以前放在工作文件夹里的 qjtitle.db）移到默认位置，以后在任何文件夹都能找到它。

    示例：qjtitle db adopt
    """
    from qjtitle.store import adopt_store

    info = adopt_store(file, force=force)
    if info.saved:
        console().print(f"默认位置原有的数据库已改名保留为 {info.saved}")
    console().print(f"已把 {info.source} 移到 {info.target}；以后不加 --db 就使用它。")
    if info.calendar:
        console().print(f"工作日历补充文件也已移到 {info.calendar}")
