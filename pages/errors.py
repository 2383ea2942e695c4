"""Errors: MAE/RMSE by user and by item rating-count bucket (the paper's Figures 4-5) for every
method with saved results, Table 3 with ± std, ablations; and the current model's own test
evaluation."""

import streamlit as st

from studio import charts, render, results
from studio.bundles import score
from studio.navigation import ensure_routed
from studio.state import current

ensure_routed()

st.title("Errors")
metric = st.radio(
    "Metric", ["rmse", "mae"], format_func=str.upper, horizontal=True, key="err.metric"
)
tab_saved, tab_current = st.tabs(["Saved experiments", "Current model"])

with tab_saved:
    res = results.saved()
    for problem in res.problems:
        st.warning(problem)
    if res.empty:
        st.info(results.missing_note(res.root))
    else:
        ds = st.selectbox("Dataset", sorted(res.tables), key="err.dataset")
        t = res.tables[ds]
        if "table3" in t:
            st.subheader("Table 3: test error by method (mean ± std over seeds)")
            render.table(results.table3_table(t["table3"]), f"table3-{ds}")
            render.chart(results.figure("table3", t["table3"]), "err-table3")
        if "buckets" in t:
            st.subheader("Error by rating count (Figures 4-5)")
            for col, entity in zip(st.columns(2), ("user", "item"), strict=True):
                fig = results.figure("buckets", t["buckets"], entity=entity, metric=metric)
                with col:
                    render.chart(fig, f"err-buckets-{entity}")
        if "ablations" in t:
            st.subheader("Ablations")
            render.chart(results.figure("ablations", t["ablations"]), "err-ablations")
        missing = [n for n in ("table3", "buckets", "ablations") if n not in t]
        if missing:
            st.caption(f"Not saved for {ds}: {', '.join(missing)}.")

with tab_current:
    cur = current()
    if cur is None:
        st.info("No model loaded: choose one in the sidebar.")
    else:
        m, kind = cur.bundle.metrics, cur.bundle.kind
        c1, c2, c3 = st.columns(3)
        c1.metric("Test MAE", score(m, "mae"))
        c2.metric("Test RMSE", score(m, "rmse"))
        c3.metric("Test ratings", f"{m.get('n', 0):,}")
        frame = results.metrics_buckets(m, kind)
        if frame.empty:
            st.info("This bundle has no bucket evaluation in metrics.json.")
        else:
            for col, entity in zip(st.columns(2), ("user", "item"), strict=True):
                with col:
                    fig = charts.bucket_lines(frame, entity, metric, title=f"{kind}: by {entity}")
                    render.chart(fig, f"err-current-{entity}")
            render.table(frame.drop(columns=["seed"]).round(4), "current-buckets")
