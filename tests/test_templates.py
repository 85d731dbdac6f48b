"""Templates: rendering (escaping, reuse, draft and capture), list, copy, and check against sample contexts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qjtitle.documents import catalogue, folders, render
from qjtitle.errors import AlreadyExists, NotFound, TemplateProblem
from qjtitle.filing import samples
from qjtitle.paths import templates_dir

SHIPPED = [
    "attending_experts.docx",
    "correction_notice.docx",
    "draw_record.docx",
    "eligibility_results.docx",
    "meeting_plan.docx",
    "pass_roster.docx",
    "postfiling_report.docx",
    "pre_publicity.docx",
    "prefiling_report.docx",
    "publicity_account.docx",
    "result_confirmation.docx",
    "result_publicity.docx",
    "review_account.docx",
    "review_form.docx",
    "sign_in_sheet.docx",
]


def docx_text(path: Path) -> str:
    import docx

    d = docx.Document(str(path))
    lines = [p.text for p in d.paragraphs]
    lines += [" | ".join(c.text for c in row.cells) for t in d.tables for row in t.rows]
    lines += [p.text for s in d.sections for p in s.header.paragraphs]
    return "\n".join(lines)


def edited(tmp_path: Path, name: str, paragraph: str, folder: str = "mine") -> Path:
    """A copy of a shipped template with one paragraph added at the end."""
    import docx

    dest = tmp_path / folder
    catalogue.copy_templates(dest, [name], overwrite=True)
    doc = docx.Document(str(dest / name))
    doc.add_paragraph(paragraph)
    doc.save(str(dest / name))
    return dest / name


def test_every_shipped_template_passes_its_check() -> None:
    checks = samples.check_templates()
    assert [c.name for c in checks] == SHIPPED
    assert [(c.name, c.errors) for c in checks if not c.ok] == []
    assert {c.source for c in checks} == {"自带"}


def test_sample_contexts_come_from_the_filing_code() -> None:
    review = samples.sample_context("review_form.docx")
    assert review["committee"]["name"] == "示例职称评审委员会"
    assert [r["expert"] for r in review["reviews"]] and review["draft"] is False
    assert samples.sample_context("draw_record.docx")["drawers"] == ["甲", "乙", "丙"]
    notice = samples.sample_context("correction_notice.docx")
    assert (
        notice["items"][0]["message"] == "“毕业院校”为空"
        and notice["rejected"][0]["name"] == "刘洋"
    )
    names = [p["name"] for p in samples.sample_context("pre_publicity.docx")["people"]]
    assert "张&<丽>" in names
    sample = samples.sample_context("pass_roster.docx")
    sample["people"].clear()
    assert samples.sample_context("pass_roster.docx")["people"]  # each call is a fresh copy
    with pytest.raises(Exception, match="没有模板 nothing.docx 的样例数据"):
        samples.sample_context("nothing.docx")


def test_names_with_markup_render_literally(tmp_path) -> None:
    out = render.render_docx(
        "pre_publicity.docx", samples.sample_context("pre_publicity.docx"), tmp_path / "p.docx"
    )
    text = docx_text(out)
    assert "张&<丽> | R&D <示例医院>" in text
    assert "&amp;" not in text and "&lt;" not in text


def test_a_renderer_reads_its_template_once_and_renders_many(tmp_path, monkeypatch) -> None:
    renderer = render.DocxRenderer("review_form.docx")
    context = samples.sample_context("review_form.docx")
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("template read again"))
    renderer.render(context, tmp_path / "first.docx")
    compiled, patched = len(renderer.env._compiled), len(renderer.patched)
    for i in range(3):
        renderer.render({**context, "number": i + 1}, tmp_path / f"{i}.docx")
    assert "第 3 号" in docx_text(tmp_path / "2.docx")
    assert (
        (len(renderer.env._compiled), len(renderer.patched)) == (compiled, patched) == (compiled, 3)
    )


def test_extra_context_marks_every_page_as_draft_and_capture_records(tmp_path) -> None:
    context = samples.sample_context("draw_record.docx")
    context.pop("draft")
    plain = render.render_docx(
        "draw_record.docx", context, tmp_path / "a.docx"
    )  # draft undefined: no mark
    assert "草稿" not in docx_text(plain)
    with render.capture_contexts() as captured, render.extra_context(draft=True):
        marked = render.render_docx("draw_record.docx", context, tmp_path / "b.docx")
    assert "草稿　不得作为正式材料报送" in docx_text(marked)
    assert captured["draw_record.docx"]["draft"] is True


def test_list_shows_shipped_and_user_templates(tmp_path) -> None:
    items = catalogue.list_templates()
    assert [i.name for i in items] == SHIPPED
    titles = {i.name: i.title for i in items}
    assert (
        titles["review_form.docx"] == "专家评议表"
        and titles["pass_roster.docx"] == "评审通过人员名册"
    )
    assert {i.source for i in items} == {"自带"}
    mine = tmp_path / "mine"
    edited(tmp_path, "review_form.docx", "自定义")
    (mine / "my_letter.docx").write_bytes((templates_dir() / "pass_roster.docx").read_bytes())
    items = {i.name: i for i in catalogue.list_templates(mine)}
    assert (
        items["review_form.docx"].source == "自定义"
        and items["review_form.docx"].path == mine / "review_form.docx"
    )
    assert items["pass_roster.docx"].source == "自带"
    assert items["my_letter.docx"].source == "未使用"


def test_copy_keeps_edited_templates_unless_overwrite(tmp_path) -> None:
    dest = tmp_path / "mine"
    written = catalogue.copy_templates(dest)
    assert sorted(p.name for p in written) == SHIPPED
    assert (dest / "review_form.docx").read_bytes() == (
        templates_dir() / "review_form.docx"
    ).read_bytes()
    (dest / "review_form.docx").write_bytes(b"edited")
    with pytest.raises(AlreadyExists, match="review_form.docx"):
        catalogue.copy_templates(dest, ["review_form", "pass_roster.docx"])
    assert (dest / "review_form.docx").read_bytes() == b"edited"
    catalogue.copy_templates(dest, ["review_form"], overwrite=True)
    assert (dest / "review_form.docx").read_bytes() != b"edited"
    with pytest.raises(NotFound, match="没有名为 nothing.docx 的模板"):
        catalogue.copy_templates(dest, ["nothing"])


def test_check_finds_a_syntax_error_and_names_the_line(tmp_path) -> None:
    path = edited(tmp_path, "pass_roster.docx", "审核：{% if committee.name %}没有结束")
    (check,) = samples.check_templates([str(path)])
    assert check.source == "指定文件" and not check.ok
    (message,) = check.errors
    assert re.match(
        rf"模板 {re.escape(str(path))} 正文第\d+行（“审核：\{{% if committee.name %\}}没有结束”）语法错误：标记没有结束",
        message,
    )
    assert "endif" in message


def test_check_lists_unknown_variables(tmp_path) -> None:
    path = edited(tmp_path, "pass_roster.docx", "批准人：{{ approver_name }}")
    (check,) = samples.check_templates(["pass_roster"], templates=path.parent)
    assert check.source == "自定义"
    assert check.unknown == ["approver_name"]
    (message,) = check.errors
    assert re.match(
        rf"模板 {re.escape(str(path))} 正文第\d+行（“批准人：\{{\{{ approver_name \}}\}}”）使用了未知的变量（'approver_name' is undefined）",
        message,
    )
    assert (
        "此模板可用的变量：address、citation_note、committee、contact" in message
        and "、people、signer、transcribed、year" in message
    )


def test_check_reports_a_misspelt_attribute_with_its_line(tmp_path) -> None:
    path = edited(tmp_path, "pass_roster.docx", "评委会：{{ committee.nmae }}")
    (check,) = samples.check_templates([str(path)])
    (message,) = check.errors
    assert re.match(
        rf"模板 {re.escape(str(path))} 正文第\d+行（“评委会：\{{\{{ committee.nmae \}}\}}”）使用了未知的变量（'dict object' has no attribute 'nmae'）",
        message,
    )


def test_check_finds_an_error_in_the_header(tmp_path) -> None:
    import docx

    dest = tmp_path / "mine"
    catalogue.copy_templates(dest, ["pass_roster"])
    doc = docx.Document(str(dest / "pass_roster.docx"))
    doc.sections[0].header.paragraphs[-1].add_run("{% if draft %}")  # the visible header line
    doc.save(str(dest / "pass_roster.docx"))
    (check,) = samples.check_templates(["pass_roster"], templates=dest)
    assert (
        re.search(r"页眉第\d+行", check.errors[0]) and "语法错误：标记没有结束" in check.errors[0]
    )


def test_check_of_a_file_that_is_not_a_docx(tmp_path) -> None:
    path = tmp_path / "review_form.docx"
    path.write_bytes(b"not a docx")
    (check,) = samples.check_templates([str(path)])
    assert not check.ok and "请确认它是 Word（.docx）文件" in check.errors[0]
    with pytest.raises(Exception, match="不是 qjtitle 的模板名"):
        samples.check_templates([str(tmp_path / "letter.docx")])
    with pytest.raises(Exception, match="没有名为 nothing 的模板"):
        samples.check_templates(["nothing"])


def test_a_broken_template_fails_the_render_with_a_clear_message(tmp_path) -> None:
    path = edited(tmp_path, "pass_roster.docx", "{{ committee.name ")
    with pytest.raises(TemplateProblem) as info:
        render.render_docx(
            "pass_roster.docx",
            samples.sample_context("pass_roster.docx"),
            tmp_path / "o.docx",
            path.parent,
        )
    assert (
        str(path) in str(info.value) and "语法错误" in str(info.value) and "第" in str(info.value)
    )
    assert not (tmp_path / "o.docx").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_user_templates_dir(tmp_path) -> None:
    assert folders.user_templates_dir(None, tmp_path) is None
    (tmp_path / "templates").mkdir()
    assert folders.user_templates_dir(None, tmp_path) == tmp_path / "templates"
    assert folders.user_templates_dir(tmp_path, None) == tmp_path
    with pytest.raises(NotFound, match="自定义模板文件夹 .* 不存在"):
        folders.user_templates_dir(tmp_path / "none", None)
