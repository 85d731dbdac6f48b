"""Time the post-meeting filing package at 200 and 2,000 applicants against docxtpl alone.

    python benchmarks/bench_filing.py [--sizes 200,2000] [--repeat 3] [--repeat-large 1] [--pre] [--pdf] [--json]

For each size it fills a fresh SQLite store (not timed): a committee, N accepted applicants,
a pool of 20 experts, a meeting of 11 drawn through ``draw_store`` (all accept), 9 attending,
three reviews per applicant, vote counts for every applicant and the seal (proceedings rows
inserted in bulk). Then it takes the median of:
- floor: docxtpl alone rendering ``templates/review_form.docx`` once per applicant with the very
  contexts ``contexts.Filing.review_forms`` builds (built beforehand, not timed): a fresh
  ``DocxTemplate(path)``, ``render(context, autoescape=True)``, ``save`` — nothing else;
- post: ``filing.export_filing`` of the post-meeting package (N review forms, the other
  documents, the manifest, the zip), end to end;
- pre (with ``--pre``, for information): the pre-meeting package.
It prints post/floor per size (goal ≤ 0.25 at the largest size, issue 27), the time per review form and
the largest/smallest time ratio (goal ≤ 12 for tenfold sizes, i.e. linear). ``--repeat`` is
used at the smaller sizes, ``--repeat-large`` at the largest. Nothing is asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import shutil
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
from qjtitle.calendar import schedule
from qjtitle.documents import folders
from qjtitle.experts import draw_answers
from qjtitle.experts import drawing as draw_store
from qjtitle.filing import contexts
from qjtitle.filing import export as filing
from qjtitle.filing import gather as gathering
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
    committees.add(
        store,
        "QJ-WS-ZJ",
        "曲靖市卫生系列中级职称评审委员会",
        "中级",
        "卫生",
        ["护理"],
        "曲靖市卫生健康委员会",
        "曲靖市人力资源和社会保障局",
        min_size=11,
        pool_filed=date(2022, 6, 30),
    )
    people, pool = [], []
    for i in range(size):
        number = idcard.make("530302", date(1980, 1, 1) + timedelta(days=i), 100 + i % 800)
        unit = f"申报单位{i % 40:02d}"
        people.append(
            {
                "year": 2023,
                "committee_id": 1,
                "person_key": number,
                "seq": str(i + 1),
                "name": f"申报人{i:04d}",
                "gender": idcard.gender_of(number),
                "birth": date(1980, 1, 1) + timedelta(days=i),
                "id_number": number,
                "unit": unit,
                "unit_key": unit,
                "county": "麒麟区",
                "education": "大学本科",
                "school": "昆明医科大学",
                "major": "护理",
                "graduated": date(2003, 7, 1),
                "work_start": date(2003, 8, 1),
                "current_title": "护师",
                "current_title_date": date(2012, 12, 1),
                "series": "卫生",
                "specialty": "护理",
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
    for i in range(20):
        unit = f"专家单位{i:02d}"
        pool.append(
            {
                "committee_id": 1,
                "name": f"专家{i:02d}",
                "gender": "男",
                "id_number": idcard.make("530302", date(1965, 1, 1 + i), 11),
                "unit": unit,
                "unit_key": unit,
                "title": "副主任护师",
                "level": "副高级",
                "series": "卫生",
                "specialty": "护理",
                "phone": "",
                "term_start": date(2022, 7, 1),
                "term_end": date(2025, 6, 30),
                "status": "在库",
                "active": True,
            }
        )
    with store.transaction() as session:
        session.bulk_insert_mappings(Applicant, people)  # type: ignore[arg-type]
        session.bulk_insert_mappings(Expert, pool)  # type: ignore[arg-type]
        session.add(Meeting(committee_id=1, date=MEETING_DAY, place="曲靖市会议中心", size=11))
    outcome = draw_store.draw_experts(
        store,
        draw_store.DrawRequest(
            1,
            ["王明", "李华", "赵强"],
            ["陈静"],
            alternates=2,
            seed=["4721", "9903", "1586"],
            drawn_on=date(2023, 11, 10),
        ),
    )
    members = [p["id"] for p in outcome.record["picks"] if p["role"] == "member"]
    for e in members:
        draw_answers.confirm(store, outcome.record["draw"], e, True, answered_on=date(2023, 11, 13))
    attending = members[:9]
    with store.transaction() as session:
        ids = list(session.exec(select(Applicant.id).order_by(Applicant.id)))
        reviewers = {str(a): [attending[(k + j) % 9] for j in range(3)] for k, a in enumerate(ids)}
        session.bulk_insert_mappings(
            Attendance, [{"meeting_id": 1, "expert_id": e} for e in attending]
        )  # type: ignore[arg-type]
        session.add(
            ReviewAssignment(
                meeting_id=1,
                version=1,
                algorithm="bench",
                seed="bench",
                per_applicant=3,
                reviewers=reviewers,
            )
        )
        session.bulk_insert_mappings(
            Review,
            [  # type: ignore[arg-type]
                {
                    "meeting_id": 1,
                    "applicant_id": a,
                    "expert_id": e,
                    "opinion": "材料齐全，业绩突出。",
                    "recommendation": "同意",
                }
                for a in ids
                for e in reviewers[str(a)]
            ],
        )
        session.bulk_insert_mappings(
            BallotCount,
            [  # type: ignore[arg-type]
                {
                    "meeting_id": 1,
                    "applicant_id": a,
                    "agree": 9 - k % 5,
                    "disagree": k % 5,
                    "abstain": 0,
                }
                for k, a in enumerate(ids)
            ],
        )
        session.add(MeetingSeal(meeting_id=1))
    for key, first, last in (
        ("notice", date(2023, 10, 9), None),
        ("recommendation-publicity", date(2023, 10, 23), date(2023, 10, 27)),
        ("pre-publicity", date(2023, 10, 30), date(2023, 11, 3)),
        ("draw", date(2023, 11, 10), None),
        ("pre-filing", date(2023, 11, 13), None),
        ("consent", date(2023, 11, 15), None),
        ("result-publicity", date(2023, 11, 21), date(2023, 11, 27)),
    ):
        schedule.record(store, 1, key, first, last)
    return store


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


POST_DAY, PRE_DAY = date(2023, 12, 1), date(2023, 11, 13)


def review_contexts(store) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    """The review-form contexts ``export_filing`` renders (with the ``draft`` flag it merges in)."""
    data = gathering.gather(store, 1, gathering.POST, POST_DAY)
    reasons = gathering.readiness(data)
    f = contexts.Filing(data, gathering.FilingOptions(), draft=bool(reasons), reasons=reasons)
    return [{**context, "draft": f.draft} for _a, context in f.review_forms()]


def docxtpl_alone(contexts: list[dict], out: Path) -> None:  # type: ignore[type-arg]
    from docxtpl import DocxTemplate

    template = folders.find_template("review_form.docx")
    out.mkdir(parents=True)
    for i, context in enumerate(contexts, start=1):
        tpl = DocxTemplate(template)
        tpl.render(context, autoescape=True)
        tpl.save(out / f"{i:05d}.docx")


def measure(size: int, repeat: int, pre: bool, pdf: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = build(folder, size)
        contexts = review_contexts(store)
        assert len(contexts) == size, len(contexts)
        runs: dict[str, list[float]] = {"floor": [], "post": [], "pre": []}
        for i in range(repeat):
            runs["floor"].append(timed(lambda: docxtpl_alone(contexts, folder / f"floor{i}")))  # noqa: B023
            shutil.rmtree(folder / f"floor{i}")
            out = folder / f"out{i}"
            runs["post"].append(
                timed(
                    lambda: filing.export_filing(
                        store,
                        1,
                        filing.POST,
                        out,  # noqa: B023
                        today=POST_DAY,
                        make_zip=True,
                        pdf=pdf,
                        force=True,
                    )
                )
            )
            if pre:
                runs["pre"].append(
                    timed(
                        lambda: filing.export_filing(
                            store,
                            1,
                            filing.PRE,
                            out,  # noqa: B023
                            today=PRE_DAY,
                            make_zip=True,
                            pdf=pdf,
                            force=True,
                        )
                    )
                )
            shutil.rmtree(out)
        store.close()
    floor, post = statistics.median(runs["floor"]), statistics.median(runs["post"])
    results = {
        f"floor_{size}": floor,
        f"post_{size}": post,
        f"ratio_{size}": post / floor,
        f"ms_per_form_{size}": post / size * 1000,
    }
    if pre:
        results[f"pre_{size}"] = statistics.median(runs["pre"])
    return results


def run(
    sizes: list[int], repeat: int, repeat_large: int, pre: bool = False, pdf: bool = False
) -> dict[str, float]:
    results: dict[str, float] = {}
    for size in sizes:
        results.update(
            measure(
                size, repeat_large if size == max(sizes) and len(sizes) > 1 else repeat, pre, pdf
            )
        )
    if len(sizes) >= 2:
        results["linearity"] = results[f"post_{sizes[-1]}"] / results[f"post_{sizes[0]}"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000", help="numbers of applicants, smallest first")
    parser.add_argument("--repeat", type=int, default=3, help="repeats at the smaller sizes")
    parser.add_argument("--repeat-large", type=int, default=1, help="repeats at the largest size")
    parser.add_argument("--pre", action="store_true", help="also time the pre-meeting package")
    parser.add_argument(
        "--pdf", action="store_true", help="also convert to PDF (needs LibreOffice)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(
        [int(s) for s in args.sizes.split(",")], args.repeat, args.repeat_large, args.pre, args.pdf
    )
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        unit = (
            "x"
            if key.startswith(("ratio", "linearity"))
            else "ms"
            if key.startswith("ms_")
            else "s"
        )
        print(f"{key:18} {value:9.3f} {unit}")


if __name__ == "__main__":
    main()
