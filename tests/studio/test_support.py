"""studio.support: saved results, review filters, escaping, background jobs, uploads."""

from __future__ import annotations

import html
import time

import numpy as np
import pandas as pd
import pytest

from studio.support import (
    Job,
    SmallTraining,
    beta_sweep_job,
    filter_reviews,
    load_results,
    metrics_buckets,
    read_upload,
    results_signature,
    signed_words_html,
    table3_table,
    text_html,
    training_job,
    weighted_words_html,
)
from tests.helpers import XSS_TEXT, app_frame, tiny_frame, write_amazon, write_fake_results


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


def test_metrics_buckets_from_a_bundle_metrics_dict():
    m = {
        "by_user": [{"bucket": "0", "n": 3, "mae": 1.0, "rmse": 1.2}],
        "by_item": [{"bucket": "0", "n": 0, "mae": float("nan"), "rmse": float("nan")}],
    }
    f = metrics_buckets(m, "semax")
    assert list(f["entity"]) == ["user"] and f.loc[0, "method"] == "semax"


def test_filter_reviews_by_user_item_rating_and_whole_word():
    df = app_frame()
    assert set(filter_reviews(df, user="u1")["user"]) == {"u1"}
    hits = filter_reviews(df, word="script")
    assert len(hits) == 3 and hits["text"].str.contains("<script>").all()
    assert filter_reviews(df, word="scrip").empty  # whole words only
    assert filter_reviews(df, word="(").empty  # a regex character is taken literally
    low = filter_reviews(df, ratings=(1.0, 2.0))
    assert low["rating"].between(1, 2).all() and len(low) > 0


def test_html_builders_escape_every_word():
    words = ["<script>", 'x"onmouseover="y', "&amp;"]
    for out in (
        weighted_words_html(words, [0.2, 0.5, 0.3], known=[True, False, True]),
        signed_words_html(words, [0.1, -0.5, 0.0]),
    ):
        assert "<script>" not in out and "&lt;script&gt;" in out
        assert 'x"onmouseover' not in out and "&amp;amp;" in out
        assert out.count('class="semax-word"') == 3
    block = text_html(XSS_TEXT)
    assert "<img" not in block and "<script" not in block
    assert html.unescape(block.split(">", 1)[1].rsplit("<", 1)[0]) == XSS_TEXT


def test_weights_map_to_background_opacity():
    out = weighted_words_html(["a", "b"], [0.25, 0.5])
    assert "0.500)" in out and "1.000)" in out


def test_job_reports_result_error_and_cancel():
    ok = Job("ok", lambda job: 42).start()
    assert ok.wait(10) and ok.status == "done" and ok.result == 42 and ok.progress == 1.0
    bad = Job("bad", lambda job: 1 / 0).start()
    assert bad.wait(10) and bad.status == "error" and "ZeroDivisionError" in bad.error

    def slow(job):
        while not job.cancelled:
            time.sleep(0.01)

    slow_job = Job("slow", slow).start()
    assert slow_job.running
    slow_job.cancel()
    assert slow_job.wait(10) and slow_job.status == "cancelled"


def test_training_job_trains_a_small_model_with_live_progress():
    settings = SmallTraining(
        kind="semax", epochs=1, dim=4, max_words=12, max_history=3, min_count=1, batch_size=64
    )
    job = training_job(tiny_frame(300), settings, data_source="tiny.json").start()
    assert job.wait(300) and job.status == "done", job.error
    assert job.result.kind == "semax" and job.result.model.cfg.beta == 0.4
    assert job.steps and job.steps[-1]["step"] == len(job.steps) and len(job.epochs) == 1
    assert "--dim 4" in job.result.config["command"]


def test_training_job_keeps_the_kind_default_beta_for_sema():
    settings = SmallTraining(
        kind="sema", epochs=1, dim=4, max_words=12, max_history=3, min_count=1, batch_size=64
    )
    job = training_job(tiny_frame(200), settings).start()
    assert job.wait(300) and job.status == "done", job.error
    assert job.result.model.cfg.beta == 1.0 and not job.result.model.cfg.related_task


def test_training_job_can_be_cancelled():
    settings = SmallTraining(epochs=5, dim=4, max_words=12, min_count=1, batch_size=16)
    job = training_job(tiny_frame(400), settings)
    job.cancel()  # before the first step: the callback cancels at once
    job.start()
    assert job.wait(300) and job.status == "cancelled"
    assert len(job.steps) <= 1


def test_live_beta_sweep_rows_per_beta():
    job = beta_sweep_job(
        tiny_frame(300),
        [0.2, 1.0],
        epochs=1,
        dim=4,
        max_ratings=250,
        data_config={"max_words": 12, "max_history": 3, "min_count": 1},
    ).start()
    assert job.wait(300) and job.status == "done", job.error
    assert list(job.result["beta"]) == [0.2, 1.0]
    assert job.result[["mae", "rmse"]].notna().all().all()


def test_read_upload_reads_any_format_through_a_temp_file(tmp_path):
    path = write_amazon(tiny_frame(50), tmp_path / "r.json")
    df, report = read_upload("reviews.json", path.read_bytes())
    assert len(df) == 50 and report.format == "amazon2014" and report.source == "reviews.json"
    csv = tiny_frame(30).to_csv(index=False).encode()
    df, report = read_upload("../../etc/evil name.csv", csv)
    assert len(df) == 30


def test_read_upload_refuses_files_over_the_limit():
    from semax.errors import DataError

    with pytest.raises(
        DataError, match=r"big\.json: .* over the app's 0\.001 MB limit.*python -m semax train"
    ):
        read_upload("big.json", b"x" * 5000, limit_mb=0.001)


def test_card_body_drops_the_yaml_front_matter():
    from studio.support import card_body

    assert card_body("---\nlicense: mit\ntags:\n- a\n---\n\n# Title\ntext\n") == "# Title\ntext\n"
    assert card_body("# Title\n---\nx\n---\n") == "# Title\n---\nx\n---\n"
