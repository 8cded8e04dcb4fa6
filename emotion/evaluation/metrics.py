"""Evaluation metrics, all from ``sklearn.metrics``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from emotion.labels import LABELS


def classification_metrics(gold: Sequence[str], predicted: Sequence[str | None]) -> dict:
    """Accuracy, macro and per-class precision/recall/F1 and the confusion matrix.

    A missing prediction (``None``) counts as wrong for its gold class: rows are never dropped.

    Returns:
        ``{"n", "answered", "accuracy", "macro_precision", "macro_recall", "macro_f1", "per_class":
        {label: {precision, recall, f1, support}}, "confusion": {"labels", "matrix"}}`` where
        ``matrix[i][j]`` counts gold ``labels[i]`` predicted as ``labels[j]``.
    """
    predicted = ["(none)" if p is None else p for p in predicted]
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=list(LABELS), zero_division=0
    )
    macro = precision_recall_fscore_support(gold, predicted, labels=list(LABELS), average="macro", zero_division=0)
    return {
        "n": len(gold),
        "answered": sum(p != "(none)" for p in predicted),
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro_precision": float(macro[0]),
        "macro_recall": float(macro[1]),
        "macro_f1": float(macro[2]),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(LABELS, precision, recall, f1, support, strict=True)
        },
        "confusion": {
            "labels": list(LABELS),
            "matrix": confusion_matrix(gold, predicted, labels=list(LABELS)).tolist(),
        },
    }


def agreement(a: Sequence[str | None], b: Sequence[str | None]) -> tuple[float, float]:
    """Fraction of rows where two models agree, and Cohen's kappa, over rows both answered."""
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    if not pairs:
        return float("nan"), float("nan")
    xs, ys = zip(*pairs, strict=True)
    same = sum(x == y for x, y in pairs) / len(pairs)
    kappa = cohen_kappa_score(xs, ys, labels=list(LABELS)) if len(set(xs) | set(ys)) > 1 else 1.0
    return float(same), float(kappa)


BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0


def _resample_counts(n: int, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, n)`` counts: how often each row is drawn in each bootstrap resample (rows with replacement)."""
    rng = np.random.default_rng(seed)
    counts = np.zeros((resamples, n))
    np.add.at(counts, (np.repeat(np.arange(resamples), n), rng.integers(0, n, resamples * n)), 1)
    return counts


def _scores(counts: np.ndarray, gold: Sequence[str], predicted: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and macro-F1 (as :func:`classification_metrics` computes them) of every resample."""
    g = np.array([[label == k for k in LABELS] for label in gold], dtype=float)
    p = np.array([[label == k for k in LABELS] for label in predicted], dtype=float)
    correct = (g * p).sum(axis=1)
    accuracy = counts @ correct / counts.sum(axis=1)
    tp, support, guessed = counts @ (g * p), counts @ g, counts @ p
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(support + guessed > 0, 2 * tp / (support + guessed), 0.0)
    return accuracy, f1.mean(axis=1)


def _interval(values: np.ndarray, level: float) -> list[float]:
    tail = (1 - level) / 2
    return [float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))]


def bootstrap_intervals(
    gold: Sequence[str],
    predicted: Sequence[str | None],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> dict:
    """Percentile bootstrap intervals of accuracy and macro-F1: ``{"accuracy": [lo, hi], "macro_f1": [lo, hi]}``.

    Rows are resampled with replacement, ``resamples`` times, with a fixed ``seed`` (the same resamples for
    every model of an evaluation, so their intervals and differences are comparable).
    """
    accuracy, macro_f1 = _scores(_resample_counts(len(gold), resamples, seed), gold, predicted)
    return {"accuracy": _interval(accuracy, level), "macro_f1": _interval(macro_f1, level)}


def paired_difference(
    gold: Sequence[str],
    a: Sequence[str | None],
    b: Sequence[str | None],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> dict:
    """Macro-F1 of ``a`` minus ``b`` on the same rows, with its paired bootstrap interval.

    Returns:
        ``{"macro_f1_difference", "interval": [lo, hi], "within_noise"}``; within noise when the
        interval holds 0.
    """
    counts = _resample_counts(len(gold), resamples, seed)
    difference = _scores(counts, gold, a)[1] - _scores(counts, gold, b)[1]
    whole = np.ones((1, len(gold)))
    point = float(_scores(whole, gold, a)[1][0] - _scores(whole, gold, b)[1][0])
    low, high = _interval(difference, level)
    return {"macro_f1_difference": point, "interval": [low, high], "within_noise": bool(low <= 0 <= high)}


def fallback_curve(
    gold: Sequence[str],
    first: Sequence[str | None],
    confidence: np.ndarray,
    fallback: Sequence[str | None],
    shares: Sequence[float] = tuple(np.linspace(0, 1, 21)),
) -> list[dict]:
    """Macro-F1 and accuracy of the cascade when its least confident ``share`` of rows go to the fallback.

    Computed from stored answers, without calling any model. Ties in confidence are broken by row order,
    so each share sends exactly ``round(share * n)`` rows.

    Returns:
        One ``{"share", "macro_f1", "accuracy", "rows_to_fallback"}`` per share.
    """
    confidence = np.nan_to_num(np.asarray(confidence, dtype=float), nan=-1.0)
    order = np.argsort(confidence, kind="stable")
    points = []
    for share in shares:
        sent = np.zeros(len(gold), dtype=bool)
        sent[order[: round(share * len(gold))]] = True
        labels = [f if s and f is not None else a for a, f, s in zip(first, fallback, sent, strict=True)]
        scores = classification_metrics(list(gold), labels)
        points.append(
            {
                "share": round(float(share), 4),
                "macro_f1": scores["macro_f1"],
                "accuracy": scores["accuracy"],
                "rows_to_fallback": int(sent.sum()),
            }
        )
    return points
