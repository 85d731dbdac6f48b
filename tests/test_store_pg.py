"""A shared store: two processes drawing for one meeting at once, and overlapping imports at once, on
SQLite and on PostgreSQL (where nothing serialises writers but the locks and constraints qjtitle sets)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from qjtitle.intake.applicants import import_applicants
from qjtitle.models import Applicant, DrawRecord
from qjtitle.store import audit, open_store
from tests.conftest import expert_row
from tests.test_faults import big_roster

pytestmark = pytest.mark.both_backends


def run_together(code: str, args: list[list[str]], go: Path, timeout: float = 180) -> list[dict]:
    """Start one child per argument list, release them at once (they wait for ``go``), collect their JSON."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, *a],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for a in args
    ]
    time.sleep(1.0)  # let both import qjtitle and open the store
    go.write_text("go")
    outs = [c.communicate(timeout=timeout) for c in children]
    assert [c.returncode for c in children] == [0] * len(children), outs
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]


DRAW_CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from qjtitle.experts import drawing as draw_store
from qjtitle.experts import eligible
from qjtitle.errors import QjtitleError
from qjtitle.store import open_store

real = eligible.eligibility
def slow(*args, **kwargs):  # widen the window between "no draw yet" and the insert
    time.sleep(1.0)
    return real(*args, **kwargs)
eligible.eligibility = slow

store = open_store(sys.argv[1])
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
try:
    outcome = draw_store.draw_experts(store, draw_store.DrawRequest(
        int(sys.argv[3]), ["王明", "李华", "赵强"], ["陈静"], alternates=2,
        seed=[sys.argv[4], "9903", "1586"], drawn_on=date(2023, 11, 10)))
    print(json.dumps({"draw": outcome.record["draw"]}))
except QjtitleError as exc:
    from qjtitle.cli._findings import say

    print(json.dumps({"error": say(exc.finding)}, ensure_ascii=False))
"""


def test_two_processes_drawing_for_one_meeting_end_with_one_draw(
    store, store_url, expert_pool, draw_meeting, tmp_path
) -> None:
    expert_pool([expert_row(i) for i in range(1, 31)])
    meeting = draw_meeting()
    go = tmp_path / "go"
    results = run_together(
        DRAW_CHILD,
        [[store_url, str(go), str(meeting), "1111"], [store_url, str(go), str(meeting), "2222"]],
        go,
    )
    drawn = [r for r in results if "draw" in r]
    refused = [r for r in results if "error" in r]
    assert len(drawn) == 1 and len(refused) == 1, results
    draw_id = drawn[0]["draw"]
    assert refused[0]["error"] == (
        f"评审会议 {meeting} 已有有效的抽取记录（第{draw_id}号）；如须重新抽取，请写明作废理由，"
        f"原记录将保留：qjtitle draw-experts {meeting} --voids {draw_id} --reason 理由 …"
    )
    with store.transaction() as session:
        assert session.exec(select(DrawRecord.id)).all() == [draw_id]
    assert audit.verify_store(store).ok


IMPORT_CHILD = """
import dataclasses, json, sys, time
from pathlib import Path
from qjtitle.intake import applicants
from qjtitle.store import open_store

real = applicants.bulk_insert
def slow(*args, **kwargs):  # both have read "nobody yet" before either inserts
    time.sleep(1.0)
    return real(*args, **kwargs)
applicants.bulk_insert = slow

store = open_store(sys.argv[1])
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
report = applicants.import_applicants(store, [Path(sys.argv[3])], "QJ-WS-ZJ", 2023)
print(json.dumps({**dataclasses.asdict(report.totals()), "error": report.files[0].error}, ensure_ascii=False))
"""


def test_overlapping_imports_at_once_never_duplicate_an_applicant(
    store, store_url, committee, tmp_path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = big_roster(tmp_path / "a" / "roster.xlsx", 300, first=0)  # people 0..299
    second = big_roster(
        tmp_path / "b" / "roster.xlsx", 300, first=150
    )  # people 150..449: 150 in both
    go = tmp_path / "go"
    results = run_together(
        IMPORT_CHILD, [[store_url, str(go), str(first)], [store_url, str(go), str(second)]], go
    )
    assert [r["error"] for r in results] == [None, None]
    # Whoever came second took the 150 shared people as an update of the first one's rows (same unit,
    # same file name: a corrected roster) — never as new rows.
    assert sorted((r["imported"], r["updated"]) for r in results) == [(150, 150), (300, 0)]
    with store.transaction() as session:
        assert session.exec(select(func.count()).select_from(Applicant)).one() == 450
        assert (
            session.exec(
                select(func.count(func.distinct(Applicant.person_key))).select_from(Applicant)
            ).one()
            == 450
        )
    assert audit.verify_store(store).ok


def test_an_insert_colliding_with_a_concurrent_import_is_retried(
    store, store_url, backend, committee, tmp_path, monkeypatch
) -> None:
    """Deterministic: another store commits the same people between our read and our insert."""
    if backend == "sqlite":
        pytest.skip(
            "SQLite's BEGIN IMMEDIATE serialises writers: this collision cannot happen there"
        )
    from qjtitle.intake import applicants

    ours = big_roster(tmp_path / "ours.xlsx", 50, first=0)
    (tmp_path / "other").mkdir()
    theirs = big_roster(tmp_path / "other" / "theirs.xlsx", 50, first=25)
    real = applicants.bulk_insert
    calls = []

    def interleaved(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            other = open_store(store_url)
            import_applicants(
                other, [theirs], "QJ-WS-ZJ", 2023
            )  # commits 25..74 while we hold our read
            other.close()
        return real(*args, **kwargs)

    monkeypatch.setattr(applicants, "bulk_insert", interleaved)
    report = import_applicants(store, [ours], "QJ-WS-ZJ", 2023)
    f = report.files[0]
    # 25..49 were committed by the other import meanwhile: on the retry they are updates (same unit), not new rows.
    assert (f.error, f.imported, f.updated, len(f.rejected)) == (None, 25, 25, 0)
    assert len(calls) == 3  # ours (which waits for the other's), the other import's, our retry
    with store.transaction() as session:
        assert session.exec(select(func.count()).select_from(Applicant)).one() == 75
    assert audit.verify_store(store).ok
