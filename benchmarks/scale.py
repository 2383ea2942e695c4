"""Large dumps: `semax prepare` throughput and memory, then training from the prepared folder.

    python benchmarks/scale.py [--reviews N] [--keep PATH] [--train-steps S] [--threads T]
                               [--batch-size B] [--dim D] [--workdir DIR]

Writes (untimed) a plain JSON-lines synthetic corpus of N reviews (default 5,000,000) with
`semax.synthetic.generator.write_corpus`, or reuses `--keep PATH`. Then, each in a fresh subprocess so
that its peak RSS is its own:

1. `python -m semax prepare --data CORPUS --out FOLDER` (through `semax.cli.main`): reviews/s and
   peak RSS, against the raw corpus size.
2. One training epoch of SEMAX reading the memory-mapped folder (`load_prepared` + `fit`), capped
   at `--train-steps` steps (0 = the whole epoch, validation included): ratings/s and peak RSS.

Peak RSS is `ru_maxrss`; a sampler thread also records the peaks of its two parts, anonymous
memory (what the process allocated) and file-backed pages (mapped .npy pages, which the kernel can
drop and every process on the machine shares). `import_rss_mb` is the peak after importing the
CLI (torch included), before any work. Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"prepare_peak_rss_mb": 6_000, "train_peak_rss_mb": 4_000}

SAMPLER = r"""
import json, resource, sys, threading, time
PEAK = {"anon_mb": 0, "file_mb": 0}
def _status():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("RssAnon:", "RssFile:", "RssShmem:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out
def _sample():
    while True:
        s = _status()
        PEAK["anon_mb"] = max(PEAK["anon_mb"], s.get("RssAnon", 0))
        PEAK["file_mb"] = max(PEAK["file_mb"], s.get("RssFile", 0) + s.get("RssShmem", 0))
        time.sleep(0.05)
threading.Thread(target=_sample, daemon=True).start()
def memory():
    return {
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_anon_mb": PEAK["anon_mb"],
        "peak_file_mb": PEAK["file_mb"],
    }
"""

PREPARE = (
    SAMPLER
    + r"""
import contextlib, io
t0 = time.perf_counter()
from semax.models.semax import dims
from semax.cli import build_parser, main
build_parser()  # imports every command's modules (torch too): the fixed part of the peak
t1 = time.perf_counter()
import_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["prepare", "--data", sys.argv[1], "--out", sys.argv[2], "--json"])
t2 = time.perf_counter()
summary = json.loads(out.getvalue()) if code == 0 else {}
print(json.dumps({
    "exit": code,
    "seconds": t2 - t1,
    "import_s": t1 - t0,
    "import_rss_mb": import_rss,
    "n": summary.get("n"),
    "vocabulary": summary.get("vocabulary"),
    "users": summary.get("users"),
    "items": summary.get("items"),
    **memory(),
}))
"""
)

TRAIN = (
    SAMPLER
    + r"""
folder, steps, batch_size, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
threads = int(sys.argv[5])
import numpy as np, torch
if threads:
    torch.set_num_threads(threads)
from semax.models import registry
from semax.data.prepared import load_prepared
from semax.training.loop import TrainConfig, batch_builder, fit, predict_rows
t0 = time.perf_counter()
data = load_prepared(folder)
t1 = time.perf_counter()

torch.manual_seed(0)
model = registry.build("semax", registry.config_for("semax", data, **dims(dim)))
build = batch_builder(model, data)
seen = {"ratings": 0, "steps": 0, "of": 0, "first": None}
def batcher(rows, training):
    if training:
        seen["ratings"] += len(rows)
    return build(rows, training)
def callback(event):
    if event["event"] == "step":
        seen["first"] = seen["first"] or time.perf_counter()
        seen["steps"], seen["of"] = event["step"], event["steps"]
        return bool(steps) and event["step"] >= steps
cfg = TrainConfig(epochs=1, batch_size=batch_size, device="cpu", amp=False)
t2 = time.perf_counter()
result = fit(model, data, cfg, callback=callback, batcher=batcher, progress=False)
t3 = time.perf_counter()
valid = data.valid_rows[:8192]
t4 = time.perf_counter()
predict_rows(model, data, valid, 1024, batcher)
t5 = time.perf_counter()
train_s = t3 - (seen["first"] or t2)
print(json.dumps({
    "load_s": t1 - t0,
    "first_step_s": (seen["first"] or t3) - t2,
    "steps": seen["steps"],
    "steps_per_epoch": seen["of"],
    "ratings": seen["ratings"],
    "train_s": train_s,
    "ratings_per_s": seen["ratings"] / max(train_s, 1e-9),
    "stopped": result.stopped,
    "valid_rmse": result.best_valid_rmse if result.stopped != "cancelled" else None,
    "predict_ratings_per_s": len(valid) / max(t5 - t4, 1e-9),
    "threads": torch.get_num_threads(),
    **memory(),
}))
"""
)


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _child(code: str, *args: str) -> dict:
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=_env()
    )
    wall = time.perf_counter() - t
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"], "wall_s": wall}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall_s": wall}


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="corpus path to reuse (or write)")
    parser.add_argument("--train-steps", type=int, default=0, help="cap (0 = the whole epoch)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--dim", type=int, default=0, help="every model dimension (0 = default)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write (default: tmp)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="semax-scale-", dir=args.workdir))
    try:
        corpus = args.keep or tmp / "corpus.json"
        generated_s = None
        if not corpus.exists():  # in a subprocess: a large parent would inflate the children's
            # ru_maxrss (Linux keeps the peak of the memory a child starts with across exec)
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "semax", "demo-data", "--out", str(corpus)]
                + ["--reviews", str(args.reviews), "--seed", str(args.seed)],
                check=True,
                capture_output=True,
                env=_env(),
            )
            generated_s = time.perf_counter() - t
        folder = tmp / "prepared"
        prep = _child(PREPARE, str(corpus), str(folder))
        if "error" not in prep:
            prep["reviews_per_s"] = prep["n"] / prep["seconds"]
            prep["folder_mb"] = _folder_bytes(folder) / 2**20
        train = (
            _child(
                TRAIN,
                str(folder),
                str(args.train_steps),
                str(args.batch_size),
                str(args.dim),
                str(args.threads),
            )
            if "error" not in prep
            else {"error": "skipped: prepare failed"}
        )
        corpus_mb = corpus.stat().st_size / 2**20
        result = {
            "reviews": args.reviews,
            "corpus": str(corpus),
            "corpus_mb": corpus_mb,
            "generate_s": generated_s,
            "cpus": os.cpu_count(),
            "prepare": prep,
            "train": train,
            "prepare_rss_per_corpus_mb": prep.get("peak_rss_mb", math.nan) / corpus_mb,
            "targets": TARGETS,
            "meets": {
                "prepare_peak_rss": prep.get("peak_rss_mb", 1e18) < TARGETS["prepare_peak_rss_mb"],
                "prepare_rss_below_corpus": prep.get("peak_rss_mb", 1e18) < corpus_mb,
                "train_peak_rss": train.get("peak_rss_mb", 1e18) < TARGETS["train_peak_rss_mb"],
            },
        }
        print(json.dumps(result, indent=1))
        return 0 if "error" not in prep and "error" not in train else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
