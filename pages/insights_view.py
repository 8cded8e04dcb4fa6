"""The Insights page's views: each draws one answer of :mod:`emotion.insights` and binds its choices to the URL."""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from emotion import registry
from emotion.classifier import InputError
from emotion.dashboard.charts import word_bars
from emotion.explanations import explain
from emotion.insights import charts, drivers, examples, periods, segments, shares
from emotion.insights.analysis import Prepared
from emotion.insights.demo import demo_frame
from emotion.insights.report import write_report
from emotion.insights.table import LABEL_SUFFIX, RESULT_COLUMNS, guess_label_column, recognise, with_corrections
from emotion.io import formats
from emotion.io.tables import DataError
from emotion.labelling.jobs import BulkJob
from emotion.labelling.table import label_table
from emotion.labels import COLORS, LABELS
from pages import common

ALL = "(all)"
COMMENTS_SHOWN = 10
TABLE_ROWS = 10_000
"""The rows table shows at most this many rows (the report holds them all)."""


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
    """A Bulk run named in the URL, the demo, or an uploaded labelled file."""
    token = st.query_params.get("run")
    if token:
        return run_source(token)
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


def run_source(token: str) -> Source | None:
    """A Bulk run's labelled table, read again only when the run changed (more rows, a correction)."""
    store = common.run_store()
    version = store.version(token)
    cached = st.session_state.get("insights_run")
    if cached and cached[0] == (token, version):
        source = cached[1]
    else:
        stored = store.load(token)
        if stored is None:
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
    label_column = c1.selectbox(
        "Label column", label_options, index=label_options.index(guess), key="label", bind="query-params"
    )
    text_options = ["(none)", *[c for c in columns if c != label_column]]
    text_guess = _text_guess(frame, label_column)
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
    from emotion.io.tables import guess_text_column

    try:
        return guess_text_column(frame.head(200).drop(columns=[label_column]))
    except DataError:
        return "(none)"


def chart(fig, key: str, on_select=None) -> None:
    """A chart with its PNG at slide size and an SVG download (:func:`pages.common.chart`), selectable when asked."""
    common.chart(fig, key, on_select=on_select)


def estimator_note(prepared: Prepared, estimator: str) -> str:
    note = f"Shown: {shares.ESTIMATORS[estimator]}."
    if prepared.confusion is not None:
        note += f" The model's confusion was measured on {prepared.confusion.source}."
    elif estimator != "count":
        note += " This model was not measured here: its errors are assumed to spread evenly."
    return note


def _select_point(chart_key: str, fields: dict[str, int]) -> None:
    """A click on a chart's point filters the rows below: ``fields`` maps a filter's key to the position of its
    value in the point's ``customdata``."""
    points = st.session_state[chart_key].selection.points
    if points and points[0].get("customdata") is not None:
        for key, position in fields.items():
            st.session_state[key] = str(points[0]["customdata"][position])


def segments_view(prepared: Prepared) -> None:
    candidates = prepared.segment_candidates
    if not candidates:
        st.info("No column to compare: the table has no categorical column besides the text and the labels.")
        return
    c1, c2 = st.columns(2)
    by = c1.selectbox("Compare by", candidates, key="by", bind="query-params")
    second = c2.selectbox(
        "and by (optional)", ["(none)", *[c for c in candidates if c != by]], key="by2", bind="query-params"
    )
    values, note = prepared.segment_column(by, None if second == "(none)" else second)
    name = by if second == "(none)" else f"{by} × {second}"
    if note:
        st.caption(note)
    rows = prepared.rows
    table = segments.segment_shares(values, rows["emotion"])
    chart(
        charts.segment_bars(table, name),
        "segment_chart",
        on_select=lambda: _select_point("segment_chart", {"segment": 3, "emotion": 4}),
    )
    st.caption("Click a bar to see its rows below.")
    found = segments.compare_segments({name: values}, rows["emotion"])
    significant = found.loc[found["significant"]]
    if significant.empty:
        st.markdown(
            f"**No segment of {name} differs from the rest beyond noise** (Benjamini–Hochberg, 5% false "
            "discovery rate)."
        )
    else:
        st.markdown("**Findings**, largest first (each beyond noise after Benjamini–Hochberg at 5%):")
        st.markdown("\n".join(f"- {s}" for s in significant["sentence"]))
    small = table.loc[table["small"], "segment"].unique()
    if len(small):
        st.caption(f"Too few rows to test (under {segments.MIN_ROWS}): {', '.join(map(str, small))}.")
    wide = (
        table.assign(
            cell=lambda f: [
                f"{s:.0%} ({lo:.0%}–{hi:.0%})" for s, lo, hi in zip(f["share"], f["low"], f["high"], strict=True)
            ]
        )
        .pivot(index="segment", columns="emotion", values="cell")
        .reindex(columns=LABELS)
    )
    wide.insert(0, "rows", table.drop_duplicates("segment").set_index("segment")["rows"])
    st.dataframe(wide.loc[list(dict.fromkeys(table["segment"]))], height=min(420, 40 + 35 * len(wide)))


