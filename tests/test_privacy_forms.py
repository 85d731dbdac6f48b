"""Numbers never leak (issue 23.4) and control characters never pass (23.5): one recogniser
(qjtitle/privacy.py) of ID and phone numbers in every form people type them, used by the
import check, ``applicants correct``, every ``--json`` output and every public document."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import test_proceedings
from openpyxl import load_workbook
from test_docs import _commands
from test_roster import check

from qjtitle import idcard
from qjtitle.intake.roster_checks import KIND_CONTROL, KIND_PRIVATE
from qjtitle.privacy import find_numbers, mask_text, personal_numbers_in, without_controls

sitting = test_proceedings.sitting  # the fixture: a meeting ready to seal

ID = idcard.make("530381", date(1979, 6, 15), 321)  # no one's in the stores below
MOBILE = "13987650123"
BOLD, ARABIC, WIDE = 0x1D7CE, 0x0660, 0xFF10  # 𝟎, ٠, ０


def _digits(text: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)


def _forms() -> list[str]:
    """The 22 forms of the attack run: eleven of an ID number, eleven of a mobile number."""
    i, m = ID, MOBILE
    return [
        i,
        f"{i[:6]} {i[6:14]} {i[14:]}",
        f"{i[:6]}-{i[6:10]}-{i[10:14]}-{i[14:]}",
        f"{i[:6]}.{i[6:14]}.{i[14:]}",
        f"{i[:6]}/{i[6:14]}/{i[14:]}",
        f"({i[:6]}){i[6:14]}[{i[14:]}]",
        _digits(i, WIDE),
        _digits(i, BOLD),
        _digits(i, ARABIC),
        f"ID{i}号",
        _digits(f"{i[:6]}\u3000{i[6:]}", WIDE),
        m,
        f"{m[:3]} {m[3:7]} {m[7:]}",
        f"{m[:3]}-{m[3:7]}-{m[7:]}",
        f"{m[:3]}.{m[3:7]}.{m[7:]}",
        f"{m[:3]}/{m[3:7]}/{m[7:]}",
        f"({m[:3]}){m[3:7]}-{m[7:]}",
        _digits(m, WIDE),
        _digits(m, BOLD),
        _digits(m, ARABIC),
        f"Tel{m}ext",
        f"+86 {m[:3]} {m[3:7]} {m[7:]}",
    ]


FORMS = _forms()


def _leaks(text: str) -> list[str]:
    """The secret numbers readable in ``text`` once every digit is read as ASCII and all else dropped."""
    digits = "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() else c
        for c in unicodedata.normalize("NFKC", text)
        if c.isdecimal() or c in "Xx"
    ).upper()
    return [s for s in (ID[:17], MOBILE) if s in digits]


def test_there_are_22_distinct_forms() -> None:
    assert len(FORMS) == len(set(FORMS)) == 22


@pytest.mark.parametrize("form", FORMS)
def test_every_form_is_recognised_and_masked(form: str) -> None:
    text = f"曲靖市第一人民医院{form}内科"
    assert personal_numbers_in(text), form
    assert len(find_numbers(text)) == 1
    masked = mask_text(text)
    assert _leaks(text) and not _leaks(masked), masked
    assert masked.startswith("曲靖市第一人民医院") and masked.endswith("内科")


@pytest.mark.parametrize("form", FORMS)
def test_every_form_in_a_free_text_column_is_a_problem(form: str) -> None:
    result = check(工作单位=f"曲靖市第一人民医院{form}")
    private = [p for p in result.problems if p.kind == KIND_PRIVATE]
    assert [p.column for p in private] == ["工作单位"], result.problems
    assert not _leaks(private[0].message)


@pytest.mark.parametrize(
    "value",
    [
        "曲靖市第1人民医院",
        "电话 0874-3123456",
        "2023.11.13—2023.11.20—2023.12.01",
        "2023年度 第12345678批",
        "种子 4721/9903/1586/",
    ],
)
def test_dates_landlines_and_short_numbers_are_not_personal_numbers(value: str) -> None:
    assert personal_numbers_in(value) == () and mask_text(value) == value


@pytest.mark.parametrize(
    ("label", "value", "code"),
    [
        ("姓名", "张\x1b[8m丽", "U+001B"),
        ("工作单位", "曲靖市\u202e院医民人一第", "U+202E"),
        ("备注", "见\x1b]8;;http://x.example\x1b\\链接", "U+001B"),
        ("毕业院校", "昆明医科\x00大学", "U+0000"),
        ("申报专业", "护理\x9b", "U+009B"),
    ],
)
def test_a_control_character_in_any_text_column_is_a_problem_naming_it(
    label: str, value: str, code: str
) -> None:
    result = check(**{label: value})
    found = [p for p in result.problems if p.kind == KIND_CONTROL]
    assert [p.column for p in found] == [label] and code in found[0].message
    assert without_controls(value) != value and "\x1b" not in without_controls(value)


def test_applicants_correct_refuses_numbers_and_control_characters(sitting, store, cli) -> None:
    from test_sealed import _sealed

    from qjtitle.errors import InvalidValue
    from qjtitle.intake import after_seal

    _sealed(sitting)
    aid = str(sitting.applicants[0])
    for form in FORMS:
        with pytest.raises(InvalidValue, match="“工作单位”的新内容中含有") as refused:
            after_seal.correct_applicant(store, aid, {"工作单位": f"曲靖市医院{form}"}, "更正")
        assert not _leaks(str(refused.value))
    with pytest.raises(InvalidValue, match="控制字符"):
        after_seal.correct_applicant(store, aid, {"姓名": "张\x1b[2J丽"}, "更正")
    result = cli(
        "applicants", "correct", aid, "--set", f"工作单位=医院{FORMS[13]}", "--reason", "x"
    )
    assert result.exit_code == 1 and "含有手机号码" in result.output and not _leaks(result.output)


@pytest.fixture()
def leaky(filing_builds, tmp_path: Path):
    """The sealed filing meeting with every form typed into every applicant's unit and note and one
    form into each name and each expert's unit (the frozen-fact triggers dropped to get it in)."""
    from conftest import copy_filing_meeting

    fm = copy_filing_meeting(filing_builds("sealed"), tmp_path / "filing")
    everything = "（" + "、".join(FORMS) + "）"
    with fm.store.engine.begin() as conn:
        for name in ("applicant_frozen_update", "expert_frozen_update"):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM applicant ORDER BY id")]
        for n, aid in enumerate(ids):
            conn.exec_driver_sql(
                "UPDATE applicant SET unit = unit || ?, note = ?, name = name || ? WHERE id = ?",
                (everything, everything, FORMS[n % 22], aid),
            )
        experts = [r[0] for r in conn.exec_driver_sql("SELECT id FROM expert ORDER BY id")]
        for n, eid in enumerate(experts):
            conn.exec_driver_sql(
                "UPDATE expert SET unit = unit || ? WHERE id = ?", (FORMS[(n + 5) % 22], eid)
            )
    yield fm, str(fm.store.path)
    fm.store.close()


