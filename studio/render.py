"""Untrusted review text on the page: the escaping HTML of `studio.markup` through `st.html`
(no markdown processing of review text)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from studio.markup import review_html, signed_words_html, weighted_words_html


def words(words, weights, known=None) -> None:
    st.html(weighted_words_html(words, weights, known))


def signed(words, values) -> None:
    st.html(signed_words_html(words, values))


def review_list(reviews: pd.DataFrame, ids, limit: int = 160, empty: str = "none") -> None:
    """Review snippets (rating, date, author/item, escaped text), oldest first."""
    ids = list(ids)
    if not ids:
        st.caption(empty)
    for rid in ids:
        st.html(review_html(reviews, rid, limit))
