"""Start-up cost in CPU time: ``qjtitle --help``, and ``qjtitle applicants list`` on the demo's
store (and on an empty one), each divided by ``python -c "import typer"`` measured in the same run,
interleaved (goals: --help ≤ 1.5 x, applicants list ≤ 3 x; issue 27).

    python benchmarks/bench_startup.py [--repeat 15] [--json]

CPU time is the children's user + system time (``resource.getrusage(RUSAGE_CHILDREN)``), so a
busy machine slows every case alike instead of skewing the ratios. The children write and read
their bytecode in a private cache (``PYTHONPYCACHEPREFIX``, even when ``PYTHONDONTWRITEBYTECODE``
is set), warmed by one untimed run of each case, as an installed package would have it.

JSON keys (``--json``): ``typer_import``, ``help``, ``applicants_list`` and
``applicants_list_empty`` (median CPU seconds), the same with ``_wall`` (median wall seconds),
``help_ratio``, ``list_ratio``, ``list_empty_ratio``, ``help_goal`` (1.5), ``list_goal`` (3.0),
``rows`` (applicants listed from the demo store) and ``repeat``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELP_GOAL = 1.5
LIST_GOAL = 3.0


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One run of ``args``: its CPU seconds (user + system) and wall seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def run(repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            COLUMNS="120",
            QJTITLE_DATA_DIR=str(root / "data"),
            QJTITLE_DB=str(root / "empty.db"),
            PYTHONPYCACHEPREFIX=str(root / "pycache"),
        )
        py = sys.executable
        demo = root / "demo"
        # the stores are made once, outside the timing (a reading command never creates one)
        subprocess.run(
            [py, "-m", "qjtitle", "db", "upgrade"], check=True, env=env, capture_output=True
        )
        subprocess.run(
            [py, "-m", "qjtitle", "demo", "--out", str(demo)],
            check=True,
            env=env,
            capture_output=True,
        )
        listed = subprocess.run(
            [py, "-m", "qjtitle", "applicants", "list", "--json", "--db", str(demo / "qjtitle.db")],
            check=True,
            env=env,
            capture_output=True,
        )
        rows = len(json.loads(listed.stdout))
        cases = {
            "typer_import": [py, "-c", "import typer"],
            "help": [py, "-m", "qjtitle", "--help"],
            "applicants_list": [
                *(py, "-m", "qjtitle", "applicants", "list"),
                *("--db", str(demo / "qjtitle.db")),
            ],
            "applicants_list_empty": [py, "-m", "qjtitle", "applicants", "list"],
        }
        for args in cases.values():  # warm the bytecode cache
            timed(args, env)
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        wall: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(repeat):  # interleaved: a burst of load hits every case alike
            for name, args in cases.items():
                c, w = timed(args, env)
                cpu[name].append(c)
                wall[name].append(w)
    medians = {name: statistics.median(times) for name, times in cpu.items()}
    base = medians["typer_import"]
    return {
        **medians,
        **{f"{name}_wall": statistics.median(times) for name, times in wall.items()},
        "help_ratio": medians["help"] / base,
        "list_ratio": medians["applicants_list"] / base,
        "list_empty_ratio": medians["applicants_list_empty"] / base,
        "help_goal": HELP_GOAL,
        "list_goal": LIST_GOAL,
        "rows": rows,
        "repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.repeat)
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        if key.endswith("ratio"):
            goal = HELP_GOAL if key == "help_ratio" else LIST_GOAL
            verdict = "" if key == "list_empty_ratio" else ("ok" if value <= goal else "over")
            print(f"{key:26} {value:8.2f} x  (goal ≤ {goal} x) {verdict}")
        elif key.endswith("goal") or key in ("rows", "repeat"):
            continue
        else:
            unit = "s wall" if key.endswith("_wall") else "s CPU"
            print(f"{key:26} {value:8.3f} {unit}")
    print(f"{'rows listed (demo store)':26} {results['rows']:8.0f}")


if __name__ == "__main__":
    main()
