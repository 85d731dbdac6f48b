"""The root command group: each command's module is imported only when that command is used
(pip's practice: a table maps each name to where its code lives), and ``qjtitle --help`` is drawn
in Chinese from the table alone, with the standard library only.

Typer's own Rich help (``typer.rich_utils``) pulls in rich.markdown, markdown-it and Pygments, and
Typer would otherwise build every Click command of the whole tree before parsing anything: together
about three times the cost of ``import typer``. Even plain Rich (importing rich.console, rich.table
and rich.panel, then laying out nine tables) costs more than the whole budget of ``--help``
(0.5 x ``import typer``), so the root help imitates Typer's panels itself. Sub-command help
(``qjtitle draw --help``) still goes through Typer and Rich as usual.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple
from unicodedata import combining, east_asian_width

import typer
import typer.main
from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter

HELP_HELP = "显示本帮助后退出。"


class Entry(NamedTuple):
    """One root command."""

    target: str  # "qjtitle.cli.module:attribute": a typer.Typer sub-app or a command function
    panel: str  # its panel in ``qjtitle --help``
    summary: str  # its line there: the first line of its own help


def build(name: str, entry: Entry) -> Command:
    """Import ``entry.target`` and make its Click command, as ``app.command``/``app.add_typer``
    on the root would have (a holder app without completion options stands in for the root),
    then put its help and value checks into Chinese (:mod:`qjtitle.cli._zh`)."""
    from qjtitle.cli._zh import localize

    command: Command = localize(_build(name, entry), format_help)
    defer_coercion(command)
    return command


class _Deferred:
    """Typer's coercion of one parameter (its ``_runtime_param``), built only for a value that
    needs it.

    Typer 0.29 builds a Pydantic ``TypeAdapter`` for every parameter of the command it runs, given
    or not; importing Pydantic and building them costs more than ``import typer`` itself. A value
    not given needs no coercion (None, or () for several values: as Typer's ``RuntimeParam.coerce``
    answers it before any adapter), and a plain ``str`` option given as text comes out of Typer's
    ``str`` adapter unchanged (its ``_parse_cli_str``). Any other value has Typer build its own
    coercion for the parameter, which then replaces this one and does what Typer always does.
    (Private to Typer 0.29, which pyproject pins; tests/test_quick_read.py covers both ways.)"""

    def __init__(self, descriptor: Any) -> None:
        info = descriptor.parameter_info
        self.plain = (
            descriptor.annotation is str
            and getattr(info, "parser", None) is None
            and descriptor.file_annotation is None
        )

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        several = param.multiple or param.nargs == -1
        if value is None:
            return () if several else None
        if self.plain and not several and type(value) is str:
            return value
        param._runtime_param = None  # Typer builds its own
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


def _defer(param: Any) -> None:
    if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
        param._runtime_param = _Deferred(param.type_descriptor)


def defer_coercion(command: Command, ctx: Context | None = None) -> None:
    """Give every parameter of ``command`` and the commands under it a :class:`_Deferred` coercion;
    with ``ctx``, their help options too (Click makes those on first use, from the context)."""
    params = list(command.params)
    if ctx is not None and (help_option := command.get_help_option(ctx)) is not None:
        params.append(help_option)
    for param in params:
        _defer(param)
    for sub in getattr(command, "commands", {}).values():
        defer_coercion(sub, ctx)


def _build(name: str, entry: Entry) -> Command:
    module, _, attribute = entry.target.partition(":")
    target = getattr(import_module(module), attribute)
    holder = typer.Typer(add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name, rich_help_panel=entry.panel, short_help=entry.summary)
        group = typer.main.get_command(holder)
        assert isinstance(group, TyperGroup)
        return group.commands[name]
    holder.command(name, rich_help_panel=entry.panel, short_help=entry.summary)(target)
    return typer.main.get_command(holder)


class LazyCommands(MutableMapping[str, "Command"]):
    """The root's ``commands``: the table's names, each command built on first access and kept.
    A mapping so that Typer's own "Did you mean ...?" (which reads ``commands.keys()``) still works."""

    def __init__(self, table: Mapping[str, Entry]) -> None:
        self.table = table
        self.built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self.built:
            self.built[name] = build(name, self.table[name])
        return self.built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        raise TypeError(f"add root commands to the table, not to the app: {name}")

    def __delitem__(self, name: str) -> None:
        raise TypeError(f"root commands come from the table: {name}")

    def __contains__(self, name: object) -> bool:
        return name in self.table

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


