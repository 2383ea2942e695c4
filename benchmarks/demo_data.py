"""`semax demo-data` speed: the grammar corpus against the word-salad generator it replaced.

    python benchmarks/demo_data.py [--reviews 200000] [--runs 3] [--ref bc4aa8a]

Loads the old generator from git (`git show REF:semax/synthetic/...`, into a temporary package),
then writes N reviews (gzip JSON lines, as `semax demo-data --out x.json.gz`) with each, turn
about, RUNS times in the same process, and prints one JSON object: each generator's median
seconds and reviews/s, and new / old (target: at most 1.0, the new one no slower).
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OLD_MODULES = ("__init__", "generator", "truth", "words", "world")
OLD_PACKAGE = "semax_synthetic_old"


def load_old(ref: str, folder: Path):
    """The generator of commit `ref` as the package `OLD_PACKAGE` (its imports rewritten)."""
    package = folder / OLD_PACKAGE
    package.mkdir()
    for name in OLD_MODULES:
        source = subprocess.run(
            ["git", "show", f"{ref}:semax/synthetic/{name}.py"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (package / f"{name}.py").write_text(source.replace("semax.synthetic", OLD_PACKAGE))
    sys.path.insert(0, str(folder))
    return importlib.import_module(f"{OLD_PACKAGE}.generator")


def timed(write, path: Path, n: int) -> float:
    t0 = time.perf_counter()
    write(path, n_reviews=n, seed=0)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reviews", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--ref", default="bc4aa8a", help="commit of the old generator")
    args = p.parse_args()
    from semax.synthetic import generator as new

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        old = load_old(args.ref, folder)
        seconds: dict[str, list[float]] = {"old": [], "new": []}
        for run in range(args.runs):
            order = ("old", "new") if run % 2 == 0 else ("new", "old")
            for name in order:
                module = old if name == "old" else new
                path = folder / f"{name}.json.gz"
                seconds[name].append(timed(module.write_corpus, path, args.reviews))
        sizes = {name: (folder / f"{name}.json.gz").stat().st_size for name in seconds}
    median = {name: statistics.median(s) for name, s in seconds.items()}
    print(
        json.dumps(
            {
                "reviews": args.reviews,
                "runs": args.runs,
                "old_ref": args.ref,
                "old_s": round(median["old"], 3),
                "new_s": round(median["new"], 3),
                "old_reviews_per_s": round(args.reviews / median["old"]),
                "new_reviews_per_s": round(args.reviews / median["new"]),
                "old_gz_bytes": sizes["old"],
                "new_gz_bytes": sizes["new"],
                "new_over_old": round(median["new"] / median["old"], 3),
                "target": "new_over_old <= 1.0",
                "seconds": {k: [round(x, 3) for x in v] for k, v in seconds.items()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
