"""Home: what SEMAX is, which model is loaded on which data, its test error beside the strongest
baseline on the same test split, and a guided tour of four steps, each a link that opens its
page on an example picked from the loaded model's data."""

import streamlit as st

from studio import compare, home, messages, share
from studio.bundles import score
from studio.markup import literal
from studio.navigation import TRAIN_TAB, ensure_routed, route
from studio.state import current

ensure_routed()

st.title("SEMAX Studio")
st.markdown(home.INTRO)

cur = current()
if cur is None:
    st.info("No model loaded: choose a source in the sidebar, or train a small model now.")
    st.page_link(
        str(route("model").script),
        label="Train one on the Model page",
        icon=":material/model_training:",
        query_params={"tab": TRAIN_TAB},
    )
    st.stop()

b = cur.bundle
st.subheader("What is loaded")
cols = st.columns(4)
cols[0].metric("Model kind", b.kind)
for col, (name, value) in zip(cols[1:], home.sizes(cur).items(), strict=True):
    col.metric(name, value)
st.markdown(
    f"Trained on {literal(home.data_name(b.config))}; loaded: {share.loaded_label(cur.label)}."
)
for note in (home.split_note(b.config), home.protocol_note(b.config)):
    if note:
        messages.caption(note)

st.subheader("How good is it")
compare.adopt_finished()  # a baseline the Compare page trained counts once it is done
base = home.baseline(cur)
m1, m2, m3 = st.columns([1, 1, 2])
for col, name in ((m1, "rmse"), (m2, "mae")):
    delta = home.delta(b.metrics, base, name)
    col.metric(f"{b.kind}: test {name.upper()}", score(b.metrics, name), delta, "inverse")
if base is None:
    m3.info(
        "No baseline on this data and test split yet: no saved results match it and none was "
        "trained in this session. Train one in one click on the Compare page."
    )
    st.page_link(**home.page_link(home.compare_link(None)), icon=":material/compare_arrows:")
else:
    m3.metric(f"Strongest baseline: {literal(base.method)}", f"{base.rmse:.4f}")
    st.markdown(home.verdict(b.kind, b.metrics, base))
    messages.caption(
        f"Strongest baseline: the lowest test RMSE among the methods other than SEMAX and its "
        f"variants on this test split. {base.method}'s number: {base.source}."
    )
    link = home.table3_link(base)
    if link is not None:
        st.page_link(**home.page_link(link), icon=":material/table:")

st.subheader("Try it in four steps")
tour = home.tour(cur, cur.key)
if tour.user is None:
    st.info("This model's data has no ratings in its training split to pick examples from.")
    st.stop()
for n, step in enumerate(home.steps(cur, tour, base), start=1):
    with st.container(border=True):
        st.markdown(f"**{n}. {step.title}**")
        st.caption(step.why)
        links = st.columns(len(step.links))
        for col, link in zip(links, step.links, strict=True):
            with col:
                st.page_link(**home.page_link(link), icon=":material/arrow_forward:")
st.caption(
    f"Examples are picked from {literal(home.data_name(b.config))} by rules, not by hand: the "
    "Model page has the model card and trains new models; every page's address shares its view."
)
