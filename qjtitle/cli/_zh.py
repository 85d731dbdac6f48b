"""The command line's own words in Chinese: help frames, value words, usage errors, dates.

Click (vendored in Typer 0.29 as ``typer._click``) no longer routes its strings through gettext,
so a catalogue cannot reach them; instead every command, once built (``_lazy.build``), draws its
help here (the root help's drawing, without Rich: panels that wrap, never cut with "…"), takes
dates as people type them (the spreadsheets' parser), and the root turns Click's usage errors into
Chinese from their structured parts (the parameter, the option name, the close matches), never
from their English text. Standard library only at import.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime, time
from types import MethodType
from typing import Any

# What a secretary calls the value of an argument, by the argument's name in the code.
ARGUMENT_WORDS = {
    "meeting": "会议",
    "draw": "抽取记录",
    "expert": "专家",
    "experts": "专家",
    "applicant": "申报人",
    "applicants": "申报人",
    "code": "代码",
    "committee": "评委会",
    "file": "文件",
    "files": "文件",
    "path": "文件",
    "paths": "文件或文件夹",
    "workbook": "文件",
    "sheet": "文件",
    "out": "文件夹",
    "folder": "文件夹",
    "milestone": "节点",
    "day": "日期",
    "name": "名称",
    "month": "月份",
    "year": "年度",
    "template": "模板",
    "names": "名称",
    "scan": "文件",
    "present": "专家",
}
_CJK = re.compile(r"[\u3400-\u9fff]")
HELP_HINT = "查看说明"


# Old spellings of options, still understood (Click's token_normalize_func, set on the root): one
# convention now, output --out, dates --date/--end.
OLD_SPELLINGS = {"today": "date", "end-date": "end", "ics": "out", "output": "out"}


# Chinese words for the values of enumerated options, understood as the values themselves (Typer
# compares choices through the same token_normalize_func).
CHOICE_WORDS = {
    "会前": "pre",
    "会前备案": "pre",
    "会后": "post",
    "会后备案": "post",
    "正高级职称": "正高级",
    "副高级职称": "副高级",
    "中级职称": "中级",
    "正高": "正高级",
    "副高": "副高级",
}


def old_spelling(token: str) -> str:
    return OLD_SPELLINGS.get(token) or CHOICE_WORDS.get(token, token)


# --- Help ---------------------------------------------------------------------------------------


def _descriptor(param: Any) -> Any:
    return getattr(param, "type_descriptor", None)


def value_word(param: Any) -> str:
    """The word shown for an option's or argument's value: 日期, 数字, 文件, 文本 or the choices;
    nothing for a flag."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if param.metavar:
        return str(param.metavar)
    if getattr(param, "param_type_name", "") == "argument" and param.name in ARGUMENT_WORDS:
        word = ARGUMENT_WORDS[param.name]
        return word + ("..." if param.nargs != 1 else "")
    desc = _descriptor(param)
    word = "文本"
    if desc is not None:
        annotation = desc.annotation
        element = getattr(annotation, "__args__", (annotation,))[0] if desc.is_list else annotation
        info = desc.parameter_info
        if desc.is_datetime or element is datetime:
            word = "日期"
        elif desc.is_choice:
            word = "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
        elif (
            desc.is_path
        ):  # a folder when files are refused or its help's first sentence says folder
            first = (getattr(param, "help", None) or "").split("。")[0]
            word = (
                "文件夹"
                if getattr(info, "file_okay", True) is False or "文件夹" in first
                else "文件"
            )
        elif element in (int, float):
            word = "数字"
    if getattr(param, "param_type_name", "") == "argument" and param.nargs != 1:
        word += "..."
    return word


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one: a space between Latin words, none beside Chinese."""
    text = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if text and not (_wide(text[-1]) or _wide(line[0])):
            text += " "
        text += line
    return text


def _wide(c: str) -> bool:
    from unicodedata import east_asian_width

    return east_asian_width(c) in "WF"


def param_help(param: Any) -> str:
    """An option's help with its default, environment variable and whether it must be given."""
    text = join_lines((getattr(param, "help", None) or "").splitlines())
    extra = []
    secondary = [n for n in getattr(param, "secondary_opts", []) if n.startswith("--")]
    if secondary:
        extra.append(f"反之写 {secondary[0]}")
    envvar = getattr(param, "envvar", None)
    if envvar and getattr(param, "show_envvar", True):
        extra.append(f"环境变量 {envvar if isinstance(envvar, str) else '、'.join(envvar)}")
    default = _default_text(param)
    if default:
        extra.append(f"默认：{default}")
    if param.required:
        extra.append("必填")
    if extra:
        text = f"{text} [{'；'.join(extra)}]" if text else f"[{'；'.join(extra)}]"
    return text


