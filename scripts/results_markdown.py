"""Print the README's results tables (markdown) from results/<dataset>/ CSVs.

python scripts/results_markdown.py results/musical_instruments results/yelp_10k
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from semax.experiments import results
from semax.experiments.grid import METHODS
from semax.experiments.results import pm, summarize

ORDER = list(METHODS)  # the grid's order: baselines first, SEMAX last


def table3(folders: list[Path]) -> str:
    frames = {
        f.name: summarize(pd.read_csv(results.path(f, "table3")), ["method"]).set_index("method")
        for f in folders
        if results.path(f, "table3").exists()
    }
    head = "| method | " + " | ".join(f"{d} MAE | {d} RMSE" for d in frames) + " |"
    lines = [head, "|---|" + "---|---|" * len(frames)]
    for method in ORDER:
        cells = []
        for s in frames.values():
            if method in s.index:
                r = s.loc[method]
                cells += [pm(r.mae_mean, r.mae_std), pm(r.rmse_mean, r.rmse_std)]
            else:
                cells += ["–", "–"]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bootstrap(folder: Path) -> str:
    path = results.path(folder, "bootstrap")
    if not path.exists() or path.stat().st_size == 0:
        return ""
    b = pd.read_csv(path)
    lines = [
        f"Paired bootstrap on {folder.name} (SEMAX minus method, seed-averaged predictions, 2000 resamples):",
        "",
        "| method | ΔRMSE [95% CI] | P(SEMAX better, RMSE) | ΔMAE [95% CI] | P(SEMAX better, MAE) |",
        "|---|---|---|---|---|",
    ]
    for r in b.itertuples():
        lines.append(
            f"| {r.method} | {r.rmse_diff:+.4f} [{r.rmse_ci_low:+.4f}, {r.rmse_ci_high:+.4f}] | {r.p_a_better_rmse:.2f} | {r.mae_diff:+.4f} [{r.mae_ci_low:+.4f}, {r.mae_ci_high:+.4f}] | {r.p_a_better_mae:.2f} |"
        )
    return "\n".join(lines)


def mean_std_table(folder: Path, name: str, key: str, title: str) -> str:
    """Mean ± std over seeds of MAE and RMSE per value of `key` in `<folder>/<name>.csv`."""
    path = results.path(folder, name)
    if not path.exists():
        return ""
    s = summarize(pd.read_csv(path), [key]).sort_values(key)
    lines = [
        f"{title} on {folder.name} (mean ± std over seeds):",
        "",
        f"| {key} | MAE | RMSE |",
        "|---|---|---|",
    ]
    for r in s.itertuples():
        lines.append(
            f"| {getattr(r, key)} | {pm(r.mae_mean, r.mae_std)} | {pm(r.rmse_mean, r.rmse_std)} |"
        )
    return "\n".join(lines)


WHO = {  # the ablations that ask what the history's text adds, with the reference read by stars
    "rolling-bias": ("table3", "rolling-bias"),
    "SEMAX (text + stars in the base)": ("table3", "semax"),
    "stars only (masked-text)": ("ablation", "masked-text"),
    "text only (fixed-base)": ("ablation", "fixed-base"),
    "LSTMs read stars too (history-stars)": ("ablation", "history-stars"),
}


def by_user_bucket(folder: Path) -> str:
    """Test RMSE by the user's number of training ratings, mean over seeds, for `WHO`: for whom
    the history's text counts (each run's record keeps its bucketed errors)."""
    records = [json.loads(p.read_text()) for p in sorted((folder / "runs").glob("*.json"))]
    columns: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, int] = {}
    for label, (stage, name) in WHO.items():
        for rec in records:
            if (
                rec["stage"] == stage
                and rec["variant" if stage == "ablation" else "method"] == name
            ):
                for b in rec["by_user"]:
                    columns.setdefault(label, {}).setdefault(b["bucket"], []).append(b["rmse"])
                    sizes[b["bucket"]] = b["n"]
    if len(columns) < 2:
        return ""
    labels = [label for label in WHO if label in columns]
    lines = [
        f"Test RMSE by the user's training ratings on {folder.name} (mean over seeds):",
        "",
        "| user's ratings | test ratings | " + " | ".join(labels) + " |",
        "|---|---|" + "---|" * len(labels),
    ]
    for bucket, n in sizes.items():
        cells = [
            f"{sum(v) / len(v):.4f}" if v else "–"
            for v in (columns[lb].get(bucket, []) for lb in labels)
        ]
        lines.append(f"| {bucket} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    folders = [Path(a) for a in sys.argv[1:]]
    print(table3(folders))
    for f in folders:
        parts = (
            bootstrap(f),
            mean_std_table(f, "beta", "beta", "β sweep (1.0 = SEMA)"),
            mean_std_table(f, "ablations", "variant", "Ablations"),
            by_user_bucket(f),
        )
        for part in parts:
            if part:
                print("\n" + part)
