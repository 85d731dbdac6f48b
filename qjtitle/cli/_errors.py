"""The bridge from library errors to the user: a red Chinese line on stderr and exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from qjtitle.cli._console import err_console
from qjtitle.errors import QjtitleError


@contextmanager
def friendly_errors() -> Iterator[None]:
    try:
        yield
    except QjtitleError as exc:
        err_console().print(f"[red]错误：[/]{exc}", soft_wrap=True)
        raise typer.Exit(1) from None
