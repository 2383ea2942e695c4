"""Shared vs separate review LSTM on the default (fixed) base, on the demo bundle's synthetic
corpus and settings: validation RMSE and the attention's mass on the planted signal words
(÷ their share of the words) over the validation reviews, for seeds 0 and 1. One JSON line per
run on stdout (README, "Deviations": review encoders). Never touches the test split.

    python scripts/encoder_study.py > results/validation_study/encoder-synthetic.jsonl
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from semax.data import DataConfig, prepare  # noqa: E402
from semax.explain import attention, mass_on  # noqa: E402
from semax.models.semax import dims  # noqa: E402
from semax.synthetic import generator as synthetic  # noqa: E402
from semax.training import pipeline  # noqa: E402
from semax.training.loop import TrainConfig  # noqa: E402


def main() -> None:
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        truth = synthetic.write_corpus(Path(tmp) / "corpus.json", 20_000, seed=0)
        from semax.data.readers import read_reviews

        df = read_reviews(Path(tmp) / "corpus.json")[0]
    data = prepare(df, DataConfig(max_words=60, max_history=5))
    signal = set(truth.signal_words)
    for share in (True, False):
        for seed in (0, 1):
            torch.manual_seed(seed)
            cfg = TrainConfig(epochs=3, lr=0.002, seed=seed, device="cpu")
            overrides = {**dims(32), "share_encoder": share}
            bundle, result = pipeline.train(data, "semax", overrides, cfg, progress=False)
            m = mass_on(attention(bundle.model, data, data.valid_rows), signal)
            row = {
                "share_encoder": share,
                "seed": seed,
                "valid_rmse": round(result.best_valid_rmse, 4),
                "signal_ratio_valid": round(float(m["ratio"]), 2),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