class LazyGroup(TyperGroup):
    """A TyperGroup whose commands come from ``table`` (set it in a subclass), imported on demand."""

    table: ClassVar[Mapping[str, Entry]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        defer_coercion(self)  # its own options (the commands are deferred as they are built)
        if self.commands:
            raise TypeError(
                f"add root commands to the table, not to the app: {list(self.commands)}"
            )
        self.commands = LazyCommands(self.table)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.table)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        # not commands.get(): that would turn a KeyError raised while importing into "No such command"
        return self.commands[cmd_name] if cmd_name in self.table else None

    def get_help_option(self, ctx: Context) -> Any:
        option = super().get_help_option(ctx)
        _defer(option)
        return option

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            defer_coercion(command, ctx)  # the help options of the command about to run
        return name, command, rest

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        # ``qjtitle`` alone: the help and exit status 2, as TyperGroup does, but without going
        # through typer.rich_utils (which Typer imports to report its NoArgsIsHelpError)
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            render_help(self, ctx)
            ctx.exit(2)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        """Run the command inside the one error table (:mod:`qjtitle.cli._errors`)."""
        from qjtitle.cli._errors import reported
        from qjtitle.cli._findings import running

        words = [*getattr(ctx, "_protected_args", []), *ctx.args]  # Typer empties them below
        with reported(lambda: options_of(self, words)), running(lambda: options_of(self, words)):
            return super().invoke(ctx)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """Print the root help straight to stdout, as Typer's Rich help does, in its style."""
        render_help(self, ctx)

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """As Typer's, but usage errors (of this command and every command under it) are told in
        Chinese by :func:`qjtitle.cli._zh.show_usage_error` instead of Click's English panel."""
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:  # Click's usage errors and ClickException
            if not standalone_mode:
                raise
            if type(exc).__name__ != "NoArgsIsHelpError":  # that one has printed the help already
                from qjtitle.cli._zh import show_usage_error

                show_usage_error(exc)
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            sys.stderr.write("已取消。\n")
            sys.exit(1)
        if not standalone_mode:
            return result
        # non-standalone Click returns the exit code of typer.Exit, and None when all went well
        sys.exit(result if isinstance(result, int) else 0)


def options_of(group: LazyGroup, words: list[str]) -> dict[str, str]:
    """The options of the command ``words`` name (``draw confirm …`` → draw's confirm), by
    parameter name: ``{"supervisors": "--supervisor"}``; an argument by its metavar."""
    command: Any = group
    for word in words:
        sub = command.commands.get(word) if hasattr(command, "commands") else None
        if sub is None:
            break
        command = sub
    found: dict[str, str] = {}
    for param in getattr(command, "params", []):
        if param.name and param.opts:
            long = [o for o in param.opts if o.startswith("--")]
            found[param.name] = (
                (long or param.opts)[0]
                if param.param_type_name == "option"
                else (param.metavar or param.name.upper())
            )
    return found


# --- The root help, without Rich (see the module docstring): it looks like Typer's Rich help and
# decides on width, colour and box characters the way Rich does. -------------------------------------

_OPENING = set("（《「『【〔‘“([")  # kept off the end of a line
_CLOSING = set("，。、；：？！）》」』】〕’”]")  # kept off the start of a line


def _wide(c: str) -> bool:
    return east_asian_width(c) in "WF"


def _cells(text: str) -> int:
    """Terminal columns taken by ``text``: two for each wide (CJK) character."""
    return sum(2 if _wide(c) else 0 if combining(c) else 1 for c in text)


def _tokens(text: str) -> Iterator[str]:
    """What a line may be broken after: Latin words and single CJK characters, each with the
    spaces that follow it."""
    token = ""
    for c in text:
        if token and not c.isspace() and (_wide(c) or token[-1].isspace() or _wide(token[-1])):
            yield token
            token = ""
        token += c
    if token:
        yield token


