"""Compare: the current model (A) against a second one (B) from any source, or a bias / MF
baseline trained here on A's data in one click: both models' MAE/RMSE on the same test split
with the paired bootstrap interval of the difference, Figures 4-5 for both and their difference,
A's error against B's per rating, and the ratings where they disagree most."""

import streamlit as st

from studio import cached, compare, jobs, render, share
from studio.errors import SemaxError
from studio.navigation import ensure_routed
from studio.state import FOLDER_SOURCE, HUB_SOURCE, require_model
from studio.training import BASELINES, baseline_job, device_note, devices

ensure_routed()

st.title("Compare")
a = require_model()
st.caption(f"**A** is the current model (the sidebar's): **{a.bundle.kind}** from `{a.label}`.")

st.subheader("Model B")
compare.adopt_finished()
share.open_source("vs", compare.B_WIDGETS)
src_key, folder_key, repo_key, rev_key = compare.B_WIDGETS
source = st.radio("Model B from", compare.B_SOURCES, horizontal=True, key=src_key)
folder = repo = revision = ""
if source == FOLDER_SOURCE:
    folder = st.text_input("B's run folder", key=folder_key, placeholder="runs/baseline")
elif source == HUB_SOURCE:
    h1, h2 = st.columns(2)
    repo = h1.text_input("B's Hub repo id", key=repo_key, placeholder="owner/name")
    revision = h2.text_input("B's revision (optional)", key=rev_key, placeholder="main")
with st.expander("Train a baseline on A's data as B", expanded=source == compare.SESSION_SOURCE):
    t1, t2, t3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    share.seed("baseline", "compare.kind", share.member(BASELINES, "baseline", among="the list"))
    kind = t1.selectbox("Baseline", BASELINES, key="compare.kind")
    share.keep(baseline=kind)
    device = t2.selectbox("Device", devices(), key="compare.device")
    t3.caption(f"bias: closed form, seconds; mf: biased MF. {device_note(device)}")
    if st.button("Train it", key="compare.train", disabled=jobs.running("baseline")):
        jobs.start(baseline_job(a.bundle, kind, device))
    jobs.panel("baseline", title="Baseline training loss")

try:
    b = compare.second(source, folder, repo, revision)
except SemaxError as exc:
    st.error(str(exc))
    st.stop()
share.keep_source("vs", compare.B_WIDGETS)
if b is None:
    st.info("Choose model B: a source above, or train a baseline on A's data.")
    st.stop()
st.caption(f"**B**: **{b.bundle.kind}** from `{b.label}`.")
problems = compare.problems(a, b)
if problems:
    st.error(
        "A and B cannot be compared on one test split: "
        + "; ".join(problems)
        + ". Train B on A's data above, or load a model trained on the same data and split."
    )
    st.stop()

c = compare.compare(a, b, a.key, b.key)
metric = st.radio(
    "Metric", ["rmse", "mae"], format_func=str.upper, horizontal=True, key="compare.metric"
)
top = st.slider("Disagreements listed", 3, 30, 10, key="compare.top")
tables = compare.tables(c, f"{a.key}|{b.key}", top)
figs = compare.figure_set(c, metric)

st.subheader(f"Test error on the same {len(c.rows):,} test ratings")
render.table(tables["metrics"], "compare-metrics")
st.markdown(compare.verdict(tables["metrics"], metric.upper()))
st.caption(
    "A − B < 0: A errs less. The 95% interval and P(A better) come from a paired bootstrap "
    f"over the test ratings ({c.n_boot:,} resamples)."
)

st.subheader("Error by rating count (Figures 4-5)")
for entity, col in zip(("user", "item"), st.columns(2), strict=True):
    with col:
        render.chart(figs[f"compare-{entity}"], f"compare-{entity}")
        render.chart(figs[f"compare-{entity}-diff"], f"compare-{entity}-diff")
render.table(tables["buckets"], "compare-buckets")

st.subheader("A's error against B's per test rating")
render.chart(figs["compare-errors"], "compare-errors")
render.table(tables["predictions"], "compare-predictions", show=1_000)

st.subheader("Where they disagree most")
render.table(tables["disagreements"], "compare-disagreements")
reviews = a.data.reviews
for r in tables["disagreements"].itertuples():
    title = (
        f"#{r.review} · ★{r.rating:g} · A {r.pred_a:.2f} · B {r.pred_b:.2f} · {r.user} → {r.item}"
    )
    with st.expander(title):
        render.review_list(reviews, [r.review], limit=2000)
        for name, cur in (("A", a), ("B", b)):
            if cur.related:
                alpha = cached.attention(cur.bundle, cur.key, (int(r.review),))[0]
                st.markdown(f"**{name}'s attention α_t** on this review")
                render.words(alpha["words"], alpha["alpha"])
        h1, h2 = st.columns(2)
        for col, side in ((h1, "user"), (h2, "item")):
            with col:
                ids = compare.history(a, int(r.review), side)
                st.markdown(f"**The {side}'s history** ({len(ids)}, oldest first)")
                render.review_list(reviews, ids, empty="no earlier reviews")

render.download(
    "The whole comparison (CSV tables + HTML report, zip)",
    lambda: compare.archive(c, a, b, metric),
    "comparison",
    "zip",
    "application/zip",
)
