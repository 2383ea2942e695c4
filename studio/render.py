"""What the pages draw: untrusted review text through the escaping HTML of `studio.markup` and
`st.html` (no markdown processing of review text), and figures and tables each with their
downloads (`studio.export`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from studio import export
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


def download(label: str, data, name: str, ext: str, mime: str) -> None:
    """A small download button for file `name.ext` (`data`: its content, or a function that
    builds it when clicked)."""
    st.download_button(
        label,
        data=data,
        file_name=export.file_name(name, ext),
        mime=mime,
        key=f"{name}-{ext}",
        on_click="ignore",
        type="tertiary",
        icon=":material/download:",
    )


IMAGE_FORMAT_KEY = "studio.image_format"  # the sidebar's choice: what the toolbars' camera saves
IMAGE_FORMATS = ("png", "svg")


def chart(fig, key: str, **kw) -> None:
    """A figure (its toolbar's camera saves a PNG or SVG, as chosen in the sidebar) with a
    download of it as a standalone HTML file (built on click only: plotly.js is 4 MB)."""
    image = st.session_state.get(IMAGE_FORMAT_KEY, IMAGE_FORMATS[0])
    st.plotly_chart(fig, key=key, config=export.chart_config(key, image), **kw)
    download("Figure as HTML", lambda: export.figure_html(fig, key), key, "html", "text/html")


EAGER_ROWS = 5_000  # a larger table's CSV is built when its button is clicked


def table(frame: pd.DataFrame, name: str, show: int | None = None, **kw) -> None:
    """A table (no index) with a download of it as CSV; `show` caps the rows drawn (the CSV
    keeps every row)."""
    if show is not None and len(frame) > show:
        st.dataframe(frame.head(show), hide_index=True, **kw)
        st.caption(f"The first {show:,} of {len(frame):,} rows; the CSV holds them all.")
    else:
        st.dataframe(frame, hide_index=True, **kw)
    data = export.csv_bytes(frame) if len(frame) <= EAGER_ROWS else lambda: export.csv_bytes(frame)
    download("Table as CSV", data, name, "csv", "text/csv")


def attention_download(name: str, title: str, words, weights, known=None, note: str = "") -> None:
    """A download of the coloured attention view as an HTML file."""
    page = export.attention_html(title, words, weights, known, note)
    download("Attention view as HTML", page, name, "html", "text/html")