def time_view(prepared: Prepared) -> None:
    frame = prepared.rows
    detected = periods.detect_date_column(frame, exclude=(prepared.table.text_column,))
    options = ["(none)", *frame.columns]
    column = st.selectbox(
        "Date column", options, index=options.index(detected) if detected else 0, key="time", bind="query-params"
    )
    if column == "(none)":
        st.info("No date column found: pick one to see emotions over time.")
        return
    c1, c2 = st.columns(2)
    order = c1.selectbox("Dates like 03/04/2026 are", periods.ORDERS, key="date_order", bind="query-params")
    parsed = prepared.dates(column, order)
    valid = parsed.values.notna()
    if not valid.any():
        st.warning(f"No cell of {column!r} reads as a date ({len(parsed.unreadable):,} unreadable).")
        return
    chosen = periods.choose_frequency(parsed.values)
    frequency = c2.selectbox(
        "Per",
        list(periods.FREQUENCIES),
        index=list(periods.FREQUENCIES).index(chosen),
        key="freq",
        bind="query-params",
        help=f"Chosen from the span of the dates: {chosen}.",
    )
    table = periods.period_shares(parsed.values[valid], frame["emotion"][valid], frequency)
    moved = table.loc[table["moved"]]
    default = list(dict.fromkeys([*moved["emotion"], *frame["emotion"].value_counts().index[:2]]))
    shown = st.multiselect("Emotions", LABELS, default=default, key="time_emotions")
    chart(
        charts.period_lines(table, shown, frequency),
        "time_chart",
        on_select=lambda: _select_point("time_chart", {"period": 0, "emotion": 4}),
    )
    st.caption(
        f"Read as {parsed.kind}. {int(valid.sum()):,} dated rows"
        + (f"; {parsed.empty:,} without a date" if parsed.empty else "")
        + (f"; {len(parsed.unreadable):,} unreadable (listed below)" if len(parsed.unreadable) else "")
        + "."
    )
    if len(moved):
        st.markdown("**Moved beyond noise from the period before:**")
        st.markdown(
            "\n".join(
                f"- {r.period}: {r.emotion} {r.share:.0%} ({r.change * 100:+.0f} points)" for r in moved.itertuples()
            )
        )
    if len(parsed.unreadable):
        with st.expander(f"Unreadable dates ({len(parsed.unreadable):,})"):
            st.dataframe(parsed.unreadable.head(1000), hide_index=True)


def _select_term(chart_key: str) -> None:
    points = st.session_state[chart_key].selection.points
    if points:
        st.session_state["term"] = str(points[0]["y"])


def drivers_view(prepared: Prepared) -> None:
    if prepared.terms is None:
        st.info("No text column: drivers need the comments.")
        return
    rows = prepared.rows
    emotions = rows["emotion"].to_numpy()
    kind = st.radio("Words that mark", ["an emotion", "a segment"], horizontal=True, key="drivers_of")
    if kind == "an emotion":
        present = [e for e in LABELS if e in set(pd.unique(emotions))]
        group = st.selectbox("Emotion", present, key="drivers_emotion")
        mask = emotions == group
        color = COLORS[group]
    else:
        candidates = prepared.segment_candidates
        if not candidates:
            st.info("No column to form segments.")
            return
        column = st.selectbox("Column", candidates, key="drivers_column")
        values, _ = prepared.segment_column(column)
        group = st.selectbox("Segment", list(values.value_counts().index), key="drivers_segment")
        mask = values.eq(group).to_numpy()
        color = "#555555"
    terms = drivers.log_odds(prepared.terms, mask)
    chart(charts.driver_bars(terms, group, color), "drivers_chart", on_select=lambda: _select_term("drivers_chart"))
    st.caption(
        "Click a term to see its comments below. Scores: weighted log-odds z-scores (Monroe et al. 2008) "
        f"against the rest, in at least {drivers.MIN_COUNT} comments, stop words left out."
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
                }
            ),
            hide_index=True,
        )


def examples_view(prepared: Prepared) -> None:
    if not prepared.table.text_column:
        st.info("No text column: examples need the comments.")
        return
    rows = prepared.rows
    present = [e for e in LABELS if e in set(rows["emotion"].unique())]
    emotion = st.selectbox("Emotion", present, key="examples_emotion")
    picked_rows = rows.loc[rows["emotion"].eq(emotion)]
    by = st.session_state.get("by")
    if by and by in rows:
        values, _ = prepared.segment_column(by)
        segment = st.selectbox(f"Segment of {by}", [ALL, *values.value_counts().index], key="examples_segment")
        if segment != ALL:
            picked_rows = picked_rows.loc[values.loc[picked_rows.index].eq(segment)]
    terms = (
        drivers.log_odds(prepared.terms, rows["emotion"].to_numpy() == emotion)["term"].tolist()
        if prepared.terms is not None
        else []
    )
    best = examples.representative(
        picked_rows, prepared.table.text_column, score_column="confidence" if "confidence" in rows else None
    )
    if best.empty:
        st.info("No comment to show for this choice.")
        return
    for _, row in best.iterrows():
        confidence = (
            f" · confidence {row['confidence']:.0%}" if "confidence" in row and pd.notna(row["confidence"]) else ""
        )
        st.markdown(
            f"> {drivers.highlight(row[prepared.table.text_column], terms)}{confidence}", unsafe_allow_html=True
        )
    st.caption("Highest calibrated confidence first, near-duplicates left out; the emotion's driver words marked.")


