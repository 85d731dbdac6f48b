"""Forms at zip speed (issue 27.3): the fast path writes the very documents docxtpl writes.

The reference in every test is docxtpl itself, unchanged: a fresh ``DocxTemplate`` of the template
file, ``render(context, jinja_env(), autoescape=True)`` and ``save``. Every member of every .docx the
fast path writes is compared with it: the same names in the same order, the same zip headers, the same
bytes (parts and compressed data alike); only the time stamps are the time of writing.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qjtitle.documents import docxzip, render, sandbox
from qjtitle.errors import TemplateProblem
from qjtitle.filing import export as filing


def reference(template: Path, context: dict[str, Any]) -> bytes:
    """What docxtpl alone writes for ``context`` in qjtitle's sandbox."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template))
    tpl.render(context, sandbox.jinja_env(), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def members(data: bytes) -> list[tuple[object, ...]]:
    """Every member's name, zip header fields (all but the time), compressed and plain bytes."""
    rows = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        for i in z.infolist():
            with z.open(i) as fh:
                plain = fh.read()
            start = i.header_offset + 30 + len(i.filename.encode()) + len(i.extra)
            rows.append(
                (
                    i.filename,
                    i.compress_type,
                    i.CRC,
                    i.file_size,
                    i.compress_size,
                    i.flag_bits,
                    i.create_system,
                    i.create_version,
                    i.extract_version,
                    i.external_attr,
                    i.internal_attr,
                    i.extra,
                    i.comment,
                    data[start : start + i.compress_size],
                    plain,
                )
            )
    return rows


def assert_same_document(fast: bytes, docxtpl: bytes) -> None:
    mine, theirs = members(fast), members(docxtpl)
    assert [m[0] for m in mine] == [m[0] for m in theirs]
    for a, b in zip(mine, theirs, strict=True):
        assert a[-1] == b[-1], f"{a[0]} differs"
        assert a == b, f"{a[0]}: zip headers differ"
    assert len(fast) == len(docxtpl)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, dict[str, Any], bytes]]:
    """Every document the fast path writes: its template, final context and bytes."""
    calls: list[tuple[Path, dict[str, Any], bytes]] = []
    real = render.DocxRenderer._fast_bytes

    def spy(self: render.DocxRenderer, context: dict[str, Any]) -> bytes | None:
        data = real(self, context)
        if data is not None:
            calls.append((self.path, context, data))
        return data

    monkeypatch.setattr(render.DocxRenderer, "_fast_bytes", spy)
    return calls


def test_the_post_package_forms_are_docxtpls_member_for_member(
    filing_meeting, tmp_path: Path, recorded
) -> None:
    import hashlib

    result = filing.export_filing(
        filing_meeting.store,
        filing_meeting.meeting,
        "post",
        tmp_path / "out",
        force=True,
        make_zip=True,
    )
    forms = sorted(result.folder.glob("07_*/*.docx"))
    assert len(forms) >= 3
    # the first form is docxtpl's own, every later one is the fast path's
    assert [p.name for p, _c, _d in recorded] == ["review_form.docx"] * (len(forms) - 1)
    written = {hashlib.sha256(p.read_bytes()).hexdigest() for p in forms}
    for template, context, data in recorded:
        assert hashlib.sha256(data).hexdigest() in written
        assert_same_document(data, reference(template, context))
    # the package zip holds every file as written; the compressed ones stored, not deflated again
    assert result.zip is not None
    with zipfile.ZipFile(result.zip) as z:
        entries = {i.filename: i for i in z.infolist()}
        for path in result.folder.rglob("*"):
            if path.is_file():
                name = f"{result.folder.name}/{path.relative_to(result.folder).as_posix()}"
                assert z.read(name) == path.read_bytes()
                stored = path.suffix in (".docx", ".xlsx", ".png")
                assert entries.pop(name).compress_type == (
                    zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                ), name
    assert entries == {}


def _table_of(doc: Any, rows: int, cols: int) -> Any:
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    return table


