"""The template sandbox: Jinja's immutable sandbox, reduced, and the scan of each source before it is compiled."""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any

from qjtitle.documents.dates import cn_date
from qjtitle.errors import TemplateProblem
from qjtitle.findings import Severity, Step, finding

if TYPE_CHECKING:
    from collections.abc import MutableMapping
    from pathlib import Path

    from jinja2 import Environment, Template, nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

# --- The sandbox --------------------------------------------------------------------------------
# Templates travel by e-mail between offices: a template is data, never code. Every template is
# rendered in Jinja's immutable sandbox (no attribute starting with "_", no unsafe function or
# generator attributes, str.format checked, no method that changes a list or dict) with only the
# filters and globals below, and is scanned before it is compiled: a tag reaching for anything
# else is refused with its words, so it never runs (docs: jinja.palletsprojects.com/en/3.1.x/sandbox).

ALLOWED_FILTERS = frozenset(
    {
        "abs",
        "batch",
        "capitalize",
        "center",
        "count",
        "d",
        "default",
        "dictsort",
        "e",
        "escape",
        "first",
        "float",
        "format",
        "groupby",
        "indent",
        "int",
        "items",
        "join",
        "last",
        "length",
        "list",
        "lower",
        "map",
        "max",
        "min",
        "reject",
        "rejectattr",
        "replace",
        "reverse",
        "round",
        "select",
        "selectattr",
        "slice",
        "sort",
        "string",
        "striptags",
        "sum",
        "title",
        "trim",
        "truncate",
        "unique",
        "upper",
        "wordcount",
        "wordwrap",
        "cn_date",
    }
)
ALLOWED_GLOBALS = frozenset({"range", "dict", "namespace"})
# names a template has no business with: Jinja's own helpers that lead to Python's globals, Flask's
# request/config, Python's builtins and modules
FORBIDDEN_NAMES = frozenset(
    {
        "cycler",
        "joiner",
        "lipsum",
        "self",
        "config",
        "request",
        "session",
        "g",
        "url_for",
        "get_flashed_messages",
        "os",
        "sys",
        "subprocess",
        "builtins",
        "__builtins__",
        "globals",
        "locals",
        "vars",
        "eval",
        "exec",
        "open",
        "getattr",
        "setattr",
        "__import__",
        "import_module",
        "compile",
    }
)
_FORMAT_METHODS = frozenset({"format", "format_map"})
_DUNDER_TEXT = re.compile(r"__[A-Za-z]")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_BLOCK_TAGS = frozenset({"if", "for", "with", "macro", "call", "filter", "autoescape"})


CHECK_AGAIN = finding(
    "template.check_again", "改好后请再检查模板", step=Step.CHECK_TEMPLATES, severity=Severity.NOTE
)


class UnsafeTemplate(TemplateProblem):
    """A template with tags reaching outside the sandbox; ``offences`` are (tag, why) pairs."""

    def __init__(
        self, offences: list[tuple[str, str]], where: str = "模板", at_run_time: bool = False
    ):
        self.offences = offences
        self.at_run_time = at_run_time
        by_tag: dict[str, list[str]] = {}
        for tag, why in offences:
            by_tag.setdefault(tag, []).append(why)
        listed = "；".join(f"“{tag}”：{'，'.join(whys)}" for tag, whys in by_tag.items())
        ran = "生成到该处时已停止，越界的操作没有执行" if at_run_time else "没有执行其中任何内容"
        super().__init__(
            finding(
                "template.unsafe",
                f"{where} 含有不允许的标记，为安全起见拒绝使用（{ran}）：{listed}。"
                "模板中只能使用数据变量和常用过滤器；模板可能经他人修改后传来，请删除这些标记，"
                "或取得自带模板重新修改",
                step=Step.COPY_TEMPLATES,
                hint="取得自带模板",
            ),
            CHECK_AGAIN,
        )

    def named(self, path: Path | str) -> UnsafeTemplate:
        return UnsafeTemplate(self.offences, f"模板 {path}", self.at_run_time)


