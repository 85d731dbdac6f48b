"""Lazily made Rich consoles, so that importing the CLI stays cheap."""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@cache
def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


@cache
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Machine-readable output: UTF-8 JSON, Chinese kept as is, dates as ISO strings.

    Redirected to a file or a pipe it is always UTF-8 bytes (a Windows console codepage would
    otherwise mangle it); on a console it is written as text, which the console can show."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    stream = sys.stdout
    to_file = not (hasattr(stream, "isatty") and stream.isatty())
    if (
        to_file
        and hasattr(stream, "buffer")
        and (stream.encoding or "").lower().replace("-", "") != "utf8"
    ):
        stream.buffer.write((text + "\n").encode("utf-8"))
        stream.flush()
    else:
        stream.write(text + "\n")


def warn(message: str) -> None:
    err_console().print(f"[yellow]注意：[/]{message}")


def table(
    title: str | None, columns: list[str], rows: list[list[Any]], caption: str | None = None
) -> None:
    """Print a Rich table of plain values."""
    from rich.table import Table

    t = Table(title=title, caption=caption, show_lines=False)
    for name in columns:
        t.add_column(name, overflow="fold")
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    console().print(t)


def moment(value: Any) -> str:
    """A stored moment (ISO text or datetime, often UTC) as people read it: local time to the minute,
    2026年11月30日 18:59."""
    from datetime import datetime

    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if when.tzinfo is not None:
        when = when.astimezone()
    return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}"
