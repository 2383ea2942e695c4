"""What the online protocol costs at prediction time: 2,000 test ratings scored online against the
same ratings scored frozen, with the same model, in the same process.

    python benchmarks/protocol_scoring.py [--model DIR_OR_REPO_ID] [--rows 2000] [--repeat 3]

For each protocol the reviews are prepared again under it (`prepare`: the token store and each
rating's histories, online with the test period's earlier reviews, frozen cut at the training
part) and the first `--rows` test ratings are scored (`predict_rows`: each rating's base, with the
rolling terms online, and the model's forward pass). No weight changes: the script checks that
the model's parameters are bit for bit the same after both. The protocols alternate, `--repeat`
times each; the medians are reported, and their ratio online / frozen (goal: under 2).
Exits 1 when a protocol scored no rating or the weights changed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
GOAL_RATIO = 2.0


def one_run(bundle, protocol: str, rows: int) -> dict:
    from semax.data.dataset import prepare
    from semax.training.loop import predict_rows, rmse

    data = bundle.data
    t0 = time.perf_counter()
    scored = prepare(
        data.reviews,
        replace(data.config, protocol=protocol),
        vocab=data.vocab,
        users=data.users,
        items=data.items,
    )
    t1 = time.perf_counter()
    test = scored.test_rows[:rows]
    pred = predict_rows(bundle.model, scored, test)
    t2 = time.perf_counter()
    return {
        "prepare_s": t1 - t0,
        "score_s": t2 - t1,
        "total_s": t2 - t0,
        "rows": len(pred),
        "rmse": rmse(pred, scored.rating[test]),
    }


def main() -> int:
    import torch

    from semax.bundle import hub

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(REPO / "assets" / "semax-demo"))
    ap.add_argument("--rows", type=int, default=2000, help="test ratings scored (2000)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    bundle = hub.load(args.model)
    before = [p.detach().clone() for p in bundle.model.parameters()]
    runs: dict[str, list[dict]] = {"frozen": [], "online": []}
    one_run(bundle, "online", args.rows)  # warm-up: imports, first allocations
    for _ in range(args.repeat):
        for protocol in runs:
            runs[protocol].append(one_run(bundle, protocol, args.rows))
    same = all(torch.equal(a, b) for a, b in zip(before, bundle.model.parameters(), strict=True))

    def median(protocol: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[protocol])

    report = {
        "model": args.model,
        "kind": bundle.kind,
        "reviews": len(bundle.data),
        "torch_threads": torch.get_num_threads(),
        "load_average_before": list(os.getloadavg()),
        **{
            p: {k: round(median(p, k), 4) for k in ("prepare_s", "score_s", "total_s", "rmse")}
            | {"rows": runs[p][0]["rows"]}
            for p in runs
        },
        "weights_unchanged": same,
    }
    failures = [f"{p} scored no rating" for p in runs if runs[p][0]["rows"] == 0]
    if not same:
        failures.append("the model's weights changed while scoring")
    if not failures:
        report["online_over_frozen"] = {
            k: round(median("online", k) / median("frozen", k), 3)
            for k in ("prepare_s", "score_s", "total_s")
        }
        report["goal_total_ratio_max"] = GOAL_RATIO
    report["failures"] = failures
    print(json.dumps(report, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
