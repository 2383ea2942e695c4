"""The experiment grid: tidy CSVs, resumable, the same code path CI runs at tiny size."""

import json

import numpy as np
import pandas as pd
import pytest

from semax.cli import main
from semax.data import DataConfig, prepare
from semax.experiments.grid import Grid, Run, ablation_batcher
from semax.models.semax import dims
from semax.training.loop import TrainConfig
from tests.helpers import tiny_frame, write_amazon

SCHEMAS = {
    "table3": ["dataset", "method", "seed", "mae", "rmse", "train_seconds"],
    "buckets": ["method", "seed", "entity", "bucket", "n", "mae", "rmse"],
    "beta": ["beta", "seed", "mae", "rmse"],
    "ablations": ["variant", "seed", "mae", "rmse"],
}
TINY = dims(4)


@pytest.fixture(scope="module")
def data():
    return prepare(tiny_frame(300), DataConfig(max_words=12, max_history=3, min_count=1))


def test_cli_grid_writes_tidy_csvs(tmp_path, capsys):
    src = write_amazon(tiny_frame(300), tmp_path / "r.json")
    out = tmp_path / "grid"
    argv = [
        "experiments",
        "--data",
        str(src),
        "--out",
        str(out),
        "--methods",
        "bias,semax",
        "--seeds",
        "1",
        "--betas",
        "0.2,0.8",
        "--ablations",
        "lambda-0",
        "--no-tune",
        "--epochs",
        "1",
        "--dim",
        "4",
        "--json",
    ]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    for name, columns in SCHEMAS.items():
        frame = pd.read_csv(out / f"{name}.csv")
        assert list(frame.columns) == columns, name
        assert len(frame) > 0, name
    assert set(pd.read_csv(out / "table3.csv")["method"]) == {"bias", "semax"}
    assert sorted(pd.read_csv(out / "beta.csv")["beta"]) == [0.2, 0.8]
    assert set(pd.read_csv(out / "buckets.csv")["entity"]) == {"user", "item"}
    assert {r["method"] for r in result["table3"]} == {"bias", "semax"}


def test_a_killed_grid_resumes_without_redoing_finished_runs(data, tmp_path):
    grid = Grid(data, tmp_path, "tiny", TrainConfig(epochs=1), TINY)
    grid.run(["bias", "sema"], seeds=2, betas=[], ablations=[], tune=False, progress=False)
    records = sorted((tmp_path / "runs").glob("*.json"))
    assert len(records) == 4
    stamps = {p.name: p.stat().st_mtime_ns for p in records}
    killed = records[0]
    killed.unlink()  # as if the grid died during this run
    calls = []
    original = Grid.execute

    def spy(self, run, bar=None):
        if not self.done(run):
            calls.append(run.run_id)
        return original(self, run, bar)

    Grid.execute = spy
    try:
        grid.run(["bias", "sema"], seeds=2, betas=[], ablations=[], tune=False, progress=False)
    finally:
        Grid.execute = original
    assert calls == [killed.stem]
    for p in sorted((tmp_path / "runs").glob("*.json")):
        if p.name != killed.name:
            assert p.stat().st_mtime_ns == stamps[p.name]


def test_a_grid_logged_to_no_terminal_prints_one_line_per_run(data, tmp_path, capsys):
    """(capsys's stderr is no terminal.) A rerun reports the runs it finds done."""
    grid = Grid(data, tmp_path, "tiny", TrainConfig(epochs=1), TINY)
    grid.run(["bias", "sema"], seeds=2, betas=[], ablations=[], tune=False, progress=True)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("grid ")]
    ids = sorted(p.stem for p in (tmp_path / "runs").glob("*.json"))
    assert [line.split(": ")[0] for line in lines] == [f"grid {i}/4" for i in range(1, 5)]
    assert sorted(line.split(": ")[1] for line in lines) == ids
    grid.run(["bias", "sema"], seeds=2, betas=[], ablations=[], tune=False, progress=True)
    again = [line for line in capsys.readouterr().err.splitlines() if line.startswith("grid ")]
    assert again == ["grid 4/4 (done before)"]


def test_tuning_uses_the_validation_split_and_picks_the_best_point(data, tmp_path):
    grid = Grid(data, tmp_path, "tiny", TrainConfig(epochs=1), TINY)
    chosen = grid.tune(["bias"])
    tuning = grid.tables()["tuning"]
    best = tuning.loc[tuning["valid_rmse"].idxmin(), "point"]
    assert best == ",".join(f"{k}={v:g}" for k, v in chosen["bias"].items())


def test_leaked_target_puts_the_rating_review_into_its_histories(data):
    import numpy as np

    from semax.experiments.grid import leaked_histories

    rows = data.test_rows
    assert not np.any(data.user_history[rows] == rows[:, None]), (
        "real histories never hold the target review"
    )
    for side, hist in zip(("user", "item"), leaked_histories(data, rows), strict=True):
        real, n = getattr(data, f"{side}_history")[rows], getattr(data, f"{side}_history_len")[rows]
        lens = (hist >= 0).sum(1)
        newest = hist[np.arange(len(rows)), lens - 1]
        assert np.array_equal(newest, rows)
        assert np.array_equal(lens, np.minimum(n + 1, hist.shape[1]))
        for r in range(len(rows)):  # the real history minus (at most) its oldest review comes first
            assert list(hist[r, : lens[r] - 1]) == list(
                real[r, : n[r]][-(lens[r] - 1) :] if lens[r] > 1 else []
            )


