"""The Bulk page's views: choosing a file, setting up and running a labelling job, its results, corrections and
downloads."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from emotion import config, registry
from emotion.dashboard.answers import cascade_notes, checks_seconds, estimate_seconds, usage_line
from emotion.dashboard.charts import distribution_bars, heatmap
from emotion.evaluation.comparison import pairwise, quality_line
from emotion.io import formats
from emotion.io.tables import DataError, guess_text_column
from emotion.io.text import check_text_column
from emotion.jobs import JobState
from emotion.labelling.jobs import BulkJob
from emotion.labelling.review import queue_features, review_order
from emotion.labelling.run_store import EVERYONE, RunStore
from emotion.labelling.table import label_column, result_columns
from emotion.labels import LABELS, NO_EMOTION
from ui import common
from ui.adapt import adapt_panel


def run_job(job: BulkJob, models: dict, store: RunStore) -> None:
    """Label the job's remaining rows, redrawing the progress 4 times a second (the work runs in a thread)."""
    done = job.rows_done
    with st.status(f"Labelling {len(job.frame):,} rows…", expanded=True) as status:
        st.button("Stop (keeps finished rows)", key="bulk_stop")
        bar, began = st.progress(done / len(job.frame)), time.time()
        # A click on Stop reruns the page, which interrupts this loop: `finally` stops the run.
        run = job.start(models, store)
        try:
            while run.wait(0.25):
                job.collect()
                rate = (run.rows_done - done) / max(time.time() - began, 1e-6)
                eta = (len(job.frame) - run.rows_done) / rate if rate else 0
                bar.progress(
                    min(run.rows_done / len(job.frame), 1.0),
                    text=f"{run.rows_done:,.0f} of {len(job.frame):,} rows · {rate:,.0f} rows/s · ETA {eta:,.0f} s",
                )
        finally:
            job.finish()
        if job.status == JobState.FAILED:
            status.update(label=f"Stopped by an error: {job.error}", state="error")
        elif job.status == JobState.DONE:
            status.update(label=f"Labelled {len(job.frame):,} rows in {time.time() - began:,.1f} s", state="complete")


def recent_runs(store: RunStore, my_runs: list[str], job: BulkJob | None) -> None:
    """The runs this browser session started or opened by link (signed in: every run of the user's), each with Open
    and Delete (Delete for the runs the user may delete: their own, or any run when logins are off)."""
    user = common.current_user()
    tokens = list(dict.fromkeys([*(store.owned_by(user) if user else []), *my_runs]))
    with st.expander(f"Recent runs ({len(tokens)})", expanded=False):
        recent = store.summary(tokens)
        if not recent:
            st.caption("Runs you start or open by link appear here; nobody else's do.")
        for entry in recent:
            c1, c2, c3 = st.columns([6, 1, 1])
            c1.markdown(
                f"**{entry['file_name']}** · {', '.join(entry['models'])} · {entry['rows_done']:,} of "
                f"{entry['rows']:,} rows · {time.strftime('%Y-%m-%d %H:%M', time.localtime(entry['created']))}"
            )
            if c2.button("Open", key=f"bulk_open_{entry['token']}"):
                clear_upload()  # the page shows the run opened, not the file uploaded before
                st.query_params["run"] = entry["token"]
                st.rerun()
            owner = next((u for u, role in store.access(entry["token"]).items() if role == "owner"), None)
            if owner in (None, user) and c3.button("Delete", key=f"bulk_delete_{entry['token']}"):
                store.delete(entry["token"])
                if entry["token"] in my_runs:
                    my_runs.remove(entry["token"])
                if job is not None and job.token == entry["token"]:
                    st.session_state.pop("bulk_job", None)
                    st.query_params.clear()
                st.rerun()


def queue_features_of(view: pd.DataFrame, text_column: str):
    """The default model's features of the rows shown (a sample of 5,000 at most), kept for the session per view."""
    key = ("bulk_queue_features", len(view), hash(tuple(view.index[:50])))
    cached = st.session_state.get("bulk_queue_features")
    if cached is None or cached[0] != key:
        bases = registry.adaptable_models()
        if not bases:
            return None
        with st.spinner("Finding representative rows…"):
            features = queue_features(view[text_column], common.get_model(bases[0]))
        cached = st.session_state["bulk_queue_features"] = (key, features)
    return cached[1]


