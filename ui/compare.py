"""The Compare page's views: the stored evaluations, a user's own labelled file (evaluated as a background job),
and the rows where two models disagree."""

from __future__ import annotations

import json
import time

import pandas as pd
import streamlit as st

from emotion import registry
from emotion.dashboard.charts import heatmap
from emotion.evaluation.comparison import (
    disagreement_counts,
    disagreement_rows,
    domain_table,
    pairwise,
    recommendation,
    stored_domains,
)
from emotion.evaluation.evaluate import EvaluationJob
from emotion.evaluation.imported import align_prediction_files
from emotion.io import formats
from emotion.io.datasets import guess_label_column, labelled_data
from emotion.io.tables import DataError, guess_text_column
from emotion.jobs import JobState
from emotion.labelling.table import label_column
from emotion.labels import LABELS
from ui import common
from ui.adapt import adapt_panel

OWN = "Your labelled file"
BULK = "Latest bulk-labelling result"
STORED = "Stored dev evaluations"


def run_evaluation(job: EvaluationJob) -> None:
    """Label the job's remaining rows with progress and a Stop button (the work runs in a thread)."""
    total, done, began = len(job.scored.rows), job.rows_done, time.time()
    with st.status(f"Evaluating on {total:,} rows…", expanded=True) as status:
        st.button("Stop (scores the rows done)", key="compare_stop")
        bar = st.progress(done / total)
        run = job.start()
        try:
            while run.wait(0.25):
                job.labelling.collect()
                bar.progress(min(run.rows_done / total, 1.0), text=f"{run.rows_done:,.0f} of {total:,} rows")
        finally:
            job.labelling.finish()
        if job.labelling.status == JobState.FAILED:
            status.update(label=f"Stopped by an error: {job.labelling.error}", state="error")
        elif job.labelling.status == JobState.DONE:
            status.update(label=f"Evaluated {total:,} rows in {time.time() - began:,.1f} s", state="complete")


def own_file() -> tuple[dict, pd.DataFrame, dict[str, str]] | None:
    """Upload, columns, models and prediction files; run; the evaluation of the rows done so far."""
    upload = st.file_uploader(
        "Labelled file: a text column and a gold-label column",
        type=[s.lstrip(".") for s in formats.SUFFIXES],
        key="compare_upload",
    )
    uploaded = common.read_upload(upload, "compare") if upload is not None else None
    if uploaded is not None:
        frame = uploaded.frame
        try:
            columns = list(frame.columns)
            c1, c2, c3 = st.columns(3)
            text = c1.selectbox("Text column", columns, columns.index(guess_text_column(frame)), key="compare_text")
            guess = guess_label_column(frame, exclude=(text,))
            label = c2.selectbox("Gold-label column", columns, columns.index(guess), key="compare_label")
            ids = ["(row order)", *columns]
            id_column = c3.selectbox("Id column", ids, ids.index("id") if "id" in columns else 0, key="compare_id")
            scored = labelled_data(frame, text, label, None if id_column == "(row order)" else id_column, uploaded.name)
        except (DataError, formats.FormatError) as error:
            st.error(str(error))
            return None
        st.caption(scored.summary())
        if len(scored.excluded):
            count = len(scored.excluded)
            with st.expander(f"{count:,} row{'s' * (count != 1)} excluded from the scores"):
                st.dataframe(scored.excluded[["row", "id", "reason"]], hide_index=True)
        adapt_panel(
            list(scored.rows["text"]),
            list(scored.rows["label"]),
            "compare",
            f"the {len(scored.rows):,} labelled rows of {uploaded.name}",
        )
        names = common.model_picker("Models", [registry.DEFAULT_MODEL], key="compare_models")
        files = st.file_uploader(
            "Predictions of other systems (optional): an id column, or the same rows in order, and one label "
            "column per system",
            type=[s.lstrip(".") for s in formats.SUFFIXES],
            accept_multiple_files=True,
            key="compare_predictions",
        )
        imported, problems = align_prediction_files([(f.getvalue(), f.name) for f in files or []], scored)
        for sets in imported:
            st.caption(sets.summary())
        for problem in problems:
            st.error(problem)
        ready = common.ready_or_explain(names)
        if st.button("Evaluate", type="primary", key="compare_run", disabled=not (ready or imported)):
            models = {name: common.get_model(name) for name in ready}
            job = EvaluationJob(scored, uploaded.name, uploaded.sha256, models, imported)
            st.session_state["compare_job"] = job
            if models:
                run_evaluation(job)
    job: EvaluationJob | None = st.session_state.get("compare_job")
    if job is None:
        return None
    if job.labelling.status == JobState.RUNNING:  # a rerun (Stop) interrupted the loop
        job.labelling.finish()
    if job.labelling.status in (JobState.STOPPED, JobState.FAILED) and job.models:
        left = len(job.scored.rows) - job.rows_done
        if st.button(f"Resume ({left:,} rows left)", key="compare_resume"):
            run_evaluation(job)
    result = job.result()
    if result is None:
        st.warning("Stopped before the first rows were labelled: nothing to score yet.")
        return None
    metrics, predictions = result
    if metrics["data"]["rows"] < metrics["data"]["rows_total"]:
        st.warning(f"Scores over the first {metrics['data']['rows']:,} of {metrics['data']['rows_total']:,} rows.")
    d1, d2 = st.columns(2)
    d1.download_button(
        "Download metrics.json", json.dumps(metrics, indent=2), "metrics.json", "application/json", key="compare_dl_m"
    )
    d2.download_button(
        "Download predictions.csv", predictions.to_csv(index=False), "predictions.csv", "text/csv", key="compare_dl_p"
    )
    texts = dict(zip(job.scored.rows["id"].astype(str), job.scored.rows["text"], strict=True))
    return metrics, predictions, texts


