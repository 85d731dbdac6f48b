"""Start-up cost: ``qjtitle --help`` and ``qjtitle applicants list`` on an empty store,
divided by ``python -c "import typer"`` measured in the same run (goal ≤ 1.5 for --help).

    python benchmarks/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def run(repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QJTITLE_DB=os.path.join(tmp, "empty.db"), COLUMNS="120")
        py = sys.executable
        cases = {
            "typer_import": [py, "-c", "import typer"],
            "help": [py, "-m", "qjtitle", "--help"],
            "applicants_list": [py, "-m", "qjtitle", "applicants", "list"],
        }
        # creates the store once, outside the timing (a reading command never creates one)
        timed([py, "-m", "qjtitle", "db", "upgrade"], env)
        medians = {
            name: statistics.median(timed(args, env) for _ in range(repeat))
            for name, args in cases.items()
        }
    base = medians["typer_import"]
    return {
        **medians,
        "help_ratio": medians["help"] / base,
        "list_ratio": medians["applicants_list"] / base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.repeat)
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        print(f"{key:16} {value:8.3f} {'x' if key.endswith('ratio') else 's'}")


if __name__ == "__main__":
    main()
