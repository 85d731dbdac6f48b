"""Time the filing packages at 60 and 600 applicants (one review form each).

    python benchmarks/bench_filing.py [--sizes 60,600] [--repeat 1] [--pdf]

For each size it fills a fresh SQLite store (not timed): a committee, N accepted applicants,
a pool of 20 experts, a meeting of 11 drawn through ``draw_store`` (all accept), 9 attending,
three reviews per applicant, vote counts for every applicant and the seal (proceedings rows
inserted in bulk). Then it takes the median of ``filing.export_filing`` for the pre-meeting
package and for the post-meeting package (N review forms), and prints the time per review form.
Nothing is asserted on wall-clock time in tests; this script is run by hand.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import select

from qjtitle import committees, draw_store, filing, idcard, rules, schedule
from qjtitle.models import (
    Applicant,
    Attendance,
    BallotCount,
    Expert,
    Meeting,
    MeetingSeal,
    Review,
    ReviewAssignment,
)
from qjtitle.store import open_store

MEETING_DAY = date(2023, 11, 20)


def build(directory: Path, size: int):  # type: ignore[no-untyped-def]
    store = open_store(directory / "bench.db")
    committees.add(store, "QJ-WS-ZJ", "曲靖市卫生系列中级职称评审委员会", "中级", "卫生", ["护理"],
                   "曲靖市卫生健康委员会", "曲靖市人力资源和社会保障局", min_size=11, pool_filed=date(2022, 6, 30))
    people, pool = [], []
    for i in range(size):
        number = idcard.make("530302", date(1980, 1, 1) + timedelta(days=i), 100 + i % 800)
        unit = f"申报单位{i % 40:02d}"
        people.append({
            "year": 2023, "committee_id": 1, "person_key": number, "seq": str(i + 1), "name": f"申报人{i:04d}",
            "gender": idcard.gender_of(number), "birth": date(1980, 1, 1) + timedelta(days=i), "id_number": number,
            "unit": unit, "unit_key": unit, "county": "麒麟区", "education": "大学本科", "school": "昆明医科大学",
            "major": "护理", "graduated": date(2003, 7, 1), "work_start": date(2003, 8, 1), "current_title": "护师",
            "current_title_date": date(2012, 12, 1), "series": "卫生", "specialty": "护理", "title_name": "主管护师",
            "level": "中级", "route": "正常", "phone": f"138{i:08d}", "years_in_title": 11, "years_working": 20,
            "status": rules.STATUS_ACCEPTED, "problems": [], "source_file": "bench.xlsx", "source_sheet": "Sheet1",
            "source_row": i + 4,
        })
    for i in range(20):
        unit = f"专家单位{i:02d}"
        pool.append({
            "committee_id": 1, "name": f"专家{i:02d}", "gender": "男", "id_number": idcard.make("530302", date(1965, 1, 1 + i), 11),
            "unit": unit, "unit_key": unit, "title": "副主任护师", "level": "副高级", "series": "卫生", "specialty": "护理",
            "phone": "", "term_start": date(2022, 7, 1), "term_end": date(2025, 6, 30), "status": "在库", "active": True,
        })
    with store.transaction() as session:
        session.bulk_insert_mappings(Applicant, people)  # type: ignore[arg-type]
        session.bulk_insert_mappings(Expert, pool)  # type: ignore[arg-type]
        session.add(Meeting(committee_id=1, date=MEETING_DAY, place="曲靖市会议中心", size=11))
    outcome = draw_store.draw_experts(store, 1, ["王明", "李华", "赵强"], ["陈静"], alternates=2,
                                      seed=["4721", "9903", "1586"], drawn_on=date(2023, 11, 10))
    members = [p["id"] for p in outcome.record["picks"] if p["role"] == "member"]
    for e in members:
        draw_store.confirm(store, outcome.record["draw"], e, True, answered_on=date(2023, 11, 13))
    attending = members[:9]
    with store.transaction() as session:
        ids = list(session.exec(select(Applicant.id).order_by(Applicant.id)))
        reviewers = {str(a): [attending[(k + j) % 9] for j in range(3)] for k, a in enumerate(ids)}
        session.bulk_insert_mappings(Attendance, [{"meeting_id": 1, "expert_id": e} for e in attending])  # type: ignore[arg-type]
        session.add(ReviewAssignment(meeting_id=1, version=1, algorithm="bench", seed="bench", per_applicant=3, reviewers=reviewers))
        session.bulk_insert_mappings(Review, [  # type: ignore[arg-type]
            {"meeting_id": 1, "applicant_id": a, "expert_id": e, "opinion": "材料齐全，业绩突出。", "recommendation": "同意"}
            for a in ids for e in reviewers[str(a)]
        ])
        session.bulk_insert_mappings(BallotCount, [  # type: ignore[arg-type]
            {"meeting_id": 1, "applicant_id": a, "agree": 9 - k % 5, "disagree": k % 5, "abstain": 0} for k, a in enumerate(ids)
        ])
        session.add(MeetingSeal(meeting_id=1))
    for key, first, last in (("notice", date(2023, 10, 9), None), ("recommendation-publicity", date(2023, 10, 23), date(2023, 10, 27)),
                             ("pre-publicity", date(2023, 10, 30), date(2023, 11, 3)), ("draw", date(2023, 11, 10), None),
                             ("pre-filing", date(2023, 11, 13), None), ("consent", date(2023, 11, 15), None),
                             ("result-publicity", date(2023, 11, 21), date(2023, 11, 27))):
        schedule.record(store, 1, key, first, last)
    return store


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60,600")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pdf", action="store_true", help="also convert to PDF (needs LibreOffice)")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            store = build(folder, size)
            runs: dict[str, list[float]] = {"pre": [], "post": []}
            for i in range(args.repeat):
                for stage, day in (("pre", date(2023, 11, 13)), ("post", date(2023, 12, 1))):
                    out = folder / f"out{i}"
                    runs[stage].append(timed(lambda: filing.export_filing(
                        store, 1, stage, out, today=day, make_zip=True, pdf=args.pdf)))  # noqa: B023
            store.close()
        pre, post = statistics.median(runs["pre"]), statistics.median(runs["post"])
        print(f"{size:>6} applicants: pre {pre:6.2f} s   post {post:6.2f} s   ({post / size * 1000:5.1f} ms per review form, zip included)")


if __name__ == "__main__":
    main()
