"""Rendering Word documents from the templates (docxtpl, always with autoescape).

Templates are looked up in the user's folder first (``--templates DIR`` or a
``templates/`` folder beside the store), then among the shipped ones, file by
file. Every document is written to a temporary file and moved into place, so an
interrupted run never leaves half a document.

A :class:`DocxRenderer` reads its template once and renders it many times (a
fresh ``DocxTemplate`` per document, opened from the bytes in memory, and each
part's Jinja source compiled once), so thousands of review forms cost one read
of the template. ``list_templates``, ``copy_templates`` and ``check_template``
serve ``qjtitle templates list|copy|check``.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from qjtitle.errors import AlreadyExists, NotFound, TemplateProblem
from qjtitle.paths import templates_dir, write_atomically

_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
TEMPLATE_SUFFIXES = (".docx", ".html")
USER_TEMPLATES_FOLDER = (
    "templates"  # beside the store: overrides the shipped templates file by file
)

# Values merged into every context rendered inside ``extra_context`` (the filing's ``draft``),
# and the contexts recorded inside ``capture_contexts`` (sample contexts for ``templates check``).
_EXTRA: ContextVar[dict[str, Any] | None] = ContextVar("qjtitle_documents_extra", default=None)
_CAPTURE: ContextVar[dict[str, dict[str, Any]] | None] = ContextVar(
    "qjtitle_documents_capture", default=None
)


def cn_date(value: date | None) -> str:
    """2023年11月13日"""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


# One path component: 255 bytes on Linux (ext4: UTF-8 bytes), 255 UTF-16 units on Windows (never more
# than the UTF-8 bytes). qjtitle's names stay well under it, leaving room for what is added to a name
# later (".zip" beside a package folder, ".pdf" for a .docx) and for Windows' 260-character paths.
NAME_MAX_BYTES = 200
_RESERVED_NAMES = frozenset(
    {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        "CONIN$",
        "CONOUT$",
        *(f"{d}{i}" for d in ("COM", "LPT") for i in [*"123456789", "¹", "²", "³"]),
    }
)


def _cut_bytes(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes, cut between characters, "…" marking a cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: max(limit - 3, 0)].decode("utf-8", "ignore").rstrip(" .") + "…"


def safe_filename(text: str, limit: int = NAME_MAX_BYTES, whole: bool = True) -> str:
    """A file name made from data, safe on Windows and Linux, Chinese kept, at most ``limit`` UTF-8 bytes.

    Characters Windows forbids and control characters become "_"; invisible format characters (zero
    width, right-to-left overrides that disguise ".exe" as ".docx") are dropped; leading and trailing
    dots and spaces go; a Windows device name (CON, NUL, COM1 …, also as "con.docx") gets a "_" before it
    (unless ``whole`` is False: the text goes after a prefix)."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Co", "Cs"))
    cleaned = _UNSAFE_FILENAME.sub("_", text).strip(" .") or "未命名"
    if whole and cleaned.split(".")[0].strip(" ").upper() in _RESERVED_NAMES:
        cleaned = "_" + cleaned
    return _cut_bytes(cleaned, limit)


def file_name(prefix: str, text: str, suffix: str = "", limit: int = NAME_MAX_BYTES) -> str:
    """``prefix`` + ``text`` made safe + ``suffix``, the whole in at most ``limit`` UTF-8 bytes
    (``text`` shortened: the prefix numbers the file, the suffix is its type)."""
    room = limit - len(prefix.encode("utf-8")) - len(suffix.encode("utf-8"))
    return f"{prefix}{safe_filename(text, max(room, 12), whole=not prefix)}{suffix}"


def find_template(name: str, user_dir: Path | None = None) -> Path:
    if user_dir is not None:
        candidate = Path(user_dir) / name
        if candidate.is_file():
            return candidate
    shipped = templates_dir() / name
    if shipped.is_file():
        return shipped
    raise TemplateProblem(
        f"找不到模板 {name}（已查找 {user_dir or '—'} 和 {templates_dir()}）；请重新安装 qjtitle 或检查模板文件夹"
    )


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


def offences(ast: Any) -> list[str]:
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


