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
        title={"text": title},
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": {"text": "Probability"}},
        yaxis={"autorange": "reversed", "title": {"text": "Emotion"}},
        **_LAYOUT,
    )
    return figure


def word_bars(words: list[tuple[str, float]], label: str, model: str = "") -> go.Figure:
    """The words whose deletion lowered the answer's probability most (leave one word out)."""
    figure = go.Figure(
        go.Bar(
            x=[w for _, w in words],
            y=[t for t, _ in words],
            orientation="h",
            marker_color=COLORS[label],
            hovertemplate="%{y}: without it, " + label + " falls by %{x:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": f"Words behind {label}"},
        xaxis={
            "title": {"text": "Drop without the word"},
            # whole percents unless every drop is small: ticks must fit a third of a narrow screen
            "tickformat": ".0%" if max((abs(w) for _, w in words), default=0) >= 0.04 else ".1%",
            "nticks": 4,
        },
        yaxis={"autorange": "reversed", "automargin": True, "title": {"text": "Word"}},
        **_LAYOUT,
    )
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
    # Values inside the bars from their base, so the error bars at their tops never cross them.
    figure.update_traces(textposition="inside", insidetextanchor="start", textangle=-90, cliponaxis=False)
    figure.update_layout(
        title={"text": "Scores per model (95% intervals)"},
        xaxis={"title": {"text": "Model"}, "tickangle": -90, "automargin": True},
        yaxis={"range": [0, 1], "title": {"text": "Score"}},
        **{**_LAYOUT, "height": 420},
    )
    return figure


def heatmap(
    matrix: pd.DataFrame,
    title: str,
    fmt: str = ".2f",
    zmin: float | None = 0,
    zmax: float | None = 1,
    scale: str = "Blues",
    axes: tuple[str, str] = ("Model", "Model"),
) -> go.Figure:
    """A labelled heatmap with values written in the cells; ``axes``: the titles of the columns' and rows' axes."""
    figure = px.imshow(matrix, text_auto=fmt, color_continuous_scale=scale, zmin=zmin, zmax=zmax, aspect="auto")
    longest = max((len(str(c)) for c in matrix.columns), default=0)
    figure.update_layout(
        title={"text": title},
        xaxis={"tickangle": -90, "automargin": True, "side": "bottom", "title": {"text": axes[0]}},
        yaxis={"automargin": True, "title": {"text": axes[1]}},
        **{**_LAYOUT, "height": 120 + 36 * len(matrix) + 6 * longest},
    )
    return figure


def confusion_heatmap(matrix: list[list[int]], normalise: bool, title: str) -> go.Figure:
    """Confusion matrix, gold on rows and predictions on columns; ``normalise`` divides each row by its sum."""
    frame = pd.DataFrame(matrix, index=list(LABELS), columns=list(LABELS), dtype=float)
    if normalise:
        frame = frame.div(frame.sum(axis=1).replace(0, 1), axis=0)
    figure = heatmap(
        frame,
        title,
        ".2f" if normalise else ".0f",
        0,
        None if not normalise else 1,
        axes=("Predicted emotion", "Gold emotion"),
    )
    return figure


def distribution_bars(counts: pd.DataFrame, title: str = "Rows per emotion") -> go.Figure:
    """Label counts per model (``counts``: rows = labels, columns = models), with a title and axis titles."""
    long = counts.reset_index(names="emotion").melt(id_vars="emotion", var_name="model", value_name="rows")
    figure = px.bar(
        long, x="model", y="rows", color="emotion", color_discrete_map=COLORS, category_orders={"emotion": list(LABELS)}
    )
    figure.update_layout(
        title={"text": title},
        xaxis_title="Model",
        yaxis_title="Rows",
        legend_title_text="Emotion",
        **{**_LAYOUT, "height": 360, "margin": {"l": 10, "r": 10, "t": 50, "b": 10}},
    )
    return figure


def reliability_diagram(bins: pd.DataFrame, title: str) -> go.Figure:
    """Accuracy against mean confidence per equal-mass bin (one line per stage), the diagonal as reference.

    Where ``bins`` has ``low`` and ``high`` (the accuracies 95% of a perfectly calibrated model's draws fall
    between), the first stage's band is shaded: points inside it are within noise.
    """
    figure = go.Figure(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="ideal")
    )
    if len(bins) and {"low", "high"} <= set(bins.columns):
        served = bins[bins["stage"] == bins["stage"].iloc[0]].dropna(subset=["low", "high"])
        figure.add_trace(
            go.Scatter(
                x=list(served["confidence"]) + list(served["confidence"])[::-1],
                y=list(served["high"]) + list(served["low"])[::-1],
                fill="toself",
                fillcolor="rgba(128, 128, 128, 0.18)",
                line={"width": 0},
                hoverinfo="skip",
                name="perfectly calibrated, 95% of draws",
            )
        )
    for stage, part in bins.groupby("stage", sort=False) if len(bins) else []:
        figure.add_trace(
            go.Scatter(
                x=part["confidence"],
                y=part["accuracy"],
                mode="lines+markers",
                name=stage,
                line={"dash": "dash"} if stage.startswith("before") else {},
                customdata=part["rows"],
                hovertemplate="confidence %{x:.2f}<br>accuracy %{y:.2f}<br>%{customdata} rows",
            )
        )
    figure.update_layout(
        title=title,
        xaxis={"title": "Confidence (mean of the bin)", "range": [0, 1]},
        yaxis={"title": "Accuracy (share right)", "range": [0, 1]},
        **{**_LAYOUT, "height": 340},
    )
    return figure


