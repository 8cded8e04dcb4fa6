"""Plotly figures of the Insights answers, for the page and the report: each with a title and axis titles, one
colour per emotion (:data:`emotion.labels.COLORS`)."""

from __future__ import annotations

import copy
import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from emotion.labels import COLORS, LABELS

SLIDE = {"width": 1600, "height": 900}
"""PNG size of a chart for a slide."""
SLIDE_FONT = 20
"""Axis and legend text on a slide, in pixels at :data:`SLIDE` size (titles larger)."""
SMALL_OPACITY = 0.35
"""Periods with too few rows to test, and words within noise, are drawn this faint."""


def shown(value: object) -> str:
    """A value from the table as chart text: HTML-escaped, so a cell holding ``<a href=…>`` draws as text."""
    return html.escape(str(value))


def for_slide(fig: go.Figure, subtitle: str | None = None) -> go.Figure:
    """A copy of ``fig`` for a 1600×900 slide: text at :data:`SLIDE_FONT` px (titles larger, dark), the finding's
    sentence as subtitle."""
    slide = copy.deepcopy(fig)
    title = slide.layout.title.text or ""
    slide.update_layout(
        font={"size": SLIDE_FONT, "color": "#1d2330"},
        title={"text": title, "font": {"size": SLIDE_FONT + 8}, "subtitle": {"text": shown(subtitle or "")}},
        margin={"l": 20, "r": 20, "t": 120 if subtitle else 80, "b": 20},
        height=SLIDE["height"],
        width=SLIDE["width"],
    )
    slide.update_xaxes(tickfont={"size": SLIDE_FONT, "color": "#1d2330"}, title_font={"size": SLIDE_FONT})
    slide.update_yaxes(tickfont={"size": SLIDE_FONT, "color": "#1d2330"}, title_font={"size": SLIDE_FONT})
    slide.update_traces(textfont={"size": SLIDE_FONT}, selector={"type": "bar"})
    return slide


def _frame(fig: go.Figure, title: str, x: str, y: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top"},
        template="plotly_white",
    )
    fig.update_xaxes(title_text=x, automargin=True)
    fig.update_yaxes(title_text=y, automargin=True)
    return fig


