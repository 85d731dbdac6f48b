"""Time the expert draw at 1,000 and 100,000 experts in the pool.

    python benchmarks/bench_draw.py [--sizes 1000,100000] [--repeat 3]

For each size it fills a fresh SQLite store with valid experts of 2,000 units and four
specialties (fixed seed, bulk insert, not timed), then takes the median of:
- select: ``qjtitle.draw.select`` alone (11 members by four specialty counts, 4 alternates),
  without and with a cap of 1 expert per unit;
- draw: ``draw_store.draw_experts`` end to end (eligibility from the store, selection,
  the record with its eligible list written in one transaction);
- verify: ``draw_store.verify_draw`` (record re-check and pool re-check).
Nothing is asserted on wall-clock time in tests; this script is run by hand.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qjtitle import committees, draw, draw_store, experts, idcard
from qjtitle.models import Expert, Meeting
from qjtitle.store import open_store

SPECIALTIES = ("临床医学", "护理", "药学", "医学检验技术")
QUOTAS = {"临床医学": 5, "护理": 3, "药学": 2, "医学检验技术": 1}
DRAWERS, SUPERVISORS = ["王明", "李华", "赵强"], ["陈静"]


def build(directory: Path, size: int, seed: int = 7):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    store = open_store(directory / "bench.db")
    committees.add(store, "QJ-WS-ZJ", "曲靖市卫生系列中级职称评审委员会", "中级", "卫生", list(SPECIALTIES),
                   min_size=11, pool_filed=date(2022, 6, 30))
    rows = []
    for i in range(size):
        birth = date(1960, 1, 1) + timedelta(days=i // 1000 * 3)
        unit = f"单位{rng.randrange(2000):04d}"
        rows.append(
            {
                "committee_id": 1, "name": f"专家{i}", "gender": "男", "id_number": idcard.make("530302", birth, i % 1000),
                "unit": unit, "unit_key": unit, "title": "副主任医师", "level": "副高级", "series": "卫生",
                "specialty": rng.choice(SPECIALTIES), "phone": "", "joined": date(2022, 6, 1),
                "term_start": date(2022, 7, 1), "term_end": date(2025, 6, 30), "status": "在库", "active": True,
            }
        )
    with store.transaction() as session:
        session.bulk_insert_mappings(Expert, rows)  # type: ignore[arg-type]
        session.add(Meeting(committee_id=1, date=date(2023, 11, 20), place="曲靖市会议中心", size=11))
    return store


def median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(size: int, repeat: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp), size)
        with store.transaction() as session:
            candidates = experts.eligibility(session, session.get(Meeting, 1)).eligible
        plain = draw.Request.make(11, 4, QUOTAS)
        capped = draw.Request.make(11, 4, QUOTAS, unit_cap=1)
        t_select = median(lambda: draw.select("4721/9903/1586/", candidates, plain), repeat)
        t_capped = median(lambda: draw.select("4721/9903/1586/", candidates, capped), repeat)
        attempt = iter(range(1, 1000))

        def run_draw() -> None:
            n = next(attempt)  # each run is a redraw voiding the previous one
            draw_store.draw_experts(
                store, 1, DRAWERS, SUPERVISORS, alternates=4, specialties=[f"{s}={k}" for s, k in QUOTAS.items()],
                seed=[str(n), "9903", "1586"], drawn_on=date(2023, 11, 10),
                voids=n - 1 if n > 1 else None, void_reason="基准测试重抽" if n > 1 else "",
            )

        t_draw = median(run_draw, repeat)
        t_verify = median(lambda: draw_store.verify_draw(store, 1), repeat)
        store.close()
    return (
        f"{size:>7} experts: select {t_select:.3f}s, select with unit cap {t_capped:.3f}s, "
        f"draw-experts {t_draw:.3f}s, verify-draw {t_verify:.3f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print(measure(size, args.repeat))


if __name__ == "__main__":
    main()
