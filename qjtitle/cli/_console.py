"""Lazily made Rich consoles, so that importing the CLI stays cheap."""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


def _safe_console(**options: Any) -> Console:
    """A console that never writes a control or escape character from the data raw (issue 23.5):
    an escape sequence in a name could hide text or make a link in the terminal."""
    from rich.console import Console

    from qjtitle.privacy import without_controls

    class SafeConsole(Console):
        def print(self, *objects: Any, **kwargs: Any) -> None:
            super().print(
                *(
                    without_controls(o, keep_lines=True) if isinstance(o, str) else o
                    for o in objects
                ),
                **kwargs,
            )

    return SafeConsole(**options)


@cache
def console() -> Console:
    return _safe_console(highlight=False)


@cache
def err_console() -> Console:
    return _safe_console(stderr=True, highlight=False)


def print_json(data: Any, show_pii: bool = False) -> None:
    """Machine-readable output: UTF-8 JSON, Chinese kept as is, dates as ISO strings.

    ID and phone numbers in any text are masked unless ``show_pii`` (the command's --show-pii),
    as in every other output (privacy.mask_json: seeds, hashes and digests are kept as they are);
    control and escape characters are written as \\uXXXX, never raw.

    Redirected to a file or a pipe it is always UTF-8 bytes (a Windows console codepage would
    otherwise mangle it); on a console it is written as text, which the console can show."""
    from qjtitle.privacy import json_safe, mask_json

    data = json.loads(json.dumps(data, ensure_ascii=False, default=str))  # dates as ISO text
    if not show_pii:
        data = mask_json(data)
    text = json_safe(json.dumps(data, ensure_ascii=False, indent=2))
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


class Styled(str):
    """Text that is Rich markup by intent (the colour of a status word). Every other value a table
    shows is plain text: a file name or a unit such as “[2023]一院” is printed as it is, never read
    as markup (which could colour it, or fail on a stray “[/x]”)."""


def styled(markup: str) -> Styled:
    """Mark ``markup`` (written by us, with any data in it escaped) as Rich markup for :func:`table`."""
    return Styled(markup)


def _cell(value: Any) -> Text:
    from rich.text import Text

    from qjtitle.privacy import without_controls

    if isinstance(value, Styled):
        return Text.from_markup(value)
    return Text("" if value is None else without_controls(str(value), keep_lines=True))


def table(
    title: str | None, columns: list[str], rows: list[list[Any]], caption: str | None = None
) -> None:
    """Print a Rich table. Values, title and caption are plain text unless made with :func:`styled`."""
    from rich.table import Table

    t = Table(
        title=None if title is None else _cell(title),
        caption=None if caption is None else _cell(caption),
        show_lines=False,
    )
    for name in columns:
        t.add_column(name, overflow="fold")
    for row in rows:
        t.add_row(*[_cell(v) for v in row])
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
