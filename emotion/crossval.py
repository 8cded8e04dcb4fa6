"""Repeated stratified k-fold cross-validation over stored predictions: how choices on dev are made.

Ensemble members and weights are chosen by scoring each candidate out of fold: whatever a candidate fits
(weights) is fitted on the other folds and judged on the held-out one, every dev row once per repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import RepeatedStratifiedKFold

from emotion.labels import LABELS

Predict = Callable[[np.ndarray, np.ndarray], Sequence[str]]
"""``predict(fit_rows, held_rows)``: labels for ``held_rows``, fitting only on ``fit_rows``."""


def repeated_folds(gold: Sequence[str], folds: int = 5, repeats: int = 3, seed: int = 0) -> list[list[tuple]]:
    """Per repeat, the ``(fit_rows, held_rows)`` of each fold; the same for the same arguments."""
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    splits = list(splitter.split(np.zeros(len(gold)), np.asarray(gold)))
    return [splits[r * folds : (r + 1) * folds] for r in range(repeats)]


def out_of_fold(predict: Predict, gold: Sequence[str], folds: int = 5, repeats: int = 3, seed: int = 0) -> list[list]:
    """Per repeat, every row's out-of-fold label (each row held out exactly once per repeat)."""
    results = []
    for splits in repeated_folds(gold, folds, repeats, seed):
        labels = np.full(len(gold), None, dtype=object)
        for fit_rows, held_rows in splits:
            labels[held_rows] = list(predict(fit_rows, held_rows))
        results.append(list(labels))
    return results


def cv_macro_f1(predict: Predict, gold: Sequence[str], folds: int = 5, repeats: int = 3, seed: int = 0) -> dict:
    """Macro-F1 of the out-of-fold labels: ``{"mean", "sd", "runs": [per repeat]}``."""
    runs = [
        float(f1_score(list(gold), labels, labels=list(LABELS), average="macro", zero_division=0))
        for labels in out_of_fold(predict, gold, folds, repeats, seed)
    ]
    return {"mean": round(float(np.mean(runs)), 4), "sd": round(float(np.std(runs)), 4), "runs": runs}


def one_standard_error_choice(scores: dict[str, dict], complexity: Callable[[str], float]) -> str:
    """The simplest candidate whose mean is within one sd of the best one's (a guard against a lucky winner)."""
    best = max(scores, key=lambda k: scores[k]["mean"])
    floor = scores[best]["mean"] - scores[best]["sd"]
    close = [k for k in scores if scores[k]["mean"] >= floor]
    return min(close, key=lambda k: (complexity(k), -scores[k]["mean"]))