def empty_figure(title: str, message: str) -> go.Figure:
    """A frame that says why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 16})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _frame(fig, title, "", "", height=240)


def overall_bars(overall: pd.DataFrame, estimator: str, rows: int) -> go.Figure:
    """Each emotion's share with its 95% interval."""
    data = overall.set_index("emotion").reindex(LABELS)
    fig = go.Figure(
        go.Bar(
            x=data.index,
            y=data["share"],
            text=[f"{v:.0%}" if v == v else "" for v in data["share"]],
            textposition="inside",
            insidetextanchor="start",
            marker_color=[COLORS[e] for e in data.index],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": data["high"] - data["share"],
                "arrayminus": data["share"] - data["low"],
            },
            customdata=data[["low", "high"]].to_numpy(),
            hovertemplate="%{x}: %{y:.1%} (95% interval %{customdata[0]:.1%} to %{customdata[1]:.1%})<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=".0%")
    return _frame(
        fig, f"Share of each emotion ({rows:,} rows, {estimator} estimate, 95% intervals)", "Emotion", "Share of rows"
    )


_PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d"]
"""Colours of categories that are not emotions (themes)."""


def segment_bars(shares: pd.DataFrame, column: str) -> go.Figure:
    """Stacked shares per segment (one bar per segment, largest segment on top), values on the bars; segment names
    drawn as text (escaped)."""
    if shares.empty:
        return empty_figure(f"Emotions by {column}", "No segment to show")
    order = list(dict.fromkeys(shares["segment"]))
    fig = go.Figure()
    categories = list(dict.fromkeys(shares["emotion"]))
    palette = [COLORS.get(c) or _PALETTE[i % len(_PALETTE)] for i, c in enumerate(categories)]
    for emotion, color in zip(categories, palette, strict=True):
        part = shares.loc[shares["emotion"].eq(emotion)].set_index("segment").reindex(order)
        fig.add_bar(
            y=[shown(s) for s in order],
            x=part["share"],
            name=shown(emotion),
            orientation="h",
            marker_color=color,
            text=[f"{v:.0%}" if v == v and v >= 0.06 else "" for v in part["share"]],
            textposition="inside",
            insidetextanchor="middle",
            customdata=part[["low", "high", "rows"]].assign(segment=part.index, emotion=emotion).to_numpy(),
            hovertemplate=(
                "%{y}: " + shown(emotion) + " %{x:.1%} (95% interval %{customdata[0]:.1%} to "
                "%{customdata[1]:.1%}, %{customdata[2]} rows)<extra></extra>"
            ),
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    return _frame(
        fig, f"Emotions by {column}", "Share of the segment's rows", column, height=max(320, 60 + 34 * len(order))
    )


def period_lines(table: pd.DataFrame, emotions: list[str], frequency: str) -> go.Figure:
    """Shares per period with 95% bands, volume bars below, moved periods marked."""
    if table.empty:
        return empty_figure("Emotions over time", "No dated rows to show")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.06)
    for emotion in emotions:
        part = table.loc[table["emotion"].eq(emotion)]
        color = COLORS[emotion]
        fig.add_scatter(
            x=list(part["start"]) + list(part["start"][::-1]),
            y=list(part["high"]) + list(part["low"][::-1]),
            fill="toself",
            fillcolor=color,
            opacity=0.15,
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
            row=1,
            col=1,
        )
        small = part["small"] if "small" in part else pd.Series(False, index=part.index)
        fig.add_scatter(
            x=part["start"],
            y=part["share"],
            name=emotion,
            mode="lines+markers",
            line={"color": color},
            marker={"opacity": [SMALL_OPACITY if s else 1.0 for s in small], "size": 8},
            customdata=part[["period", "low", "high", "rows", "emotion"]].to_numpy(),
            hovertemplate=(
                "%{customdata[0]}: " + emotion + " %{y:.1%} (95% interval %{customdata[1]:.1%} to "
                "%{customdata[2]:.1%}, %{customdata[3]} rows)<extra></extra>"
            ),
            row=1,
            col=1,
        )
        moved = part.loc[part["moved"]]
        if len(moved):
            fig.add_scatter(
                x=moved["start"],
                y=moved["share"],
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                marker={"symbol": "circle-open", "size": 16, "color": color, "line": {"width": 3}},
                row=1,
                col=1,
            )
    volume = table.drop_duplicates("period")
    fig.add_bar(
        x=volume["start"],
        y=volume["rows"],
        name="rows",
        marker_color="#999999",
        showlegend=False,
        hovertemplate="%{x}: %{y} rows<extra></extra>",
        row=2,
        col=1,
    )
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    _frame(
        fig,
        f"Emotions by {frequency} (95% bands; circled: moved beyond noise; faint: too few rows to test)",
        "",
        "",
        height=520,
    )
    fig.update_xaxes(title_text=frequency.capitalize(), row=2, col=1)
    fig.update_yaxes(title_text="Share of rows", row=1, col=1)
    fig.update_yaxes(title_text="Rows", row=2, col=1)
    return fig


def driver_bars(terms: pd.DataFrame, group: str, color: str | None = None) -> go.Figure:
    """The most distinctive terms of a group, by z-score."""
    if terms.empty:
        return empty_figure(f"Words that mark {group}", "No term appears often enough to score")
    noise = terms["beyond_noise"].astype(bool) if "beyond_noise" in terms else pd.Series(True, index=terms.index)
    fig = go.Figure(
        go.Bar(
            y=[shown(t) for t in terms["term"]],
            x=terms["score"],
            orientation="h",
            marker_color=color or COLORS.get(group, "#555555"),
            marker_opacity=[1.0 if n else SMALL_OPACITY for n in noise],
            customdata=terms[["comments"]].to_numpy(),
            hovertemplate="%{y}: z %{x:.1f}, in %{customdata[0]} comments<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _frame(
        fig,
        f"Words that mark {shown(group)}" + ("" if noise.all() else " (faint: within noise)"),
        "Distinctiveness (weighted log-odds z-score)",
        "Term",
        height=max(300, 70 + 30 * len(terms)),
    )
