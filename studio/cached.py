"""st.cache_data wrappers around `semax.*` computations for the current model. `key` is the
model's cache key (`Current.key`); arguments starting with `_` are not hashed."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import streamlit as st

from semax import explain, figures, probes, text_reference
from semax.data.stats import dataset_stats, format_stats


@st.cache_data(show_spinner=False, max_entries=8)
def stats(_bundle, key: str) -> dict:
    """The model's dataset statistics (Table 1), with `text`: them as the CLI prints them."""
    s = dataset_stats(_bundle.data.reviews, data=_bundle.data)
    return {**s, "text": format_stats(s)}


@st.cache_data(show_spinner=False, max_entries=64)
def attention(_bundle, key: str, reviews: tuple[int, ...]) -> list[dict]:
    out = explain.attention(_bundle.model, _bundle.data, np.asarray(reviews, dtype=np.int64))
    return [
        {"review": a.review, "words": a.words, "alpha": a.alpha.tolist(), "r_y": a.r_y} for a in out
    ]


@st.cache_data(show_spinner=False, max_entries=64)
def heatmap(_bundle, key: str, reviews: tuple[int, ...]):
    rows = attention(_bundle, key, reviews)
    return figures.attention_heatmap([(f"#{r['review']}", r["words"], r["alpha"]) for r in rows])


@st.cache_data(show_spinner="Integrated Gradients…", max_entries=64)
def integrated_gradients(_bundle, key: str, review: int, n_steps: int) -> dict:
    a = explain.integrated_gradients(_bundle.model, _bundle.data, review, n_steps)
    return {
        "words": a.words,
        "attribution": a.attribution.tolist(),
        "r_y": a.r_y,
        "r_y_baseline": a.r_y_baseline,
        "delta": a.delta,
    }


@st.cache_data(show_spinner=False, max_entries=64)
def rating_drivers(_bundle, key: str, row: int) -> tuple[float, list[dict]]:
    full, infl = explain.rating_drivers(_bundle.model, _bundle.data, row)
    return full, [vars(i) for i in infl]


@st.cache_data(show_spinner=False, max_entries=64)
def top_words(_bundle, key: str, side: str, name: str, top: int = 15, cap: int = 300) -> list:
    reviews = _bundle.data.reviews
    ids = np.flatnonzero(reviews[side].to_numpy() == name)[-cap:]
    if not len(ids):
        return []
    return explain.top_words(explain.attention(_bundle.model, _bundle.data, ids), top, min_count=1)


@st.cache_data(show_spinner=False, max_entries=64)
def recommend(_rec, key: str, user: str, top: int) -> list[dict]:
    return _rec.recommend(user, top)


@st.cache_data(show_spinner=False, max_entries=128)
def pair_drivers(_rec, key: str, user: str, item: str) -> tuple[float, list[dict]]:
    full, infl = explain.pair_drivers(_rec, user, item)
    return full, [vars(i) for i in infl]


@st.cache_resource(show_spinner="Fitting the rolling-bias reference on this data…", max_entries=4)
def reference(_rec, key: str):
    """A rolling-bias Recommender fitted on the current model's data by its protocol."""
    from semax.inference import Recommender
    from semax.training.pipeline import reference as fit_reference

    return Recommender.from_bundle(fit_reference(_rec.data, "rolling-bias"))


def reference_now(_rec, key: str, user: str, item: str) -> float:
    """The rolling bias's r̂_uv for the pair, without what-if reviews."""
    return reference(_rec, key).predict(user, item).raw


@st.cache_data(show_spinner=False, max_entries=256)
def what_if_path(
    _rec, key: str, user: str, item: str, texts: tuple, stars: tuple, side: str = "user"
) -> list[dict]:
    from semax.inference import what_if_path as path

    return path(_rec, user, item, list(texts), list(stars), reference(_rec, key), side)


@st.cache_data(
    show_spinner="Does the related task read the text? Reading the test reviews…", max_entries=8
)
def text_reading(_bundle, key: str) -> dict:
    """r̂_y's reading of the test reviews (`probes.text_reading`) and the bag-of-words
    reference's (`text_reference.bow_reading`) on the same rows, as plain dicts."""
    data, rows = _bundle.data, _bundle.data.test_rows
    return {
        "model": asdict(probes.text_reading(_bundle.model, data, rows)),
        "reference": asdict(text_reference.bow_reading(data, rows)),
    }
