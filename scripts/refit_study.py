"""Does the protocol's refit keep what validation chose? A study inside the training part only:
the test split is dropped, and the training part's last 20% plays the test period (the
"pseudo-test"). For each seed and setting, SEMAX trained on the fitting split (epochs chosen on
validation, no refit) and the same choices refitted on fit + validation are both scored on the
pseudo-test, beside `rolling-bias` (refitted) and the bag-of-words reading. One JSON line each.

    python scripts/refit_study.py --data FILE [--seeds 2] [--settings '[{}]']
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # without installing semax

import torch  # noqa: E402

from semax.data import DataConfig, prepare  # noqa: E402
from semax.data.dataset import TEST  # noqa: E402
from semax.data.readers import read_reviews  # noqa: E402
from semax.probes import text_reading  # noqa: E402
from semax.text_reference import bow_reading  # noqa: E402
from semax.training import TrainConfig, pipeline  # noqa: E402
from semax.training.evaluate import errors  # noqa: E402
from semax.training.loop import predict_rows  # noqa: E402


def scores(bundle) -> dict:
    """MAE and RMSE of `bundle`'s model on its data's test split (here the pseudo-test)."""
    rows = bundle.data.test_rows
    out = errors(predict_rows(bundle.model, bundle.data, rows), bundle.data.rating[rows])
    return {"rmse": round(out["rmse"], 5), "mae": round(out["mae"], 5)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--settings", default="[{}]", help="JSON list of model-override dicts")
    p.add_argument("--seeds", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(1)
    df, _ = read_reviews(args.data)
    full = prepare(df, DataConfig())
    data = prepare(full.reviews[full.split != TEST].reset_index(drop=True), DataConfig())
    pseudo = data.test_rows  # the training part's last 20%; the real test split is gone
    whole = pipeline.refit_data(data)
    name = args.data.rsplit("/", 1)[-1][:12]
    rb, _ = pipeline.train(
        data, "rolling-bias", None, TrainConfig(), progress=False, command="", refit=True
    )
    bow = bow_reading(data, pseudo)
    print(
        json.dumps(
            {
                "data": name,
                "kind": "rolling-bias",
                **scores(rb),
                "bow_corr": round(bow.correlation, 4),
            }
        ),
        flush=True,
    )
    for setting in json.loads(args.settings):
        model, train = dict(setting), {}
        for key in [k for k in model if k.startswith("train.")]:
            train[key[6:]] = model.pop(key)
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            cfg = TrainConfig(seed=seed, **train)
            first, chosen = pipeline.train(data, "semax", model, cfg, progress=False, command="")
            overrides, again = pipeline.refit_choices(first, chosen, cfg, model)
            refit, _ = pipeline.train(whole, "semax", overrides, again, progress=False, command="")
            row = {"data": name, "setting": setting, "seed": seed, "best_epoch": chosen.best_epoch}
            for label, b in (("first", first), ("refit", refit)):
                row[label] = {
                    **scores(b),
                    "r_y": round(text_reading(b.model, b.data, b.data.test_rows).correlation, 4),
                }
            row["seconds"] = round(time.perf_counter() - t0, 1)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