def _unsafe_attribute(attr: str) -> bool:
    from jinja2 import sandbox

    return (
        attr.startswith("_")
        or attr == "mro"
        or attr in _FORMAT_METHODS
        or attr in sandbox.UNSAFE_FUNCTION_ATTRIBUTES
        or attr in sandbox.UNSAFE_METHOD_ATTRIBUTES
        or attr in sandbox.UNSAFE_GENERATOR_ATTRIBUTES
        or attr in sandbox.UNSAFE_COROUTINE_ATTRIBUTES
        or attr in sandbox.UNSAFE_ASYNC_GENERATOR_ATTRIBUTES
    )


def _attribute_reason(attr: str) -> str:
    if attr in _FORMAT_METHODS:
        return f"使用了格式化字符串方法 {attr}（可借此读取内部属性）"
    return f"访问内部属性 {attr}"


def offences(ast: nodes.Template) -> list[str]:
    """Why a parsed template (a Jinja AST) is not allowed; empty when it is."""
    from jinja2 import nodes

    found: list[str] = []
    for node in ast.find_all(nodes.Node):
        if isinstance(node, nodes.Getattr) and _unsafe_attribute(node.attr):
            found.append(_attribute_reason(node.attr))
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and _unsafe_attribute(node.arg.value)
        ):
            found.append(_attribute_reason(node.arg.value))
        elif (
            isinstance(node, nodes.Const)
            and isinstance(node.value, str)
            and _DUNDER_TEXT.search(node.value)
        ):
            found.append(f"字符串“{node.value[:40]}”中含有内部属性名")
        elif isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            found.append(f"使用了不允许的过滤器 {node.name}")
        elif isinstance(node, nodes.Name) and node.name in FORBIDDEN_NAMES:
            found.append(f"使用了不允许的名称 {node.name}")
        elif isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            found.append("引用其他模板（include、import、extends）")
    return list(dict.fromkeys(found))


def _tag_text(tag: str) -> str:
    text = " ".join(re.sub(r"<[^>]+>", "", tag).split())
    return text if len(text) <= 80 else text[:77] + "…"


def _tag_snippet(tag: str) -> str | None:
    """``tag`` as a template of its own (a block tag closed), or None for a closing tag."""
    if tag.startswith("{{"):
        return tag
    words = tag[2:-2].strip().lstrip("-+").split(None, 1)
    keyword = words[0] if words else ""
    if keyword == "elif":
        return "{% if " + (words[1] if len(words) > 1 else "") + "{% endif %}"
    if keyword in _BLOCK_TAGS:
        return tag + "{% end" + keyword + " %}"
    if keyword == "set":
        return tag if "=" in tag else tag + "{% endset %}"
    if keyword in ("include", "import", "from", "extends"):
        return tag
    return None


def scan_source(env: Environment, source: str) -> list[tuple[str, str]]:
    """The offending tags of a Jinja source as (tag words, why); empty when the source is allowed.
    A source that does not parse is left to the render, which reports the syntax error (and runs nothing)."""
    import jinja2

    try:
        whole = offences(env.parse(source))
    except jinja2.TemplateSyntaxError:
        return []
    if not whole:
        return []
    located: list[tuple[str, str]] = []
    for match in _TAG.finditer(source):
        snippet = _tag_snippet(match.group(0))
        if snippet is None:
            continue
        try:
            reasons = offences(env.parse(snippet))
        except jinja2.TemplateSyntaxError:
            continue
        text = _tag_text(match.group(0))
        located += [(text, why) for why in reasons if (text, why) not in located]
    return located or [("（位置不详）", why) for why in whole]


# --- The budget ---------------------------------------------------------------------------------
# The sandbox stops what a template can reach, the budget how much it can do (issue 23): every
# render of a part (body, header, footer, document properties) has a count of operations (loop
# iterations, calls, joins, operators) and a time, the depth of nested calls, the size of the text
# it writes and of any string, list or number it makes. Loops are counted by wrapping every
# {% for %}'s sequence when the template is compiled; operators, calls and filters are checked before
# they allocate. Whatever goes over is refused, naming the template and the limit, in Chinese.

MAX_OPERATIONS = (
    1_000_000  # loop iterations, joins, operators and filters of one render (a call: 4)
)
MAX_SECONDS = 15.0  # one render (the shipped templates take milliseconds)
MAX_DEPTH = 60  # nested calls (a macro calling itself)
MAX_OUTPUT = 32 * 1024 * 1024  # characters one render writes (a 2,000-row roster part is a few MB)
MAX_TEXT = (
    1_000_000  # characters of one string, or items of one list, made by an operator or filter
)
MAX_RANGE = 10_000  # items of one range()
MAX_WIDTH = 1_000  # widths of wordwrap, center, indent, truncate and %-formats
MAX_NUMBER_BITS = 4_096  # size of a number made by * or ** (about 1,200 digits)


