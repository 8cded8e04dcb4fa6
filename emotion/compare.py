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
    """One row per model: family, n, answered, accuracy, macro precision/recall/F1, and the 95% bootstrap
    interval bounds of accuracy and macro-F1 (``accuracy_low`` … ``macro_f1_high``; NaN in older files)."""
    rows = []
    for name, m in metrics["models"].items():
        intervals = m.get("intervals", {})
        bounds = {
            f"{metric}_{side}": round(intervals[metric][i], 4) if metric in intervals else float("nan")
            for metric in ("accuracy", "macro_f1")
            for i, side in enumerate(("low", "high"))
        }
        scores = {k: round(m[k], 4) for k in ("accuracy", "macro_precision", "macro_recall", "macro_f1")}
        rows.append({"model": name, "family": m["family"], "n": m["n"], "answered": m["answered"], **scores, **bounds})
    return pd.DataFrame(rows).sort_values("macro_f1", ascending=False, ignore_index=True)


def noise_verdict(metrics: dict, a: str, b: str) -> str | None:
    """One line on whether ``a`` and ``b`` differ beyond noise (paired bootstrap of macro-F1), or ``None``."""
    differences = metrics.get("differences", {})
    key, sign = (f"{a} - {b}", 1) if f"{a} - {b}" in differences else (f"{b} - {a}", -1)
    if key not in differences:
        return None
    entry = differences[key]
    low, high = sorted(sign * v for v in entry["interval"])
    difference = sign * entry["macro_f1_difference"]
    span = f"{a} − {b}: macro-F1 {difference:+.3f} (95% interval {low:+.3f} to {high:+.3f})"
    if entry["within_noise"]:
        return f"{span}: within noise, the data cannot tell these two apart."
    return f"{span}: {a if difference > 0 else b} is better beyond noise."


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
