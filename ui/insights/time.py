"""Time: the date column, the period, the emotions over time, the periods that moved in words."""

from __future__ import annotations

import streamlit as st

from emotion.insights import charts, periods
from emotion.insights.analyses.time import Time, period_table
from emotion.insights.contract import Choices
from emotion.insights.prepared import Prepared
from emotion.labels import LABELS
from ui import common
from ui.insights.choices import min_difference
from ui.insights.segments import select_point


def draw(prepared: Prepared) -> None:
    frame = prepared.rows
    detected = prepared.memo(
        "date_column", lambda: periods.detect_date_column(frame, exclude=(prepared.table.text_column,))
    )
    options = ["(none)", *frame.columns]
    if st.session_state.get("time") not in options:
        st.session_state.pop("time", None)
    column = st.selectbox(
        "Date column", options, index=options.index(detected) if detected else 0, key="time", bind="query-params"
    )
    if column == "(none)":
        st.info("No date column found: pick one to see emotions over time.")
        return
    c1, c2 = st.columns(2)
    order = c1.selectbox("Dates like 03/04/2026 are", periods.ORDERS, key="date_order", bind="query-params")
    parsed = prepared.dates(column, order)
    valid, chosen = prepared.memo(
        ("dated", column, order), lambda: (int(parsed.values.notna().sum()), periods.choose_frequency(parsed.values))
    )
    if not valid:
        st.warning(f"No cell of {column!r} reads as a date ({len(parsed.unreadable):,} unreadable).")
        unreadable(parsed)
        return
    frequency = c2.selectbox(
        "Per",
        list(periods.FREQUENCIES),
        index=list(periods.FREQUENCIES).index(chosen),
        key="freq",
        bind="query-params",
        help=f"Chosen from the dates: {chosen} (the finest the span allows that avoids periods too small to test).",
    )
    choices = Choices(time=column, frequency=frequency, date_order=order, min_difference=min_difference())
    _, _, table = prepared.memo(("period_table", choices), lambda: period_table(prepared, choices))
    moved = table.loc[table["moved"]]
    commonest = prepared.memo("commonest_emotions", lambda: list(frame["emotion"].value_counts().index[:2]))
    default = list(dict.fromkeys([*moved["emotion"], *commonest]))
    shown = st.multiselect("Emotions", LABELS, default=default, key="time_emotions")
    common.chart(
        prepared.memo(("period_lines", choices, tuple(shown)), lambda: charts.period_lines(table, shown, frequency)),
        "time_chart",
        on_select=lambda: select_point("time_chart", {"period": 0, "emotion": 4}),
    )
    st.caption(
        f"Read as {parsed.kind}. {valid:,} dated rows"
        + (f"; {parsed.empty:,} without a date" if parsed.empty else "")
        + (f"; {len(parsed.unreadable):,} unreadable (listed below)" if len(parsed.unreadable) else "")
        + f". Periods under {periods.MIN_ROWS} rows are drawn faint and not tested."
    )
    analysis = Time()
    picked = Choices(**{**choices.__dict__, "emotions": tuple(shown)})
    section = prepared.memo(("time", picked), lambda: analysis.compute(prepared, picked))
    st.markdown("**Moved beyond noise from the period before** (and by the smallest finding or more):")
    said = analysis.sentences(section)
    if said:  # one block (as text: the sentences quote the file's values), not an element per sentence
        st.text("\n".join(f"• {sentence}" for sentence in said))
    unreadable(parsed)


def unreadable(parsed: periods.ParsedDates) -> None:
    if len(parsed.unreadable):
        with st.expander(f"Unreadable dates ({len(parsed.unreadable):,})"):
            st.dataframe(parsed.unreadable.head(1000), hide_index=True)
