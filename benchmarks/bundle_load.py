"""Cold start of a model bundle: a fresh Python process imports SEMAX, loads a bundle (default the
app's demo model, `assets/semax-demo`), builds a `Recommender` and predicts one user-item pair.

    python benchmarks/bundle_load.py [--model DIR_OR_REPO_ID] [--repeat 3]

Each repetition is a new `python -c` subprocess (nothing warm but the OS file cache); the child
times its phases with `time.perf_counter` and the parent times the whole process, interpreter
start-up included. As references, `import semax.bundle.hub` alone and `import torch` alone are timed
in fresh processes too. Prints one JSON object with the medians; target: cold load + first
prediction under 2 s (`total_s`, the in-process time from the first import to the prediction).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 2.0

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from semax.bundle import hub
from semax.inference import Recommender
t1 = time.perf_counter()
bundle = hub.load(sys.argv[1])
t2 = time.perf_counter()
rec = Recommender.from_bundle(bundle)
user, item = bundle.data.users[1], bundle.data.items[1]
pred = rec.predict(user, item)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_predict_s": t3 - t2,
                  "total_s": t3 - t0, "rating": pred.rating, "kind": bundle.kind,
                  "reviews": len(bundle.data)}))
"""

IMPORT_ONLY = r"""
import json, time
t0 = time.perf_counter()
import {module}
print(json.dumps({{"import_s": time.perf_counter() - t0}}))
"""


def fresh(code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"benchmark child failed:\n{out.stderr.strip()}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "process_s": wall}


def median(rows: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in rows), 3)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=str(REPO / "assets" / "semax-demo"))
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    runs = [fresh(CHILD, args.model) for _ in range(args.repeat)]
    hub_imports = [fresh(IMPORT_ONLY.format(module="semax.bundle.hub")) for _ in range(args.repeat)]
    torch_imports = [fresh(IMPORT_ONLY.format(module="torch")) for _ in range(args.repeat)]
    result = {
        "model": args.model,
        "kind": runs[0]["kind"],
        "reviews": runs[0]["reviews"],
        "repeat": args.repeat,
        "median": {
            key: median(runs, key)
            for key in ("import_s", "load_s", "first_predict_s", "total_s", "process_s")
        },
        "runs_total_s": [round(r["total_s"], 3) for r in runs],
        "reference": {
            "import_semax_hub_s": median(hub_imports, "import_s"),
            "import_torch_s": median(torch_imports, "import_s"),
        },
        "target_total_s": TARGET_S,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    result["meets_target"] = result["median"]["total_s"] < TARGET_S
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
