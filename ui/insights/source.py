"""Where the Insights page's table comes from (a Bulk run, the demo, an upload) and its preparation, with everything
that depended on the previous table reset when the table changes."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from emotion import registry
from emotion.insights.demo import demo_frame
from emotion.insights.prepared import Prepared
from emotion.insights.table import LABEL_SUFFIX, RESULT_COLUMNS, guess_label_column, recognise, with_corrections
from emotion.io import formats
from emotion.io.tables import DataError, guess_text_column
from emotion.labelling.jobs import BulkJob
from emotion.labelling.table import label_table
from ui import common

DEPENDENT = (
    "by",
    "by2",
    "time",
    "freq",
    "date_order",
    "time_emotions",
    "emotion",
    "segment",
    "period",
    "term",
    "label",
    "text",
    "drivers_emotion",
    "drivers_column",
    "drivers_segment",
    "examples_emotion",
    "examples_segment",
    "explain_row",
    "insights_report",
    "themes_state",
    "themes",
)
"""Choices that belong to one table: a new table starts without them (in the session and in the address)."""


TEXT_INPUTS = ("term",)


@dataclass(frozen=True)
class Source:
    """A labelled table and where it came from (the key of what is built from it)."""

    frame: pd.DataFrame
    name: str
    key: str


@st.cache_data(show_spinner="Labelling the demo with the default model…")
def labelled_demo(model_name: str) -> pd.DataFrame:
    """The demo workbook labelled by ``model_name`` (the same for every session)."""
    frame = demo_frame().drop(columns="intended")
    return label_table(frame, "comment", {model_name: common.local_model(model_name)})


def choose_source() -> Source | None:
    """A Bulk run named in the address, the demo, or an uploaded labelled file; choices of another table reset."""
    token = st.query_params.get("run")
    source = run_source(token) if token else picked_source()
    if source is not None:
        forget_other_tables(source.key)
    return source


def picked_source() -> Source | None:
    choice = st.segmented_control(
        "Data", ["Open the demo", "Upload a labelled file"], default="Open the demo", key="source", bind="query-params"
    )
    if choice == "Upload a labelled file":
        upload = st.file_uploader(
            "A labelled table: the output of Bulk or `python -m emotion label`, or any file with a column of emotions",
            type=[s.lstrip(".") for s in formats.SUFFIXES],
            key="insights_upload",
        )
        if upload is None:
            return None
        uploaded = common.read_upload(upload, "insights")
        return Source(uploaded.frame, uploaded.name, f"upload:{uploaded.sha256}") if uploaded else None
    if choice is None:
        return None
    name = registry.DEFAULT_MODEL
    st.caption(
        "Demo: 500 customer-feedback comments this project writes itself (six months, five products), labelled "
        f"now by **{name}**. Three patterns are planted: find them."
    )
    return Source(labelled_demo(name), "customer_feedback_demo.xlsx", f"demo:{name}")


def forget_other_tables(key: str) -> None:
    """When the table changes (another run, file or the demo), drop every choice, filter and download that belonged
    to the previous one, from the session and from the address."""
    table = key.rsplit(":", 1)[0] if key.startswith("run:") else key  # a run's new rows are the same table
    previous = st.session_state.get("insights_table")
    st.session_state["insights_table"] = table
    if previous is not None and previous != table:
        stale = [name for name in DEPENDENT if name in st.session_state or name in st.query_params]
        for name in stale:
            if name in TEXT_INPUTS:
                st.session_state[name] = ""  # a bound widget keeps its value unless it is given a new one
            else:
                st.session_state.pop(name, None)
            with contextlib.suppress(StreamlitAPIException):  # bound: the widget's new value rewrites the address
                st.query_params.pop(name, None)


def run_source(token: str) -> Source | None:
    """A Bulk run's labelled table, read again only when the run changed (more rows, a correction)."""
    store = common.run_store()
    version = store.version(token)
    cached = st.session_state.get("insights_run")
    if cached and cached[0] == (token, version):
        source = cached[1]
    else:
        stored = common.open_run(store, token)
        if stored is None:  # a wrong token and another user's run look the same
            st.error("No such run: it may have been deleted. Open the demo or upload a labelled file instead.")
            return None
        job = BulkJob.from_stored(stored)
        if not job.parts:
            st.warning("This run has no labelled rows yet: label it on the Bulk page first.")
            return None
        source = Source(job.result(), job.file_name, f"run:{token}:{version}")
        st.session_state["insights_run"] = ((token, version), source)
    st.caption(f"Bulk run **{source.name}** · {len(source.frame):,} rows · corrections applied")
    return source


def prepare(source: Source) -> Prepared | None:
    """The recognised table, built once per source and choice of columns, kept in this session."""
    frame = source.frame
    columns = list(frame.columns)
    try:
        guess = guess_label_column(frame)
    except DataError as error:
        st.error(str(error))
        return None
    c1, c2 = st.columns(2)
    label_options = [c for c in columns if c == guess or str(c).endswith(LABEL_SUFFIX) or c not in RESULT_COLUMNS]
    if st.session_state.get("label") not in label_options:
        st.session_state.pop("label", None)
    label_column = c1.selectbox(
        "Label column", label_options, index=label_options.index(guess), key="label", bind="query-params"
    )
    text_options = ["(none)", *[c for c in columns if c != label_column]]
    text_guess = _text_guess(frame, label_column)
    if st.session_state.get("text") not in text_options:
        st.session_state.pop("text", None)
    text_column = c2.selectbox(
        "Text column",
        text_options,
        index=text_options.index(text_guess) if text_guess in text_options else 0,
        key="text",
        bind="query-params",
    )
    s1, s2 = st.columns(2)
    with_no_emotion = s1.toggle(
        "Count rows with no clear emotion",
        key="with_no_emotion",
        disabled="no_emotion" not in frame,
        help="Rows marked no clear emotion are counted apart unless this is on.",
    )
    with_foreign = s2.toggle(
        "Count rows not in English",
        key="with_foreign",
        disabled="language" not in frame,
        help="The models read English; other languages are counted apart unless this is on.",
    )
    frame = with_corrections(frame, label_column)
    key = hashlib.sha256(
        repr((source.key, label_column, text_column, with_no_emotion, with_foreign)).encode()
    ).hexdigest()
    cached = st.session_state.get("insights_prepared")
    if cached and cached[0] == key:
        return cached[1]
    try:
        table = recognise(
            frame,
            label_column,
            None if text_column == "(none)" else text_column,
            include_no_emotion=with_no_emotion,
            include_not_english=with_foreign,
        )
    except DataError as error:
        st.error(str(error))
        return None
    prepared = Prepared.of(table)
    st.session_state["insights_prepared"] = (key, prepared)
    return prepared


def _text_guess(frame: pd.DataFrame, label_column: str) -> str:
    try:
        return guess_text_column(frame.head(200).drop(columns=[label_column]))
    except DataError:
        return "(none)"
