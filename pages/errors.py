"""Errors: MAE/RMSE by user and by item rating-count bucket (the paper's Figures 4-5) for every
method with saved results, Table 3 with ± std, ablations; and the current model's own test
evaluation."""

import streamlit as st

from semax.figures import bucket_lines
from studio import cached
from studio.state import CURRENT_KEY, ensure_routed, results_root
from studio.support import EXPERIMENTS_HINT, metrics_buckets, results_signature, table3_table

ensure_routed()

st.title("Errors")
metric = st.radio(
    "Metric", ["rmse", "mae"], format_func=str.upper, horizontal=True, key="err.metric"
)
tab_saved, tab_current = st.tabs(["Saved experiments", "Current model"])

with tab_saved:
    root = results_root()
    res = cached.saved_results(str(root), results_signature(root))
    for problem in res.problems:
        st.warning(problem)
    if res.empty:
        st.info(f"No saved results yet — run `{EXPERIMENTS_HINT}` (looked in `{root}`).")
    else:
        datasets = sorted(res.tables)
        ds = st.selectbox("Dataset", datasets, key="err.dataset")
        t = res.tables[ds]
        if "table3" in t:
            st.subheader("Table 3: test error by method (mean ± std over seeds)")
            st.dataframe(table3_table(t["table3"]), hide_index=True)
            st.plotly_chart(cached.results_figure("table3", t["table3"]), key="err-table3")
        if "buckets" in t:
            st.subheader("Error by rating count (Figures 4-5)")
            c1, c2 = st.columns(2)
            for col, entity in ((c1, "user"), (c2, "item")):
                fig = cached.results_figure("buckets", t["buckets"], entity=entity, metric=metric)
                col.plotly_chart(fig, key=f"err-buckets-{entity}")
        if "ablations" in t:
            st.subheader("Ablations")
            st.plotly_chart(cached.results_figure("ablations", t["ablations"]), key="err-ablations")
        missing = [n for n in ("table3", "buckets", "ablations") if n not in t]
        if missing:
            st.caption(f"Not saved for {ds}: {', '.join(missing)}.")

with tab_current:
    cur = st.session_state.get(CURRENT_KEY)
    if cur is None:
        st.info("No model loaded: choose one in the sidebar.")
    else:
        m = cur.bundle.metrics
        c1, c2, c3 = st.columns(3)
        c1.metric("Test MAE", f"{m.get('mae', float('nan')):.4f}")
        c2.metric("Test RMSE", f"{m.get('rmse', float('nan')):.4f}")
        c3.metric("Test ratings", f"{m.get('n', 0):,}")
        frame = metrics_buckets(m, cur.bundle.kind)
        if frame.empty:
            st.info("This bundle has no bucket evaluation in metrics.json.")
        else:
            c1, c2 = st.columns(2)
            for col, entity in ((c1, "user"), (c2, "item")):
                col.plotly_chart(
                    bucket_lines(frame, entity, metric, title=f"{cur.bundle.kind}: by {entity}"),
                    key=f"err-current-{entity}",
                )
            st.dataframe(frame.drop(columns=["seed"]).round(4), hide_index=True)
