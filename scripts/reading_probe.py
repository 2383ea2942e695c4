"""What a SEMAX trained with the defaults reads, on the test split of review files: prints one JSON
line per file and seed.

    python scripts/reading_probe.py ../shared/data/reviews_Musical_Instruments_5.json.gz \
        ../shared/data/yelp_kaggle_10k.csv.gz [--seeds 0,1]

Each file is trained as `semax train --data FILE --seed S` would (the defaults, the online
protocol, the refit on all of the training part), then probed (`semax.probes`): r_y's test
correlation with the stars beside the bag-of-words reference's (`semax.text_reference`, fitted
on the training part), on the model's own tokens (the first `max_words` of each review) and on
the full texts (the issue's reference), the what-if gap (three glowing against three harsh plain-English reviews
for a new user; three harsh ones added to known users), and the test MAE / RMSE. Nothing here
chooses anything: it reports.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def full_text_reading(data) -> float:
    """The bag-of-words reference's test reading on the whole of every review (no cut), fitted on
    the same training part as `data`'s."""
    from dataclasses import replace

    from semax.data.dataset import prepare
    from semax.data.text import tokenize
    from semax.text_reference import bow_reading

    longest = max(len(tokenize(t)) for t in data.reviews["text"].fillna(""))
    full = prepare(data.reviews, replace(data.config, max_words=max(longest, 1)))
    return bow_reading(full, full.test_rows).correlation


def probe_file(path: str, seed: int) -> dict:
    from semax.data.dataset import DataConfig, prepare
    from semax.data.readers import read_reviews
    from semax.probes import summary
    from semax.text_reference import bow_reading
    from semax.training import pipeline
    from semax.training.loop import TrainConfig

    t0 = time.perf_counter()
    df, _ = read_reviews(path)
    bundle, _ = pipeline.train(
        prepare(df, DataConfig()),
        "semax",
        None,
        TrainConfig(seed=seed),
        progress=False,
        command="",
        refit=True,
    )
    data, test = bundle.data, bundle.data.test_rows
    bow = bow_reading(data, test)
    return {
        "data": Path(path).name,
        "seed": seed,
        "test_mae": round(bundle.metrics["mae"], 4),
        "test_rmse": round(bundle.metrics["rmse"], 4),
        **summary(bundle.model, data, test),  # r_y's reading and the what-if gap
        "bow_corr": round(bow.correlation, 4),
        "bow_lam": bow.lam,
        "bow_full_corr": round(full_text_reading(data), 4),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--seeds", default="0")
    args = ap.parse_args()
    for path in args.files:
        for seed in (int(s) for s in args.seeds.split(",")):
            print(json.dumps(probe_file(path, seed)), flush=True)


if __name__ == "__main__":
    main()
