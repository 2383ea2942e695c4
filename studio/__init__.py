"""Streamlit glue shared by the SEMAX Studio pages (the library, `semax/`, never imports
streamlit; the pages stay thin and call `semax.*` through these helpers)."""
