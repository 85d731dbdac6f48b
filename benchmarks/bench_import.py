"""Time the applicant import against python-calamine's own floor, at 2,000 and 20,000 rows.

    python benchmarks/bench_import.py [--repeat 3] [--repeat-large 3] [--sizes 2000,20000] [--json]
    python benchmarks/bench_import.py --profile        # cProfile of one import at the largest size

For each size it writes one workbook of valid applicants (fixed seed), then, repeated, times
back to back:
- floor: python-calamine reading every cell of the file (nothing else);
- import: ``qjtitle.intake.applicants.import_applicants`` into a fresh SQLite store;
and prints their medians, the median of the paired ratios import/floor (goal ≤ 3.0 at 20,000
rows: each pair is measured within a second or two, so the machine's changing speed, which on
a shared 2-core machine moves either time by ±30 %, cancels out) and the 20,000/2,000 time
ratio (goal ≤ 12, i.e. linear). Peak memory: for each size a fresh child process imports the
file once and reports ``ru_maxrss`` after importing qjtitle (the baseline) and after the import
(the peak); goals: peak ≤ 200 MiB at 20,000 rows, and the 20,000/2,000 ratio of the memory above
the baseline ≤ 12. ``cpu_floor_N``, ``cpu_import_N`` and ``cpu_ratio_N`` are the same pairs in this
process's CPU time (``time.process_time``), which other processes' load moves less. Nothing is
asserted on wall-clock time in tests; this script is run by hand or by ``benchmarks/run``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qjtitle import idcard
from qjtitle.intake.roster import COLUMNS

UNITS = [f"曲靖市第{i}人民医院" for i in range(1, 41)]
SPECIALTIES = {
    "临床医学": ("主治医师", "医师"),
    "护理": ("主管护师", "护师"),
    "药学": ("主管药师", "药师"),
}


def make_workbook(path: Path, rows: int, seed: int = 7) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("申报信息表")
    ws.append(["曲靖市专业技术人员职称申报信息表"])
    ws.append([c.label for c in COLUMNS])
    for i in range(rows):
        # a distinct birth date per 1,000 rows keeps every ID number unique
        birth = date(1975, 1, 1) + timedelta(days=i // 1000 * 7)
        specialty = rng.choice(list(SPECIALTIES))
        title, current = SPECIALTIES[specialty]
        seq = i % 1000
        number = idcard.make("530302", birth, seq)
        ws.append(
            [
                i + 1,
                f"申报人{i}",
                idcard.gender_of(number),
                f"{birth:%Y.%m}",
                number,
                rng.choice(UNITS),
                "麒麟区",
                "大学本科",
                "昆明医科大学",
                specialty,
                f"{birth.year + 22}.07",
                f"{birth.year + 22}.08",
                current,
                f"{birth.year + 27}.12",
                "卫生",
                specialty,
                title,
                "中级",
                "正常",
                f"138{i:08d}",
                "",
            ]
        )
    wb.save(path)


def calamine_floor(path: Path, cpu: list[float] | None = None) -> float:
    """Wall time of the floor; its CPU time (this process's) appended to ``cpu`` when given."""
    from python_calamine import CalamineWorkbook

    start, start_cpu = time.perf_counter(), time.process_time()
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        for _row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
            pass
    wb.close()
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return time.perf_counter() - start


def qjtitle_import(path: Path, workdir: Path, cpu: list[float] | None = None) -> float:
    """Wall time of one import; its CPU time appended to ``cpu`` when given."""
    from qjtitle import committees
    from qjtitle.intake.applicants import import_applicants
    from qjtitle.store import open_store

    db = workdir / f"bench-{time.perf_counter_ns()}.db"
    store = open_store(db)
    committees.add(store, "B", "基准评委会", "中级", "卫生", list(SPECIALTIES))
    start, start_cpu = time.perf_counter(), time.process_time()
    report = import_applicants(store, [path], "B", 2023)
    elapsed = time.perf_counter() - start
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    store.close()
    assert report.totals().imported == report.totals().rows, report.totals()
    return elapsed


def rss_child(path: Path, workdir: Path) -> None:
    """In a fresh process: the baseline after importing qjtitle, then the peak after one import (KiB)."""
    from qjtitle import committees  # noqa: F401 - the modules the import needs, loaded before the baseline
    from qjtitle.intake.applicants import import_applicants  # noqa: F401
    from qjtitle.store import open_store  # noqa: F401

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    qjtitle_import(path, workdir)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"baseline_kib": baseline, "peak_kib": peak}))


