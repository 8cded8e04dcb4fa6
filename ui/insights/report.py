"""The report to hand on: what it will cover (what the page shows), Build, and the downloads of that build only."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from emotion.insights.prepared import Prepared
from emotion.insights.report import write_report, zip_folder
from ui.insights import choices


def draw(prepared: Prepared) -> None:
    chosen = choices.current()
    covered = [
        "overall shares",
        f"segments of {' × '.join(chosen.by) if chosen.cross else ', '.join(chosen.by) or 'no column'}",
        f"time by {chosen.time}" if chosen.time else "no time view",
        f"emotions {', '.join(chosen.emotions)}" if chosen.emotions else "every emotion",
        f"findings of {chosen.min_difference * 100:.0f} points or more",
        "drivers and examples",
    ]
    st.caption(f"The report covers what the page shows: {'; '.join(covered)}.")
    key = (st.session_state.get("insights_table"), id(prepared), chosen)
    if st.button("Build the report", key="report_build"):
        with st.spinner("Writing the report (charts at slide size)…"), tempfile.TemporaryDirectory() as tmp:
            report = write_report(prepared, Path(tmp), chosen)
            st.session_state["insights_report"] = (
                key,
                zip_folder(Path(tmp)),
                (Path(tmp) / "report.html").read_bytes(),
                report.png_problem,
            )
    built = st.session_state.get("insights_report")
    if not built:
        return
    if built[0] != key:
        st.caption("The choices changed since the last build: build the report again to download it.")
        return
    _, archive, page, problem = built
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download the report (zip: HTML, PNG charts, JSON)",
        archive,
        "emotion_report.zip",
        "application/zip",
        key="report_zip",
        on_click="ignore",
    )
    c2.download_button("Download report.html", page, "report.html", "text/html", key="report_html", on_click="ignore")
    if problem:
        st.caption(problem)
