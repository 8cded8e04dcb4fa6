"""Segments: compare by one column (or two crossed), the findings in words, the shares as a table."""

from __future__ import annotations

import streamlit as st

from emotion.insights import charts, segments
from emotion.insights.analyses.segments import Segments
from emotion.insights.contract import Choices
from emotion.insights.prepared import Prepared
from ui import common
from ui.insights.choices import NONE, min_difference


def select_point(chart_key: str, fields: dict[str, int]) -> None:
    """A click on a chart's point filters the rows below: ``fields`` maps a filter's key to the position of its
    value in the point's ``customdata``. The clicked filters replace the ones they name; other filters stay and
    show as chips above the rows."""
    points = st.session_state[chart_key].selection.points
    if points and points[0].get("customdata") is not None:
        for key, position in fields.items():
            st.session_state[key] = str(points[0]["customdata"][position])


def segment_chart(prepared: Prepared, values, name: str):
    """Each segment's shares and their bar chart."""
    shares = segments.segment_shares(values, prepared.rows["emotion"])
    return shares, charts.segment_bars(shares, name)


def draw(prepared: Prepared) -> None:
    candidates = prepared.segment_candidates
    if not candidates:
        st.info("No column to compare: the table has no column of groups besides the text and the labels.")
        return
    c1, c2, c3 = st.columns([2, 2, 1])
    if st.session_state.get("by") not in candidates:
        st.session_state.pop("by", None)
    by = c1.selectbox(
        "Compare by",
        candidates,
        key="by",
        bind="query-params",
        help="Columns of groups, most telling first; ids, measurements and model outputs are not offered.",
    )
    seconds = [NONE, *[c for c in candidates if c != by]]
    if st.session_state.get("by2") not in seconds:
        st.session_state.pop("by2", None)
    second = c2.selectbox("and by (optional)", seconds, key="by2", bind="query-params")
    c3.number_input(
        "Smallest finding (points)",
        min_value=0.0,
        max_value=50.0,
        value=segments.MIN_DIFFERENCE * 100,
        step=1.0,
        key="min_points",
        help="A difference must be beyond noise and at least this large to be listed as a finding; smaller ones "
        "stay in the table.",
    )
    choices = Choices(
        by=(by,) if second == NONE else (by, second), cross=second != NONE, min_difference=min_difference()
    )
    name = by if second == NONE else f"{by} × {second}"
    values, note = prepared.segment_column(by, None if second == NONE else second)
    if note:
        st.caption(note)
    shares, figure = prepared.memo(("segment_bars", name), lambda: segment_chart(prepared, values, name))
    common.chart(
        figure,
        "segment_chart",
        on_select=lambda: select_point("segment_chart", {"segment": 3, "emotion": 4}),
    )
    st.caption("Click a bar to see its rows below.")
    analysis = Segments()
    section = prepared.memo(("segments", choices), lambda: analysis.compute(prepared, choices))
    st.markdown(
        f"**Findings** (beyond noise after Benjamini–Hochberg at 5% within {name}, and at least "
        f"{choices.min_difference * 100:.0f} points), largest first:"
    )
    said = analysis.sentences(section)
    if said:  # one block (as text: the sentences quote the file's values), not an element per sentence
        st.text("\n".join(f"• {sentence}" for sentence in said))
    small = shares.loc[shares["small"], "segment"].unique()
    if len(small):
        st.caption(f"Too few rows to test (under {segments.MIN_ROWS}): {', '.join(map(str, small))}.")
    wide = segments.share_cells(shares)
    st.dataframe(wide, height=min(420, 40 + 35 * len(wide)))
