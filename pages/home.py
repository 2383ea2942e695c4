import streamlit as st

st.title("SEMAX Studio")
st.write(
    "Review-based rating prediction with SEMAX. The model, attention, error and predictor pages "
    "arrive with the app issue; meanwhile the library and CLI are usable: `python -m semax --help`."
)