def scan_source(env: Any, source: str) -> list[tuple[str, str]]:
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
def _sandbox_class() -> type:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class SafeEnvironment(ImmutableSandboxedEnvironment):
        """The sandbox, reduced to the allowed filters and globals; ``from_string`` scans each distinct
        source before compiling it (refusing it with its tags) and compiles it once (one template,
        many documents)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._compiled: dict[str, Any] = {}
            self.filters = {k: v for k, v in self.filters.items() if k in ALLOWED_FILTERS}
            self.filters["cn_date"] = cn_date
            self.globals = {k: v for k, v in self.globals.items() if k in ALLOWED_GLOBALS}

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            return not _unsafe_attribute(attr) and super().is_safe_attribute(obj, attr, value)

        def from_string(self, source, globals=None, template_class=None):  # type: ignore[no-untyped-def,override]
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


def jinja_env():  # type: ignore[no-untyped-def]
    """The sandboxed Jinja environment every template (Word or text) is rendered in."""
    import jinja2

    return _sandbox_class()(autoescape=True, undefined=jinja2.StrictUndefined)


def user_templates_dir(templates: Path | None = None, store_dir: Path | None = None) -> Path | None:
    """The user's template folder: ``--templates DIR``, else a ``templates/`` folder beside the store.

    A folder named with ``--templates`` is used as it is (still sandboxed). Files in the folder beside
    the store are used only as ``qjtitle templates check`` accepted them (their SHA-256 recorded in
    ``.qjtitle-checked.json`` in the folder): a file dropped or changed there afterwards is refused."""
    if templates is not None:
        folder = Path(templates)
        if not folder.is_dir():
            raise NotFound(
                f"自定义模板文件夹 {folder} 不存在；请检查 --templates，或用 qjtitle templates copy {folder} 复制一套模板"
            )
        _GATED.discard(folder.resolve())
        return folder
    if store_dir is not None and (Path(store_dir) / USER_TEMPLATES_FOLDER).is_dir():
        folder = Path(store_dir) / USER_TEMPLATES_FOLDER
        _GATED.add(folder.resolve())
        return folder
    return None


# --- Templates accepted by `qjtitle templates check` ----------------------------------------------

CHECKED_FILE = (
    ".qjtitle-checked.json"  # in a user template folder: {template name: SHA-256 checked}
)
_GATED: set[Path] = (
    set()
)  # folders used without being named (beside the store): accepted files only


def accepted_hashes(folder: Path) -> dict[str, str]:
    """The templates of ``folder`` that ``templates check`` accepted, by name, with their SHA-256."""
    import json

    try:
        data = json.loads((Path(folder) / CHECKED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    accepted = data.get("accepted") if isinstance(data, dict) else None
    if not isinstance(accepted, dict):
        return {}
    return {str(k): str(v.get("sha256", "")) for k, v in accepted.items() if isinstance(v, dict)}


def record_checked(folder: Path, results: dict[str, str | None]) -> Path:
    """Record in ``folder`` the templates accepted (name → SHA-256) and forget those that failed (None)."""
    import json

    folder = Path(folder)
    path = folder / CHECKED_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        accepted = (
            data["accepted"]
            if isinstance(data, dict) and isinstance(data.get("accepted"), dict)
            else {}
        )
    except (OSError, ValueError):
        accepted = {}
    checked_at = datetime.now().astimezone().replace(microsecond=0).isoformat()
    for name, sha in results.items():
        if sha is None:
            accepted.pop(name, None)
        else:
            accepted[name] = {"sha256": sha, "checked_at": checked_at}
    text = (
        json.dumps(
            {"format": "qjtitle-templates-checked/1", "accepted": dict(sorted(accepted.items()))},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    return write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), ".json")


def _accepted(path: Path) -> bool:
    """Whether a user template may be used as it is now (always, when its folder was named)."""
    try:
        _require_accepted(path, path.read_bytes())
    except (TemplateProblem, OSError):
        return False
    return True


def _require_accepted(path: Path, data: bytes) -> None:
    """Refuse a template file beside the store that ``templates check`` has not accepted as it is now."""
    import hashlib

    folder = path.parent
    if folder.resolve() not in _GATED:
        return
    if accepted_hashes(folder).get(path.name) != hashlib.sha256(data).hexdigest():
        raise TemplateProblem(
            f"数据库旁模板文件夹中的 {path} 尚未通过检查，或检查后又被修改过；为安全起见不使用它。"
            f"请先运行 qjtitle templates check {path.stem}（通过后自动登记），"
            f"或在命令中加 --templates {folder} 明确指定该文件夹"
        )


@contextmanager
def extra_context(**values: Any) -> Iterator[None]:
    """Merge ``values`` into every context rendered inside the block (e.g. ``draft=True``)."""
    token = _EXTRA.set({**(_EXTRA.get() or {}), **values})
    try:
        yield
    finally:
        _EXTRA.reset(token)


@contextmanager
def capture_contexts() -> Iterator[dict[str, dict[str, Any]]]:
    """Record the context of the first render of each template inside the block (documents are still written)."""
    captured: dict[str, dict[str, Any]] = {}
    token = _CAPTURE.set(captured)
    try:
        yield captured
    finally:
        _CAPTURE.reset(token)


def _part_label(partname: str) -> str:
    if "header" in partname:
        return "页眉"
    if "footer" in partname:
        return "页脚"
    return "正文"


def _template_lineno(exc: BaseException) -> int | None:
    """The template line of a Jinja error: its ``lineno``, else the last template frame of the traceback."""
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return int(lineno)
    tb = exc.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


def _line_text(tpl: Any, part: Any, lineno: int | None) -> str:
    """The words of line ``lineno`` of a part as docxtpl hands it to Jinja (one paragraph a line)."""
    if lineno is None or part is None:
        return ""
    try:
        xml = tpl.get_xml() if part is tpl.docx._part else tpl.get_part_xml(part)
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))
        lines = source.splitlines()
        text = re.sub(r"<[^>]+>", "", lines[lineno - 1]) if 0 < lineno <= len(lines) else ""
    except Exception:  # noqa: BLE001 - only a hint for the message
        return ""
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "…"


_SYNTAX_HINTS = (
    ("Unexpected end of template", "标记没有结束，缺少 {% endif %}、{% endfor %} 等结束标记"),
    ("unexpected end of template", "标记没有结束，缺少 }} 或 %}"),
    ("Encountered unknown tag", "有不认识的 {% %} 标记，或结束标记多余"),
    ("unexpected '}'", "多了“}”，或 {{ 与 }} 不成对"),
    ("no filter named", "使用了不存在的过滤器"),
    ("expected token", "{{ }} 或 {% %} 中的写法不对"),
)


def template_error(template_path: Path, tpl: Any, exc: BaseException) -> TemplateProblem:
    """A Chinese message naming the template, the part, the line and its words, and what to do."""
    import jinja2

    part = getattr(tpl, "current_rendering_part", None) if tpl is not None else None
    lineno = _template_lineno(exc)
    where = _part_label(str(getattr(part, "partname", ""))) if part is not None else "正文"
    text = _line_text(tpl, part, lineno)
    at = f"{where}第{lineno}行" if lineno else where
    if text:
        at += f"（“{text}”）"
    from jinja2.sandbox import SecurityError

    if isinstance(exc, SecurityError):
        name = re.search(r"attribute '([^']+)'", str(exc))
        why = f"调用了不允许的方法或属性 {name.group(1)}" if name else "试图访问不允许的内容"
        return UnsafeTemplate([(text or at, why)], f"模板 {template_path}", at_run_time=True)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        hint = next((cn for en, cn in _SYNTAX_HINTS if en in (exc.message or "")), "")
        return TemplateProblem(
            f"模板 {template_path} {at}语法错误：{hint}（{exc.message}）；请在 Word 中修改该处的标记（{{{{ }}}} 和 {{% %}} 须成对）"
        )
    if isinstance(exc, jinja2.UndefinedError):
        return TemplateProblem(
            f"模板 {template_path} {at}使用了未知的变量（{exc.message}）；请对照 qjtitle 自带模板修改，"
            "或用 qjtitle templates check 查看可用的变量"
        )
    if isinstance(exc, jinja2.TemplateError):
        return TemplateProblem(f"模板 {template_path} {at}出错：{exc}；请对照 qjtitle 自带模板修改")
    return TemplateProblem(
        f"模板 {template_path} 无法使用（{type(exc).__name__}: {exc}）；请确认它是 Word（.docx）文件"
    )


@cache
def _template_class() -> type:
    """DocxTemplate whose ``patch_xml`` (a dozen regular expressions over each part) runs once per distinct part."""
    from docxtpl import DocxTemplate

    class Template(DocxTemplate):
        patched: dict[str, str] | None = None

        def patch_xml(self, src_xml: str) -> str:
            if self.patched is None:
                return super().patch_xml(src_xml)
            found = self.patched.get(src_xml)
            if found is None:
                found = self.patched[src_xml] = super().patch_xml(src_xml)
            return found

    return Template


class DocxRenderer:
    """One template, read once, rendered into as many documents as needed."""

    def __init__(self, name: str, user_dir: Path | None = None, path: Path | None = None):
        self.name = name
        self.path = Path(path) if path is not None else find_template(name, user_dir)
        try:
            self.data = self.path.read_bytes()
        except OSError as exc:
            raise TemplateProblem(
                f"无法读取模板 {self.path}：{exc.strerror}；请检查文件权限"
            ) from None
        if user_dir is not None and path is None and self.path.parent == Path(user_dir):
            _require_accepted(self.path, self.data)
        self.env = jinja_env()
        self.patched: dict[
            str, str
        ] = {}  # part XML → the same XML made readable by Jinja (docxtpl's patch_xml)

    def template(self) -> Any:
        tpl = _template_class()(io.BytesIO(self.data))
        tpl.patched = self.patched
        return tpl

    def render(self, context: dict[str, Any], out_path: Path) -> Path:
        """Render ``context`` (plus any ``extra_context``) to ``out_path``, atomically."""
        extra = _EXTRA.get()
        if extra:
            context = {**context, **extra}
        captured = _CAPTURE.get()
        if captured is not None:
            captured.setdefault(self.name, context)
        tpl = self.template()
        try:
            tpl.render(context, self.env, autoescape=True)
        except UnsafeTemplate as exc:
            raise exc.named(self.path) from None
        except Exception as exc:  # noqa: BLE001 - docxtpl wraps XML and zip errors in several types
            raise template_error(self.path, tpl, exc) from None
        return write_atomically(out_path, tpl.save, ".docx")


def render_docx(
    name: str, context: dict[str, Any], out_path: Path, user_dir: Path | None = None
) -> Path:
    """Render template ``name`` with ``context`` to ``out_path`` (atomically)."""
    return DocxRenderer(name, user_dir).render(context, out_path)


# --- qjtitle templates list | copy | check --------------------------------------------------------


@dataclass
class TemplateInfo:
    name: str
    title: str
    path: Path  # the file used
    source: str  # 自带 | 自定义 | 未使用
    shipped: Path | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "path": str(self.path),
            "shipped": str(self.shipped) if self.shipped else None,
        }


def _docx_title(path: Path) -> str:
    """The title in a .docx's properties (docProps/core.xml), '' when none or unreadable."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/core.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""
    found = re.search(r"<dc:title>(.*?)</dc:title>", xml, flags=re.DOTALL)
    if not found:
        return ""
    return found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def shipped_templates() -> dict[str, Path]:
    return {
        p.name: p
        for p in sorted(templates_dir().iterdir())
        if p.suffix in TEMPLATE_SUFFIXES and not p.name.startswith((".", "~$"))
    }


