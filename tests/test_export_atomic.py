"""An interrupted ``export-filing --overwrite`` (issue 15, item 6): always one whole package and its event.

The audit event is committed first; then the old folder and zip move aside and the new ones move in.
Faults are injected in-process (``os.replace`` raising at each move of the package, the event failing)
and by killing a subprocess (SIGKILL) at eight points. After a kill inside the move window the next
export into the folder finishes the move (``package.recover``), so the tests check the state right after
a fault where it must already be whole, and after recovery everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from qjtitle.filing import export as filing
from qjtitle.filing import package
from qjtitle.filing.gather import FilingOptions
from qjtitle.filing.package import PackageError
from qjtitle.store import audit

posix_only = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
OLD, NEW = "旧联系人甲", "新联系人乙"  # the contact line tells the two packages apart


def export(
    store, meeting: int, out: Path, contact: str, overwrite: bool = True
) -> filing.FilingResult:
    return filing.export_filing(
        store,
        meeting,
        "pre",
        out,
        options=FilingOptions(contact=contact),
        force=True,
        make_zip=True,
        overwrite=overwrite,
    )


def events(store) -> list[dict]:
    # show_pii: the masked view would mask an 11-digit run such as "13898891394" inside a hex hash
    return [
        e.detail for e in audit.list_events(store, show_pii=True) if e.action == "filing.exported"
    ]


def whole(out: Path, store, recovered: bool = True) -> str:
    """Assert ``out`` holds exactly one whole package (folder and zip agreeing with each other and with the
    latest export event); return its contact line's marker (which export it is)."""
    folders = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    zips = [p for p in out.iterdir() if p.suffix == ".zip" and not p.name.startswith(".")]
    assert len(folders) == 1 and len(zips) == 1, sorted(p.name for p in out.iterdir())
    folder, zipped = folders[0], zips[0]
    assert zipped.name == folder.name + ".zip"
    assert package.verify(folder) == []
    manifest = (folder / package.MANIFEST_JSON).read_bytes()
    with zipfile.ZipFile(zipped) as z:
        assert z.read(f"{folder.name}/{package.MANIFEST_JSON}") == manifest
        inside = sorted(n.split("/", 1)[1] for n in z.namelist())
    assert inside == sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
    )
    assert events(store)[-1]["manifest_sha256"] == package.sha256_of(folder / package.MANIFEST_JSON)
    if recovered:
        assert [p.name for p in out.iterdir() if p.name.startswith(".tmp-")] == []
    from tests.conftest import docx_text

    text = docx_text(folder / "01_会前备案报告.docx")
    found = [mark for mark, contact in (("旧", OLD), ("新", NEW)) if contact in text]
    assert len(found) == 1, text[:500]
    return found[0]


@pytest.fixture
def exported(filing_meeting, tmp_path: Path):
    out = tmp_path / "out"
    export(filing_meeting.store, filing_meeting.meeting, out, OLD, overwrite=False)
    assert whole(out, filing_meeting.store) == "旧"
    return filing_meeting, out


def test_the_contact_tells_the_two_packages_apart(exported) -> None:
    fm, out = exported
    export(fm.store, fm.meeting, out, NEW)
    assert whole(out, fm.store) == "新" and len(events(fm.store)) == 2


def faulty_replace(monkeypatch, out: Path, fail_at: int, persistent: bool = False) -> list[int]:
    """Make the ``fail_at``-th move into or out of ``out`` raise (once, or from then on)."""
    real = os.replace
    calls: list[int] = []

    def replace(src, dst, *args, **kwargs):
        if Path(src).parent == out or Path(dst).parent == out:
            calls.append(1)
            if len(calls) == fail_at or (persistent and len(calls) >= fail_at):
                raise PermissionError(13, "模拟：文件被占用")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return calls


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_a_move_failing_once_still_ends_with_the_new_package(
    exported, monkeypatch, fail_at: int
) -> None:
    fm, out = exported
    monkeypatch.setattr(package.time, "sleep", lambda s: None)
    calls = faulty_replace(monkeypatch, out, fail_at)
    export(fm.store, fm.meeting, out, NEW)
    assert len(calls) > fail_at  # the fault happened and the move was retried
    assert whole(out, fm.store) == "新" and len(events(fm.store)) == 2


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_moves_failing_for_good_are_finished_by_the_next_export(
    exported, monkeypatch, fail_at: int
) -> None:
    fm, out = exported
    monkeypatch.setattr(package.time, "sleep", lambda s: None)
    faulty_replace(monkeypatch, out, fail_at, persistent=True)
    with pytest.raises(PackageError, match="材料已生成并记入审计日志，但未能移到"):
        export(fm.store, fm.meeting, out, NEW)
    assert len(events(fm.store)) == 2  # committed first
    monkeypatch.undo()
    done = package.recover(out, filing._exported(fm.store))
    assert done and "已完成" in done[0]
    assert whole(out, fm.store) == "新"


