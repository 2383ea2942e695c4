"""App latency, measured in a real browser (headless Debian Chromium via Playwright): prints JSON.

    python benchmarks/app_latency.py [--model assets/semax-demo] [--edits 10]

- first_page_s: from launching `streamlit run` to the default (Model) page showing the loaded
  model (server start, imports, bundle load, first render). Target: < 5 s on the demo bundle.
- page_switch_s: click in the sidebar navigation -> the page's own content visible; first visit
  (cold caches) and second visit.
- predictor_ms: typing a what-if review and submitting it (Ctrl+Enter) -> the new r̂_y shown,
  and -> the new r̂_uv "before -> after" shown; median and max over --edits edits after one
  warm-up. Target: < 300 ms.

- reference: the same two measurements on a minimal Streamlit app (one text area echoed into a
  caption; no torch) in the same run, and the ratios app / reference: Streamlit's own floor on
  this machine at this moment.

Times depend on the machine and its load (reported as load_average); the browser runs on the same
CPUs as the server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from studio.browser import (  # noqa: E402
    AppServer,
    choose,
    go_to,
    launch,
    text_of,
    type_and_submit,
    wait_idle,
    wait_text_change,
)

WHAT_IF = "Type a review as this user about this item"
REFERENCE_APP = """
import streamlit as st
text = st.text_area("Type a review as this user about this item", key="t")
st.caption(f"r̂_y = {len(text)} {text[:30]}")
"""
PAGES = [  # (sidebar title, text that shows the page's content is there)
    ("Predictor", "Predicted rating r̂_uv"),
    ("Attention", "Across reviews"),
    ("Errors", "Current model"),
    ("β sensitivity", "Live sweep on the current model's data"),
    ("Model", "Model kind"),
]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "assets" / "semax-demo"))
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--screenshots", default=None, help="folder for screenshots (optional)")
    args = ap.parse_args(argv)
    model = Path(args.model)
    if not model.exists():
        raise SystemExit(
            f"no model bundle at {model}; build one (python -m semax train ...) or pass --model"
        )
    from playwright.sync_api import sync_playwright

    from semax.bundle import hub

    reviews = hub.load(model).data.reviews
    n_reviews = len(reviews)
    # what-if texts in the model's own vocabulary (earlier reviews), so every edit moves r̂_y
    texts = reviews["text"].drop_duplicates().sample(args.edits + 1, random_state=0).tolist()
    out: dict = {"model": str(model), "reviews": n_reviews, "load_average": os.getloadavg()}
    results = tempfile.mkdtemp(prefix="semax-latency-results-")
    env = {"SEMAX_STUDIO_MODEL": str(model), "SEMAX_STUDIO_RESULTS": results}
    with sync_playwright() as pw:
        browser = launch(pw)  # before the server starts: browser start-up is not app time
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        server = AppServer(env, log=Path(results) / "streamlit.log")
        try:
            server.start()
            out["server_healthy_s"] = round(server.healthy_after, 3)
            page.goto(server.url)
            page.get_by_text("Model kind", exact=True).first.wait_for()
            out["first_page_s"] = round(time.perf_counter() - server.started, 3)
            wait_idle(page)
            switches: dict[str, dict] = {}
            for visit in ("first", "second"):
                for title, marker in PAGES:
                    seconds = go_to(page, title, marker)
                    switches.setdefault(title, {})[visit] = round(seconds, 3)
                    wait_idle(page)
            out["page_switch_s"] = switches

            go_to(page, "Predictor", "Predicted rating r̂_uv")
            wait_idle(page)
            users = page.get_by_test_id("stSelectbox").filter(has_text="User —").first
            out["predictor_user"] = (
                users.locator("input").get_attribute("value") or users.inner_text()
            )
            type_and_submit(page, WHAT_IF, texts[-1])
            r_y = text_of(page, "r̂_y = ")
            wait_idle(page)
            moved = text_of(page, "before ")
            r_y_ms, moved_ms = [], []
            for i in range(args.edits):
                area = page.get_by_label(WHAT_IF)
                area.fill(texts[i])
                t0 = time.perf_counter()
                area.press("Control+Enter")
                r_y = wait_text_change(page, "r̂_y = ", r_y)
                r_y_ms.append(1000 * (time.perf_counter() - t0))
                moved = wait_text_change(page, "before ", moved)
                moved_ms.append(1000 * (time.perf_counter() - t0))
                wait_idle(page)
            out["predictor_ms"] = {
                "r_y_shown": {
                    "median": round(statistics.median(r_y_ms), 1),
                    "max": round(max(r_y_ms), 1),
                },
                "r_uv_after_shown": {
                    "median": round(statistics.median(moved_ms), 1),
                    "max": round(max(moved_ms), 1),
                },
                "edits": args.edits,
            }
            choose(page, "User —", "someone-new")  # a cold-start query, timed loosely
            page.get_by_text("new user: not in the data", exact=False).wait_for()
            if args.screenshots:
                Path(args.screenshots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(args.screenshots) / "latency-predictor.png"))
        finally:
            server.stop()
            browser.close()
    out["reference"] = reference(texts[: args.edits])
    out["ratio_to_reference"] = {
        "first_page": round(out["first_page_s"] / out["reference"]["first_page_s"], 2),
        "predictor_update": round(
            out["predictor_ms"]["r_y_shown"]["median"] / out["reference"]["round_trip_ms"], 2
        ),
    }
    out["targets"] = {"first_page_s": 5.0, "predictor_update_ms": 300.0}
    out["met"] = {
        "first_page": out["first_page_s"] < 5.0,
        "predictor_update": out["predictor_ms"]["r_uv_after_shown"]["median"] < 300.0,
    }
    print(json.dumps(out, indent=2))
    return out


def reference(texts: list[str]) -> dict:
    """First page and a typed round trip on a minimal Streamlit app, measured like the app."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="semax-latency-reference-"))
    (folder / "reference_app.py").write_text(REFERENCE_APP)
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        server = AppServer(script=folder / "reference_app.py")
        try:
            server.start()
            page.goto(server.url)
            page.get_by_label(WHAT_IF).wait_for()
            first = time.perf_counter() - server.started
            shown = text_of(page, "r̂_y = ")
            ms = []
            for text in texts:
                area = page.get_by_label(WHAT_IF)
                area.fill(text)
                t0 = time.perf_counter()
                area.press("Control+Enter")
                shown = wait_text_change(page, "r̂_y = ", shown)
                ms.append(1000 * (time.perf_counter() - t0))
                wait_idle(page)
        finally:
            server.stop()
            browser.close()
    return {"first_page_s": round(first, 3), "round_trip_ms": round(statistics.median(ms), 1)}


if __name__ == "__main__":
    main()