def _json_commands(fm) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    m, d = str(fm.meeting), str(fm.draw)
    some = next(iter(fm.applicants.values()))
    return {
        "applicants list": [],
        "applicants show": [str(some)],
        "applicants expire": ["--dry-run"],
        "applicants withdraw": [str(some), "--reason", "测试"],  # refused: the meeting is sealed
        "applicants reinstate": [str(some), "--reason", "测试"],
        "imports list": [],
        "imports undo": ["1", "--reason", "测试", "--yes"],
        "draw-experts": [m, "--dry-run"],
        "committee list": [],
        "committee show": ["QJ-WS-ZJ"],
        "experts list": [],
        "experts show": ["1"],
        "experts check": ["--committee", "QJ-WS-ZJ"],
        "conflicts list": [],
        "verify-draw": [d],
        "draw list": [],
        "draw show": [d],
        "draw export": [d],
        "meeting list": [],
        "meeting show": [m],
        "meeting assign": [m],
        "meeting results": [m],
        "schedule show": [m],
        "schedule check": [m],
        "status": [],
        "calendar show": ["2023-11"],
        "db status": [],
        "audit list": [],
        "audit verify": [],
        "export-filing": [m, "--stage", "post", "--dry-run"],
        "templates list": [],
        "templates check": ["pre_publicity.docx"],
    }


def test_no_json_output_shows_a_number_without_show_pii(leaky, cli) -> None:
    fm, db = leaky
    table = _json_commands(fm)
    with_json = sorted(
        name
        for name, command in _commands()
        if "--json" in {o for p in command.params for o in getattr(p, "opts", [])}
    )
    assert sorted(table) == with_json  # a new --json command is added here
    answered = 0
    for name, args in table.items():
        result = cli(*name.split(), *args, "--json", "--db", db)
        assert not _leaks(result.stdout), (name, _leaks(result.stdout))
        assert not _leaks(result.stderr), (name, result.stderr[:300])
        if result.exit_code == 0 and result.stdout.strip().startswith(("[", "{")):
            json.loads(result.stdout)
            answered += 1
    assert answered >= 20
    shown = cli("applicants", "list", "--json", "--show-pii", "--db", db)
    assert _leaks(shown.stdout)  # asked for: shown whole


