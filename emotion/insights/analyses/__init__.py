"""Every Insights analysis, in the order the page, the report and ``insights.json`` show them.

Each is one module holding one :class:`~emotion.insights.contract.Analysis`; :func:`analyse` runs them all on a
prepared table (what ``python -m emotion report`` writes).
"""

from __future__ import annotations

from emotion.insights import shares
from emotion.insights.analyses.drivers import Drivers
from emotion.insights.analyses.examples import Examples
from emotion.insights.analyses.overview import Overview
from emotion.insights.analyses.segments import Segments
from emotion.insights.analyses.themes import Themes
from emotion.insights.analyses.time import Time
from emotion.insights.contract import Analysis, Choices
from emotion.insights.prepared import MODEL_LABEL, Prepared, model_quality
from emotion.insights.table import NO_CLEAR_EMOTION

ANALYSES: tuple[Analysis, ...] = (Overview(), Segments(), Time(), Themes(), Drivers(), Examples())


def register(analysis: Analysis) -> None:
    """Add an analysis after the built-in ones (a plug-in)."""
    global ANALYSES
    if any(a.name == analysis.name for a in ANALYSES):
        raise ValueError(f"an analysis {analysis.name!r} is registered already")
    ANALYSES = (*ANALYSES, analysis)


def header(prepared: Prepared, choices: Choices) -> dict:
    """What every reader of ``insights.json`` needs first: who labelled, how well, what was counted."""
    table = prepared.table
    estimator = choices.estimator or prepared.default_estimator()
    out = {
        "model": table.model or MODEL_LABEL.get(table.label_column, f"labels from column {table.label_column!r}"),
        "label_column": table.label_column,
        "model_quality": model_quality(table.model),
        "estimator": {"name": estimator, "description": shares.ESTIMATORS[estimator]},
        "rows": {"total": len(table.frame), "counted": len(prepared.rows)},
        "excluded": table.excluded_counts(),
        "no_emotion_flagged": _flagged(table),
        "choices": {
            "by": list(choices.by),
            "cross": choices.cross,
            "time": choices.time,
            "emotions": list(choices.emotions),
            "min_difference": choices.min_difference,
        },
    }
    if prepared.confusion is not None:
        out["estimator"]["confusion_measured_on"] = prepared.confusion.source
    return out


def _flagged(table) -> dict:
    rows = table.excluded_counts().get(NO_CLEAR_EMOTION, 0)
    return {"rows": rows, "share": round(rows / max(len(table.frame), 1), 4)}


def analyse(prepared: Prepared, choices: Choices | None = None) -> dict:
    """The whole analysis as ``insights.json`` holds it: :func:`header`, then each analysis' section by its name
    (an analysis with nothing to say for these choices is left out)."""
    choices = choices or Choices()
    out = header(prepared, choices)
    for analysis in ANALYSES:
        section = analysis.compute(prepared, choices)
        if section is not None:
            out[analysis.name] = section
    return out
