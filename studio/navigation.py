"""Which page opens at which address, and running a page inside the router.

`studio/router.py` builds `st.navigation(pages())`: every page has an explicit `url_path`, so
`/model`, `/predictor`, `/attention`, `/errors`, `/beta` and `/compare` each open their page. The
default page, Home, is served at `/` (Streamlit gives the default page the URL path "", so
`/home` alone is "Page not found").
"""

from __future__ import annotations

import runpy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

REPO = Path(__file__).resolve().parents[1]
ROUTER = REPO / "studio" / "router.py"


@dataclass(frozen=True)
class Route:
    section: str
    title: str
    url_path: str
    icon: str

    @property
    def script(self) -> Path:
        """The page file."""
        return REPO / "pages" / f"{self.url_path}.py"


ROUTES = (
    Route("Start", "Home", "home", ":material/home:"),
    Route("Model", "Model", "model", ":material/model_training:"),
    Route("Explore", "Predictor", "predictor", ":material/online_prediction:"),
    Route("Explore", "Attention", "attention", ":material/visibility:"),
    Route("Results", "Errors", "errors", ":material/bar_chart:"),
    Route("Results", "β sensitivity", "beta", ":material/tune:"),
    Route("Results", "Compare", "compare", ":material/compare_arrows:"),
)
DEFAULT = ROUTES[0]
TRAIN_TAB = "Train a small model now"  # the Model page's training tab (its `tab` parameter)
SAVED_TAB, CURRENT_TAB = "Saved experiments", "Current model"  # the Errors page's tabs


def route(url_path: str) -> Route:
    """The route of the page at `/<url_path>`."""
    return next(r for r in ROUTES if r.url_path == url_path)


def pages() -> dict[str, list[st.Page]]:
    """The sections of `st.navigation`, each page once; the default one is served at `/`."""
    out: dict[str, list[st.Page]] = {}
    for r in ROUTES:
        page = st.Page(
            r.script, title=r.title, icon=r.icon, url_path=r.url_path, default=r == DEFAULT
        )
        out.setdefault(r.section, []).append(page)
    return out


_ROUTE = threading.local()  # set while the router runs the chosen page (per script thread)


@contextmanager
def routing() -> Iterator[None]:
    """Wrap `page.run()` in the router: pages then know they run under st.navigation."""
    _ROUTE.active = True
    try:
        yield
    finally:
        _ROUTE.active = False


def ensure_routed() -> None:
    """Called first by every page. Streamlit runs a file of a `pages/` folder on its own (its
    legacy multipage mode) when a fresh server's first visit opens a page URL directly, and its
    test harness does so on reruns; then run the router instead (which switches Streamlit to
    st.navigation for good and runs this page inside it, with the shared sidebar) and stop."""
    if getattr(_ROUTE, "active", False):
        return
    runpy.run_path(str(ROUTER), run_name="__main__")
    st.stop()
