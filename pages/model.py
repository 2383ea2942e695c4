"""Model: the current model (source, card, hyperparameters, save), its dataset statistics
(Table 1), and training a small model now on an uploaded or local review file."""

import streamlit as st

from studio import cached, jobs, messages, uploads
from studio.bundles import card_body, save_bundle, score
from studio.errors import SemaxError
from studio.navigation import TRAIN_TAB, ensure_routed
from studio.state import current, forget
from studio.training import (
    SmallTraining,
    default_sizes,
    device_note,
    devices,
    kinds,
    resolve_device,
    training_job,
)

ensure_routed()

st.title("Model")
cur = current()
# Only the open tab runs (the first page opens faster); its label is the `tab` parameter.
tab_model, tab_data, tab_train = st.tabs(
    ["Current model", "Dataset statistics", TRAIN_TAB],
    key="tab",
    bind="query-params",
)

with tab_model:
    if tab_model.open:
        if cur is None:
            st.info("No model loaded: choose a source in the sidebar, or train a small model now.")
        else:
            b = cur.bundle
            cols = st.columns(4)
            cols[0].metric("Model kind", b.kind)
            cols[1].metric("Test MAE", score(b.metrics, "mae"))
            cols[2].metric("Test RMSE", score(b.metrics, "rmse"))
            cols[3].metric("Reviews", f"{len(b.data):,}")
            messages.caption(f"Source: {cur.label}")
            if not cur.related:
                st.caption(
                    "This model has no related task: no word attention, no what-if rating of a text."
                )
            # Collapsed and run only when opened: their code views load seconds of browser code.
            card = st.expander("Model card", key="model.card", on_change="rerun")
            if card.open:
                card.markdown(card_body(b.card))
            config = st.expander(
                "Hyperparameters (config.json)", key="model.config", on_change="rerun"
            )
            if config.open:
                config.json(b.config, expanded=1)
            with st.form("save-bundle"):
                folder = st.text_input(
                    "Save this model as a bundle folder", placeholder="runs/my-model"
                )
                overwrite = st.checkbox("Overwrite the bundle already in that folder")
                if st.form_submit_button("Save bundle", icon=":material/save:") and folder.strip():
                    saved, message = save_bundle(b, folder, overwrite)
                    (messages.success if saved else messages.error)(message)

with tab_data:
    if tab_data.open:
        if cur is None:
            st.info("No model loaded.")
        else:
            stats = cached.stats(cur.bundle, cur.key)
            st.code(stats["text"], language=None)
            st.caption("Ratings")
            st.bar_chart(stats["rating_histogram"], x_label="stars", y_label="reviews", height=220)

with tab_train:
    if tab_train.open:
        st.write(
            "Train a small model on a review file (Amazon, Yelp, CSV, Parquet, JSON lines; plain or "
            "gzip). It becomes the current model of this session."
        )
        where = st.radio(
            "Reviews from", ["Upload a file", "Local path"], horizontal=True, key="train.where"
        )
        upload, path = None, ""
        if where == "Upload a file":
            upload = st.file_uploader(
                f"Review file (up to {uploads.upload_limit_mb():g} MB)", key="train.upload"
            )
        else:
            path = st.text_input("Path (or hf://datasets/OWNER/REPO/PATH)", key="train.path")
        fmt = st.selectbox("Format", uploads.formats(), key="train.format")
        d1, d2 = st.columns([1, 3], vertical_alignment="bottom")
        sized = ("train.epochs", "train.dim", "train.cap")  # take the new device's default sizes
        device = d1.selectbox("Device", devices(), key="train.device", on_change=forget, args=sized)
        d2.caption(device_note(device))
        size = default_sizes(resolve_device(device))
        names = kinds()
        c1, c2, c3, c4, c5 = st.columns(5)
        kind = c1.selectbox("Model kind", names, index=names.index("semax"), key="train.kind")
        epochs = c2.number_input("Epochs", 1, 20, size["epochs"], key="train.epochs")
        beta = c3.slider("β", 0.0, 1.0, 0.4, 0.05, key="train.beta", disabled=kind != "semax")
        dims = [8, 16, 32, 64]
        dim = c4.selectbox("Dimensions", dims, index=dims.index(size["dim"]), key="train.dim")
        cap = c5.number_input(
            "Most recent ratings", 500, 1_000_000, size["max_ratings"], 500, key="train.cap"
        )
        if st.button(
            "Train",
            type="primary",
            icon=":material/play_arrow:",
            disabled=jobs.running("train"),
            key="train.go",
        ):
            settings = SmallTraining(kind, int(epochs), float(beta), int(dim), int(cap))
            settings.batch_size, settings.device = size["batch_size"], device
            try:
                jobs.check_free()  # a busy server says so before the file is read
                df, report = uploads.read_chosen(upload, path, fmt)
                st.caption(uploads.describe(report))  # our own words and numbers
                jobs.start(training_job(df, settings, data_source=report.source))
            except SemaxError as exc:
                messages.error(exc)
        jobs.panel("train")