def filtered_rows(result: pd.DataFrame, names: list[str], text_column: str) -> tuple[pd.DataFrame, str]:
    """The filters, each saying how many rows it leaves, and the review queue's order; the rows they leave and the
    filters in words."""
    f1, f2, f3 = st.columns(3)
    disagree, low = int(result["disagreement"].sum()), int(result["low_confidence"].sum())
    only_disagree = f1.checkbox(f"Only rows where models disagree ({disagree:,})", key="bulk_only_disagree")
    only_low = f2.checkbox(f"Only low-confidence rows ({low:,})", key="bulk_only_low")
    counts = result["consensus_label"].value_counts()
    chosen = f3.multiselect(
        "Consensus label", list(LABELS), key="bulk_label_filter", format_func=lambda e: f"{e} ({counts.get(e, 0):,})"
    )
    view, words = result, []
    if only_disagree:
        view, words = view[view["disagreement"]], [*words, "models disagree"]
    if only_low:
        view, words = view[view["low_confidence"]], [*words, "low confidence"]
    if chosen:
        view, words = view[view["consensus_label"].isin(chosen)], [*words, " or ".join(chosen)]
    if st.toggle(
        "Label these next: the rows whose correction teaches a model most first",
        key="bulk_review_queue",
        help="Representative rows first (each stands for a group of similar texts: measured to teach an adapted model "
        "more than the least confident rows), then the least confident and most disputed, emotions in turn; rows you "
        "corrected go last. Then train a model on your corrections below.",
    ):
        corrected = view["corrected_label"].notna() if "corrected_label" in view else None
        order = review_order(view, names, exclude=corrected, features=queue_features_of(view, text_column))
        queued = set(order)
        view = view.loc[order + [i for i in view.index if i not in queued]]
        words = [*words, "review queue order"]
    return view, ", ".join(words)


def result_first_columns(names: list[str]) -> list[str]:
    """The answer columns shown right after the text: the consensus and the correction first, then every column
    labelling adds (:func:`emotion.labelling.table.result_columns`)."""
    return list(dict.fromkeys(["consensus_label", "corrected_label", "no_emotion", *result_columns(names)]))


MAX_ROWS = config.max_rows()


def share(store: RunStore, job: BulkJob) -> None:
    """The owner of a run shares it by name: with logins on, a link alone opens nothing for anyone else."""
    user, access = common.current_user(), store.access(job.token)
    if user is None or access.get(user) != "owner":
        return
    with st.expander("Share this run"):
        readers = [u for u, role in access.items() if role == "shared"]
        st.caption(
            "Opens for you"
            + (
                f" and {', '.join('everyone signed in' if u == EVERYONE else u for u in readers)}"
                if readers
                else " only"
            )
            + ". Whoever it is shared with opens it by its link."
        )
        names = st.text_input(f"Share with (e-mail addresses, comma-separated; {EVERYONE} for everyone signed in)")
        if st.button("Share", key="bulk_share") and names.strip():
            store.share(job.token, names.split(","))
            st.rerun()


def restore_job(store: RunStore, my_runs: list[str]) -> BulkJob | None:
    """The run named in the URL (``?run=TOKEN``), restored from the store: after a refresh, in a new tab, after a
    restart; else the session's own."""
    token = st.query_params.get("run")
    job: BulkJob | None = st.session_state.get("bulk_job")
    if token and (job is None or job.token != token):
        stored = common.open_run(store, token)
        if stored is None:  # a wrong token and another user's run look the same
            st.error("No such run.")
            st.stop()
        job = st.session_state["bulk_job"] = BulkJob.from_stored(stored)
    if token and token not in my_runs:
        my_runs.append(token)
    return job


def belongs_to(job: BulkJob | None, uploaded: common.Uploaded | None) -> bool:
    """Whether the session's run is of the file on the page (no upload: the run named in the address)."""
    return job is not None and (uploaded is None or job.file_sha256 == uploaded.sha256)


def set_aside(job: BulkJob) -> None:
    """Another file was uploaded: the old run's results, its link and the views built from it leave the page (the run
    stays in Recent runs)."""
    for key in ("bulk_job", "bulk_result", "bulk_queue_features"):
        st.session_state.pop(key, None)
    st.query_params.pop("run", None)
    st.caption(f"Your run of **{job.file_name}** is kept under Recent runs; the page now shows the new file.")


