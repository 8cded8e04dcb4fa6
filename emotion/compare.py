"""Model comparison: stored evaluations, pairwise agreement, disagreements between models."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd

from emotion.config import ARTIFACTS_DIR
from emotion.labels import LABELS
from emotion.metrics import agreement

EVALUATION_DIR = ARTIFACTS_DIR / "evaluation"


def load_evaluation(folder: Path = EVALUATION_DIR) -> tuple[dict, pd.DataFrame]:
    """``metrics.json`` and ``predictions.csv`` of a stored evaluation."""
    metrics = json.loads((folder / "metrics.json").read_text())
    predictions = pd.read_csv(folder / "predictions.csv", keep_default_na=False, na_values=[""]).astype(
        {name: object for name in metrics["models"]}
    )
    return metrics, predictions.where(predictions.notna(), None)


def metrics_table(metrics: dict) -> pd.DataFrame:
    """One row per model: family, n, answered, accuracy, macro precision/recall/F1."""
    rows = [
        {
            "model": name,
            "family": m["family"],
            "n": m["n"],
            "answered": m["answered"],
            **{k: round(m[k], 4) for k in ("accuracy", "macro_precision", "macro_recall", "macro_f1")},
        }
        for name, m in metrics["models"].items()
    ]
    return pd.DataFrame(rows).sort_values("macro_f1", ascending=False, ignore_index=True)


def per_class_f1(metrics: dict) -> pd.DataFrame:
    """Models on rows, emotions on columns, F1 in the cells."""
    return pd.DataFrame(
        {name: {label: m["per_class"][label]["f1"] for label in LABELS} for name, m in metrics["models"].items()}
    ).T


def pairwise(labels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement rate and Cohen's kappa for every pair of columns of ``labels`` (one column per model)."""
    names = list(labels.columns)
    agree = pd.DataFrame(1.0, index=names, columns=names)
    kappa = pd.DataFrame(1.0, index=names, columns=names)
    for a, b in itertools.combinations(names, 2):
        same, k = agreement(list(labels[a]), list(labels[b]))
        agree.loc[a, b] = agree.loc[b, a] = same
        kappa.loc[a, b] = kappa.loc[b, a] = k
    return agree, kappa


def disagreement_counts(labels: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Rows where ``a`` and ``b`` both answered and differ, counted by (label of a, label of b)."""
    both = labels[[a, b]].dropna()
    differ = both[both[a] != both[b]]
    return pd.crosstab(differ[a], differ[b]).reindex(index=list(LABELS), columns=list(LABELS), fill_value=0)


def disagreement_rows(
    frame: pd.DataFrame,
    a: str,
    b: str,
    gold: str | None = None,
    predicted: str | None = None,
    gold_column: str = "gold",
) -> pd.DataFrame:
    """Rows where models ``a`` and ``b`` disagree, optionally filtered by gold label and by a predicted label."""
    rows = frame[frame[a].notna() & frame[b].notna() & (frame[a] != frame[b])]
    if gold and gold_column in rows:
        rows = rows[rows[gold_column] == gold]
    if predicted:
        rows = rows[(rows[a] == predicted) | (rows[b] == predicted)]
    return rows
