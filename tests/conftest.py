"""Shared fixtures: an isolated store per test, a CLI runner, and workbooks built in the test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qjtitle.roster import COLUMNS


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own store path and a fixed, colourless terminal."""
    monkeypatch.setenv("QJTITLE_DB", str(tmp_path / "qjtitle.db"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("QJTITLE_DEBUG", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "qjtitle.db"


@pytest.fixture
def store(db_path: Path):
    from qjtitle.store import open_store

    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def committee(store):
    """A 中级 卫生 committee QJ-WS-ZJ, as the demo makes it."""
    from qjtitle import committees

    return committees.add(
        store, "QJ-WS-ZJ", "曲靖市卫生系列中级职称评审委员会", "中级", "卫生",
        ["临床医学", "护理", "药学", "医学检验技术"], "曲靖市卫生健康委员会", "曲靖市人力资源和社会保障局", 11,
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
                ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=len(headers))
        ws.append(list(headers))
        for row in rows:
            ws.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return path

    return build


# --- Expert pool and draws (test_experts, test_draw, test_cli_draw) ---------------------------

EXPERT_LABELS = ["姓名", "性别", "身份证号码", "工作单位", "职称", "职称级别", "系列", "专业", "联系电话", "入库时间", "任期起止", "状态"]
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

    from qjtitle import experts

    def build(rows: Sequence[dict[str, Any]], pool_filed: str | None = POOL_FILED, name: str = "pool.xlsx"):
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
            meeting = Meeting(committee_id=committee.id, date=date.fromisoformat(day), place=place, size=size)
            session.add(meeting)
            session.flush()
            return meeting.id

    return build
