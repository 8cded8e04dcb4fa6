"""The views of an evaluation, drawn the same for the stored dev evaluation and for a user's labelled file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from emotion.dashboard.charts import (
    cascade_chart,
    confusion_heatmap,
    heatmap,
    metrics_bars,
    model_markers,
    pareto_chart,
    reliability_diagram,
)
from emotion.evaluation.comparison import (
    calibration_table,
    cascade_curve,
    confidence_systems,
    cost_speed,
    fallback_systems,
    metrics_table,
    noise_verdict,
    per_class_f1,
    read_benchmarks,
    reliability_frame,
)
from ui import common

GLOSSARY = {
    "Macro-F1": "the F1 score (the balance of precision and recall) of each emotion, averaged over the seven with "
    "equal weight, so rare emotions count as much as common ones. 1 is perfect.",
    "95% interval": "the range the score would fall in on 95% of redrawn samples of the same size (1,000 bootstrap "
    "resamples of the rows): two models whose intervals overlap a lot may not really differ.",
    "Within noise": "a difference smaller than the paired interval of the difference can be chance alone.",
    "ECE (expected calibration error)": "how far the stated confidence is from the share of answers that are right, "
    "averaged over 15 bins. 0 is perfect: a model saying 80% is right 80% of the time.",
    "Within noise up to": "the ECE a perfectly calibrated model stays under 95% of the time on this many rows.",
    "Brier score": "the mean squared distance between the seven probabilities and the right answer. Lower is better.",
    "Temperature": "one number per model that softens or sharpens its probabilities so its confidence matches its "
    "accuracy (fitted on ISEAR dev); it never changes an answer.",
    "Cascade": "a cheap local model answers every row; only the rows where it is least sure go to a second, "
    "costlier model (an LLM).",
    "Fallback": "the second model of a cascade.",
    "Operating point": "the share of rows a cascade sends to its fallback: more rows, more quality and more cost.",
    "Pareto front": "the models no other model beats on both axes at once (better and faster, or better and "
    "cheaper); a model off the front is 'dominated'.",
    "Cohen's kappa": "agreement between two models beyond what chance alone would give: 1 is full agreement, 0 is "
    "what chance gives.",
}
"""Every term the Compare page uses, in one line each (the page's glossary)."""

COLUMN_NAMES = {
    "model": "Model",
    "family": "Family",
    "n": "Rows",
    "answered": "Answered",
    "accuracy": "Accuracy",
    "macro_precision": "Macro precision",
    "macro_recall": "Macro recall",
    "macro_f1": "Macro-F1",
    "macro_f1_low": "Macro-F1, 95% low",
    "macro_f1_high": "Macro-F1, 95% high",
    "accuracy_low": "Accuracy, 95% low",
    "accuracy_high": "Accuracy, 95% high",
}
COLUMN_HELP = {
    "Accuracy": "Share of rows answered right.",
    "Macro precision": "Of the rows given an emotion, the share that were right, averaged over the seven emotions.",
    "Macro recall": "Of the rows truly showing an emotion, the share found, averaged over the seven emotions.",
    "Macro-F1": GLOSSARY["Macro-F1"],
    "Macro-F1, 95% low": "Lower end of the 95% interval of macro-F1 (bootstrap over the rows).",
    "Macro-F1, 95% high": "Upper end of the 95% interval of macro-F1 (bootstrap over the rows).",
    "Accuracy, 95% low": "Lower end of the 95% interval of accuracy (bootstrap over the rows).",
    "Accuracy, 95% high": "Upper end of the 95% interval of accuracy (bootstrap over the rows).",
    "Rows": "Rows scored.",
    "Answered": "Rows the model gave an answer for (an LLM can fail on some).",
}
"""The one-line help of each metric column, shown on hovering its header."""
CALIBRATION_HELP = {
    "ECE": GLOSSARY["ECE (expected calibration error)"],
    "ECE within noise up to": GLOSSARY["Within noise up to"],
    "Brier": GLOSSARY["Brier score"],
    "ECE before": "The ECE of the model's raw probabilities, before its temperature and confidence map.",
    "Brier before": "The Brier score of the raw probabilities.",
    "temperature": GLOSSARY["Temperature"],
    "ECE on ISEAR dev, cross-validated": "The ECE with the calibration fitted on other folds of ISEAR dev: the honest "
    "figure for a calibration fitted on that same set.",
}
"""The one-line help of each calibration column."""
MIN_ROWS_FOR_CASCADE = 100
"""A cascade curve over fewer rows moves in steps too coarse to choose an operating point from."""


def glossary() -> None:
    """One line per term, in an expander."""
    with st.expander("What these words mean"):
        st.markdown("\n".join(f"- **{term}**: {meaning}" for term, meaning in GLOSSARY.items()))


def scores(metrics: dict) -> None:
    """Metrics table, bars with 95% intervals, the noise verdict for a chosen pair, F1 per emotion, confusion."""
    glossary()
    table = metrics_table(metrics)
    st.dataframe(
        table.rename(columns=COLUMN_NAMES),
        hide_index=True,
        column_config={
            name: st.column_config.Column(name, help=COLUMN_HELP[name])
            for name in COLUMN_HELP
            if name in set(table.rename(columns=COLUMN_NAMES).columns)
        },
    )
    common.chart(metrics_bars(table), "compare_metrics")
    st.caption("Error bars: 95% bootstrap intervals (1,000 resamples of the rows, seed 0).")
    ranked = list(table["model"])
    n1, n2 = st.columns(2)
    first = n1.selectbox("Is the difference between", ranked, index=0, key="compare_noise_a")
    second = n2.selectbox("and", ranked, index=min(1, len(ranked) - 1), key="compare_noise_b")
    verdict = noise_verdict(metrics, first, second) if first != second else None
    if verdict:
        st.info(verdict)
    common.chart(heatmap(per_class_f1(metrics), "F1 per emotion", axes=("Emotion", "Model")), "compare_per_class")
    c1, c2 = st.columns([2, 1])
    model = c1.selectbox("Confusion matrix of", ranked, key="compare_confusion_model")
    normalise = c2.toggle("Row-normalised", value=True, key="compare_normalise")
    common.chart(
        confusion_heatmap(
            metrics["models"][model]["confusion"]["matrix"], normalise, f"{model}: gold (rows) vs predicted (columns)"
        ),
        "compare_confusion",
    )


def calibration(metrics: dict) -> None:
    """ECE and Brier per system, and a reliability diagram (before and after calibration for local models)."""
    st.subheader("Is the confidence right?")
    st.caption(
        "Expected calibration error over 15 equal-mass bins (0 is perfect) and Brier score. Local models serve "
        "calibrated probabilities (a temperature, then a monotone confidence map, both fitted on ISEAR dev; "
        "'ECE on ISEAR dev, cross-validated' is the honest figure for that fit); LLMs and imported sets give "
        "single answers (confidence 1). On a few hundred rows even a perfectly calibrated model scores above 0: "
        "'within noise up to' is the ECE 95% of its draws stay under, and the grey band in the diagram is where "
        "its bins fall."
    )
    calibrated = calibration_table(metrics)
    st.dataframe(
        calibrated,
        hide_index=True,
        column_config={
            name: st.column_config.Column(name, help=CALIBRATION_HELP[name])
            for name in CALIBRATION_HELP
            if name in calibrated.columns
        },
    )
    names = list(metrics["models"])
    local = [n for n in names if "calibration_before" in metrics["models"][n]] or names
    model = st.selectbox("Reliability diagram of", names, index=names.index(local[0]), key="compare_reliability_model")
    common.chart(
        reliability_diagram(reliability_frame(metrics, model), f"{model}: accuracy against confidence"),
        "compare_reliability",
    )


def cascades(metrics: dict, predictions: pd.DataFrame) -> None:
    """Quality against the share of rows sent to a fallback, for a chosen pair, from stored predictions."""
    st.subheader("Cascade: call the second model only where the first is unsure")
    firsts = confidence_systems(predictions, metrics)
    if not firsts or len(metrics["models"]) < 2:
        st.info("A cascade needs a local model (with confidences) and a second system.")
        return
    if len(predictions) < MIN_ROWS_FOR_CASCADE:
        st.info(
            f"Not drawn: {len(predictions)} rows are too few to choose an operating point (at least "
            f"{MIN_ROWS_FOR_CASCADE}); the stored ISEAR evaluation shows the curve."
        )
        return
    c1, c2, c3 = st.columns([2, 2, 2])
    first = c1.selectbox("First (local)", firsts, key="compare_cascade_first")
    fallback = c2.selectbox("Fallback", fallback_systems(metrics, first), key="compare_cascade_fallback")
    share = c3.slider("Operating point: share sent to the fallback", 0.0, 1.0, 0.4, 0.05, key="compare_cascade_share")
    curve = cascade_curve(predictions, first, fallback)
    alone = {first: metrics["models"][first]["macro_f1"], fallback: metrics["models"][fallback]["macro_f1"]}
    common.chart(cascade_chart(curve, first, fallback, share, alone), "compare_cascade_curve")
    point = curve.iloc[(curve["share"] - share).abs().argmin()]
    st.caption(
        f"At {point['share']:.0%} of rows ({int(point['rows_to_fallback']):,}) answered by {fallback}: macro-F1 "
        f"{point['macro_f1']:.3f}. Computed from the stored predictions, no model is called."
    )


def cost(metrics: dict, texts: list[str]) -> None:
    """Macro-F1 against texts per second and against dollars per 1,000 texts, the Pareto front marked."""
    st.subheader("Quality against speed and cost")
    table = cost_speed(metrics, texts, read_benchmarks())
    left, right = st.columns(2)
    markers = model_markers(table["model"])  # one colour and symbol per model in both charts
    common.chart(
        pareto_chart(
            table, "texts_per_s", "front_speed", "macro-F1 against texts per second", log_x=True, markers=markers
        ),
        "compare_pareto_speed",
        left,
    )
    paid = table["usd_per_1k"].fillna(0).gt(0)
    if paid.any():
        common.chart(
            pareto_chart(
                table[paid], "usd_per_1k", "front_cost", "macro-F1 against $ per 1,000 texts", markers=markers
            ),
            "compare_pareto_cost",
            right,
        )
        free = table.loc[~paid & table["usd_per_1k"].notna(), "model"].tolist()
        if free:
            right.caption(f"Free to run, so not drawn on the cost axis: {', '.join(free)}.")
    else:
        right.info("No cost axis: every model here is free to run (local models, or LLM answers imported).")
    unknown = table[table["usd_per_1k"].isna()]["model"].tolist()
    measured = table[table["cost_basis"] == "measured"]["model"].tolist()
    st.caption(
        "Local models: texts/s from BENCHMARKS.md (2 CPU cores), cost 0. LLMs: preset prices over the tokens the "
        "endpoint reported in this evaluation"
        + (f" ({', '.join(measured)})" if measured else " (none here)")
        + ", else over estimated tokens (4 characters a token, prompt included); 4 requests in flight. Cascades: the "
        "first model on every row, the fallback on its share."
        + (f" No price or speed known for: {', '.join(unknown)}." if unknown else "")
    )


def evaluation(metrics: dict, predictions: pd.DataFrame, texts: list[str]) -> None:
    """Every view of an evaluation, in order."""
    scores(metrics)
    calibration(metrics)
    cascades(metrics, predictions)
    cost(metrics, texts)