def test_masked_text_empties_every_history_review(data):
    from semax.models.registry import build, config_for

    model = build("semax", config_for("semax", data, **TINY))
    batch = ablation_batcher("masked-text", data, model)(data.fit_rows[:20], True)
    assert int(batch.review_lengths.sum()) == 0
    assert batch.target_tokens is not None and int(batch.target_lengths.sum()) > 0


def _predictions(grid: Grid, run_id: str) -> np.ndarray:
    return pd.read_parquet(grid.out / "predictions" / f"{run_id}.parquet")["prediction"].to_numpy()


def test_beta_does_not_act_with_the_reader_frozen_after_a_warm_up(data, tmp_path):
    """The premise of the beta sweep's copies: two betas, each trained, give the same model."""
    grid = Grid(data, tmp_path, "tiny", TrainConfig(epochs=3, warmup=1), TINY)
    for beta in (0.2, 0.8):
        grid.execute(Run("beta", "semax", 0, variant=f"{beta:g}", model={"beta": beta}))
    assert np.array_equal(
        _predictions(grid, "beta-semax-0.2-s0"), _predictions(grid, "beta-semax-0.8-s0")
    )


def test_the_beta_sweep_copies_its_table3_twin_where_beta_does_not_act(data, tmp_path):
    grid = Grid(data, tmp_path, "tiny", TrainConfig(epochs=3, warmup=1), TINY)
    grid.run(["semax"], seeds=1, betas=[0.2, 0.8], ablations=[], tune=False, progress=False)
    twin = json.loads((tmp_path / "runs" / "table3-semax-s0.json").read_text())
    for beta in ("0.2", "0.8"):
        record = json.loads((tmp_path / "runs" / f"beta-semax-{beta}-s0.json").read_text())
        assert record["same_model_as"] == "table3-semax-s0"
        assert (record["stage"], record["variant"], record["model"]) == (
            "beta",
            beta,
            {"beta": float(beta)},
        )
        assert (record["rmse"], record["mae"]) == (twin["rmse"], twin["mae"])
        assert np.array_equal(
            _predictions(grid, f"beta-semax-{beta}-s0"), _predictions(grid, "table3-semax-s0")
        )
    assert sorted(grid.tables()["beta"]["beta"]) == [0.2, 0.8]


def test_the_beta_sweep_trains_each_beta_where_it_acts(data, tmp_path):
    """The reader trained jointly to the end (`freeze_reader=False`): beta weighs the two tasks."""
    grid = Grid(
        data, tmp_path, "tiny", TrainConfig(epochs=3, warmup=1), {**TINY, "freeze_reader": False}
    )
    grid.run(["semax"], seeds=1, betas=[0.2, 0.8], ablations=[], tune=False, progress=False)
    records = [
        json.loads((tmp_path / "runs" / f"beta-semax-{b}-s0.json").read_text())
        for b in ("0.2", "0.8")
    ]
    assert not any("same_model_as" in r for r in records)
    assert not np.array_equal(
        _predictions(grid, "beta-semax-0.2-s0"), _predictions(grid, "beta-semax-0.8-s0")
    )


def test_two_workers_write_the_same_records_as_one(data, tmp_path):
    def records(workers: int) -> dict:
        out = tmp_path / f"workers-{workers}"
        grid = Grid(data, out, "tiny", TrainConfig(epochs=1), TINY, workers=workers)
        grid.run(["bias", "mf"], seeds=2, betas=[], ablations=[], tune=False, progress=False)
        keep = ("run_id", "mae", "rmse", "valid_rmse", "best_epoch")
        return {r["run_id"]: {k: r[k] for k in keep} for r in grid.records()}

    one, two = records(1), records(2)
    assert len(one) == 4 and one == two


def test_worker_processes_run_their_review_spans_in_order(data, tmp_path):
    assert Grid(data, tmp_path / "a", "tiny", TrainConfig(), workers=1).base.encoder_threads == 2
    assert Grid(data, tmp_path / "b", "tiny", TrainConfig(), workers=2).base.encoder_threads == 1


@pytest.mark.parametrize("variant", ["masked-text", "leaked-target"])
def test_data_ablations_keep_the_rolling_base(data, variant):
    """The ablations change the histories only: each rating keeps its rolling base."""
    from semax.models.bias import apply_base
    from semax.models.registry import build, config_for
    from semax.models.rolling_bias import causal_bases, choose_shrinkage

    model = build("semax", config_for("semax", data, **TINY))
    batcher = ablation_batcher(variant, data, model)  # made before the base is solved, as the grid
    apply_base(model, data)
    choose_shrinkage(model, data)
    rows = data.valid_rows[:20]
    batch = batcher(rows, False)
    assert batch.base is not None
    assert np.allclose(batch.base.numpy(), causal_bases(model, data)[rows], atol=1e-5)
