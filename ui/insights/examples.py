"""Examples: representative comments of an emotion (and segment), driver words marked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from emotion.insights import drivers, examples
from emotion.insights.prepared import Prepared
from ui.insights.choices import ALL
from ui.insights.text import quote


def representative(prepared: Prepared, emotion: str, by: str | None, segment: str) -> tuple[list[str], pd.DataFrame]:
    """The emotion's driver words, and its most representative comments (in ``segment`` of ``by``)."""
    rows = prepared.rows
    picked_rows = rows.loc[rows["emotion"].eq(emotion)]
    if by and segment != ALL:
        values, _ = prepared.segment_column(by)
        picked_rows = picked_rows.loc[values.loc[picked_rows.index].eq(segment)]
    terms = (
        drivers.log_odds(prepared.terms, rows["emotion"].to_numpy() == emotion)["term"].tolist()
        if prepared.terms is not None
        else []
    )
    best = examples.representative(
        picked_rows, prepared.table.text_column, score_column="confidence" if "confidence" in rows else None
    )
    return terms, best


def draw(prepared: Prepared) -> None:
    if not prepared.table.text_column:
        st.info("No text column: examples need the comments.")
        return
    rows = prepared.rows
    emotion = st.selectbox("Emotion", prepared.emotions_present, key="examples_emotion")
    by = st.session_state.get("by")
    segment = ALL
    if by and by in rows:
        segment = st.selectbox(f"Segment of {by}", [ALL, *prepared.segment_options(by)], key="examples_segment")
    terms, best = prepared.memo(
        ("examples", emotion, by, segment), lambda: representative(prepared, emotion, by, segment)
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
