"""semax.experiments.results: the results files' names and columns, building them from run
records, writing and reading them back, and the one mean ± std over seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from semax.experiments import results
from semax.experiments.results import (
    COLUMNS,
    RESULT_COLUMNS,
    load_results,
    pm,
    results_signature,
    summarize,
    summary,
)
from tests.helpers import write_fake_results


def record(stage: str, method: str, seed: int, variant: str = "", err: float = 1.0) -> dict:
    """A grid run record as Grid.execute writes it (only the fields the tables read)."""
    buckets = [{"bucket": "0", "n": 2, "mae": err, "rmse": err + 0.1}]
    return {
        "run_id": f"{stage}-{method}-{variant}-s{seed}", "stage": stage, "method": method,
        "variant": variant, "seed": seed, "mae": err, "rmse": err + 0.2, "n": 10,
        "valid_rmse": err + 0.3, "best_epoch": 1, "train_seconds": 2.0,
        "by_user": buckets, "by_item": buckets,
    }  # fmt: skip


def test_load_results_reads_every_table_and_reports_broken_files(tmp_path):
    root = write_fake_results(tmp_path / "results")
    (root / "broken").mkdir()
    (root / "broken" / "table3.csv").write_text("method,seed\nsemax,0\n")  # no mae/rmse
    res = load_results(root)
    assert set(res.tables["toy"]) == {"table3", "buckets", "beta", "ablations"}
    assert "broken" not in res.tables
    assert len(res.problems) == 1 and "missing column(s) mae, rmse" in res.problems[0]
    assert set(res.of("beta")) == {"toy"}
    assert results_signature(root) != ()
    assert load_results(tmp_path / "absent").empty


def test_read_back_needs_only_the_columns_every_file_has():
    assert RESULT_COLUMNS == {
        "table3": ("method", "seed", "mae", "rmse"),
        "buckets": ("method", "seed", "entity", "bucket", "mae", "rmse"),
        "beta": ("beta", "seed", "mae", "rmse"),
        "ablations": ("variant", "seed", "mae", "rmse"),
    }


def test_tables_from_run_records_written_and_read_back(tmp_path):
    records = [
        record("table3", "sema", 0, err=1.0),
        record("table3", "semax", 0, err=0.9),
        record("beta", "semax", 0, "0.3", err=0.95),
        record("ablation", "semax", 0, "lambda-0", err=0.97),
        record("tune", "bias", 0, "l2_ids=0.01", err=1.1),
    ]
    tables = results.tables(records, "toy")
    for name, frame in tables.items():
        assert tuple(frame.columns) == COLUMNS[name], name
    assert list(tables["table3"]["dataset"]) == ["toy", "toy"]
    assert list(tables["beta"]["beta"]) == [0.3, 1.0]  # SEMA is β = 1
    assert list(tables["ablations"]["variant"]) == ["lambda-0", "semax"]
    assert list(tables["buckets"]["entity"]) == ["user", "item"] * 2
    assert tables["tuning"].loc[0, "point"] == "l2_ids=0.01"
    folder = tmp_path / "toy"
    folder.mkdir()
    assert [p.name for p in results.write(folder, tables)] == [f"{n}.csv" for n in tables]
    back = load_results(tmp_path).tables["toy"]
    assert set(back) == set(RESULT_COLUMNS)
    pd.testing.assert_frame_equal(back["table3"], tables["table3"])


def test_bucket_rows_from_a_bundle_metrics_dict():
    m = {"by_user": [{"bucket": "0", "n": 3, "mae": 1.0, "rmse": 1.2}]}
    rows = results.bucket_rows(m, "semax", 2)
    assert rows == [
        {
            "method": "semax",
            "seed": 2,
            "entity": "user",
            "bucket": "0",
            "n": 3,
            "mae": 1.0,
            "rmse": 1.2,
        }
    ]


def test_summarize_mean_std_and_single_seed_std_is_zero():
    df = pd.DataFrame(
        {"m": ["a", "a", "b"], "seed": [0, 1, 0], "mae": [1.0, 3.0, 2.0], "rmse": [1.0, 1.0, 1.0]}
    )
    s = summarize(df, ["m"]).set_index("m")
    assert s.loc["a", "mae_mean"] == 2.0 and s.loc["a", "mae_std"] == pytest.approx(np.sqrt(2))
    assert s.loc["b", "mae_std"] == 0.0 and s.loc["b", "n_seeds"] == 1
    undefined = summarize(df, ["m"], single_seed_std=None).set_index("m")
    assert np.isnan(undefined.loc["b", "mae_std"]) and undefined.loc["a", "mae_std"] > 0


def test_summary_is_table3_per_method_best_rmse_first():
    df = pd.DataFrame(
        {
            "method": ["bias", "bias", "semax", "semax", "ncf"],
            "seed": [0, 1, 0, 1, 0],
            "mae": [1.0, 1.2, 0.8, 0.9, 1.0],
            "rmse": [1.3, 1.3, 1.0, 1.2, 1.25],
        }
    )
    s = summary(df)
    assert list(s.columns) == ["method", "mae_mean", "rmse_mean", "mae_std", "rmse_std", "seeds"]
    assert list(s["method"]) == ["semax", "ncf", "bias"]
    assert s.set_index("method").loc["semax", "mae_std"] == pytest.approx(
        np.std([0.8, 0.9], ddof=1)
    )
    assert np.isnan(s.set_index("method").loc["ncf", "rmse_std"])  # one seed: undefined


def test_pm():
    assert pm(0.85, 0.0707106) == "0.8500 ± 0.0707" and pm(1, 0, digits=2) == "1.00 ± 0.00"
