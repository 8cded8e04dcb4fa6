"""Plotly figures for the dashboard; every emotion keeps its colour from :data:`emotion.labels.COLORS`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from emotion.labels import COLORS, LABELS

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 300}


def probability_bars(proba: np.ndarray, title: str = "") -> go.Figure:
    """Horizontal bars of the seven probabilities of one text."""
    figure = go.Figure(
        go.Bar(
            x=list(proba),
            y=list(LABELS),
            orientation="h",
            marker_color=[COLORS[label] for label in LABELS],
            text=[f"{p:.0%}" for p in proba],
            textposition="auto",
        )
    )
    figure.update_layout(
        title=title, xaxis={"range": [0, 1], "tickformat": ".0%"}, yaxis={"autorange": "reversed"}, **_LAYOUT
    )
    return figure


def word_bars(words: list[tuple[str, float]], label: str) -> go.Figure:
    """The words that pushed toward ``label`` (TF-IDF explanations)."""
    figure = go.Figure(
        go.Bar(x=[w for _, w in words], y=[t for t, _ in words], orientation="h", marker_color=COLORS[label])
    )
    figure.update_layout(title=f"Words pushing toward {label}", yaxis={"autorange": "reversed"}, **_LAYOUT)
    return figure


def metrics_bars(table: pd.DataFrame) -> go.Figure:
    """Grouped bars of accuracy and macro precision/recall/F1 per model; 95% intervals as error bars where known."""
    long = table.melt(
        id_vars="model",
        value_vars=["accuracy", "macro_precision", "macro_recall", "macro_f1"],
        var_name="metric",
        value_name="score",
    )
    by_model = table.set_index("model")

    def error(model: str, metric: str, side: str) -> float | None:
        bound = f"{metric}_{side}"
        if bound not in by_model or pd.isna(by_model.at[model, bound]):
            return None
        return abs(by_model.at[model, bound] - by_model.at[model, metric])

    pairs = list(zip(long["model"], long["metric"], strict=True))
    long["minus"] = [error(model, metric, "low") for model, metric in pairs]
    long["plus"] = [error(model, metric, "high") for model, metric in pairs]
    figure = px.bar(
        long,
        x="model",
        y="score",
        color="metric",
        barmode="group",
        text_auto=".2f",
        error_y="plus",
        error_y_minus="minus",
    )
    figure.update_layout(yaxis={"range": [0, 1]}, **{**_LAYOUT, "height": 380})
    return figure


def heatmap(
    matrix: pd.DataFrame,
    title: str,
    fmt: str = ".2f",
    zmin: float | None = 0,
    zmax: float | None = 1,
    scale: str = "Blues",
) -> go.Figure:
    """A labelled heatmap with values written in the cells."""
    figure = px.imshow(matrix, text_auto=fmt, color_continuous_scale=scale, zmin=zmin, zmax=zmax, aspect="auto")
    figure.update_layout(title=title, **{**_LAYOUT, "height": 80 + 36 * len(matrix)})
    return figure


def confusion_heatmap(matrix: list[list[int]], normalise: bool, title: str) -> go.Figure:
    """Confusion matrix, gold on rows and predictions on columns; ``normalise`` divides each row by its sum."""
    frame = pd.DataFrame(matrix, index=list(LABELS), columns=list(LABELS), dtype=float)
    if normalise:
        frame = frame.div(frame.sum(axis=1).replace(0, 1), axis=0)
    figure = heatmap(frame, title, ".2f" if normalise else ".0f", 0, None if not normalise else 1)
    figure.update_layout(xaxis_title="predicted", yaxis_title="gold")
    return figure


def distribution_bars(counts: pd.DataFrame) -> go.Figure:
    """Label counts per model (``counts``: rows = labels, columns = models)."""
    long = counts.reset_index(names="emotion").melt(id_vars="emotion", var_name="model", value_name="rows")
    figure = px.bar(
        long, x="model", y="rows", color="emotion", color_discrete_map=COLORS, category_orders={"emotion": list(LABELS)}
    )
    figure.update_layout(**{**_LAYOUT, "height": 360})
    return figure
