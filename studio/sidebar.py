"""The sidebar every page shares: where the current model comes from (the bundled demo, a run
folder, a Hub repo, or a model trained in this session), and a one-line summary of it."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from semax.errors import SemaxError
from studio import jobs, messages, navigation, paths, render, share, state
from studio.bundles import score
from studio.state import DEMO_SOURCE, FOLDER_SOURCE, HUB_SOURCE, SOURCES, Current


def _load(source: str, revision: str | None = None, where=None) -> Current | None:
    """Load `source`; `where` first maps what was typed to what may be read (the data root)."""
    try:
        source = where(source) if where else source
        return state.load(source, revision)
    except SemaxError as exc:
        messages.error(exc)
    return None


def _demo() -> Current | None:
    source = state.demo_source()
    if Path(source).exists() or "SEMAX_STUDIO_MODEL" in os.environ:
        return _load(source)
    st.warning(
        f"The bundled demo model is not built yet ({state.DEMO.relative_to(state.REPO)}). "
        "Choose another source, or train a small model now."
    )
    return None


def _folder() -> Current | None:
    folder = st.text_input("Run folder", key="studio.run_folder", placeholder="runs/my-model")
    return _load(folder.strip(), where=paths.folder) if folder.strip() else None


def _hub() -> Current | None:
    repo = st.text_input("Hub repo id", key="studio.repo_id", placeholder="owner/name")
    rev = st.text_input("Revision (optional)", key="studio.revision", placeholder="main")
    return _load(repo.strip(), rev.strip() or None, paths.hub_repo) if repo.strip() else None


def _trained() -> Current | None:
    current = st.session_state.get(state.TRAINED_KEY)
    if current is None:
        st.info("No model trained in this session yet.")
        st.page_link(
            str(navigation.route("model").script),  # on its training tab
            label="Train one on the Model page",
            icon="🛠️",
            query_params={"tab": navigation.TRAIN_TAB},
        )
    return current


CHOOSERS = {DEMO_SOURCE: _demo, FOLDER_SOURCE: _folder, HUB_SOURCE: _hub}


def sidebar() -> Current | None:
    """The model source chooser shown on every page; stores and returns the current model."""
    jobs.adopt_finished_training()
    if state.PENDING_KEY in st.session_state:
        st.session_state[state.SOURCE_KEY] = st.session_state.pop(state.PENDING_KEY)
    share.open_source()  # a model named by the address (?model=...) becomes the choice
    with st.sidebar:
        st.markdown("### Model")
        share.warn_unknown()
        kind = st.radio(
            "Model source", SOURCES, key=state.SOURCE_KEY, format_func=state.source_title
        )
        current = CHOOSERS.get(kind, _trained)()
        if current is not None:
            st.caption(
                f"**{current.bundle.kind}** · {len(current.data):,} reviews · "
                f"test RMSE {score(current.bundle.metrics, 'rmse')}"
            )
            st.caption(f"Loaded: {share.loaded_label(current.label)}")
        st.radio(
            "Figure toolbars save",
            render.IMAGE_FORMATS,
            format_func=str.upper,
            horizontal=True,
            key=render.IMAGE_FORMAT_KEY,
            help="What the camera button above each figure downloads.",
        )
    share.keep_source()
    st.session_state[state.CURRENT_KEY] = current
    return current