def rows_view(prepared: Prepared) -> None:
    rows = prepared.rows
    text = prepared.table.text_column
    c1, c2, c3, c4 = st.columns(4)
    emotion = c1.selectbox("Emotion", [ALL, *LABELS], key="emotion", bind="query-params")
    by = st.session_state.get("by")
    segment_options = [ALL]
    values = None
    if by and by in rows:
        values, _ = prepared.segment_column(
            by, None if st.session_state.get("by2") in (None, "(none)") else st.session_state.get("by2")
        )
        segment_options += list(values.value_counts().index)
    if "segment" in st.session_state and st.session_state["segment"] not in segment_options:
        st.session_state["segment"] = ALL
    segment = c2.selectbox("Segment", segment_options, key="segment", bind="query-params")
    term = c3.text_input("Term", key="term", bind="query-params", help="Only comments holding these words")
    mask = pd.Series(True, index=rows.index)
    time = st.session_state.get("time")
    if time and time in rows:
        frequency = st.session_state.get("freq") or "month"
        in_period = prepared.period_labels(time, st.session_state.get("date_order") or "auto", frequency)
        options = [ALL, *sorted(set(in_period.unique()) - {""})]
        if "period" in st.session_state and st.session_state["period"] not in options:
            st.session_state["period"] = ALL
        period = c4.selectbox("Period", options, key="period", bind="query-params")
        if period != ALL:
            mask &= in_period.eq(period)
    if emotion != ALL:
        mask &= rows["emotion"].eq(emotion)
    if segment != ALL and values is not None:
        mask &= values.eq(segment)
    if term and text:
        mask &= drivers.rows_with(rows[text], term)
    view = rows.loc[mask]
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
        marked = ", the term marked" if term else ""
        st.markdown(f"**Comments in this selection** ({min(len(view), COMMENTS_SHOWN)} of {len(view):,}{marked}):")
        for comment in view[text].head(COMMENTS_SHOWN):
            st.markdown(f"> {drivers.highlight(comment, [term] if term else [])}", unsafe_allow_html=True)


def explain_row(prepared: Prepared, view: pd.DataFrame) -> None:
    """The words behind one row's label, by the model that labelled it (or the default model for other files)."""
    text = prepared.table.text_column
    name = prepared.table.model if prepared.table.model in registry.local_ready() else registry.DEFAULT_MODEL
    with st.expander(f"Why this label? The words behind a row's answer ({name})"):
        choices = list(view.index[:200])
        row = st.selectbox(
            "Row", choices, format_func=lambda i: f"{i}: {str(view.at[i, text])[:90]}", key="explain_row"
        )
        if row is None:
            return
        try:
            explained = explain(common.local_model(name), str(view.at[row, text]))
        except InputError as error:
            st.info(str(error))
            return
        chart(word_bars(explained.top(), explained.label, name), "explain_row_chart")
        spans = f" (spans of {explained.words_per_part} words: a long text)" if explained.words_per_part > 1 else ""
        st.caption(
            f"{name} says {explained.label} ({explained.probability:.0%}); each bar is how far that falls without "
            f"the word{spans}."
        )


def report_view(prepared: Prepared) -> None:
    by = [c for c in (st.session_state.get("by"), st.session_state.get("by2")) if c and c != "(none)"]
    time = st.session_state.get("time")
    time = None if time in (None, "(none)") else time
    st.caption(
        f"The report covers: overall shares, segments of {', '.join(by) or 'no column'}, "
        f"{'time by ' + time if time else 'no time view'}, drivers and examples."
    )
    if st.button("Build the report", key="report_build"):
        with st.spinner("Writing the report (charts at slide size)…"), tempfile.TemporaryDirectory() as tmp:
            report = write_report(
                prepared,
                Path(tmp),
                by=by,
                time=time,
                frequency=st.session_state.get("freq"),
                estimator=st.session_state.get("estimator"),
            )
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in Path(tmp).rglob("*"):
                    if path.is_file():
                        archive.write(path, path.relative_to(tmp))
            st.session_state["insights_report"] = (
                buffer.getvalue(),
                (Path(tmp) / "report.html").read_bytes(),
                report.png_problem,
            )
    built = st.session_state.get("insights_report")
    if built:
        archive, page, problem = built
        c1, c2 = st.columns(2)
        c1.download_button(
            "Download the report (zip: HTML, PNG charts, JSON)",
            archive,
            "emotion_report.zip",
            "application/zip",
            key="report_zip",
            on_click="ignore",
        )
        c2.download_button(
            "Download report.html", page, "report.html", "text/html", key="report_html", on_click="ignore"
        )
        if problem:
            st.caption(problem)
