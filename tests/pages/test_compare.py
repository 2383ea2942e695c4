"""The Compare page under AppTest: a baseline trained on the current model's data in one click,
both models' errors and figures, the refusal of a model trained on other data, and `?vs=`."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from tests.pages.test_pages import open_page


def test_compare_against_a_baseline_trained_here(monkeypatch, app_bundle, fake_results):
    at = open_page("compare", monkeypatch, app_bundle, fake_results)
    assert any("Choose model B" in i.value for i in at.info)
    at.selectbox(key="compare.kind").set_value("bias")
    at.button(key="compare.train").click().run()
    job = at.session_state["studio.job.baseline"]
    assert job.wait(300) and job.status == "done", job.error
    assert "trained on cpu" in job.message
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.radio(key="compare.source").value == "Trained in this session"
    keys = {c.key for c in at.get("plotly_chart")}
    assert {"compare-user", "compare-item-diff", "compare-errors"} <= keys
    metrics = at.dataframe[0].value
    assert list(metrics["metric"]) == ["MAE", "RMSE"]
    assert {"A: semax", "B: bias", "95% low", "95% high"} <= set(metrics.columns)
    assert any("95% interval" in m.value for m in at.markdown)
    assert len(at.expander) >= 10  # the disagreements (and the baseline trainer)


def test_compare_refuses_a_model_trained_on_other_data(
    monkeypatch, app_bundle, tiny_run, fake_results
):
    monkeypatch.setenv("SEMAX_STUDIO_ROOT", "/")  # the test bundles' folders
    at = open_page("compare", monkeypatch, app_bundle, fake_results)
    at.radio(key="compare.source").set_value("Run folder").run()
    at.text_input(key="compare.folder").input(str(tiny_run[0])).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "cannot be compared" in errors and "different data" in errors
    assert at.query_params["vs"] == str(tiny_run[0])


def test_compare_opens_b_from_the_address(monkeypatch, app_bundle, bias_bundle, fake_results):
    monkeypatch.setenv("SEMAX_STUDIO_ROOT", str(bias_bundle.parents[1]))
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(app_bundle))
    monkeypatch.setenv("SEMAX_STUDIO_RESULTS", str(fake_results))
    from streamlit.testing.v1 import AppTest

    from tests.pages.test_pages import APP, page_file

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params = {"vs": str(bias_bundle)}
    at.switch_page(page_file("compare")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.radio(key="compare.source").value == "Run folder"
    table = at.dataframe[0].value
    assert {"A: semax", "B: bias"} <= set(table.columns)


def test_the_comparison_zip_holds_every_table_and_a_report(app_bundle, bias_bundle):
    from studio import compare, state

    a = state.load_model(str(app_bundle), None, 0.0)
    b = state.load_model(str(bias_bundle), None, 0.0)
    assert compare.problems(a, b) == []
    c = compare.compare(a, b, a.key, b.key)
    with zipfile.ZipFile(io.BytesIO(compare.archive(c, a, b))) as z:
        names = set(z.namelist())
        assert {"metrics.csv", "buckets.csv", "disagreements.csv", "comparison.html"} <= names
        back = pd.read_csv(z.open("metrics.csv"))
        html = z.read("comparison.html").decode()
    pd.testing.assert_frame_equal(back, compare.tables(c, "k")["metrics"], check_dtype=False)
    assert "Plotly.newPlot" in html and html.count("<table") >= 3
