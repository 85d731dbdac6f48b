"""Template injection (issue 15, item 1): a template is data, never code.

Each payload below runs a shell command that creates a marker file when rendered by a plain
``jinja2.Environment`` (shown by the first test, so the payloads are real). Rendered by qjtitle
(``templates check``, ``applicants corrections``, ``export-filing``) none may run: the marker must
not appear, and ``templates check`` names the template and the offending tag in Chinese.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from qjtitle.documents import catalogue, folders, sandbox
from qjtitle.errors import TemplateProblem
from qjtitle.filing import export as filing
from qjtitle.filing import samples
from qjtitle.findings import Step
from qjtitle.intake import corrections


def payloads(marker: Path) -> dict[str, str]:
    """Escape shapes, each creating ``marker`` if it ever runs (``echo`` works in sh and cmd)."""
    cmd = f"echo pwned > {marker.as_posix()}"
    return {
        "issue": "{{ cycler.__init__.__globals__.os.popen('" + cmd + "').read() }}",
        "mro": (
            "{% for c in ''.__class__.__mro__[1].__subclasses__() %}"
            "{% if c.__name__ == 'Popen' and c.__module__ == 'subprocess' %}{{ c('"
            + cmd
            + "', shell=True).wait() }}{% endif %}{% endfor %}"
        ),
        "lipsum": "{{ lipsum.__globals__['os'].system('" + cmd + "') }}",
        "self": "{{ self.__init__.__globals__.__builtins__.__import__('os').system('"
        + cmd
        + "') }}",
        "attr-escaped": (
            "{{ (cycler|attr('\\x5f\\x5finit\\x5f\\x5f')|attr('\\x5f\\x5fglobals\\x5f\\x5f'))['os']"
            ".popen('" + cmd + "').read() }}"
        ),
        "joiner-getitem": "{{ joiner['__init__']['__globals__']['os'].popen('"
        + cmd
        + "').read() }}",
        "format-string": "{{ '{0.__init__.__globals__[os].popen}'.format(cycler) }}",
        "context-object": "{{ committee.__class__.__base__.__subclasses__() }}",
        "if-tag": "{% if cycler.__init__.__globals__.os.popen('" + cmd + "').read() %}x{% endif %}",
    }


# Built at run time from pieces: no tag names the attribute, so only the sandbox can stop it.
RUNTIME_ONLY = (
    "{% set u = '_' ~ '_' %}"
    "{{ namespace[u ~ 'init' ~ u][u ~ 'globals' ~ u]['os'].popen('CMD').read() }}"
)


def with_paragraph(tmp_path: Path, name: str, text: str, folder: str = "mine") -> Path:
    import docx

    dest = tmp_path / folder
    catalogue.copy_templates(dest, [name], overwrite=True)
    doc = docx.Document(str(dest / name))
    doc.add_paragraph(text)
    doc.save(str(dest / name))
    return dest / name


def test_the_payloads_are_real_in_a_plain_jinja_environment(tmp_path: Path) -> None:
    import jinja2

    for shape, source in payloads(tmp_path / "m").items():
        marker = tmp_path / f"plain-{shape}"
        source = source.replace((tmp_path / "m").as_posix(), marker.as_posix())
        if shape in ("format-string", "context-object"):
            continue  # these read, not run
        jinja2.Environment().from_string(source).render(committee={})
        assert marker.exists(), shape


@pytest.mark.parametrize("shape", sorted(payloads(Path("x"))))
def test_templates_check_refuses_each_shape_and_runs_nothing(tmp_path: Path, shape: str) -> None:
    marker = tmp_path / "marker"
    path = with_paragraph(tmp_path, "correction_notice.docx", payloads(marker)[shape])
    (check,) = samples.check_templates([str(path)])
    assert not check.ok
    message = check.errors[0]
    assert (
        f"模板 {path}" in message
        and "含有不允许的标记" in message
        and "没有执行其中任何内容" in message
    )
    assert "“{{" in message or "“{%" in message  # the offending tag, in its words
    assert not marker.exists()


def test_the_message_names_the_issue_payload_tag(tmp_path: Path) -> None:
    path = with_paragraph(
        tmp_path,
        "correction_notice.docx",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    )
    (check,) = samples.check_templates([str(path)])
    assert (
        "“{{ cycler.__init__.__globals__.os.popen('id').read() }}”：访问内部属性 __globals__，访问内部属性 __init__，"
        "使用了不允许的名称 cycler。" in check.errors[0]
    )


def test_the_sandbox_stops_what_the_scan_cannot_see(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    source = RUNTIME_ONLY.replace("CMD", f"echo pwned > {marker.as_posix()}")
    env = sandbox.jinja_env()
    assert sandbox.scan_source(env, source) == []  # no tag names an internal attribute
    with pytest.raises(Exception) as caught:
        env.from_string(source).render()
    assert not marker.exists()
    assert "__init__" in str(caught.value)  # undefined: the sandbox hides the attribute
    path = with_paragraph(tmp_path, "correction_notice.docx", source)
    (check,) = samples.check_templates([str(path)])
    assert not check.ok and not marker.exists()


def test_only_the_allowed_filters_and_globals(tmp_path: Path) -> None:
    env = sandbox.jinja_env()
    assert "attr" not in env.filters and "safe" not in env.filters and "cn_date" in env.filters
    assert set(env.globals) <= sandbox.ALLOWED_GLOBALS and "cycler" not in env.globals
    assert (
        env.from_string("{{ items|map(attribute='name')|join('、') }}").render(
            items=[{"name": "甲"}, {"name": "乙"}]
        )
        == "甲、乙"
    )
    assert (
        env.from_string("{{ '%s号'|format(3) }}").render() == "3号"
    )  # %-formatting reads no attributes
    with pytest.raises(sandbox.UnsafeTemplate, match="格式化字符串方法 format"):
        env.from_string("{{ '{}年'.format(2023) }}")
    path = with_paragraph(tmp_path, "correction_notice.docx", "{{ unit|safe }}")
    (check,) = samples.check_templates([str(path)])
    assert "使用了不允许的过滤器 safe" in check.errors[0]


def test_include_is_refused(tmp_path: Path) -> None:
    path = with_paragraph(tmp_path, "correction_notice.docx", "{% include '/etc/passwd' %}")
    (check,) = samples.check_templates([str(path)])
    assert "“{% include '/etc/passwd' %}”：引用其他模板" in check.errors[0]


def test_a_payload_in_the_document_properties_is_refused(tmp_path: Path) -> None:
    import docx

    marker = tmp_path / "marker"
    dest = tmp_path / "mine"
    catalogue.copy_templates(dest, ["correction_notice.docx"])
    doc = docx.Document(str(dest / "correction_notice.docx"))
    doc.core_properties.subject = payloads(marker)["issue"]  # docxtpl renders the properties too
    doc.save(str(dest / "correction_notice.docx"))
    (check,) = samples.check_templates([str(dest / "correction_notice.docx")])
    assert not check.ok and "访问内部属性 __init__" in check.errors[0] and not marker.exists()


@pytest.fixture
def imported(store, committee, make_workbook):
    from qjtitle.intake.applicants import import_applicants
    from tests.conftest import applicant_row

    book = make_workbook([applicant_row(毕业院校="")], name="卫生中级.xlsx")
    import_applicants(store, [book], "QJ-WS-ZJ", 2023)
    return store


def test_corrections_with_a_hostile_template_run_nothing_and_write_nothing(
    imported, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    with_paragraph(tmp_path, "correction_notice.docx", payloads(marker)["issue"], folder="hostile")
    out = tmp_path / "out"
    with pytest.raises(TemplateProblem, match="含有不允许的标记"):
        corrections.issue_notices(
            imported, "QJ-WS-ZJ", out, 5, today=date(2023, 9, 25), templates=tmp_path / "hostile"
        )
    assert not marker.exists()
    assert not out.exists() or not any(out.iterdir())
    with imported.transaction() as session:
        from sqlmodel import select

        from qjtitle.models import CorrectionNotice

        assert session.exec(select(CorrectionNotice)).all() == []


def test_export_filing_with_a_hostile_folder_beside_the_store(
    filing_meeting, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    store_dir = filing_meeting.store.directory
    with_paragraph(store_dir, "pre_publicity.docx", payloads(marker)["mro"], folder="templates")
    with pytest.raises(TemplateProblem) as caught:
        filing.export_filing(
            filing_meeting.store, filing_meeting.meeting, "pre", tmp_path / "out", force=True
        )
    assert "尚未通过检查" in str(caught.value)
    fix = caught.value.finding.fix
    assert fix is not None and fix.step is Step.CHECK_TEMPLATES
    assert fix.args["template"] == "pre_publicity"
    assert not marker.exists()
    # named with --templates it is used, and refused by the sandbox's scan
    with pytest.raises(TemplateProblem, match="含有不允许的标记"):
        filing.export_filing(
            filing_meeting.store,
            filing_meeting.meeting,
            "pre",
            tmp_path / "out",
            force=True,
            templates=store_dir / "templates",
        )
    assert not marker.exists()
    assert not (tmp_path / "out").exists() or [p.name for p in (tmp_path / "out").iterdir()] == []


def test_a_folder_beside_the_store_is_used_once_checked_and_refused_after_a_change(
    filing_meeting, tmp_path: Path
) -> None:
    from tests.test_templates import docx_text

    store_dir = filing_meeting.store.directory
    path = with_paragraph(
        store_dir,
        "pre_publicity.docx",
        "本公示由{{ committee.name }}发布（自定义）",
        folder="templates",
    )

    def listed() -> str:
        items = catalogue.list_templates(folders.user_templates_dir(None, store_dir))
        return next(i.source for i in items if i.name == "pre_publicity.docx")

    assert listed() == "自定义（未通过 templates check，不会使用）"
    checks = samples.check_templates(["pre_publicity"], store_dir=store_dir)
    assert listed() == "自定义"
    assert [c.ok for c in checks] == [True] and checks[0].source == "自定义"
    assert (
        folders.accepted_hashes(store_dir / "templates")["pre_publicity.docx"] == checks[0].sha256
    )
    result = filing.export_filing(
        filing_meeting.store, filing_meeting.meeting, "pre", tmp_path / "out", force=True
    )
    publicity = next(result.folder.glob("*会前公示*.docx"))
    assert "（自定义）" in docx_text(publicity)
    os.utime(path)
    with_paragraph(
        store_dir, "pre_publicity.docx", "改过了", folder="templates"
    )  # changed after the check
    with pytest.raises(TemplateProblem, match="尚未通过检查，或检查后又被修改过"):
        filing.export_filing(
            filing_meeting.store, filing_meeting.meeting, "pre", tmp_path / "out2", force=True
        )


def test_cli_templates_check_reports_the_template_and_tag(cli, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = with_paragraph(tmp_path, "review_form.docx", payloads(marker)["lipsum"])
    result = cli("templates", "check", str(path))
    assert result.exit_code == 1
    assert (
        "review_form.docx" in result.output
        and "lipsum" in result.output
        and "含有不允许的标记" in result.output
    )
    assert "Traceback" not in result.output and not marker.exists()


# More shapes from public SSTI write-ups (reading, not running: each would leak Python internals).
MORE_SHAPES = [
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{{ ''|attr('__class__') }}",
    "{{ range.__init__ }}",
    "{{ committee.__dict__ }}",
    "{{ (1).__class__.__base__.__subclasses__() }}",
    "{{ ().__class__.__bases__[0] }}",
    "{% set x = namespace.__init__.__globals__ %}{{ x }}",
    "{{ dict.mro() }}",
    "{% for row in items %}{{ loop.__class__ }}{% endfor %}",
    "{{ '%s'|format(cycler) }}",
    "{{ ''.join.__self__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ committee['__class__'] }}",
    "{{ items|map(attribute='__class__')|list }}",
    "{{ items|selectattr('__class__')|list }}",
    "{{ unit|pprint }}",
    "{% set l = [1] %}{{ l.append(2) }}",  # a mutating call: refused by the immutable sandbox at run time
]


@pytest.mark.parametrize("source", MORE_SHAPES)
def test_more_shapes_are_refused_by_the_check(tmp_path: Path, source: str) -> None:
    path = with_paragraph(tmp_path, "correction_notice.docx", source)
    (check,) = samples.check_templates([str(path)])
    assert not check.ok, source
    assert any("不允许" in e for e in check.errors), check.errors
    assert all("Traceback" not in e for e in check.errors)


# --- Issue 23: a budget in time and memory ------------------------------------------------------------
# Each payload hung the renderer or took over 1 GiB before; each is now stopped inside the sandbox, in a
# second or so, with the template and the limit named in Chinese. Run by the real CLI in a child process
# held to 1 GiB of address space and 120 s.

BUDGET_PAYLOADS = {
    "nested-ranges": "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
    "nested-loops": "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}",
    "string-times": "{{ 'x' * 1000000000 }}",
    "list-times": "{{ ([0] * 1000000000)|length }}",
    "exponential-macro": (
        "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}"
    ),
    "deep-macro": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "power-at-run-time": "{% set n = 10 ** 8 %}{{ 7 ** n }}",
    "squaring": (
        "{% set ns = namespace(x=7) %}{% for i in range(64) %}{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x }}"
    ),
    "wordwrap": "{{ 'a b'|wordwrap(1000000000) }}",
    "center": "{{ '甲'|center(1000000000) }}",
    "format-width": "{{ '%1000000000d'|format(1) }}",
    "doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
    ),
    "replace": "{{ ('x' * 100000)|replace('', 'yyyyyyyyyy') }}",
}
LIMIT_WORDS = {
    "nested-ranges": "range 超过",
    "nested-loops": "运算超过",
    "string-times": "乘法得到的文字或列表超过",
    "list-times": "乘法得到的文字或列表超过",
    "exponential-macro": "运算超过",
    "deep-macro": "嵌套调用超过",
    "power-at-run-time": "乘方得到的数字超过",
    "squaring": "乘法得到的数字超过",
    "wordwrap": "过滤器 wordwrap 的宽度或长度超过",
    "center": "过滤器 center 的宽度或长度超过",
    "format-width": "过滤器 format 的宽度或精度超过",
    "doubling": "“~”连接得到的文字或列表超过",
    "replace": "过滤器 replace 得到的文字超过",
}


def _put(tmp_path: Path, name: str, text: str, place: str) -> Path:
    import docx

    dest = tmp_path / "mine"
    catalogue.copy_templates(dest, [name], overwrite=True)
    doc = docx.Document(str(dest / name))
    if place == "body":
        doc.add_paragraph(text)
    elif place == "header":
        doc.sections[0].header.add_paragraph(text)
    else:
        doc.core_properties.title = text
    doc.save(str(dest / name))
    return dest / name


def _check_in_a_limited_child(path: Path, tmp_path: Path) -> tuple[int | None, str, float]:
    from tests.test_hostile_input import run_cli

    run = run_cli(
        ["templates", "check", str(path)],
        tmp_path / "store" / "q.db",
        memory=1024 * 1024 * 1024,
        timeout=120,
    )
    return run.code, run.text, run.seconds


@pytest.mark.parametrize("payload", sorted(BUDGET_PAYLOADS))
def test_templates_check_stops_a_template_over_its_budget(tmp_path: Path, payload: str) -> None:
    path = _put(tmp_path, "correction_notice.docx", BUDGET_PAYLOADS[payload], "body")
    code, text, seconds = _check_in_a_limited_child(path, tmp_path)
    assert code == 1, (code, text[-2000:])
    assert "Traceback" not in text and "意外错误" not in text, text[-2000:]
    # a count of operations can run out of clock first on a loaded machine: both are the budget
    words = (
        (LIMIT_WORDS[payload], "生成一份文书超过")
        if LIMIT_WORDS[payload] == "运算超过"
        else (LIMIT_WORDS[payload],)
    )
    assert "超出了生成文书的限额" in text and any(w in text for w in words), text[-2000:]
    assert "correction_notice.docx" in text
    assert seconds < 60


@pytest.mark.parametrize("place", ["header", "properties"])
@pytest.mark.parametrize("payload", ["nested-loops", "string-times", "wordwrap"])
def test_the_budget_holds_in_headers_and_document_properties(
    tmp_path: Path, payload: str, place: str
) -> None:
    path = _put(tmp_path, "review_form.docx", BUDGET_PAYLOADS[payload], place)
    code, text, _ = _check_in_a_limited_child(path, tmp_path)
    assert code == 1, (code, text[-2000:])
    assert "超出了生成文书的限额" in text and LIMIT_WORDS[payload] in text, text[-2000:]


def test_the_budget_is_per_render_and_ordinary_templates_are_within_it() -> None:
    env = sandbox.jinja_env()
    loop = env.from_string("{% for i in range(1000) %}{{ i }}{% endfor %}")
    for _ in range(3000):  # 3,000 documents of 1,000 iterations each: the budget is not shared
        loop.render()
    assert env.from_string("{{ 2 ** 100 }}{{ 'ab' * 3 }}{{ '%05d'|format(7) }}").render() == (
        f"{2**100}ababab00007"
    )
    with pytest.raises(sandbox.TemplateOverBudget, match="range 超过 10000 项"):
        env.from_string("{{ range(10001)|list }}").render()


def test_corrections_with_a_template_over_budget_write_nothing(imported, tmp_path: Path) -> None:
    _put(tmp_path, "correction_notice.docx", BUDGET_PAYLOADS["nested-loops"], "body")
    out = tmp_path / "out"
    with pytest.raises(TemplateProblem, match="超出了生成文书的限额（运算超过"):
        corrections.issue_notices(
            imported, "QJ-WS-ZJ", out, 5, today=date(2023, 9, 25), templates=tmp_path / "mine"
        )
    assert not out.exists() or not any(out.iterdir())


def test_export_filing_with_a_template_over_budget_writes_nothing(
    filing_meeting, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    _put(tmp_path, "pre_publicity.docx", BUDGET_PAYLOADS["string-times"], "header")
    with pytest.raises(TemplateProblem, match="pre_publicity.docx 超出了生成文书的限额"):
        filing.export_filing(
            filing_meeting.store,
            filing_meeting.meeting,
            "pre",
            tmp_path / "out",
            force=True,
            templates=folder,
        )
    assert not (tmp_path / "out").exists() or [p.name for p in (tmp_path / "out").iterdir()] == []