class TemplateOverBudget(UnsafeTemplate):
    """A template stopped because it went over a limit of the budget; ``limit`` says which, in Chinese."""

    def __init__(self, limit: str, where: str = "模板") -> None:
        self.offences = []
        self.at_run_time = True
        self.limit = limit
        TemplateProblem.__init__(
            self,
            finding(
                "template.over_budget",
                f"{where} 超出了生成文书的限额（{limit}），为防止程序卡死或耗尽内存已停止生成，没有写出任何文件。"
                "请检查模板中的循环、宏和过滤器；模板可能经他人修改后传来，可取得自带模板重新修改",
                step=Step.COPY_TEMPLATES,
                hint="取得自带模板",
                limit=limit,
            ),
            CHECK_AGAIN,
        )

    def named(self, path: Path | str) -> TemplateOverBudget:
        return TemplateOverBudget(self.limit, f"模板 {path}")


class _Budget:
    __slots__ = ("clock", "deadline", "depth", "operations", "output")

    def __init__(self) -> None:
        import time

        self.deadline = time.monotonic() + MAX_SECONDS
        self.operations = self.output = self.depth = 0
        self.clock = 1024  # the time is looked at every 1,024 operations

    def spend(self, count: int = 1) -> None:
        self.operations += count
        if self.operations > MAX_OPERATIONS:
            raise TemplateOverBudget(f"运算超过 {MAX_OPERATIONS} 次")
        if self.operations >= self.clock:
            import time

            self.clock = self.operations + 1024
            if time.monotonic() > self.deadline:
                raise TemplateOverBudget(f"生成一份文书超过 {MAX_SECONDS:g} 秒")


_BUDGET: ContextVar[_Budget | None] = ContextVar("qjtitle_template_budget", default=None)


def _budget() -> _Budget:
    """The budget of the render under way; outside one (Jinja folding constants while compiling), a
    fresh one for the single check."""
    budget = _BUDGET.get()
    return budget if budget is not None else _Budget()


def _sized(value: Any, what: str) -> Any:
    if isinstance(value, (str, list, tuple, dict)) and len(value) > MAX_TEXT:
        raise TemplateOverBudget(f"{what}得到的文字或列表超过 {MAX_TEXT} 个字符或项")
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value.bit_length() > MAX_NUMBER_BITS
    ):
        raise TemplateOverBudget(f"{what}得到的数字超过 {MAX_NUMBER_BITS} 位二进制")
    return value


def _width(value: Any, what: str) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
        raise TemplateOverBudget(f"{what}的宽度或长度超过 {MAX_WIDTH}")


_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")


def _percent_format(template: Any, args: Any, what: str) -> None:
    """Refuse a %-format whose widths or precisions (written, or given by *) are over MAX_WIDTH."""
    if not isinstance(template, str):
        return
    if len(template) > MAX_TEXT:
        raise TemplateOverBudget(f"{what}的格式文字超过 {MAX_TEXT} 个字符")
    stars = 0
    for width, precision in _PERCENT_WIDTH.findall(template):
        for number in (width, precision):
            if number == "*":
                stars += 1
            elif number and int(number) > MAX_WIDTH:
                raise TemplateOverBudget(f"{what}的宽度或精度超过 {MAX_WIDTH}")
    if stars:
        values = args if isinstance(args, tuple) else (args,)
        for value in values[: stars * 2]:
            _width(value, what)


def _product(left: Any, right: Any) -> None:
    for seq, times in ((left, right), (right, left)):
        if (
            isinstance(seq, (str, list, tuple))
            and isinstance(times, int)
            and len(seq) * max(times, 0) > MAX_TEXT
        ):
            raise TemplateOverBudget(f"乘法得到的文字或列表超过 {MAX_TEXT} 个字符或项")
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and left.bit_length() + right.bit_length() > MAX_NUMBER_BITS
    ):
        raise TemplateOverBudget(f"乘法得到的数字超过 {MAX_NUMBER_BITS} 位二进制")


