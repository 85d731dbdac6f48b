"""The whole procedure on the shipped sample data, into one folder.

Each step is the same library call a secretary's command makes; the demo only
chooses the sample inputs and fixed dates (the 2023 evaluation year), so its
output is the same on every run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from qjtitle import applicants, committees, corrections
from qjtitle.applicants import ImportReport
from qjtitle.errors import QjtitleError
from qjtitle.paths import make_private_dir, sample_data_dir
from qjtitle.roster import write_roster_workbook
from qjtitle.store import open_store

MARKER = ".qjtitle-demo"
YEAR = 2023
COMMITTEE = {
    "code": "QJ-WS-ZJ",
    "name": "曲靖市卫生系列中级职称评审委员会",
    "level": "中级",
    "series": "卫生",
    "specialties": ["临床医学", "护理", "药学", "医学检验技术"],
    "organizer": "曲靖市卫生健康委员会",
    "approver": "曲靖市人力资源和社会保障局",
    "min_size": 11,
    "pool_filed": date(2022, 6, 30),
}
CORRECTIONS_ISSUED = date(2023, 9, 25)  # 5 working days later is Sun 2023-10-08, a make-up workday


@dataclass
class DemoResult:
    out: Path
    store_path: Path
    committee: str
    blank_form: Path
    import_report: ImportReport
    notices: list[corrections.NoticeWritten] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)  # (what, where)


class DemoFolderError(QjtitleError):
    pass


def prepare_folder(out: Path) -> Path:
    """An empty folder for the demo; an earlier demo's folder is emptied, any other refused."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise DemoFolderError(f"{out} 是一个文件；请用 --out 指定一个文件夹")
        if any(out.iterdir()):
            if not (out / MARKER).exists():
                raise DemoFolderError(f"{out} 已存在且不是 qjtitle demo 生成的文件夹，为免误删拒绝写入；请用 --out 指定一个新文件夹")
            shutil.rmtree(out)
    make_private_dir(out)
    (out / MARKER).write_text("这个文件夹由 qjtitle demo 生成，再次运行 demo 会清空并重建它。\n", encoding="utf-8")
    return out


def run(out: Path, step: Callable[[str], None] | None = None) -> DemoResult:
    out = prepare_folder(out)
    say = step or (lambda _text: None)
    store_path = out / "qjtitle.db"
    store = open_store(store_path)
    try:
        say("新建评委会")
        committees.add(store, **COMMITTEE)
        say("生成空白申报表（附件2）")
        blank = out / "空白申报表_附件2.xlsx"
        write_roster_workbook(blank)
        say("导入各单位报送的申报信息表")
        rosters = sample_data_dir() / "rosters"
        report = applicants.import_applicants(store, [rosters], COMMITTEE["code"], YEAR)
        say("生成一次性补正告知书")
        notices = corrections.issue_notices(
            store,
            COMMITTEE["code"],
            out / "补正告知书",
            today=CORRECTIONS_ISSUED,
            contact="李老师",
            contact_phone="0874-3123456",
        )
    finally:
        store.close()
    result = DemoResult(out, store_path, COMMITTEE["code"], blank, report, notices)
    result.steps = [
        ("数据库", str(store_path)),
        ("空白申报表", str(blank)),
        ("补正告知书", str(out / "补正告知书")),
    ]
    return result
