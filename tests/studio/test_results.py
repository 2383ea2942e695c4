"""studio.results: saved results in the app (cached), Table 3 for display, bucket errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from studio import results
from studio.results import metrics_buckets, numbers, table3_table
from tests.helpers import write_fake_results


def test_table3_table_has_mean_plus_minus_std_in_paper_order(tmp_path):
    df = pd.DataFrame(
        {
            "method": ["semax", "semax", "bias", "bias"],
            "seed": [0, 1, 0, 1],
            "mae": [0.8, 0.9, 1.0, 1.0],
            "rmse": [1.0, 1.2, 1.3, 1.3],
        }
    )
    t = table3_table(df)
    assert list(t["method"]) == ["bias", "semax"]
    assert t.loc[1, "MAE"] == f"{0.85:.4f} ± {np.std([0.8, 0.9], ddof=1):.4f}"
    assert t.loc[0, "RMSE"] == "1.3000 ± 0.0000" and list(t["seeds"]) == [2, 2]
    assert "train s" not in t
    timed = table3_table(df.assign(train_seconds=[1.0, 2.0, 3.0, 4.0]))
    assert list(timed["train s"]) == [3.5, 1.5]


def test_metrics_buckets_from_a_bundle_metrics_dict():
    m = {
        "by_user": [{"bucket": "0", "n": 3, "mae": 1.0, "rmse": 1.2}],
        "by_item": [{"bucket": "0", "n": 0, "mae": float("nan"), "rmse": float("nan")}],
    }
    f = metrics_buckets(m, "semax")
    assert list(f["entity"]) == ["user"] and f.loc[0, "method"] == "semax"
    assert list(f.columns) == ["method", "seed", "entity", "bucket", "n", "mae", "rmse"]


def test_saved_results_are_read_again_when_a_file_changes(tmp_path, monkeypatch):
    from semax.experiments import results as files

    root = write_fake_results(tmp_path / "results")
    monkeypatch.setenv("SEMAX_STUDIO_RESULTS", str(root))
    reads = []
    read = files.load_results
    monkeypatch.setattr(files, "load_results", lambda folder: reads.append(folder) or read(folder))
    assert results.root() == root
    first = results.saved()
    assert set(first.tables["toy"]) == {"table3", "buckets", "beta", "ablations"}
    assert set(results.saved().tables["toy"]) == set(first.tables["toy"])
    assert len(reads) == 1  # cached while no file changes
    (root / "toy" / "ablations.csv").unlink()
    assert "ablations" not in results.saved().tables["toy"]
    assert len(reads) == 2
    assert str(root) in results.missing_note(root)


def test_figures_and_numbers_of_saved_tables(tmp_path):
    t = results.saved(write_fake_results(tmp_path / "results")).tables["toy"]
    for name in ("table3", "buckets", "beta", "ablations"):
        assert isinstance(results.figure(name, t[name]), go.Figure), name
    beta = numbers(t["beta"], "beta")
    assert list(beta["beta"]) == sorted(beta["beta"]) and (beta["n_seeds"] == 3).all()
