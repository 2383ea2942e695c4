"""End to end: `streamlit run` on 127.0.0.1 driven in headless Debian Chromium with Playwright.
Skipped where Chromium or Playwright is missing, unless SEMAX_REQUIRE_E2E=1 (then they fail)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studio.browser import (
    CHROMIUM,
    AppServer,
    choose,
    exceptions,
    go_to,
    launch,
    text_of,
    type_and_submit,
    wait_idle,
    wait_text_change,
)
from tests.helpers import LATE_USER

pytestmark = pytest.mark.e2e
WHAT_IF = "Type reviews as this user about this item (a blank line between reviews)"


def require_browser() -> None:
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed (pip install playwright)"
    if missing:
        if os.environ.get("SEMAX_REQUIRE_E2E") == "1":
            pytest.fail(f"end-to-end test needs a browser: {missing} (SEMAX_REQUIRE_E2E=1)")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def server(app_bundle, tmp_path_factory):
    require_browser()
    from tests.helpers import write_fake_results

    results = write_fake_results(tmp_path_factory.mktemp("e2e") / "results")
    log = tmp_path_factory.mktemp("e2e-log") / "streamlit.log"
    env = {"SEMAX_STUDIO_MODEL": str(app_bundle), "SEMAX_STUDIO_RESULTS": str(results)}
    env["SEMAX_STUDIO_ROOT"] = str(tmp_path_factory.getbasetemp())  # the tests' files lie in it
    with AppServer(env, log=log) as srv:
        yield srv


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        p = browser.new_page(viewport={"width": 1400, "height": 1000})
        p.set_default_timeout(90_000)
        yield p
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    where = os.environ.get("SEMAX_SCREENSHOTS")
    folder = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snap(page, shots: Path, name: str) -> None:
    wait_idle(page)
    assert not exceptions(page), exceptions(page)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


# (first in this file: the server is fresh, so `/model` is this process's very first visit, the
# case where Streamlit runs the page file on its own before the router has ever run)
ADDRESSES = [  # (address, text of that page's own content)
    ("/model", "Model kind"),
    ("/predictor", "Predicted rating r̂_uv"),
    ("/attention", "Across reviews"),
    ("/errors", "Table 3: test error by method (mean ± std over seeds)"),
    ("/beta", "Saved sweeps"),
    ("/compare", "Model B"),
    ("/", "Try it in four steps"),
]
STARTUP = "Startup model (SEMAX_STUDIO_MODEL)"  # the sidebar's name of SEMAX_STUDIO_MODEL


def test_every_page_opens_from_its_own_address(server, page):
    for address, marker in ADDRESSES:
        page.goto(f"{server.url}{address}")
        page.get_by_text(marker, exact=True).first.wait_for()
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text(STARTUP, exact=True).wait_for()  # the shared sidebar
        wait_idle(page)
        assert page.get_by_text("Page not found", exact=False).count() == 0, address
        assert not exceptions(page), (address, exceptions(page))
        assert page.url.split("?")[0] == f"{server.url}{address}"  # (+ the view's parameters)


def test_every_page_in_the_browser(server, page, shots):
    page.goto(f"{server.url}/model")
    page.get_by_text("Model kind", exact=True).first.wait_for()
    assert page.get_by_text(STARTUP, exact=True).is_visible()  # the shared sidebar
    snap(page, shots, "model")

    go_to(page, "Predictor", "Predicted rating r̂_uv")
    choose(page, "User —", "u3")
    page.get_by_text("User's history (4, oldest first)").wait_for()
    wait_idle(page)
    type_and_submit(page, WHAT_IF, "great great good love sturdy")
    first = text_of(page, "r̂_y = ")
    moved_first = text_of(page, "before ")
    type_and_submit(page, WHAT_IF, "awful bad broken hate awful")
    second = wait_text_change(page, "r̂_y = ", first)
    assert second != first  # the rating shown follows the typed review
    wait_idle(page)
    assert text_of(page, "before ") != moved_first
    page.locator(".semax-word").nth(4).wait_for()  # coloured words (at least five)
    snap(page, shots, "predictor")

    choose(page, "User —", "brand-new-user")  # typed: a cold-start user
    page.get_by_text("new user: not in the data", exact=False).wait_for()
    choose(page, "User —", LATE_USER)
    page.get_by_text("cold-start user: no trained factor", exact=False).wait_for()
    snap(page, shots, "predictor-cold")

    go_to(page, "Attention", "Across reviews")
    page.locator(".st-key-att-heatmap .js-plotly-plot").wait_for()
    assert page.get_by_text("convergence delta", exact=False).count() == 1
    snap(page, shots, "attention")

    go_to(page, "Errors", "Table 3: test error by method (mean ± std over seeds)")
    snap(page, shots, "errors")

    go_to(page, "β sensitivity", "Saved sweeps")
    page.locator(".st-key-beta-saved-toy .js-plotly-plot").wait_for()
    snap(page, shots, "beta")
    for name in ("model", "predictor", "predictor-cold", "attention", "errors", "beta"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def test_review_text_is_shown_as_text_not_markup(server, page, shots):
    # straight to a page URL: the router must still run (shared sidebar, current model)
    page.goto(f"{server.url}/attention")
    page.get_by_text("Across reviews", exact=True).wait_for()
    box = page.get_by_label("Contains the word")
    box.fill("script")
    box.press("Enter")
    page.get_by_text("3 matching reviews", exact=False).wait_for()
    wait_idle(page)
    shown = page.get_by_text("<script>window.__xss=1</script>", exact=False)
    assert shown.count() >= 1 and shown.first.is_visible()
    assert page.get_by_text('<img src=x onerror="window.__xss=2">', exact=False).count() >= 1
    snap(page, shots, "xss-attention")

    go_to(page, "Predictor", "Predicted rating r̂_uv")
    choose(page, "User —", "u3")  # u3's history holds the payloads, and so does the item's
    page.get_by_text("User's history (4, oldest first)").wait_for()
    wait_idle(page)
    snap(page, shots, "xss-predictor")
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("script:text('__xss')").count() == 0


def test_train_a_small_model_in_the_browser(server, page, shots, tmp_path):
    from tests.helpers import tiny_frame, write_amazon

    data = write_amazon(tiny_frame(1500, n_users=40, n_items=30, seed=4), tmp_path / "r.json")
    page.goto(f"{server.url}/model")
    page.get_by_text("Model kind", exact=True).first.wait_for()
    page.get_by_role("tab", name="Train a small model now").click()
    page.get_by_text("Local path", exact=True).click()
    box = page.get_by_label("Path (or hf://datasets/OWNER/REPO/PATH)")
    box.fill(str(data))
    box.press("Enter")
    wait_idle(page)
    page.get_by_test_id("stButton").filter(has_text="Train").first.click()
    # the live panel (polled by a fragment), or its final state when training beat the poll
    finished = page.get_by_text("Finished in", exact=False)
    page.get_by_test_id("stProgress").or_(finished).first.wait_for()
    page.locator(".st-key-train-live-loss .js-plotly-plot").or_(
        page.locator(".st-key-train-final-loss .js-plotly-plot")
    ).first.wait_for()
    page.screenshot(path=str(shots / "training.png"))
    page.get_by_text("Finished in", exact=False).wait_for(timeout=300_000)
    wait_idle(page)
    # the trained model is now the current one: the sidebar switched its source
    sources = page.get_by_test_id("stSidebar").get_by_role("radiogroup").first  # (not PNG/SVG)
    checked = sources.locator("input[type=radio]:checked")
    assert checked.evaluate("e => e.closest('label').innerText") == "Train a small model now"
    assert page.get_by_text("trained now on", exact=False).count() >= 1
    snap(page, shots, "trained")


def test_a_shared_predictor_address_reopens_the_same_view(server, page):
    page.goto(f"{server.url}/predictor?user=u3&item=i2")
    page.get_by_text("User's history (4, oldest first)").wait_for()
    wait_idle(page)
    boxes = page.get_by_test_id("stSelectbox")
    assert "u3" in boxes.filter(has_text="User —").first.inner_html()  # the picked values
    assert "i2" in boxes.filter(has_text="Item —").first.inner_html()
    assert not exceptions(page)
    choose(page, "User —", "u5")  # the address follows the view
    page.wait_for_url("**user=u5**")
    assert "item=i2" in page.url
    page.goto(f"{server.url}/predictor?user=u3&colour=red")
    page.get_by_text("Unknown address parameter(s) ignored: colour", exact=False).wait_for()
    assert not exceptions(page)


def test_download_a_csv_from_the_errors_page(server, page, tmp_path):
    import pandas as pd

    page.goto(f"{server.url}/errors")
    page.get_by_text("Table 3: test error by method (mean ± std over seeds)").wait_for()
    wait_idle(page)
    with page.expect_download() as info:
        page.locator(".st-key-table3-toy-csv").get_by_role("button").click()  # Table 3's own
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    table = pd.read_csv(path)
    assert info.value.suggested_filename == "table3-toy.csv"
    assert list(table.columns[:3]) == ["method", "MAE", "RMSE"] and len(table) == 4


def test_the_compare_page_against_a_baseline_trained_in_the_browser(server, page):
    page.goto(f"{server.url}/compare")
    page.get_by_text("Model B", exact=True).wait_for()
    wait_idle(page)  # (the baseline trainer is open while B is to be trained here)
    page.get_by_test_id("stButton").filter(has_text="Train it").first.click()
    page.get_by_text("Test error on the same", exact=False).wait_for(timeout=300_000)
    page.locator(".st-key-compare-errors .js-plotly-plot").wait_for()
    page.locator(".st-key-compare-user-diff .js-plotly-plot").wait_for()
    wait_idle(page)
    assert page.get_by_text("95% interval", exact=False).count() >= 1
    assert not exceptions(page)


TOUR = [  # (the home page's link, text of the page it opens, the parameters naming its example)
    ("Predict it", "Predicted rating r̂_uv", ("user", "item")),
    ("Try the what-if", "r̂_y of the last text (related task)", ("user", "item", "whatif")),
    ("Read the attention", "Across reviews", ("user", "review")),
    ("Errors by rating count", "Test ratings", ("tab",)),
    ("Compare it with a baseline on the same test split", "Model B", ()),
]


def test_the_home_page_and_its_guided_tour(server, page, shots):
    from urllib.parse import parse_qs, urlsplit

    page.goto(server.url)
    page.get_by_text("Try it in four steps", exact=True).wait_for()
    page.get_by_text("Multi-Task Learning for Improving Recommendations", exact=False).wait_for()
    snap(page, shots, "home")
    for label, marker, names in TOUR:
        page.goto(server.url)
        link = page.get_by_role("link", name=label).first
        link.wait_for()
        wait_idle(page)
        link.click()
        page.get_by_text(marker, exact=True).first.wait_for()
        wait_idle(page)
        assert not exceptions(page), (label, exceptions(page))
        params = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
        assert set(names) <= set(params), (label, page.url)  # the example, in the address
        if "user" in names:  # and on the page: the picked user
            box = page.get_by_test_id("stSelectbox").filter(has_text="User").first
            assert params["user"] in box.inner_html(), label
        if "whatif" in names:
            from playwright.sync_api import expect

            # (the box may draw its value a moment after the run that filled it ends)
            expect(page.get_by_label(WHAT_IF)).to_have_value(params["whatif"], timeout=15_000)
        if "review" in names:
            picked = page.get_by_test_id("stSelectbox").filter(has_text="Review").first
            assert f"#{params['review']} ·" in picked.inner_html()
            page.locator(".st-key-att-heatmap .js-plotly-plot").wait_for()
            snap(page, shots, "tour-attention")
    for name in ("home", "tour-attention"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
