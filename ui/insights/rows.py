"""The rows behind any answer: filters shown as removable chips, a 0-row result explained, the comments quoted,
and the words behind one row's label."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from emotion import registry
from emotion.classifier import InputError
from emotion.dashboard.charts import word_bars
from emotion.explanations import explain
from emotion.insights.filters import filtered
from emotion.insights.prepared import Prepared
from emotion.labels import LABELS
from ui import common
from ui.insights import choices
from ui.insights.choices import ALL
from ui.insights.text import quote

COMMENTS_SHOWN = 10
TABLE_ROWS = 10_000
"""The rows table shows at most this many rows (the report holds them all)."""
FILTER_KEYS = ("emotion", "segment", "period", "term")


def clear(*keys: str) -> None:
    for key in keys:
        st.session_state[key] = "" if key == "term" else ALL


def chips(active: dict[str, str]) -> None:
    """One button per active filter (click: remove it), and "Clear all filters"."""
    if not active:
        return
    columns = st.columns(len(active) + 1)
    for column, (key, words) in zip(columns, active.items(), strict=False):
        column.button(f"✕ {words}", key=f"chip_{key}", on_click=clear, args=(key,), help="Remove this filter")
    columns[-1].button("Clear all filters", key="chip_all", on_click=clear, args=tuple(active))


def periods_of(prepared: Prepared, time: str, order: str, frequency: str) -> list[str]:
    """The periods holding counted rows, in order."""
    return sorted(set(prepared.period_labels(time, order, frequency).unique()) - {""})


def draw(prepared: Prepared) -> None:
    rows = prepared.rows
    text = prepared.table.text_column
    c1, c2, c3, c4 = st.columns(4)
    c1.selectbox("Emotion", [ALL, *LABELS], key="emotion", bind="query-params")
    segment_options = [ALL]
    by = st.session_state.get("by")
    if by and by in rows:
        by2 = st.session_state.get("by2")
        segment_options += prepared.segment_options(by, by2 if by2 in rows else None)
    if st.session_state.get("segment") not in segment_options:
        st.session_state["segment"] = ALL
    c2.selectbox("Segment", segment_options, key="segment", bind="query-params")
    c3.text_input("Term", key="term", bind="query-params", help="Only comments holding these words")
    time = st.session_state.get("time")
    if time and time in rows:
        frequency = st.session_state.get("freq") or "month"
        order = st.session_state.get("date_order") or "auto"
        options = [
            ALL,
            *prepared.memo(
                ("period_options", time, order, frequency), lambda: periods_of(prepared, time, order, frequency)
            ),
        ]
        if st.session_state.get("period") not in options:
            st.session_state["period"] = ALL
        c4.selectbox("Period", options, key="period", bind="query-params")
    active = choices.filters()
    chips(active.active())
    view, empty_because = filtered(prepared, active)
    if empty_because:
        st.warning(f"{empty_because} Remove a filter above to see rows.")
        return
    more = f" (the first {TABLE_ROWS:,} shown)" if len(view) > TABLE_ROWS else ""
    st.caption(f"{len(view):,} of {len(rows):,} counted rows{more}.")
    first = [c for c in (text, "emotion", "confidence") if c and c in view]
    st.dataframe(
        view[first + [c for c in view.columns if c not in first]].head(TABLE_ROWS),
        height=360,
        column_config={text: st.column_config.TextColumn(width="large")} if text else None,
    )
    if text and len(view):
        explain_row(prepared, view)
    if len(view) < len(rows) and text and len(view):
        marked = ", the term marked" if active.term else ""
        st.markdown(f"**Comments in this selection** ({min(len(view), COMMENTS_SHOWN)} of {len(view):,}{marked}):")
        for comment in view[text].head(COMMENTS_SHOWN):
            quote(comment, [active.term] if active.term else [])


def explain_row(prepared: Prepared, view: pd.DataFrame) -> None:
    """The words behind one row's label, by the model that labelled it (or the default model for other files)."""
    text = prepared.table.text_column
    labelled_by = prepared.table.model  # its readiness alone: checking every model imports torch for seq2seq
    ready = labelled_by in registry.LOCAL_MODELS and registry.info(labelled_by, probe=False).status.ready
    name = labelled_by if ready else registry.DEFAULT_MODEL
    with st.expander(f"Why this label? The words behind a row's answer ({name})"):
        row = st.selectbox(
            "Row", list(view.index[:200]), format_func=lambda i: f"{i}: {str(view.at[i, text])[:90]}", key="explain_row"
        )
        if row is None:
            return
        comment = str(view.at[row, text])
        try:
            explained = prepared.memo(("explain", name, comment), lambda: explain(common.local_model(name), comment))
        except InputError as error:
            st.info(str(error))
            return
        common.chart(word_bars(explained.top(), explained.label, name), "explain_row_chart")
        spans = f" (spans of {explained.words_per_part} words: a long text)" if explained.words_per_part > 1 else ""
        st.caption(
            f"{name} says {explained.label} ({explained.probability:.0%}); each bar is how far that falls without "
            f"the word{spans}."
        )
