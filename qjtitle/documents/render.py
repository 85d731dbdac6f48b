"""Rendering Word documents from the templates (docxtpl, sandboxed, always with autoescape).

Every document is written to a temporary file and moved into place, so an interrupted run never
leaves half a document. A :class:`DocxRenderer` reads its template once and renders it many times
(a fresh ``DocxTemplate`` per document, opened from the bytes in memory, and each part's Jinja
source compiled once), so thousands of review forms cost one read of the template. From its second
document on, a renderer writes docxtpl's document by the fast path of :mod:`qjtitle.documents.docxzip`
(only the parts with tags rendered, the others copied as compressed bytes), checked once against
docxtpl's first document; docxtpl stays the path for what the fast path declines and for every error.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qjtitle.documents.folders import find_template, require_accepted
from qjtitle.documents.sandbox import UnsafeTemplate, jinja_env
from qjtitle.errors import TemplateProblem
from qjtitle.findings import Step, finding
from qjtitle.paths import write_atomically

if TYPE_CHECKING:
    from qjtitle.documents.docxzip import DocxZip

# Values merged into every context rendered inside ``extra_context`` (the filing's ``draft``),
# and the contexts recorded inside ``capture_contexts`` (sample contexts for ``templates check``).
_EXTRA: ContextVar[dict[str, object] | None] = ContextVar("qjtitle_documents_extra", default=None)
_CAPTURE: ContextVar[dict[str, dict[str, object]] | None] = ContextVar(
    "qjtitle_documents_capture", default=None
)


@contextmanager
def extra_context(**values: object) -> Iterator[None]:
    """Merge ``values`` into every context rendered inside the block (e.g. ``draft=True``)."""
    token = _EXTRA.set({**(_EXTRA.get() or {}), **values})
    try:
        yield
    finally:
        _EXTRA.reset(token)


@contextmanager
def capture_contexts() -> Iterator[dict[str, dict[str, object]]]:
    """Record the context of the first render of each template inside the block (documents are still written)."""
    captured: dict[str, dict[str, object]] = {}
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
    from jinja2.exceptions import SecurityError

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
            finding(
                "template.unknown_variable",
                f"模板 {template_path} {at}使用了未知的变量（{exc.message}）；请对照 qjtitle 自带模板修改",
                step=Step.CHECK_TEMPLATES,
                hint="或检查模板，查看可用的变量",
                template=Path(template_path).stem,
            )
        )
    if isinstance(exc, jinja2.TemplateError):
        return TemplateProblem(f"模板 {template_path} {at}出错：{exc}；请对照 qjtitle 自带模板修改")
    return TemplateProblem(
        f"模板 {template_path} 无法使用（{type(exc).__name__}: {exc}）；请确认它是 Word（.docx）文件"
    )


@cache
def _template_class() -> type:
    """DocxTemplate whose ``patch_xml`` (a dozen regular expressions over each part) runs once per
    distinct part, and whose ``resolve_listing`` looks only at the paragraphs it would change."""
    from docxtpl import DocxTemplate

    class Template(DocxTemplate):  # type: ignore[misc]  # docxtpl ships no type information
        patched: dict[str, str] | None = None

        def patch_xml(self, src_xml: str) -> str:
            if self.patched is None:
                return str(super().patch_xml(src_xml))
            found = self.patched.get(src_xml)
            if found is None:
                found = self.patched[src_xml] = str(super().patch_xml(src_xml))
            return found

        def resolve_listing(self, xml: str) -> str:
            from qjtitle.documents.docxzip import resolve_listing

            return resolve_listing(super().resolve_listing, xml)

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
            require_accepted(self.path, self.data)
        self.env = jinja_env()
        self.patched: dict[
            str, str
        ] = {}  # part XML → the same XML made readable by Jinja (docxtpl's patch_xml)
        # The fast path (docxzip) is made from the first document docxtpl writes with a plain
        # context, on the second render: a template rendered once never pays for it.
        self.first: tuple[dict[str, object], bytes] | None = None
        self.fast: DocxZip | None | bool = None  # None: not tried yet; False: docxtpl only

    def template(self) -> Any:
        tpl = _template_class()(io.BytesIO(self.data))
        tpl.patched = self.patched
        return tpl

    def render(self, context: dict[str, object], out_path: Path) -> Path:
        """Render ``context`` (plus any ``extra_context``) to ``out_path``, atomically."""
        data = self.render_bytes(context)
        return write_atomically(out_path, lambda tmp: Path(tmp).write_bytes(data), ".docx")

    def render_bytes(self, context: dict[str, object]) -> bytes:
        """The .docx of ``context`` (plus any ``extra_context``): docxtpl's document, made by the
        fast path (:mod:`qjtitle.documents.docxzip`) from the second document on where it applies."""
        extra = _EXTRA.get()
        if extra:
            context = {**context, **extra}
        captured = _CAPTURE.get()
        if captured is not None:
            captured.setdefault(self.name, context)
        context = _without_controls(context)  # XML refuses them; none is written raw (issue 23.5)
        data = self._fast_bytes(context)
        if data is not None:
            return data
        tpl = self.template()
        try:
            tpl.render(context, self.env, autoescape=True)
            out = io.BytesIO()
            tpl.save(out)
        except UnsafeTemplate as exc:
            raise exc.named(self.path) from None
        except Exception as exc:  # noqa: BLE001 - docxtpl wraps XML and zip errors in several types
            raise template_error(self.path, tpl, exc) from None
        data = out.getvalue()
        if self.fast is None and self.first is None:
            from qjtitle.documents import docxzip

            if docxzip.plain(context):
                self.first = (context, data)
        return data

    def _fast_bytes(self, context: dict[str, object]) -> bytes | None:
        """The document by the fast path, or None for docxtpl (also to word any error but the
        sandbox's own: docxtpl renders the same parts in the same order and stops at the same tag)."""
        if self.fast is False or (self.fast is None and self.first is None):
            return None
        from qjtitle.documents import docxzip

        if not docxzip.plain(context):
            return None
        if self.fast is None and self.first is not None:
            first_context, first = self.first
            self.first = None
            self.fast = docxzip.prepare(self.template(), self.env, first, first_context) or False
        if not isinstance(self.fast, docxzip.DocxZip):
            return None
        try:
            return self.fast.render(context)
        except UnsafeTemplate as exc:
            raise exc.named(self.path) from None
        except Exception:  # noqa: BLE001 - docxtpl renders it again and words the error
            return None


def _without_controls(value: Any) -> Any:
    """Every text of a context (plain dicts, lists and tuples) with its control and escape
    characters shown as ⟨U+XXXX⟩; other objects are left as they are."""
    from qjtitle.privacy import without_controls

    kind = type(value)
    if kind is str:
        return without_controls(value, keep_lines=True)
    if kind is dict:
        return {k: _without_controls(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(_without_controls(v) for v in value)
    return value


def render_docx(
    name: str, context: dict[str, object], out_path: Path, user_dir: Path | None = None
) -> Path:
    """Render template ``name`` with ``context`` to ``out_path`` (atomically)."""
    return DocxRenderer(name, user_dir).render(context, out_path)
