"""``qjtitle templates list|copy|check``: the shipped templates, copies to edit, a check against a sample context."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from qjtitle.documents.folders import TEMPLATE_SUFFIXES, is_accepted, shipped_templates
from qjtitle.documents.render import DocxRenderer
from qjtitle.documents.sandbox import jinja_env
from qjtitle.errors import AlreadyExists, NotFound, TemplateProblem
from qjtitle.findings import Step, finding
from qjtitle.paths import write_atomically

# --- qjtitle templates list | copy | check --------------------------------------------------------


@dataclass
class TemplateInfo:
    name: str
    title: str
    path: Path  # the file used
    source: str  # 自带 | 自定义 | 未使用
    shipped: Path | None

    def as_dict(self) -> dict[str, object]:
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


def list_templates(user_dir: Path | None = None) -> list[TemplateInfo]:
    """Every shipped template and the file that will be used for it; then user files that replace none."""
    shipped = shipped_templates()
    result = []
    for name, path in shipped.items():
        own = Path(user_dir) / name if user_dir is not None else None
        used = own if own is not None and own.is_file() else path
        source = "自定义" if used != path else "自带"
        if used != path and not is_accepted(used):
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
            finding(
                "template.unknown",
                f"没有名为 {'、'.join(unknown)} 的模板；自带的模板有：{'、'.join(shipped)}",
                step=Step.LIST_TEMPLATES,
                hint="查看模板",
                names=unknown,
            )
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
            finding(
                "template.copy_clash",
                f"{dest} 中已有 {'、'.join(clash)}，为免覆盖您修改过的模板，没有复制任何文件",
                field="overwrite",
                hint="确认用自带模板替换",
                names=clash,
            )
        )
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in chosen:
        written.append(
            write_atomically(
                dest / name,
                partial(shutil.copyfile, shipped[name]),
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

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": str(self.path),
            "source": self.source,
            "ok": self.ok,
            "errors": self.errors,
            "unknown": self.unknown,
        }


def check_template(
    name: str, path: Path, context: dict[str, object], source: str = ""
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
