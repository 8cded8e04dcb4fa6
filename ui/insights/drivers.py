"""Drivers: the words that mark an emotion or a segment, noise-level words marked as such."""

from __future__ import annotations

import html

import streamlit as st

from emotion.insights import charts, drivers
from emotion.insights.prepared import Prepared
from emotion.labels import COLORS
from ui import common


def select_term(chart_key: str) -> None:
    points = st.session_state[chart_key].selection.points
    if points:
        st.session_state["term"] = html.unescape(str(points[0]["y"]))  # the chart draws terms escaped


def marking(prepared: Prepared, column: str | None, group: str):
    """The words marking ``group`` (an emotion, or a segment of ``column``) against the rest, and their chart."""
    if column is None:
        mask, color = prepared.rows["emotion"].to_numpy() == group, COLORS[group]
    else:
        values, _ = prepared.segment_column(column)
        mask, color = values.eq(group).to_numpy(), "#555555"
    terms = drivers.log_odds(prepared.terms, mask)
    return terms, charts.driver_bars(terms, group, color)


def draw(prepared: Prepared) -> None:
    if prepared.terms is None:
        st.info("No text column: drivers need the comments.")
        return
    kind = st.radio("Words that mark", ["an emotion", "a segment"], horizontal=True, key="drivers_of")
    column = None
    if kind == "an emotion":
        group = st.selectbox("Emotion", prepared.emotions_present, key="drivers_emotion")
    else:
        candidates = prepared.segment_candidates
        if not candidates:
            st.info("No column to form segments.")
            return
        column = st.selectbox("Column", candidates, key="drivers_column")
        group = st.selectbox("Segment", prepared.segment_options(column), key="drivers_segment")
    terms, figure = prepared.memo(("drivers", column, group), lambda: marking(prepared, column, group))
    common.chart(figure, "drivers_chart", on_select=lambda: select_term("drivers_chart"))
    weak = terms.loc[~terms["beyond_noise"].astype(bool), "term"].tolist() if not terms.empty else []
    if not terms.empty and len(weak) == len(terms):
        st.warning(f"No word marks {group} beyond noise: the words listed could be chance.")
    elif weak:
        st.caption(f"Within noise (could be chance): {', '.join(weak)}.")
    st.caption(
        "Click a term to see its comments below. Scores: weighted log-odds z-scores (Monroe et al. 2008) "
        f"against the rest, in at least {drivers.MIN_COUNT} comments, stop words left out; under "
        f"{drivers.NOISE_Z} is within noise. A phrase and the words it holds are one entry."
    )
    if not terms.empty:
        st.dataframe(
            terms.rename(
                columns={
                    "term": "Term",
                    "score": "z-score",
                    "count": "Uses",
                    "rest_count": "Uses elsewhere",
                    "comments": "Comments",
                    "beyond_noise": "Beyond noise",
                    "also": "Also as",
                }
            ),
            hide_index=True,
        )
