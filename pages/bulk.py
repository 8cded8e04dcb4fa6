"""Bulk label: upload a spreadsheet, label every row with one or more models, review, correct, download."""

import os
import time

import pandas as pd
import streamlit as st

from emotion import formats, registry
from emotion.charts import distribution_bars, heatmap
from emotion.compare import pairwise
from emotion.data import DataError, default_sheet, guess_text_column, read_table, sheet_names, sniff_csv
from emotion.labelling import LabellingRun, assemble, check_text_column, chunk_rows_for, label_column
from emotion.labels import LABELS
from emotion.service import estimate_seconds
from pages import common

MAX_ROWS = int(os.environ.get("EMOTION_MAX_ROWS", 200_000))
state = st.session_state

st.title("Bulk label a spreadsheet")
upload = st.file_uploader(
    "CSV, TSV, XLSX, Parquet or JSON Lines file", type=[s.lstrip(".") for s in formats.SUFFIXES], key="bulk_upload"
)

frame = None
if upload is not None:
    raw = upload.getvalue()
    try:
        file_format = formats.format_for(upload.name)
        sheet = None
        if file_format.name == "XLSX":
            sheets, first = sheet_names(raw), default_sheet(raw)
            index = sheets.index(first) if isinstance(first, str) and first in sheets else 0
            sheet = st.selectbox("Sheet", sheets, index=index, key="bulk_sheet")
            if index:
                st.caption(f"Sheet **{first}** chosen: the first sheet with data (the sheets before it are empty).")
        elif file_format.name in ("CSV", "TSV"):
            encoding, delimiter = sniff_csv(raw)
            st.caption(f"Detected encoding `{encoding}`, delimiter `{delimiter!r}`")
        frame = read_table(raw, name=upload.name, sheet=sheet)
        if frame.empty:
            raise DataError(f"{upload.name}: the sheet has no data rows")
        if len(frame) > MAX_ROWS:
            raise DataError(f"{upload.name}: {len(frame):,} rows is over the limit of {MAX_ROWS:,} (EMOTION_MAX_ROWS)")
        if formats.OVERFLOW_COLUMN in frame.columns:
            extra = int(frame[formats.OVERFLOW_COLUMN].notna().sum())
            st.warning(
                f"{extra:,} rows have more fields than the header; every row is kept, their extra fields are "
                f"in the column `{formats.OVERFLOW_COLUMN}`."
            )
    except (DataError, formats.FormatError) as error:
        st.error(str(error))
        frame = None

if frame is not None:
    st.dataframe(frame.head(20), height=220)
    try:
        guess = guess_text_column(frame)
    except DataError as error:
        st.error(str(error))
        st.stop()
    columns = list(frame.columns)
    text_column = st.selectbox("Text column", columns, index=columns.index(guess), key="bulk_text_column")
    names = common.model_picker("Models", [registry.DEFAULT_MODEL], key="bulk_models")
    ready = common.ready_or_explain(names)
    try:
        check_text_column(frame, text_column, upload.name)
    except DataError as error:
        st.error(str(error))
        ready = []
    if ready:
        models = {name: common.get_model(name) for name in ready}
        texts = [t for t in frame[text_column] if isinstance(t, str) and t.strip()]
        estimates = {name: estimate_seconds(model, texts) for name, model in models.items()}
        seconds = sum(s for s, _ in estimates.values())
        cost = sum(c for _, c in estimates.values() if c is not None)
        paid = any(c is not None for _, c in estimates.values())
        st.info(
            f"{len(frame):,} rows ({len(set(texts)):,} distinct texts) · about {seconds:,.0f} s"
            + (f" · about ${cost:,.4f} for rows not yet cached" if paid else "")
        )
        job = state.get("bulk_job")
        stopped = job is not None and job["status"] == "running"  # a rerun interrupted the loop: keep what is done
        if stopped:
            job["status"] = "stopped"
        start = st.button("Label all rows", type="primary", key="bulk_run")
        resume = job is not None and job["status"] == "stopped" and st.button("Resume", key="bulk_resume")
        if start or resume:
            if start:
                job = state["bulk_job"] = {
                    "frame": frame,
                    "file": upload.name,
                    "names": list(models),
                    "parts": [],
                    "text_column": text_column,
                    "status": "running",
                }
            if job.get("run"):  # a stopped run may still be finishing a batch (an LLM request)
                job["run"].stop()
                job["run"].wait(60)
            job["status"] = "running"
            done = sum(len(p) for p in job["parts"])
            with st.status(f"Labelling {len(frame):,} rows…", expanded=True) as status:
                st.button("Stop (keeps finished rows)", key="bulk_stop")
                bar, began = st.progress(done / len(frame)), time.time()
                # Labelling runs in a background thread; this loop only redraws the progress, 4 times a
                # second. A click on Stop reruns the page, which interrupts this loop: `finally` stops the run.
                run = job["run"] = LabellingRun(job["frame"], job["text_column"], models, done, chunk_rows_for(models))
                run.start()
                try:
                    while run.wait(0.25):
                        job["parts"].extend(run.take())
                        rate = (run.rows_done - done) / max(time.time() - began, 1e-6)
                        eta = (len(frame) - run.rows_done) / rate if rate else 0
                        bar.progress(
                            min(run.rows_done / len(frame), 1.0),
                            text=f"{run.rows_done:,.0f} of {len(frame):,} rows · {rate:,.0f} rows/s · ETA {eta:,.0f} s",
                        )
                finally:
                    run.stop()
                    job["parts"].extend(run.take())
                if run.error is not None:
                    job["status"] = "stopped"
                    status.update(label=f"Stopped by an error: {run.error}", state="error")
                else:
                    job["status"] = "done"
                    seconds = time.time() - began
                    status.update(label=f"Labelled {len(frame):,} rows in {seconds:,.1f} s", state="complete")

