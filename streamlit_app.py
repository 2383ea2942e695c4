"""SEMAX Studio: `streamlit run streamlit_app.py`.

This file is the server (an `st.App`); every session runs the router, studio/router.py. While the
browser loads the page, the server already imports the app's modules and loads the startup model
(studio/startup.py): the first page then waits for neither.
"""

import streamlit as st

from studio.startup import lifespan

app = st.App("studio/router.py", lifespan=lifespan)
