"""Preprocessing throughput and peak memory on a synthetic Amazon 2014 corpus.

    python benchmarks/preprocess.py [--reviews N] [--keep PATH] [--seed S]

Writes (untimed) a gzip JSON-lines corpus of N reviews (default 1,000,000) with
`semax.synthetic.generator.write_corpus`, or reuses `--keep PATH` when that file exists (and keeps the
file there otherwise). Then, in a fresh subprocess so that peak RSS is clean, times
`semax.data.readers.read_reviews(path)` and `semax.data.dataset.prepare(df, DataConfig())`
(read, validate, tokenize, split, index histories). Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"reviews_per_s": 50_000, "peak_rss_mb": 3_000}

# Runs in the child: the timed region is exactly read + prepare.
CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from semax.data.readers import read_reviews
from semax.data.dataset import DataConfig, prepare
t1 = time.perf_counter()
df, report = read_reviews(sys.argv[1])
t2 = time.perf_counter()
data = prepare(df, DataConfig())
t3 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0,
    "read_s": t2 - t1,
    "prepare_s": t3 - t2,
    "rows_read": report.rows_read,
    "rows_kept": report.rows_kept,
    "format": report.format,
    "vocab": len(data.vocab),
    "users": len(data.users) - 1,
    "items": len(data.items) - 1,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KB on Linux
}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep", type=Path, default=None, help="corpus path to reuse (written there if absent)"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from semax.synthetic.generator import write_corpus

    with tempfile.TemporaryDirectory(prefix="semax-bench-") as tmp:
        path = args.keep or Path(tmp) / "corpus.json.gz"
        generated_s = None
        if not path.exists():
            t = time.perf_counter()
            write_corpus(path, n_reviews=args.reviews, seed=args.seed)
            generated_s = time.perf_counter() - t
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        t = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env
        )
        child_wall_s = time.perf_counter() - t
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            print(
                json.dumps(
                    {
                        "error": f"child failed with status {done.returncode}",
                        "stderr_tail": done.stderr[-2000:],
                    }
                )
            )
            return 1
        child = json.loads(done.stdout.strip().splitlines()[-1])
        file_mb = path.stat().st_size / 1e6

    reviews = child["rows_kept"]
    seconds = child["read_s"] + child["prepare_s"]
    result = {
        "benchmark": "preprocess",
        "reviews": reviews,
        "rows_read": child["rows_read"],
        "format": child["format"],
        "file": str(args.keep) if args.keep else None,
        "file_mb": round(file_mb, 1),
        "generate_s": None if generated_s is None else round(generated_s, 2),
        "import_s": round(child["import_s"], 2),
        "read_s": round(child["read_s"], 2),
        "prepare_s": round(child["prepare_s"], 2),
        "seconds": round(seconds, 2),
        "reviews_per_s": round(reviews / seconds),
        "peak_rss_mb": round(child["peak_rss_mb"], 1),
        "child_wall_s": round(child_wall_s, 2),
        "vocab": child["vocab"],
        "users": child["users"],
        "items": child["items"],
        "targets": TARGETS,
    }
    result["meets"] = {
        "reviews_per_s": result["reviews_per_s"] >= TARGETS["reviews_per_s"],
        "peak_rss_mb": result["peak_rss_mb"] <= TARGETS["peak_rss_mb"],
    }
    result["ok"] = all(result["meets"].values())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
