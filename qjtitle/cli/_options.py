"""Options shared by many commands, declared once (the pattern of the hf CLI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Declared:
    """What a command says of itself: it changes the store (and so names the store it changed on
    its first line), or it may also create a new store."""

    writes: bool = False
    creates: bool = False


def writes(func: F) -> F:
    """Declare a command that changes the store. Put it under ``@app.command``."""
    func.qjtitle_declared = Declared(writes=True)  # type: ignore[attr-defined]
    return func


def creates(func: F) -> F:
    """Declare a command that changes the store and may create it. Put it under ``@app.command``."""
    func.qjtitle_declared = Declared(writes=True, creates=True)  # type: ignore[attr-defined]
    return func


def declared(callback: Any) -> Declared:
    """What the command whose callback is ``callback`` declared (Typer copies the attribute onto
    its wrapper)."""
    found = getattr(callback, "qjtitle_declared", None)
    return found if isinstance(found, Declared) else Declared()


def with_rule_numbers(func: Callable[..., Any]) -> Callable[..., Any]:
    """Fill a command's help (its docstring) with the numbers :mod:`qjtitle.rules` owns: {quorum},
    {pass_threshold}, {reviewers_min}, {publicity_min}. Put it under ``@app.command``."""
    from qjtitle import rules  # standard library only: cheap at start-up

    numbers = {
        "quorum": rules.QUORUM.number,
        "pass_threshold": rules.PASS_THRESHOLD.number,
        "reviewers_min": rules.REVIEWERS_MIN.number,
        "publicity_min": rules.PUBLICITY_MIN.number,
    }
    func.__doc__ = (func.__doc__ or "").format(**numbers)
    return func


def _announce(store: Any) -> None:
    from qjtitle.cli._console import err_console

    err_console().print(f"[dim]数据库：{store.where}[/]", soft_wrap=True)


def _legacy_hint(_store: Any) -> None:
    """An old ./qjtitle.db in the working folder is not ignored in silence."""
    from qjtitle.cli._console import warn
    from qjtitle.paths import DEFAULT_STORE, user_store_path

    legacy = Path.cwd() / DEFAULT_STORE
    if legacy.is_file() and legacy.resolve() != user_store_path():
        warn(
            f"当前文件夹有一个数据库 {legacy}，本次没有使用它（默认数据库是 {user_store_path()}）。"
            f"要改用它：qjtitle db adopt（移到默认位置），或在命令后加 --db {DEFAULT_STORE}。"
        )


def _store_choice(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> Any:
    """``--db`` resolved with what this command may do: create a store, name it, warn of an old one."""
    from qjtitle.paths import StoreChoice

    said = declared(ctx.command.callback)
    source = "默认"
    if value:
        origin = getattr(ctx.get_parameter_source(param.name or "db"), "name", "")
        source = "QJTITLE_DB" if origin == "ENVIRONMENT" else "--db"
    hooks: list[Callable[[Any], None]] = [] if value else [_legacy_hint]
    if said.writes:
        hooks.insert(0, _announce)

    def on_open(store: Any) -> None:
        for hook in hooks:
            hook(store)

    return StoreChoice(value or "", source, create=said.creates, on_open=on_open)


DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="QJTITLE_DB",
        callback=_store_choice,
        is_eager=True,  # before a meeting named by its date is looked up in the store (MeetingArg)
        metavar="文件",
        help="另用一个数据库（文件，或全市共用数据库的地址，见 qjtitle db --help）；"
        "默认是本人的数据库，从任何文件夹打开终端都是同一个。",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="以 JSON 输出（UTF-8，对象数组），便于脚本再利用。")
]
YesOpt = Annotated[
    bool,
    typer.Option("--yes", help="不再询问，直接执行（脚本中使用；这一步做了就不能简单地撤回）。"),
]


def confirm_irreversible(yes: bool, question: str) -> None:
    """An irreversible step: asked on a terminal, refused elsewhere unless ``--yes`` was given."""
    import sys

    if yes:
        return
    stream = sys.stdin
    if stream is not None and hasattr(stream, "isatty") and stream.isatty():
        typer.confirm(question, abort=True)
        return
    from qjtitle.cli._console import err_console

    asked = question.rstrip("？?")
    err_console().print(
        f"[red]错误：[/]没有确认，未执行（{asked}：这一步做了就不能简单地撤回）；"
        "在终端中运行时会先请您确认，在脚本中运行请加 --yes",
        soft_wrap=True,
    )
    raise typer.Exit(1)


CommitteeOpt = Annotated[
    str, typer.Option("--committee", "-c", help="评委会代码（committee add 时指定）。")
]


def parse_year(value: Any) -> int:
    """A year as people type it: 2023, 2023年, ２０２３."""
    if isinstance(value, int):
        return value
    import unicodedata

    text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("年度").removesuffix("年")
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise typer.BadParameter(f"“{value}”不是年份；请写4位年份，如 2023 或 2023年")
    return int(text)


def parse_rate(value: Any) -> float:
    """A rate as people type it: 0.7, 70%, 70％ (a number above 1 read as a percentage)."""
    if isinstance(value, float):
        return value
    import unicodedata

    text = unicodedata.normalize("NFKC", str(value)).strip()
    percent = text.endswith("%")
    try:
        number = float(text.removesuffix("%").strip())
    except ValueError:
        raise typer.BadParameter(f"“{value}”不是比例；请写小数或百分数，如 0.7 或 70%") from None
    if percent or number > 1:
        number /= 100
    if not 0 < number <= 1:
        raise typer.BadParameter(f"“{value}”不在 0 到 100% 之间；请写如 0.7 或 70%")
    return number


YearOpt = Annotated[
    int,
    typer.Option(
        "--year", "-y", parser=parse_year, metavar="年度", help="评审年度，如 2023（或 2023年）。"
    ),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        metavar="表中列名=规定列名",
        help="把表格中的列名对应为规定的列，如 --map 所在县区=所在县（市、区）；可写多次。",
        show_default=False,
    ),
]
KeepMapOpt = Annotated[
    bool,
    typer.Option(
        "--keep-map",
        help="把本次 --map 的对应关系保存到该评委会，以后导入同样列名的表格自动识别。",
    ),
]
CalendarOpt = Annotated[
    Path | None,
    typer.Option(
        "--calendar",
        help="工作日历补充文件（见 qjtitle calendar --help）；默认使用数据库旁的补充文件（如有）。",
        show_default=False,
    ),
]


# --- Meetings named as people name them: number, date, or committee code/date ---------------------

MEETING_HELP = "会议编号（meeting add 时显示）、会议日期（如 2023-11-20），或 评委会代码/日期（如 QJ-WS-ZJ/2023-11-20）。"


def _as_typed(value: Any) -> Any:
    """Typer's parser for a meeting: the text as typed (``_meeting`` looks it up)."""
    return value