def _pieces(token: str, width: int) -> Iterator[str]:
    """``token`` cut into pieces that each fit on a line."""
    while _cells(token.rstrip()) > width:
        cut = 1
        while _cells(token[: cut + 1]) <= width:
            cut += 1
        yield token[:cut]
        token = token[cut:]
    yield token


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns, broken at spaces or between Chinese characters, with
    closing punctuation kept off the start of a line and opening brackets off its end."""
    lines: list[list[str]] = []
    line: list[str] = []
    used = 0
    for token in (piece for word in _tokens(text) for piece in _pieces(word, width)):
        if line and used + _cells(token.rstrip()) > width:
            carried: list[str] = []
            while token[0] in _CLOSING and len(line) > 1:  # take a character along
                carried.insert(0, line.pop())
                if carried[0][0] not in _CLOSING:
                    break
            if len(line) > 1 and line[-1].rstrip() in _OPENING:
                carried.insert(0, line.pop())
            lines.append(line)
            line, used = carried, sum(map(_cells, carried))
        line.append(token)
        used += _cells(token)
    lines.append(line)
    return ["".join(words).rstrip() for words in lines if words] or [""]


_MAX_WIDTH = 1000  # COLUMNS=9999999999 would otherwise draw borders of that length


def _width() -> int:
    """Typer's TERMINAL_WIDTH, else Rich's rule: COLUMNS, else the terminal of stdin/stdout/stderr."""
    for variable in ("TERMINAL_WIDTH", "COLUMNS"):
        value = os.environ.get(variable, "")
        if (
            value.isascii() and value.isdigit() and int(value) > 0
        ):  # not "²", which isdigit() accepts
            return min(int(value), _MAX_WIDTH)
    for fd in (0, 1, 2):
        try:
            return min(os.get_terminal_size(fd).columns or 80, _MAX_WIDTH)
        except (OSError, ValueError):
            pass
    return 80


def _use_colour(stream: Any) -> bool:
    """As Rich with Typer's settings: NO_COLOR wins, then FORCE_COLOR (and CI variables), else only
    a real terminal that understands escape codes (on Windows: Windows Terminal)."""
    env = os.environ
    if env.get("NO_COLOR") or env.get("_TYPER_FORCE_DISABLE_TERMINAL"):
        return False
    if any(env.get(v) for v in ("FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS")):
        return True
    if env.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    if os.name == "nt" and not env.get("WT_SESSION"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# Typer's Rich styles, as ANSI codes
_BORDER, _USAGE, _USAGE_LABEL = "2", "1", "1;33"  # dim; bold; bold yellow
_LONG, _SHORT, _METAVAR, _COMMAND = "1;36", "1;32", "1;33", "1;36"  # bold cyan/green/yellow/cyan


class Canvas:
    """Where help is drawn: width, colour and box characters decided as Rich would decide them."""

    def __init__(self) -> None:
        self.out = sys.stdout
        self.colour = _use_colour(self.out)
        self.width = max(_width(), 40)
        if not (getattr(self.out, "encoding", None) or "utf-8").lower().startswith("utf"):
            self.box = (
                "+-+|++"  # Rich's ASCII box when the output cannot take box-drawing characters
            )
        elif os.name == "nt" and not os.environ.get("WT_SESSION"):
            self.box = "┌─┐│└┘"  # Rich's "safe" box for the classic Windows console
        else:
            self.box = "╭─╮│╰╯"  # Typer's rounded panels

    def paint(self, text: str, style: str) -> str:
        return f"\x1b[{style}m{text}\x1b[0m" if self.colour and style and text else text

    def panel(self, title: str, rows: list[list[tuple[str, str]]], widths: list[int]) -> list[str]:
        """A titled box of rows: cells (text, style) of the given widths, then one that wraps."""
        box, width, paint = self.box, self.width, self.paint
        if not rows:
            return []
        indent = sum(w + 2 for w in widths)
        room = max(width - 4 - indent, 10)
        narrow = (
            room < 24 and len(widths) > 1
        )  # long option names: the text goes under them instead
        if narrow:
            room = width - 6
        head = f"{box[1]} {title} "
        lines = [paint(box[0] + head + box[1] * (width - 2 - _cells(head)) + box[2], _BORDER)]
        side = paint(box[3], _BORDER)
        for *cells, (text, style) in rows:
            left = "".join(
                paint(t, s) + " " * (w + 2 - _cells(t))
                for (t, s), w in zip(cells, widths, strict=True)
            )
            if narrow:  # the names alone on their line (their plain width is ``indent``)
                lines.append(f"{side} {left}{' ' * max(width - 4 - indent, 0)} {side}")
                left = "  "
            for part in wrap(text, room):
                fill = " " * (room - _cells(part))
                lines.append(f"{side} {left}{paint(part, style)}{fill} {side}")
                left = " " * (2 if narrow else indent)
        lines.append(paint(box[4] + box[1] * (width - 2) + box[5], _BORDER))
        return lines

    def usage(self, text: str) -> list[str]:
        return ["", " " + self.paint("用法：", _USAGE_LABEL) + self.paint(text, _USAGE), ""]

    def paragraphs(self, text: str) -> list[str]:
        """Help text: paragraphs split at blank lines, single line breaks joined (as Typer does),
        each wrapped to the width."""
        lines: list[str] = []
        for paragraph in text.strip().split("\n\n"):
            if paragraph.startswith("\b"):
                for line in paragraph.strip("\b\n").splitlines():
                    lines += [" " + part for part in wrap(line.strip(), self.width - 2)]
            else:
                from qjtitle.cli._zh import join_lines

                joined = join_lines(paragraph.splitlines())
                lines += [" " + part for part in wrap(joined, self.width - 2)]
            lines.append("")
        return lines

    def write(self, lines: list[str]) -> None:
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()


def option_rows(params: list[Any], help_option: Any, metavar: Any) -> list[list[tuple[str, str]]]:
    """Rows of an options panel: long names, short names, the value's word, the help."""
    from qjtitle.cli._zh import param_help

    rows = []
    for param in params:
        if getattr(param, "hidden", False):
            continue
        long = ",".join(n for n in param.opts if n.startswith("--"))
        short = ",".join(n for n in param.opts if not n.startswith("--"))
        text = HELP_HELP if param is help_option else param_help(param)
        rows.append([(long, _LONG), (short, _SHORT), (metavar(param), _METAVAR), (text, "")])
    return rows


