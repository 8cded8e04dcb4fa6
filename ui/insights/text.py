"""User text on the page: always drawn as text, never as markdown (no link, image or formatting from a cell)."""

from __future__ import annotations

import html

import streamlit as st

from emotion.insights import drivers


def quote(text: object, terms: list[str], suffix: str = "") -> None:
    """A comment as a quote with ``terms`` marked. :func:`emotion.insights.drivers.highlight` escapes the text as
    HTML and adds only ``<mark>``; the block is HTML, never markdown, so ``![x](http://…)`` stays text."""
    marked = drivers.highlight(str(text), terms)
    st.html(
        f"<blockquote style='margin:0.3em 0;border-left:3px solid #ccc;padding-left:0.8em'>{marked}"
        f"<span style='color:#666'>{html.escape(suffix)}</span></blockquote>"
    )