def list_templates(user_dir: Path | None = None) -> list[TemplateInfo]:
    """Every shipped template and the file that will be used for it; then user files that replace none."""
    shipped = shipped_templates()
    result = []
    for name, path in shipped.items():
        own = Path(user_dir) / name if user_dir is not None else None
        used = own if own is not None and own.is_file() else path
        source = "自定义" if used != path else "自带"
        if used != path and not _accepted(used):
            source = "自定义（未通过 templates check，不会使用）"
        result.append(
            TemplateInfo(name, _docx_title(used) or _docx_title(path) or name, used, source, path)
        )
    if user_dir is not None and Path(user_dir).is_dir():
        for p in sorted(Path(user_dir).iterdir()):
            if (
                p.suffix in TEMPLATE_SUFFIXES
                and p.name not in shipped
                and not p.name.startswith((".", "~$"))
            ):
                result.append(TemplateInfo(p.name, _docx_title(p) or p.name, p, "未使用", None))
    return result


def _resolve_names(names: list[str] | None) -> list[str]:
    shipped = shipped_templates()
    if not names:
        return list(shipped)
    wanted = [n if n.endswith(TEMPLATE_SUFFIXES) else f"{n}.docx" for n in names]
    unknown = [n for n in wanted if n not in shipped]
    if unknown:
        raise NotFound(
            f"没有名为 {'、'.join(unknown)} 的模板；自带的模板有：{'、'.join(shipped)}（qjtitle templates list）"
        )
    return wanted


