"""Entry point: the shared frame (title, sidebar settings) and the router to the three pages."""

import streamlit as st

from pages import common

st.set_page_config(page_title="Emotion analytics", page_icon=":material/mood:", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/classify.py", title="Classify", icon=":material/edit_note:", default=True),
        st.Page("pages/bulk.py", title="Bulk label", icon=":material/table_view:"),
        st.Page("pages/compare.py", title="Compare models", icon=":material/leaderboard:"),
    ]
)
common.sidebar()
navigation.run()
