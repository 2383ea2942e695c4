"""Validation-split study behind the README's defaults: train each setting on the fitting split
and score it on the validation split only (the test split is never read). One JSON line per run.

    python scripts/validation_study.py --data FILE --kind semax --seeds 2 \
        --settings '[{"base": "learned"}, {"base": "fixed"}]' [--train '{"lr": 1e-3}']

A setting's "train.X" keys override TrainConfig.X, its "data.X" keys DataConfig.X (the data are
then prepared again for it); the rest override the model's config.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # without installing semax

import numpy as np  # noqa: E402
import torch  # noqa: E402

from semax import probes  # noqa: E402
from semax.data import DataConfig, prepare  # noqa: E402
from semax.data.readers import read_reviews  # noqa: E402
from semax.data.word_vectors import train_word_vectors  # noqa: E402
from semax.text_reference import bow_reading  # noqa: E402
from semax.training import TrainConfig, pipeline  # noqa: E402
from semax.training.loop import predict_rows  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--kind", default="semax")
    p.add_argument("--settings", default="[{}]", help="JSON list of model-override dicts")
    p.add_argument("--train", default="{}", help="JSON dict of TrainConfig overrides (all runs)")
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--probes",
        action="store_true",
        help="also the what-if gap (three harsh vs three glowing reviews), r_y's correlation "
        "with the validation stars and the bag-of-words reference's on the same tokens",
    )
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    df, _ = read_reviews(args.data)
    for setting in json.loads(args.settings):
        model, train, data_cfg = dict(setting), json.loads(args.train), {}
        for prefix, into in (("train.", train), ("data.", data_cfg)):
            for key in [k for k in model if k.startswith(prefix)]:
                into[key[len(prefix) :]] = model.pop(key)
        data = prepare(df, DataConfig(**data_cfg))
        valid = data.valid_rows
        bow = bow_reading(data, valid).correlation if args.probes else None
        vectors = model.pop(
            "word_vectors", None
        )  # a file, or "fit": skip-gram on the fitting split
        if vectors == "fit":
            vectors = f"{tempfile.mkdtemp()}/fit-vectors.txt"
            train_word_vectors(data, vectors, dim=model.get("d_word", 32))
        for seed in range(args.seeds):
            start = time.perf_counter()
            bundle, result = pipeline.train(
                data,
                args.kind,
                model,
                TrainConfig(seed=seed, **train),
                progress=False,
                command="",
                word_vectors=vectors,
            )
            err = predict_rows(bundle.model, data, valid) - data.rating[valid]
            row = {
                "data": args.data.rsplit("/", 1)[-1],
                "kind": args.kind,
                "setting": setting,
                "train": train,
                "seed": seed,
                "valid_rmse": float(np.sqrt(np.mean(err.astype(np.float64) ** 2))),
                "valid_mae": float(np.mean(np.abs(err))),
                "best_epoch": result.best_epoch,
                "seconds": round(time.perf_counter() - start, 1),
            }
            if args.probes:
                row.update(probes.summary(bundle.model, data, valid), bow_corr=round(bow, 4))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
