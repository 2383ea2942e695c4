"""Predictor: r̂_uv for a user and an item with both histories; what-if reviews (r̂_y with its
attention, and r̂_uv before → after adding the reviews to the user's or the item's history;
`?whatif=` fills it, `?side=item` picks the item's); top-N items."""

import pandas as pd
import streamlit as st

from semax.inference import what_if_writer
from studio import cached, charts, pickers, render, share, whatif
from studio.errors import SemaxError
from studio.navigation import ensure_routed
from studio.reviews import cold_label
from studio.state import require_model

ensure_routed()

st.title("Predictor")
cur = require_model()
rec, reviews = cur.rec, cur.data.reviews
share.seed("user", "pred.user", share.member(rec.user_reviews, "user", new_ok=True))
share.seed("item", "pred.item", share.member(rec.item_reviews, "item", new_ok=True))
share.seed("whatif", "pred.whatif", str)
share.seed("side", "pred.side", whatif.side_of)

c1, c2 = st.columns(2)
user = pickers.id_picker(
    c1,
    "User — search, or type a new id for a cold-start user",
    rec.user_names,
    "pred.user",
    what="users",
    new_ok=True,
)
item = pickers.id_picker(
    c2,
    "Item — search, or type a new id for a cold-start item",
    rec.item_names,
    "pred.item",
    what="items",
    new_ok=True,
)
share.keep(user=user, item=item)
if user is None or item is None:
    st.info("Pick a user and an item.")
    st.stop()

p = rec.predict(user, item)
m1, m2, m3 = st.columns([1, 2, 2])
m1.metric("Predicted rating r̂_uv", f"{p.rating:.2f}")
m2.caption(cold_label(rec, "user", user, p.cold_user, len(p.user_history)))
m3.caption(cold_label(rec, "item", item, p.cold_item, len(p.item_history)))

h1, h2 = st.columns(2)
with h1:
    st.markdown(f"**User's history** ({len(p.user_history)}, oldest first)")
    render.review_list(reviews, p.user_history, empty="no earlier reviews")
with h2:
    st.markdown(f"**Item's history** ({len(p.item_history)}, oldest first)")
    render.review_list(reviews, p.item_history, empty="no earlier reviews")

has_history = cur.histories and (p.user_history or p.item_history)
if has_history and st.toggle("Show which earlier reviews drive r̂_uv", key="pred.drivers"):
    _full, infl = cached.pair_drivers(cur.rec, cur.key, user, item)
    render.chart(charts.drivers(reviews, infl), "pred-drivers")
    st.caption("Each bar: r̂_uv with the review minus r̂_uv with it left out of the history.")


@st.fragment
def what_if(user: str, item: str, before) -> None:
    """Typing here reruns only this part of the page (fast); the rest stays as it is."""
    st.subheader("What if")
    side = st.radio(
        "The reviews join",
        list(whatif.SIDES),
        format_func=whatif.SIDES.get,
        key="pred.side",
        horizontal=True,
    )
    text = st.text_area(
        whatif.LABELS[side],
        key="pred.whatif",
        placeholder="great sound, sturdy and cheap\n\nit broke after a week",
    )
    share.keep(whatif=text.strip() or None, side=None if side == "user" else side)
    texts = whatif.split_reviews(text)
    if not texts:
        return
    typed = st.text_input(
        "Their stars, comma-separated (empty: r̂_y of each text, where the model has one)",
        key="pred.stars",
    )
    try:
        stars = whatif.parse_stars(typed, len(texts))
        path = cached.what_if_path(rec, cur.key, user, item, tuple(texts), tuple(stars), side)
    except SemaxError as exc:
        st.error(str(exc))
        return
    writer = what_if_writer(side, user)
    tr = rec.rate_text(writer, item, texts[-1]) if cur.related else None
    left, mid, right = st.columns(3)
    with left:
        if tr is None:
            st.info(f"{cur.bundle.kind} has no related task, so it cannot rate a text on its own.")
        else:
            st.metric("r̂_y of the last text (related task)", f"{tr.rating:.2f}")
            st.caption(f"r̂_y = {tr.raw:.4f} before clipping to 1..5")
    last = path[-1]
    with mid:
        if last["r_uv"] is None:
            st.info(last["note"])
        else:
            st.metric(
                f"r̂_uv of {cur.bundle.kind} with the reviews in {whatif.SIDES[side]}",
                f"{min(5.0, max(1.0, last['r_uv'])):.2f}",
                delta=f"{last['r_uv'] - before.raw:+.3f}",
            )
            st.caption(f"before {before.raw:.4f} → after {last['r_uv']:.4f} (before clipping)")
    if "reference_r_uv" in last:
        was = cached.reference_now(rec, cur.key, user, item)
        right.metric(
            "r̂_uv of rolling-bias (the stars as numbers)",
            f"{last['reference_r_uv']:.2f}",
            delta=f"{last['reference_r_uv'] - was:+.3f}",
        )
    if len(path) > 1 or "reference_r_uv" in last:
        render.table(whatif.path_frame(path, before.raw), "pred-whatif", key="pred-whatif")
        st.caption(whatif.caption(side))
    if tr is not None:
        render.words(tr.tokens, tr.alpha, tr.known)
        note = (
            "The last review's attention α_t (darker = more weight); dotted underline = a word "
            "the model does not know."
        )
        st.caption(note)
        title = f"Attention of {cur.bundle.kind} on a what-if review ({writer} → {item})"
        render.attention_download("what-if-attention", title, tr.tokens, tr.alpha, tr.known, note)


what_if(user, item, p)

st.subheader("Top items for this user")
top = st.slider("How many", 5, 50, 10, key="pred.top")
recs = pd.DataFrame(cached.recommend(rec, cur.key, user, top))
render.table(recs, "pred-top", key="pred-top")
