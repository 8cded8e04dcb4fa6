"""What the Streamlit pages draw, without importing streamlit: Plotly figures (:mod:`~emotion.dashboard.charts`)
and the answers the pages ask for (:mod:`~emotion.dashboard.answers`)."""