def _default_text(param: Any) -> str:
    show = getattr(param, "show_default", False)
    if isinstance(show, str):
        return show
    if not show or param.required:
        return ""
    default = param.default
    if default is None or default == () or default == [] or callable(default):
        return ""
    if isinstance(default, bool):
        if not getattr(param, "secondary_opts", None):
            return ""
        return str(param.opts[0] if default else param.secondary_opts[0])
    return str(getattr(default, "value", default))


def usage_line(command: Any, ctx: Any) -> str:
    """``qjtitle draw confirm [选项] 抽取记录 专家``."""
    pieces = [ctx.command_path, "[选项]"]
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") == "argument" and not getattr(
            param, "hidden", False
        ):
            word = value_word(param)
            pieces.append(word if param.required else f"[{word}]")
    if hasattr(command, "commands"):
        pieces += ["命令", "[参数]..."]
    return " ".join(pieces)


def localize(command: Any, format_help: Any) -> Any:
    """Chinese help for ``command`` and everything under it (drawn by ``format_help``, from
    :mod:`qjtitle.cli._lazy`), and dates as people type them."""
    stack = [command]
    while stack:
        cmd = stack.pop()
        cmd.format_help = MethodType(format_help, cmd)
        for param in cmd.params:
            desc = _descriptor(param)
            if desc is not None and desc.is_datetime and desc.parameter_info.parser is None:
                desc.parameter_info.parser = parse_day
        subcommands = getattr(cmd, "commands", None)
        if isinstance(subcommands, dict):
            stack.extend(subcommands.values())
    return command


# --- Dates --------------------------------------------------------------------------------------

DATE_EXAMPLE = "2023-11-20、2023/11/20、20231120、2023.11.20 或 2023年11月20日"
_DAY_FIRST = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$")
_SHORT_YEAR = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{1,2}$")


def day_problem(text: str) -> str | None:
    """Why ``text`` is not a date a command can take (None when it is one)."""
    from qjtitle.spreadsheets.dates import parse_date

    text = text.strip()
    if _DAY_FIRST.match(text):
        return f"“{text}”看不出哪个是月、哪个是日；请把4位年份写在前面，如 2023-11-20"
    if _SHORT_YEAR.match(text):
        return f"“{text}”的年份只有两位；请写4位年份，如 2023-11-20"
    parsed = parse_date(text)
    if parsed.value is None:
        return f"{parsed.problem or f'“{text}”不是日期'}；请写成 {DATE_EXAMPLE}"
    if parsed.precision != "day":
        return f"“{text}”只写到月；请写到日，如 {parsed.value:%Y-%m}-20"
    return None


def parse_day(value: Any) -> datetime:
    """A date option's value: the forms the spreadsheets accept, to the day; midnight as datetime
    (the commands take ``.date()`` of it)."""
    from qjtitle.spreadsheets.dates import parse_date

    if isinstance(value, datetime):
        return value
    problem = day_problem(str(value))
    if problem:
        import typer

        raise typer.BadParameter(problem)
    day = parse_date(str(value).strip()).value
    assert day is not None
    return datetime.combine(day, time())


# --- Usage errors -------------------------------------------------------------------------------


def _name(param: Any) -> str:
    """An option by its longest name, an argument by its word."""
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument":
        return f"参数「{value_word(param).rstrip('.')}」"
    names = sorted(param.opts, key=len, reverse=True)
    return f"选项 {names[0]}" if names else str(param.name)


_PATH = re.compile(
    r"^(?i:(file|directory|path)) '(.*)' (does not exist|is a file|is a directory|is not readable|is not writable)\.$"
)
_EXTRA = re.compile(r"^Got unexpected extra argument(?:\(s\)|s)? \((.*)\)$")
_NO_COMMAND = re.compile(r"^No such command '(.*)'\.(?: Did you mean (.*)\?)?$")
_REQUIRES = re.compile(r"^Option '(.*)' requires (an argument|\d+ arguments)\.$")
_NO_VALUE = re.compile(r"^Option '(.*)' does not take a value\.$")
_NOT_ONE_OF = re.compile(r"^(?:Value error, )?'(.*)' is not one of (.*)\.$")
_SWITCH_WORDS = {
    "true",
    "false",
    "yes",
    "no",
    "y",
    "n",
    "on",
    "off",
    "1",
    "0",
    "是",
    "否",
    "开",
    "关",
}