def _meeting(ctx: typer.Context, value: Any) -> int | None:
    """A meeting as typed, as its number: a number as it is; a date or committee/date looked up
    (:func:`qjtitle.intake.names.meeting_id`) in the store this command uses (``--db`` is eager)."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) < 8:
        return int(text)
    from qjtitle.cli._findings import say
    from qjtitle.errors import QjtitleError, StoreError
    from qjtitle.intake.names import meeting_id
    from qjtitle.paths import StoreChoice
    from qjtitle.store import open_store

    db = ctx.params.get("db")
    quiet = StoreChoice(
        str(db or ""), getattr(db, "source", "默认"), create=False
    )  # named by the command itself
    try:
        store = open_store(quiet, upgrade=False)
        try:
            committee = ctx.params.get(
                "committee"
            )  # a command's own --committee, when eager (draw list)
            return meeting_id(store, text, committee if isinstance(committee, str) else None)
        finally:
            store.close()
    except StoreError as exc:  # no store yet, or a bad address: told as it is, not as a bad value
        raise typer.TyperException(say(exc.finding)) from None
    except QjtitleError as exc:
        raise typer.BadParameter(say(exc.finding)) from None


MeetingArg = Annotated[
    int,
    typer.Argument(
        parser=_as_typed, callback=_meeting, metavar="会议", help=MEETING_HELP, show_default=False
    ),
]
MeetingOpt = Annotated[
    int | None,
    typer.Option(
        "--meeting", parser=_as_typed, callback=_meeting, metavar="会议", help=MEETING_HELP
    ),
]