def clear_upload() -> None:
    """Empty the file picker and close the demo (a new picker widget: Streamlit cannot empty one)."""
    st.session_state["bulk_upload_generation"] = st.session_state.get("bulk_upload_generation", 0) + 1
    st.session_state["bulk_demo_open"] = False


def choose_file() -> common.Uploaded | None:
    """An uploaded spreadsheet, or the demo workbook when asked for."""
    state = st.session_state
    upload = st.file_uploader(
        "CSV, TSV, XLSX, Parquet or JSON Lines file",
        type=[s.lstrip(".") for s in formats.SUFFIXES],
        key=f"bulk_upload_{state.get('bulk_upload_generation', 0)}",
    )
    if upload is None and st.button("Open the demo: 500 customer-feedback comments", key="bulk_demo"):
        state["bulk_demo_open"] = True
    if upload is not None:
        state["bulk_demo_open"] = False
        return common.read_upload(upload, "bulk", MAX_ROWS)
    return common.demo_upload() if state.get("bulk_demo_open") else None


def set_up_run(uploaded: common.Uploaded, store: RunStore, my_runs: list[str]) -> None:
    """Columns and models for the file, the time and cost estimate, and the button that starts the run."""
    frame = uploaded.frame
    st.dataframe(frame.head(20), height=220)
    try:
        guess = guess_text_column(frame)
    except DataError as error:
        st.error(str(error))
        st.stop()
    columns = list(frame.columns)
    text_column = st.selectbox("Text column", columns, index=columns.index(guess), key="bulk_text_column")
    names = common.model_picker("Models", [registry.DEFAULT_MODEL], key="bulk_models")
    cascade = common.cascade_picker("bulk")
    share = cascade[1] if cascade else None
    ready = common.ready_or_explain(names + ([cascade[0]] if cascade else []))
    try:
        check_text_column(frame, text_column, uploaded.name)
    except DataError as error:
        st.error(str(error))
        return
    if not ready:
        return
    models = {name: common.get_model(name, share) for name in ready}
    texts = [t for t in frame[text_column] if isinstance(t, str) and t.strip()]
    estimates = {name: estimate_seconds(model, texts) for name, model in models.items()}
    seconds = sum(s for s, _ in estimates.values()) + checks_seconds(texts, models)
    cost = sum(c for _, c in estimates.values() if c is not None)
    paid = any(c is not None for _, c in estimates.values())
    routed = cascade_notes(models, texts)
    st.info(
        f"{len(frame):,} rows ({len(set(texts)):,} distinct texts) · about {seconds:,.0f} s"
        + (f" · about ${cost:,.4f} for rows not yet cached" if paid else "")
        + "".join(f" · cascade: {line}" for line in routed)
    )
    if st.button("Label all rows", type="primary", key="bulk_run"):
        settings = {
            "sheet": uploaded.sheet,
            "prompt_mode": st.session_state.get("prompt_mode", "zero_shot"),
            "fallback_share": share,
            "max_rows": MAX_ROWS,
        }
        token = store.create(
            frame, uploaded.name, uploaded.sha256, text_column, list(models), settings, owner=common.current_user()
        )
        my_runs.append(token)
        st.query_params["run"] = token
        job = BulkJob(
            frame, uploaded.name, text_column, list(models), token=token, file_sha256=uploaded.sha256, settings=settings
        )
        st.session_state["bulk_job"] = job
        run_job(job, models, store)


def offer_resume(job: BulkJob, store: RunStore) -> None:
    """A stopped or failed run: its error, and Resume with the run's own models and settings."""
    if job.status == JobState.RUNNING:  # a rerun interrupted the loop: keep what is done
        job.finish()
    if job.status in (JobState.STOPPED, JobState.FAILED):
        if job.error:
            st.error(f"Stopped by an error: {job.error}")
        if st.button(f"Resume ({len(job.frame) - job.rows_done:,} rows left)", key="bulk_resume"):
            ready = common.ready_or_explain(job.names)
            if ready == job.names:  # the run's own models and settings, not the ones picked above
                share, mode = job.settings.get("fallback_share"), job.settings.get("prompt_mode")
                run_job(job, {name: common.get_model(name, share, mode) for name in job.names}, store)
    if not job.parts and job.status == JobState.STOPPED:
        st.warning("Stopped before the first chunk of rows was finished: nothing is kept yet. Resume starts over.")


