"""SEMAX Studio: the Streamlit app's router (pages live in pages/)."""

import streamlit as st

st.set_page_config(page_title="SEMAX Studio", layout="wide")
home = st.Page("pages/home.py", title="SEMAX Studio", icon=":material/home:", default=True)
st.navigation([home]).run()
