"""SEMAX Studio's router, the script every session runs (`streamlit_app.py` serves it). Pages live
in pages/, each at its own address (studio/navigation.py); the sidebar's model chooser is shared
by all of them (studio/sidebar.py)."""

import streamlit as st

from studio.navigation import pages, routing
from studio.sidebar import sidebar
from studio.state import configure_torch, warm_up

st.set_page_config(page_title="SEMAX Studio", page_icon=":material/reviews:", layout="wide")
configure_torch()

page = st.navigation(pages())
current = sidebar()
with routing():
    page.run()
warm_up(current)
