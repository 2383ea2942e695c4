"""The home page under AppTest: what is loaded, the headline beside the strongest baseline (saved
results on the same test split, or one trained in this session), and the guided tour's links,
each opening its page on its example."""

from __future__ import annotations

from urllib.parse import parse_qsl

from studio.markup import unliteral
from tests.helpers import write_fake_results, write_results_like
from tests.pages.test_pages import open_address, open_page


def links(at) -> dict[str, tuple[str, dict]]:
    """The page's links by label: (page, query parameters)."""
    out = {}
    for link in at.get("page_link"):
        p = link.proto
        out[p.label] = (p.page, dict(parse_qsl(p.query_string)))
    return out


def texts(at) -> str:
    return " ".join(unliteral(e.value) for e in [*at.markdown, *at.caption, *at.info])


def test_the_home_page_says_what_is_loaded_and_what_to_try(monkeypatch, app_bundle, fake_results):
    at = open_page("home", monkeypatch, app_bundle, fake_results)
    assert at.title[0].value == "SEMAX Studio"
    shown = texts(at)
    assert "Multi-Task Learning for Improving Recommendations" in shown and "IEEE Access" in shown
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Model kind"] == "semax" and metrics["Reviews"] == "405"
    assert (
        metrics["semax: test RMSE"]
        == f"{at.session_state['studio.current'].bundle.metrics['rmse']:.4f}"
    )
    assert "Trained on app-test.json" in shown and "Chronological split" in shown
    # the fake results' test split is not this model's: no baseline, and a way to train one
    assert "No baseline on this data and test split yet" in shown
    found = links(at)
    assert found["Compare it with a baseline on the same test split"][0] == "compare"
    assert [s.value for s in at.markdown if s.value[:4] in ("**1.", "**2.", "**3.", "**4.")] == [
        "**1. Predict a rating for a user and an item**",
        "**2. Ask a what-if**",
        "**3. See which words the model reads in that user's reviews**",
        "**4. See where the model errs, and against what**",
    ]
    # the examples come from the data by their rules
    reviews = at.session_state["studio.current"].data.reviews
    page, pair = found["Predict it"]
    assert page == "predictor" and set(pair) == {"user", "item"}
    assert pair["item"] not in set(reviews.loc[reviews["user"] == pair["user"], "item"])
    page, att = found["Read the attention"]
    assert page == "attention" and att["user"] == pair["user"]
    assert reviews.at[int(att["review"]), "user"] == pair["user"]
    assert found["Try the what-if"][1]["whatif"]


def test_each_step_opens_its_page_on_its_example(monkeypatch, app_bundle, fake_results):
    found = links(open_page("home", monkeypatch, app_bundle, fake_results))
    _, pair = found["Predict it"]
    at = open_address("predictor", pair, monkeypatch, app_bundle, fake_results)
    assert at.selectbox(key="pred.user").value == pair["user"]
    assert at.selectbox(key="pred.item").value == pair["item"]

    _, what_if = found["Try the what-if"]
    at = open_address("predictor", what_if, monkeypatch, app_bundle, fake_results)
    assert at.text_area(key="pred.whatif").value == what_if["whatif"]
    assert any(c.value.startswith("r̂_y = ") for c in at.caption)  # the what-if is answered
    assert any(c.value.startswith("before ") for c in at.caption)
    assert at.query_params["whatif"] == what_if["whatif"]  # the address keeps it

    _, att = found["Read the attention"]
    at = open_address("attention", att, monkeypatch, app_bundle, fake_results)
    assert at.selectbox(key="att.review").value == int(att["review"])
    assert at.selectbox(key="att.user").value == att["user"]

    page, errs = found["Errors by rating count"]
    at = open_address(page, errs, monkeypatch, app_bundle, fake_results)
    assert {"err-current-user", "err-current-item"} <= {c.key for c in at.get("plotly_chart")}

    page, params = found["Compare it with a baseline on the same test split"]
    at = open_address(page, params, monkeypatch, app_bundle, fake_results)
    assert any("Choose model B" in i.value for i in at.info)


def test_the_strongest_baseline_on_the_same_split_from_saved_results(
    monkeypatch, app_bundle, tmp_path
):
    root = write_fake_results(tmp_path / "results")  # "toy": another test split
    rmse = {"semax": 0.9, "bias": 1.2, "mf": 1.1, "rolling-bias": 1.0}
    write_results_like(root, app_bundle, rmse, dataset="zz-same")
    at = open_page("home", monkeypatch, app_bundle, root)
    metrics = {unliteral(m.label): m.value for m in at.metric}
    assert metrics["Strongest baseline: rolling-bias"] == "1.0000"
    shown = texts(at)
    assert "the strongest baseline **rolling-bias** (1.0000, MAE 0.8000)" in shown
    assert "zz-same/table3.csv, mean of 2 seed(s)" in shown
    page, params = links(at)["Table 3 on the Errors page"]
    assert page == "errors" and params["dataset"] == "zz-same"
    at = open_address(page, params, monkeypatch, app_bundle, root)
    assert at.selectbox(key="err.dataset").value == "zz-same"  # (not the first, "toy")
    assert "rolling-bias" in list(at.dataframe[0].value["method"])


def test_a_baseline_trained_in_this_session_counts(
    monkeypatch, app_bundle, bias_bundle, fake_results
):
    from studio import compare, state

    at = open_page("home", monkeypatch, app_bundle, fake_results)
    b = state.load_model(str(bias_bundle), None, 0.0)  # trained on the same data and split
    at.session_state[compare.BASELINE_KEY] = b
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {unliteral(m.label): m.value for m in at.metric}
    assert metrics["Strongest baseline: bias"] == f"{b.bundle.metrics['rmse']:.4f}"
    assert "trained on this model's data in this session" in texts(at)
    page, params = links(at)["Compare it with a baseline on the same test split"]
    assert params["baseline"] == "bias"  # the Compare page trains (or shows) that kind
    at = open_address(page, params, monkeypatch, app_bundle, fake_results)
    assert at.selectbox(key="compare.kind").value == "bias"


def test_the_home_page_of_a_model_without_attention(monkeypatch, bias_bundle, fake_results):
    at = open_page("home", monkeypatch, bias_bundle, fake_results)
    shown = texts(at)
    assert "bias has no word attention" in shown and "bias reads no texts at all" in shown
    assert "bias predicts r̂_uv from the ids alone" in shown
    _, att = links(at)["Read the attention"]
    at = open_address("attention", att, monkeypatch, bias_bundle, fake_results)
    assert at.selectbox(key="att.review").value == int(att["review"])