def copy_templates(
    dest: Path, names: list[str] | None = None, overwrite: bool = False
) -> list[Path]:
    """Copy shipped templates (all, or ``names``) into ``dest`` for editing; existing files are kept unless ``overwrite``."""
    chosen = _resolve_names(names)
    shipped = shipped_templates()
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise AlreadyExists(f"{dest} 是一个文件；请指定一个文件夹")
    clash = [n for n in chosen if (dest / n).exists()]
    if clash and not overwrite:
        raise AlreadyExists(
            f"{dest} 中已有 {'、'.join(clash)}，为免覆盖您修改过的模板，没有复制任何文件；"
            "如确要用自带模板替换，请加 --overwrite"
        )
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in chosen:
        written.append(
            write_atomically(
                dest / name,
                lambda tmp, src=shipped[name]: shutil.copyfile(src, tmp),
                Path(name).suffix,
            )
        )
    return written


@dataclass
class TemplateCheck:
    name: str
    path: Path
    source: str  # 自带 | 自定义 | 指定文件
    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(
        default_factory=list
    )  # variables the template uses that the context lacks
    available: list[str] = field(default_factory=list)
    sha256: str = ""  # of the bytes checked

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "source": self.source,
            "ok": self.ok,
            "errors": self.errors,
            "unknown": self.unknown,
        }


