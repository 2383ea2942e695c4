"""App latency, measured in a real browser (headless Debian Chromium via Playwright): prints JSON.

    python benchmarks/app_latency.py [--model assets/semax-demo] [--vs FOLDER] [--large]
                                     [--workdir DIR] [--edits 10]

Each model gets a cold server (and `demo`/`large` in the JSON):
- first_page_s: from launching `streamlit run` to the default (Model) page showing the loaded
  model (server start, imports, bundle load, first render). Targets: < 5 s on the demo bundle,
  < 8 s on the large one.
- page_switch_s: click in the sidebar navigation -> the page's own content visible; first visit
  (cold caches) and second visit.
- predictor_ms: typing a what-if review and submitting it (Ctrl+Enter) -> the new r̂_y shown,
  and -> the new r̂_uv "before -> after" shown; median and max over --edits edits after one
  warm-up. Target: < 300 ms.
- compare_first_render_s (with --vs, or --large): opening `/compare?vs=FOLDER` in the same
  server -> the page's last section drawn, model B loaded cold. Target: < 5 s.
- --large: a bundle of 200,000 synthetic reviews (25,000 users, 16,666 items; SEMAX, one epoch)
  and a bias bundle on the same data as its B, built once into --workdir (minutes, untimed) and
  reused.

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
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

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

WHAT_IF = "Type reviews as this user about this item (a blank line between reviews)"
REFERENCE_APP = """
import streamlit as st
text = st.text_area("Type reviews as this user about this item (a blank line between reviews)", key="t")
st.caption(f"r̂_y = {len(text)} {text[:30]}")
"""
PAGES = [  # (sidebar title, text that shows the page's content is there)
    ("Predictor", "Predicted rating r̂_uv"),
    ("Attention", "Across reviews"),
    ("Errors", "Current model"),
    ("β sensitivity", "Live sweep on the current model's data"),
    ("Model", "Model kind"),
]


LARGE_REVIEWS = 200_000  # 25,000 users and 16,666 items in the synthetic corpus
TARGETS = {
    "first_page_s": 5.0,
    "first_page_large_s": 8.0,
    "predictor_update_ms": 300.0,
    "compare_first_render_s": 5.0,
}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "assets" / "semax-demo"))
    ap.add_argument("--vs", default=None, help="model B for the Compare page (a bundle folder)")
    ap.add_argument("--large", action="store_true", help="also measure a 200,000-review bundle")
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "semax-latency-large"))
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--screenshots", default=None, help="folder for screenshots (optional)")
    args = ap.parse_args(argv)
    model = Path(args.model)
    if not model.exists():
        raise SystemExit(
            f"no model bundle at {model}; build one (python -m semax train ...) or pass --model"
        )
    out: dict = {"load_average": os.getloadavg()}
    if args.large:  # built first (untimed), so the measurements run back to back
        large, large_vs = build_large(Path(args.workdir))
    out["demo"] = measure(model, Path(args.vs) if args.vs else None, args)
    if args.large:
        out["large"] = measure(large, large_vs, args)
    out["reference"] = reference(out["demo"].pop("texts"))
    if args.large:
        out["large"].pop("texts")
    first_ref = out["reference"]["first_page_s"]
    out["ratio_to_reference"] = {
        f"first_page_{name}": round(out[name]["first_page_s"] / first_ref, 2)
        for name in ("demo", "large")
        if name in out
    }
    out["ratio_to_reference"]["predictor_update"] = round(
        out["demo"]["predictor_ms"]["r_y_shown"]["median"] / out["reference"]["round_trip_ms"], 2
    )
    out["targets"] = TARGETS
    out["met"] = met(out)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))
    return out


def met(out: dict) -> dict:
    runs = [out[name] for name in ("demo", "large") if name in out]
    result = {
        "first_page": out["demo"]["first_page_s"] < TARGETS["first_page_s"],
        "predictor_update": all(
            r["predictor_ms"]["r_uv_after_shown"]["median"] < TARGETS["predictor_update_ms"]
            for r in runs
        ),
    }
    if "large" in out:
        result["first_page_large"] = out["large"]["first_page_s"] < TARGETS["first_page_large_s"]
    compares = [r["compare_first_render_s"] for r in runs if "compare_first_render_s" in r]
    if compares:
        result["compare_first_render"] = max(compares) < TARGETS["compare_first_render_s"]
    return result


def build_large(workdir: Path) -> tuple[Path, Path]:
    """The large bundle (SEMAX, one epoch) and a bias bundle on the same data and split (both
    --no-refit, one training each), built once into `workdir` and reused (minutes at first)."""
    from semax.synthetic.generator import write_corpus

    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / f"corpus-{LARGE_REVIEWS}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, LARGE_REVIEWS, seed=0)
    folders = {"semax": workdir / "semax", "bias": workdir / "bias"}
    for kind, folder in folders.items():
        if not (folder / "config.json").exists():
            extra = ["--epochs", "1"] if kind == "semax" else []
            subprocess.run(
                [sys.executable, "-m", "semax", "train", "--data", str(corpus), "--model", kind,
                 "--out", str(folder), "--no-refit", *extra],
                check=True, cwd=REPO, stdout=subprocess.DEVNULL,
            )  # fmt: skip
    return folders["semax"], folders["bias"]


def measure(model: Path, vs: Path | None, args) -> dict:
    """One cold server on `model`: first page, page switches, predictor updates, and (with
    `vs`) the Compare page's first render against it, opened from its address."""
    from playwright.sync_api import sync_playwright

    from semax.bundle import hub

    bundle = hub.load(model)
    reviews = bundle.data.reviews
    # what-if texts in the model's own vocabulary (earlier reviews), so every edit moves r̂_y
    texts = reviews["text"].drop_duplicates().sample(args.edits + 1, random_state=0).tolist()
    out: dict = {
        "model": str(model),
        "reviews": len(reviews),
        "users": int(reviews["user"].nunique()),
        "items": int(reviews["item"].nunique()),
        "texts": texts[: args.edits],
    }
    del bundle, reviews
    results = tempfile.mkdtemp(prefix="semax-latency-results-")
    env = {"SEMAX_STUDIO_MODEL": str(model), "SEMAX_STUDIO_RESULTS": results}
    if vs is not None:  # the data root must hold both folders
        env["SEMAX_STUDIO_ROOT"] = os.path.commonpath([model.resolve(), vs.resolve()])
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
            out["page_switch_s"] = page_switches(page)
            out["predictor_user"], out["predictor_ms"] = predictor(page, texts, args.edits)
            if args.screenshots:
                Path(args.screenshots).mkdir(parents=True, exist_ok=True)
                shot = Path(args.screenshots) / f"latency-predictor-{model.name}.png"
                page.screenshot(path=str(shot))
            if vs is not None:
                out["compare_first_render_s"] = compare_page(page, server.url, vs)
        finally:
            server.stop()
            browser.close()
    return out