def bulk_result() -> tuple[pd.DataFrame, pd.DataFrame, list[str], str]:
    """The latest Bulk run of this session: each model's labels, the rows, the models and the text column."""
    result, job = st.session_state["bulk_result"], st.session_state["bulk_job"]
    names = list(job.names)  # the models run, never `corrected` or `consensus`
    labels = result[[label_column(n) for n in names]].set_axis(names, axis=1)
    rows = pd.concat([result.drop(columns=[label_column(n) for n in names]), labels], axis=1)
    st.caption(f"{len(result):,} rows labelled by {', '.join(names)} (no gold labels: agreement only).")
    return labels, rows, names, job.text_column


def stored() -> tuple[dict, pd.DataFrame, dict[str, str] | None]:
    """A stored evaluation: the domain picked, every model in every domain, the data it was measured on."""
    domains = stored_domains()
    domain = st.segmented_control("Domain", domains, default=domains[0], key="compare_domain") or domains[0]
    st.markdown("**Which model to use**")
    for name in domains:
        st.text(f"• {recommendation(name)}")
    with st.expander("Every model in every domain (macro-F1, 95% interval)"):
        table = domain_table(domains)
        st.dataframe(table, column_config={c: st.column_config.TextColumn(width="medium") for c in table.columns})
        st.caption(
            "ISEAR: people describing a situation that made them feel an emotion. GoEmotions: Reddit comments "
            "whose raters gave exactly one label mapping to the seven emotions. 'trained on': the domains each "
            "model learned from (their train splits; dev only chose epochs and settings)."
        )
    metrics, predictions = common.stored_evaluation(domain)
    texts = common.isear_texts() if domain == "ISEAR dev" else common.goemotions_texts()
    st.caption(
        f"{metrics['data']['file']} · {metrics['data']['rows']} rows · sha256 "
        f"`{metrics['data']['sha256'][:12]}…` · evaluated {metrics['created']}. "
        + " ".join(f"{line}." for line in metrics.get("imported", []))
    )
    return metrics, predictions, texts


def disagreements(
    labels: pd.DataFrame, rows: pd.DataFrame, names: list[str], texts: dict | None, text_column: str | None
) -> None:
    """Pairwise agreement, then two models' disagreements as counts and as rows."""
    st.header("Where models disagree")
    if len(names) < 2:
        st.info("Disagreement views need at least two models.")
        return
    agree, kappa = pairwise(labels)
    a1, a2 = st.columns(2)
    common.chart(heatmap(agree, "Pairwise agreement"), "compare_agree", a1)
    common.chart(heatmap(kappa, "Cohen's kappa", zmin=-0.2), "compare_kappa", a2)
    p1, p2 = st.columns(2)
    first = p1.selectbox("Model A", names, index=0, key="compare_a")
    second = p2.selectbox("Model B", names, index=1, key="compare_b")
    if first == second:
        st.info("Pick two different models.")
        return
    common.chart(
        heatmap(
            disagreement_counts(labels, first, second),
            f"Disagreements: {first} (rows) vs {second} (columns)",
            ".0f",
            0,
            None,
            "Reds",
            axes=(f"{second}'s label", f"{first}'s label"),
        ),
        "compare_pair_counts",
    )
    f1, f2 = st.columns(2)
    gold = f1.selectbox("Gold label", ["(any)", *LABELS], key="compare_gold") if "gold" in rows else "(any)"
    predicted = f2.selectbox("Predicted label (by either)", ["(any)", *LABELS], key="compare_predicted")
    shown = disagreement_rows(
        rows, first, second, None if gold == "(any)" else gold, None if predicted == "(any)" else predicted
    )
    columns = [c for c in ("id", "gold") if c in shown] + [first, second]
    if text_column is not None:
        columns.insert(0, text_column)
    view = shown[columns].copy()
    if texts and "id" in view:
        view.insert(1, "text", view["id"].astype(str).map(texts))
    elif "id" in view and text_column is None:
        st.caption("ISEAR data folder not found: showing ids only.")
    st.caption(f"{len(shown):,} rows where {first} and {second} disagree.")
    st.dataframe(view, hide_index=True, height=360)