def _power(left: Any, right: Any) -> None:
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and right > 0
        and abs(left) > 1
        and left.bit_length() * right > MAX_NUMBER_BITS
    ):
        raise TemplateOverBudget(f"乘方得到的数字超过 {MAX_NUMBER_BITS} 位二进制")
    if (isinstance(left, float) or isinstance(right, float)) and (
        isinstance(right, (int, float)) and abs(right) > MAX_NUMBER_BITS
    ):
        raise TemplateOverBudget(f"乘方的指数超过 {MAX_NUMBER_BITS}")


def _sum_of_lengths(left: Any, right: Any) -> None:
    if (
        isinstance(left, (str, list, tuple))
        and isinstance(right, (str, list, tuple))
        and len(left) + len(right) > MAX_TEXT
    ):
        raise TemplateOverBudget(f"加法得到的文字或列表超过 {MAX_TEXT} 个字符或项")


# The filters that can make much out of little (a width, a count, a list joined); the others make at
# most what they are given.
_GUARDED_FILTERS = frozenset(
    {"wordwrap", "center", "indent", "truncate", "batch", "slice", "format", "replace", "join"}
)


def _guarded_filter(name: str, original: Any) -> Any:
    """``original`` checked before it runs (widths, sizes it would make) and after (what it made)."""
    import functools

    from jinja2.utils import _PassArg

    if name not in _GUARDED_FILTERS:
        return original
    label = f"过滤器 {name} "
    internal = 1 if _PassArg.from_obj(original) is not None else 0  # context/environment first

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _budget().spend()
        plain = args[internal:]
        value = plain[0] if plain else None
        rest = plain[1:]
        if name in ("wordwrap", "center", "indent", "truncate"):
            for arg in [*rest, *kwargs.values()]:
                _width(arg, label)
        elif name in ("batch", "slice"):
            for arg in [*rest[:1], kwargs.get("linecount"), kwargs.get("slices")]:
                _width(arg, label)
        elif name == "format":
            _percent_format(value, tuple(rest) or kwargs, label)
        elif name == "replace" and isinstance(value, str) and len(rest) >= 2:
            old, new = str(rest[0]), str(rest[1])
            count = len(value) + 1 if not old else value.count(old)
            if len(value) + count * (len(new) - len(old)) > MAX_TEXT:
                raise TemplateOverBudget(f"{label}得到的文字超过 {MAX_TEXT} 个字符")
        elif name == "join" and not isinstance(value, str) and value is not None:
            items = list(value)
            _budget().spend(len(items))
            if sum(len(str(i)) for i in items) > MAX_TEXT:
                raise TemplateOverBudget(f"{label}得到的文字超过 {MAX_TEXT} 个字符")
            args = tuple(items if a is value else a for a in args)
        return _sized(original(*args, **kwargs), label)

    return guarded


def _budget_range(*args: Any) -> Any:
    for arg in args:
        if not isinstance(arg, int):
            break
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateOverBudget(f"range 超过 {MAX_RANGE} 项")
    return rng


def _counted(iterable: Any) -> Any:
    """A {% for %}'s sequence, each item counted (in steps of 64)."""
    budget = _budget()
    count = 0
    for item in iterable:
        count += 1
        if count == 64:
            budget.spend(count)
            count = 0
        yield item
    budget.spend(count)


def _text(value: Any) -> Any:
    """An operand of ~, its size checked (so that doubling a text in a loop stops)."""
    return _sized(value, "“~”连接")


# Filters the compiled code calls (never the template's author: the scan runs on the source as written,
# where any filter outside ALLOWED_FILTERS is refused).
_COUNTED, _TEXT = "qj_counted", "qj_text"


def _budgeted_ast(ast: nodes.Template) -> nodes.Template:
    """Every {% for %}'s sequence wrapped in the counting generator, every operand of ~ size-checked."""
    from jinja2 import nodes

    for loop in ast.find_all(nodes.For):
        loop.iter = nodes.Filter(loop.iter, _COUNTED, [], [], None, None, lineno=loop.lineno)
    for join in ast.find_all(nodes.Concat):
        join.nodes = [
            nodes.Filter(n, _TEXT, [], [], None, None, lineno=n.lineno) for n in join.nodes
        ]
    return ast