def charts(view: pd.DataFrame, names: list[str], filters: str) -> None:
    """Rows per emotion for each model, and how often the models agree, over the rows shown."""
    left, right = st.columns(2)
    with left:
        counts = pd.DataFrame({n: view[label_column(n)].value_counts() for n in names}).reindex(list(LABELS))
        if counts.fillna(0).to_numpy().sum() == 0:
            st.info("No labelled row matches the filters: nothing to chart.")
        else:
            title = f"Rows per emotion ({len(view):,} rows{', ' + filters if filters else ''})"
            common.chart(distribution_bars(counts.fillna(0), title), "bulk_distribution")
    with right:
        if len(names) > 1:
            agree, _ = pairwise(view[[label_column(n) for n in names]].set_axis(names, axis=1))
            common.chart(heatmap(agree, "Agreement between models (rows shown)"), "bulk_agreement")
        else:
            st.caption("Pick two or more models to see how often they agree.")


def correction_editor(job: BulkJob, result: pd.DataFrame, view: pd.DataFrame, filters: str, store: RunStore) -> None:
    """The rows shown, answers beside the text, with a column to correct each label (saved at once)."""
    st.caption(f"{len(view):,} of {len(result):,} rows shown. Correct a label in the column beside the answers.")
    first = [job.text_column, *result_first_columns(job.names)]
    shown = view[[c for c in first if c in view] + [c for c in view.columns if c not in first]]
    edited = st.data_editor(
        shown,
        key=f"bulk_editor_{filters}",
        height=420,
        disabled=[c for c in shown.columns if c != "corrected_label"],
        column_config={
            job.text_column: st.column_config.TextColumn(job.text_column, width="large"),
            "corrected_label": st.column_config.SelectboxColumn(
                "Correct to",
                options=[*LABELS, NO_EMOTION],
                help="Pick the right emotion, or 'no emotion': saved at once, kept with the run",
            ),
            **{
                f"{name}_confidence": st.column_config.ProgressColumn(
                    f"{name} confidence", min_value=0.0, max_value=1.0, format="percent"
                )
                for name in job.names
            },
        },
    )
    for index, value in edited["corrected_label"].items():
        value = None if pd.isna(value) else value
        if value != job.corrections.get(index):
            job.correct(index, value, store)
            result.loc[index, "corrected_label"] = value


def downloads(job: BulkJob, result: pd.DataFrame) -> None:
    """One download button per format, each file built only when clicked."""
    stem = job.file_name.rsplit(".", 1)[0]
    for column, file_format in zip(st.columns(len(formats.FORMATS)), formats.FORMATS, strict=True):
        column.download_button(
            f"Download {file_format.name}",
            lambda file_format=file_format: formats.to_bytes(result, file_format),
            f"{stem}_labelled{file_format.suffixes[0]}",
            file_format.mime,
            key=f"bulk_download_{file_format.suffixes[0].lstrip('.')}",
            on_click="ignore",
        )


def results(job: BulkJob, store: RunStore) -> None:
    """The finished (or stopped) run: Insights, filters, charts, the correction editor, training on the
    corrections, downloads."""
    st.divider()
    st.subheader(f"Results: {job.file_name}")
    if job.status != JobState.DONE:
        st.warning(
            f"Stopped after {job.rows_done:,} of {len(job.frame):,} rows; "
            "the other rows are kept with status 'not run (stopped)'."
        )
    st.caption("This run is kept: bookmark or share this page's address to open it again.")
    if st.button(
        "Open in Insights: segments, trends, drivers, a report", icon=":material/insights:", key="bulk_insights"
    ):
        st.switch_page("pages/insights.py", query_params={"run": job.token})
    for name, usage in job.tokens.items():
        st.caption("Measured in this session: " + usage_line(name, usage, job.cost_usd[name]))
    for name in job.names:
        if line := quality_line(name):
            st.caption(line[0].upper() + line[1:] + ".")
    threshold = st.slider("Low-confidence threshold", 0.0, 1.0, 0.5, 0.05, key="bulk_threshold")
    result = job.result(threshold)
    st.session_state["bulk_result"] = result
    view, filters = filtered_rows(result, job.names, job.text_column)
    charts(view, job.names, filters)
    correction_editor(job, result, view, filters, store)
    corrected = result["corrected_label"].dropna()
    adapt_panel(
        list(result.loc[corrected.index, job.text_column]),
        list(corrected),
        "bulk",
        f"your {len(corrected):,} correction{'s' * (len(corrected) != 1)}",
    )
    downloads(job, result)
