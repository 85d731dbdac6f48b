"""Time the applicant import against python-calamine's own floor, at 2,000 and 20,000 rows.

    python benchmarks/bench_import.py [--repeat 3] [--sizes 2000,20000]

For each size it writes one workbook of valid applicants (fixed seed), then, repeated,
takes the median of:
- floor: python-calamine reading every cell of the file (nothing else);
- import: ``qjtitle.applicants.import_applicants`` into a fresh SQLite store;
and prints the ratio import/floor (goal ≤ 3.0 at 20,000 rows) and the 20,000/2,000 time
ratio (goal ≤ 12, i.e. linear). Nothing is asserted on wall-clock time in tests; this
script is run by hand or by ``benchmarks/run``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qjtitle import idcard
from qjtitle.roster import COLUMNS

UNITS = [f"曲靖市第{i}人民医院" for i in range(1, 41)]
SPECIALTIES = {"临床医学": ("主治医师", "医师"), "护理": ("主管护师", "护师"), "药学": ("主管药师", "药师")}


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
            [i + 1, f"申报人{i}", idcard.gender_of(number), f"{birth:%Y.%m}", number, rng.choice(UNITS), "麒麟区",
             "大学本科", "昆明医科大学", specialty, f"{birth.year + 22}.07", f"{birth.year + 22}.08", current,
             f"{birth.year + 27}.12", "卫生", specialty, title, "中级", "正常", f"138{i:08d}", ""]
        )
    wb.save(path)


def calamine_floor(path: Path) -> float:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        for _row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
            pass
    wb.close()
    return time.perf_counter() - start


def qjtitle_import(path: Path, workdir: Path) -> float:
    from qjtitle import committees
    from qjtitle.applicants import import_applicants
    from qjtitle.store import open_store

    db = workdir / f"bench-{time.perf_counter_ns()}.db"
    store = open_store(db)
    committees.add(store, "B", "基准评委会", "中级", "卫生", list(SPECIALTIES))
    start = time.perf_counter()
    report = import_applicants(store, [path], "B", 2023)
    elapsed = time.perf_counter() - start
    store.close()
    assert report.totals()["imported"] == report.totals()["rows"], report.totals()
    return elapsed


def run(sizes: list[int], repeat: int) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in sizes:
            path = work / f"roster-{n}.xlsx"
            make_workbook(path, n)
            floor = statistics.median(calamine_floor(path) for _ in range(repeat))
            ours = statistics.median(qjtitle_import(path, work) for _ in range(repeat))
            results[f"floor_{n}"] = floor
            results[f"import_{n}"] = ours
            results[f"ratio_{n}"] = ours / floor
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        results["linearity"] = results[f"import_{large}"] / results[f"import_{small}"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run([int(s) for s in args.sizes.split(",")], args.repeat)
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        unit = "s" if key.startswith(("floor", "import")) else "x"
        print(f"{key:14} {value:8.3f} {unit}")


if __name__ == "__main__":
    main()
