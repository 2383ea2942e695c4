"""Library-side helpers for the SEMAX Studio app (no streamlit here, so all of it is testable and
usable from a notebook):

- saved experiment results (`results/<dataset>/{table3,buckets,beta,ablations}.csv`): loading,
  checking and the Table 3 summary with ± std;
- browsing reviews (filters) and rendering untrusted text as HTML: every word goes through
  `html.escape`, so review text is always shown as text, never as markup;
- background jobs (a thread with progress, a live loss curve and a cancel flag) for "train a small
  model now" and the live β sweep;
- reading an uploaded review file with a size limit.
"""

from __future__ import annotations

import html
import re
import shlex
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from semax.errors import DataError, SemaxError
from semax.figures import summarize
from semax.models.semax import dims

# -- saved experiment results ----------------------------------------------------------------

RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "table3": ("method", "seed", "mae", "rmse"),
    "buckets": ("method", "seed", "entity", "bucket", "mae", "rmse"),
    "beta": ("beta", "seed", "mae", "rmse"),
    "ablations": ("variant", "seed", "mae", "rmse"),
}
EXPERIMENTS_HINT = "python -m semax experiments --data REVIEWS --out results/DATASET"


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
    """Read `root/<dataset>/<name>.csv` for the known names; a file with missing columns or that
    does not parse is reported in `problems` and left out."""
    root = Path(root)
    out = SavedResults(root)
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for name, needed in RESULT_COLUMNS.items():
            path = folder / f"{name}.csv"
            if not path.is_file():
                continue
            try:
                df = pd.read_csv(path)
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                out.problems.append(f"{path}: unreadable ({type(exc).__name__})")
                continue
            missing = [c for c in needed if c not in df.columns]
            if missing:
                out.problems.append(f"{path}: missing column(s) {', '.join(missing)}")
                continue
            for c in ("mae", "rmse"):
                df[c] = pd.to_numeric(df[c], errors="coerce")
            df = df.dropna(subset=["mae", "rmse"])
            if len(df):
                out.tables.setdefault(folder.name, {})[name] = df
    return out


