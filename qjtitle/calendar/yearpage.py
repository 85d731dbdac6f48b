"""The year view as one self-contained HTML page: the shipped template filled in Jinja's sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qjtitle.calendar.yearview import YearView
from qjtitle.errors import NotFound
from qjtitle.findings import finding
from qjtitle.paths import templates_dir, write_atomically

if TYPE_CHECKING:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATE = "year_view.html.j2"


def environment() -> ImmutableSandboxedEnvironment:
    """Jinja's immutable sandbox over the shipped templates, autoescaping, undefined names fail."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(view: YearView) -> str:
    """The page as HTML text."""
    from markupsafe import Markup

    template = environment().get_template(TEMPLATE)
    return template.render(view=view, script=Markup(view.script))


def write_html(view: YearView, html: Path) -> Path:
    """Write the page to ``html`` (atomically: a failure leaves no half-written file)."""
    path = Path(html)
    if not path.parent.is_dir():
        raise NotFound(
            finding(
                "schedule.no_folder",
                f"文件夹 {path.parent} 不存在；请先创建",
                field="html",
                hint="换一个路径",
                folder=str(path.parent),
            )
        )
    text = render(view)
    return write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), ".html")
