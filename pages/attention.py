"""Attention: whether r̂_y reads the text at all (against a bag-of-words regression); browse
reviews; per-word attention α_t as coloured text and as a heatmap across reviews; captum
Integrated Gradients beside it; which earlier reviews drive r̂_uv; the words a user or an item
attends to most."""

import pandas as pd
import streamlit as st

from studio import cached, charts, pickers, reading, render, share
from studio.navigation import ensure_routed
from studio.reviews import filter_reviews, keep_picked, label
from studio.state import require_model

ensure_routed()

st.title("Attention")
cur = require_model()
b, reviews = cur.bundle, cur.data.reviews
if not cur.related:
    st.info(
        f"{b.kind} has no related task (SEMA and the baselines rate from histories and ids only), "
        "so there is no word attention and no r̂_y to attribute. The review browser and the "
        "history drivers of r̂_uv below still work."
    )
else:  # r̂_y's test correlation with the stars beside a bag-of-words regression's
    st.markdown(reading.note(cached.text_reading(b, cur.key)))

share.seed("user", "att.user", share.member(cur.rec.user_reviews, "user"))
share.seed("item", "att.item", share.member(cur.rec.item_reviews, "item"))
share.seed("review", "att.review", lambda v: share.review_id(v, len(reviews)))
f1, f2, f3, f4 = st.columns([2, 2, 2, 2])
user = pickers.id_picker(f1, "User", cur.rec.user_names, "att.user", what="users", empty="any user")
item = pickers.id_picker(f2, "Item", cur.rec.item_names, "att.item", what="items", empty="any item")
stars = f3.slider("Rating", 1.0, 5.0, (1.0, 5.0), 1.0, key="att.rating")
word = f4.text_input("Contains the word", key="att.word")
found = filter_reviews(reviews, user, item, stars, word)
st.caption(f"{len(found):,} matching reviews (the most recent 300 listed)")
if found.empty:
    st.info("No review matches these filters.")
    st.stop()
shown = found.tail(300).iloc[::-1]
options = keep_picked(shown.index.tolist(), found.index, st.session_state.get("att.review"))
pick = st.selectbox("Review", options, format_func=lambda r: label(reviews, r), key="att.review")
share.keep(user=user, item=item, review=pick)
render.review_list(reviews, [pick], limit=2000)

if cur.related:
    a = cached.attention(b, cur.key, (int(pick),))[0]
    left, right = st.columns(2)
    with left:
        st.markdown("**Attention α_t** (what the related task reads)")
        render.words(a["words"], a["alpha"])
        note = f"r̂_y = {a['r_y']:.3f} from {len(a['words'])} words (the first {cur.data.config.max_words} kept)"
        st.caption(note)
        title = f"Attention α_t of {b.kind} on review #{pick}"
        render.attention_download(f"attention-{pick}", title, a["words"], a["alpha"], note=note)
    with right:
        st.markdown("**Integrated Gradients** of r̂_y on the word embeddings (captum)")
        steps = st.select_slider("Steps", [16, 32, 64, 128], value=32, key="att.ig_steps")
        ig = cached.integrated_gradients(b, cur.key, int(pick), steps)
        render.signed(ig["words"], ig["attribution"])
        st.caption(
            f"r̂_y {ig['r_y']:.3f} − baseline (all <PAD>) {ig['r_y_baseline']:.3f} = "
            f"{ig['r_y'] - ig['r_y_baseline']:+.4f}; Σ attributions {sum(ig['attribution']):+.4f}; "
            f"convergence delta {ig['delta']:.2e}. Green raises r̂_y, red lowers it."
        )
    with st.expander("Attention and attribution per word"):
        render.chart(charts.word_bars(ig["words"], ig["attribution"]), "att-ig-bars")
        per_word = pd.DataFrame({"word": a["words"], "α": a["alpha"], "IG": ig["attribution"]})
        render.table(per_word, f"attention-words-{pick}")

    st.subheader("Across reviews")
    n = st.slider("Reviews in the heatmap", 2, 40, 12, key="att.heat_n")
    ids = tuple(int(r) for r in shown.index[:n])
    render.chart(cached.heatmap(b, cur.key, ids), "att-heatmap")

st.subheader("Which earlier reviews drive r̂_uv for this rating")
if cur.histories:
    full, infl = cached.rating_drivers(b, cur.key, int(pick))
    st.caption(
        f"r̂_uv = {full:.3f} for this rating (actual ★{reviews.at[pick, 'rating']:g}); each bar is "
        "r̂_uv with the review minus r̂_uv with it left out of the history."
    )
    if infl:
        render.chart(charts.drivers(reviews, infl), "att-drivers")
    else:
        st.caption("Both histories are empty: the rating came from the ids alone.")
else:
    st.info(f"{b.kind} does not read review histories.")

if cur.related:
    st.subheader("Words a user or an item attends to most")
    s1, s2 = st.columns([1, 3])
    side = s1.radio("Whose reviews", ["user", "item"], horizontal=True, key="att.side")
    names = cur.rec.user_names if side == "user" else cur.rec.item_names
    st.session_state.setdefault(f"att.top_{side}", reviews.at[pick, side])
    name = pickers.id_picker(s2, side.title(), names, f"att.top_{side}", what=f"{side}s")
    top = cached.top_words(b, cur.key, side, name)
    if top:
        frame = pd.DataFrame(top, columns=["word", "weight ÷ uniform", "count"])
        render.table(frame, f"top-words-{side}")
        st.caption(
            "Mean α_t × review length (1 = no more than a uniform share), over the last 300 reviews."
        )
    else:
        st.caption(f"No reviews of this {side}.")