def widths_of(rows: list[list[tuple[str, str]]], columns: int) -> list[int]:
    return [max((_cells(row[i][0]) for row in rows), default=0) for i in range(columns)]


def render_help(group: LazyGroup, ctx: Context) -> None:
    from qjtitle.cli._zh import value_word

    canvas = Canvas()
    lines = canvas.usage(f"{ctx.command_path} [选项] 命令 [参数]...")
    if group.help:
        lines += [" " + line for line in wrap(group.help, canvas.width - 2)] + [""]
    options = option_rows(group.get_params(ctx), group.get_help_option(ctx), value_word)
    lines += canvas.panel("选项", options, widths_of(options, 3))

    panels: dict[str, list[list[tuple[str, str]]]] = {}
    for name in group.list_commands(ctx):
        entry = group.table[name]
        panels.setdefault(entry.panel, []).append([(name, _COMMAND), (entry.summary, "")])
    name_width = max((len(name) for name in group.table), default=0)
    for title, rows in panels.items():
        lines += canvas.panel(title, rows, [name_width])
    canvas.write(lines)


def format_help(command: Any, ctx: Any, formatter: Any = None) -> None:
    """A sub-command's help, drawn like the root help (its words from :mod:`qjtitle.cli._zh`)."""
    from qjtitle.cli._zh import param_help, usage_line, value_word

    canvas = Canvas()
    lines = canvas.usage(usage_line(command, ctx))
    if command.help:
        lines += canvas.paragraphs(command.help)
    params = command.get_params(ctx)
    arguments = [p for p in params if getattr(p, "param_type_name", "") == "argument"]
    options = [p for p in params if getattr(p, "param_type_name", "") != "argument"]
    arg_rows = [
        [(value_word(p), "1;36"), (param_help(p), "")]
        for p in arguments
        if not getattr(p, "hidden", False)
    ]
    lines += canvas.panel("参数", arg_rows, widths_of(arg_rows, 1))
    rows = option_rows(options, command.get_help_option(ctx), value_word)
    lines += canvas.panel("选项", rows, widths_of(rows, 3))
    subcommands = getattr(command, "commands", None)
    if subcommands:
        command_rows = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            summary = (sub.short_help or sub.help or "").strip().split("\n\n")[0]
            command_rows.append([(name, _COMMAND), (" ".join(summary.split()), "")])
        lines += canvas.panel("命令", command_rows, widths_of(command_rows, 1))
    canvas.write(lines)
