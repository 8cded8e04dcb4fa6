"""The analyst's choices as the page holds them (widgets bound to the address), as one
:class:`~emotion.insights.contract.Choices` for the analyses and the report."""

from __future__ import annotations

import streamlit as st

from emotion.insights.contract import Choices
from emotion.insights.filters import Filters
from emotion.insights.segments import MIN_DIFFERENCE

NONE = "(none)"
ALL = "(all)"


def _chosen(key: str) -> str | None:
    value = st.session_state.get(key)
    return None if value in (None, NONE, ALL, "") else str(value)


def min_difference() -> float:
    """The smallest difference reported as a finding (a share), from the page's control."""
    return float(st.session_state.get("min_points", MIN_DIFFERENCE * 100)) / 100


def current() -> Choices:
    """What the page shows now: the report covers exactly this."""
    by = tuple(c for c in (_chosen("by"), _chosen("by2")) if c)
    return Choices(
        by=by,
        cross=len(by) == 2,
        time=_chosen("time"),
        frequency=_chosen("freq"),
        date_order=_chosen("date_order") or "auto",
        estimator=_chosen("estimator"),
        emotions=tuple(st.session_state.get("time_emotions") or ()),
        min_difference=min_difference(),
    )


def filters() -> Filters:
    """The filters of the rows view."""
    return Filters(
        emotion=_chosen("emotion"),
        segment=_chosen("segment"),
        by=_chosen("by"),
        by2=_chosen("by2"),
        period=_chosen("period"),
        time=_chosen("time"),
        frequency=_chosen("freq") or "month",
        date_order=_chosen("date_order") or "auto",
        term=_chosen("term"),
    )
