"""Overview: rows counted and left out (with their text), the estimator, each emotion's share as numbers."""

from __future__ import annotations

import streamlit as st

from emotion.insights import charts, shares
from emotion.insights.analyses.overview import describe_estimator
from emotion.insights.prepared import Prepared
from emotion.insights.table import NO_CLEAR_EMOTION
from ui import common

FLAGGED_NOTE = 0.10
"""When more than this share of rows is flagged "no clear emotion", the page says so at the top."""


def draw(prepared: Prepared) -> None:
    table, rows = prepared.table, prepared.rows
    flagged = table.excluded_counts().get(NO_CLEAR_EMOTION, 0)
    if len(table.frame) and flagged / len(table.frame) > FLAGGED_NOTE:
        st.warning(
            f"{flagged:,} rows ({flagged / len(table.frame):.0%}) are flagged *no clear emotion* and left out of "
            "the shares below: every share describes the other rows. Switch on *Count rows with no clear emotion* "
            "above to count them by their labels."
        )
    c1, c2, c3 = st.columns(3)
    c1.metric("Rows counted", f"{len(rows):,}")
    c2.metric(
        "Left out",
        f"{len(table.frame) - len(rows):,}",
        help="Rows with no label, a label naming no emotion, no clear emotion or another language (the last two "
        "can be counted: see the switches above).",
    )
    c3.metric("Labels from", table.model or table.label_column)
    if table.excluded_counts():
        with st.expander("Rows left out, and why"):
            st.text(", ".join(f"{n:,} {reason}" for reason, n in table.excluded_counts().items()))
            left_out = table.excluded_rows()
            first = [c for c in (table.text_column, "reason") if c and c in left_out]
            st.dataframe(
                left_out[first + [c for c in left_out.columns if c not in first]],
                hide_index=True,
                height=240,
                column_config={table.text_column: st.column_config.TextColumn(width="large")}
                if table.text_column
                else None,
            )
    estimator = st.selectbox(
        "How shares are estimated",
        prepared.estimators(),
        index=prepared.estimators().index(prepared.default_estimator()),
        format_func=lambda name: shares.ESTIMATORS[name],
        key="estimator",
        bind="query-params",
        help="Counting labels inherits the model's errors; the probabilistic count averages calibrated "
        "probabilities; the adjusted count corrects the counts by the model's confusion measured on labelled rows. "
        f"The default ({shares.DEFAULT_ESTIMATOR}) had the lowest error on held-out labelled mixtures.",
    )
    figure = prepared.memo(
        ("overall_bars", estimator), lambda: charts.overall_bars(prepared.overall(estimator), estimator, len(rows))
    )
    common.chart(figure, "overall")
    st.caption(describe_estimator(prepared, estimator))