@pytest.fixture
def featured(tmp_path: Path) -> Path:
    """A template using what docxtpl offers: {%p, {%tr, {%tc loops that change the columns (fix_tables),
    colspan, cellbg, vm, hm, {{r with RichText, text with tabs and breaks, a picture (wp:docPr ids),
    tags in the header, the footer and the document properties."""
    import docx

    from qjtitle.portrait import png

    doc = docx.Document()
    doc.core_properties.title = "{{ title }}（评议）"
    doc.core_properties.subject = "{{ subject }}"
    doc.core_properties.author = "qjtitle"
    section = doc.sections[0]
    section.header.paragraphs[0].text = "{% if draft %}草稿{% endif %}{{ title }}"
    section.footer.paragraphs[0].text = "第 {{ number }} 号"
    doc.add_paragraph("{%p if draft %}")
    doc.add_paragraph("草稿：{{ title }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ opinion }}")
    doc.add_paragraph("{{r rich }}")
    doc.add_paragraph("{{ listing }}")
    picture = tmp_path / "dot.png"
    picture.write_bytes(png(4, 4, [b"\xc8\x1e\x1e" * 4] * 4))
    doc.add_picture(str(picture))
    doc.add_paragraph("{%p for i in range(count) %}")
    doc.add_picture(str(picture))
    doc.add_paragraph("{%p endfor %}")
    rows = _table_of(doc, 4, 2)
    rows.cell(0, 0).text, rows.cell(0, 1).text = "项目", "内容"
    rows.cell(1, 0).text = "{%tr for f in facts %}"
    rows.cell(2, 0).text, rows.cell(2, 1).text = "{{ f.label }}", "{{ f.value }}"
    rows.cell(3, 0).text = "{%tr endfor %}"
    wide = _table_of(doc, 2, 4)  # the columns of row 0 change with the context (fix_tables)
    for i, text in enumerate(["姓名", "{%tc for c in columns %}", "{{ c }}", "{%tc endfor %}"]):
        wide.cell(0, i).text = text
    for i, text in enumerate(["{% colspan span %}合并", "{% cellbg colour %}底色", "甲", "乙"]):
        wide.cell(1, i).text = text
    merged = _table_of(doc, 4, 2)  # vertical merge within a row loop
    merged.cell(0, 0).text, merged.cell(0, 1).text = "组", "列"
    merged.cell(1, 0).text = "{%tr for c in columns %}"
    merged.cell(2, 0).text, merged.cell(2, 1).text = "{% vm %}同组", "{{ c }}"
    merged.cell(3, 0).text = "{%tr endfor %}"
    spans = _table_of(doc, 1, 3)  # horizontal merge within a cell loop
    for i, text in enumerate(["{%tc for c in columns %}", "{% hm %}{{ c }}", "{%tc endfor %}"]):
        spans.cell(0, i).text = text
    path = tmp_path / "featured.docx"
    doc.save(str(path))
    return path


def featured_context(number: int, draft: bool, columns: int) -> dict[str, Any]:
    from docxtpl import Listing, RichText

    rich = RichText("粗体 <b> & ", bold=True)
    rich.add("红字\n第二行", color="C00000")
    return {
        "draft": draft,
        "number": number,
        "title": f"申报人{number} & <合作> \"引号\" '单引号'",
        "subject": "评议 & 表决" * (number % 3),
        "opinion": "意见：第一行\n第二行\t制表\a新段\f新页" if number % 2 else "同意。",
        "rich": rich,
        "listing": Listing("清单 1\n清单 2\a段落"),
        "count": number % 3,
        "facts": [{"label": f"项{i}", "value": f"值 <{i}> & {number}"} for i in range(number % 4)],
        "columns": [f"列{i}" for i in range(columns)],
        "span": 2,
        "colour": "FFFF00" if number % 2 else "DDDDDD",
    }


