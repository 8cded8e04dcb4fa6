"""Compare models: on the stored dev evaluation or your own labelled file, with intervals, calibration,
cascades, cost, and the rows where models disagree."""

import streamlit as st

from ui import compare, frame
from ui import evaluation as views

frame.ensure()

st.title("Compare models")
sources = [compare.STORED, compare.OWN] + ([compare.BULK] if "bulk_result" in st.session_state else [])
source = st.radio("Data", sources, horizontal=True, key="compare_source")
texts, text_column = None, None
if source == compare.BULK:
    labels, rows, names, text_column = compare.bulk_result()
else:
    evaluated = compare.own_file() if source == compare.OWN else compare.stored()
    if evaluated is None:
        st.stop()
    metrics, predictions, texts = evaluated
    views.evaluation(metrics, predictions, list((texts or {}).values()))
    names = list(metrics["models"])
    labels, rows = predictions[names], predictions
compare.disagreements(labels, rows, names, texts, text_column)
