"""Every page under streamlit's AppTest, on a tiny bundle (SEMAX_STUDIO_MODEL) and fake saved
results (SEMAX_STUDIO_RESULTS)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from studio.markup import unliteral
from studio.paths import ROOT_ENV
from tests.helpers import (
    LATE_USER,
    REPO,  # noqa: E402
    XSS_ITEM,
)

APP = str(REPO / "studio" / "router.py")  # the script each session runs


def page_file(name: str) -> str:
    """A page's script, for AppTest.switch_page (which resolves paths against the router's)."""
    return str(REPO / "pages" / f"{name}.py")


DEMO = REPO / "assets" / "semax-demo"
PAGES = ["home", "model", "predictor", "attention", "errors", "beta", "compare"]


def open_page(page: str, monkeypatch, model, results) -> AppTest:
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(model))
    monkeypatch.setenv("SEMAX_STUDIO_RESULTS", str(results))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page != "home":
        at.switch_page(page_file(page))
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


TRAIN_TAB = "Train a small model now"


def open_tab(at: AppTest, label: str) -> AppTest:
    """Switch the Model page's tabs (they run only the open one) as a click would."""
    at.session_state["tab"] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def keys(at: AppTest, kind: str) -> set:
    return {w.key for w in at.get(kind)}


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_model_page(monkeypatch, app_bundle, fake_results):
    at = open_page("home", monkeypatch, app_bundle, fake_results)
    assert at.sidebar.radio(key="studio.source_kind").value == "Bundled demo"
    at.switch_page(page_file("model")).run()
    assert at.title[0].value == "Model"
    assert {m.label: m.value for m in at.metric}["Model kind"] == "semax"
    assert [t.label for t in at.tabs] == ["Current model", "Dataset statistics", TRAIN_TAB]
    assert "train.go" not in keys(at, "button") and not at.code  # closed tabs do not run
    assert not any("SEMAX Studio model" in m.value for m in at.markdown)  # nor closed expanders
    at.session_state["model.card"] = True  # open the model card, as a click would
    at.run()
    assert any("SEMAX Studio model" in m.value for m in at.markdown)
    open_tab(at, "Dataset statistics")
    assert any("reviews" in c.value and "users" in c.value for c in at.code)  # Table 1
    assert "Model kind" not in {m.label for m in at.metric}
    open_tab(at, TRAIN_TAB)
    assert "train.go" in keys(at, "button")
    assert {"train.kind", "train.dim", "train.format"} <= keys(at, "selectbox")


def test_the_model_page_opens_the_tab_its_address_names(monkeypatch, app_bundle, fake_results):
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(app_bundle))
    monkeypatch.setenv("SEMAX_STUDIO_RESULTS", str(fake_results))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["tab"] = TRAIN_TAB
    at.switch_page(page_file("model")).run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert "train.go" in keys(at, "button")


def test_the_model_page_also_opens_at_its_own_address(monkeypatch, app_bundle, fake_results):
    at = open_page("errors", monkeypatch, app_bundle, fake_results)
    at.switch_page(page_file("model")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Model"
    assert {m.label: m.value for m in at.metric}["Model kind"] == "semax"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page, monkeypatch, app_bundle, fake_results):
    at = open_page(page, monkeypatch, app_bundle, fake_results)
    assert not at.error, [e.value for e in at.error]
    if page == "model":
        open_tab(at, TRAIN_TAB)
    if page == "home":
        return  # (its own tests below)
    expected = {
        "model": ("button", {"train.go"}),
        "predictor": ("selectbox", {"pred.user", "pred.item"}),
        "attention": ("selectbox", {"att.user", "att.item", "att.review"}),
        "errors": ("selectbox", {"err.dataset"}),
        "beta": ("button", {"beta.go"}),
        "compare": ("radio", {"compare.source"}),
    }[page]
    assert expected[1] <= keys(at, expected[0])


