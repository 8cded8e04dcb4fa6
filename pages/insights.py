"""Insights: a labelled table turned into findings: overall shares, segments, time, drivers, examples, a report.

Every view's choices live in the page's address (widgets bound to query parameters), so a link reopens it.
"""

import streamlit as st

from emotion.insights import charts, shares
from pages import insights_view

st.title("Insights")
source = insights_view.choose_source()
if source is None:
    st.stop()
prepared = insights_view.prepare(source)
if prepared is None:
    st.stop()
table, rows = prepared.table, prepared.rows

# Overview -------------------------------------------------------------------------------------------------------
st.subheader("Overview")
c1, c2, c3 = st.columns(3)
c1.metric("Rows counted", f"{len(rows):,}")
c2.metric(
    "Left out",
    f"{len(table.frame) - len(rows):,}",
    help="Rows with no label, a label naming no emotion, "
    "no clear emotion or another language (the last two can be counted: see the switches above).",
)
c3.metric("Labels from", table.model or table.label_column)
if table.excluded_counts():
    with st.expander("Rows left out, and why"):
        st.write(", ".join(f"{n:,} {reason}" for reason, n in table.excluded_counts().items()))
        st.dataframe(table.excluded_rows(), hide_index=True, height=200)
estimator = st.selectbox(
    "How shares are estimated",
    prepared.estimators(),
    index=prepared.estimators().index(prepared.default_estimator()),
    format_func=lambda name: shares.ESTIMATORS[name],
    key="estimator",
    bind="query-params",
    help="Counting labels inherits the model's errors; the probabilistic count averages calibrated probabilities; "
    "the adjusted count corrects the counts by the model's confusion measured on labelled rows. "
    f"The default ({shares.DEFAULT_ESTIMATOR}) had the lowest error on held-out labelled mixtures.",
)
overall = prepared.overall(estimator)
insights_view.chart(charts.overall_bars(overall, estimator, len(rows)), "overall")
st.caption(insights_view.estimator_note(prepared, estimator))

# Segments, time, drivers, examples ------------------------------------------------------------------------------
tabs = st.tabs(["Segments", "Time", "Drivers", "Examples"])
with tabs[0]:
    insights_view.segments_view(prepared)
with tabs[1]:
    insights_view.time_view(prepared)
with tabs[2]:
    insights_view.drivers_view(prepared)
with tabs[3]:
    insights_view.examples_view(prepared)

# Drill-down -----------------------------------------------------------------------------------------------------
st.subheader("Rows")
insights_view.rows_view(prepared)

# Report ---------------------------------------------------------------------------------------------------------
st.subheader("Report to hand on")
insights_view.report_view(prepared)
