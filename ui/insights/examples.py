"""Examples: representative comments of an emotion (and segment), driver words marked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from emotion.insights import drivers, examples
from emotion.insights.prepared import Prepared
from emotion.labels import LABELS
from ui.insights.choices import ALL
from ui.insights.text import quote


def draw(prepared: Prepared) -> None:
    if not prepared.table.text_column:
        st.info("No text column: examples need the comments.")
        return
    rows = prepared.rows
    present = [e for e in LABELS if e in set(rows["emotion"].unique())]
    emotion = st.selectbox("Emotion", present, key="examples_emotion")
    picked_rows = rows.loc[rows["emotion"].eq(emotion)]
    by = st.session_state.get("by")
    if by and by in rows:
        values, _ = prepared.segment_column(by)
        segment = st.selectbox(f"Segment of {by}", [ALL, *values.value_counts().index], key="examples_segment")
        if segment != ALL:
            picked_rows = picked_rows.loc[values.loc[picked_rows.index].eq(segment)]
    terms = (
        drivers.log_odds(prepared.terms, rows["emotion"].to_numpy() == emotion)["term"].tolist()
        if prepared.terms is not None
        else []
    )
    best = examples.representative(
        picked_rows, prepared.table.text_column, score_column="confidence" if "confidence" in rows else None
    )
    if best.empty:
        st.info("No comment to show for this choice.")
        return
    for _, row in best.iterrows():
        confidence = (
            f" · confidence {row['confidence']:.0%}" if "confidence" in row and pd.notna(row["confidence"]) else ""
        )
        quote(row[prepared.table.text_column], terms, confidence)
    st.caption("Highest calibrated confidence first, near-duplicates left out; the emotion's driver words marked.")
