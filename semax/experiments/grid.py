"""The paper's experiments as one resumable grid: Table 3, Figures 4-5 (rating-count buckets),
Figure 6 (beta sensitivity) and ablations, written as tidy CSVs.

Every run is one (stage, method or variant, seed) training on the same split. A finished run is
a JSON record under `runs/`; rerunning the grid skips it, so a killed grid resumes. Hyperparameters
of each method come from a small grid scored on the validation split (never the test split).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from semax.data.dataset import ReviewData
from semax.experiments import results
from semax.models.semax import SemaxConfig
from semax.training import pipeline
from semax.training.batching import make_batch
from semax.training.loop import TrainConfig, with_bases

METHODS = (
    "bias",
    "rolling-bias",
    "mf",
    "ncf",
    "deepconn",
    "transnets",
    "transnets-ext",
    "semax-notext",
    "sema",
    "semax",
)
BETAS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
ABLATIONS = (
    "mean-pooling",
    "lambda-0",
    "masked-text",
    "leaked-target",
    "fixed-base",
    "history-stars",
    "rating-ids",
    "joint-reader",
)

# Small validation grids (seed 0). Keys are model hyperparameters, or "lr" / "l2_ids" for training.
TUNING: dict[str, dict[str, list]] = {
    # bias, rolling-bias: none here; they choose their lams (and k) on validation themselves
    "mf": {"factors": [16, 64], "l2_ids": [1e-3, 1e-2, 1e-1], "lr": [1e-3, 3e-3]},
    "ncf": {"l2_ids": [1e-3, 1e-2]},
    "deepconn": {"lr": [1e-3, 3e-3]},
    "transnets": {"lr": [1e-3, 3e-3]},
    "transnets-ext": {"lr": [1e-3, 3e-3]},
    "semax-notext": {"l2_ids": [1e-2, 3e-2]},
    "sema": {"l2_ids": [1e-2, 3e-2]},
    "semax": {"beta": [0.4, 0.6]},
}
TRAIN_KEYS = {"lr", "l2_ids", "batch_size", "unknown_rate"}


@dataclass
class Run:
    stage: str  # tune, table3, beta, ablation
    method: str  # model kind
    seed: int
    variant: str = ""  # beta value, ablation name or tuning point
    model: dict = field(default_factory=dict)  # model hyperparameter overrides
    train: dict = field(default_factory=dict)  # TrainConfig overrides

    @property
    def run_id(self) -> str:
        return "-".join(
            p for p in (self.stage, self.method, self.variant, f"s{self.seed}") if p
        ).replace("/", "_")


# -- ablation batchers ------------------------------------------------------------------------


def ablation_batcher(variant: str, data: ReviewData, model) -> Callable | None:
    """Batches for the data ablations: `masked-text` empties every history review's text;
    `leaked-target` puts the rating's own review into both histories (the leak the paper avoids).
    Both carry each rating's base as the model's own batches do (a rolling base's terms)."""
    target = model.batch_spec.get("target_text", False)
    if variant == "masked-text":

        def masked(rows, training):
            batch = make_batch(data, rows, target_text=training and target)
            batch.review_lengths = torch.zeros_like(batch.review_lengths)
            batch.review_tokens = torch.zeros_like(batch.review_tokens[:, :1])
            return batch

        return with_bases(model, data, masked)
    if variant == "leaked-target":

        def leaked(rows, training):
            uh, ih = leaked_histories(data, rows)
            return make_batch(
                data, rows, target_text=training and target, user_history=uh, item_history=ih
            )

        return with_bases(model, data, leaked)
    return None


def leaked_histories(data: ReviewData, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """User and item histories with the rating's own review appended as the newest entry."""
    out = []
    for side in ("user", "item"):
        h = getattr(data, f"{side}_history")[rows].copy()
        n = getattr(data, f"{side}_history_len")[rows]
        full = n == h.shape[1]
        h[full] = np.roll(h[full], -1, axis=1)  # drop the oldest to make room
        h[np.arange(len(rows)), np.minimum(n, h.shape[1] - 1)] = rows
        out.append(h)
    return out[0], out[1]


ABLATION_MODEL = {
    "mean-pooling": {"pooling": "mean"},
    "lambda-0": {"lam": 0.0},
    "fixed-base": {"base": "fixed"},  # the paper's SEMAX: texts alone, no rolling terms
    "history-stars": {"history_stars": True},  # the history LSTMs also read the stars
    "rating-ids": {"rating_ids": True},  # the paper's Eq. 15: u and v in r_uv's features
    "joint-reader": {"freeze_reader": False},  # the paper's joint training of the text reader
}


# -- the grid ---------------------------------------------------------------------------------


def plan(methods, seeds: int, betas, ablations, tuned: dict[str, dict]) -> list[Run]:
    """All runs after tuning, in a fixed order."""
    runs: list[Run] = []
    for method, seed in itertools.product(methods, range(seeds)):
        runs.append(Run("table3", method, seed, **_split(tuned.get(method, {}))))
    semax_params = tuned.get("semax", {})
    for beta, seed in itertools.product(betas, range(seeds)):
        params = _split(semax_params)
        params["model"] = {**params["model"], "beta": beta}
        runs.append(Run("beta", "semax", seed, variant=f"{beta:g}", **params))
    for variant, seed in itertools.product(ablations, range(seeds)):
        params = _split(semax_params)
        params["model"] = {**params["model"], **ABLATION_MODEL.get(variant, {})}
        runs.append(Run("ablation", "semax", seed, variant=variant, **params))
    return runs


def _split(params: dict) -> dict:
    return {
        "model": {k: v for k, v in params.items() if k not in TRAIN_KEYS},
        "train": {k: v for k, v in params.items() if k in TRAIN_KEYS},
    }


class RunLines:
    """The grid's progress where stderr is no terminal (a log, a pipe): a line per finished run,
    with tqdm's methods the grid calls."""

    def __init__(self, total: int, desc: str):
        self.total, self.desc, self.n, self.postfix = total, desc, 0, ""

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text

    def update(self, n: int = 1) -> None:
        if n:
            self.n += n
            name = f": {self.postfix}" if n == 1 and self.postfix else " (done before)"
            print(f"{self.desc} {self.n}/{self.total}{name}", file=sys.stderr, flush=True)
            self.postfix = ""

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass


def tuning_runs(methods) -> list[Run]:
    runs = []
    for method in methods:
        grid = TUNING.get(method, {})
        keys = sorted(grid)
        for values in itertools.product(*(grid[k] for k in keys)):
            point = dict(zip(keys, values, strict=True))
            variant = ",".join(f"{k}={v:g}" for k, v in point.items())
            runs.append(Run("tune", method, 0, variant=variant, **_split(point)))
    return runs


_WORKER_GRID = None  # the grid a worker process runs for (set by its initializer)


def _start_worker(grid: Grid) -> None:
    global _WORKER_GRID
    _WORKER_GRID = grid


def _run_in_worker(run: Run) -> str:
    _WORKER_GRID.execute(run)
    return run.run_id


class Grid:
    """Runs the experiments for one dataset into `out`, resumably; with `workers` > 1 that many
    processes (spawned, each with `base.threads` torch threads and its review spans in order)
    run the runs at once. Every run is seeded on its own and the encoder's thread count changes
    no result, so the records do not depend on the order or the number of workers."""

    def __init__(
        self,
        data: ReviewData,
        out: str | Path,
        dataset: str,
        base: TrainConfig | None = None,
        model_defaults: dict | None = None,
        refit: bool = True,
        workers: int = 1,
    ):
        self.data, self.out, self.dataset = data, Path(out), dataset
        self.workers = max(int(workers), 1)
        self.refit = refit  # retrain on fit + validation for the chosen epochs (not in tuning)
        self.base = base or TrainConfig()
        if self.workers > 1:  # the processes use the cores: each runs its review spans in order
            self.base = replace(self.base, encoder_threads=1)
        self.model_defaults = model_defaults or {}
        (self.out / "runs").mkdir(parents=True, exist_ok=True)
        (self.out / "predictions").mkdir(exist_ok=True)

    def record_path(self, run: Run) -> Path:
        return self.out / "runs" / f"{run.run_id}.json"

    def done(self, run: Run) -> bool:
        return self.record_path(run).exists()

    def twin(self, run: Run, runs: Sequence[Run]) -> Run | None:
        """The Table 3 SEMAX run among `runs` that trains the same model as the beta-sweep `run`,
        where beta does not act: with the reader frozen after a warm-up, the warm-up trains the
        related task alone (beta = 0) and the joint epochs r_uv alone, for every beta < 1."""
        if run.stage != "beta" or run.method != "semax":
            return None
        model = {**self.model_defaults, **run.model}
        train = TrainConfig(**{**self.base.to_dict(), **run.train})
        frozen = model.get("freeze_reader", SemaxConfig.freeze_reader)
        if not (
            frozen and train.warmup > 0 and model.get("use_text", True) and run.model["beta"] < 1
        ):
            return None
        same = {k: v for k, v in run.model.items() if k != "beta"}
        for other in runs:
            if (other.stage, other.method, other.seed) == ("table3", "semax", run.seed) and (
                other.train == run.train
                and {k: v for k, v in other.model.items() if k != "beta"} == same
            ):
                return other
        return None

    def copy_of(self, run: Run, twin: Run) -> None:
        """`run`'s record and predictions: those of `twin`, which trained the same model."""
        record = json.loads(self.record_path(twin).read_text())
        record.update(
            run_id=run.run_id, stage=run.stage, variant=run.variant, model=run.model,
            train=run.train, same_model_as=twin.run_id,
        )  # fmt: skip
        predictions = self.out / "predictions"
        (predictions / f"{run.run_id}.parquet").write_bytes(
            (predictions / f"{twin.run_id}.parquet").read_bytes()
        )
        tmp = self.record_path(run).with_suffix(".tmp")
        tmp.write_text(json.dumps(record, default=float))
        tmp.replace(self.record_path(run))

    def execute(self, run: Run, bar=None) -> dict:
        if self.done(run):
            return json.loads(self.record_path(run).read_text())
        cfg = TrainConfig(**{**self.base.to_dict(), **run.train, "seed": run.seed})
        overrides = {**self.model_defaults, **run.model}

        def batcher_for(data, model):
            return ablation_batcher(run.variant, data, model) if run.stage == "ablation" else None

        _bundle, result = pipeline.train(
            self.data,
            run.method,
            overrides,
            cfg,
            progress=False,
            command="",
            batcher_for=batcher_for,
            refit=self.refit and run.stage != "tune",
        )
        metrics = _bundle.metrics
        record = {
            "run_id": run.run_id, "stage": run.stage, "method": run.method, "variant": run.variant, "seed": run.seed,
            "model": run.model, "train": run.train, "mae": metrics["mae"], "rmse": metrics["rmse"], "n": metrics["n"],
            "valid_rmse": result.best_valid_rmse, "best_epoch": result.best_epoch, "train_seconds": result.seconds,
            "by_user": metrics["by_user"], "by_item": metrics["by_item"],
        }  # fmt: skip
        pd.DataFrame({"prediction": result.test_predictions}).to_parquet(
            self.out / "predictions" / f"{run.run_id}.parquet"
        )
        tmp = self.record_path(run).with_suffix(".tmp")
        tmp.write_text(json.dumps(record, default=float))
        tmp.replace(self.record_path(run))  # the record appears only once the run is complete
        return record

    def execute_all(self, runs: Sequence[Run], bar=None) -> list[dict]:
        """Every run's record, in order: the missing runs first, in `workers` processes; a
        beta-sweep run whose beta does not act copies its Table 3 twin (`twin`) after."""
        todo = [r for r in runs if not self.done(r)]
        if bar is not None:
            bar.update(len(runs) - len(todo))
        twins = {r.run_id: t for r in todo if (t := self.twin(r, runs)) is not None}
        copies = [r for r in todo if r.run_id in twins]
        todo = [r for r in todo if r.run_id not in twins]
        if self.workers > 1 and len(todo) > 1:
            context = multiprocessing.get_context("spawn")  # no forked torch thread pools
            with ProcessPoolExecutor(
                min(self.workers, len(todo)), context, _start_worker, (self,)
            ) as pool:
                for done in as_completed([pool.submit(_run_in_worker, r) for r in todo]):
                    run_id = done.result()  # a failed run raises here
                    if bar is not None:
                        bar.set_postfix_str(run_id)
                        bar.update(1)
        else:
            for run in todo:
                if bar is not None:
                    bar.set_postfix_str(run.run_id)
                self.execute(run)
                if bar is not None:
                    bar.update(1)
        for run in copies:
            twin = twins[run.run_id]
            if (self.out / "predictions" / f"{twin.run_id}.parquet").exists():
                self.copy_of(run, twin)
            else:  # a record without its predictions (a fresh clone): train it
                self.execute(run)
            if bar is not None:
                bar.set_postfix_str(f"{run.run_id} (the model of {twin.run_id})")
                bar.update(1)
        return [self.execute(r) for r in runs]  # all on disk now: their records

    def tune(self, methods, bar=None) -> dict[str, dict]:
        """Best validation point per method (seed 0)."""
        best: dict[str, tuple[float, dict]] = {}
        runs = tuning_runs(methods)
        for run, rec in zip(runs, self.execute_all(runs, bar), strict=True):
            if run.method not in best or rec["valid_rmse"] < best[run.method][0]:
                best[run.method] = (rec["valid_rmse"], {**run.model, **run.train})
        chosen = {m: params for m, (_, params) in best.items()}
        (self.out / "tuned.json").write_text(json.dumps(chosen, indent=2))
        return chosen

    def run(
        self,
        methods=METHODS,
        seeds: int = 3,
        betas=BETAS,
        ablations=ABLATIONS,
        tune: bool = True,
        progress: bool = True,
    ) -> dict[str, pd.DataFrame]:
        t0 = time.perf_counter()  # wall time of the whole grid, tuning included
        tune_runs = tuning_runs(methods) if tune else []
        if progress and not sys.stderr.isatty():  # a log: one line per run, not bar updates
            bar = RunLines(len(tune_runs), "grid")
        else:
            bar = tqdm(total=len(tune_runs), desc="grid", disable=not progress, file=sys.stderr)
        saved = self.out / "tuned.json"
        tuned = (
            self.tune(methods, bar)
            if tune
            else (json.loads(saved.read_text()) if saved.exists() else {})
        )
        runs = plan(methods, seeds, betas, ablations, tuned)
        bar.total = len(tune_runs) + len(runs)
        bar.refresh()
        self.execute_all(runs, bar)
        bar.close()
        tables = self.tables()
        tables["bootstrap"] = bootstrap_table(self.out, self.data.rating[self.data.test_rows])
        results.write(self.out, tables)
        (self.out / "grid.json").write_text(
            json.dumps(
                {
                    "dataset": self.dataset,
                    "runs": len(runs) + len(tune_runs),
                    "wall_seconds": time.perf_counter() - t0,
                }
            )
        )
        return tables

    def records(self) -> list[dict]:
        return [json.loads(p.read_text()) for p in sorted((self.out / "runs").glob("*.json"))]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy CSVs from every finished run on disk."""
        return results.tables(self.records(), self.dataset)


def seed_mean_predictions(out: Path, stage: str = "table3") -> dict[str, np.ndarray]:
    """Test predictions per method, averaged over its seeds."""
    preds: dict[str, list[np.ndarray]] = {}
    for rec_path in sorted((Path(out) / "runs").glob(f"{stage}-*.json")):
        rec = json.loads(rec_path.read_text())
        frame = pd.read_parquet(Path(out) / "predictions" / f"{rec['run_id']}.parquet")
        preds.setdefault(rec["method"], []).append(frame["prediction"].to_numpy())
    return {m: np.mean(p, axis=0) for m, p in preds.items()}


def bootstrap_table(
    out: Path, target: np.ndarray, reference: str = "semax", n_boot: int = 2000
) -> pd.DataFrame:
    """Paired bootstrap of `reference` against every other method (seed-averaged predictions)."""
    from semax.training.evaluate import paired_bootstrap

    preds = seed_mean_predictions(out)
    if reference not in preds:
        return pd.DataFrame()
    rows = []
    for method, p in preds.items():
        if method == reference:
            continue
        b = paired_bootstrap(target, preds[reference], p, n_boot=n_boot)
        rows.append(
            {
                "reference": reference,
                "method": method,
                **{k: v for k, v in b.items() if not k.endswith("ci95")},
                "rmse_ci_low": b["rmse_diff_ci95"][0],
                "rmse_ci_high": b["rmse_diff_ci95"][1],
                "mae_ci_low": b["mae_diff_ci95"][0],
                "mae_ci_high": b["mae_diff_ci95"][1],
            }
        )
    return pd.DataFrame(rows)