def page_switches(page) -> dict:
    switches: dict[str, dict] = {}
    for visit in ("first", "second"):
        for title, marker in PAGES:
            seconds = go_to(page, title, marker)
            switches.setdefault(title, {})[visit] = round(seconds, 3)
            wait_idle(page)
    return switches


def predictor(page, texts: list[str], edits: int) -> tuple[str, dict]:
    """Typed what-if reviews: ms until the new r̂_y shows, and until the new r̂_uv shows."""
    go_to(page, "Predictor", "Predicted rating r̂_uv")
    wait_idle(page)
    users = page.get_by_test_id("stSelectbox").filter(has_text="User —").first
    user = users.locator("input").get_attribute("value") or users.inner_text()
    type_and_submit(page, WHAT_IF, texts[-1])
    r_y = text_of(page, "r̂_y = ")
    wait_idle(page)
    moved = text_of(page, "before ")
    r_y_ms, moved_ms = [], []
    for i in range(edits):
        area = page.get_by_label(WHAT_IF)
        area.fill(texts[i])
        t0 = time.perf_counter()
        area.press("Control+Enter")
        r_y = wait_text_change(page, "r̂_y = ", r_y)
        r_y_ms.append(1000 * (time.perf_counter() - t0))
        moved = wait_text_change(page, "before ", moved)
        moved_ms.append(1000 * (time.perf_counter() - t0))
        wait_idle(page)
    choose(page, "User —", "someone-new")  # a cold-start query, timed loosely
    page.get_by_text("new user: not in the data", exact=False).wait_for()
    summary = {
        name: {"median": round(statistics.median(ms), 1), "max": round(max(ms), 1)}
        for name, ms in (("r_y_shown", r_y_ms), ("r_uv_after_shown", moved_ms))
    }
    return user, {**summary, "edits": edits}


def compare_page(page, url: str, vs: Path) -> float:
    """Seconds from opening `/compare?vs=FOLDER` to its last section drawn (B loads cold)."""
    t0 = time.perf_counter()
    page.goto(f"{url}/compare?vs={quote(str(vs.resolve()))}")
    done = page.get_by_text("Where they disagree most", exact=True)
    refused = page.get_by_test_id("stAlertContentError")
    done.or_(refused).first.wait_for()
    if refused.count():
        raise SystemExit(f"the Compare page refused B: {refused.first.inner_text()}")
    wait_idle(page, settle=0)
    return round(time.perf_counter() - t0, 3)


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
