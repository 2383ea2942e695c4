"""SEMAX Studio: the router. Pages live in pages/; the sidebar's model chooser is shared by all
of them (studio/state.py). Run with `streamlit run streamlit_app.py`."""

import streamlit as st

from studio.state import configure_torch, routing, sidebar, warm_up

st.set_page_config(page_title="SEMAX Studio", page_icon=":material/reviews:", layout="wide")
configure_torch()

pages = {
    "Model": [
        st.Page("pages/model.py", title="Model", icon=":material/model_training:", default=True),
    ],
    "Explore": [
        st.Page("pages/predictor.py", title="Predictor", icon=":material/online_prediction:"),
        st.Page("pages/attention.py", title="Attention", icon=":material/visibility:"),
    ],
    "Results": [
        st.Page("pages/errors.py", title="Errors", icon=":material/bar_chart:"),
        st.Page("pages/beta.py", title="β sensitivity", icon=":material/tune:"),
    ],
}
page = st.navigation(pages)
current = sidebar()
with routing():
    page.run()
warm_up(current)
