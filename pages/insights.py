"""Insights: a labelled table turned into findings: overall shares, segments, time, drivers, examples, a report.

Every view's choices live in the page's address (widgets bound to query parameters), so a link reopens it; a new
table starts without the previous table's choices.
"""

import streamlit as st

from ui import frame
from ui.insights import overview, report, rows, source, views

frame.ensure()

st.title("Insights")
chosen = source.choose_source()
prepared = source.prepare(chosen) if chosen is not None else None
if prepared is None:
    st.stop()

st.subheader("Overview")
overview.draw(prepared)

tabbed = views.tabbed()
for tab, view in zip(st.tabs([title for title, _ in tabbed]), tabbed, strict=True):
    with tab:
        views.draw(view[1], prepared)

st.subheader("Rows")
rows.draw(prepared)

st.subheader("Report to hand on")
report.draw(prepared)