def measure_rss(path: Path, workdir: Path) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--rss-child",
            str(path),
            "--workdir",
            str(workdir),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONHASHSEED="0"),
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run(
    sizes: list[int], repeat: int, repeat_large: int | None = None, memory: bool = True
) -> dict[str, float]:
    results: dict[str, float] = {}
    me = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = {n: work / f"roster-{n}.xlsx" for n in sizes}
        for n, path in paths.items():
            # written by a child, and the memory children started before this process imports anything
            # big: a child's ru_maxrss starts from its parent's resident size at fork (Linux keeps it over exec)
            subprocess.run(
                [sys.executable, me, "--make-workbook", str(path), "--sizes", str(n)], check=True
            )
        if memory:
            for n, path in paths.items():
                rss = measure_rss(path, work)
                results[f"rss_base_mib_{n}"] = rss["baseline_kib"] / 1024
                results[f"rss_peak_mib_{n}"] = rss["peak_kib"] / 1024
                results[f"rss_above_mib_{n}"] = (rss["peak_kib"] - rss["baseline_kib"]) / 1024
        for n, path in paths.items():
            times = (
                repeat_large if (repeat_large and n == max(sizes) and len(sizes) > 1) else repeat
            )
            qjtitle_import(path, work)  # warm: modules imported, file in the page cache
            floors, imports = [], []
            cpu_floors: list[float] = []
            cpu_imports: list[float] = []
            for _ in range(
                times
            ):  # each import right after its floor: a slow spell of the machine hits both
                floors.append(calamine_floor(path, cpu_floors))
                imports.append(qjtitle_import(path, work, cpu_imports))
            results[f"floor_{n}"] = statistics.median(floors)
            results[f"import_{n}"] = statistics.median(imports)
            results[f"ratio_{n}"] = statistics.median(
                i / f for i, f in zip(imports, floors, strict=True)
            )
            # the same pairs in CPU time of this process (less moved by other processes' load)
            results[f"cpu_floor_{n}"] = statistics.median(cpu_floors)
            results[f"cpu_import_{n}"] = statistics.median(cpu_imports)
            results[f"cpu_ratio_{n}"] = statistics.median(
                i / f for i, f in zip(cpu_imports, cpu_floors, strict=True)
            )
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        results["linearity"] = results[f"import_{large}"] / results[f"import_{small}"]
        if memory:
            results["rss_linearity"] = results[f"rss_above_mib_{large}"] / max(
                results[f"rss_above_mib_{small}"], 1 / 1024
            )
    return results


def profile(rows: int, top: int = 15) -> None:
    import cProfile
    import pstats

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = work / f"roster-{rows}.xlsx"
        make_workbook(path, rows)
        qjtitle_import(path, work)  # warm: modules imported, caches filled
        profiler = cProfile.Profile()
        profiler.enable()
        qjtitle_import(path, work)
        profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repeats at the smaller sizes")
    parser.add_argument("--repeat-large", type=int, default=3, help="repeats at the largest size")
    parser.add_argument("--sizes", default="2000,20000", help="numbers of rows, smallest first")
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the peak-RSS child processes"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a cProfile summary of one import at the largest size",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make-workbook", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.make_workbook:
        make_workbook(args.make_workbook, sizes[0])
        return
    if args.rss_child:
        rss_child(args.rss_child, args.workdir)
        return
    if args.profile:
        profile(max(sizes))
        return
    results = run(sizes, args.repeat, args.repeat_large, not args.no_memory)
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        unit = (
            "s"
            if key.startswith(("floor", "import", "cpu_floor", "cpu_import"))
            else "MiB"
            if key.startswith("rss_") and "mib" in key
            else "x"
        )
        print(f"{key:14} {value:8.3f} {unit}")


if __name__ == "__main__":
    main()