def pm(mean: float, std: float, digits: int = 4) -> str:
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def table3_table(table3: pd.DataFrame) -> pd.DataFrame:
    """Table 3 for display: one row per method (paper order), MAE and RMSE as mean ± std over
    seeds, the number of seeds and the mean training time."""
    from semax.figures import method_order

    metrics = ("mae", "rmse", "train_seconds") if "train_seconds" in table3 else ("mae", "rmse")
    s = summarize(table3, ["method"], metrics).set_index("method")
    rows = []
    for method in method_order(s.index):
        r = s.loc[method]
        row = {
            "method": method,
            "MAE": pm(r["mae_mean"], r["mae_std"]),
            "RMSE": pm(r["rmse_mean"], r["rmse_std"]),
            "seeds": int(r["n_seeds"]),
        }
        if "train_seconds_mean" in r:
            row["train s"] = round(float(r["train_seconds_mean"]), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def metrics_buckets(metrics: dict, method: str) -> pd.DataFrame:
    """A model's own bucket errors (bundle.metrics by_user / by_item) as a tidy buckets frame."""
    rows = [
        {"method": method, "seed": 0, "entity": entity, **b}
        for entity in ("user", "item")
        for b in metrics.get(f"by_{entity}", [])
    ]
    cols = ["method", "seed", "entity", "bucket", "n", "mae", "rmse"]
    return pd.DataFrame(rows, columns=cols).dropna(subset=["mae", "rmse"])


# -- browsing reviews --------------------------------------------------------------------------


def filter_reviews(
    reviews: pd.DataFrame,
    user: str | None = None,
    item: str | None = None,
    ratings: tuple[float, float] = (1.0, 5.0),
    word: str | None = None,
) -> pd.DataFrame:
    """Reviews (index = review id) of a user and/or item, with a rating in `ratings` and
    containing `word` as a whole word (case-insensitive)."""
    keep = reviews["rating"].between(ratings[0], ratings[1])
    if user:
        keep &= reviews["user"] == user
    if item:
        keep &= reviews["item"] == item
    if word and word.strip():
        pattern = rf"(?<![\w']){re.escape(word.strip())}(?![\w'])"
        keep &= reviews["text"].str.contains(pattern, case=False, regex=True, na=False)
    return reviews[keep]


def card_body(card: str) -> str:
    """A model card without its YAML front matter (Hub metadata between `---` lines)."""
    m = re.match(r"\A---\r?\n.*?\r?\n---\r?\n", card, flags=re.S)
    return card[m.end() :].lstrip() if m else card


def snippet(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- untrusted text as HTML (always escaped) ---------------------------------------------------

_SPAN = "padding:1px 3px;margin:1px;border-radius:3px;display:inline-block;line-height:1.6;"


def text_html(text: str, limit: int | None = None) -> str:
    """Review text as an escaped HTML block."""
    shown = snippet(text, limit) if limit else str(text)
    return f'<div class="semax-text" style="white-space:pre-wrap">{html.escape(shown)}</div>'


def weighted_words_html(
    words: Sequence[str],
    weights: Sequence[float],
    known: Sequence[bool] | None = None,
    rgb: tuple[int, int, int] = (255, 127, 14),
) -> str:
    """Each word on a background whose opacity is its weight relative to the largest weight;
    the exact weight shows on hover; unknown words (`<UNK>`) are underlined."""
    w = np.asarray(weights, dtype=float)
    top = float(np.nanmax(w)) if w.size and np.nanmax(w) > 0 else 1.0
    parts = []
    for i, (word, weight) in enumerate(zip(words, w, strict=True)):
        a = 0.0 if not np.isfinite(weight) else min(max(weight / top, 0.0), 1.0)
        unknown = known is not None and not known[i]
        extra = "text-decoration:underline dotted;" if unknown else ""
        tip = f"weight {weight:.4f}" + (" (unknown word)" if unknown else "")
        parts.append(
            f'<span class="semax-word" title="{html.escape(tip)}" '
            f'style="{_SPAN}{extra}background:rgba({rgb[0]},{rgb[1]},{rgb[2]},{a:.3f})">'
            f"{html.escape(str(word))}</span>"
        )
    return '<div class="semax-words">' + " ".join(parts) + "</div>"


def signed_words_html(words: Sequence[str], values: Sequence[float]) -> str:
    """Signed attributions: green raises the rating, red lowers it; opacity is |value| relative
    to the largest |value|."""
    v = np.asarray(values, dtype=float)
    top = float(np.nanmax(np.abs(v))) if v.size and np.nanmax(np.abs(v)) > 0 else 1.0
    parts = []
    for word, value in zip(words, v, strict=True):
        a = min(abs(value) / top, 1.0) if np.isfinite(value) else 0.0
        rgb = "44,160,44" if value >= 0 else "214,39,40"
        parts.append(
            f'<span class="semax-word" title="{html.escape(f"attribution {value:+.4f}")}" '
            f'style="{_SPAN}background:rgba({rgb},{a:.3f})">{html.escape(str(word))}</span>'
        )
    return '<div class="semax-words">' + " ".join(parts) + "</div>"


# -- background jobs ---------------------------------------------------------------------------


class Job:
    """`target(job)` run in a daemon thread. The target reports through `job.report(...)`,
    appends to `job.steps` (loss curve points), `job.epochs` and `job.rows`, and checks
    `job.cancelled`; its return value becomes `job.result`. States: pending, running, done,
    cancelled, error (with a one-line `job.error`)."""

    def __init__(self, name: str, target: Callable[[Job], Any]):
        self.name = name
        self.target = target
        self.status = "pending"
        self.progress = 0.0
        self.message = ""
        self.steps: list[dict] = []
        self.epochs: list[dict] = []
        self.rows: list[dict] = []
        self.result: Any = None
        self.error: str | None = None
        self.started = self.finished = 0.0
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Job:
        self.status, self.started = "running", time.time()
        self._thread = threading.Thread(target=self._run, name=f"semax-{self.name}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.result = self.target(self)
            self.status = "cancelled" if self.cancelled else "done"
            if self.status == "done":
                self.progress = 1.0
        except SemaxError as exc:
            self.error, self.status = str(exc), "error"
        except Exception as exc:  # shown in the app as one line; the thread must not die silently
            self.error, self.status = f"{type(exc).__name__}: {exc}", "error"
        finally:
            self.finished = time.time()

    def report(self, progress: float | None = None, message: str | None = None) -> None:
        if progress is not None:
            self.progress = float(min(max(progress, 0.0), 1.0))
        if message is not None:
            self.message = message

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self.status in ("pending", "running")

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    @property
    def seconds(self) -> float:
        return (self.finished or time.time()) - self.started if self.started else 0.0


def _progress_callback(job: Job, epochs: int, offset: float = 0.0, share: float = 1.0, label=""):
    """A pipeline callback feeding `job`: loss points, epoch rows, progress; True cancels."""
    counter = {"n": len(job.steps)}

    def callback(event: dict) -> bool:
        if event["event"] == "step":
            counter["n"] += 1
            job.steps.append(
                {"step": counter["n"], "loss": event["loss"], "epoch": event["epoch"] + 1}
            )
            done = (event["epoch"] + event["step"] / max(event["steps"], 1)) / max(epochs, 1)
            job.report(
                offset + share * done,
                f"{label}epoch {event['epoch'] + 1}/{epochs}, step {event['step']}/{event['steps']}, "
                f"loss {event['loss']:.4f}",
            )
        else:
            job.epochs.append({**event, "step": counter["n"]})
        return job.cancelled

    return callback


def recent(df: pd.DataFrame, max_ratings: int | None) -> pd.DataFrame:
    """The most recent `max_ratings` reviews (all when None or larger)."""
    if not max_ratings or len(df) <= max_ratings:
        return df
    order = np.argsort(df["time"].to_numpy(), kind="stable")[-max_ratings:]
    return df.iloc[np.sort(order)].reset_index(drop=True)


@dataclass
class SmallTraining:
    """Settings of "train a small model now"."""

    kind: str = "semax"
    epochs: int = 3
    beta: float = 0.4
    dim: int = 16
    max_ratings: int = 20_000
    max_words: int = 40
    max_history: int = 5
    min_count: int = 5
    seed: int = 0
    batch_size: int = 128

    def command(self, source: str) -> str:
        args = ["python", "-m", "semax", "train", "--data", source or "FILE", "--out", "RUN"]
        args += ["--model", self.kind, "--epochs", str(self.epochs), "--dim", str(self.dim)]
        args += ["--max-words", str(self.max_words), "--max-history", str(self.max_history)]
        if self.kind == "semax":
            args += ["--beta", str(self.beta)]
        return " ".join(shlex.quote(a) for a in args)


def training_job(df: pd.DataFrame, settings: SmallTraining, data_source: str = "") -> Job:
    """A background job training a small model on review frame `df`; its result is a Bundle."""

    def run(job: Job):
        from semax.data.dataset import DataConfig, prepare
        from semax.training import pipeline
        from semax.training.loop import TrainConfig

        s = settings
        job.report(0.0, "preparing the data")
        data = prepare(
            recent(df, s.max_ratings),
            DataConfig(max_words=s.max_words, max_history=s.max_history, min_count=s.min_count),
        )
        # beta only for SEMAX: other kinds keep their own (SEMA is beta = 1); a None override
        # would replace the kind's default in registry.config_for
        overrides = {**dims(s.dim), **({"beta": s.beta} if s.kind == "semax" else {})}
        cfg = TrainConfig(epochs=s.epochs, seed=s.seed, device="cpu", batch_size=s.batch_size)
        bundle, result = pipeline.train(
            data,
            s.kind,
            overrides,
            cfg,
            data_source=data_source,
            callback=_progress_callback(job, s.epochs),
            progress=False,
            command=s.command(data_source),
        )
        how = {"early": "stopped early", "epochs": "ran every epoch"}.get(result.stopped, "")
        m = bundle.metrics
        job.report(
            message=f"{how.capitalize()}; best epoch {result.best_epoch}; "
            f"test MAE {m['mae']:.4f}, RMSE {m['rmse']:.4f}."
        )
        return bundle

    return Job("train", run)


def beta_sweep_job(
    reviews: pd.DataFrame,
    betas: Sequence[float],
    epochs: int = 1,
    dim: int = 8,
    max_ratings: int = 3000,
    data_config: dict | None = None,
    seed: int = 0,
) -> Job:
    """A background job training SEMAX once per β (tiny dims, few epochs) on the most recent
    `max_ratings` reviews; `job.rows` gets (beta, seed, mae, rmse, valid_rmse, seconds) as each
    finishes and the result is their frame."""

    def run(job: Job):
        from semax.data.dataset import DataConfig, prepare
        from semax.training import pipeline
        from semax.training.loop import TrainConfig

        job.report(0.0, "preparing the data")
        data = prepare(recent(reviews, max_ratings), DataConfig(**(data_config or {})))
        for i, beta in enumerate(betas):
            if job.cancelled:
                break
            bundle, result = pipeline.train(
                data,
                "semax",
                {**dims(dim), "beta": float(beta)},
                TrainConfig(epochs=epochs, seed=seed, device="cpu"),
                callback=_progress_callback(
                    job, epochs, i / len(betas), 1 / len(betas), f"β = {beta}: "
                ),
                progress=False,
                command="live β sweep",
            )
            if result.stopped == "cancelled":
                break
            m = bundle.metrics
            job.rows.append(
                {
                    "beta": float(beta),
                    "seed": seed,
                    "mae": m["mae"],
                    "rmse": m["rmse"],
                    "valid_rmse": m.get("valid_rmse"),
                    "seconds": result.seconds,
                }
            )
        return pd.DataFrame(job.rows)

    return Job("sweep", run)


# -- uploads -----------------------------------------------------------------------------------

MAX_UPLOAD_MB = 50
_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,8}){1,3}$")


def read_upload(
    name: str, payload: bytes, format: str | None = None, limit_mb: float = MAX_UPLOAD_MB
):
    """Read an uploaded review file (any format `read_reviews` knows) through a temporary file;
    bad records are skipped and counted. Files over `limit_mb` are refused with a clear message."""
    from semax.data.readers import read_reviews

    size_mb = len(payload) / 2**20
    if size_mb > limit_mb:
        raise DataError(
            f"{name}: {size_mb:.1f} MB is over the app's {limit_mb:g} MB limit for training here; "
            "train on it with `python -m semax train --data FILE --out RUN` and load the run folder"
        )
    m = _SUFFIX.search(Path(name).name)
    suffix = m.group(0) if m else ""
    with tempfile.TemporaryDirectory(prefix="semax-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(payload)
        df, report = read_reviews(path, format=format, on_bad_lines="skip")
    report.source = name
    return df, report


def read_local(path: str, format: str | None = None):
    """Read a review file by path (or hf:// URL), skipping and counting bad records."""
    from semax.data.readers import read_reviews

    return read_reviews(path, format=format, on_bad_lines="skip")