def test_a_template_with_every_docxtpl_feature(featured: Path, recorded) -> None:
    renderer = render.DocxRenderer("featured.docx", path=featured)
    contexts = [
        featured_context(n, draft, columns)
        for n, draft, columns in [(1, True, 2), (2, False, 2), (3, True, 4), (4, False, 1)]
        + [(n, n % 2 == 0, n % 5) for n in range(5, 12)]
    ]
    outputs = [renderer.render_bytes(c) for c in contexts]
    assert isinstance(renderer.fast, docxzip.DocxZip)
    assert len(recorded) == len(contexts) - 1
    for context, data in zip(contexts, outputs, strict=True):
        assert_same_document(data, reference(featured, render._without_controls(context)))
    rendered = renderer.fast.rendered_members()
    assert rendered == {
        "word/document.xml",
        "word/header1.xml",
        "word/footer1.xml",
        "docProps/core.xml",
    }
    with zipfile.ZipFile(io.BytesIO(outputs[2])) as z:
        body = z.read("word/document.xml").decode()
        core = z.read("docProps/core.xml").decode()
    assert "&lt;合作&gt;" in body and "<w:br/>" in body and 'w:fill="FFFF00"' in body
    assert "申报人3 &amp;amp; &amp;lt;合作&amp;gt;" in core  # docxtpl escapes the properties twice


def test_a_context_with_pictures_or_subdocuments_stays_with_docxtpl(
    featured: Path, recorded
) -> None:
    from docxtpl import DocxTemplate, InlineImage

    renderer = render.DocxRenderer("featured.docx", path=featured)
    renderer.render_bytes(featured_context(1, False, 2))
    renderer.render_bytes(featured_context(2, False, 2))
    assert len(recorded) == 1
    picture = InlineImage(DocxTemplate(str(featured)), io.BytesIO(b""))
    assert not docxzip.plain({"a": [{"b": picture}]})
    assert docxzip.plain({"a": [{"b": "text", "c": date(2023, 1, 1)}], "d": (1, None)})
    renderer.render_bytes({**featured_context(3, False, 2), "picture": [picture]})
    assert len(recorded) == 1  # the third document was docxtpl's


@pytest.mark.parametrize(
    "tag, words",
    [
        ("{{ missing.name }}", "使用了未知的变量（'missing' is undefined）"),
        (
            "{{ namespace[u ~ 'init' ~ u][u ~ 'globals' ~ u] }}",
            "含有不允许的标记",
        ),
        (
            "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
            "超出了生成文书的限额（运算超过",
        ),
    ],
)
def test_a_later_document_that_fails_fails_as_docxtpls_would(
    featured: Path, tmp_path: Path, tag: str, words: str
) -> None:
    """The first documents pass; the third reaches a tag that fails (undefined, outside the sandbox,
    over the budget): the message is the one the docxtpl path gives, and nothing is written."""
    import docx

    doc = docx.Document(str(featured))
    doc.add_paragraph("{% set u = '_' ~ '_' %}{% if number == 3 %}" + tag + "{% endif %}")
    doc.save(str(featured))
    renderer = render.DocxRenderer("featured.docx", path=featured)
    renderer.render(featured_context(1, False, 2), tmp_path / "1.docx")
    renderer.render(featured_context(2, False, 2), tmp_path / "2.docx")
    assert isinstance(renderer.fast, docxzip.DocxZip)
    with pytest.raises(TemplateProblem) as fast_error:
        renderer.render(featured_context(3, False, 2), tmp_path / "3.docx")
    slow = render.DocxRenderer("featured.docx", path=featured)
    slow.fast = False
    with pytest.raises(TemplateProblem) as docxtpl_error:
        slow.render(featured_context(3, False, 2), tmp_path / "3.docx")
    assert str(fast_error.value) == str(docxtpl_error.value)
    assert words in str(fast_error.value) and "featured.docx" in str(fast_error.value)
    assert sorted(p.name for p in tmp_path.glob("*.docx")) == ["1.docx", "2.docx", "featured.docx"]


def test_listing_only_where_it_changes_something() -> None:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate.__new__(DocxTemplate)
    xml = (
        "<w:p><w:pPr><w:jc/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>a\tb\nc\ad\fe</w:t></w:r></w:p>\n"
        '<w:p w:x="1"><w:r><w:t xml:space="preserve">plain</w:t></w:r></w:p>\n<w:tbl/>'
        "<w:p><w:r><w:t>x\ny</w:t></w:r><w:r><w:t>z</w:t></w:r></w:p>"
    )
    assert docxzip.resolve_listing(tpl.resolve_listing, xml) == tpl.resolve_listing(xml)
    assert docxzip.resolve_listing(tpl.resolve_listing, "<w:p>x</w:p>") == "<w:p>x</w:p>"
