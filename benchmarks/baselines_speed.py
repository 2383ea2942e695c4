"""Training speed of our DeepCoNN on Musical Instruments at the public-code settings.

Settings of the public DeepCoNN code: 300-dim word embeddings, reviews cut at 94 words, 8 reviews
per user document and 13 per item document, batch 128, 100 filters of width 3, latent 50, CPU.
Our DataConfig has one `max_history` for both sides, so the data are prepared with 13 and every
batch gets its user histories cut to the 8 most recent reviews (a `make_batch` override).

Two runs of the same model (same config, same initial weights, same rating batches):
  * ours: `encode="unique"` batches (each review of a batch once), the convolution computed
    through the vocabulary, length buckets;
  * the padded reference: `encode="padded"` batches, so every history slot, empty ones included,
    is embedded and convolved over all 94 words, as the public code does.
A step is the whole training step: building the batch, forward, backward, Adam. Prints one JSON
object on stdout. The padded reference is slow (seconds a step), so it times fewer steps.

    python benchmarks/baselines_speed.py [--steps 20] [--warmup 3] [--ref-steps 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from semax.data.dataset import DataConfig, prepare  # noqa: E402
from semax.data.readers import read_reviews  # noqa: E402
from semax.models.deepconn import DeepCoNN, DeepCoNNConfig  # noqa: E402
from semax.training.batching import make_batch, random_batches, timeline_batches  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "reviews_Musical_Instruments_5.json.gz"
PUBLIC_CODE_SAMPLES_PER_S = 117  # the measurement of the public code on this machine
MAX_WORDS, USER_REVIEWS, ITEM_REVIEWS, BATCH = 94, 8, 13, 128


def most_recent(history: np.ndarray, length: np.ndarray, keep: int) -> np.ndarray:
    """(n, H) left-aligned oldest-first histories -> (n, keep): the `keep` most recent."""
    start = np.maximum(length.astype(np.int64) - keep, 0)
    cols = start[:, None] + np.arange(keep)[None, :]
    out = np.take_along_axis(history, np.minimum(cols, history.shape[1] - 1), axis=1)
    return np.where(cols < length[:, None], out, -1)


def steps_per_second(model, data, batches, encode: str, warmup: int) -> tuple[float, dict]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    reviews = 0
    for i, rows in enumerate(batches):
        if i == warmup:
            t0, reviews = time.perf_counter(), 0
        batch = make_batch(
            data,
            rows,
            encode=encode,
            target_text=False,
            user_history=most_recent(
                data.user_history[rows], data.user_history_len[rows], USER_REVIEWS
            ),
            item_history=data.item_history[rows],
        )
        reviews += len(batch.review_lengths)
        loss, _ = model.training_loss(batch)
        loss = loss + 1e-2 * model.id_penalty(batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t0
    timed = batches[warmup:]
    samples = sum(len(b) for b in timed)
    return samples / seconds, {
        "seconds": round(seconds, 2),
        "steps": len(timed),
        "review_rows_per_step": round(reviews / len(timed), 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--ref-steps", type=int, default=3, help="padded reference steps")
    parser.add_argument("--ref-warmup", type=int, default=1, help="padded reference warm-up")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--d-word", type=int, default=300)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    t0 = time.perf_counter()
    df, _ = read_reviews(DATA)
    data = prepare(df, DataConfig(max_words=MAX_WORDS, max_history=ITEM_REVIEWS))
    prep_s = time.perf_counter() - t0
    cfg = DeepCoNNConfig(
        n_words=len(data.vocab),
        d_word=args.d_word,
        filters=100,
        kernel=3,
        latent=50,
        global_mean=data.global_mean,
    )
    rng = np.random.default_rng(0)
    n, ref_n = args.warmup + args.steps, args.ref_warmup + args.ref_steps
    timeline = list(timeline_batches(data, data.fit_rows, BATCH, rng))[: max(n, ref_n)]
    shuffled = list(random_batches(data.fit_rows, BATCH, rng))[:n]

    def fresh() -> DeepCoNN:
        torch.manual_seed(0)
        return DeepCoNN(cfg)

    ours, ours_info = steps_per_second(fresh(), data, timeline[:n], "unique", args.warmup)
    ours_random, random_info = steps_per_second(fresh(), data, shuffled, "unique", args.warmup)
    padded, padded_info = steps_per_second(
        fresh(), data, timeline[:ref_n], "padded", args.ref_warmup
    )
    print(
        json.dumps(
            {
                "deepconn_samples_per_s": round(ours, 1),
                "padded_reference_samples_per_s": round(padded, 1),
                "speedup_vs_padded": round(ours / padded, 2),
                "public_code_reference_samples_per_s": PUBLIC_CODE_SAMPLES_PER_S,
                "speedup_vs_public_code": round(ours / PUBLIC_CODE_SAMPLES_PER_S, 2),
                "deepconn_random_batches_samples_per_s": round(ours_random, 1),
                "batching": "timeline (the training loop's default)",
                "deepconn": ours_info,
                "deepconn_random_batches": random_info,
                "padded_reference": padded_info,
                "settings": {
                    "d_word": cfg.d_word,
                    "filters": cfg.filters,
                    "kernel": cfg.kernel,
                    "latent": cfg.latent,
                    "max_words": MAX_WORDS,
                    "user_reviews": USER_REVIEWS,
                    "item_reviews": ITEM_REVIEWS,
                    "batch": BATCH,
                    "vocab": len(data.vocab),
                    "fit_ratings": int(len(data.fit_rows)),
                },
                "torch_threads": torch.get_num_threads(),
                "cpu_count": os.cpu_count(),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "prepare_seconds": round(prep_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
