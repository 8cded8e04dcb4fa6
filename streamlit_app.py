"""Entry point: the shared frame (title, sidebar settings) and the router to the four pages."""

import streamlit as st

from emotion import config
from ui import common, frame

config.offline_process()

st.set_page_config(page_title="Emotion analytics", page_icon=frame.page_icon(), layout="wide")
frame.require_login()

navigation = st.navigation(
    [
        st.Page("pages/classify.py", title="Classify", icon=":material/edit_note:", default=True),
        st.Page("pages/bulk.py", title="Bulk label", icon=":material/table_view:"),
        st.Page("pages/compare.py", title="Compare models", icon=":material/leaderboard:"),
        st.Page("pages/insights.py", title="Insights", icon=":material/insights:"),
    ]
)
common.sidebar()
frame.drawn()
navigation.run()
