"""Rendering untrusted review text: everything goes through the escaping HTML builders of
`studio.support` and `st.html` (no markdown processing of review text)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from studio.support import signed_words_html, snippet, text_html, weighted_words_html


def words(words, weights, known=None) -> None:
    st.html(weighted_words_html(words, weights, known))


def signed(words, values) -> None:
    st.html(signed_words_html(words, values))


def text(body: str, limit: int | None = None) -> None:
    st.html(text_html(body, limit))


def when(seconds: int) -> str:
    return pd.Timestamp(int(seconds), unit="s", tz="UTC").date().isoformat()


def review_list(reviews: pd.DataFrame, ids, limit: int = 160, empty: str = "none") -> None:
    """Review snippets (rating, date, author/item, escaped text), oldest first."""
    ids = list(ids)
    if not ids:
        st.caption(empty)
        return
    for rid in ids:
        r = reviews.loc[int(rid)]
        st.html(
            f"<small>#{int(rid)} · ★ {float(r['rating']):g} · {when(r['time'])} · "
            f"{_esc(r['user'])} → {_esc(r['item'])}</small>" + text_html(snippet(r["text"], limit))
        )


def _esc(s) -> str:
    import html

    return html.escape(str(s))