def _bad_value(exc: Any) -> str:
    param = getattr(exc, "param", None)
    message = str(getattr(exc, "message", "") or "")
    choice = _NOT_ONE_OF.match(message)  # before the test for Chinese: the value may be Chinese
    if choice:
        accepted = [c.strip().strip("'") for c in choice.group(2).split(",")]
        words = {v: [k for k, t in CHOICE_WORDS.items() if t == v] for v in accepted}
        shown = "、".join(f"{v}（{'、'.join(w)}）" if w else v for v, w in words.items())
        return f"{_name(param) or '该选项'}：“{choice.group(1)}”不是可选的值；只能是 {shown} 之一"
    match = _PATH.match(message)  # before the test for Chinese: the file's name may be Chinese
    if not match and _CJK.search(message):  # our own parsers speak Chinese already
        return f"{_name(param)}：{message}" if param is not None else message
    if match:
        path, what = match.group(2), match.group(3)
        return {
            "does not exist": f"找不到{'文件夹' if match.group(1).lower() == 'directory' else '文件'} {path}；请核对路径和文件名"
            "（可以把文件拖进终端窗口，自动填上完整路径）",
            "is a file": f"{path} 是文件；这里要一个文件夹",
            "is a directory": f"{path} 是文件夹；这里要一个文件",
            "is not readable": f"没有权限读取 {path}",
            "is not writable": f"没有权限写入 {path}",
        }[what]
    word = value_word(param) if param is not None else ""
    desc = _descriptor(param)
    if desc is not None and desc.annotation in (int, float):
        word = "数字"
    if word == "数字":
        return f"{_name(param)} 要写数字（整数），如 3"
    if word == "日期":
        return f"{_name(param)} 要写日期，如 {DATE_EXAMPLE}"
    if "|" in word:
        return f"{_name(param)} 只能是 {word.replace('|', '、')} 之一"
    return (
        f"{_name(param)} 的值不对；请看 --help 中的说明"
        if param is not None
        else "命令行中有写错的值"
    )


def message_of(exc: Any) -> str:
    """A Click usage error in Chinese, built from its parts."""
    kind = type(exc).__name__
    message = str(getattr(exc, "message", "") or "")
    if kind == "MissingParameter":
        param = getattr(exc, "param", None)
        what = _name(param) or "参数"
        if param is not None and getattr(param, "param_type_name", "") == "argument":
            return f"缺少{what}：请在命令后面写上{value_word(param).rstrip('.')}"
        if param is None:
            return "缺少必填的参数"
        about = " ".join((param.help or "").split()).rstrip("。")
        return f"缺少{what}" + (f"：{about}" if about else "")
    if kind == "NoSuchOption":
        option = getattr(exc, "option_name", "")
        possible = list(getattr(exc, "possibilities", None) or [])
        text = f"没有 {option} 这个选项"
        if possible:
            text += f"；您是不是要写 {'、'.join(sorted(possible))}？"
        return text
    if kind in ("BadParameter",):
        return _bad_value(exc)
    match = _EXTRA.match(message)
    if match:
        extra = match.group(1).split()
        text = f"多出了 {' '.join(extra)}：这条命令不需要它"
        if any(word.lower() in _SWITCH_WORDS for word in extra):
            text += "。开关选项后面不用写 true/false：写上选项就是“是”，不写就是“否”"
        else:
            text += '。文字中有空格时请用引号括起来，如 "曲靖市 会议中心"'
        return text
    match = _NO_COMMAND.match(message)
    if match:
        text = f"没有 {match.group(1)} 这个命令"
        if match.group(2):
            text += f"；您是不是要用 {match.group(2).replace(chr(39), '').replace(', ', ' 或 ')}？"
        return text
    if message == "Missing command.":
        return "缺少命令：请在后面写上要做的事（见下面的说明）"
    match = _REQUIRES.match(message)
    if match:
        return f"选项 {match.group(1)} 后面要写一个值"
    match = _NO_VALUE.match(message)
    if match:
        return f"选项 {match.group(1)} 是开关，后面不带值"
    if kind == "FileError":
        return f"无法打开文件 {getattr(exc, 'filename', '')}"
    if _CJK.search(message):
        return message
    return "命令写得不对"


def show_usage_error(exc: Any) -> None:
    """Print a usage error the way the tool's own errors look: what is wrong, the usage line, where
    to read more. Click's English is shown only under QJTITLE_DEBUG."""
    from rich.markup import escape

    from qjtitle.cli._console import err_console

    ctx = getattr(exc, "ctx", None)
    console = err_console()
    console.print(f"[red]错误：[/]{escape(message_of(exc))}")  # wrapped by Rich, words kept whole
    if ctx is not None:
        console.print(f"用法：{usage_line(ctx.command, ctx)}", soft_wrap=True, markup=False)
        console.print(f"{HELP_HINT}：{ctx.command_path} --help", soft_wrap=True, markup=False)
    if os.environ.get("QJTITLE_DEBUG"):
        sys.stderr.write(f"[QJTITLE_DEBUG] {type(exc).__name__}: {exc.format_message()}\n")