def check_template(
    name: str, path: Path, context: dict[str, Any], source: str = ""
) -> TemplateCheck:
    """Check one template against a sample context: syntax, unknown variables, a trial render that Word can open."""
    import jinja2

    check = TemplateCheck(name, Path(path), source, available=sorted(context))
    if not Path(path).is_file():
        check.errors.append(f"找不到模板文件 {path}")
        return check
    try:
        renderer = DocxRenderer(name, path=Path(path))
    except TemplateProblem as exc:
        check.errors.append(str(exc))
        return check
    import hashlib

    check.sha256 = hashlib.sha256(renderer.data).hexdigest()
    try:
        with tempfile.TemporaryDirectory(prefix="qjtitle-check-") as tmp:
            out = renderer.render(context, Path(tmp) / name)
            import docx

            docx.Document(str(out))
    except TemplateProblem as exc:
        check.errors.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - the rendered file does not open
        check.errors.append(
            f"模板 {path} 试生成的文件无法打开（{type(exc).__name__}: {exc}）；请在 Word 中重新保存该模板"
        )
    try:
        env = jinja_env()
        undeclared = renderer.template().get_undeclared_template_variables(env, context)
    except jinja2.TemplateSyntaxError:
        return check  # already reported, with its line, by the trial render
    except Exception as exc:  # noqa: BLE001 - not a readable .docx
        if not check.errors:
            check.errors.append(
                f"模板 {path} 无法读取（{type(exc).__name__}: {exc}）；请确认它是 Word（.docx）文件"
            )
        return check
    check.unknown = sorted(set(undeclared) - set(env.globals))
    available = f"此模板可用的变量：{'、'.join(check.available)}"
    for variable in check.unknown:
        # the trial render already named the line where it stopped on this variable: add the list there
        for i, message in enumerate(check.errors):
            if f"'{variable}' is undefined" in message:
                check.errors[i] = f"{message}；{available}"
                break
        else:
            check.errors.append(f"模板 {path} 使用了未知的变量 {variable}；{available}")
    return check