def test_an_event_that_fails_leaves_the_old_package_untouched(exported, monkeypatch) -> None:
    fm, out = exported
    before = {p.name: p.stat().st_mtime_ns for p in out.rglob("*")}

    def broken(*args, **kwargs):
        raise OSError(28, "模拟：磁盘已满")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(OSError):
        export(fm.store, fm.meeting, out, NEW)
    monkeypatch.undo()
    assert {p.name: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert whole(out, fm.store) == "旧" and len(events(fm.store)) == 1


def test_stale_temporary_files_are_cleaned(exported) -> None:
    fm, out = exported
    stale_zip = (
        out / ".tmp-abc123.zip"
    )  # left by an export of an earlier version, killed while zipping
    stale_zip.write_bytes(b"PK partial")
    stale_stage = out / ".tmp-qjpkg-999999999-xyz"  # killed before its event: no prepared.json
    (stale_stage / "half").mkdir(parents=True)
    old = time.time() - 3600
    os.utime(stale_zip, (old, old))
    fresh = out / ".tmp-now.docx"  # possibly being written right now by another command
    fresh.write_bytes(b"x")
    export(fm.store, fm.meeting, out, NEW)
    assert not stale_zip.exists() and not stale_stage.exists() and fresh.exists()
    fresh.unlink()
    assert whole(out, fm.store) == "新"


DRIVER = r"""
import os, signal, sys
from pathlib import Path
from qjtitle.documents import render
from qjtitle.filing import export as filing
from qjtitle.filing import package
from qjtitle.filing.gather import FilingOptions
from qjtitle.store import open_store

db, out, point = sys.argv[1], Path(sys.argv[2]), sys.argv[3]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def after(owner, name, when):
    real = getattr(owner, name)
    count = []
    def wrapper(*a, **k):
        if when == "before":
            die()
        result = real(*a, **k)
        count.append(1)
        if len(count) == (3 if name == "render" else 1):
            die()
        return result
    setattr(owner, name, wrapper)

if point == "render":
    after(render.DocxRenderer, "render", "after")
elif point == "zip":
    after(package.PackageFolder, "make_zip", "after")
elif point == "prepared":
    after(package.PackageFolder, "prepare", "after")
elif point == "recorded":
    after(package.PackageFolder, "commit", "before")
elif point.startswith("move-"):
    k = int(point.split("-")[1])
    real = os.replace
    moves = []
    def replace(src, dst, *a, **kw):
        result = real(src, dst, *a, **kw)
        if Path(src).parent == out or Path(dst).parent == out:
            moves.append(1)
            if len(moves) == k:
                die()
        return result
    os.replace = replace
store = open_store(db)
filing.export_filing(store, int(sys.argv[4]), "pre", out, options=FilingOptions(contact="新联系人乙"), force=True,
                     make_zip=True, overwrite=True)
"""

KILL_POINTS = ["render", "zip", "prepared", "recorded", "move-1", "move-2", "move-3", "move-4"]
BEFORE_EVENT = {"render", "zip", "prepared"}


@posix_only
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_export_is_always_one_whole_package(exported, tmp_path: Path, point: str) -> None:
    fm, out = exported
    script = tmp_path / "driver.py"
    script.write_text(DRIVER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(fm.store.path), str(out), point, str(fm.meeting)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == -9, done.stderr.decode("utf-8", "replace")[-2000:]
    if point in BEFORE_EVENT:  # no event: the old package, whole, right away
        assert whole(out, fm.store, recovered=False) == "旧" and len(events(fm.store)) == 1
    else:
        assert len(events(fm.store)) == 2  # the event was committed before any move
    stages = [p for p in out.iterdir() if p.name.startswith(".tmp-qjpkg-")]
    if point not in ("render", "zip"):
        assert len(stages) == 1 and json.loads(
            (stages[0] / package.PREPARED).read_text(encoding="utf-8")
        )
    package.recover(
        out, filing._exported(fm.store)
    )  # what the next export into the folder does first
    expected = "旧" if point in BEFORE_EVENT else "新"
    assert whole(out, fm.store) == expected
