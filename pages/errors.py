"""Errors: MAE/RMSE by user and by item rating-count bucket (the paper's Figures 4-5) for every
method with saved results, Table 3 with ± std, ablations; and the current model's own test
evaluation."""

import streamlit as st

from studio import charts, render, results, share
from studio.bundles import score
from studio.navigation import CURRENT_TAB, SAVED_TAB, ensure_routed
from studio.state import current

ensure_routed()

st.title("Errors")
metric = st.radio(
    "Metric", ["rmse", "mae"], format_func=str.upper, horizontal=True, key="err.metric"
)
# only the open tab runs; its label is the `tab` parameter
tab_saved, tab_current = st.tabs([SAVED_TAB, CURRENT_TAB], key="tab", bind="query-params")

with tab_saved:
    if tab_saved.open:
        res = results.saved()
        for problem in res.problems:
            st.warning(problem)
        if res.empty:
            st.info(results.missing_note(res.root))
        else:
            names = sorted(res.tables)
            among = "the saved results"
            share.seed("dataset", "err.dataset", share.member(names, "dataset", among=among))
            ds = st.selectbox("Dataset", names, key="err.dataset")
            share.keep(dataset=ds)
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
    if tab_current.open:
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
                        fig = charts.bucket_lines(
                            frame, entity, metric, title=f"{kind}: by {entity}"
                        )
                        render.chart(fig, f"err-current-{entity}")
                render.table(frame.drop(columns=["seed"]).round(4), "current-buckets")
