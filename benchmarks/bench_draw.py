"""Time the expert draw from a pool of 10,000 and 100,000 experts, recusal against 5,000 applicants.

    python benchmarks/bench_draw.py [--sizes 10000,100000] [--applicants 5000] [--repeat 3] [--json]

For each pool size it fills a fresh SQLite store (fixed seed, bulk insert, not timed): experts
of 2,000 units and four specialties; ``--applicants`` accepted applicants of the meeting's year
(one in ten in a unit that also has experts, so same-unit recusal excludes experts) and one
declared conflict per five applicants. Then it takes the median of:
- floor: loading those rows (every column of the committee's experts and of the meeting's
  applicants) from the same store with SQLAlchemy Core, nothing else;
- draw: ``draw_store.draw_experts`` end to end (eligibility with recusal, selection, the record
  with its eligible list written in one transaction; each run voids the previous one);
- select: ``qjtitle.logic.draw.select`` alone; verify: ``draw_record.verify_draw`` (for information).
It prints draw/floor per size (goal ≤ 3 at 100,000) and the largest/smallest draw time ratio
(goal ≤ 12 for a tenfold pool, i.e. linear). Nothing is asserted on wall-clock time in tests.
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

from sqlmodel import select

from qjtitle import committees, idcard, rules
from qjtitle.experts import draw_record, eligible
from qjtitle.experts import drawing as draw_store
from qjtitle.logic import draw, draw_inputs
from qjtitle.models import Applicant, Conflict, Expert, Meeting
from qjtitle.store import open_store

SPECIALTIES = ("临床医学", "护理", "药学", "医学检验技术")
QUOTAS = {"临床医学": 5, "护理": 3, "药学": 2, "医学检验技术": 1}
DRAWERS, SUPERVISORS = ["王明", "李华", "赵强"], ["陈静"]
YEAR = 2023


def build(directory: Path, size: int, applicants: int, seed: int = 7):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    store = open_store(directory / "bench.db")
    committees.add(
        store,
        "QJ-WS-ZJ",
        "曲靖市卫生系列中级职称评审委员会",
        "中级",
        "卫生",
        list(SPECIALTIES),
        min_size=11,
        pool_filed=date(2022, 6, 30),
    )
    pool = []
    for i in range(size):
        birth = date(1960, 1, 1) + timedelta(days=i // 1000 * 3)
        unit = f"单位{rng.randrange(2000):04d}"
        pool.append(
            {
                "committee_id": 1,
                "name": f"专家{i}",
                "gender": "男",
                "id_number": idcard.make("530302", birth, i % 1000),
                "unit": unit,
                "unit_key": unit,
                "title": "副主任医师",
                "level": "副高级",
                "series": "卫生",
                "specialty": rng.choice(SPECIALTIES),
                "phone": "",
                "joined": date(2022, 6, 1),
                "term_start": date(2022, 7, 1),
                "term_end": date(2025, 6, 30),
                "status": "在库",
                "active": True,
            }
        )
    people = []
    for i in range(applicants):
        birth = date(1980, 1, 1) + timedelta(days=i // 1000 * 5)
        number = idcard.make("530302", birth, i % 1000)
        unit = (
            f"单位{rng.randrange(2000):04d}" if i % 10 == 0 else f"申报单位{rng.randrange(400):03d}"
        )
        specialty = rng.choice(SPECIALTIES)
        people.append(
            {
                "year": YEAR,
                "committee_id": 1,
                "person_key": number,
                "seq": str(i + 1),
                "name": f"申报人{i:05d}",
                "gender": idcard.gender_of(number),
                "birth": birth,
                "id_number": number,
                "unit": unit,
                "unit_key": unit,
                "county": "麒麟区",
                "education": "大学本科",
                "school": "昆明医科大学",
                "major": specialty,
                "graduated": date(2003, 7, 1),
                "work_start": date(2003, 8, 1),
                "current_title": "护师",
                "current_title_date": date(2012, 12, 1),
                "series": "卫生",
                "specialty": specialty,
                "title_name": "主管护师",
                "level": "中级",
                "route": "正常",
                "phone": f"138{i:08d}",
                "years_in_title": 11,
                "years_working": 20,
                "status": rules.STATUS_ACCEPTED,
                "problems": [],
                "source_file": "bench.xlsx",
                "source_sheet": "Sheet1",
                "source_row": i + 4,
            }
        )
    with store.transaction() as session:
        session.bulk_insert_mappings(Expert, pool)  # type: ignore[arg-type]
        session.bulk_insert_mappings(Applicant, people)  # type: ignore[arg-type]
        pairs = {(rng.randrange(1, size + 1), a) for a in range(1, applicants + 1, 5)}
        session.bulk_insert_mappings(
            Conflict,
            [  # type: ignore[arg-type]
                {
                    "expert_id": e,
                    "applicant_id": a,
                    "reason": "近亲属",
                    "declared_on": date(2023, 10, 1),
                }
                for e, a in sorted(pairs)
            ],
        )
        session.add(
            Meeting(committee_id=1, date=date(2023, 11, 20), place="曲靖市会议中心", size=11)
        )
    return store


def load_rows(store) -> int:  # type: ignore[no-untyped-def]
    """The floor: every column of the rows the draw has to look at, as plain Core rows."""
    with store.transaction() as session:
        pool = session.execute(
            select(Expert.__table__).where(Expert.__table__.c.committee_id == 1)
        ).all()
        people = session.execute(
            select(Applicant.__table__).where(
                Applicant.__table__.c.committee_id == 1, Applicant.__table__.c.year == YEAR
            )
        ).all()
    return len(pool) + len(people)


def median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(size: int, applicants: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp), size, applicants)
        with store.transaction() as session:
            result = eligible.eligibility(session, session.get(Meeting, 1))
            candidates = result.eligible
            excluded = sum(len(v) for v in result.excluded.values())
        plain = draw_inputs.Request.make(11, 4, QUOTAS)
        t_floor = median(lambda: load_rows(store), repeat)
        t_select = median(lambda: draw.select("4721/9903/1586/", candidates, plain), repeat)
        attempt = iter(range(1, 1000))

        def run_draw() -> None:
            n = next(attempt)  # each run is a redraw voiding the previous one
            draw_store.draw_experts(
                store,
                draw_store.DrawRequest(
                    1,
                    DRAWERS,
                    SUPERVISORS,
                    alternates=4,
                    specialties=[f"{s}={k}" for s, k in QUOTAS.items()],
                    seed=[str(n), "9903", "1586"],
                    drawn_on=date(2023, 11, 10),
                    voids=n - 1 if n > 1 else None,
                    void_reason="基准测试重抽" if n > 1 else "",
                ),
            )

        t_draw = median(run_draw, repeat)
        t_verify = median(lambda: draw_record.verify_draw(store, 1), repeat)
        store.close()
    return {
        f"floor_{size}": t_floor,
        f"draw_{size}": t_draw,
        f"ratio_{size}": t_draw / t_floor,
        f"select_{size}": t_select,
        f"verify_{size}": t_verify,
        f"excluded_{size}": float(excluded),
    }


def run(sizes: list[int], applicants: int, repeat: int, repeat_large: int) -> dict[str, float]:
    results: dict[str, float] = {"applicants": float(applicants)}
    for size in sizes:
        results.update(
            measure(
                size, applicants, repeat if size < max(sizes) or len(sizes) == 1 else repeat_large
            )
        )
    if len(sizes) >= 2:
        results["linearity"] = results[f"draw_{sizes[-1]}"] / results[f"draw_{sizes[0]}"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="pool sizes, smallest first")
    parser.add_argument("--applicants", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="repeats at the smaller sizes")
    parser.add_argument("--repeat-large", type=int, default=3, help="repeats at the largest size")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(
        [int(s) for s in args.sizes.split(",")], args.applicants, args.repeat, args.repeat_large
    )
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        unit = (
            "x"
            if key.startswith(("ratio", "linearity"))
            else ""
            if key.startswith(("excluded", "applicants"))
            else "s"
        )
        print(f"{key:16} {value:10.3f} {unit}")


if __name__ == "__main__":
    main()