def test_no_public_document_shows_a_number(leaky, tmp_path: Path) -> None:
    pytest.importorskip("docxtpl")
    from conftest import docx_text
    from test_filing import OPTIONS, POST_DAY, PRE_DAY

    from qjtitle.filing import export as filing

    fm, _ = leaky
    pre = filing.export_filing(
        fm.store, fm.meeting, "pre", tmp_path / "out", options=OPTIONS, today=PRE_DAY
    )
    post = filing.export_filing(
        fm.store, fm.meeting, "post", tmp_path / "out", options=OPTIONS, today=POST_DAY
    )
    public = [
        pre.folder / "03_会前公示.docx",
        pre.folder / "02_资格审查结果.docx",
        post.folder / "02_评审结果公示.docx",
        post.folder / "09_评审通过人员名册.docx",
        post.folder / "09_评审通过人员名册.xlsx",
    ]
    for path in public:
        if path.suffix == ".docx":
            text = docx_text(path)
        else:
            wb = load_workbook(path, read_only=True)
            text = "\n".join(
                " ".join(str(v) for v in row if v is not None)
                for ws in wb.worksheets
                for row in ws.iter_rows(values_only=True)
            )
            wb.close()
        assert "曲靖" in text, path.name  # the document was read
        assert not _leaks(text), (path.name, _leaks(text))


def test_control_characters_in_an_old_store_never_break_export_filing(
    filing_builds, tmp_path: Path, cli
) -> None:
    """A name with escape sequences stored before the check (triggers dropped to put it there):
    export-filing writes it shown as ⟨U+001B⟩, never raw, and never fails on openpyxl."""
    pytest.importorskip("docxtpl")
    from conftest import copy_filing_meeting, docx_text
    from test_filing import OPTIONS, POST_DAY, PRE_DAY

    from qjtitle.filing import export as filing

    fm = copy_filing_meeting(filing_builds("sealed"), tmp_path / "filing")
    try:
        with fm.store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER applicant_frozen_update")
            conn.exec_driver_sql(
                "UPDATE applicant SET name = name || ?, unit = unit || ?",
                ("\x1b[8m隐\x1b[0m", "\x1b]8;;http://x.example\x1b\\链接\x07\u202e"),
            )
        pre = filing.export_filing(
            fm.store, fm.meeting, "pre", tmp_path / "out", options=OPTIONS, today=PRE_DAY
        )
        post = filing.export_filing(
            fm.store, fm.meeting, "post", tmp_path / "out", options=OPTIONS, today=POST_DAY
        )
        roster = load_workbook(pre.folder / "05_职称申报信息表（附件2）.xlsx", read_only=True)
        cells = [
            str(v)
            for ws in roster.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v
        ]
        roster.close()
        assert any("⟨U+001B⟩[8m隐" in c for c in cells) and not any("\x1b" in c for c in cells)
        text = docx_text(post.folder / "02_评审结果公示.docx")
        assert "⟨U+001B⟩" in text and "\x1b" not in text and "\u202e" not in text
        shown = cli("applicants", "list", "--db", str(fm.store.path))
        assert (
            shown.exit_code == 0 and "\x1b" not in shown.stdout and "␛" in shown.stdout
        )  # the terminal's picture (cli._console.visible)
        as_json = cli("applicants", "list", "--json", "--db", str(fm.store.path))
        assert "\x1b" not in as_json.stdout and "\u202e" not in as_json.stdout
        assert "\\u001b" in as_json.stdout and "\\u202e" in as_json.stdout
    finally:
        fm.store.close()


def test_a_control_character_in_an_expert_row_is_a_problem_naming_the_column() -> None:
    from qjtitle.experts.pool_format import check_row as check_expert

    result = check_expert({"name": "张\x1b[8m三", "unit": "曲靖市\u2066第一人民医院"})
    found = sorted(p.message for p in result.problems if p.kind == "控制字符")
    assert found == [
        "“姓名”中含有控制字符或转义字符（U+001B）",
        "“工作单位”中含有控制字符或转义字符（U+2066）",
    ]