@cache
def _sandbox_class() -> type[ImmutableSandboxedEnvironment]:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class SafeEnvironment(ImmutableSandboxedEnvironment):
        """The sandbox, reduced to the allowed filters and globals; ``from_string`` scans each distinct
        source before compiling it (refusing it with its tags) and compiles it once (one template,
        many documents)."""

        intercepted_binops = frozenset({"*", "**", "+", "%"})
        template_class = _budgeted_template_class()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._compiled: dict[str, Template] = {}
            self.filters = {k: v for k, v in self.filters.items() if k in ALLOWED_FILTERS}
            self.filters["cn_date"] = cn_date
            self.filters = {k: _guarded_filter(k, v) for k, v in self.filters.items()}
            self.globals = {k: v for k, v in self.globals.items() if k in ALLOWED_GLOBALS}
            self.globals["range"] = _budget_range
            self.filters[_COUNTED] = _counted
            self.filters[_TEXT] = _text

        def concat(self, pieces: Any) -> str:
            """Every block's text joined (Jinja's generated code calls environment.concat), counted."""
            import itertools

            budget = _budget()
            if isinstance(pieces, list):  # a block's buffer
                chunks: Any = (pieces,)
            else:  # the template's own output, yielded piece by piece
                iterator = iter(pieces)
                chunks = iter(lambda: list(itertools.islice(iterator, 256)), [])
            out: list[str] = []
            for chunk in chunks:
                budget.spend(len(chunk))
                budget.output += sum(map(len, chunk))
                if budget.output > MAX_OUTPUT:
                    raise TemplateOverBudget(f"生成的文字超过 {MAX_OUTPUT // 1048576} MB")
                out.extend(chunk)
            return "".join(out)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _budget().spend()
            if operator == "*":
                _product(left, right)
            elif operator == "**":
                _power(left, right)
            elif operator == "+":
                _sum_of_lengths(left, right)
            elif operator == "%":
                _percent_format(left, right, "“%”格式")
            return _sized(super().call_binop(context, operator, left, right), f"“{operator}”运算")

        def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            budget = _budget()
            budget.spend(4)  # a macro call costs about four loop iterations
            budget.depth += 1
            try:
                if budget.depth > MAX_DEPTH:
                    raise TemplateOverBudget(f"宏或函数嵌套调用超过 {MAX_DEPTH} 层")
                return super().call(context, obj, *args, **kwargs)
            finally:
                budget.depth -= 1

        def _generate(
            self,
            source: nodes.Template,
            name: str | None,
            filename: str | None,
            defer_init: bool = False,
        ) -> str:
            return super()._generate(_budgeted_ast(source), name, filename, defer_init)

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            return not _unsafe_attribute(attr) and super().is_safe_attribute(obj, attr, value)

        def from_string(
            self,
            source: str | nodes.Template,
            globals: MutableMapping[str, Any] | None = None,  # Jinja's own parameter name
            template_class: type[Template] | None = None,
        ) -> Template:
            key = source if isinstance(source, str) else None
            found = (
                self._compiled.get(key)
                if key is not None and globals is None and template_class is None
                else None
            )
            if found is not None:
                return found
            if isinstance(source, str):
                bad = scan_source(self, source)
                if bad:
                    raise UnsafeTemplate(bad)
            template = super().from_string(source, globals, template_class)
            if key is not None and globals is None and template_class is None:
                self._compiled[key] = template
            return template

    return SafeEnvironment


@cache
def _budgeted_template_class() -> type[Template]:
    from jinja2 import Template

    class BudgetedTemplate(Template):
        """A template whose every render has a budget of its own (see _Budget)."""

        def render(self, *args: Any, **kwargs: Any) -> str:
            token = _BUDGET.set(_Budget())
            try:
                return super().render(*args, **kwargs)
            except RecursionError:
                raise TemplateOverBudget("嵌套过深") from None
            except MemoryError:
                raise TemplateOverBudget("内存不足") from None
            finally:
                _BUDGET.reset(token)

    return BudgetedTemplate


def jinja_env() -> ImmutableSandboxedEnvironment:
    """The sandboxed Jinja environment every template (Word or text) is rendered in."""
    import jinja2

    return _sandbox_class()(autoescape=True, undefined=jinja2.StrictUndefined)
