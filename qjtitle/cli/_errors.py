"""The bridge from library errors to the user: a red Chinese line on stderr and exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from qjtitle.cli._console import err_console
from qjtitle.errors import QjtitleError


def os_error_text(exc: OSError) -> str:
    """An operating-system error as a cause and a fix, without its English text ("[Errno 2] …")."""
    import errno

    where = exc.filename if exc.filename is not None else ""
    if isinstance(exc, FileNotFoundError):
        return f"找不到 {where}；请核对路径和文件名"
    if isinstance(exc, PermissionError):
        return (
            f"没有权限读写 {where}；文件可能正在 Word、WPS 或 Excel 中打开，或所在文件夹不允许写入"
        )
    if isinstance(exc, IsADirectoryError):
        return f"{where} 是文件夹；这里要一个文件"
    if isinstance(exc, NotADirectoryError):
        return f"{where} 不是文件夹；这里要一个文件夹"
    if exc.errno == errno.ENOSPC:
        return "磁盘已满；请清理磁盘空间后重试"
    if exc.errno == errno.ENAMETOOLONG:
        return f"文件名或路径太长：{where}；请换一个短一些的文件夹或文件名"
    return f"读写文件 {where} 时出错（系统错误 {exc.errno}）；请检查磁盘和权限后重试"


@contextmanager
def friendly_errors() -> Iterator[None]:
    try:
        yield
    except QjtitleError as exc:
        from rich.markup import escape

        from qjtitle.privacy import mask_text

        # one logical line (copied whole into a message to a colleague); "[...]" in it is text, not
        # markup; an ID or mobile number in it (a name typed with one) is masked, as on every screen
        err_console().print(f"[red]错误：[/]{escape(mask_text(str(exc)))}", soft_wrap=True)
        raise typer.Exit(1) from None
    except (
        OSError
    ) as exc:  # a file the library opened itself: the cause in Chinese, not "[Errno 13] …"
        err_console().print(
            f"[red]错误：[/]{os_error_text(exc)}（本次操作未提交的改动均已撤销）", soft_wrap=True
        )
        raise typer.Exit(1) from None