def cascade_chart(curve: pd.DataFrame, first: str, fallback: str, share: float, alone: dict[str, float]) -> go.Figure:
    """Macro-F1 against the share of rows sent to the fallback; the operating point and both models alone."""
    figure = go.Figure(
        go.Scatter(x=curve["share"], y=curve["macro_f1"], mode="lines+markers", name=f"cascade:{first}+{fallback}")
    )
    for name, value in alone.items():
        figure.add_hline(y=value, line_dash="dot", annotation_text=f"{name} alone {value:.3f}")
    at = curve.iloc[(curve["share"] - share).abs().argmin()]
    figure.add_trace(
        go.Scatter(
            x=[at["share"]],
            y=[at["macro_f1"]],
            mode="markers",
            marker={"size": 14, "symbol": "star"},
            name=f"operating point: {at['share']:.0%} → {at['macro_f1']:.3f}",
        )
    )
    figure.update_layout(
        xaxis={"title": f"share of rows answered by {fallback}", "tickformat": ".0%"},
        yaxis={"title": "macro-F1"},
        **{**_LAYOUT, "height": 360},
    )
    return figure


AXIS_TITLES = {"texts_per_s": "Texts per second, 2 CPU cores (log scale)", "usd_per_1k": "US$ per 1,000 texts"}


SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "hexagon", "cross", "pentagon", "triangle-down"]
MARKER_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def model_markers(models) -> dict[str, tuple[str, str]]:
    """One colour and symbol per model, the same in every chart (keyed by the sorted model names)."""
    names = sorted(set(map(str, models)))
    return {n: (MARKER_COLORS[i % len(MARKER_COLORS)], SYMBOLS[i % len(SYMBOLS)]) for i, n in enumerate(names)}


def pareto_chart(
    table: pd.DataFrame,
    x: str,
    front: str,
    title: str,
    log_x: bool = False,
    *,
    markers: dict[str, tuple[str, str]] | None = None,
) -> go.Figure:
    """Macro-F1 (with its interval) against speed or cost; the Pareto front drawn as a line.

    Each model is its own trace, named in the legend rather than written beside its point, so no two labels can
    overlap or be cut at the chart's edge. ``markers`` (:func:`model_markers` of every model the page shows) keeps a
    model's colour and symbol when a chart shows only some of them (the cost chart: models with a price).
    """
    shown = table.dropna(subset=[x]).sort_values(x)
    figure = go.Figure()
    marker_of = markers or model_markers(table["model"])
    for row in shown.itertuples(index=False):
        on_front = bool(getattr(row, front))
        figure.add_trace(
            go.Scatter(
                x=[getattr(row, x)],
                y=[row.macro_f1],
                mode="markers",
                name=f"{row.model}" + (" (on the front)" if on_front else ""),
                marker={
                    "size": 13 if on_front else 10,
                    "color": marker_of[row.model][0],
                    "symbol": marker_of[row.model][1],
                    "line": {"width": 2 if on_front else 0, "color": "#D55E00"},
                },
                error_y={
                    "type": "data",
                    "array": [row.macro_f1_high - row.macro_f1],
                    "arrayminus": [row.macro_f1 - row.macro_f1_low],
                },
                hovertemplate=f"{row.model}: macro-F1 %{{y:.3f}}, %{{x}}<extra></extra>",
            )
        )
    line = shown[shown[front]].sort_values(x)
    figure.add_trace(
        go.Scatter(
            x=line[x],
            y=line["macro_f1"],
            mode="lines",
            line={"color": "#D55E00"},
            name="Pareto front",
            hoverinfo="skip",
        )
    )
    figure.update_layout(
        title={"text": title},
        xaxis={"title": {"text": AXIS_TITLES.get(x, x.replace("_", " "))}, "type": "log" if log_x else "linear"},
        yaxis={"title": {"text": "Macro-F1 (95% interval)"}},
        legend={"font": {"size": 11}},
        **{**_LAYOUT, "height": 420},
    )
    return figure
