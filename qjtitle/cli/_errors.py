"""The one table from errors to what the secretary sees: a red Chinese line on stderr and an exit
code. Every command runs inside :func:`reported` (the root group wraps each invocation, see
``qjtitle.cli._lazy.LazyGroup.invoke``), so no command maps errors itself."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import typer

from qjtitle.cli._console import err_console
from qjtitle.errors import QjtitleError

UNDONE = "（本次操作未提交的改动均已撤销）"


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


def _library_error(exc: BaseException, options: Mapping[str, str]) -> str:
    from qjtitle.cli._findings import say

    assert isinstance(exc, QjtitleError)
    return "\n".join(say(f, options) for f in (exc.finding, *exc.also))


def _os_error(exc: BaseException, options: Mapping[str, str]) -> str:
    assert isinstance(exc, OSError)
    return os_error_text(exc) + UNDONE


def _validation_error(exc: BaseException, options: Mapping[str, str]) -> str:
    """pydantic's ValidationError (a model built from a value the library did not check first):
    each wrong value with the values accepted, in Chinese."""
    parts = []
    for error in getattr(exc, "errors", list)():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "__root__")
        option = options.get(where, where)
        value = error.get("input")
        expected = (error.get("ctx") or {}).get("expected")
        if expected:
            accepted = expected.replace("'", "").replace(" or ", "、").replace(", ", "、")
            parts.append(f"{option}：“{value}”不是可选的值；只能是 {accepted} 之一")
        else:
            parts.append(f"{option}：“{value}”不是有效的值")
    return "；".join(parts) or "输入的值无效"


# Each kind of error, most specific first: where its class lives (looked up only when that
# module is loaded, so the table costs no import), how it is worded, and the exit code.
ERRORS: list[tuple[str, Callable[[BaseException, Mapping[str, str]], str], int]] = [
    ("qjtitle.errors:QjtitleError", _library_error, 1),
    ("pydantic:ValidationError", _validation_error, 1),
    ("builtins:OSError", _os_error, 1),
]


def message_for(
    exc: BaseException, options: Mapping[str, str] | None = None
) -> tuple[str, int] | None:
    """The line and the exit code for ``exc``, or None for an error not in the table. ``options``:
    the running command's parameter names and their options, for a finding's fix to name."""
    for where, word, code in ERRORS:
        module, _, name = where.partition(":")
        kind = getattr(sys.modules.get(module), name, None)
        if isinstance(kind, type) and isinstance(exc, kind):
            return word(exc, options or {}), code
    return None


def show(text: str) -> None:
    from rich.markup import escape

    from qjtitle.privacy import mask_text

    # one logical line (copied whole into a message to a colleague); "[...]" in it is text, not
    # markup; an ID or mobile number in it (a name typed with one) is masked, as on every screen
    err_console().print(f"[red]错误：[/]{escape(mask_text(text))}", soft_wrap=True)


@contextmanager
def reported(options: Callable[[], Mapping[str, str]] | None = None) -> Iterator[None]:
    """Run a command: an error of the table is shown and becomes its exit code. ``options`` gives
    the running command's options by parameter name (asked only when an error names a field)."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        found = message_for(exc, options() if options is not None else None)
        if found is None:
            raise
        show(found[0])
        raise typer.Exit(found[1]) from None


def unexpected(exc: BaseException) -> int:
    """The last resort in ``main()``: one Chinese line naming only the kind of error."""
    found = message_for(exc)
    if found is not None:
        show(found[0])
        return found[1]
    err_console().print(  # the exception's own text is the library's English: only its kind is named
        f"[red]意外错误[/]（{type(exc).__name__}）：设置环境变量 QJTITLE_DEBUG=1 重新运行可看到详细信息；"
        "本次操作未提交的改动均已撤销。"
    )
    return 1
