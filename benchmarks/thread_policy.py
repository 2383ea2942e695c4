"""How training's thread settings hold up beside a busy process, as JSON: ratings/s alone and
beside one unrelated busy process for torch's 1 and 2 intra-op threads, 2 threads under each
OpenMP wait policy (libgomp, torch's CPU backend here: PASSIVE sleeps at once, ACTIVE spins),
and training's default (1 torch thread, 2 encoder threads: our own inter-op parallelism; torch's
inter-op pool serves only TorchScript's fork, unused in eager training).

The policy is read when OpenMP starts, so each setup runs in a fresh child process, one after
another (never two at once); `alone_vs_threads_1` and `beside_busy_vs_threads_1` divide each
setup's ratings/s by those of the first setup (1 torch thread, spans in order) in this same
command.

    python benchmarks/thread_policy.py [--data PATH] [--steps 30] [--busy-seconds 5] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # train_speed, beside this file

# name -> (torch threads, encoder threads, extra environment); the first is the reference
SETUPS = {
    "threads_1": (1, 1, {}),
    "threads_1_encoder_threads_2": (1, 2, {}),
    "threads_2": (2, 1, {}),
    "threads_2_omp_passive": (2, 1, {"OMP_WAIT_POLICY": "PASSIVE"}),
    "threads_2_omp_active": (2, 1, {"OMP_WAIT_POLICY": "ACTIVE"}),
}


def child(args) -> None:
    import torch
    from train_speed import alone_and_beside_busy, load

    from semax.training.loop import TrainConfig, _epoch_batches

    torch.set_num_threads(args.threads)
    data, _, fresh = load(args.data)
    batches = _epoch_batches(data, data.fit_rows, TrainConfig(), 0)[: args.steps + 3]
    got = alone_and_beside_busy(fresh, data, batches, args.busy_seconds, args.encoder_threads)
    print(json.dumps({**got, "torch_threads": torch.get_num_threads()}))


def run_setup(args, threads: int, encoder_threads: int, env: dict) -> dict:
    cmd = [sys.executable, __file__, "--child", "--data", args.data, "--steps", str(args.steps)]
    cmd += ["--busy-seconds", str(args.busy_seconds), "--threads", str(threads)]
    cmd += ["--encoder-threads", str(encoder_threads)]
    base = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}  # libgomp's default
    done = subprocess.run(cmd, env={**base, **env}, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"setup failed ({' '.join(cmd)}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from train_speed import DEFAULT_DATA

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--steps", type=int, default=30, help="timed training steps per measurement")
    ap.add_argument("--busy-seconds", type=float, default=5)
    ap.add_argument("--repeats", type=int, default=1, help="rounds over every setup")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--encoder-threads", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    rounds = []
    for _ in range(args.repeats):  # setups in turn, so a drifting machine slows each alike
        got = {name: run_setup(args, *setup) for name, setup in SETUPS.items()}
        ref = got["threads_1"]
        for row in got.values():
            row["alone_vs_threads_1"] = row["alone_ratings_per_s"] / ref["alone_ratings_per_s"]
            row["beside_busy_vs_threads_1"] = (
                row["beside_busy_ratings_per_s"] / ref["beside_busy_ratings_per_s"]
            )
        rounds.append(got)
    out = {
        "benchmark": "thread_policy",
        "data": Path(args.data).name,
        "steps": args.steps,
        "setups": {
            name: {"torch_threads": t, "encoder_threads": e, "env": env}
            for name, (t, e, env) in SETUPS.items()
        },
        "rounds": rounds,
        "target_share": 0.4,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
