"""Two models on the same test split: whether they can be compared at all (same data, same
split), their errors side by side with the paired bootstrap interval of the difference, the
errors by rating-count bucket (the paper's Figures 4-5) for both and their difference, and the
test ratings on which they disagree most. Plain numpy/pandas; the app's Compare page draws it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from semax.training.evaluate import bucket_errors, errors, paired_bootstrap

SPLIT_KEYS = ("train_frac", "valid_frac")  # of the data config: they define the split
TEST_COLUMNS = ("user", "item", "rating", "time")
BOOT_CELLS = 8_000_000  # resamples × test ratings drawn at once by the paired bootstrap


def mismatch(config_a: dict, config_b: dict, test_a: pd.DataFrame, test_b: pd.DataFrame) -> list:
    """Why two models cannot be compared on one test split (empty when they can): a different
    data source, split fractions or cut-offs in their bundle configs, or different test ratings
    (`test_a`, `test_b`: their test reviews)."""
    out = []
    src_a, src_b = (Path(str(c.get("data_source") or "")).name for c in (config_a, config_b))
    if src_a != src_b:
        out.append(f"trained on different data ({src_a or '?'} and {src_b or '?'})")
    data_a, data_b = config_a.get("data", {}), config_b.get("data", {})
    for key in SPLIT_KEYS:
        if data_a.get(key) != data_b.get(key):
            out.append(f"different splits ({key} {data_a.get(key)} and {data_b.get(key)})")
    cut_a, cut_b = config_a.get("cutoffs", {}), config_b.get("cutoffs", {})
    differ = sorted(k for k in set(cut_a) | set(cut_b) if cut_a.get(k) != cut_b.get(k))
    if differ:
        out.append(f"different split cut-offs ({', '.join(differ)})")
    cols = list(TEST_COLUMNS)
    if len(test_a) != len(test_b):
        out.append(f"different test splits ({len(test_a):,} and {len(test_b):,} ratings)")
    elif not test_a[cols].reset_index(drop=True).equals(test_b[cols].reset_index(drop=True)):
        out.append("different test ratings")
    return out


@dataclass
class Comparison:
    """Both models' predictions on every test rating (`rows`: one row per rating, with review
    id, user, item, rating, pred_a, pred_b, err_a, err_b and the rating counts) and names."""

    rows: pd.DataFrame
    name_a: str
    name_b: str
    n_boot: int = 2000

    @property
    def diff_name(self) -> str:
        return f"{self.name_a} − {self.name_b}"


def compare(
    test: pd.DataFrame,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    user_count: np.ndarray,
    item_count: np.ndarray,
    names: tuple[str, str] = ("A", "B"),
    n_boot: int | None = None,
) -> Comparison:
    """A `Comparison` of predictions `pred_a`, `pred_b` of the test reviews `test` (index =
    review id); the counts are each rating's user's and item's training ratings. `n_boot`
    (bootstrap resamples) defaults to 2000, fewer on a large test split (memory)."""
    rows = pd.DataFrame(
        {
            "review": test.index.to_numpy(),
            "user": test["user"].to_numpy(),
            "item": test["item"].to_numpy(),
            "rating": test["rating"].to_numpy(dtype=float),
            "pred_a": np.asarray(pred_a, dtype=float),
            "pred_b": np.asarray(pred_b, dtype=float),
            "user_count": np.asarray(user_count),
            "item_count": np.asarray(item_count),
        }
    )
    rows["err_a"] = rows["pred_a"] - rows["rating"]
    rows["err_b"] = rows["pred_b"] - rows["rating"]
    n_boot = n_boot or int(np.clip(BOOT_CELLS // max(len(rows), 1), 200, 2000))
    return Comparison(rows, names[0], names[1], n_boot)


def metrics(c: Comparison, seed: int = 0) -> pd.DataFrame:
    """MAE and RMSE of A, of B and of A − B with the paired bootstrap 95% interval of the
    difference and the share of resamples in which A is better."""
    r = c.rows
    a, b = errors(r["pred_a"], r["rating"]), errors(r["pred_b"], r["rating"])
    target, pred_a, pred_b = (r[k].to_numpy() for k in ("rating", "pred_a", "pred_b"))
    boot = paired_bootstrap(target, pred_a, pred_b, c.n_boot, seed)
    out = []
    for metric in ("mae", "rmse"):
        lo, hi = boot[f"{metric}_diff_ci95"]
        out.append(
            {
                "metric": metric.upper(),
                c.name_a: a[metric],
                c.name_b: b[metric],
                "A − B": boot[f"{metric}_diff"],
                "95% low": lo,
                "95% high": hi,
                "P(A better)": boot[f"p_a_better_{metric}"],
            }
        )
    return pd.DataFrame(out)


def verdict(table: pd.DataFrame, metric: str = "RMSE") -> str:
    """One sentence on the difference in `metric` of a `metrics` table."""
    row = table.set_index("metric").loc[metric]
    lo, hi = row["95% low"], row["95% high"]
    if hi < 0:
        word = "A is better"
    elif lo > 0:
        word = "B is better"
    else:
        word = "no clear difference"
    return f"{metric} A − B = {row['A − B']:+.4f} (95% interval {lo:+.4f} to {hi:+.4f}): {word}."


def buckets(c: Comparison) -> pd.DataFrame:
    """Errors by user and item rating-count bucket of A, B and A − B, in the tidy `buckets`
    shape of `semax.figures.bucket_lines` (method, entity, bucket, n, mae, rmse)."""
    r = c.rows
    out = []
    for entity in ("user", "item"):
        counts = r[f"{entity}_count"].to_numpy()
        per = [
            bucket_errors(r[p].to_numpy(), r["rating"].to_numpy(), counts)
            for p in ("pred_a", "pred_b")
        ]
        for ea, eb in zip(*per, strict=True):
            out.append({"method": c.name_a, "entity": entity, **ea})
            out.append({"method": c.name_b, "entity": entity, **eb})
            diff = {m: ea[m] - eb[m] for m in ("mae", "rmse")}
            out.append({"method": c.diff_name, "entity": entity, **ea, **diff})
    return pd.DataFrame(out)[["method", "entity", "bucket", "n", "mae", "rmse"]]


def disagreements(c: Comparison, top: int = 10) -> pd.DataFrame:
    """The test ratings where the two predictions differ most (|pred_a − pred_b|, largest
    first)."""
    r = c.rows.assign(gap=(c.rows["pred_a"] - c.rows["pred_b"]).abs())
    return r.sort_values("gap", ascending=False, kind="stable").head(top)
