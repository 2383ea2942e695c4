"""Messages whose text comes from files or people (error messages name files, columns, paths and
ids): Streamlit's st.error, st.warning, st.success, st.info and st.caption render their body as
markdown, so the text goes through `studio.markup.literal` and shows exactly as it is."""

from __future__ import annotations

import streamlit as st

from studio.markup import literal


def error(text) -> None:
    st.error(literal(text))


def warning(text) -> None:
    st.warning(literal(text))


def success(text) -> None:
    st.success(literal(text))


def info(text) -> None:
    st.info(literal(text))


def caption(text) -> None:
    st.caption(literal(text))
