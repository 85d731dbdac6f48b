"""Shared fixtures: an isolated store per test, a CLI runner, and workbooks built in the test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from qjtitle.intake.roster import COLUMNS

# --- Hypothesis: property tests sized for CI by default (``examples(n)``: n examples); run
# ``python -m pytest --hypothesis-profile=thorough`` for ten times as many of each. --------------------

# "ci" is hypothesis' own default of 100 examples for a test that sets none
settings.register_profile("ci", max_examples=100)
settings.register_profile("thorough", max_examples=1000)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (pyproject.toml's addopts): one worker per core (xdist's count) for the whole suite,
    none when files or tests are named on the command line (a few files on a shared machine)."""
    return None if config.args_source == pytest.Config.ArgsSource.TESTPATHS else 0


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("hypothesis_profile", None):  # else hypothesis' plugin loaded that one
        settings.load_profile("ci")


def examples(n: int) -> int:
    """A property test's number of examples: ``n`` on CI, ten times ``n`` under the thorough profile."""
    return max(1, n * settings().max_examples // 100)


def isolate(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """The environment of every test: the store and the user data folder in ``folder``, a fixed,
    colourless terminal."""
    monkeypatch.setenv("QJTITLE_DB", str(folder / "qjtitle.db"))
    # never the real user data folder (the default store's home)
    monkeypatch.setenv("QJTITLE_DATA_DIR", str(folder / "user-data"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("QJTITLE_DEBUG", raising=False)
    monkeypatch.setenv("QJTITLE_USER", "")  # `--as` sets it in-process; restored after each test


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own store path and a fixed, colourless terminal."""
    isolate(monkeypatch, tmp_path)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``qjtitle demo`` run once per test session (qjtitle.demo.run), in the same isolated environment as
    every test. Shared: read it only; a test that writes copies the store or the files it changes first
    (e.g. ``shutil.copyfile(demo_run.store_path, tmp_path / "store.db")``)."""
    from qjtitle import demo

    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("demo")
        isolate(mp, home)
        return demo.run(home / "演示")


@pytest.fixture(scope="session")
def demo_cli(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """``qjtitle demo --out FOLDER`` run once per test session through the CLI (in process, as the
    ``cli`` fixture runs it): (FOLDER, the Result). Shared: read it only, copy FOLDER to change it."""
    from qjtitle.cli import app

    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("demo-cli")
        isolate(mp, home)
        out = home / "demo"
        return out, CliRunner().invoke(app, ["demo", "--out", str(out)])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "qjtitle.db"


# --- Both backends: tests marked both_backends run on SQLite and, when QJTITLE_TEST_PG_URL names a
# PostgreSQL server (.ci/run starts one), on PostgreSQL too, each in a schema of its own. -----------

PG_URL_ENV = "QJTITLE_TEST_PG_URL"
PG_SKIP = f"PostgreSQL not configured: set {PG_URL_ENV}=postgresql+psycopg://user@host:port/db (.ci/run starts a throw-away server)"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_backends"
    ):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def pg_url() -> Any:
    """A fresh, empty PostgreSQL schema for this test (skipped when no server is configured); its URL."""
    import os
    import uuid

    admin = os.environ.get(PG_URL_ENV)
    if not admin:
        pytest.skip(PG_SKIP)
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(admin).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    engine.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Any:
    """The name of a PostgreSQL database that open_store made (every revision applied) once per test
    session (None: no server configured, or no right to create databases there)."""
    import os
    import uuid

    admin = os.environ.get(PG_URL_ENV)
    if not admin:
        yield None
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from qjtitle.store import open_store

    name = f"qjtitle_test_template_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except SQLAlchemyError:
        engine.dispose()
        yield None
        return
    try:
        open_store(make_url(admin).set(database=name).render_as_string(hide_password=False)).close()
        yield name
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        engine.dispose()


@pytest.fixture
def pg_store_url(pg_template: str | None, request: pytest.FixtureRequest) -> Any:
    """A new PostgreSQL store as open_store makes it, for the ``store`` fixture: a database copied from
    the session's template (CREATE DATABASE … TEMPLATE), cheaper than applying the revisions per test;
    else a new schema that ``store`` brings up to date."""
    import os
    import uuid

    if pg_template is None:
        yield request.getfixturevalue("pg_url")
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = os.environ[PG_URL_ENV]
    name = f"qjtitle_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    engine.dispose()


@pytest.fixture
def store_url(
    backend: str, db_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The store of this test: the SQLite file, or PostgreSQL (then also the CLI's QJTITLE_DB): a new
    schema, or for a test that uses ``store`` a database that is a copy of a new store."""
    if backend == "sqlite":
        return str(db_path)
    url: str = request.getfixturevalue(
        "pg_store_url" if "store" in request.fixturenames else "pg_url"
    )
    monkeypatch.setenv("QJTITLE_DB", url)
    return url


@pytest.fixture(scope="session")
def new_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new SQLite store as open_store makes it (every revision applied, no rows but the schema
    version), made once per session: the ``store`` fixture starts from a copy of it, which is what
    open_store would make (applying the revisions costs about half a second a store)."""
    from qjtitle.store import open_store

    path = tmp_path_factory.mktemp("new-store") / "qjtitle.db"
    open_store(path).close()
    return path


@pytest.fixture
def store(store_url: str, backend: str, new_store_file: Path):
    import shutil

    from qjtitle.store import open_store

    if backend == "sqlite" and not Path(store_url).exists():
        shutil.copy2(new_store_file, store_url)  # its mode too: a store is private (0600)
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def committee(store):
    """A 中级 卫生 committee QJ-WS-ZJ, as the demo makes it."""
    from qjtitle import committees

    return committees.add(
        store,
        "QJ-WS-ZJ",
        "曲靖市卫生系列中级职称评审委员会",
        "中级",
        "卫生",
        ["临床医学", "护理", "药学", "医学检验技术"],
        "曲靖市卫生健康委员会",
        "曲靖市人力资源和社会保障局",
        11,
    )


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner) -> Callable[..., Any]:
    """cli("committee", "list") runs qjtitle in-process and returns the Result."""
    from qjtitle.cli import app

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    return invoke


LABELS = [c.label for c in COLUMNS]


def docx_text(path: Path) -> str:
    """Every paragraph and every table row of a .docx body, one per line (cells joined by " | ")."""
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for t in document.tables:
        for row in t.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def applicant_row(**overrides: Any) -> dict[str, Any]:
    """A valid 附件2 row (by column label) for the QJ-WS-ZJ committee; override by key or label."""
    from datetime import date

    from qjtitle import idcard

    row = {
        "序号": 1,
        "姓名": "张丽",
        "性别": "女",
        "出生年月": "1985.03",
        "身份证号码": idcard.make("530302", date(1985, 3, 15), 122),
        "工作单位": "曲靖市第一人民医院",
        "所在县（市、区）": "麒麟区",
        "学历": "大学本科",
        "毕业院校": "昆明医科大学",
        "所学专业": "护理",
        "毕业时间": "2007.07",
        "参加工作时间": "2007.08",
        "现专业技术职务": "护师",
        "现职取得时间": "2012.12",
        "申报系列": "卫生",
        "申报专业": "护理",
        "申报资格名称": "主管护师",
        "申报级别": "中级",
        "申报方式": "正常",
        "联系电话": "13888000001",
        "备注": "",
    }
    by_key = {c.key: c.label for c in COLUMNS}
    for key, value in overrides.items():
        row[by_key.get(key, key)] = value
    return row


@pytest.fixture
def make_workbook(tmp_path: Path) -> Callable[..., Path]:
    """make_workbook(rows, name=..., title_rows=[...], headers=[...]) writes a real .xlsx with openpyxl.

    ``rows`` are dicts by label (see applicant_row) or lists in ``headers`` order.
    """
    from openpyxl import Workbook

    def build(
        rows: Sequence[dict[str, Any] | Sequence[Any]],
        name: str = "roster.xlsx",
        title_rows: Sequence[Sequence[Any]] = (),
        headers: Sequence[str] = LABELS,
        sheet: str = "Sheet1",
        merge_title: bool = True,
    ) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        for r in title_rows:
            ws.append(list(r))
            if merge_title and len(r) == 1:
                ws.merge_cells(
                    start_row=ws.max_row,
                    start_column=1,
                    end_row=ws.max_row,
                    end_column=len(headers),
                )
        ws.append(list(headers))
        for row in rows:
            ws.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return path

    return build


# --- Expert pool and draws (test_experts, test_draw, test_cli_draw) ---------------------------

EXPERT_LABELS = [
    "姓名",
    "性别",
    "身份证号码",
    "工作单位",
    "职称",
    "职称级别",
    "系列",
    "专业",
    "联系电话",
    "入库时间",
    "任期起止",
    "状态",
]
POOL_FILED = "2022-06-30"
MEETING_DAY = "2023-11-20"  # a Monday; 5 working days before it is Mon 2023-11-13


def expert_row(number: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid expert-pool row (by column label) for QJ-WS-ZJ; ``number`` makes the person distinct."""
    from datetime import date, timedelta

    from qjtitle import idcard

    row = {
        "姓名": f"专家{number:03d}",
        "性别": "男",
        "身份证号码": idcard.make("530302", date(1970, 1, 1) + timedelta(days=number), 11),
        "工作单位": f"测试单位{number % 7}",
        "职称": "副主任医师",
        "职称级别": "副高级",
        "系列": "卫生",
        "专业": "临床医学",
        "联系电话": f"1388740{number:04d}",
        "入库时间": "2022.06",
        "任期起止": "2022.07-2025.06",
        "状态": "在库",
    }
    row.update(overrides)
    return row


@pytest.fixture
def expert_pool(store, committee, make_workbook) -> Callable[..., Any]:
    """expert_pool(rows) imports pool rows into QJ-WS-ZJ, filed on 2022-06-30; returns the report."""
    from datetime import date

    from qjtitle.experts import pool as experts

    def build(
        rows: Sequence[dict[str, Any]], pool_filed: str | None = POOL_FILED, name: str = "pool.xlsx"
    ):
        path = make_workbook(rows, name=name, headers=EXPERT_LABELS)
        filed = date.fromisoformat(pool_filed) if pool_filed else None
        return experts.import_experts(store, path, "QJ-WS-ZJ", pool_filed=filed)

    return build


@pytest.fixture
def draw_meeting(store, committee) -> Callable[..., int]:
    """draw_meeting(day=..., size=11) creates a meeting of QJ-WS-ZJ directly; returns its id."""
    from datetime import date

    from qjtitle.models import Meeting

    def build(day: str = MEETING_DAY, size: int = 11, place: str = "曲靖市会议中心") -> int:
        with store.transaction() as session:
            meeting = Meeting(
                committee_id=committee.id, date=date.fromisoformat(day), place=place, size=size
            )
            session.add(meeting)
            session.flush()
            return meeting.id

    return build


# --- A meeting from import to seal, for the filing packages (test_filing, test_cli_filing) ---------------

FILING_DRAWERS = ["王明", "李华", "赵强"]
FILING_SUPERVISORS = ["陈静"]
FILING_FORMULA_UNIT = "=1+2"  # a unit that a spreadsheet would take for a formula
FILING_METHODS = ("审阅材料", "个人述职")  # the methods the meeting records as used


def filing_applicant_rows() -> list[dict[str, Any]]:
    """Four applicants and a duplicate: 张&<丽> and 王芳 pass, 李娜 fails the vote, 赵敏 is withdrawn
    (毕业院校 left empty, not corrected), 刘洋 is refused at import (张's ID number again)."""
    from datetime import date

    from qjtitle import idcard

    def person(seq: int, name: str, day: int, unit: str, **extra: Any) -> dict[str, Any]:
        number = idcard.make("530302", date(1985, 3, day), 120 + 2 * day)
        return applicant_row(
            序号=seq,
            姓名=name,
            身份证号码=number,
            出生年月="1985.03",
            性别=idcard.gender_of(number),
            工作单位=unit,
            联系电话=f"138880000{day:02d}",
            **extra,
        )

    rows = [
        person(1, "张&<丽>", 1, "R&D <研究> 中心"),
        person(2, "王芳", 2, FILING_FORMULA_UNIT),
        person(3, "李娜", 3, "宣威市人民医院"),
        person(4, "赵敏", 4, "宣威市人民医院", 毕业院校=""),
    ]
    rows.append({**rows[0], "序号": 5, "姓名": "刘洋"})
    return rows


@dataclass
class FilingMeeting:
    store: Any
    meeting: int
    draw: int
    applicants: dict[str, int]  # name → id (the 已受理 ones)
    id_numbers: list[str]  # of every applicant row
    phones: list[str]
    expert_names: list[str]  # the whole pool
    attending: list[str]  # names of the attending experts


def build_filing_meeting(
    folder: Path, seal: bool = True, expire: bool = True, url: str | None = None
) -> FilingMeeting:
    """Committee → roster workbook → corrections and expiry → meeting → pool → draw (one member declines)
    → the schedule recorded as planned → attendance, reviews, votes → seal; all through the library."""
    from datetime import date

    from openpyxl import Workbook

    from qjtitle import committees, meetings
    from qjtitle.calendar import schedule
    from qjtitle.experts import draw_answers
    from qjtitle.experts import drawing as draw_store
    from qjtitle.experts import pool as experts
    from qjtitle.intake import corrections
    from qjtitle.intake.applicants import import_applicants
    from qjtitle.meeting import proceedings, voting
    from qjtitle.meeting import results as meeting_results
    from qjtitle.store import open_store

    folder.mkdir(parents=True, exist_ok=True)
    store = open_store(url or folder / "qjtitle.db")  # url: a PostgreSQL schema instead of the file
    committees.add(
        store,
        "QJ-WS-ZJ",
        "曲靖市卫生系列中级职称评审委员会",
        "中级",
        "卫生",
        ["临床医学", "护理", "药学", "医学检验技术"],
        "曲靖市卫生健康委员会",
        "曲靖市人力资源和社会保障局",
        11,
    )
    rows = filing_applicant_rows()
    wb = Workbook()
    ws = wb.active
    ws.append(LABELS)
    for r in rows:
        ws.append([r.get(h) for h in LABELS])
    unit_col = LABELS.index("工作单位") + 1
    cell = ws.cell(row=3, column=unit_col)
    cell.value, cell.data_type = (
        FILING_FORMULA_UNIT,
        "s",
    )  # text in the employer's workbook, not a formula
    wb.save(folder / "roster.xlsx")
    import_applicants(store, [folder / "roster.xlsx"], "QJ-WS-ZJ", 2023)
    if expire:
        corrections.issue_notices(store, "QJ-WS-ZJ", folder / "notices", 5, today=date(2023, 9, 25))
        corrections.expire(store, "QJ-WS-ZJ", today=date(2023, 10, 20))
    pool = [expert_row(i, 专业="护理") for i in range(1, 16)]
    wb = Workbook()
    wb.active.append(EXPERT_LABELS)
    for r in pool:
        wb.active.append([r.get(h) for h in EXPERT_LABELS])
    wb.save(folder / "pool.xlsx")
    experts.import_experts(
        store, folder / "pool.xlsx", "QJ-WS-ZJ", pool_filed=date.fromisoformat(POOL_FILED)
    )
    m, _ = meetings.add(store, "QJ-WS-ZJ", date.fromisoformat(MEETING_DAY), 11, "曲靖市会议中心")
    meeting_id = m.id
    outcome = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            meeting_id,
            FILING_DRAWERS,
            FILING_SUPERVISORS,
            alternates=2,
            seed=["1111", "2222", "3333"],
            drawn_on=date(2023, 11, 10),
            place="曲靖市卫生健康委员会会议室",
        ),
    )
    draw_id = outcome.record["draw"]
    members = [p["id"] for p in outcome.record["picks"] if p["role"] == "member"]
    answer = draw_answers.confirm(
        store, draw_id, members[0], False, "出差", answered_on=date(2023, 11, 13)
    )
    seated = [*members[1:], answer.replacement.id]
    for expert_id in seated:
        draw_answers.confirm(store, draw_id, expert_id, True, answered_on=date(2023, 11, 13))
    # the season in its logical order: the call and the 推荐公示 before the correction notices of
    # 2023-09-25, the 会前公示 as planned
    schedule.record(store, meeting_id, "notice", date(2023, 9, 1))
    schedule.record(
        store, meeting_id, "recommendation-publicity", date(2023, 9, 4), date(2023, 9, 8)
    )
    plan = schedule.evaluate(store, meeting_id, today=date(2023, 9, 1))
    it = {it.key: it for it in plan.items}["pre-publicity"]
    schedule.record(store, meeting_id, "pre-publicity", it.earliest, it.latest)
    schedule.record(store, meeting_id, "draw", date(2023, 11, 10))
    schedule.record(store, meeting_id, "pre-filing", date(2023, 11, 13))
    schedule.record(store, meeting_id, "consent", date(2023, 11, 15))
    schedule.record(store, meeting_id, "result-publicity", date(2023, 11, 21), date(2023, 11, 27))
    attending = seated[:9]
    voting.attend(store, meeting_id, [str(e) for e in attending])
    with store.transaction() as session:
        ctx = proceedings.load(session, meeting_id)
        ids = {a.name: a.id for a in ctx.applicants}
        attending_names = [ctx.expert_name(e) for e in attending]
    assignment = proceedings.assign_reviewers(store, meeting_id, seed="filing")
    fails = ids["李娜"]
    voting.record_reviews(
        store,
        meeting_id,
        [
            voting.ReviewEntry(
                str(a),
                str(e),
                "业绩一般 & 代表作<不足>。" if a == fails else "材料齐全，业绩突出。",
                "不同意" if a == fails else "同意",
            )
            for a, reviewers in assignment.reviewers.items()
            for e in reviewers
        ],
    )
    votes = []  # a secret ballot: counts per applicant
    for name, aid in ids.items():
        if name == "李娜":
            counts = (5, len(attending) - 5, 0)
        elif name == "王芳":
            counts = (len(attending) - 1, 0, 1)
        else:
            counts = (len(attending), 0, 0)
        votes.append(voting.VoteEntry(str(aid), counts=counts))
    voting.record_votes(store, meeting_id, votes)
    proceedings.record_chair(store, meeting_id, str(attending[0]), proceedings.CHAIR)
    proceedings.record_methods(store, meeting_id, FILING_METHODS)
    if seal:
        meeting_results.seal(store, meeting_id)
    return FilingMeeting(
        store,
        meeting_id,
        draw_id,
        ids,
        [r["身份证号码"] for r in rows],
        [r["联系电话"] for r in rows],
        [r["姓名"] for r in pool],
        attending_names,
    )


def copy_filing_meeting(fm: FilingMeeting, folder: Path) -> FilingMeeting:
    """The same meeting in a copy of its store folder (cheaper than building it again)."""
    import dataclasses
    import shutil

    from qjtitle.store import open_store

    shutil.copytree(fm.store.directory, folder)
    return dataclasses.replace(fm, store=open_store(folder / "qjtitle.db"))


@pytest.fixture(scope="session")
def filing_builds(tmp_path_factory) -> Callable[[str], FilingMeeting]:
    """filing_builds("sealed" | "unsealed") builds that meeting once per test session (its store closed):
    sealed: as build_filing_meeting; unsealed: not sealed, and 赵敏 still to correct (no notice sent)."""
    built: dict[str, FilingMeeting] = {}
    kinds = {"sealed": {}, "unsealed": {"seal": False, "expire": False}}

    def get(kind: str) -> FilingMeeting:
        if kind not in built:
            fm = build_filing_meeting(
                tmp_path_factory.mktemp(f"filing-{kind}") / "meeting", **kinds[kind]
            )
            fm.store.close()
            built[kind] = fm
        return built[kind]

    return get


@pytest.fixture
def filing_meeting(filing_builds, tmp_path: Path):
    """A meeting of QJ-WS-ZJ from import to seal (see build_filing_meeting), in its own copy of the store."""
    fm = copy_filing_meeting(filing_builds("sealed"), tmp_path / "filing")
    yield fm
    fm.store.close()
