"""Rendering Word documents from the templates (docxtpl, always with autoescape).

Templates are looked up in the user's folder first (``--templates DIR`` or a
``templates/`` folder beside the store), then among the shipped ones, file by
file. Every document is written to a temporary file and moved into place, so an
interrupted run never leaves half a document.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from qjtitle.errors import TemplateProblem
from qjtitle.paths import templates_dir

_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def cn_date(value: date | None) -> str:
    """2023年11月13日"""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def safe_filename(text: str, limit: int = 80) -> str:
    """A file name safe on Windows and Linux, Chinese kept."""
    cleaned = _UNSAFE_FILENAME.sub("_", text).strip(" .") or "未命名"
    return cleaned[:limit]


def find_template(name: str, user_dir: Path | None = None) -> Path:
    if user_dir is not None:
        candidate = Path(user_dir) / name
        if candidate.is_file():
            return candidate
    shipped = templates_dir() / name
    if shipped.is_file():
        return shipped
    raise TemplateProblem(f"找不到模板 {name}（已查找 {user_dir or '—'} 和 {templates_dir()}）；请重新安装 qjtitle 或检查模板文件夹")


def jinja_env():  # type: ignore[no-untyped-def]
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["cn_date"] = cn_date
    return env


def render_docx(name: str, context: dict[str, Any], out_path: Path, user_dir: Path | None = None) -> Path:
    """Render template ``name`` with ``context`` to ``out_path`` (atomically)."""
    import jinja2
    from docxtpl import DocxTemplate

    template_path = find_template(name, user_dir)
    try:
        tpl = DocxTemplate(str(template_path))
        tpl.render(context, jinja_env(), autoescape=True)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"模板 {template_path} 第{exc.lineno}行语法错误：{exc.message}；请在 Word 中修改该模板的标记") from None
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"模板 {template_path} 使用了未知的变量（{exc.message}）；请对照 qjtitle 自带模板修改") from None
    except Exception as exc:  # noqa: BLE001 - docxtpl wraps XML and zip errors in several types
        raise TemplateProblem(f"模板 {template_path} 无法使用（{type(exc).__name__}: {exc}）；请确认它是 .docx 文件") from None
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=".tmp-", suffix=".docx")
    os.close(fd)
    try:
        tpl.save(tmp)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path
