"""The template sandbox: Jinja's immutable sandbox, reduced, and the scan of each source before it is compiled."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from qjtitle.documents.dates import cn_date
from qjtitle.errors import TemplateProblem

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
            f"{where} 含有不允许的标记，为安全起见拒绝使用（{ran}）：{listed}。"
            "模板中只能使用数据变量和常用过滤器；模板可能经他人修改后传来，请删除这些标记，"
            "或用 qjtitle templates copy 取得自带模板重新修改，再运行 qjtitle templates check"
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


@cache
def _sandbox_class() -> type[ImmutableSandboxedEnvironment]:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class SafeEnvironment(ImmutableSandboxedEnvironment):
        """The sandbox, reduced to the allowed filters and globals; ``from_string`` scans each distinct
        source before compiling it (refusing it with its tags) and compiles it once (one template,
        many documents)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._compiled: dict[str, Template] = {}
            self.filters = {k: v for k, v in self.filters.items() if k in ALLOWED_FILTERS}
            self.filters["cn_date"] = cn_date
            self.globals = {k: v for k, v in self.globals.items() if k in ALLOWED_GLOBALS}

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


def jinja_env() -> ImmutableSandboxedEnvironment:
    """The sandboxed Jinja environment every template (Word or text) is rendered in."""
    import jinja2

    return _sandbox_class()(autoescape=True, undefined=jinja2.StrictUndefined)
