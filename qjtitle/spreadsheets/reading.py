"""A file opened into sheets of raw cells: workbooks by calamine (bounded first), CSV decoded.

python-calamine reads ``.xlsx``, ``.xlsm``, ``.xls`` and ``.ods`` several times faster than
openpyxl; a CSV is read in UTF-8 (with or without BOM), GBK (WPS, old Excel) or UTF-16 with its BOM."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qjtitle.errors import WorkbookError
from qjtitle.spreadsheets.bounds import (
    MAX_CSV_BYTES,
    MAX_DATA_ROWS,
    check_ods_sizes,
    check_sheet_sizes,
    check_xls_sizes,
    too_many_rows,
)

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv"}
READABLE_SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES


def read_sheets(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet of the file at ``path`` (a CSV is one, named after the file) as rows of raw cells.

    Raises WorkbookError (naming the file and what to do) when it is missing, of another kind, too
    large, or cannot be read."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise WorkbookError(
            f"找不到文件 {path}；请核对路径和文件名（可以把文件拖进终端窗口，自动填上完整路径）"
        )
    if suffix in CSV_SUFFIXES:
        return [(path.stem, read_csv(path))]
    if suffix in WORKBOOK_SUFFIXES:
        return read_workbook(path)
    if suffix in {".et", ".ett"}:
        raise WorkbookError(
            f"{path.name}：WPS 表格格式（{suffix}）无法直接读取；请在 WPS 中“另存为” .xlsx 后重新导入"
        )
    raise WorkbookError(f"{path.name}：不是表格文件（支持 .xlsx、.xls、.xlsm、.ods、.csv）")


def _is_panic(exc: BaseException) -> bool:
    """pyo3's PanicException (a panic inside calamine) derives from BaseException, not Exception."""
    return type(exc).__name__ == "PanicException"


