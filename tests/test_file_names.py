"""File names made from data (issue 15, item 8): shortened by UTF-8 bytes, safe on Windows and Linux;
correction notices written all or nothing."""

from __future__ import annotations

import os
import time
import unicodedata
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from qjtitle import idcard
from qjtitle.documents import names
from qjtitle.documents.names import NAME_MAX_BYTES, file_name, safe_filename
from qjtitle.errors import QjtitleError
from qjtitle.filing import export as filing
from qjtitle.intake import corrections
from qjtitle.intake.applicants import import_applicants
from qjtitle.models import Applicant, CorrectionNotice
from tests.conftest import applicant_row, docx_text, examples

FORBIDDEN = set('\\/:*?"<>|')
LONG_UNIT = (
    "曲靖市" + "麒麟区南宁街道办事处社区卫生服务中心第一分中心" * 3 + "中西医结合康复医学科"
)  # ~80 characters
ISSUED = date(2023, 9, 25)


def assert_portable(name: str, limit: int = 255) -> None:
    assert 0 < len(name.encode("utf-8")) <= limit
    assert not FORBIDDEN & set(name) and all(ord(c) >= 32 for c in name)
    assert not any(unicodedata.category(c) == "Cf" for c in name)
    assert name == name.strip(" ") and not name.endswith(".")
    assert name.split(".")[0].strip().upper() not in names._RESERVED_NAMES


def test_the_long_unit_name_is_about_80_characters() -> None:
    assert 78 <= len(LONG_UNIT) <= 82 and len(LONG_UNIT.encode("utf-8")) > 230


@settings(max_examples=examples(300), deadline=None)
@given(st.text(min_size=0, max_size=300), st.integers(min_value=12, max_value=255))
def test_any_text_makes_a_portable_name_within_its_bytes(text: str, limit: int) -> None:
    name = safe_filename(text, limit)
    assert_portable(name, limit)
    whole = file_name("01_补正告知书_", text, ".docx")
    assert_portable(whole, NAME_MAX_BYTES)
    assert whole.startswith("01_补正告知书_") and whole.endswith(".docx")


@settings(max_examples=examples(60), deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200))
def test_the_names_can_be_created_on_this_file_system(tmp_path_factory, text: str) -> None:
    folder = tmp_path_factory.mktemp("names")
    path = folder / file_name("05_", text, ".docx")
    path.write_bytes(b"x")
    assert path.read_bytes() == b"x" and [p.name for p in folder.iterdir()] == [path.name]


def test_bytes_not_characters() -> None:
    cut = safe_filename(LONG_UNIT, 60)
    assert len(cut.encode("utf-8")) <= 60 and cut.endswith("…") and LONG_UNIT.startswith(cut[:-1])
    assert safe_filename("曲靖市第一人民医院") == "曲靖市第一人民医院"  # short names unchanged
    assert safe_filename("a" * 300, 100) == "a" * 97 + "…"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CON", "_CON"),
        ("con.docx", "_con.docx"),
        ("Lpt1", "_Lpt1"),
        ("NUL ", "_NUL"),
        ("COM9.txt", "_COM9.txt"),
        ("CONSOLE", "CONSOLE"),
        ("..", "未命名"),
        ("  ", "未命名"),
        ("a/b\\c:d", "a_b_c_d"),
        ("报告\u202excod.exe", "报告xcod.exe"),  # a right-to-left override would show "exe.docx"
        ("张\u200b三", "张三"),
        ("unit.", "unit"),
        ("tab\there", "tab_here"),
    ],
)
def test_windows_reserved_names_and_characters(text: str, expected: str) -> None:
    assert safe_filename(text) == expected


def test_a_long_committee_name_keeps_the_date_and_stage_in_the_package_name() -> None:
    committee = SimpleNamespace(name=LONG_UNIT + "职称评审委员会")
    meeting = SimpleNamespace(date=date(2023, 11, 20))
    name = filing.folder_name(committee, meeting, "pre", draft=True)
    assert name.endswith("_2023-11-20评审会议_会前备案_草稿")
    assert (
        len(name.encode("utf-8")) <= NAME_MAX_BYTES and len((name + ".zip").encode("utf-8")) <= 255
    )


