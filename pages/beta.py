"""β sensitivity: MAE/RMSE against β (the paper's Figure 6) with ± std bands from saved sweeps,
and a small live sweep on the current model's data."""

import pandas as pd
import streamlit as st

from studio import charts, jobs, render, results
from studio.navigation import ensure_routed
from studio.state import current
from studio.training import beta_sweep_job, device_note, devices

ensure_routed()

st.title("β sensitivity")
st.write(
    "SEMAX minimises β·L1 + (1 − β)·(L2 + λ·L3): β weighs the recommendation task against the "
    "related task. β = 1 is SEMA (the recommendation task alone)."
)

st.subheader("Saved sweeps")
saved = results.saved()
sweeps = saved.of("beta")
if not sweeps:
    st.info(results.missing_note(saved.root))
for ds, frame in sweeps.items():
    fig = results.figure("beta", frame, title=f"{ds}: error against β (Figure 6)")
    render.chart(fig, f"beta-saved-{ds}")
    with st.expander(f"{ds}: numbers"):
        render.table(results.numbers(frame, "beta"), f"beta-{ds}")

st.subheader("Live sweep on the current model's data")
cur = current()
if cur is None:
    st.info("No model loaded: choose one in the sidebar.")
    st.stop()
st.caption(
    "Trains a tiny SEMAX once per β on the most recent ratings of the current data "
    "(one seed: no band). Small on purpose: a quick look, not a result to quote."
)
choices = [round(0.1 * i, 1) for i in range(11)]
c1, c2, c3, c4 = st.columns(4)
betas = c1.multiselect("β values", choices, default=[0.2, 0.5, 0.8], key="beta.values")
epochs = c2.number_input("Epochs each", 1, 5, 1, key="beta.epochs")
dim = c3.selectbox("Dimensions", [4, 8, 16], index=1, key="beta.dim")
n = len(cur.data)
cap = c4.number_input(
    "Most recent ratings", 300, max(300, n), min(2000, max(300, n)), 100, key="beta.cap"
)
d1, d2 = st.columns([1, 3], vertical_alignment="bottom")
device = d1.selectbox("Device", devices(), key="beta.device")
d2.caption(device_note(device))
running = jobs.running("sweep")
if st.button("Run the sweep", type="primary", disabled=running or not betas, key="beta.go"):
    jobs.start(
        beta_sweep_job(
            cur.data.reviews,
            sorted(betas),
            int(epochs),
            int(dim),
            int(cap),
            data_config=cur.data.config.to_dict(),
            device=device,
        )
    )
job = jobs.panel("sweep", title="Sweep training loss")
if job is not None and job.rows:
    live = pd.DataFrame(job.rows)
    render.chart(charts.beta_curve(live, title="Live sweep: test error against β"), "beta-live")
    render.table(live.round(4), "beta-live-sweep")
