"""Model: the current model (source, card, hyperparameters, save), its dataset statistics
(Table 1), and training a small model now on an uploaded or local review file."""

from pathlib import Path

import streamlit as st

from semax.bundle.format import save
from semax.data.readers import FORMATS
from semax.data.stats import format_stats
from semax.errors import SemaxError
from semax.models import registry
from studio import cached, jobs
from studio.state import CURRENT_KEY, ensure_routed
from studio.support import (
    MAX_UPLOAD_MB,
    SmallTraining,
    card_body,
    read_local,
    read_upload,
    training_job,
)

ensure_routed()

st.title("Model")
current = st.session_state.get(CURRENT_KEY)
tab_model, tab_data, tab_train = st.tabs(
    ["Current model", "Dataset statistics", "Train a small model now"]
)

with tab_model:
    if current is None:
        st.info("No model loaded: choose a source in the sidebar, or train a small model now.")
    else:
        b, m = current.bundle, current.bundle.metrics
        cols = st.columns(4)
        cols[0].metric("Model kind", b.kind)
        cols[1].metric("Test MAE", f"{m.get('mae', float('nan')):.4f}")
        cols[2].metric("Test RMSE", f"{m.get('rmse', float('nan')):.4f}")
        cols[3].metric("Reviews", f"{len(b.data):,}")
        st.caption(f"Source: `{current.label}`")
        if not current.related:
            st.caption(
                "This model has no related task: no word attention, no what-if rating of a text."
            )
        with st.expander("Model card", expanded=True):
            st.markdown(card_body(b.card))
        with st.expander("Hyperparameters (config.json)"):
            st.json(b.config, expanded=1)
        with st.form("save-bundle"):
            folder = st.text_input(
                "Save this model as a bundle folder", placeholder="runs/my-model"
            )
            overwrite = st.checkbox("Overwrite files in an existing folder")
            if st.form_submit_button("Save bundle", icon=":material/save:") and folder.strip():
                path = Path(folder.strip()).expanduser()
                if path.exists() and any(path.iterdir()) and not overwrite:
                    st.error(
                        f"{path} exists and is not empty; tick overwrite to replace its files."
                    )
                else:
                    try:
                        st.success(f"Saved to {save(b, path)}")
                    except OSError as exc:
                        st.error(f"Cannot save to {path}: {exc.strerror or exc}")

with tab_data:
    if current is None:
        st.info("No model loaded.")
    else:
        stats = cached.stats(current.bundle, current.key)
        st.code(format_stats(stats), language=None)
        st.caption("Ratings")
        st.bar_chart(stats["rating_histogram"], x_label="stars", y_label="reviews", height=220)

with tab_train:
    st.write(
        "Train a small model on a review file (Amazon, Yelp, CSV, Parquet, JSON lines; plain or "
        "gzip). It becomes the current model of this session."
    )
    where = st.radio(
        "Reviews from", ["Upload a file", "Local path"], horizontal=True, key="train.where"
    )
    upload, path = None, ""
    if where == "Upload a file":
        upload = st.file_uploader(f"Review file (up to {MAX_UPLOAD_MB} MB)", key="train.upload")
    else:
        path = st.text_input("Path (or hf://datasets/OWNER/REPO/PATH)", key="train.path")
    fmt = st.selectbox("Format", ["detect", *sorted(FORMATS)], key="train.format")
    kinds = registry.kind_names()
    c1, c2, c3, c4, c5 = st.columns(5)
    kind = c1.selectbox("Model kind", kinds, index=kinds.index("semax"), key="train.kind")
    epochs = c2.number_input("Epochs", 1, 20, 3, key="train.epochs")
    beta = c3.slider("β", 0.0, 1.0, 0.4, 0.05, key="train.beta", disabled=kind != "semax")
    dim = c4.selectbox("Dimensions", [8, 16, 32], index=1, key="train.dim")
    cap = c5.number_input("Most recent ratings", 500, 200_000, 20_000, 500, key="train.cap")
    running = (job := jobs.get("train")) is not None and job.running
    if st.button(
        "Train", type="primary", icon=":material/play_arrow:", disabled=running, key="train.go"
    ):
        settings = SmallTraining(kind, int(epochs), float(beta), int(dim), int(cap))
        try:
            if upload is not None:
                df, report = read_upload(
                    upload.name, upload.getvalue(), None if fmt == "detect" else fmt
                )
            elif path.strip():
                df, report = read_local(path.strip(), None if fmt == "detect" else fmt)
            else:
                raise SemaxError("choose a review file first")
            dropped = ", ".join(f"{k}: {v}" for k, v in report.dropped.items()) or "none"
            st.caption(f"Read {report.rows_kept:,} reviews ({report.format}); dropped: {dropped}.")
            jobs.start(training_job(df, settings, data_source=report.source))
        except SemaxError as exc:
            st.error(str(exc))
    jobs.panel("train")