@contextmanager
def _rust_stderr_hidden() -> Iterator[None]:
    """A panic inside calamine prints a Rust backtrace on the process's stderr (file descriptor 2) before
    Python sees it; the user gets a Chinese message instead, so fd 2 goes to a scratch file meanwhile."""
    import os
    import sys
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (
        OSError,
        ValueError,
        AttributeError,
    ):  # no real stderr (a GUI host, a test runner): leave it
        yield
        return
    try:
        with tempfile.TemporaryFile() as scratch:
            os.dup2(scratch.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


# The bounds come first. A plain .xlsx (sheets where Excel, WPS and openpyxl put them, every part in
# the usual form: bounds.check_sheet_sizes) is then read here, its allocations bounded exactly (a panic
# inside calamine is a Python exception). Anything else (.xls, .ods, an .xlsx in odd forms) is read in a
# child process, where a Rust allocation that fails, or a panic pyo3 cannot catch, aborts only the child
# and the user gets a Chinese refusal naming the file. On POSIX the child is forked with its address
# space limited to what it has plus READ_MEMORY; on Windows it is a plain process.
READ_MEMORY = 1536 * 1024 * 1024
_TOO_BIG_TO_READ = "请用 Excel 或 WPS 打开，删除多余的工作表和行列后“另存为” .xlsx 再导入"


def _check_bounds(path: Path) -> bool:
    """Refuse what the bounds refuse; True when calamine may read the file in this process."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return check_sheet_sizes(path)
    if suffix == ".ods":
        check_ods_sizes(path)
    elif suffix == ".xls":
        check_xls_sizes(path)
    return False


def read_workbook(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet of a workbook, bounded, read by calamine (here when the file is plain, else in a
    child process)."""
    import multiprocessing

    import python_calamine  # noqa: F401 - imported before the fork, once for every file

    if _check_bounds(path):
        return _read_workbook_here(path)
    forking = "fork" in multiprocessing.get_all_start_methods()
    context: Any = multiprocessing.get_context("fork" if forking else "spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_read_in_child, args=(str(path), send), daemon=True)
    child.start()
    send.close()
    try:
        try:
            data = receive.recv_bytes()
        except (EOFError, OSError):
            data = b""
        child.join()
    except BaseException:
        child.kill()
        child.join()
        raise
    finally:
        receive.close()
    return _unpack(path, data, child.exitcode)


def _unpack(path: Path, data: bytes, exitcode: int | None) -> list[tuple[str, list[list[Any]]]]:
    import marshal
    import pickle

    kind, body = data[:1], data[1:]
    if kind == b"M":
        return marshal.loads(body)  # type: ignore[no-any-return]
    if kind == b"P":
        return pickle.loads(body)  # type: ignore[no-any-return]
    if kind == b"E":
        raise WorkbookError(body.decode("utf-8"))
    if kind == b"N":
        raise WorkbookError(f"{path.name}：文件展开后过大，读取时内存不足；{_TOO_BIG_TO_READ}")
    raise WorkbookError(
        f"{path.name}：文件无法读取（读取程序异常退出，代码 {exitcode}，多半是文件已损坏或展开后过大）；"
        f"{_TOO_BIG_TO_READ}"
    )


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # Windows: a plain child process
        return
    try:
        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return  # no /proc (macOS does not enforce RLIMIT_AS anyway)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + READ_MEMORY
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return


def _read_in_child(path: str, send: Any) -> None:
    """The child: read the workbook and send it (b"M" marshal, b"P" pickle: datetimes), or b"E" and the
    Chinese message, or b"N" when memory ran out."""
    import marshal
    import os
    import pickle

    _limit_memory()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # a Rust panic or abort message is not the user's to read
        os.close(devnull)
    except OSError:
        pass
    try:
        sheets = _read_workbook_here(Path(path))
        try:
            data = b"M" + marshal.dumps(sheets)  # several times faster than pickle; no datetimes
        except ValueError:
            data = b"P" + pickle.dumps(sheets, protocol=pickle.HIGHEST_PROTOCOL)
        del sheets
    except WorkbookError as exc:
        data = b"E" + str(exc).encode("utf-8")
    except MemoryError:
        data = b"N"
    try:
        send.send_bytes(data)
    except MemoryError:
        send.send_bytes(b"N")
    send.close()


def _read_workbook_here(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    resave = "请用 Excel 或 WPS 打开后“另存为” .xlsx 再导入"
    with _rust_stderr_hidden():
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except FileNotFoundError:
            raise WorkbookError(f"{path}：文件不存在") from None
        except PasswordError:
            raise WorkbookError(
                f"{path.name}：工作簿设有打开密码；请去掉密码后另存再导入"
            ) from None
        except (CalamineError, OSError, ValueError, OverflowError):
            if path.stat().st_size == 0 if path.exists() else False:
                raise WorkbookError(
                    f"{path.name}：文件是空的（0 字节）；请向填报单位重新索取"
                ) from None
            raise WorkbookError(
                f"{path.name}：文件已损坏或不是真正的 {path.suffix} 工作簿；{resave}"
            ) from None
        except BaseException as exc:
            if not _is_panic(exc):
                raise
            raise WorkbookError(
                f"{path.name}：文件已损坏（可能不完整或被截断），无法读取；{resave}"
            ) from None
        try:
            sheets = []
            for meta in workbook.sheets_metadata:
                if str(meta.typ).endswith("WorkSheet") is False:
                    continue
                try:
                    grid = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
                except (CalamineError, ValueError, OverflowError):
                    raise WorkbookError(
                        f"{path.name}，工作表“{meta.name}”无法读取；{resave}"
                    ) from None
                except BaseException as exc:
                    if not _is_panic(exc):
                        raise
                    raise WorkbookError(
                        f"{path.name}，工作表“{meta.name}”已损坏，无法读取；{resave}"
                    ) from None
                sheets.append((meta.name, grid))
            return sheets
        finally:
            workbook.close()


def read_csv(path: Path) -> list[list[str]]:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise WorkbookError(
            f"{path.name}：CSV 文件过大（{size // 1048576} MB，上限 {MAX_CSV_BYTES // 1048576} MB），不像申报表；"
            "请按单位拆分后分别导入"
        )
    data = path.read_bytes()
    if not data.strip():
        raise WorkbookError(f"{path.name}：文件是空的；请向填报单位重新索取")
    # UTF-8 (with or without BOM), else GBK (WPS and old Excel in China); UTF-16 with its BOM ("Unicode 文本").
    encodings = (
        ("utf-16",)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        else ("utf-8-sig", "gb18030")
    )
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise WorkbookError(f"{path.name}：无法识别文件编码；请另存为 UTF-8 编码的 CSV 或 .xlsx")
    del data
    lines = max(text.count("\n"), text.count("\r"))
    if (
        lines > 2 * MAX_DATA_ROWS
    ):  # rows can span lines (a line break typed in a cell), hence the margin
        raise too_many_rows(path, f"约 {lines} 行")
    if "\x00" in text:
        raise WorkbookError(f"{path.name}：不是文本格式的 CSV 文件；请用 Excel 另存为 .xlsx 或 CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # Any field size (the csv module refuses fields over 131,072 characters unless told) and any line end:
    # old Mac exports end lines with CR alone, which StringIO's universal newlines turns into "\n".
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, len(text) + 1))
    try:
        return list(csv.reader(io.StringIO(text, newline=None), dialect))
    except csv.Error as exc:
        raise WorkbookError(
            f"{path.name}：CSV 格式有误（{exc}）；请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
        ) from None
    finally:
        csv.field_size_limit(previous)
