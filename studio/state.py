"""The current model: cached loading and per-session state.

A loaded model is one `st.cache_resource` entry keyed by source, revision and the folder's
modification time, shared by every session: it stays in eval mode forever (nothing here or in the
pages trains it; "train a small model now" and the live β sweep build new models). A model trained
in this session lives in that session's state only. The sidebar (`studio.sidebar`) chooses it.
"""

from __future__ import annotations

import gc
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

from semax.bundle import hub
from semax.bundle.format import Bundle
from semax.explain import has_related_task, reads_histories
from semax.inference import Recommender

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "assets" / "semax-demo"
DEMO_SOURCE, FOLDER_SOURCE, HUB_SOURCE, TRAIN_SOURCE = (
    "Bundled demo",
    "Run folder",
    "Hub repo",
    "Train a small model now",
)
SOURCES = (DEMO_SOURCE, FOLDER_SOURCE, HUB_SOURCE, TRAIN_SOURCE)
SOURCE_KEY = "studio.source_kind"
PENDING_KEY = "studio.pending_source"
CURRENT_KEY = "studio.current"
TRAINED_KEY = "studio.trained"


@dataclass
class Current:
    """The model the pages use, with its recommender (caches) and a cache key for its data."""

    bundle: Bundle
    rec: Recommender
    key: str  # identifies this model in st.cache_data keys
    label: str  # where it came from, for people

    @property
    def model(self):
        return self.bundle.model

    @property
    def data(self):
        return self.bundle.data

    @property
    def related(self) -> bool:
        return has_related_task(self.bundle.model)

    @property
    def histories(self) -> bool:
        return reads_histories(self.bundle.model)


def configure_torch() -> None:
    """Interactive queries are many tiny tensor ops: one intra-op thread answers them about 10x
    faster than threads that must synchronise (measured on a busy 2-core machine: rate_text
    1.2 ms against 15 ms median). SEMAX_STUDIO_TORCH_THREADS sets another count."""
    threads = int(os.environ.get("SEMAX_STUDIO_TORCH_THREADS", "1"))
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def demo_source() -> str:
    """The bundled demo model, or the folder / repo id in SEMAX_STUDIO_MODEL (tests, demos)."""
    return os.environ.get("SEMAX_STUDIO_MODEL") or str(DEMO)


def source_title(kind: str) -> str:
    """A source as the sidebar names it: the demo choice is the startup model when
    SEMAX_STUDIO_MODEL names another one."""
    if kind == DEMO_SOURCE and os.environ.get("SEMAX_STUDIO_MODEL"):
        return "Startup model (SEMAX_STUDIO_MODEL)"
    return kind


def stamp(source: str) -> float:
    """The newest modification time of a bundle folder's files (0 for a Hub repo id)."""
    path = Path(source)
    if not path.is_dir():
        return 0.0
    return max((p.stat().st_mtime for p in path.iterdir() if p.is_file()), default=0.0)


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def load_model(source: str, revision: str | None, stamp: float) -> Current:
    """Load a bundle folder or Hub repo once for all sessions (`stamp`: folder mtime)."""
    target = f"{source}@{revision}" if revision else source
    bundle = hub.load(target)
    rec = Recommender.from_bundle(bundle)
    return Current(bundle, rec, key=f"{target}|{stamp}", label=target)


def load(source: str, revision: str | None = None) -> Current:
    """The model at `source` (a bundle folder or Hub repo id) from the shared cache: what the
    sidebar, the Compare page and the server's preload all ask for, under one cache key."""
    return load_model(source, revision or None, stamp(source))


def _warm(rec: Recommender) -> None:
    """Off the first page: tokenize the reviews, fill the recommender's caches (item states,
    unless saved with the bundle) and import captum (seconds) so the Predictor and Attention
    pages answer at once."""
    try:
        rec.data.store.lengths  # noqa: B018 (a deferred store tokenizes on first use)
        rec.user_reviews  # noqa: B018 (the timelines, built on first use)
        if rec.cached:
            rec.item_states()
        import captum.attr  # noqa: F401
    except Exception:  # a warm-up failure shows up again, with its message, on first use
        pass
    # Imports, model and caches live as long as the server: move them out of the collector's
    # sight, so its full collections no longer walk ~330,000 objects (220 ms here).
    gc.freeze()


_WARMED: set[str] = set()
WARM_DELAY_S = 2.0


def warm_up(current: Current | None) -> None:
    """Called by the router after the page is drawn: fill the current model's caches in a
    background thread, once per model, so the first page does not share the CPU with it."""
    if current is None or current.key in _WARMED:
        return
    _WARMED.add(current.key)
    # Start a moment later: importing captum holds the GIL for seconds, and the server thread must
    # first send the page it has just drawn.
    timer = threading.Timer(WARM_DELAY_S, _warm, args=(current.rec,))
    timer.name, timer.daemon = "semax-warm", True
    timer.start()


def wrap(bundle: Bundle, label: str) -> Current:
    """A bundle trained in this session as a model the pages can use (its own cache key)."""
    return Current(bundle, Recommender.from_bundle(bundle), f"trained:{uuid.uuid4().hex}", label)


def forget(*keys: str) -> None:
    """Drop widget values from the session (a callback: those widgets take their defaults)."""
    for key in keys:
        st.session_state.pop(key, None)


def adopt(bundle: Bundle, label: str) -> Current:
    """Make a bundle trained in this session the current model."""
    current = wrap(bundle, label)
    st.session_state[TRAINED_KEY] = current
    st.session_state[CURRENT_KEY] = current
    st.session_state[PENDING_KEY] = TRAIN_SOURCE  # the sidebar switches its radio on its next run
    return current


def current() -> Current | None:
    """The current model of this session (None when none is loaded)."""
    return st.session_state.get(CURRENT_KEY)


def require_model() -> Current:
    """The current model, or a note and a stop when none is loaded."""
    cur = current()
    if cur is None:
        st.info("No model loaded: choose a model source in the sidebar.")
        st.stop()
    return cur