def test_predictor_prediction_changes_with_the_what_if_text(monkeypatch, app_bundle, fake_results):
    at = open_page("predictor", monkeypatch, app_bundle, fake_results)
    assert "Predicted rating r̂_uv" in [m.label for m in at.metric]
    assert {"pred.whatif"} <= keys(at, "text_area") and "pred.top" in keys(at, "slider")
    assert len(at.dataframe) == 1  # top-N items

    def answer(text: str) -> tuple[str, str]:
        at.text_area(key="pred.whatif").input(text).run()
        assert not at.exception, [e.value for e in at.exception]
        r_y = next(c for c in captions(at) if c.startswith("r̂_y = "))
        moved = next(c for c in captions(at) if c.startswith("before "))
        return r_y, moved

    first = answer("great great good love sturdy")
    second = answer("awful bad broken hate cheap awful")
    assert first[0] != second[0]  # r_y of the typed text
    assert first[1] != second[1]  # r_uv after adding it to the user's history
    at.radio(key="pred.side").set_value("item").run()  # the same review, in the item's history
    assert at.query_params["side"] == "item"  # the address keeps the side
    assert "the item's history" in " ".join(m.label for m in at.metric)
    assert next(c for c in captions(at) if c.startswith("before ")) != second[1]
    assert re.match(r"before \d\.\d{4} → after \d\.\d{4}", second[1])
    assert any(h.value.count('class="semax-word"') == 6 for h in at.get("html"))  # coloured words


def test_predictor_labels_cold_start(monkeypatch, app_bundle, fake_results):
    at = open_page("predictor", monkeypatch, app_bundle, fake_results)
    at.selectbox(key="pred.user").set_value(LATE_USER).run()
    assert not at.exception
    assert any(c.startswith("cold-start user") for c in captions(at))


def test_attention_page_escapes_review_text(monkeypatch, app_bundle, fake_results):
    at = open_page("attention", monkeypatch, app_bundle, fake_results)
    at.selectbox(key="att.item").set_value(XSS_ITEM).run()
    assert not at.exception
    bodies = " ".join(h.value for h in at.get("html"))
    assert "&lt;script&gt;" in bodies and "<script" not in bodies
    assert "<img" not in bodies
    assert any("convergence delta" in c for c in captions(at))  # IG beside the attention
    assert any(m.value.startswith("**Does the related task read the text?**") for m in at.markdown)
    keys_ = {c.key for c in at.get("plotly_chart")}
    assert {"att-heatmap", "att-drivers"} <= keys_


def test_attention_filters_by_word_and_rating(monkeypatch, app_bundle, fake_results):
    at = open_page("attention", monkeypatch, app_bundle, fake_results)
    at.text_input(key="att.word").input("bold").run()
    assert captions(at)[0].startswith("1 matching review")
    at.slider(key="att.rating").set_value((4.0, 5.0)).run()
    assert any("No review matches" in i.value for i in at.info)


def test_models_without_related_task_show_a_note(monkeypatch, sema_bundle, fake_results):
    at = open_page("attention", monkeypatch, sema_bundle, fake_results)
    assert any("no related task" in i.value for i in at.info)
    assert not any("Does the related task read the text?" in m.value for m in at.markdown)
    assert "att-heatmap" not in {c.key for c in at.get("plotly_chart")}
    at.switch_page(page_file("predictor")).run()
    at.text_area(key="pred.whatif").input("great sound").run()
    assert not at.exception
    assert any("no related task" in i.value for i in at.info)
    assert any(c.startswith("before ") for c in captions(at))  # SEMA still reads histories


def test_errors_page_shows_saved_results(monkeypatch, app_bundle, fake_results):
    at = open_page("errors", monkeypatch, app_bundle, fake_results)
    table = at.dataframe[0].value
    assert list(table["method"]) == ["bias", "ncf", "sema", "semax"]
    assert table["MAE"].str.contains("±").all()
    chart_keys = {c.key for c in at.get("plotly_chart")}
    assert {"err-table3", "err-buckets-user", "err-buckets-item", "err-ablations"} <= chart_keys
    open_tab(at, "Current model")  # (only the open tab runs)
    assert {"err-current-user", "err-current-item"} <= {c.key for c in at.get("plotly_chart")}
    at.radio(key="err.metric").set_value("mae").run()
    assert not at.exception