job = state.get("bulk_job")
if job and not job["parts"] and job["status"] == "stopped":
    st.warning("Stopped before the first chunk of rows was finished: nothing is kept yet. Resume starts over.")
if job and job["parts"]:
    st.divider()
    st.subheader(f"Results: {job['file']}")
    if job["status"] != "done":
        st.warning(
            f"Stopped after {sum(len(p) for p in job['parts']):,} of {len(job['frame']):,} rows; "
            "the other rows are kept with status 'not run (stopped)'."
        )
    threshold = st.slider("Low-confidence threshold", 0.0, 1.0, 0.5, 0.05, key="bulk_threshold")
    result = assemble(job["frame"], job["parts"], job["names"], threshold)
    corrections = job.setdefault("corrections", {})
    result["corrected_label"] = [corrections.get(i) for i in range(len(result))]
    result.index = range(len(result))
    state["bulk_result"] = result

    left, right = st.columns(2)
    with left:
        counts = pd.DataFrame({n: result[label_column(n)].value_counts() for n in job["names"]}).reindex(list(LABELS))
        st.plotly_chart(distribution_bars(counts.fillna(0)), key="bulk_distribution")
    with right:
        if len(job["names"]) > 1:
            agree, _ = pairwise(result[[label_column(n) for n in job["names"]]].set_axis(job["names"], axis=1))
            st.plotly_chart(heatmap(agree, "Agreement between models on this file"), key="bulk_agreement")
        else:
            st.caption("Pick two or more models to see how often they agree.")

    f1, f2, f3 = st.columns(3)
    only_disagree = f1.checkbox("Only rows where models disagree", key="bulk_only_disagree")
    only_low = f2.checkbox("Only low-confidence rows", key="bulk_only_low")
    chosen = f3.multiselect("Consensus label", list(LABELS), key="bulk_label_filter")
    view = result
    if only_disagree:
        view = view[view["disagreement"]]
    if only_low:
        view = view[view["low_confidence"]]
    if chosen:
        view = view[view["consensus_label"].isin(chosen)]
    st.caption(f"{len(view):,} of {len(result):,} rows shown. Correct labels in the last column.")
    edited = st.data_editor(
        view,
        key=f"bulk_editor_{only_disagree}_{only_low}_{'-'.join(chosen)}",
        height=420,
        disabled=[c for c in view.columns if c != "corrected_label"],
        column_config={"corrected_label": st.column_config.SelectboxColumn("corrected_label", options=list(LABELS))},
    )
    for index, value in edited["corrected_label"].items():
        if value != corrections.get(index):
            corrections[index] = value
            result.loc[index, "corrected_label"] = value
    stem = job["file"].rsplit(".", 1)[0]
    for column, file_format in zip(st.columns(len(formats.FORMATS)), formats.FORMATS, strict=True):
        column.download_button(
            f"Download {file_format.name}",
            lambda file_format=file_format: formats.to_bytes(result, file_format),  # built only when clicked
            f"{stem}_labelled{file_format.suffixes[0]}",
            file_format.mime,
            key=f"bulk_download_{file_format.suffixes[0].lstrip('.')}",
            on_click="ignore",
        )
