"""Build the app's default model, `assets/semax-demo/`, from the project's own synthetic corpus.

    python scripts/make_demo_bundle.py            # from the repository root

runs exactly these three commands (the second is recorded in the bundle's config.json and model
card; the third writes the closed-form baselines' Table 3 on the same split, which the home page
shows beside the demo's own numbers), then checks the result:

    python -m semax demo-data --out build/semax-demo-data/synthetic-20000-seed0.json --reviews 20000 --seed 0
    python -m semax train --data build/semax-demo-data/synthetic-20000-seed0.json --out assets/semax-demo \
        --model semax --dim 32 --max-words 60 --max-history 5 --epochs 10 --lr 0.002 --seed 0 --device cpu \
        --no-share-encoder
    python -m semax experiments --data build/semax-demo-data/synthetic-20000-seed0.json \
        --out results/synthetic_demo --dataset synthetic_demo --methods bias,rolling-bias \
        --seeds 1 --betas "" --ablations "" --max-words 60 --max-history 5

Checks: the bundle loads (all bundle checks), it is under 10 MB; SEMAX's attention over the
test reviews puts at least 3 times more mass on the planted key words (the opinion words that
carry the ratings, listed in the corpus's truth file) than their share of the words, and a
review's most attended word is one of its key words at least 3 times as often as by chance; the
Predictor's what-if moves r_uv by at least 0.5 stars between three glowing and three harsh
plain-English reviews for a new user (`semax.probes`). Reports too the share of key words among
the 15 most attended words. Never trains on real data.
Prints one JSON report; exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `python scripts/make_demo_bundle.py` without installing semax
N_REVIEWS, SEED = 20_000, 0
DATA = Path("build/semax-demo-data") / f"synthetic-{N_REVIEWS}-seed{SEED}.json"
OUT = Path("assets/semax-demo")
BASELINES = Path("results/synthetic_demo")  # closed forms: one seed is every seed
TRAIN_ARGS = [
    "--model", "semax", "--dim", "32", "--max-words", "60", "--max-history", "5",
    "--epochs", "10", "--lr", "0.002", "--seed", str(SEED), "--device", "cpu",
    "--no-share-encoder",  # on the fixed base its attention is far more peaked (README)
]  # fmt: skip
MAX_BYTES = 10 * 1024 * 1024
MIN_RATIO = 3.0  # attention mass on key words / their share of the words
MIN_PEAK = 3.0  # reviews whose most attended word is a key word / the share by chance
MIN_WHAT_IF = 0.5  # stars, glowing - harsh history of a new user


def semax(*args: str) -> None:
    cmd = [sys.executable, "-m", "semax", *args]
    print("+ python -m semax " + " ".join(args), file=sys.stderr, flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


def attention_check(folder: Path, truth_file: Path) -> dict:
    from semax.bundle import hub
    from semax.explain import attention, mass_on, peak_on, top_words
    from semax.inference import Recommender
    from semax.probes import what_if_gap
    from semax.synthetic import generator as synthetic

    bundle = hub.load(folder)
    if truth_file.exists():
        signal_words = set(synthetic.load_truth(truth_file).signal_words)
    else:  # the same list, as the generator defines it
        signal_words = set(synthetic.SIGNAL_WORDS)
    attn = attention(bundle.model, bundle.data, bundle.data.test_rows)
    signal = mass_on(attn, signal_words)
    peak = peak_on(attn, signal_words)
    top = [w for w, _, _ in top_words(attn, top=15)]
    return {
        "signal_mass": round(signal["mass"], 4),
        "signal_share": round(signal["share"], 4),
        "signal_ratio": round(signal["ratio"], 2),
        "peak_on_key_word": round(peak["hit"], 4),
        "peak_by_chance": round(peak["chance"], 4),
        "top_words": top,
        "top_words_signal_share": round(sum(w in signal_words for w in top) / len(top), 2),
        "what_if_new_user": round(what_if_gap(Recommender.from_bundle(bundle)).new_user, 3),
        "test_mae": round(bundle.metrics["mae"], 4),
        "test_rmse": round(bundle.metrics["rmse"], 4),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--keep-data", action="store_true", help=f"keep the corpus in {DATA.parent}")
    p.add_argument("--check-only", action="store_true", help="only check an existing bundle")
    args = p.parse_args()
    t0 = time.perf_counter()
    data, out = REPO / DATA, REPO / OUT
    if not args.check_only:
        data.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            shutil.rmtree(out)
        semax("demo-data", "--out", str(DATA), "--reviews", str(N_REVIEWS), "--seed", str(SEED))
        semax("train", "--data", str(DATA), "--out", str(OUT), *TRAIN_ARGS)
        shutil.rmtree(REPO / BASELINES, ignore_errors=True)
        semax(
            "experiments", "--data", str(DATA), "--out", str(BASELINES),
            "--dataset", BASELINES.name, "--methods", "bias,rolling-bias", "--seeds", "1",
            "--betas", "", "--ablations", "", "--max-words", "60", "--max-history", "5",
        )  # fmt: skip
    truth_file = data.with_name(data.stem + ".truth.json")
    size = sum(f.stat().st_size for f in out.iterdir())
    report = {
        "out": str(OUT),
        "bytes": size,
        "files": {f.name: f.stat().st_size for f in sorted(out.iterdir())},
        **attention_check(out, truth_file),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if not args.keep_data:
        shutil.rmtree(data.parent, ignore_errors=True)
    print(json.dumps(report, indent=2))
    ok = (
        size < MAX_BYTES
        and report["signal_ratio"] >= MIN_RATIO
        and report["peak_on_key_word"] >= MIN_PEAK * report["peak_by_chance"]
        and report["what_if_new_user"] >= MIN_WHAT_IF
    )
    if not ok:
        print("demo bundle check FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
