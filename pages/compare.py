"""Compare models: stored dev metrics, confusion matrices, agreement, and the rows where models disagree."""

import pandas as pd
import streamlit as st

from emotion.charts import confusion_heatmap, heatmap, metrics_bars
from emotion.compare import (
    disagreement_counts,
    disagreement_rows,
    metrics_table,
    noise_verdict,
    pairwise,
    per_class_f1,
)
from emotion.labelling import label_column
from emotion.labels import LABELS
from emotion.published import PUBLISHED
from pages import common

st.title("Compare models")
sources = ["Stored dev evaluation"] + (["Latest bulk-labelling result"] if "bulk_result" in st.session_state else [])
source = st.radio("Data", sources, horizontal=True, key="compare_source")

if source == "Stored dev evaluation":
    metrics, predictions = common.stored_evaluation()
    names = list(metrics["models"])
    st.caption(
        f"{metrics['data']['file']} · {metrics['data']['rows']} rows · sha256 "
        f"`{metrics['data']['sha256'][:12]}…` · evaluated {metrics['created']}. "
        + " ".join(f"**{n}**: {PUBLISHED[n]}." for n in names if n in PUBLISHED)
    )
    table = metrics_table(metrics)
    st.dataframe(table, hide_index=True)
    st.plotly_chart(metrics_bars(table), key="compare_metrics")
    st.caption("Error bars: 95% bootstrap intervals (1,000 resamples of the rows, seed 0).")
    ranked = list(table["model"])
    n1, n2 = st.columns(2)
    first = n1.selectbox("Is the difference between", ranked, index=0, key="compare_noise_a")
    second = n2.selectbox("and", ranked, index=min(1, len(ranked) - 1), key="compare_noise_b")
    verdict = noise_verdict(metrics, first, second) if first != second else None
    if verdict:
        st.info(verdict)
    st.plotly_chart(heatmap(per_class_f1(metrics), "F1 per emotion"), key="compare_per_class")

    c1, c2 = st.columns([2, 1])
    model = c1.selectbox("Confusion matrix of", names, key="compare_confusion_model")
    normalise = c2.toggle("Row-normalised", value=True, key="compare_normalise")
    st.plotly_chart(
        confusion_heatmap(
            metrics["models"][model]["confusion"]["matrix"], normalise, f"{model}: gold (rows) vs predicted (columns)"
        ),
        key="compare_confusion",
    )
    labels = predictions[names]
    rows = predictions
    texts = common.isear_texts()
else:
    result = st.session_state["bulk_result"]
    names = list(st.session_state["bulk_job"].names)  # the models run, never `corrected` or `consensus`
    labels = result[[label_column(n) for n in names]].set_axis(names, axis=1)
    rows, texts = pd.concat([result.drop(columns=[label_column(n) for n in names]), labels], axis=1), None
    text_column = st.session_state["bulk_job"].text_column
    st.caption(f"{len(result):,} rows labelled by {', '.join(names)} (no gold labels: agreement only).")

st.header("Where models disagree")
if len(names) < 2:
    st.info("Disagreement views need at least two models.")
    st.stop()
agree, kappa = pairwise(labels)
a1, a2 = st.columns(2)
a1.plotly_chart(heatmap(agree, "Pairwise agreement"), key="compare_agree")
a2.plotly_chart(heatmap(kappa, "Cohen's kappa", zmin=-0.2), key="compare_kappa")

p1, p2 = st.columns(2)
first = p1.selectbox("Model A", names, index=0, key="compare_a")
second = p2.selectbox("Model B", names, index=1, key="compare_b")
if first == second:
    st.info("Pick two different models.")
    st.stop()
st.plotly_chart(
    heatmap(
        disagreement_counts(labels, first, second),
        f"Disagreements: {first} (rows) vs {second} (columns)",
        ".0f",
        0,
        None,
        "Reds",
    ),
    key="compare_pair_counts",
)
f1, f2 = st.columns(2)
gold = f1.selectbox("Gold label", ["(any)", *LABELS], key="compare_gold") if "gold" in rows else "(any)"
predicted = f2.selectbox("Predicted label (by either)", ["(any)", *LABELS], key="compare_predicted")
shown = disagreement_rows(
    rows, first, second, None if gold == "(any)" else gold, None if predicted == "(any)" else predicted
)
columns = [c for c in ("id", "gold") if c in shown] + [first, second]
if texts is None and source != "Stored dev evaluation":
    columns.insert(0, text_column)
view = shown[columns].copy()
if texts is not None and "id" in view:
    view.insert(1, "text", view["id"].map(texts))
elif "id" in view:
    st.caption("ISEAR data folder not found: showing ids only.")
st.caption(f"{len(shown):,} rows where {first} and {second} disagree.")
st.dataframe(view, hide_index=True, height=360)
