"""Lazily made Rich consoles, so that importing the CLI stays cheap."""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

# Control and escape characters in data (a file name, a cell) are never written raw: an ESC sequence
# could hide text, make a hyperlink or move the cursor, a carriage return overwrite a line, a bidi
# override reverse it. Each is shown as one visible character (ESC as ␛, the C0 controls as their
# Control Pictures), so Rich's styles over the text stay where they were.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CELL_BREAKS = re.compile("[\n\t]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (␛ for ESC)
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str, line_breaks: bool = True) -> str:
    """``text`` with its control and escape characters made visible; ``line_breaks`` False: a line
    break shown as ↵ and a tab as a space too (a table cell stays on its row)."""
    text = _CONTROL.sub(_picture, text)
    if not line_breaks:
        text = _CELL_BREAKS.sub(lambda m: "\u21b5" if m.group() == "\n" else " ", text)
    return text


def _new_console(stderr: bool) -> Console:
    from rich.console import Console, RenderHook
    from rich.text import Text

    class Visible(RenderHook):
        """Every text printed, markup included, with its control characters made visible."""

        def process_renderables(self, renderables: list[Any]) -> list[Any]:
            for item in renderables:
                if isinstance(item, Text) and _CONTROL.search(item.plain):
                    item.plain = visible(item.plain)  # one character for one: styles stay put
            return renderables

    made = Console(stderr=stderr, highlight=False)
    made.push_render_hook(Visible())
    return made


@cache
def console() -> Console:
    return _new_console(stderr=False)


@cache
def err_console() -> Console:
    return _new_console(stderr=True)


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

    if isinstance(value, Styled):
        return Text.from_markup(visible(value, line_breaks=False))
    return Text("" if value is None else visible(str(value), line_breaks=False))


def table(
    title: str | None, columns: list[str], rows: list[list[Any]], caption: str | None = None
) -> None:
    """Print a Rich table. Values, title and caption are plain text unless made with :func:`styled`."""
    plain = caption is None and not any(isinstance(v, Styled) for row in rows for v in row)
    if plain and _plain_table(title, columns, rows):
        return
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


def _plain_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> bool:
    """Print the table of :func:`table` exactly as Rich prints it, when every value is plain text
    and the table fits the console at its natural width; False, printing nothing, otherwise.

    Rich lays out, measures and wraps every cell, which for a few hundred rows costs more than
    the rest of a listing command. Rich still draws the title and the header (with their styles),
    as a table of the same column widths without rows; the body rows, which carry no style, are
    written as the same characters directly (tests/test_startup.py compares the two)."""
    from rich.cells import cell_len
    from rich.segment import Segment, Segments
    from rich.table import Table

    out = console()
    if out.legacy_windows or out.options.ascii_only:
        return False  # Rich substitutes the box characters there
    body = [["" if v is None else visible(str(v), line_breaks=False) for v in row] for row in rows]
    widths = [cell_len(name) for name in columns]
    for row in body:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], cell_len(text))
    if sum(widths) + 3 * len(widths) + 1 > out.width:
        return False  # Rich would fold the cells
    head = Table(title=None if title is None else _cell(title), show_lines=False)
    for name, width in zip(columns, widths, strict=True):
        head.add_column(name, overflow="fold", width=width)
    lines = out.render_lines(head, out.options, pad=False)
    box = head.box
    if box is None or not lines:
        return False
    edge, between, end = box.mid_left, box.mid_vertical, box.mid_right
    segments: list[Segment] = []
    for line in lines[:-1]:  # the title, the top border, the header and the line under it
        segments.extend(line)
        segments.append(Segment.line())
    for row in body:
        cells = (f" {t}{' ' * (w - cell_len(t))} " for t, w in zip(row, widths, strict=True))
        segments.append(Segment(f"{edge}{between.join(cells)}{end}"))
        segments.append(Segment.line())
    segments.extend(lines[-1])  # the bottom border
    segments.append(Segment.line())
    out.print(Segments(segments))
    return True


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