def unit_row(unit: str, seq: int) -> dict:
    return applicant_row(
        姓名=f"申报人{seq}",
        身份证号码=idcard.make("530302", date(1985, 3, 15), seq),
        工作单位=unit,
        毕业院校="",
    )


@pytest.fixture
def six_units(store, committee, make_workbook):
    units = [
        LONG_UNIT,
        "曲靖市第一人民医院",
        "宣威市人民医院",
        "CON",
        "会泽县人民医院",
        "富源县人民医院",
    ]
    book = make_workbook([unit_row(u, i) for i, u in enumerate(units, start=2)], name="单位.xlsx")
    import_applicants(store, [book], "QJ-WS-ZJ", 2023)
    return units


def test_cli_corrections_with_an_80_character_unit_name(
    cli, store, six_units, tmp_path: Path
) -> None:
    out = tmp_path / "告知书"
    result = cli(
        "applicants", "corrections", "-c", "QJ-WS-ZJ", "--out", str(out), "--date", "2023-09-25"
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == 6 and all(len(p.name.encode("utf-8")) <= NAME_MAX_BYTES for p in files)
    assert [
        p.name for p in files if p.name.endswith("_补正告知书_CON.docx")
    ]  # after a prefix CON is harmless
    long_file = next(p for p in files if LONG_UNIT[:10] in p.name)
    assert LONG_UNIT in docx_text(long_file)  # the notice itself names the unit in full
    with store.transaction() as session:
        assert len(session.exec(select(CorrectionNotice)).all()) == 6


def _no_trace(store, out: Path) -> None:
    assert not out.exists() or [p.name for p in out.iterdir()] == []
    with store.transaction() as session:
        assert session.exec(select(CorrectionNotice)).all() == []
        assert {a.correction_deadline for a in session.exec(select(Applicant))} == {None}


def test_notices_are_all_or_nothing_when_one_fails_to_render(
    store, six_units, tmp_path: Path, monkeypatch
) -> None:
    real = corrections.render_docx
    calls = []

    def fails_at_the_fifth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise QjtitleError("模拟：第五份告知书写入失败")
        return real(*args, **kwargs)

    monkeypatch.setattr(corrections, "render_docx", fails_at_the_fifth)
    out = tmp_path / "out"
    with pytest.raises(QjtitleError, match="第五份"):
        corrections.issue_notices(store, "QJ-WS-ZJ", out, 5, today=ISSUED)
    assert len(calls) == 5
    _no_trace(store, out)


def test_notices_are_all_or_nothing_when_one_cannot_be_moved_in(
    store, six_units, tmp_path: Path, monkeypatch
) -> None:
    real = os.replace
    out = tmp_path / "out"
    moves = []

    def replace(src, dst, *args, **kwargs):
        if Path(dst).parent == out:
            moves.append(dst)
            if len(moves) == 3:
                raise PermissionError(13, "模拟：文件正在 WPS 中打开")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(QjtitleError, match="没有记录任何告知书"):
        corrections.issue_notices(store, "QJ-WS-ZJ", out, 5, today=ISSUED)
    _no_trace(store, out)


def test_notices_are_removed_when_the_transaction_fails(
    store, six_units, tmp_path: Path, monkeypatch
) -> None:
    from qjtitle.store import audit

    real = audit.record

    def record(session, *args, **kwargs):
        event = real(session, *args, **kwargs)
        session.flush()
        real_commit = session.commit

        def commit():
            real_commit  # noqa: B018 - never committed
            raise OSError(28, "模拟：磁盘已满")

        session.commit = commit
        return event

    monkeypatch.setattr(corrections.audit, "record", record)
    out = tmp_path / "out"
    with pytest.raises(Exception, match="磁盘已满"):
        corrections.issue_notices(store, "QJ-WS-ZJ", out, 5, today=ISSUED)
    _no_trace(store, out)


def test_a_stage_left_by_a_killed_run_is_removed(store, six_units, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stale = out / ".tmp-notices-abc"
    stale.mkdir(parents=True)
    (stale / "01_补正告知书_半份.docx").write_bytes(b"partial")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    corrections.issue_notices(store, "QJ-WS-ZJ", out, 5, today=ISSUED)
    assert not stale.exists() and len(list(out.glob("*.docx"))) == 6
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
