"""The experiment grid's results files, written and read in one place.

A results folder holds one tidy CSV per table (one row per run and seed):

    table3.csv     dataset, method, seed, mae, rmse, train_seconds   (Table 3)
    buckets.csv    method, seed, entity, bucket, n, mae, rmse        (Figures 4-5)
    beta.csv       beta, seed, mae, rmse                             (Figure 6; 1.0 is SEMA)
    ablations.csv  variant, seed, mae, rmse
    tuning.csv     method, point, valid_rmse, best_epoch
    bootstrap.csv  the paired bootstrap of SEMAX against every other method

`tables` builds them from the grid's run records and `write` saves them; `load_results` reads the
four shown ones back from `root/<dataset>/`; `summarize` is the one mean ± std over seeds that
the CLI, the figures, the app and the README tables all show.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

COLUMNS: dict[str, tuple[str, ...]] = {
    "table3": ("dataset", "method", "seed", "mae", "rmse", "train_seconds"),
    "buckets": ("method", "seed", "entity", "bucket", "n", "mae", "rmse"),
    "beta": ("beta", "seed", "mae", "rmse"),
    "ablations": ("variant", "seed", "mae", "rmse"),
    "tuning": ("method", "point", "valid_rmse", "best_epoch"),
}
OPTIONAL = frozenset({"dataset", "train_seconds", "n"})  # a file read back may lack these
SHOWN = ("table3", "buckets", "beta", "ablations")  # the tables the figures draw
# the columns a file must have to be read back
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c for c in COLUMNS[name] if c not in OPTIONAL) for name in SHOWN
}


def path(folder: str | Path, name: str) -> Path:
    """Where table `name` of a results folder lives."""
    return Path(folder) / f"{name}.csv"


# -- writing -----------------------------------------------------------------------------------


def frame(name: str, rows: Iterable[dict]) -> pd.DataFrame:
    """Rows as table `name`, its columns in the file's order (extra keys dropped)."""
    return pd.DataFrame(list(rows), columns=list(COLUMNS[name]))


def bucket_rows(metrics: dict, method: str, seed: int) -> list[dict]:
    """One run's errors by rating-count bucket (`metrics["by_user"]`, `["by_item"]`, as a bundle's
    metrics.json and a grid run record hold them) as rows of buckets.csv."""
    return [
        {"method": method, "seed": seed, "entity": entity, **b}
        for entity in ("user", "item")
        for b in metrics.get(f"by_{entity}", [])
    ]


def _errors(r: dict, **key) -> dict:
    return {**key, "seed": r["seed"], "mae": r["mae"], "rmse": r["rmse"]}


def tables(records: Sequence[dict], dataset: str) -> dict[str, pd.DataFrame]:
    """Every table from the grid's finished run records (stage, method, variant, seed, errors)."""
    final = [r for r in records if r["stage"] == "table3"]
    table3 = [{"dataset": dataset, **r} for r in final]
    buckets = [row for r in final for row in bucket_rows(r, r["method"], r["seed"])]
    beta = [_errors(r, beta=float(r["variant"])) for r in records if r["stage"] == "beta"]
    beta += [_errors(r, beta=1.0) for r in final if r["method"] == "sema"]  # SEMA is β = 1
    ablations = [_errors(r, variant=r["variant"]) for r in records if r["stage"] == "ablation"]
    ablations += [_errors(r, variant="semax") for r in final if r["method"] == "semax"]
    tuning = [{**r, "point": r["variant"]} for r in records if r["stage"] == "tune"]
    return {
        "table3": frame("table3", table3),
        "buckets": frame("buckets", buckets),
        "beta": frame("beta", beta).sort_values(["beta", "seed"]),
        "ablations": frame("ablations", ablations),
        "tuning": frame("tuning", tuning),
    }


def write(folder: str | Path, named: dict[str, pd.DataFrame]) -> list[Path]:
    """Save every table as `folder/<name>.csv`; returns the paths."""
    out = []
    for name, table in named.items():
        table.to_csv(path(folder, name), index=False)
        out.append(path(folder, name))
    return out


# -- reading -----------------------------------------------------------------------------------


@dataclass
class SavedResults:
    """Every results CSV found under `root`, per dataset (a sub-folder) and table name."""

    root: Path
    tables: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # files that exist but cannot be used

    def of(self, name: str) -> dict[str, pd.DataFrame]:
        """{dataset: frame} for one table name (datasets lacking it left out)."""
        return {ds: t[name] for ds, t in self.tables.items() if name in t}

    @property
    def empty(self) -> bool:
        return not any(self.tables.values())


def results_signature(root: str | Path) -> tuple:
    """(path, size, mtime) of every results CSV: changes whenever a file does (a cache key)."""
    root = Path(root)
    if not root.is_dir():
        return ()
    return tuple(
        (str(p), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.glob("*/*.csv"))
        if p.stem in RESULT_COLUMNS
    )


def load_results(root: str | Path) -> SavedResults:
    """Read `root/<dataset>/<name>.csv` for the shown names; a file with missing columns or that
    does not parse is reported in `problems` and left out."""
    root = Path(root)
    out = SavedResults(root)
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for name, needed in RESULT_COLUMNS.items():
            file = path(folder, name)
            if not file.is_file():
                continue
            try:
                df = pd.read_csv(file)
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                out.problems.append(f"{file}: unreadable ({type(exc).__name__})")
                continue
            missing = [c for c in needed if c not in df.columns]
            if missing:
                out.problems.append(f"{file}: missing column(s) {', '.join(missing)}")
                continue
            for c in ("mae", "rmse"):
                df[c] = pd.to_numeric(df[c], errors="coerce")
            df = df.dropna(subset=["mae", "rmse"])
            if len(df):
                out.tables.setdefault(folder.name, {})[name] = df
    return out


# -- mean ± std over seeds ---------------------------------------------------------------------


def summarize(
    df: pd.DataFrame,
    by: Sequence[str],
    metrics: Sequence[str] = ("mae", "rmse"),
    single_seed_std: float | None = 0.0,
) -> pd.DataFrame:
    """Mean, standard deviation and count (`n_seeds`) of `metrics` over seeds, per `by` (groups in
    order of appearance). The std of one seed is `single_seed_std`: 0 draws no error bar; None
    leaves it undefined (NaN)."""
    by = list(by)
    metrics = [m for m in metrics if m in df.columns]
    grouped = df.groupby(by, sort=False, dropna=False)[metrics]
    std = grouped.std(ddof=1)
    if single_seed_std is not None:
        std = std.fillna(single_seed_std)
    mean = grouped.mean().add_suffix("_mean")
    count = grouped.size().rename("n_seeds")
    return pd.concat([mean, std.add_suffix("_std"), count], axis=1).reset_index()


def summary(table3: pd.DataFrame) -> pd.DataFrame:
    """Table 3 per method, best RMSE first: mean and std over seeds (undefined for one seed, so
    NaN) and the number of seeds (`seeds`)."""
    s = summarize(table3, ["method"], single_seed_std=None)
    return s.rename(columns={"n_seeds": "seeds"}).sort_values("rmse_mean")


def pm(mean: float, std: float, digits: int = 4) -> str:
    """`mean ± std` as the tables print it."""
    return f"{mean:.{digits}f} ± {std:.{digits}f}"
