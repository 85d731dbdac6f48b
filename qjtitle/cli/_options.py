"""Options shared by many commands, declared once (the pattern of the hf CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="QJTITLE_DB",
        help="数据库：文件路径或 SQLAlchemy 地址（如 postgresql+psycopg://…）。默认 ./qjtitle.db。",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出（UTF-8，对象数组），便于脚本再利用。")]
CommitteeOpt = Annotated[str, typer.Option("--committee", "-c", help="评委会代码（committee add 时指定）。")]
YearOpt = Annotated[int, typer.Option("--year", "-y", help="评审年度，如 2023。")]
CalendarOpt = Annotated[
    Path | None,
    typer.Option(
        "--calendar",
        help="工作日历补充文件（TOML）；默认使用数据库文件旁的 qjtitle.calendar.toml（如有）。",
        show_default=False,
    ),
]
