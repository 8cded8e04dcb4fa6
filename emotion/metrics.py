"""Evaluation metrics, all from ``sklearn.metrics``."""

from __future__ import annotations

from collections.abc import Sequence

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