def test_pages_without_saved_results_say_so(monkeypatch, app_bundle, tmp_path):
    for page in ("errors", "beta"):
        at = open_page(page, monkeypatch, app_bundle, tmp_path / "nothing")
        assert any("No saved results yet" in i.value for i in at.info), page


def test_beta_page_plots_saved_sweeps(monkeypatch, app_bundle, fake_results):
    at = open_page("beta", monkeypatch, app_bundle, fake_results)
    assert "beta-saved-toy" in {c.key for c in at.get("plotly_chart")}
    assert "beta.values" in keys(at, "multiselect")


def test_missing_model_source_is_a_clear_error(monkeypatch, fake_results, tmp_path):
    # (AppTest drops the entry script's sidebar elements after switch_page: check it first)
    at = open_page("home", monkeypatch, tmp_path / "no-such-model", fake_results)
    assert any("no such model folder" in e.value for e in at.sidebar.error)
    at.switch_page(page_file("predictor")).run()
    assert not at.exception
    assert any("No model loaded" in i.value for i in at.info)


def test_train_a_small_model_now_and_save_it(
    monkeypatch, app_bundle, fake_results, review_file, tmp_path
):
    monkeypatch.setenv(ROOT_ENV, str(tmp_path.parent))  # the data and the bundle lie in it
    at = open_page("model", monkeypatch, app_bundle, fake_results)
    open_tab(at, TRAIN_TAB)
    at.radio(key="train.where").set_value("Local path").run()
    at.text_input(key="train.path").input(str(review_file))
    at.number_input(key="train.epochs").set_value(1)
    at.selectbox(key="train.dim").set_value(8)
    at.button(key="train.go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    job = at.session_state["studio.job.train"]
    assert job.wait(300) and job.status == "done", job.error
    assert job.steps and job.epochs  # the live loss curve's points
    at.run()
    # (AppTest keeps the entry script's sidebar only on the first run: read the state instead)
    assert at.session_state["studio.current"].label.startswith("trained now")
    assert any("trained now" in c.value for c in at.caption)
    assert "train-final-loss" in {c.key for c in at.get("plotly_chart")}
    out = tmp_path / "saved"
    open_tab(at, "Current model")  # the trained model is the current one there
    form_input = next(t for t in at.text_input if t.label.startswith("Save this model"))
    form_input.input(str(out))
    next(b for b in at.button if b.label == "Save bundle").click().run()
    assert any(str(out) in unliteral(s.value) for s in at.success)
    from semax.bundle import hub

    assert hub.load(out).kind == "semax"


@pytest.mark.skipif(
    not (DEMO / "model.safetensors").exists(),
    reason=f"the bundled demo model is not built ({DEMO})",
)
@pytest.mark.parametrize("page", PAGES)
def test_pages_on_the_bundled_demo(page, monkeypatch, fake_results):
    monkeypatch.delenv("SEMAX_STUDIO_MODEL", raising=False)
    monkeypatch.setenv("SEMAX_STUDIO_RESULTS", str(fake_results))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    if page != "home":
        at.switch_page(page_file(page)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    if page == "attention":  # the demo's r̂_y against the bag-of-words reference, in words
        notes = [m.value for m in at.markdown if "Does the related task read the text?" in m.value]
        assert len(notes) == 1 and "bag-of-words" in notes[0], notes


def test_train_on_an_upload_with_a_size_limit(monkeypatch, app_bundle, fake_results, review_file):
    from studio.uploads import upload_limit_mb

    at = open_page("model", monkeypatch, app_bundle, fake_results)
    open_tab(at, TRAIN_TAB)
    MAX_UPLOAD_MB = upload_limit_mb()
    big = b" " * int((MAX_UPLOAD_MB + 1) * 2**20)
    at.file_uploader(key="train.upload").set_value(("big.json", big, "application/json")).run()
    at.button(key="train.go").click().run()
    assert any(f"over the app's {MAX_UPLOAD_MB:g} MB limit" in unliteral(e.value) for e in at.error)
    assert "studio.job.train" not in at.session_state
    payload = review_file.read_bytes()
    at.file_uploader(key="train.upload").set_value(("reviews.json", payload, "application/json"))
    at.number_input(key="train.epochs").set_value(1)
    at.selectbox(key="train.kind").set_value("bias")
    at.button(key="train.go").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("Read 300 reviews (amazon2014)" in c.value for c in at.caption)
    job = at.session_state["studio.job.train"]
    assert job.wait(300) and job.status == "done", job.error
    at.run()
    current = at.session_state["studio.current"]
    assert current.bundle.kind == "bias" and current.label == "trained now on reviews.json"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_a_baseline_without_text(page, monkeypatch, bias_bundle, fake_results):
    at = open_page(page, monkeypatch, bias_bundle, fake_results)
    assert not at.error, [e.value for e in at.error]
    if page == "predictor":
        at.text_area(key="pred.whatif").input("great sound").run()
        assert not at.exception
        notes = " ".join(i.value for i in at.info)
        assert "no related task" in notes and "what-if reviews need a SEMAX model" in notes
    if page == "attention":
        assert any("does not read review histories" in i.value for i in at.info)


def test_training_shows_progress_and_can_be_cancelled(
    monkeypatch, app_bundle, fake_results, tmp_path
):
    from tests.helpers import tiny_frame, write_amazon

    big = write_amazon(tiny_frame(3000, n_users=60, n_items=40, seed=3), tmp_path / "big.json")
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    at = open_page("model", monkeypatch, app_bundle, fake_results)
    open_tab(at, TRAIN_TAB)
    at.radio(key="train.where").set_value("Local path").run()
    at.text_input(key="train.path").input(str(big))
    at.number_input(key="train.epochs").set_value(20)
    at.button(key="train.go").click().run()
    job = at.session_state["studio.job.train"]
    assert job.running
    assert len(at.get("progress")) == 1  # the live panel: progress bar, loss curve, cancel
    assert "train-live-loss" in {c.key for c in at.get("plotly_chart")}
    at.run()
    assert at.button(key="train.go").disabled  # one training at a time
    at.button(key="train-cancel").click().run()
    assert job.wait(300) and job.status == "cancelled"
    at.run()
    assert any("Cancelled after" in w.value for w in at.warning)
    assert at.session_state["studio.current"].label == str(app_bundle)  # the model stays


def test_sidebar_sources(monkeypatch, app_bundle, fake_results, tmp_path):
    at = open_page("predictor", monkeypatch, app_bundle, fake_results)
    source = at.sidebar.radio(key="studio.source_kind")
    source.set_value("Train a small model now").run()
    assert not at.exception
    assert any("No model trained in this session yet" in i.value for i in at.sidebar.info)
    assert any("No model loaded" in i.value for i in at.info)  # the page says so too
    at.sidebar.radio(key="studio.source_kind").set_value("Hub repo").run()
    at.sidebar.text_input(key="studio.repo_id").input("not a repo id!").run()
    assert any("a Hub repo id is OWNER/NAME" in unliteral(e.value) for e in at.sidebar.error)
    at.sidebar.radio(key="studio.source_kind").set_value("Run folder").run()
    at.sidebar.text_input(key="studio.run_folder").input(str(app_bundle)).run()
    assert any("outside the app's data root" in unliteral(e.value) for e in at.sidebar.error)
    monkeypatch.setenv(ROOT_ENV, str(tmp_path.parent))  # the bundle's folder lies in it
    at.sidebar.text_input(key="studio.run_folder").input(f" {app_bundle}").run()
    assert not at.exception and not at.sidebar.error
    assert "Predicted rating r̂_uv" in [m.label for m in at.metric]


@pytest.mark.skipif(
    not (DEMO / "model.safetensors").exists(),
    reason=f"the bundled demo model is not built ({DEMO})",
)
@pytest.mark.parametrize("page, charts", [("errors", 4), ("beta", 2)])
def test_result_pages_draw_the_committed_results(page, charts, monkeypatch):
    results = REPO / "results"
    if not (results / "musical_instruments" / "table3.csv").exists():
        pytest.skip("no committed results")
    monkeypatch.delenv("SEMAX_STUDIO_MODEL", raising=False)
    monkeypatch.setenv("SEMAX_STUDIO_RESULTS", str(results))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(page_file(page)).run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert len(at.get("plotly_chart")) >= charts


# -- sharing a view by its address (studio.share) ---------------------------------------------


def open_address(page: str, params: dict, monkeypatch, model, results) -> AppTest:
    """A fresh session opening `/<page>?<params>` (the test bundles' folder as the data root)."""
    monkeypatch.setenv("SEMAX_STUDIO_ROOT", str(model.parents[1]))
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(model))
    monkeypatch.setenv("SEMAX_STUDIO_RESULTS", str(results))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params = dict(params)
    if page != "home":  # (the default page: AppTest keeps the sidebar of a first run only)
        at.switch_page(page_file(page))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_predictor_view_round_trips_through_the_address(monkeypatch, app_bundle, fake_results):
    at = open_address(
        "predictor", {"user": "u3", "item": "i2"}, monkeypatch, app_bundle, fake_results
    )
    assert at.selectbox(key="pred.user").value == "u3"
    assert at.selectbox(key="pred.item").value == "i2"
    at.selectbox(key="pred.user").set_value("u5").run()
    shared = dict(at.query_params)
    assert shared["user"] == "u5" and shared["item"] == "i2"  # the address follows the view
    again = open_address("predictor", shared, monkeypatch, app_bundle, fake_results)
    assert again.selectbox(key="pred.user").value == "u5"  # reload: the same view
    rating = next(m.value for m in again.metric if m.label == "Predicted rating r̂_uv")
    assert rating == next(m.value for m in at.metric if m.label == "Predicted rating r̂_uv")


def test_the_attention_view_and_the_model_source_round_trip(
    monkeypatch, app_bundle, bias_bundle, fake_results
):
    params = {"review": "7", "model": str(app_bundle)}
    at = open_address("attention", params, monkeypatch, bias_bundle, fake_results)
    assert at.session_state["studio.source_kind"] == "Run folder"
    assert at.session_state["studio.current"].bundle.kind == "semax"  # not the startup bias
    assert at.selectbox(key="att.review").value == 7
    assert at.query_params["model"] == str(app_bundle) and at.query_params["review"] == "7"


def test_bad_address_parameters_give_messages_not_exceptions(monkeypatch, app_bundle, fake_results):
    params = {"review": "banana", "user": "nobody", "colour": "red"}
    at = open_address("attention", params, monkeypatch, app_bundle, fake_results)
    warnings = " ".join(unliteral(w.value) for w in at.warning)  # shown as text, not markdown
    assert "review 'banana' from the address is not a review id" in warnings
    assert "user 'nobody' from the address is not in this model's data" in warnings
    assert "Unknown address parameter(s) ignored: colour" in warnings
    at = open_address("predictor", {"user": "nobody"}, monkeypatch, app_bundle, fake_results)
    assert at.selectbox(key="pred.user").value == "nobody"  # a new, cold-start user
    assert any("treated as a new (cold-start) user" in unliteral(i.value) for i in at.info)
    at = open_address("home", {"model": "/no/such/model"}, monkeypatch, app_bundle, fake_results)
    assert at.sidebar.error and not at.exception  # outside the data root, or no such folder


def test_the_sidebar_names_the_source_actually_loaded(monkeypatch, app_bundle, fake_results):
    at = open_page("home", monkeypatch, app_bundle, fake_results)
    assert any(f"Loaded: `{app_bundle}`" in c.value for c in at.sidebar.caption)
    labels = at.sidebar.radio(key="studio.source_kind").options
    assert labels[0] == "Startup model (SEMAX_STUDIO_MODEL)"  # not "Bundled demo"


def test_tables_have_csv_downloads_that_parse_back(monkeypatch, app_bundle, fake_results):
    import io

    import pandas as pd

    from studio import export

    at = open_page("errors", monkeypatch, app_bundle, fake_results)
    buttons = [b for b in at.get("download_button")]
    labels = [b.proto.label for b in buttons]
    assert "Table as CSV" in labels and "Figure as HTML" in labels
    shown = at.dataframe[0].value
    back = pd.read_csv(io.BytesIO(export.csv_bytes(shown)))
    pd.testing.assert_frame_equal(back, shown.reset_index(drop=True), check_dtype=False)


def test_training_reads_only_inside_the_data_root_and_shows_file_text_literally(
    monkeypatch, app_bundle, fake_results, tmp_path
):
    from studio.markup import literal

    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    table = tmp_path / "table.csv"
    table.write_text("who,:x: **b** <i>h</i>,$x$\nu,v,w\n")
    at = open_page("model", monkeypatch, app_bundle, fake_results)
    open_tab(at, TRAIN_TAB)
    at.radio(key="train.where").set_value("Local path").run()
    for path in ("/etc/passwd", "../x.json"):
        at.text_input(key="train.path").input(path)
        at.button(key="train.go").click().run()
        assert [unliteral(e.value) for e in at.error] == [
            f"{path}: outside the app's data root {tmp_path.resolve()} (the server sets it "
            f"with {ROOT_ENV})"
        ]
    at.text_input(key="train.path").input("table.csv")
    at.button(key="train.go").click().run()
    (message,) = [unliteral(e.value) for e in at.error]
    assert message.endswith("the columns are: who, :x: **b** <i>h</i>, $x$")
    assert at.error[0].value == literal(message)  # markdown that shows the text as it is
    assert "studio.job.train" not in at.session_state


def test_pickers_search_instead_of_listing_many_ids(monkeypatch, app_bundle, fake_results):
    import studio.pickers

    monkeypatch.setattr(studio.pickers, "MANY", 3)  # the test bundle's ids count as many
    monkeypatch.setattr(studio.pickers, "SHOWN", 2)
    at = open_address("predictor", {"user": "u5"}, monkeypatch, app_bundle, fake_results)
    users = at.selectbox(key="pred.user")
    assert users.value == "u5" and len(users.options) == 3, users.options  # the pick stays listed
    at.text_input(key="pred.user.search").input("u1").run()
    assert not at.exception, [e.value for e in at.exception]
    users = at.selectbox(key="pred.user")
    assert users.value == "u1"  # a new search picks its first match
    assert all("u1" in o for o in users.options) and len(users.options) <= 3
    at.switch_page(page_file("attention")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert {"att.user.search", "att.item.search"} <= keys(at, "text_input")
    assert at.selectbox(key="att.user").value is None  # "any user" until one is picked


def test_figure_toolbars_save_the_image_format_chosen_in_the_sidebar(
    monkeypatch, app_bundle, fake_results
):
    import json

    at = open_page("home", monkeypatch, app_bundle, fake_results)
    assert at.sidebar.radio(key="studio.image_format").options == ["PNG", "SVG"]
    at.sidebar.radio(key="studio.image_format").set_value("svg").run()
    at.switch_page(page_file("errors")).run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    formats = {json.loads(c.proto.config)["toImageButtonOptions"]["format"] for c in charts}
    assert charts and formats == {"svg"}
